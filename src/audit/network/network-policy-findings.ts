/**
 * Problems in NetworkPolicy objects themselves: what the API server would reject (invalid
 * selectors, `except` outside `cidr`, bad ports) and what reads differently from what it does
 * (rules ignored by policyTypes, `egress: []` without policyTypes, names that promise a deny).
 */
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "kubernetes-types/networking/v1.js";
import { canonicalCidr, isStrictSubset, parseCidr } from "./cidr.ts";
import { selectorProblems } from "./label-selector.ts";
import { effectivePolicyTypes, networkPoliciesFrom, policyId } from "./policy-model.ts";
import type { KubeObject, NetworkPolicyFinding } from "./types.ts";
import { quote, quoteValue } from "../quote.ts";

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const DENY_NAME = /deny|block|forbid|isolat/i;

export function networkPolicyFindings(objects: readonly KubeObject[]): NetworkPolicyFinding[] {
  return networkPoliciesFrom(objects).flatMap(policyFindings);
}

export function policyFindings(p: NetworkPolicy): NetworkPolicyFinding[] {
  const policy = policyId(p);
  const out: NetworkPolicyFinding[] = [];
  const error = (path: string, message: string, fix: string) => out.push({ severity: "error", policy, path, message, fix });
  const warning = (path: string, message: string, fix: string) => out.push({ severity: "warning", policy, path, message, fix });

  for (const s of selectorProblems(p.spec?.podSelector, "spec.podSelector")) error(s.path, s.message, s.fix);

  const declared = p.spec?.policyTypes;
  (declared ?? []).forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress") error(`spec.policyTypes[${i}]`, `unknown policy type ${quoteValue(t)}`, "use Ingress and/or Egress");
  });
  const types = effectivePolicyTypes(p);
  const explicit = Array.isArray(declared) && declared.length > 0;

  for (const direction of ["ingress", "egress"] as const) {
    const rules = p.spec?.[direction];
    const type = direction === "ingress" ? "Ingress" : "Egress";
    if (Array.isArray(rules) && rules.length > 0 && !types.includes(type)) {
      warning(`spec.${direction}`, `${direction} rules are ignored: policyTypes ${quoteValue(declared)} does not list ${type}`, `add ${type} to spec.policyTypes, or remove spec.${direction}`);
    }
    (rules ?? []).forEach((rule, i) => {
      const peersKey = direction === "ingress" ? "from" : "to";
      const peers = (rule as { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[] })[peersKey] ?? [];
      peers.forEach((peer, j) => peerFindings(peer, `spec.${direction}[${i}].${peersKey}[${j}]`, error));
      (rule.ports ?? []).forEach((port, j) => portFindings(port, `spec.${direction}[${i}].ports[${j}]`, error));
    });
  }

  if (!explicit && Array.isArray(p.spec?.egress) && p.spec.egress.length === 0) {
    warning("spec.egress", "`egress: []` without policyTypes does not isolate egress: when policyTypes is omitted, Egress only counts if the policy has at least one egress rule", "list policyTypes explicitly, e.g. [Ingress, Egress], to deny all egress");
  }

  const name = p.metadata?.name ?? "";
  if (DENY_NAME.test(name)) {
    const allowing = (["ingress", "egress"] as const).filter((d) => types.includes(d === "ingress" ? "Ingress" : "Egress") && (p.spec?.[d]?.length ?? 0) > 0);
    if (allowing.length > 0) {
      warning(`spec.${allowing[0]}`, `the name ${quote(name)} promises a deny, but NetworkPolicies only allow: its ${allowing.join(" and ")} rules ALLOW traffic, and any other policy selecting the same pods adds more allows`, "isolate with a default-deny policy (empty rule lists, explicit policyTypes) and name allow policies after what they allow");
    }
  }
  return out;
}

function peerFindings(peer: NetworkPolicyPeer, path: string, error: (path: string, message: string, fix: string) => void): void {
  if (peer === null || typeof peer !== "object") {
    error(path, "peer is not an object", "write ipBlock, namespaceSelector and/or podSelector");
    return;
  }
  const hasIp = peer.ipBlock != null;
  const hasSel = peer.podSelector != null || peer.namespaceSelector != null;
  if (!hasIp && !hasSel) {
    error(path, "empty peer: the API server rejects a peer without ipBlock, namespaceSelector or podSelector", "to match every destination drop the `to`/`from` list; otherwise name the peer");
  }
  if (hasIp && hasSel) {
    error(path, "ipBlock cannot be combined with namespaceSelector or podSelector in one peer; the API server rejects it", "split it into two list items (which means OR)");
  }
  for (const s of selectorProblems(peer.namespaceSelector, `${path}.namespaceSelector`)) error(s.path, s.message, s.fix);
  for (const s of selectorProblems(peer.podSelector, `${path}.podSelector`)) error(s.path, s.message, s.fix);
  if (!hasIp) return;
  const cidrText = peer.ipBlock?.cidr ?? "";
  const cidr = parseCidr(cidrText);
  if (cidr === undefined) {
    error(`${path}.ipBlock.cidr`, `${quote(cidrText)} is not a CIDR`, "write an address range such as 203.0.113.0/24 or 0.0.0.0/0");
    return;
  }
  (peer.ipBlock?.except ?? []).forEach((e, k) => {
    const hole = parseCidr(e);
    const p = `${path}.ipBlock.except[${k}]`;
    if (hole === undefined) error(p, `${quoteValue(e)} is not a CIDR`, "write an address range such as 169.254.0.0/16");
    else if (!isStrictSubset(hole, cidr)) {
      error(p, `${quoteValue(e)} does not lie inside cidr ${canonicalCidr(cidr)} (except must be a strict subset of cidr); the API server rejects this policy`, `remove it, or widen cidr so that it contains ${canonicalCidr(hole)}`);
    }
  });
}

function portFindings(port: NetworkPolicyPort, path: string, error: (path: string, message: string, fix: string) => void): void {
  if (port === null || typeof port !== "object") return;
  if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(port.protocol)) {
    error(`${path}.protocol`, `unknown protocol ${quoteValue(port.protocol)}`, "use TCP, UDP or SCTP (TCP when omitted)");
  }
  if (typeof port.port === "number" && (!Number.isInteger(port.port) || port.port < 1 || port.port > 65535)) {
    error(`${path}.port`, `${port.port} is not a port number`, "use 1-65535");
  }
  if (typeof port.port === "string" && (!IANA_SVC_NAME.test(port.port) || !/[a-z]/.test(port.port) || port.port.includes("--"))) {
    error(`${path}.port`, `${quote(port.port)} is not a valid port name (a quoted number is a name, not a number)`, "write the number unquoted, or use the container port's name (lowercase, at most 15 characters, at least one letter)");
  }
  if (port.endPort !== undefined) {
    if (typeof port.port !== "number") {
      error(`${path}.endPort`, "endPort needs a numeric port", "set port to the first number of the range, or remove endPort");
    } else if (port.endPort < port.port) {
      error(`${path}.endPort`, `endPort ${port.endPort} is below port ${port.port}`, "set endPort >= port");
    }
  }
}
