/**
 * Reachability verdicts under Kubernetes NetworkPolicy semantics: policies only allow, and the
 * allows of every policy selecting a pod add up. A pod is isolated for a direction only when a
 * policy selecting it affects that direction; an isolated pod may send (receive) exactly what
 * some rule of those policies allows.
 */
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule } from "kubernetes-types/networking/v1.js";
import { isolatingPolicies, namespaceLabels, policyId, policyNamespace } from "./policy-model.ts";
import type { NamespaceLabels } from "./policy-model.ts";
import { peersMatch, portsMatch } from "./rule-match.ts";
import { isPod } from "./types.ts";
import type { ConnectionVerdict, Direction, Endpoint, Peer, PodEndpoint, PodRef, PortSpec, Verdict } from "./types.ts";

/** May `pod` send to `destination` (an address, or a pod) on the destination's port? */
export function egressVerdict(pod: PodRef, destination: Endpoint, policies: readonly NetworkPolicy[], namespaces: readonly Namespace[] | NamespaceLabels): Verdict {
  return directionVerdict("Egress", pod, destination, destination, isPod(destination) ? destination : undefined, policies, asMap(namespaces));
}

/**
 * May `pod` receive from `source` on `pod.port`/`pod.protocol`? Named ports in ingress rules
 * resolve against `pod.ports`.
 */
export function ingressVerdict(pod: PodEndpoint, source: Peer, policies: readonly NetworkPolicy[], namespaces: readonly Namespace[] | NamespaceLabels): Verdict {
  return directionVerdict("Ingress", pod, source, pod, pod, policies, asMap(namespaces));
}

/**
 * Both halves: the source pod's egress (when the source is a pod) AND the destination pod's
 * ingress (when the destination is a pod). The connection works only if both allow it.
 */
export function connectionVerdict(source: Peer, destination: Endpoint, policies: readonly NetworkPolicy[], namespaces: readonly Namespace[] | NamespaceLabels): ConnectionVerdict {
  const map = asMap(namespaces);
  const egress = isPod(source) ? egressVerdict(source, destination, policies, map) : undefined;
  const ingress = isPod(destination) ? ingressVerdict(destination, source, policies, map) : undefined;
  const allowed = (egress?.allowed ?? true) && (ingress?.allowed ?? true);
  const parts = [egress, ingress].filter((v): v is Verdict => v !== undefined);
  const reason = allowed
    ? parts.map((v) => v.reason).join("; ") || `${describePeer(source)} -> ${describeEndpoint(destination)}: no pod on either side, NetworkPolicy does not apply`
    : parts.filter((v) => !v.allowed).map((v) => v.reason).join("; ");
  return { allowed, reason, ...(egress === undefined ? {} : { egress }), ...(ingress === undefined ? {} : { ingress }) };
}

function directionVerdict(direction: Direction, subject: PodRef, other: Peer, conn: PortSpec, portOwner: PodRef | undefined, policies: readonly NetworkPolicy[], namespaces: NamespaceLabels): Verdict {
  const flow = direction === "Egress"
    ? `egress from ${describePeer(subject)} to ${describeEndpoint({ ...other, ...portOf(conn) } as Endpoint)}`
    : `ingress to ${describeEndpoint({ ...subject, ...portOf(conn) } as Endpoint)} from ${describePeer(other)}`;
  if (subject.hostNetwork === true) {
    return { allowed: true, isolated: false, reason: `${flow} is not governed by NetworkPolicy: the pod uses the host network`, policies: [] };
  }
  const isolating = isolatingPolicies(policies, subject, direction);
  if (isolating.length === 0) {
    return { allowed: true, isolated: false, reason: `${flow} is allowed: no NetworkPolicy selecting the pod lists ${direction}, so it is not isolated`, policies: [] };
  }
  const key = direction === "Egress" ? "egress" : "ingress";
  const allowing: string[] = [];
  for (const p of isolating) {
    const rules: readonly (NetworkPolicyEgressRule | NetworkPolicyIngressRule)[] = (direction === "Egress" ? p.spec?.egress : p.spec?.ingress) ?? [];
    rules.forEach((rule, i) => {
      if (rule === null || typeof rule !== "object") return;
      const peers = direction === "Egress" ? (rule as NetworkPolicyEgressRule).to : (rule as NetworkPolicyIngressRule).from;
      if (portsMatch(rule.ports, conn, portOwner) && peersMatch(peers, policyNamespace(p), other, namespaces)) {
        allowing.push(`${policyId(p)} ${key}[${i}]`);
      }
    });
  }
  if (allowing.length > 0) {
    return { allowed: true, isolated: true, reason: `${flow} is allowed by ${allowing.join(", ")}`, policies: allowing };
  }
  const ids = isolating.map(policyId);
  return {
    allowed: false,
    isolated: true,
    reason: `${flow} is denied: the pod is isolated for ${direction} by ${ids.join(", ")} and no ${key} rule of those policies matches`,
    policies: ids,
  };
}

function portOf(conn: PortSpec): PortSpec {
  return { port: conn.port, protocol: conn.protocol ?? "TCP" };
}

/** `ns/Kind/name`, or `a pod in ns with labels {…}`, or the address. */
export function describePeer(peer: Peer): string {
  if (!isPod(peer)) return peer.ip;
  if (peer.name !== undefined) return peer.name;
  const labels = `{${Object.entries(peer.labels).map(([k, v]) => `${k}=${v}`).join(", ")}}`;
  return `a pod in namespace ${peer.namespace} with labels ${labels}${peer.ip === undefined ? "" : ` (${peer.ip})`}`;
}

export function describeEndpoint(e: Endpoint): string {
  const port = `${e.port}/${e.protocol ?? "TCP"}`;
  return isPod(e) ? `${describePeer(e)} port ${port}` : `${e.ip}:${port}`;
}

function asMap(namespaces: readonly Namespace[] | NamespaceLabels): NamespaceLabels {
  return namespaces instanceof Map ? namespaces : namespaceLabels(namespaces as readonly Namespace[]);
}
