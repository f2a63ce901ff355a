/**
 * The lateral-movement claims against an exhaustive reachability matrix. The claims probe one
 * representative per peer class; the oracle here instead enumerates every assignment of every
 * label key the selectors mention (each mentioned value, a fresh value, absent) to pods and to
 * namespaces, every namespace the objects name, and every port around every boundary, and asks
 * the engine about each connection. For every runner of every policy set, each claim's verdict
 * must equal what that matrix says.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { addressAfter, cidrContains, hostAddress, parseAddress, parseCidr } from "./cidr.ts";
import { checkIsolationClaims } from "./isolation-claims.ts";
import { NAMESPACE_NAME_LABEL, labelsOfNamespace, namespaceLabels, namespacesFrom, networkPoliciesFrom, policyNamespace } from "./policy-model.ts";
import { podsFrom } from "./pods-from.ts";
import { selectorMatches } from "./label-selector.ts";
import { connectionVerdict } from "./verdict.ts";
import type { DeclaredPort, KubeObject, Labels, PodRef, Protocol } from "./types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const POD_CIDR = "10.42.0.0/16";
const OPTIONS = { serviceCidr: "10.43.0.0/16", podCidr: POD_CIDR, nodeCidrs: ["203.0.113.0/24"], isRunner: () => true } as const;

type Selector = LabelSelector | null | undefined;

function selectorsOf(policies: readonly NetworkPolicy[]): { pod: Selector[]; ns: Selector[] } {
  const pod: Selector[] = [];
  const ns: Selector[] = [];
  for (const p of policies) {
    pod.push(p.spec?.podSelector);
    for (const r of [...(p.spec?.ingress ?? []).flatMap((x) => x?.from ?? []), ...(p.spec?.egress ?? []).flatMap((x) => x?.to ?? [])]) {
      if (r === null || typeof r !== "object") continue;
      pod.push(r.podSelector);
      ns.push(r.namespaceSelector);
    }
  }
  return { pod, ns };
}

/** Every label set over the keys `selectors` mention: each mentioned value, a fresh one, or absent. */
function labelUniverse(selectors: readonly Selector[], skip: ReadonlySet<string> = new Set()): Labels[] {
  const values = new Map<string, Set<string>>();
  const note = (k: string, v?: string) => {
    if (skip.has(k)) return;
    const set = values.get(k) ?? new Set<string>();
    if (v !== undefined) set.add(v);
    values.set(k, set);
  };
  for (const s of selectors) {
    if (s == null) continue;
    for (const [k, v] of Object.entries(s.matchLabels ?? {})) note(k, String(v));
    for (const e of s.matchExpressions ?? []) {
      note(e.key);
      for (const v of e.values ?? []) note(e.key, String(v));
    }
  }
  let out: Labels[] = [{}];
  for (const [k, vs] of values) {
    const options = [undefined, "oracle-fresh", ...vs];
    out = out.flatMap((l) => options.map((v) => (v === undefined ? l : { ...l, [k]: v })));
  }
  return out;
}

function portsOf(policies: readonly NetworkPolicy[], named: readonly DeclaredPort[]): { port: number; protocol: Protocol }[] {
  const out = new Map<string, { port: number; protocol: Protocol }>();
  const add = (port: number, protocol: Protocol) => {
    if (port >= 1 && port <= 65535) out.set(`${port}/${protocol}`, { port, protocol });
  };
  for (const protocol of ["TCP", "UDP", "SCTP"] as const) for (const p of [1, 80, 65535]) add(p, protocol);
  for (const p of policies) {
    for (const r of [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])]) {
      for (const port of r?.ports ?? []) {
        const protocol = (port.protocol ?? "TCP") as Protocol;
        if (typeof port.port === "number") for (const n of [port.port - 1, port.port, port.port + 1, port.endPort ?? port.port, (port.endPort ?? port.port) + 1]) add(n, protocol);
      }
    }
  }
  for (const d of named) add(d.containerPort, (d.protocol ?? "TCP") as Protocol);
  return [...out.values()];
}

