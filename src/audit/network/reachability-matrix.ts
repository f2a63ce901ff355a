/**
 * The reachability matrix of a runner pod: for every peer class the policies tell apart (see
 * peer-classes.ts) and every address the claims probe, in each direction, the ports that are open
 * and the rules that open them, or the policies that keep it closed. Computed with the same
 * verdicts as every other answer of the engine; the lateral-movement claims are read off it.
 */
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { Cidr } from "./cidr.ts";
import { describeSelector } from "./label-selector.ts";
import { peerClassesFor } from "./peer-classes.ts";
import type { PeerClass } from "./peer-classes.ts";
import { policyNamespace, policySelects } from "./policy-model.ts";
import type { NamespaceLabels } from "./policy-model.ts";
import { peersMatch } from "./rule-match.ts";
import { candidateAddresses, candidatePorts, probeNamedPorts } from "./probe-candidates.ts";
import { connectionVerdict } from "./verdict.ts";
import type { ConnectionVerdict, PodRef, Protocol } from "./types.ts";

export type MatrixDirection = "egress" | "ingress";

/** A column of the matrix: a class of pods, or one address the claims probe. */
export interface MatrixPeer {
  /** Stable within one matrix, e.g. `pod:data:{app=cache}` or `address:169.254.169.254`. */
  readonly id: string;
  readonly kind: "pod" | "address";
  /** Short name for a table header, e.g. `data {app=cache}` or `169.254.169.254`. */
  readonly label: string;
  /** What it stands for, e.g. `pods {app=cache} in namespace data` or `cloud metadata`. */
  readonly description: string;
  readonly namespace?: string;
  /** The policy fields that name the class. */
  readonly namedBy: readonly string[];
}

/** One open port between a runner and a peer. */
export interface OpenPort {
  readonly port: number;
  readonly protocol: Protocol;
  /** The peer address that got through, when the peer is a pod class probed at several addresses. */
  readonly address?: string;
  /** Every rule that lets it through (egress of the sender, ingress of the receiver), or why nothing governs it. */
  readonly rules: readonly string[];
}

/** One cell: a runner, a peer, a direction (egress: runner to peer; ingress: peer to runner). */
export interface MatrixEntry {
  readonly runner: string;
  readonly peer: string;
  readonly direction: MatrixDirection;
  readonly open: readonly OpenPort[];
  /** When nothing is open: the policies that isolate either side. */
  readonly closedBy: readonly string[];
}

export interface ReachabilityMatrix {
  readonly runners: readonly string[];
  readonly peers: readonly MatrixPeer[];
  readonly entries: readonly MatrixEntry[];
}

/** An address the claims probe, with what it is and the ports worth trying. */
export interface AddressTarget {
  readonly ip: string;
  readonly description: string;
  readonly ports: readonly { readonly port: number; readonly protocol: Protocol }[];
}

export interface RunnerMatrixInput {
  readonly runner: PodRef & { readonly name: string };
  /** Policies of the runner's namespace and of the peer's: returns them for a peer namespace. */
  readonly policiesFor: (peerNamespace: string) => readonly NetworkPolicy[];
  /** Every policy known, to find the peer classes. */
  readonly allPolicies: readonly NetworkPolicy[];
  readonly namespaces: NamespaceLabels;
  readonly podCidr: Cidr;
  readonly addresses: readonly AddressTarget[];
}

const short = (c: PeerClass): string => `${c.namespace} ${describeSelector({ matchLabels: { ...c.labels } })}`;

export function peerId(c: PeerClass): string {
  return `pod:${c.namespace}:${JSON.stringify(c.labels)}`;
}

/** The rules behind one half-verdict of an allowed connection, in words. */
function openingRules(c: ConnectionVerdict, runnerSide: "egress" | "ingress", runnerName: string): string[] {
  const out: string[] = [];
  for (const v of [c.egress, c.ingress]) {
    if (v === undefined) continue;
    if (v.isolated) out.push(...v.policies);
    else if (v === (runnerSide === "egress" ? c.egress : c.ingress)) out.push(`no NetworkPolicy isolates ${runnerName} for ${runnerSide === "egress" ? "Egress" : "Ingress"}`);
  }
  return out;
}

