/**
 * Finite witness sets for "reachable on ANY port / from ANY pod address" questions. The set of
 * connections a rule allows is a union of port ranges (per protocol) and of CIDRs minus excepts,
 * so checking the start of every range and the first address after every hole is complete:
 * if anything is allowed, one of these candidates is.
 */
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "kubernetes-types/networking/v1.js";
import { addressAfter, cidrContains, hostAddress, parseAddress, parseCidr } from "./cidr.ts";
import type { Cidr } from "./cidr.ts";
import { PROTOCOLS } from "./types.ts";
import type { DeclaredPort, PortSpec, Protocol } from "./types.ts";

/** First container port number handed to named ports on a synthetic probe pod. */
const NAMED_PORT_BASE = 40000;

function allPorts(policies: readonly NetworkPolicy[]): NetworkPolicyPort[] {
  return policies.flatMap((p) => [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])]).flatMap((r) => (r && Array.isArray(r.ports) ? r.ports : []));
}

function allPeers(policies: readonly NetworkPolicy[]): NetworkPolicyPeer[] {
  return policies.flatMap((p) => [
    ...(p.spec?.ingress ?? []).flatMap((r) => (r && Array.isArray(r.from) ? r.from : [])),
    ...(p.spec?.egress ?? []).flatMap((r) => (r && Array.isArray(r.to) ? r.to : [])),
  ]);
}

/**
 * Named ports that appear in any rule, declared on a synthetic pod so that rules using them can
 * match it (an arbitrary pod may declare any port name).
 */
export function probeNamedPorts(policies: readonly NetworkPolicy[]): DeclaredPort[] {
  const seen = new Map<string, DeclaredPort>();
  for (const p of allPorts(policies)) {
    if (p === null || typeof p !== "object" || typeof p.port !== "string") continue;
    const protocol = p.protocol ?? "TCP";
    const key = `${p.port}/${protocol}`;
    if (!seen.has(key)) seen.set(key, { name: p.port, containerPort: NAMED_PORT_BASE + seen.size, protocol });
  }
  return [...seen.values()];
}

/** Destination ports worth trying: one arbitrary port per protocol plus every range start and declared port. */
export function candidatePorts(policies: readonly NetworkPolicy[], declared: readonly DeclaredPort[]): PortSpec[] {
  const out = new Map<string, PortSpec>();
  const add = (port: number, protocol: string) => {
    if (!PROTOCOLS.includes(protocol as Protocol)) return;
    out.set(`${port}/${protocol}`, { port, protocol: protocol as Protocol });
  };
  for (const protocol of PROTOCOLS) add(1, protocol);
  for (const p of allPorts(policies)) {
    if (p !== null && typeof p === "object" && typeof p.port === "number") add(p.port, p.protocol ?? "TCP");
  }
  for (const d of declared) add(d.containerPort, d.protocol ?? "TCP");
  return [...out.values()];
}

/** Addresses inside `range` worth trying: its first host, every ipBlock start inside it, and the address after every except. */
export function candidateAddresses(policies: readonly NetworkPolicy[], range: Cidr): string[] {
  const out = new Set<string>([hostAddress(range, 1)]);
  const consider = (text: string | undefined) => {
    if (text === undefined) return;
    const a = parseAddress(text);
    if (a !== undefined && cidrContains(range, a)) out.add(text);
  };
  for (const peer of allPeers(policies)) {
    if (peer === null || typeof peer !== "object" || peer.ipBlock == null) continue;
    const cidr = parseCidr(peer.ipBlock.cidr);
    if (cidr !== undefined) consider(hostAddress(cidr, 0));
    for (const e of peer.ipBlock.except ?? []) {
      const hole = parseCidr(e);
      if (hole !== undefined) consider(addressAfter(hole));
    }
  }
  return [...out];
}
