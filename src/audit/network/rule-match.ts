/**
 * Matching one NetworkPolicy rule against one connection: peers (`to`/`from`) and ports.
 * A rule matches when BOTH a peer and a port match; absent or empty lists match everything.
 */
import type { NetworkPolicyPeer, NetworkPolicyPort } from "kubernetes-types/networking/v1.js";
import { cidrContains, parseAddress, parseCidr } from "./cidr.ts";
import { selectorMatches } from "./label-selector.ts";
import { labelsOfNamespace } from "./policy-model.ts";
import type { NamespaceLabels } from "./policy-model.ts";
import { isPod } from "./types.ts";
import type { Peer, PodRef, PortSpec } from "./types.ts";

/**
 * Whether one peer item matches the far side of the connection.
 * - `ipBlock`: addresses only (a pod matches when it is given with an `ip`); `except` carves holes.
 * - `namespaceSelector` and `podSelector` in ONE item: both must match (AND).
 * - `namespaceSelector` alone: every pod in the matching namespaces.
 * - `podSelector` alone: matching pods in the policy's own namespace.
 * Invalid items (empty, or ipBlock mixed with selectors) match nothing: the API server rejects them.
 */
export function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: Peer, namespaces: NamespaceLabels): boolean {
  if (peer === null || typeof peer !== "object") return false;
  const hasIpBlock = peer.ipBlock != null;
  const hasPodSel = peer.podSelector != null;
  const hasNsSel = peer.namespaceSelector != null;
  if (hasIpBlock) {
    if (hasPodSel || hasNsSel || other.ip === undefined) return false;
    const address = parseAddress(other.ip);
    const cidr = parseCidr(peer.ipBlock?.cidr ?? "");
    if (address === undefined || cidr === undefined || !cidrContains(cidr, address)) return false;
    return !(peer.ipBlock?.except ?? []).some((e) => {
      const hole = parseCidr(e);
      return hole !== undefined && cidrContains(hole, address);
    });
  }
  if (!hasPodSel && !hasNsSel) return false;
  // Selectors only ever match pods on the pod network.
  if (!isPod(other) || other.hostNetwork === true) return false;
  const namespaceOk = hasNsSel
    ? selectorMatches(peer.namespaceSelector, labelsOfNamespace(namespaces, other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && (!hasPodSel || selectorMatches(peer.podSelector, other.labels));
}

/** Whether a rule's peer list matches: absent or `[]` matches every peer; otherwise any item (OR). */
export function peersMatch(peers: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string, other: Peer, namespaces: NamespaceLabels): boolean {
  if (!Array.isArray(peers) || peers.length === 0) return true;
  return peers.some((p) => peerMatches(p, policyNamespace, other, namespaces));
}

/**
 * Whether a rule's port list matches the connection's destination port. Absent or `[]` matches all
 * ports. Each item: protocol (default TCP) must equal; no `port` means every port of that protocol;
 * a number matches it exactly, or the range port..endPort; a name matches a container port of
 * `portOwner` (the destination pod) with that name, protocol and number — never an address.
 */
export function portsMatch(ports: readonly NetworkPolicyPort[] | undefined, conn: PortSpec, portOwner: PodRef | undefined): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  const protocol = conn.protocol ?? "TCP";
  return ports.some((p) => {
    if (p === null || typeof p !== "object") return false;
    const pProto = p.protocol ?? "TCP";
    if (pProto !== protocol) return false;
    if (p.port === undefined || p.port === null) return true;
    if (typeof p.port === "number") {
      return p.endPort === undefined || p.endPort === null ? conn.port === p.port : conn.port >= p.port && conn.port <= p.endPort;
    }
    return (portOwner?.ports ?? []).some((cp) => cp.name === p.port && (cp.protocol ?? "TCP") === pProto && cp.containerPort === conn.port);
  });
}
