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

export type DiffOptions = CompareOptions;

/**
 * Compares the objects a stack renders (`desired`) with the objects of a manifest (`actual`).
 * Throws ConfigError when an input is not a Kubernetes object or one side holds the same object twice.
 */
export function diffManifests(desired: readonly KubeObject[], actual: readonly KubeObject[], opts: DiffOptions = {}): DriftReport {
  const issues = [...inputIssues(desired, "desired"), ...inputIssues(actual, "actual")];
  if (issues.length > 0) throw new ConfigError(issues, "diff input");

  const actualByKey = new Map(actual.map((o) => [objectKey(o), o]));
  const desiredKeys = new Set(desired.map(objectKey));
  const changed: ObjectDrift[] = [];
  const uncomparedSecrets: UncomparedSecret[] = [];
  let matched = 0;
  for (const d of desired) {
    const a = actualByKey.get(objectKey(d));
    if (a === undefined) continue;
    matched++;
    const result = compareObjects(withStringDataEncoded(d), withStringDataEncoded(a), opts);
    const object = objectRef(d);
    if (result.fields.length > 0) changed.push({ object, fields: result.fields });
    for (const path of result.uncomparedSecrets) uncomparedSecrets.push({ object, path });
  }
  const onlyDesired = unmatched(desired.filter((o) => !actualByKey.has(objectKey(o))), actual, "the manifest");
  const onlyActual = unmatched(actual.filter((o) => !desiredKeys.has(objectKey(o))), desired, "the stack");
  return {
    drift: changed.length + onlyDesired.length + onlyActual.length > 0,
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
  return objects.map((o) => {
    const twins = otherSide.filter((x) => objectKeyIgnoringNamespace(x) === objectKeyIgnoringNamespace(o));
    if (twins.length === 0) return { object: objectRef(o) };
    const where = twins.map((t) => (t.metadata.namespace ? `namespace "${t.metadata.namespace}"` : "no namespace")).join(", ");
    const own = o.metadata.namespace ? `namespace "${o.metadata.namespace}"` : "no metadata.namespace";
    return {
      object: objectRef(o),
      note: `${otherName} has the same ${o.kind} with ${where}, this one has ${own}; objects only match with the same namespace: set metadata.namespace explicitly on both sides`,
    };
  });
}

function inputIssues(objects: readonly unknown[], side: "desired" | "actual"): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  objects.forEach((o, i) => {
    const problem = kubeObjectProblem(o);
    if (problem !== undefined) {
      issues.push({ path: `${side}[${i}]`, message: problem, fix: "give every object apiVersion, kind and metadata.name" });
      return;
    }
    const obj = o as KubeObject;
    const first = seen.get(objectKey(obj));
    if (first !== undefined) {
      issues.push({ path: `${side}[${i}]`, message: `is ${formatObjectRef(objectRef(obj))} again (also ${side}[${first}])`, fix: "keep one copy of each object" });
    } else {
      seen.set(objectKey(obj), i);
    }
  });
  return issues;
}
