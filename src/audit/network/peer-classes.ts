/**
 * Representatives of every class of peers the policies can tell apart, for one runner pod.
 * NetworkPolicy sees a peer through its namespace (the policies that live there, and the labels
 * namespaceSelectors read) and its pod labels (podSelectors). So the peers worth probing are: a
 * witness of every peer term of the policies that govern the runner (the least labels that satisfy
 * it), the pods that policies elsewhere select when one of their rules names the runner, those two
 * merged where they share a namespace, and a pod no selector matches, in every namespace involved
 * and in a namespace no selector matches. If any peer in another namespace reaches the runner (or
 * is reached), one of these does.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { NetworkPolicy, NetworkPolicyPeer } from "kubernetes-types/networking/v1.js";
import { describeSelector, selectorMatches } from "./label-selector.ts";
import { NAMESPACE_NAME_LABEL, labelsOfNamespace, policyId, policyNamespace, policySelects } from "./policy-model.ts";
import type { NamespaceLabels } from "./policy-model.ts";
import { peersMatch } from "./rule-match.ts";
import type { Labels, PodRef } from "./types.ts";

/** One representative peer pod and the class it stands for. */
export interface PeerClass {
  readonly namespace: string;
  /** The namespace's labels (a representative namespace carries `kubernetes.io/metadata.name`). */
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
  /** The namespace exists only as a representative of namespaces the selectors match (or none match). */
  readonly synthetic: boolean;
  /** What the class stands for, e.g. `pods {app=cache} in namespace data`. */
  readonly description: string;
  /** The policy fields that name the class, e.g. `ci/allow-cache egress[0].to[0]`. */
  readonly namedBy: readonly string[];
}

/** Labels no selector targets: the pod that stands for every pod no selector picks out. */
export const UNSELECTED_POD_LABELS: Labels = { "audit.runner-fleet.dev/probe": "q7w3zk9x" };
/** The value a representative gives a label that a selector only requires to exist. */
const EXISTS_VALUE = "audit-probe";

/** The fewest labels `selector` selects, or undefined when nothing satisfies it. */
export function witnessLabels(selector: LabelSelector | undefined): Labels | undefined {
  const labels: Record<string, string> = {};
  if (selector === undefined || selector === null) return labels;
  const matchLabels: unknown = selector.matchLabels;
  if (matchLabels !== null && typeof matchLabels === "object" && !Array.isArray(matchLabels)) for (const [k, v] of Object.entries(matchLabels)) labels[k] = String(v);
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (e === null || typeof e !== "object" || typeof e.key !== "string") return undefined;
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    if (e.operator === "In" && !Object.hasOwn(labels, e.key) && values[0] !== undefined) labels[e.key] = values[0];
    if (e.operator === "Exists" && !Object.hasOwn(labels, e.key)) labels[e.key] = EXISTS_VALUE;
  }
  return selectorMatches(selector, labels) ? labels : undefined;
}

/** Both label sets at once, or undefined when they disagree on a key. */
function merged(a: Labels, b: Labels): Labels | undefined {
  for (const [k, v] of Object.entries(b)) if (Object.hasOwn(a, k) && a[k] !== v) return undefined;
  return { ...a, ...b };
}

const describeLabels = (labels: Labels): string => describeSelector({ matchLabels: { ...labels } });

interface Draft {
  /** A witness of a peer term of the runner's policies, or of the pods a policy elsewhere selects. */
  origin: "term" | "selected" | "merged" | "unselected";
  namespace: string;
  namespaceLabels: Labels;
  labels: Labels;
  synthetic: boolean;
  description: string;
  namedBy: Set<string>;
}

/**
 * The peer classes for `runner`: `policies` are every policy known (any namespace), `namespaces`
 * the namespaces' labels. `runner.namespace` is never given a synthetic twin.
 */
