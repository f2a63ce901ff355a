/**
 * The isolation claims a fenced runner fleet makes, computed from the policies (never written by
 * hand). For every runner pod: cloud metadata, the API server (Service and node addresses) and the
 * kubelet are unreachable; pods in other namespaces are unreachable and cannot reach the runner;
 * DNS (UDP and TCP 53 to the DNS pods) and public HTTPS are reachable.
 */
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { ConfigError } from "../../model/issues.ts";
import type { ConfigIssue } from "../../model/issues.ts";
import { canonicalCidr, firstHost, hostAddress, parseAddress, parseCidr } from "./cidr.ts";
import type { Cidr } from "./cidr.ts";
import { describeSelector, selectorMatches } from "./label-selector.ts";
import { policyFindings } from "./network-policy-findings.ts";
import { podsFrom } from "./pods-from.ts";
import type { WorkloadPod } from "./pods-from.ts";
import { affects, namespaceLabels, namespacesFrom, networkPoliciesFrom, policyId, policyNamespace, policySelects } from "./policy-model.ts";
import type { NamespaceLabels } from "./policy-model.ts";
import { UNSELECTED_POD_LABELS, type PeerClass } from "./peer-classes.ts";
import { peerId, runnerMatrix, type AddressTarget, type MatrixEntry, type MatrixPeer, type OpenPort, type ReachabilityMatrix } from "./reachability-matrix.ts";
import { connectionVerdict, egressVerdict } from "./verdict.ts";
import type { Direction, KubeObject, Labels, NetworkPolicyFinding, PodEndpoint, PodRef, Protocol, Verdict } from "./types.ts";

/** The link-local cloud metadata address (AWS, GCP, Azure, OpenStack). */
export const METADATA_ADDRESS = "169.254.169.254";

export interface IsolationClaimOptions {
  /** The cluster's Service CIDR; its first host is the `kubernetes` Service ClusterIP. */
  readonly serviceCidr: string;
  /** The cluster's pod CIDR; synthetic pods of other namespaces get addresses from it. */
  readonly podCidr: string;
  /** CIDRs the nodes live in; the first host of each is probed unless `nodeAddresses` is given. */
  readonly nodeCidrs: readonly string[];
  /** Node (and control-plane endpoint) addresses to probe on 6443 and 10250. @default first host of each of `nodeCidrs` */
  readonly nodeAddresses?: readonly string[];
  /** Namespace of the DNS pods. @default "kube-system" */
  readonly dnsNamespace?: string;
  /** Labels of the DNS pods. @default {"k8s-app": "kube-dns"} */
  readonly dnsLabels?: Labels;
  /** A public address that must stay reachable on TCP 443. @default "1.1.1.1" */
  readonly publicProbe?: string;
  /** Which pods are runner pods. @default isRunnerPod */
  readonly isRunner?: (pod: WorkloadPod) => boolean;
}

export type ClaimId =
  | "metadata-unreachable"
  | "kubernetes-service-unreachable"
  | "node-apiserver-unreachable"
  | "node-kubelet-unreachable"
  | "other-namespace-pods-unreachable"
  | "unreachable-from-other-namespaces"
  | "dns-udp-reachable"
  | "dns-tcp-reachable"
  | "public-https-reachable";

export type Reachability = "reachable" | "unreachable";

export interface ClaimResult {
  readonly claim: ClaimId;
  /** What was probed, e.g. `169.254.169.254:80/TCP`. */
  readonly target: string;
  /** The runner pod, `namespace/Kind/name`. */
  readonly pod: string;
  readonly expected: Reachability;
  readonly actual: Reachability;
  readonly pass: boolean;
  /**
   * What decides the outcome: the rules (`namespace/name egress[i]`) that open a path, the
   * policies that isolate the pod, or a note such as "no NetworkPolicy isolates … for Egress".
   */
  readonly responsible: readonly string[];
}

export interface IsolationReport {
  readonly runnerPods: readonly string[];
  readonly claims: readonly ClaimResult[];
  /** Every runner pod against every peer class and probed address, both directions (what the claims are read from). */
  readonly matrix: ReachabilityMatrix;
  /** Problems in the policies themselves (see networkPolicyFindings). */
  readonly findings: readonly NetworkPolicyFinding[];
  /** At least one runner pod was found and every claim passes. */
  readonly pass: boolean;
}

