/**
 * A Kubernetes object as the diff sees it, and its identity: API group (not version), kind,
 * namespace and name. `apps/v1` and `apps/v1beta2` Deployments of one name are the same object.
 */
import { quoteValue } from "../quote.ts";

/** Any Kubernetes object: apiVersion, kind, metadata.name and whatever else it carries. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

/** Which object a finding is about. `namespace` is absent when the object does not set one. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Why a field that must be a string is not one; YAML 1.1 turns unquoted `n`, `no`, `on`, ... into booleans. */
function notAString(path: string, v: unknown): string {
  const what = Array.isArray(v) ? "a list" : v === null ? "null" : `a ${typeof v}`;
  return `has ${path} ${quoteValue(v)}, which is ${what}, not a string${typeof v === "boolean" || typeof v === "number" ? " (quote it: YAML reads unquoted y, n, yes, no, on, off and numbers as other types)" : ""}`;
}

/** What keeps `value` from being a Kubernetes object, or `undefined` when it is one. */
export function kubeObjectProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return `is ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}, not a mapping`;
  const metadata = isPlainObject(value["metadata"]) ? value["metadata"] : {};
  const required: [string, unknown][] = [
    ["apiVersion", value["apiVersion"]],
    ["kind", value["kind"]],
    ["metadata.name", metadata["name"]],
  ];
  const missing = required.filter(([, v]) => v === undefined || v === null || v === "").map(([p]) => p);
  if (missing.length > 0) return `has no ${missing.join(", ")}`;
  for (const [path, v] of [...required, ["metadata.namespace", metadata["namespace"] ?? ""] as [string, unknown]]) {
    if (typeof v !== "string") return notAString(path, v);
  }
  return undefined;
}

export function isKubeObject(value: unknown): value is KubeObject {
  return kubeObjectProblem(value) === undefined;
}

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** `Deployment.apps`, `ConfigMap` (core), `AutoscalingRunnerSet.actions.github.com`: kubectl's spelling. */
export function groupKind(apiVersion: string, kind: string): string {
  const group = apiGroup(apiVersion);
  return group === "" ? kind : `${kind}.${group}`;
}

function namespaceOf(obj: KubeObject): string | undefined {
  const ns = obj.metadata.namespace;
  return typeof ns === "string" && ns !== "" ? ns : undefined;
}

export function objectRef(obj: KubeObject): ObjectRef {
  const namespace = namespaceOf(obj);
  return { apiVersion: obj.apiVersion, kind: obj.kind, ...(namespace === undefined ? {} : { namespace }), name: obj.metadata.name };
}

/** The identity two objects must share to be compared: group, kind, namespace (or none), name. */
export function objectKey(obj: KubeObject): string {
  return `${groupKind(obj.apiVersion, obj.kind)} ${namespaceOf(obj) ?? ""}/${obj.metadata.name}`;
}

/** Like objectKey but without the namespace: finds the same object filed under another namespace. */
export function objectKeyIgnoringNamespace(obj: KubeObject): string {
  return `${groupKind(obj.apiVersion, obj.kind)} ${obj.metadata.name}`;
}

/** `apps/v1 Deployment runners/gh-runner-a`, or `v1 Namespace runners` without a namespace. */
export function formatObjectRef(ref: ObjectRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

/** Kinds that live outside any namespace (the built-in ones a runner manifest may hold). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass", "RuntimeClass", "IngressClass",
  "CustomResourceDefinition", "APIService", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver", "CSINode", "VolumeAttachment",
]);

/** `object` in namespace `namespace` when it names none and its kind is namespaced (as `kubectl apply -n` places it). */
export function inDefaultNamespace<T extends KubeObject>(object: T, namespace: string | undefined): T {
  if (namespace === undefined || object.metadata.namespace !== undefined || CLUSTER_SCOPED_KINDS.has(object.kind)) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}