export function peerClassesFor(runner: PodRef, policies: readonly NetworkPolicy[], namespaces: NamespaceLabels): PeerClass[] {
  const drafts = new Map<string, Draft>();
  const policyNamespaces = new Set(policies.map(policyNamespace));
  let syntheticCount = 0;
  const syntheticName = (): string => {
    let name: string;
    do name = `audit-probe-ns-${++syntheticCount}`;
    while (policyNamespaces.has(name) || namespaces.has(name) || name === runner.namespace);
    return name;
  };
  const add = (origin: Draft["origin"], namespace: string, namespaceLabels: Labels, labels: Labels, synthetic: boolean, description: string, namedBy: string | undefined): void => {
    const key = JSON.stringify([namespace, labels]);
    const d = drafts.get(key) ?? { origin, namespace, namespaceLabels, labels, synthetic, description, namedBy: new Set<string>() };
    if (namedBy !== undefined) d.namedBy.add(namedBy);
    drafts.set(key, d);
  };
  const syntheticByLabels = new Map<string, string>();
  const namespacesFor = (selector: LabelSelector): { name: string; labels: Labels; synthetic: boolean }[] => {
    const out: { name: string; labels: Labels; synthetic: boolean }[] = [];
    // Real namespaces with policies of their own differ from the rest: each is its own class.
    for (const ns of policyNamespaces) {
      const labels = labelsOfNamespace(namespaces, ns);
      if (selectorMatches(selector, labels)) out.push({ name: ns, labels, synthetic: false });
    }
    const w = witnessLabels(selector);
    if (w === undefined) return out;
    const pinned = w[NAMESPACE_NAME_LABEL];
    if (pinned !== undefined) {
      if (!out.some((n) => n.name === pinned)) out.push({ name: pinned, labels: namespaces.get(pinned) ?? w, synthetic: !namespaces.has(pinned) });
      return out;
    }
    const key = JSON.stringify(w);
    const name = syntheticByLabels.get(key) ?? syntheticName();
    syntheticByLabels.set(key, name);
    out.push({ name, labels: { ...w, [NAMESPACE_NAME_LABEL]: name }, synthetic: true });
    return out;
  };

  // Peers the runner's own policies name.
  for (const p of policies) {
    if (policyNamespace(p) !== runner.namespace || !policySelects(p, runner)) continue;
    for (const [key, rules] of [["egress", p.spec?.egress], ["ingress", p.spec?.ingress]] as const) {
      (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
        if (rule === null || typeof rule !== "object") return;
        const peers: readonly NetworkPolicyPeer[] = (key === "egress" ? (rule as { to?: NetworkPolicyPeer[] }).to : (rule as { from?: NetworkPolicyPeer[] }).from) ?? [];
        peers.forEach((peer, j) => {
          if (peer === null || typeof peer !== "object" || peer.ipBlock != null) return;
          if (peer.podSelector == null && peer.namespaceSelector == null) return;
          const labels = witnessLabels(peer.podSelector ?? undefined);
          if (labels === undefined) return;
          const where = `${policyId(p)} ${key}[${i}].${key === "egress" ? "to" : "from"}[${j}]`;
          const targets = peer.namespaceSelector == null
            ? [{ name: policyNamespace(p), labels: labelsOfNamespace(namespaces, policyNamespace(p)), synthetic: false }]
            : namespacesFor(peer.namespaceSelector);
          const podPart = peer.podSelector == null ? "any pod" : `pods ${describeSelector(peer.podSelector)}`;
          for (const ns of targets) {
            const nsPart = ns.synthetic && peer.namespaceSelector != null && ns.labels[NAMESPACE_NAME_LABEL] === ns.name && ns.name.startsWith("audit-probe-ns-")
              ? `in namespaces ${describeSelector(peer.namespaceSelector)}`
              : `in namespace ${ns.name}`;
            add("term", ns.name, ns.labels, labels, ns.synthetic, `${podPart} ${nsPart}`, where);
          }
        });
      });
    }
  }
  // Pods that policies elsewhere select when a rule of theirs names the runner.
  for (const p of policies) {
    const ns = policyNamespace(p);
    if (ns === runner.namespace) continue;
    const list = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? v : []);
    const names = [...list(p.spec?.ingress).map((r) => r?.from), ...list(p.spec?.egress).map((r) => r?.to)];
    if (!names.some((peers) => peersMatch(peers, ns, runner, namespaces))) continue;
    const labels = witnessLabels(p.spec?.podSelector);
    if (labels !== undefined) add("selected", ns, labelsOfNamespace(namespaces, ns), labels, !namespaces.has(ns), `pods ${describeSelector(p.spec?.podSelector)} in namespace ${ns}`, `${policyId(p)} spec.podSelector`);
  }
  // A peer must match the runner's rule (a term) and pass its own namespace's policies (the pods a
  // policy there selects): where the two share a namespace, a pod with both label sets may do both.
  const byNamespace = new Map<string, Draft[]>();
  for (const d of drafts.values()) byNamespace.set(d.namespace, [...(byNamespace.get(d.namespace) ?? []), d]);
  for (const list of byNamespace.values()) {
    for (const x of list.filter((d) => d.origin === "term")) {
      for (const y of list.filter((d) => d.origin === "selected")) {
        const both = merged(x.labels, y.labels);
        if (both === undefined) continue;
        add("merged", x.namespace, x.namespaceLabels, both, x.synthetic, `pods ${describeLabels(both)} in namespace ${x.namespace}`, undefined);
        const d = drafts.get(JSON.stringify([x.namespace, both]))!;
        for (const n of [...x.namedBy, ...y.namedBy]) d.namedBy.add(n);
      }
    }
  }
  // A pod no selector picks out: in every namespace involved, and in a namespace no selector picks out.
  for (const list of byNamespace.values()) {
    const first = list[0]!;
    add("unselected", first.namespace, first.namespaceLabels, UNSELECTED_POD_LABELS, first.synthetic, `pods no selector matches in namespace ${first.namespace}`, undefined);
  }
  const other = syntheticName();
  add("unselected", other, { [NAMESPACE_NAME_LABEL]: other }, UNSELECTED_POD_LABELS, true, "pods in a namespace no selector matches", undefined);
  return [...drafts.values()].map((d) => ({ namespace: d.namespace, namespaceLabels: d.namespaceLabels, labels: d.labels, synthetic: d.synthetic, description: d.description, namedBy: [...d.namedBy] }));
}