function addressesOf(policies: readonly NetworkPolicy[]): string[] {
  const range = parseCidr(POD_CIDR)!;
  const out = new Set<string>([hostAddress(range, 1), hostAddress(range, 77)]);
  for (const p of policies) {
    for (const r of [...(p.spec?.ingress ?? []).flatMap((x) => x?.from ?? []), ...(p.spec?.egress ?? []).flatMap((x) => x?.to ?? [])]) {
      for (const text of r?.ipBlock ? [r.ipBlock.cidr, ...(r.ipBlock.except ?? [])] : []) {
        const c = parseCidr(text);
        if (c === undefined) continue;
        for (const a of [hostAddress(c, 0), addressAfter(c)]) if (a !== undefined && cidrContains(range, parseAddress(a)!)) out.add(a);
      }
    }
  }
  return [...out];
}

interface Oracle {
  readonly out: boolean;
  readonly in: boolean;
}

/** Whether any pod outside the runner's namespace reaches it (in) or is reached (out), by brute force. */
function oracle(runner: PodRef, objects: readonly KubeObject[]): Oracle {
  const policies = networkPoliciesFrom(objects);
  const known = namespaceLabels(namespacesFrom(objects));
  const sel = selectorsOf(policies);
  const named: DeclaredPort[] = [];
  for (const p of policies) {
    for (const r of [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])]) {
      for (const port of r?.ports ?? []) {
        if (typeof port.port === "string" && !named.some((n) => n.name === port.port && n.protocol === (port.protocol ?? "TCP"))) named.push({ name: port.port, containerPort: 30000 + named.length, protocol: port.protocol ?? "TCP" });
      }
    }
  }
  const namespaces: { name: string; labels: Labels }[] = [];
  const names = new Set([...policies.map(policyNamespace), ...known.keys(), "kube-system"]);
  for (const s of sel.ns) for (const v of [...Object.entries(s?.matchLabels ?? {}).filter(([k]) => k === NAMESPACE_NAME_LABEL).map(([, v]) => String(v)), ...(s?.matchExpressions ?? []).filter((e) => e.key === NAMESPACE_NAME_LABEL).flatMap((e) => e.values ?? [])]) names.add(v);
  const nsLabelSets = labelUniverse(sel.ns, new Set([NAMESPACE_NAME_LABEL]));
  for (const name of names) {
    if (known.has(name)) namespaces.push({ name, labels: labelsOfNamespace(known, name) });
    else for (const l of nsLabelSets) namespaces.push({ name, labels: { ...l, [NAMESPACE_NAME_LABEL]: name } });
  }
  nsLabelSets.forEach((l, i) => namespaces.push({ name: `oracle-ns-${i}`, labels: { ...l, [NAMESPACE_NAME_LABEL]: `oracle-ns-${i}` } }));
  const podLabelSets = labelUniverse(sel.pod);
  const ports = portsOf(policies, named);
  const ips = addressesOf(policies);
  let out = false;
  let into = false;
  for (const ns of namespaces) {
    if (ns.name === runner.namespace) continue;
    const map = new Map([...known, [ns.name, ns.labels]]);
    const relevant = policies.filter((p) => [runner.namespace, ns.name].includes(policyNamespace(p)));
    for (const labels of podLabelSets) {
      const dns = ns.name === "kube-system" && selectorMatches({ matchLabels: { "k8s-app": "kube-dns" } }, labels);
      for (const ip of ips) {
        const peer: PodRef = { namespace: ns.name, labels, ip, ports: named };
        for (const port of ports) {
          if (!out && !(dns && port.port === 53 && port.protocol !== "SCTP") && connectionVerdict(runner, { ...peer, ...port }, relevant, map).allowed) out = true;
        }
        for (const port of portsOf(policies, runner.ports ?? [])) {
          if (!into && connectionVerdict(peer, { ...runner, ...port }, relevant, map).allowed) into = true;
        }
        if (out && into) return { out, in: into };
      }
    }
  }
  return { out, in: into };
}

