/**
 * Reading NetworkPolicy and Namespace objects the way the API server defaults them:
 * policy types, namespaces, and the automatic `kubernetes.io/metadata.name` namespace label.
 */
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { selectorMatches } from "./label-selector.ts";
import { DEFAULT_NAMESPACE } from "./pods-from.ts";
import type { Direction, KubeObject, Labels, PodRef } from "./types.ts";

/** The label the API server puts on every namespace (GA since Kubernetes 1.22). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function networkPoliciesFrom(objects: readonly KubeObject[]): NetworkPolicy[] {
  return objects.filter((o) => o !== null && typeof o === "object" && o.kind === "NetworkPolicy" && (o.apiVersion ?? "networking.k8s.io/v1") === "networking.k8s.io/v1") as unknown as NetworkPolicy[];
}

export function namespacesFrom(objects: readonly KubeObject[]): Namespace[] {
  return objects.filter((o) => o !== null && typeof o === "object" && o.kind === "Namespace" && (o.apiVersion ?? "v1") === "v1") as unknown as Namespace[];
}

export function policyNamespace(p: NetworkPolicy): string {
  return p.metadata?.namespace ?? DEFAULT_NAMESPACE;
}

/** `namespace/name`. */
export function policyId(p: NetworkPolicy): string {
  return `${policyNamespace(p)}/${p.metadata?.name ?? "(unnamed)"}`;
}

/**
 * The policy types after API defaulting: when `policyTypes` is absent or empty, Ingress always,
 * and Egress only when the policy has at least one egress rule (`egress: []` does NOT count).
 */
export function effectivePolicyTypes(p: NetworkPolicy): readonly Direction[] {
  const declared = p.spec?.policyTypes;
  if (Array.isArray(declared) && declared.length > 0) {
    return declared.filter((t): t is Direction => t === "Ingress" || t === "Egress");
  }
  const egress = p.spec?.egress;
  return Array.isArray(egress) && egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

export function affects(p: NetworkPolicy, direction: Direction): boolean {
  return effectivePolicyTypes(p).includes(direction);
}

/** Whether the policy's `spec.podSelector` selects `pod` (same namespace only). */
export function policySelects(p: NetworkPolicy, pod: PodRef): boolean {
  // spec.podSelector is required; an absent one is the empty selector (all pods).
  return policyNamespace(p) === pod.namespace && selectorMatches(p.spec?.podSelector, pod.labels);
}

/** Policies that select `pod` and affect `direction`: the ones that isolate it. */
export function isolatingPolicies(policies: readonly NetworkPolicy[], pod: PodRef, direction: Direction): NetworkPolicy[] {
  return policies.filter((p) => policySelects(p, pod) && affects(p, direction));
}

/** Namespace name -> labels, each including `kubernetes.io/metadata.name`. */
export type NamespaceLabels = ReadonlyMap<string, Labels>;

export function namespaceLabels(namespaces: readonly Namespace[]): NamespaceLabels {
  const out = new Map<string, Labels>();
  for (const ns of namespaces) {
    const name = ns.metadata?.name;
    if (name === undefined) continue;
    out.set(name, { ...(ns.metadata?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name });
  }
  return out;
}

/** Labels of a namespace; one without a Namespace object carries only its name label. */
export function labelsOfNamespace(map: NamespaceLabels, name: string): Labels {
  return map.get(name) ?? { [NAMESPACE_NAME_LABEL]: name };
}
