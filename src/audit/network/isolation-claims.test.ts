import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ConfigError } from "../../model/issues.ts";
import { checkIsolationClaims } from "./isolation-claims.ts";
import type { ClaimId, ClaimResult, IsolationReport } from "./isolation-claims.ts";
import type { KubeObject } from "./types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const load = (name: string): KubeObject[] =>
  parseAllDocuments(readFileSync(path.join(repoRoot, "test/fixtures/audit/claims", name), "utf8")).map((d) => d.toJS() as KubeObject);

const claim = (report: IsolationReport, id: ClaimId, target?: string): ClaimResult => {
  const found = report.claims.find((c) => c.claim === id && (target === undefined || c.target === target));
  assert.ok(found, `no claim ${id} ${target ?? ""} in ${JSON.stringify(report.claims.map((c) => `${c.claim} ${c.target}`))}`);
  return found;
};

describe("homelab policies: three policies that promise isolation and deliver none", () => {
  const report = checkIsolationClaims(load("homelab-flawed.yaml"), { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["192.168.1.0/24"] });
  const pod = "actions-runners/AutoscalingRunnerSet/homelab-runners";

  it("finds the scale set's runner pod and fails overall", () => {
    assert.deepEqual(report.runnerPods, [pod]);
    assert.equal(report.pass, false);
  });

  it("the API server is reachable at the kubernetes Service, opened by the 'deny-metadata' allow", () => {
    const c = claim(report, "kubernetes-service-unreachable");
    assert.equal(c.target, "10.43.0.1:443/TCP");
    assert.equal(c.actual, "reachable");
    assert.equal(c.pass, false);
    assert.deepEqual(c.responsible, ["actions-runners/deny-metadata egress[0]"]);
  });

  it("the API server and kubelet are reachable on the node, opened by both 'deny' policies", () => {
    for (const id of ["node-apiserver-unreachable", "node-kubelet-unreachable"] as const) {
      const c = claim(report, id);
      assert.equal(c.target, id === "node-apiserver-unreachable" ? "192.168.1.1:6443/TCP" : "192.168.1.1:10250/TCP");
      assert.equal(c.pass, false);
      assert.deepEqual(c.responsible, ["actions-runners/deny-service-cidr egress[0]", "actions-runners/deny-metadata egress[0]"]);
    }
  });

  it("cloud metadata is reachable: 'deny-service-cidr' allows what 'deny-metadata' leaves out", () => {
    const c = claim(report, "metadata-unreachable");
    assert.equal(c.pass, false);
    assert.deepEqual(c.responsible, ["actions-runners/deny-service-cidr egress[0]"]);
  });

  it("pods in other namespaces are reachable through the 0.0.0.0/0 allows (pod addresses are in it)", () => {
    const c = claim(report, "other-namespace-pods-unreachable");
    assert.equal(c.pass, false);
    assert.ok(c.responsible.includes("actions-runners/deny-service-cidr egress[0]"));
    assert.ok(c.responsible.includes("actions-runners/deny-metadata egress[0]"));
    assert.ok(c.responsible.some((r) => r.startsWith("reachable: pods in a namespace no selector matches on 1/TCP at 10.42.0.1, opened by ")), c.responsible.join("; "));
  });

  it("the runner is reachable from other namespaces: the wildcard default-deny selects nothing", () => {
    const c = claim(report, "unreachable-from-other-namespaces");
    assert.equal(c.pass, false);
    assert.ok(c.responsible.includes(`no NetworkPolicy isolates ${pod} for Ingress`), c.responsible.join("; "));
    assert.ok(c.responsible.includes("actions-runners/default-deny lists Ingress but its podSelector {app=*} does not select this pod"), c.responsible.join("; "));
  });

  it("DNS is not provably reachable: only ipBlock rules would allow it, which is CNI-specific", () => {
    for (const id of ["dns-udp-reachable", "dns-tcp-reachable"] as const) {
      const c = claim(report, id);
      assert.equal(c.pass, false);
      assert.ok(c.responsible.some((r) => r.startsWith("only ipBlock rules (actions-runners/deny-service-cidr egress[0], actions-runners/deny-metadata egress[0])")), c.responsible.join("; "));
    }
  });

  it("public HTTPS stays reachable", () => {
    assert.equal(claim(report, "public-https-reachable").pass, true);
  });

  it("reports the wildcard selector and the deny-named allow policies as findings", () => {
    assert.deepEqual(report.findings.map((f) => [f.severity, f.policy, f.path]), [
      ["error", "actions-runners/default-deny", 'spec.podSelector.matchLabels["app"]'],
      ["warning", "actions-runners/deny-service-cidr", "spec.egress"],
      ["warning", "actions-runners/deny-metadata", "spec.egress"],
    ]);
  });
});