/** Labels of the representative of pods no selector targets. */
export const PROBE_POD_LABELS: Labels = UNSELECTED_POD_LABELS;

/** Default runner detection: ARC scale sets, and workloads with a container named `runner`. */
export function isRunnerPod(pod: WorkloadPod): boolean {
  return pod.source.kind === "AutoscalingRunnerSet" || (pod.template.spec?.containers ?? []).some((c) => c.name === "runner");
}

/** A runner pod as the claims need it: where it lives, its labels and ports. */
export type RunnerPod = PodRef & { readonly name: string };

/**
 * Collects what the isolation claims need, one object at a time, and keeps only that: every
 * NetworkPolicy, the namespaces' labels, the runner pods (compact) and the first DNS pod. A
 * stream of any length costs the policies and the runner pods, not the objects.
 */
export class IsolationCollector {
  readonly #opts: ResolvedOptions;
  readonly #policies: NetworkPolicy[] = [];
  readonly #namespaces = new Map<string, Labels>();
  readonly #runners: RunnerPod[] = [];
  #dns: PodRef | undefined;

  /** Throws ConfigError when the options are invalid (not a CIDR, no node to probe). */
  constructor(options: IsolationClaimOptions) {
    this.#opts = resolveOptions(options);
  }

  addPolicy(policy: NetworkPolicy): void {
    this.#policies.push(policy);
  }

  addNamespace(namespace: Namespace): void {
    for (const [name, labels] of namespaceLabels([namespace])) this.#namespaces.set(name, labels);
  }

  addPod(pod: WorkloadPod): void {
    const opts = this.#opts;
    if (opts.isRunner(pod)) {
      this.#runners.push({ name: pod.name, namespace: pod.namespace, labels: pod.labels, ...(pod.ports === undefined ? {} : { ports: pod.ports }), ...(pod.hostNetwork === true ? { hostNetwork: true } : {}) });
    }
    if (this.#dns === undefined && pod.namespace === opts.dnsNamespace && selectorMatches({ matchLabels: { ...opts.dnsLabels } }, pod.labels)) {
      this.#dns = { name: pod.name, namespace: pod.namespace, labels: pod.labels, ...(pod.ports === undefined ? {} : { ports: pod.ports }) };
    }
  }