/** A Pod object for a pod of a semantic fixture's expectations, so that it is audited as a runner. */
function podObject(pod: PodRef & { port?: number }, i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `runner-${i}`, namespace: pod.namespace, labels: { ...pod.labels } },
    spec: { containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", ports: (pod.ports ?? []).map((p) => ({ ...p })) }] },
  };
}

interface PolicySet {
  readonly name: string;
  readonly objects: readonly KubeObject[];
}

function semanticSets(): PolicySet[] {
  const dir = path.join(repoRoot, "test/fixtures/audit/network");
  return readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => {
    const fixture = parse(readFileSync(path.join(dir, f), "utf8")) as { objects: KubeObject[]; expect: { egress?: { pod: PodRef }; ingress?: { pod: PodRef } }[] };
    const seen = new Set<string>();
    const pods = fixture.expect.map((e) => e.egress?.pod ?? e.ingress?.pod).filter((p): p is PodRef => p !== undefined && !seen.has(JSON.stringify(p)) && seen.add(JSON.stringify(p)) !== undefined);
    return { name: `network/${f}`, objects: [...fixture.objects, ...pods.map(podObject)] };
  });
}

function claimSets(): PolicySet[] {
  const dir = path.join(repoRoot, "test/fixtures/audit/claims");
  return readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => ({ name: `claims/${f}`, objects: parseAllDocuments(readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS() as KubeObject) }));
}

const policy = (namespace: string, name: string, spec: NetworkPolicy["spec"]): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec });
const namespace = (name: string, labels: Labels): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels } } });
const runnerPod = (ns: string, labels: Labels, ports: DeclaredPort[] = []): KubeObject => podObject({ namespace: ns, labels, ports }, 0);
const denyAll = (ns: string): KubeObject => policy(ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

/** Label-selector cases: peers that only a pod with the right labels, in the right namespace, can be. */
const SELECTOR_SETS: readonly PolicySet[] = [
  { name: "egress to app In (cache, queue) in namespaces team=data, admitted there", objects: [runnerPod("ci", { app: "runner" }), denyAll("ci"), namespace("data", { team: "data" }), policy("ci", "to-data", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "data" } }, podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["cache", "queue"] }] } }] }] }), denyAll("data"), policy("data", "from-ci", { podSelector: { matchLabels: { app: "queue" } }, ingress: [{ from: [{ namespaceSelector: {} }] }] })] },
  { name: "egress to team=data, but data admits only tier=db pods that are not app=cache", objects: [runnerPod("ci", {}), denyAll("ci"), namespace("data", { team: "data" }), policy("ci", "to-data", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "data" } }, podSelector: { matchLabels: { app: "cache" } } }] }] }), denyAll("data"), policy("data", "db-only", { podSelector: { matchLabels: { tier: "db" }, matchExpressions: [{ key: "app", operator: "NotIn", values: ["cache"] }] }, ingress: [{}] })] },
  { name: "ingress from pods without the quarantine label in any namespace", objects: [runnerPod("ci", { app: "runner" }, [{ name: "http", containerPort: 8080 }]), denyAll("ci"), policy("ci", "from-unquarantined", { podSelector: { matchLabels: { app: "runner" } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "quarantine", operator: "DoesNotExist" }] } }], ports: [{ port: "http" }] }] })] },
  { name: "ingress from namespaces where env exists, pods app=prometheus", objects: [runnerPod("ci", { app: "runner" }, [{ name: "metrics", containerPort: 9090 }]), denyAll("ci"), policy("ci", "scrape", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "env", operator: "Exists" }] }, podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ port: 9090 }] }] })] },
  { name: "egress only to the runner's own namespace (fenced)", objects: [runnerPod("ci", { app: "runner" }), denyAll("ci"), policy("ci", "same-ns", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }], ingress: [{ from: [{ podSelector: {} }] }] })] },
  { name: "egress to namespace named data by In, data isolated without an allow", objects: [runnerPod("ci", {}), denyAll("ci"), policy("ci", "to-data", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: ["data", "ci"] }] } }] }] }), denyAll("data")] },
  { name: "a policy in another namespace names the runner, the runner's egress is open", objects: [runnerPod("ci", { app: "runner" }), policy("ci", "ingress-only", { podSelector: {}, policyTypes: ["Ingress"] }), denyAll("data"), policy("data", "from-runners", { podSelector: { matchLabels: { app: "api" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "ci" } }, podSelector: { matchLabels: { app: "runner" } } }] }] })] },
  { name: "egress to app=cache in data, which admits only tier=db pods: only a pod with both labels gets through", objects: [runnerPod("ci", { app: "runner" }), denyAll("ci"), policy("ci", "to-cache", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "data" } }, podSelector: { matchLabels: { app: "cache" } } }], ports: [{ protocol: "TCP", port: 6379 }] }] }), denyAll("data"), policy("data", "db-from-ci", { podSelector: { matchLabels: { tier: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "ci" } } }] }] })] },
  { name: "egress to any pod of data, which admits only tier=db pods: only the pods data's policy selects get through", objects: [runnerPod("ci", { app: "runner" }), denyAll("ci"), policy("ci", "to-data", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "data" } } }], ports: [{ protocol: "TCP", port: 6379 }] }] }), denyAll("data"), policy("data", "db-from-ci", { podSelector: { matchLabels: { tier: "db" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "ci" } } }] }] })] },
  { name: "selector with a contradiction selects nothing", objects: [runnerPod("ci", {}), denyAll("ci"), policy("ci", "never", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "x" }, matchExpressions: [{ key: "app", operator: "NotIn", values: ["x"] }] } }] }] })] },
];

