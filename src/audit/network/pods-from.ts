/**
 * Finds the pods that Kubernetes objects will run: a Pod itself, or the pod template of a
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob or ARC AutoscalingRunnerSet.
 * Labels are the template's labels plus the labels a controller adds with a value known in
 * advance (ARC runner labels, Job names); hashes and generated names are not modelled.
 */
import type { Container, PodSpec, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { DeclaredPort, KubeObject, Labels, PodRef } from "./types.ts";

/** A pod some object will run, with where its template lives in that object. */
export interface WorkloadPod extends PodRef {
  /** `namespace/Kind/name`. */
  readonly name: string;
  readonly source: KubeObject;
  readonly template: PodTemplateSpec;
  /** Path of the template inside `source`: `spec.template`, `spec.jobTemplate.spec.template`, or "" for a Pod. */
  readonly templatePath: string;
}

/** The namespace used when an object has no `metadata.namespace`. */
export const DEFAULT_NAMESPACE = "default";

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  "v1/Pod": [],
  "apps/v1/Deployment": ["spec", "template"],
  "apps/v1/ReplicaSet": ["spec", "template"],
  "apps/v1/StatefulSet": ["spec", "template"],
  "apps/v1/DaemonSet": ["spec", "template"],
  "batch/v1/Job": ["spec", "template"],
  "batch/v1/CronJob": ["spec", "jobTemplate", "spec", "template"],
  "actions.github.com/v1alpha1/AutoscalingRunnerSet": ["spec", "template"],
};

/** The pod `source` will run, or undefined when it runs none (or is not a kind the audit knows). */
export function podOf(source: KubeObject): WorkloadPod | undefined {
  if (source === null || typeof source !== "object") return undefined;
  const path = TEMPLATE_PATHS[`${source.apiVersion ?? ""}/${source.kind ?? ""}`];
  if (path === undefined) return undefined;
  const template = (path.length === 0 ? { metadata: source.metadata, spec: source["spec"] } : dig(source, path)) as PodTemplateSpec | undefined;
  if (template === undefined || template === null || typeof template !== "object") return undefined;
  const namespace = source.metadata?.namespace ?? DEFAULT_NAMESPACE;
  const name = `${namespace}/${source.kind}/${source.metadata?.name ?? "(unnamed)"}`;
  const spec: PodSpec | undefined = template.spec ?? undefined;
  return {
    name,
    namespace,
    labels: { ...controllerLabels(source, namespace), ...stringRecord(template.metadata?.labels), ...finalLabels(source) },
    ports: declaredPorts(spec),
    ...(spec?.hostNetwork === true ? { hostNetwork: true } : {}),
    source,
    template,
    templatePath: path.join("."),
  };
}

export function podsFrom(objects: readonly KubeObject[]): WorkloadPod[] {
  const out: WorkloadPod[] = [];
  for (const source of objects) {
    const pod = podOf(source);
    if (pod !== undefined) out.push(pod);
  }
  return out;
}

/** Every port declared by the pod's containers and init containers (sidecars listen too). */
export function declaredPorts(spec: PodSpec | undefined): DeclaredPort[] {
  const out: DeclaredPort[] = [];
  for (const list of [spec?.initContainers, spec?.containers]) {
    for (const c of (Array.isArray(list) ? list : []) as Container[]) {
      for (const p of Array.isArray(c?.ports) ? c.ports : []) {
        if (p === null || typeof p !== "object" || typeof p.containerPort !== "number") continue;
        out.push({ ...(typeof p.name === "string" ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" });
      }
    }
  }
  return out;
}

/** Labels a controller sets before the template's own labels are applied. */
function controllerLabels(source: KubeObject, namespace: string): Labels {
  if (source.kind === "AutoscalingRunnerSet") {
    // ARC copies these onto the EphemeralRunner, whose labels the runner pod inherits
    // (resourcebuilder.go: commonLabelKeys, component "runner").
    const own = source.metadata?.labels ?? {};
    return {
      "app.kubernetes.io/part-of": "gha-runner-scale-set",
      "app.kubernetes.io/component": "runner",
      "app.kubernetes.io/version": own["app.kubernetes.io/version"] ?? "",
      "actions.github.com/scale-set-name": source.metadata?.name ?? "",
      "actions.github.com/scale-set-namespace": namespace,
      ...githubUrlLabels(dig(source, ["spec", "githubConfigUrl"])),
    };
  }
  if (source.kind === "Job" && source.metadata?.name !== undefined) {
    return { "job-name": source.metadata.name, "batch.kubernetes.io/job-name": source.metadata.name };
  }
  return {};
}

/** Labels a controller sets after the template's labels, overriding them. */
function finalLabels(source: KubeObject): Labels {
  return source.kind === "AutoscalingRunnerSet" ? { "actions-ephemeral-runner": "True" } : {};
}

/** ARC's `applyGitHubURLLabels`: enterprise, or organization [+ repository], from the config URL. */
function githubUrlLabels(url: unknown): Labels {
  if (typeof url !== "string") return {};
  let parts: string[];
  try {
    parts = new URL(url).pathname.split("/").filter((p) => p !== "");
  } catch {
    return {};
  }
  if (parts[0] === "enterprises" && parts[1] !== undefined) return { "actions.github.com/enterprise": parts[1] };
  const labels: Record<string, string> = {};
  if (parts[0] !== undefined) labels["actions.github.com/organization"] = parts[0];
  if (parts[1] !== undefined) labels["actions.github.com/repository"] = parts[1];
  return labels;
}

function dig(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function stringRecord(v: unknown): Record<string, string> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}