  report(): IsolationReport {
    const opts = this.#opts;
    const dns = this.#dns ?? defaultDnsPod(opts);
    // A connection involves the policies of its two ends' namespaces only; each runner is checked
    // against those (in their original order), so many namespaces cost no more than one.
    const byNamespace = new Map<string, { index: number; policy: NetworkPolicy }[]>();
    this.#policies.forEach((policy, index) => {
      const ns = policyNamespace(policy);
      const list = byNamespace.get(ns) ?? [];
      list.push({ index, policy });
      byNamespace.set(ns, list);
    });
    const relevant = (namespaces: readonly string[]): NetworkPolicy[] => {
      const picked = [...new Set(namespaces)].flatMap((ns) => byNamespace.get(ns) ?? []);
      picked.sort((a, b) => a.index - b.index);
      return picked.map((p) => p.policy);
    };
    const claims: ClaimResult[] = [];
    const peers = new Map<string, MatrixPeer>();
    const entries: MatrixEntry[] = [];
    for (const runner of this.#runners) {
      const ctx: Ctx = { policies: relevant([runner.namespace, dns.namespace]), namespaces: this.#namespaces, opts };
      const rows = runnerMatrix({ runner, policiesFor: (ns) => relevant([runner.namespace, ns]), allPolicies: this.#policies, namespaces: this.#namespaces, podCidr: opts.pod, addresses: addressTargets(opts) });
      for (const p of rows.peers) {
        const seen = peers.get(p.id);
        peers.set(p.id, seen === undefined ? p : { ...seen, namedBy: [...new Set([...seen.namedBy, ...p.namedBy])] });
      }
      for (const e of rows.entries) entries.push(e);
      for (const c of claimsFor(runner, dns, ctx, rows)) claims.push(c);
    }
    return {
      runnerPods: this.#runners.map((r) => r.name),
      claims,
      matrix: { runners: this.#runners.map((r) => r.name), peers: [...peers.values()], entries },
      findings: this.#policies.flatMap(policyFindings),
      pass: this.#runners.length > 0 && claims.every((c) => c.pass),
    };
  }
}

export function checkIsolationClaims(objects: readonly KubeObject[], options: IsolationClaimOptions): IsolationReport {
  const collector = new IsolationCollector(options);
  for (const p of networkPoliciesFrom(objects)) collector.addPolicy(p);
  for (const n of namespacesFrom(objects)) collector.addNamespace(n);
  for (const pod of podsFrom(objects)) collector.addPod(pod);
  return collector.report();
}

interface ResolvedOptions {
  readonly pod: Cidr;
  readonly serviceIp: string;
  readonly nodeAddresses: readonly string[];
  readonly dnsNamespace: string;
  readonly dnsLabels: Labels;
  readonly publicProbe: string;
  readonly isRunner: (pod: WorkloadPod) => boolean;
}

type RunnerRows = ReturnType<typeof runnerMatrix>;

interface Ctx {
  readonly policies: readonly NetworkPolicy[];
  readonly namespaces: NamespaceLabels;
  readonly opts: ResolvedOptions;
}

function resolveOptions(o: IsolationClaimOptions): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const cidr = (path: string, text: unknown): Cidr | undefined => {
    const c = typeof text === "string" ? parseCidr(text) : undefined;
    if (c === undefined) issues.push({ path, message: `${JSON.stringify(text)} is not a CIDR`, fix: "write an address range such as 10.96.0.0/12" });
    return c;
  };
  const address = (path: string, text: unknown): void => {
    if (typeof text !== "string" || parseAddress(text) === undefined) issues.push({ path, message: `${JSON.stringify(text)} is not an IP address`, fix: "write an address such as 192.168.1.10" });
  };
  const service = cidr("serviceCidr", o.serviceCidr);
  const pod = cidr("podCidr", o.podCidr);
  const nodeCidrs = Array.isArray(o.nodeCidrs) ? o.nodeCidrs : [];
  if (!Array.isArray(o.nodeCidrs)) issues.push({ path: "nodeCidrs", message: "is missing", fix: "list the CIDRs the nodes live in, e.g. [192.168.1.0/24] (or [] with nodeAddresses)" });
  nodeCidrs.forEach((c, i) => cidr(`nodeCidrs[${i}]`, c));
  (o.nodeAddresses ?? []).forEach((a, i) => address(`nodeAddresses[${i}]`, a));
  if (nodeCidrs.length === 0 && (o.nodeAddresses ?? []).length === 0 && Array.isArray(o.nodeCidrs)) {
    issues.push({ path: "nodeCidrs", message: "no node CIDR and no node address: the API server and kubelet claims would check nothing", fix: "list the node CIDRs, or give nodeAddresses" });
  }
  const publicProbe = o.publicProbe ?? "1.1.1.1";
  address("publicProbe", publicProbe);
  if (issues.length > 0 || service === undefined || pod === undefined) throw new ConfigError(issues, "isolation claim options");
  const nodeAddresses = o.nodeAddresses !== undefined && o.nodeAddresses.length > 0
    ? [...o.nodeAddresses]
    : nodeCidrs.map((c) => firstHost(c)).filter((a): a is string => a !== undefined);
  const dnsNamespace = o.dnsNamespace ?? "kube-system";
  return {
    pod,
    serviceIp: hostAddress(service, 1),
    nodeAddresses,
    dnsNamespace,
    dnsLabels: o.dnsLabels ?? { "k8s-app": "kube-dns" },
    publicProbe,
    isRunner: o.isRunner ?? isRunnerPod,
  };
}

/** CoreDNS as kubeadm deploys it: the DNS pods when the objects hold none. */
function defaultDnsPod(opts: ResolvedOptions): PodRef {
  return {
    namespace: opts.dnsNamespace,
    labels: opts.dnsLabels,
    name: `DNS pods ${opts.dnsNamespace}/${describeSelector({ matchLabels: { ...opts.dnsLabels } })}`,
    ports: [
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
      { name: "metrics", containerPort: 9153, protocol: "TCP" },
    ],
  };
}


/** The addresses the claims probe, as matrix columns. */
function addressTargets(opts: ResolvedOptions): AddressTarget[] {
  const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" as const }));
  return [
    { ip: METADATA_ADDRESS, description: "cloud metadata", ports: tcp(80) },
    { ip: opts.serviceIp, description: "the kubernetes Service (API server)", ports: tcp(443) },
    ...opts.nodeAddresses.map((ip) => ({ ip, description: "a node: API server and kubelet", ports: tcp(6443, 10250) })),
    { ip: opts.publicProbe, description: "a public address (HTTPS)", ports: tcp(443) },
  ];
}

function claimsFor(runner: RunnerPod, dns: PodRef, ctx: Ctx, rows: RunnerRows): ClaimResult[] {
  const { opts } = ctx;
  const out: ClaimResult[] = [];
  const toAddress = (claim: ClaimId, ip: string, port: number, protocol: Protocol, expected: Reachability) => {
    const v = egressVerdict(runner, { ip, port, protocol }, ctx.policies, ctx.namespaces);
    out.push(result(claim, `${ip}:${port}/${protocol}`, runner, expected, v.allowed, explain(v, "Egress", runner, ctx)));
  };
  toAddress("metadata-unreachable", METADATA_ADDRESS, 80, "TCP", "unreachable");
  toAddress("kubernetes-service-unreachable", opts.serviceIp, 443, "TCP", "unreachable");
  for (const node of opts.nodeAddresses) {
    toAddress("node-apiserver-unreachable", node, 6443, "TCP", "unreachable");
    toAddress("node-kubelet-unreachable", node, 10250, "TCP", "unreachable");
  }
  out.push(...lateralClaims(runner, ctx, rows));
  for (const protocol of ["UDP", "TCP"] as const) out.push(dnsClaim(runner, dns, protocol, ctx));
  toAddress("public-https-reachable", opts.publicProbe, 443, "TCP", "reachable");
  return out;
}

/** Whether an open port to `peer` is the DNS the dns-* claims expect (port 53 of the DNS pods). */
function isExpectedDns(peer: PeerClass, port: OpenPort, opts: ResolvedOptions): boolean {
  return port.port === 53 && (port.protocol === "UDP" || port.protocol === "TCP") && peer.namespace === opts.dnsNamespace && selectorMatches({ matchLabels: { ...opts.dnsLabels } }, peer.labels);
}

/**
 * Pods in other namespaces: every peer class the policies tell apart (outside the runner's
 * namespace), in both directions, on every port worth trying. A claim fails when any class gets
 * through, naming the class, the port and the rules that open it.
 */
function lateralClaims(runner: RunnerPod, ctx: Ctx, rows: RunnerRows): ClaimResult[] {
  const podRange = canonicalCidr(ctx.opts.pod);
  const byId = new Map(rows.classes.map((c) => [peerId(c), c]));
  const claim = (id: ClaimId, direction: "egress" | "ingress", target: string): ClaimResult => {
    const open: string[] = [];
    const rules = new Set<string>();
    const closed = new Set<string>();
    for (const e of rows.entries) {
      const peer = byId.get(e.peer);
      if (e.direction !== direction || peer === undefined || peer.namespace === runner.namespace) continue;
      for (const port of e.open) {
        if (direction === "egress" && isExpectedDns(peer, port, ctx.opts)) continue;
        for (const r of port.rules) rules.add(r);
        const named = peer.namedBy.length > 0 ? ` (named by ${peer.namedBy.join(", ")})` : "";
        open.push(`${peer.description}${named} ${direction === "egress" ? "on" : "to"} ${port.port}/${port.protocol}${port.address === undefined ? "" : ` at ${port.address}`}, opened by ${port.rules.join(", ") || "no policy"}`);
      }
      for (const c of e.closedBy) closed.add(c);
    }
    const shown = open.slice(0, 5);
    const more = open.length > shown.length ? [`and ${open.length - shown.length} more open peer classes and ports`] : [];
    const direction_ = direction === "egress" ? "Egress" : "Ingress";
    const notIsolated = `no NetworkPolicy isolates ${runner.name} for ${direction_}`;
    const notes = rules.has(notIsolated) ? explain({ allowed: true, isolated: false, reason: "", policies: [] }, direction_, runner, ctx) : [];
    const responsible = open.length > 0
      ? [...new Set([...rules, ...notes]), ...shown.map((o) => `reachable: ${o}`), ...more]
      : [...closed].map((id) => `${id} (isolates; no rule opens a path to any of ${rows.classes.filter((c) => c.namespace !== runner.namespace).length} peer classes)`);
    return result(id, target, runner, "unreachable", open.length > 0, responsible);
  };
  return [
    claim("other-namespace-pods-unreachable", "egress", `any port of pods in other namespaces (every peer class the policies tell apart, addresses in ${podRange})`),
    claim("unreachable-from-other-namespaces", "ingress", `any port of ${runner.name} from pods in other namespaces (every peer class the policies tell apart, addresses in ${podRange})`),
  ];
}

function dnsClaim(runner: RunnerPod, dns: PodRef, protocol: "UDP" | "TCP", ctx: Ctx): ClaimResult {
  const claim: ClaimId = protocol === "UDP" ? "dns-udp-reachable" : "dns-tcp-reachable";
  // The DNS pod has no address here: only selectors count, because ipBlock on pod addresses is CNI-specific.
  const destination: PodEndpoint = { namespace: dns.namespace, labels: dns.labels, name: dns.name ?? dns.namespace, ports: dns.ports ?? [], port: 53, protocol };
  const c = connectionVerdict(runner, destination, ctx.policies, ctx.namespaces);
  const responsible: string[] = [];
  if (c.egress !== undefined) for (const r of explain(c.egress, "Egress", runner, ctx)) responsible.push(r);
  if (c.ingress !== undefined && !c.ingress.allowed) for (const r of explain(c.ingress, "Ingress", dns, ctx)) responsible.push(r);
  if (c.egress !== undefined && !c.egress.allowed) {
    const viaIp = egressVerdict(runner, { ...destination, ip: hostAddress(ctx.opts.pod, 1) }, ctx.policies, ctx.namespaces);
    if (viaIp.allowed) {
      responsible.push(`only ipBlock rules (${viaIp.policies.join(", ")}) would allow it, and whether ipBlock matches pod addresses depends on the CNI: select the DNS pods with namespaceSelector + podSelector`);
    }
  }
  return result(claim, `${destination.name} port 53/${protocol}`, runner, "reachable", c.allowed, responsible);
}

function result(claim: ClaimId, target: string, runner: RunnerPod, expected: Reachability, reachable: boolean, responsible: readonly string[]): ClaimResult {
  const actual: Reachability = reachable ? "reachable" : "unreachable";
  return { claim, target, pod: runner.name, expected, actual, pass: actual === expected, responsible };
}

/** What decides a verdict, in words a reviewer can act on. */
function explain(v: Verdict, direction: Direction, pod: PodRef, ctx: Ctx): string[] {
  const name = pod.name ?? `pods in ${pod.namespace}`;
  if (pod.hostNetwork === true) return [`${name} uses hostNetwork: NetworkPolicy does not apply to host-network pods`];
  if (!v.isolated) {
    const notes = [`no NetworkPolicy isolates ${name} for ${direction}`];
    for (const p of ctx.policies) {
      if (policyNamespace(p) !== pod.namespace) continue;
      const selects = policySelects(p, pod);
      if (!selects && affects(p, direction)) notes.push(`${policyId(p)} lists ${direction} but its podSelector ${describeSelector(p.spec?.podSelector)} does not select this pod`);
      if (selects && !affects(p, direction)) notes.push(`${policyId(p)} selects this pod but does not list ${direction} in policyTypes`);
    }
    return notes;
  }
  if (v.allowed) return [...v.policies];
  return v.policies.map((id) => `${id} (isolates ${direction}; no rule allows this)`);
}