describe("claims equal the exhaustive reachability matrix", () => {
  const sets = [...semanticSets(), ...claimSets(), ...SELECTOR_SETS];
  it("covers at least 20 policy sets", () => assert.ok(sets.length >= 20, `${sets.length} sets`));
  for (const set of sets) {
    it(set.name, () => {
      const report = checkIsolationClaims(set.objects, OPTIONS);
      const runners = podsFrom(set.objects).filter((p) => report.runnerPods.includes(p.name));
      assert.ok(runners.length > 0, "the set has runner pods");
      for (const runner of runners) {
        const truth = oracle(runner, set.objects);
        const verdict = (id: string) => report.claims.find((c) => c.pod === runner.name && c.claim === id);
        const out = verdict("other-namespace-pods-unreachable");
        const into = verdict("unreachable-from-other-namespaces");
        assert.equal(out?.pass, !truth.out, `${runner.name}: other-namespace-pods-unreachable says ${out?.actual}, the matrix says ${truth.out ? "reachable" : "unreachable"} (${out?.responsible.join("; ")})`);
        for (const c of report.claims.filter((x) => x.pod === runner.name && !x.claim.includes("namespace") && !x.claim.startsWith("dns-"))) {
          const [ip, portText] = c.target.split(":");
          const entry = report.matrix.entries.find((e) => e.runner === runner.name && e.direction === "egress" && e.peer === `address:${ip}`);
          assert.ok(entry, `${c.claim}: no matrix column for ${ip}`);
          const open = entry.open.some((o) => `${o.port}/${o.protocol}` === portText);
          assert.equal(c.actual, open ? "reachable" : "unreachable", `${runner.name}: ${c.claim} ${c.target} says ${c.actual}, the matrix says ${open ? "open" : "closed"}`);
        }
        assert.equal(into?.pass, !truth.in, `${runner.name}: unreachable-from-other-namespaces says ${into?.actual}, the matrix says ${truth.in ? "reachable" : "unreachable"} (${into?.responsible.join("; ")})`);
      }
    });
  }
  it("the verdicts are not all alike: some sets open a path, some do not", () => {
    const verdicts = sets.flatMap((s) => checkIsolationClaims(s.objects, OPTIONS).claims.filter((c) => c.claim === "other-namespace-pods-unreachable").map((c) => c.pass));
    assert.ok(verdicts.includes(true) && verdicts.includes(false));
  });
});
