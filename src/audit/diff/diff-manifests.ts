/**
 * Drift between what a stack would deploy and a manifest: objects are paired by API group, kind,
 * namespace and name; unpaired objects are reported per side, paired ones field by field.
 * A namespace must match exactly: an object without `metadata.namespace` is not assumed to live
 * in the namespace of a same-named object on the other side, but the report points it out.
 */
import { ConfigError, type ConfigIssue } from "../../model/issues.ts";
import type { CompareOptions } from "./compare-objects.ts";
import { compareObjects } from "./compare-objects.ts";
import type { DriftReport, ObjectDrift, UncomparedSecret, UnmatchedObject } from "./drift-report.ts";
import type { KubeObject } from "./kube-object.ts";
import { formatObjectRef, kubeObjectProblem, objectKey, objectKeyIgnoringNamespace, objectRef } from "./kube-object.ts";
import { withStringDataEncoded } from "./secret-data.ts";

export interface DiffOptions extends CompareOptions {
  /**
   * Objects only in the manifest are listed but not counted as drift: only what the stack manages
   * (objects it renders) can drift. @default false
   */
  readonly managedOnly?: boolean;
}

/**
 * Compares the objects a stack renders (`desired`) with the objects of a manifest (`actual`).
 * Throws ConfigError when an input is not a Kubernetes object or one side holds the same object twice.
 */
export function diffManifests(desired: readonly KubeObject[], actual: readonly KubeObject[], opts: DiffOptions = {}): DriftReport {
  // One key per object and one map per side, whatever the number of objects.
  const d = sideIndex(desired, "desired");
  const a = sideIndex(actual, "actual");
  const issues = [...d.issues, ...a.issues];
  if (issues.length > 0) throw new ConfigError(issues, "diff input");

  const changed: ObjectDrift[] = [];
  const uncomparedSecrets: UncomparedSecret[] = [];
  let matched = 0;
  desired.forEach((obj, i) => {
    const other = a.byKey.get(d.keys[i]!);
    if (other === undefined) return;
    matched++;
    const result = compareObjects(withStringDataEncoded(obj), withStringDataEncoded(actual[other]!), opts);
    const object = objectRef(obj);
    if (result.fields.length > 0) changed.push({ object, fields: result.fields });
    for (const path of result.uncomparedSecrets) uncomparedSecrets.push({ object, path });
  });
  const onlyDesired = unmatched(desired.filter((_, i) => !a.byKey.has(d.keys[i]!)), actual, "the manifest");
  const onlyActual = unmatched(actual.filter((_, i) => !d.byKey.has(a.keys[i]!)), desired, "the stack");
  const managedOnly = opts.managedOnly === true;
  return {
    drift: changed.length + onlyDesired.length + (managedOnly ? 0 : onlyActual.length) > 0,
    managedOnly,
    summary: {
      desired: desired.length,
      actual: actual.length,
      matched,
      changed: changed.length,
      onlyDesired: onlyDesired.length,
      onlyActual: onlyActual.length,
    },
    onlyDesired,
    onlyActual,
    changed,
    uncomparedSecrets,
  };
}

/** Objects of one side, each with a note when the other side has the same object in another namespace. */
function unmatched(objects: readonly KubeObject[], otherSide: readonly KubeObject[], otherName: string): UnmatchedObject[] {
  if (objects.length === 0) return [];
  const byName = new Map<string, KubeObject[]>();
  for (const x of otherSide) {
    const key = objectKeyIgnoringNamespace(x);
    const list = byName.get(key);
    if (list) list.push(x);
    else byName.set(key, [x]);
  }
  return objects.map((o) => {
    const twins = byName.get(objectKeyIgnoringNamespace(o)) ?? [];
    if (twins.length === 0) return { object: objectRef(o) };
    const where = twins.map((t) => (t.metadata.namespace ? `namespace "${t.metadata.namespace}"` : "no namespace")).join(", ");
    const own = o.metadata.namespace ? `namespace "${o.metadata.namespace}"` : "no metadata.namespace";
    // Both in a namespace: one side renders (or was exported) from the wrong one; else one side leaves it to kubectl's context.
    const bothNamed = o.metadata.namespace !== undefined && o.metadata.namespace !== "" && twins.every((t) => t.metadata.namespace);
    const fix = bothNamed ? "if they are the same objects, give both sides one namespace (the stack's namespace setting, or the namespace the manifest was exported from)" : "set metadata.namespace explicitly on both sides";
    return {
      object: objectRef(o),
      note: `${otherName} has the same ${o.kind} with ${where}, this one has ${own}; objects only match within one namespace: ${fix}`,
    };
  });
}

/** The keys of one side's objects, each key's first position, and what keeps the side from being compared. */
function sideIndex(objects: readonly unknown[], side: "desired" | "actual"): { keys: string[]; byKey: Map<string, number>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const keys: string[] = [];
  const byKey = new Map<string, number>();
  objects.forEach((o, i) => {
    const problem = kubeObjectProblem(o);
    if (problem !== undefined) {
      issues.push({ path: `${side}[${i}]`, message: problem, fix: "give every object apiVersion, kind and metadata.name" });
      keys.push("");
      return;
    }
    const obj = o as KubeObject;
    const key = objectKey(obj);
    keys.push(key);
    const first = byKey.get(key);
    if (first !== undefined) {
      issues.push({ path: `${side}[${i}]`, message: `is ${formatObjectRef(objectRef(obj))} again (also ${side}[${first}])`, fix: "keep one copy of each object" });
    } else {
      byKey.set(key, i);
    }
  });
  return { keys, byKey, issues };
}