describe("fenced policy set: default deny, DNS, public HTTPS", () => {
  const options = { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["203.0.113.0/24"] };
  const report = checkIsolationClaims(load("fenced-correct.yaml"), options);

  it("passes every claim for every runner pod, with no findings", () => {
    assert.deepEqual(report.runnerPods, ["ci/Deployment/runner-small", "ci/AutoscalingRunnerSet/scale-set"]);
    const failed = report.claims.filter((c) => !c.pass);
    assert.deepEqual(failed, []);
    assert.equal(report.claims.length, 2 * 9, "9 claims per runner pod with one node address");
    assert.equal(report.pass, true);
    assert.deepEqual(report.findings, []);
  });

  it("names what decides each claim", () => {
    const dns = report.claims.find((c) => c.claim === "dns-udp-reachable" && c.pod === "ci/Deployment/runner-small");
    assert.deepEqual(dns?.responsible, ["ci/allow-dns egress[0]"]);
    const metadata = report.claims.find((c) => c.claim === "metadata-unreachable" && c.pod === "ci/Deployment/runner-small");
    assert.deepEqual(metadata?.responsible, [
      "ci/default-deny-all (isolates Egress; no rule allows this)",
      "ci/allow-dns (isolates Egress; no rule allows this)",
      "ci/allow-https-public (isolates Egress; no rule allows this)",
    ]);
  });

  it("a node address the allow does not except is reachable on the port the allow opens", () => {
    const r = checkIsolationClaims(load("fenced-correct.yaml"), { ...options, nodeCidrs: ["198.51.100.0/24"] });
    assert.equal(r.pass, true, "6443 and 10250 stay closed: the allow is for 443 only");
    const objects = load("fenced-correct.yaml").map((o) =>
      o.metadata?.name === "allow-https-public" ? (JSON.parse(JSON.stringify(o).replace('"port":443', '"port":6443')) as KubeObject) : o);
    const opened = checkIsolationClaims(objects, { ...options, nodeCidrs: ["198.51.100.0/24"] });
    const node = opened.claims.find((c) => c.claim === "node-apiserver-unreachable");
    assert.equal(node?.target, "198.51.100.1:6443/TCP");
    assert.equal(node?.pass, false);
    assert.deepEqual(node?.responsible, ["ci/allow-https-public egress[0]"]);
  });

  it("probes the given node addresses instead of the first host of each node CIDR", () => {
    const r = checkIsolationClaims(load("fenced-correct.yaml"), { ...options, nodeAddresses: ["203.0.113.10", "203.0.113.11"] });
    const targets = r.claims.filter((c) => c.claim === "node-apiserver-unreachable" && c.pod === "ci/Deployment/runner-small").map((c) => c.target);
    assert.deepEqual(targets, ["203.0.113.10:6443/TCP", "203.0.113.11:6443/TCP"]);
  });

  it("finds lateral movement on a port range that only reaches other namespaces", () => {
    const objects: KubeObject[] = [
      ...load("fenced-correct.yaml"),
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-databases", namespace: "ci" },
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["ci"] }] } }], ports: [{ port: 5432, endPort: 5439 }] }] },
      },
    ];
    const r = checkIsolationClaims(objects, options);
    const c = r.claims.find((x) => x.claim === "other-namespace-pods-unreachable");
    assert.equal(c?.pass, false);
    assert.equal(c?.responsible[0], "ci/allow-databases egress[0]");
    assert.ok(c?.responsible.includes("reachable: any pod in namespaces {kubernetes.io/metadata.name notin (ci)} (named by ci/allow-databases egress[0].to[0]) on 5432/TCP at 10.42.0.1, opened by ci/allow-databases egress[0]"), c?.responsible.join("\n"));
    assert.ok(c?.responsible.every((r) => r === "ci/allow-databases egress[0]" || r.includes("on 5432/TCP") || r.startsWith("and ")), c?.responsible.join("\n"));
  });

  it("a host-network runner is never fenced by NetworkPolicy", () => {
    const objects = load("fenced-correct.yaml").map((o) => {
      if (o.kind !== "Deployment") return o;
      const copy = structuredClone(o) as { spec: { template: { spec: Record<string, unknown> } } } & KubeObject;
      copy.spec.template.spec["hostNetwork"] = true;
      return copy;
    });
    const r = checkIsolationClaims(objects, options);
    const c = r.claims.find((x) => x.claim === "metadata-unreachable" && x.pod === "ci/Deployment/runner-small");
    assert.equal(c?.pass, false);
    assert.deepEqual(c?.responsible, ["ci/Deployment/runner-small uses hostNetwork: NetworkPolicy does not apply to host-network pods"]);
  });
});