function closingPolicies(c: ConnectionVerdict): string[] {
  return [c.egress, c.ingress].filter((v) => v !== undefined && !v.allowed).flatMap((v) => v!.policies);
}

const list = <T>(v: readonly T[] | null | undefined): readonly T[] => (Array.isArray(v) ? v : []);

/** Whether a rule of `p` names `b` as the far side of `a`, or `a` as the far side of `b` (for a policy selecting that end). */
function namesOneEnd(p: NetworkPolicy, a: PodRef, b: PodRef, namespaces: NamespaceLabels): boolean {
  const ns = policyNamespace(p);
  const peerLists = [...list(p.spec?.ingress).map((r) => r?.from), ...list(p.spec?.egress).map((r) => r?.to)];
  return [[a, b], [b, a]].some(([self, far]) => self!.namespace === ns && policySelects(p, self!) && peerLists.some((peers) => peersMatch(peers ?? undefined, ns, far!, namespaces)));
}

/** The matrix rows of one runner pod: its peer classes and the probed addresses, both directions. */
export function runnerMatrix(input: RunnerMatrixInput): { peers: MatrixPeer[]; entries: MatrixEntry[]; classes: PeerClass[] } {
  const { runner } = input;
  const classes = peerClassesFor(runner, input.allPolicies, input.namespaces);
  const peers: MatrixPeer[] = [];
  const entries: MatrixEntry[] = [];
  for (const c of classes) {
    const policies = input.policiesFor(c.namespace);
    const named = probeNamedPorts(policies);
    const ips = candidateAddresses(policies, input.podCidr);
    const namespaces = c.synthetic || !input.namespaces.has(c.namespace) ? new Map([...input.namespaces, [c.namespace, c.namespaceLabels]]) : input.namespaces;
    const id = peerId(c);
    peers.push({ id, kind: "pod", label: short(c), description: c.description, namespace: c.namespace, namedBy: c.namedBy });
    const pod = (ip: string): PodRef => ({ namespace: c.namespace, labels: c.labels, name: `${c.description} (${ip})`, ip, ports: named });
    // Only a rule that names one end from the other can open a port: its ports are the candidates.
    const naming = policies.filter((p) => ips.some((ip) => namesOneEnd(p, runner, pod(ip), namespaces)));
    for (const direction of ["egress", "ingress"] as const) {
      const ports = candidatePorts(naming, direction === "egress" ? named : runner.ports ?? []);
      const open: OpenPort[] = [];
      const closed = new Set<string>();
      for (const port of ports) {
        for (const ip of ips) {
          const conn = direction === "egress"
            ? connectionVerdict(runner, { ...pod(ip), ...port }, policies, namespaces)
            : connectionVerdict(pod(ip), { ...runner, ...port }, policies, namespaces);
          if (conn.allowed) {
            open.push({ port: port.port, protocol: port.protocol ?? "TCP", address: ip, rules: openingRules(conn, direction, runner.name) });
            break;
          }
          for (const p of closingPolicies(conn)) closed.add(p);
        }
      }
      entries.push({ runner: runner.name, peer: id, direction, open, closedBy: open.length > 0 ? [] : [...closed] });
    }
  }
  for (const a of input.addresses) {
    const id = `address:${a.ip}`;
    peers.push({ id, kind: "address", label: a.ip, description: a.description, namedBy: [] });
    const policies = input.policiesFor(runner.namespace);
    for (const direction of ["egress", "ingress"] as const) {
      const ports = direction === "egress" ? a.ports : candidatePorts(policies, runner.ports ?? []);
      const open: OpenPort[] = [];
      const closed = new Set<string>();
      for (const port of ports) {
        const conn = direction === "egress"
          ? connectionVerdict(runner, { ip: a.ip, ...port }, policies, input.namespaces)
          : connectionVerdict({ ip: a.ip }, { ...runner, ...port }, policies, input.namespaces);
        if (conn.allowed) open.push({ port: port.port, protocol: port.protocol ?? "TCP", rules: openingRules(conn, direction, runner.name) });
        else for (const p of closingPolicies(conn)) closed.add(p);
      }
      entries.push({ runner: runner.name, peer: id, direction, open, closedBy: open.length > 0 ? [] : [...closed] });
    }
  }
  return { peers, entries, classes };
}

