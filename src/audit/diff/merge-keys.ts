/**
 * How each list is compared: THE merge-key table. Keyed lists follow the strategic-merge-patch
 * merge keys of the Kubernetes API (`x-kubernetes-patch-merge-key`, and the server-side-apply
 * `x-kubernetes-list-map-keys` where the API adds a second key such as `protocol`), the way
 * `kubectl diff` pairs items: order does not matter, items are matched by key.
 * `set` lists are compared as sets of whole items. Every other list is atomic and ordered.
 */

/** One key field of a keyed list; `default` stands in when an item omits the field. */
export interface MergeKeyField {
  readonly field: string;
  readonly default?: string | number;
}

export type ListSemantics =
  | { readonly kind: "keyed"; readonly keys: readonly MergeKeyField[] }
  | { readonly kind: "set" }
  | { readonly kind: "ordered" };

const keyed = (...keys: (string | MergeKeyField)[]): ListSemantics => ({
  kind: "keyed",
  keys: keys.map((k) => (typeof k === "string" ? { field: k } : k)),
});
const SET: ListSemantics = { kind: "set" };
const ORDERED: ListSemantics = { kind: "ordered" };

/** `Type.field` (types from kube-types.ts) -> list semantics. */
export const LIST_SEMANTICS: Readonly<Record<string, ListSemantics>> = {
  // core/v1 PodSpec
  "PodSpec.containers": keyed("name"),
  "PodSpec.initContainers": keyed("name"),
  "PodSpec.ephemeralContainers": keyed("name"),
  "PodSpec.volumes": keyed("name"),
  "PodSpec.imagePullSecrets": keyed("name"),
  "PodSpec.hostAliases": keyed("ip"),
  "PodSpec.topologySpreadConstraints": keyed("topologyKey", "whenUnsatisfiable"),
  "PodSpec.resourceClaims": keyed("name"),
  "PodSpec.schedulingGates": keyed("name"),
  // Tolerations have no merge key (the API replaces the list whole); their order means nothing.
  "PodSpec.tolerations": SET,
  // core/v1 Container (also initContainers and ephemeralContainers)
  "Container.env": keyed("name"),
  "Container.volumeMounts": keyed("mountPath"),
  "Container.volumeDevices": keyed("devicePath"),
  "Container.ports": keyed("containerPort", { field: "protocol", default: "TCP" }),
  "Container.resizePolicy": keyed("resourceName"),
  // envFrom has no merge key: atomic, and its order decides which source wins.
  "Container.envFrom": ORDERED,
  // core/v1 Service
  "ServiceSpec.ports": keyed("port", { field: "protocol", default: "TCP" }),
  // metadata
  "ObjectMeta.ownerReferences": keyed("uid"),
  "ObjectMeta.finalizers": SET,
  // networking/v1 NetworkPolicy: the policy types are a set of flags.
  "NetworkPolicySpec.policyTypes": SET,
};

/** How the list in `field` of a value of type `type` is compared. */
export function listSemantics(type: string | undefined, field: string | undefined): ListSemantics {
  if (type === undefined || field === undefined) return ORDERED;
  return LIST_SEMANTICS[`${type}.${field}`] ?? ORDERED;
}