describe("claim options", () => {
  it("defaults: DNS pods k8s-app=kube-dns in kube-system, public probe 1.1.1.1, runners by container name", () => {
    const r = checkIsolationClaims(load("fenced-correct.yaml"), { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["203.0.113.0/24"] });
    const targets = r.claims.filter((c) => c.pod === "ci/Deployment/runner-small").map((c) => c.target);
    assert.deepEqual(targets, [
      "169.254.169.254:80/TCP",
      "10.43.0.1:443/TCP",
      "203.0.113.1:6443/TCP",
      "203.0.113.1:10250/TCP",
      "any port of pods in other namespaces (every peer class the policies tell apart, addresses in 10.42.0.0/16)",
      "any port of ci/Deployment/runner-small from pods in other namespaces (every peer class the policies tell apart, addresses in 10.42.0.0/16)",
      "DNS pods kube-system/{k8s-app=kube-dns} port 53/UDP",
      "DNS pods kube-system/{k8s-app=kube-dns} port 53/TCP",
      "1.1.1.1:443/TCP",
    ]);
  });

  it("uses the DNS pods and namespace given, and the DNS workload when the objects contain it", () => {
    const coredns: KubeObject = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "coredns", namespace: "dns" },
      spec: { template: { metadata: { labels: { app: "coredns" } }, spec: { containers: [{ name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.11.3" }] } } },
    };
    const lockedDns: KubeObject = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "dns-deny-all", namespace: "dns" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
    const options = { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["203.0.113.0/24"], dnsNamespace: "dns", dnsLabels: { app: "coredns" } };
    const objects = load("fenced-correct.yaml").map((o) => (o.metadata?.name === "allow-dns" ? (JSON.parse(JSON.stringify(o).replace('"kube-system"', '"dns"').replace('"k8s-app":"kube-dns"', '"app":"coredns"')) as KubeObject) : o));
    const open = checkIsolationClaims([...objects, coredns], options);
    const udp = open.claims.find((c) => c.claim === "dns-udp-reachable");
    assert.equal(udp?.target, "dns/Deployment/coredns port 53/UDP");
    assert.equal(udp?.pass, true);
    const closed = checkIsolationClaims([...objects, coredns, lockedDns], options);
    const denied = closed.claims.find((c) => c.claim === "dns-udp-reachable");
    assert.equal(denied?.pass, false);
    assert.ok(denied?.responsible.includes("dns/dns-deny-all (isolates Ingress; no rule allows this)"), denied?.responsible.join("; "));
  });

  it("without runner pods the report does not pass", () => {
    const r = checkIsolationClaims([], { serviceCidr: "10.96.0.0/12", podCidr: "10.244.0.0/16", nodeCidrs: ["192.168.1.0/24"] });
    assert.deepEqual(r.claims, []);
    assert.equal(r.pass, false);
  });

  it("reports every bad option at once, naming the key and how to fix it", () => {
    assert.throws(
      () => checkIsolationClaims([], { serviceCidr: "10.96.0.0", podCidr: "10.244.0.0/16", nodeCidrs: ["192.168.1.0/24", "node-a"], nodeAddresses: ["300.1.1.1"], publicProbe: "one.one.one.one" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.issues.map((i) => i.path), ["serviceCidr", "nodeCidrs[1]", "nodeAddresses[0]", "publicProbe"]);
        assert.ok(e.issues.every((i) => i.fix.length > 0));
        assert.match(e.issues[0]!.fix, /10\.96\.0\.0\/12/);
        return true;
      },
    );
    assert.throws(
      () => checkIsolationClaims([], { serviceCidr: "10.96.0.0/12", podCidr: "10.244.0.0/16", nodeCidrs: [] }),
      (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === "nodeCidrs" && /nodeAddresses/.test(e.issues[0].fix),
    );
  });
});

describe("label-selected peers in labelled namespaces (cache pods in team=data, Prometheus in team=observability)", () => {
  const report = checkIsolationClaims(load("label-selected-peers.yaml"), { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["203.0.113.0/24"] });
  const pod = "ci/Deployment/runner-small";
  const of = (id: ClaimId) => {
    const found = report.claims.find((c) => c.pod === pod && c.claim === id);
    assert.ok(found);
    return found;
  };

  it("other-namespace pods are reachable: names the cache class, port 6379 and both rules that open it", () => {
    const c = of("other-namespace-pods-unreachable");
    assert.equal(c.pass, false);
    assert.ok(c.responsible.includes("ci/allow-cache egress[0]"), c.responsible.join("\n"));
    assert.ok(c.responsible.includes("data/allow-ci-to-cache ingress[0]"), c.responsible.join("\n"));
    assert.ok(
      c.responsible.some((r) => r.startsWith("reachable: pods {app=cache, tier=db} in namespace data") && r.includes("on 6379/TCP") && r.endsWith("opened by ci/allow-cache egress[0], data/allow-ci-to-cache ingress[0]")),
      c.responsible.join("\n"),
    );
  });

  it("the runner is reachable from other namespaces: names the Prometheus class, the named metrics port and the rule", () => {
    const c = of("unreachable-from-other-namespaces");
    assert.equal(c.pass, false);
    assert.ok(c.responsible.some((r) => r.startsWith("reachable: pods {app.kubernetes.io/name=prometheus} in namespaces {team=observability} (named by ci/allow-metrics-scrape ingress[0].from[0]) to 9090/TCP") && r.endsWith("opened by ci/allow-metrics-scrape ingress[0]")), c.responsible.join("\n"));
  });

  it("the claims that hold still hold, and the matrix shows the open cells", () => {
    for (const id of ["metadata-unreachable", "kubernetes-service-unreachable", "dns-udp-reachable", "public-https-reachable"] as const) assert.equal(of(id).pass, true, id);
    const open = report.matrix.entries.filter((e) => e.runner === pod && e.open.length > 0).map((e) => `${e.direction} ${report.matrix.peers.find((p) => p.id === e.peer)?.label} ${e.open.map((o) => `${o.port}/${o.protocol}`).join(",")}`);
    assert.ok(open.includes("egress data {app=cache, tier=db} 6379/TCP"), open.join("\n"));
    assert.ok(open.includes("egress 1.1.1.1 443/TCP"), open.join("\n"));
  });
});

describe("the fenced policy set passes both lateral claims over every peer class", () => {
  it("no class outside ci gets through; DNS on 53 is the expected exception", () => {
    const report = checkIsolationClaims(load("fenced-correct.yaml"), { serviceCidr: "10.43.0.0/16", podCidr: "10.42.0.0/16", nodeCidrs: ["203.0.113.0/24"] });
    for (const c of report.claims.filter((x) => x.claim.includes("namespace"))) assert.equal(c.pass, true, `${c.claim} ${c.pod}: ${c.responsible.join("; ")}`);
    const dns = report.matrix.entries.filter((e) => e.direction === "egress" && e.open.length > 0 && e.peer.startsWith("pod:kube-system"));
    assert.ok(dns.every((e) => e.open.every((o) => o.port === 53)));
    assert.ok(dns.length > 0);
  });
});
