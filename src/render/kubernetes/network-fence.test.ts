// The fence around Kubernetes Deployment fleets: rendered by default for both forges, each extra
// egress entry one NetworkPolicy named after it that opens its block on its ports and nothing else,
// and what the isolation audit computes from them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { NON_PUBLIC_RANGES } from "../../model/arc-scale-set.ts";
import { resolveKubernetesFleet } from "../../model/kubernetes-fleet.ts";
import { renderKubernetesFleet } from "./kubernetes-fleet.ts";
import { auditFleet } from "../../audit/fleet-audit.ts";
import type { KubeObject } from "../../audit/network/types.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const runner = (name: string) => ({ name, image: `ghcr.io/acme/${name}:2.329.0`, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } } });
const github = (over: Record<string, unknown> = {}) => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner("codex"), runner("gemini")], ...over });
const forgejo = (over: Record<string, unknown> = {}) => ({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://192.168.1.10:3000", runners: [{ name: "build" }], ...over });
const MCP = { name: "mcp", cidr: "10.0.5.10/32", ports: [{ port: 8443, protocol: "TCP" }] };
const render = (input: unknown) => renderKubernetesFleet(resolveKubernetesFleet(input));
const names = (policies: readonly NetworkPolicy[]) => policies.map((p) => p.metadata!.name);
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/24"] };
const audit = (input: unknown) => {
  const docs = render(input);
  return auditFleet([...docs.deployments, ...docs.networkPolicies] as KubeObject[], NETWORK);
};
const SELECTOR = { matchExpressions: [{ key: "app", operator: "In", values: ["codex-gh-runner", "gemini-gh-runner"] }] };

describe("a GitHub fleet is fenced unless it opts out", () => {
  it("by default: default deny both ways, DNS to the DNS pods, HTTPS to public addresses only", () => {
    const [deny, dns, https, ...rest] = render(github()).networkPolicies;
    assert.deepEqual(rest, []);
    const meta = (name: string) => ({ name, namespace: "ci", labels: { "app.kubernetes.io/part-of": "runner-fleet" } });
    assert.deepEqual(deny, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("gh-runner-default-deny-all"), spec: { podSelector: SELECTOR, policyTypes: ["Ingress", "Egress"] } });
    assert.deepEqual(dns?.metadata, meta("gh-runner-allow-dns-egress"));
    assert.deepEqual(dns?.spec?.egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }]);
    assert.deepEqual(https?.metadata, meta("gh-runner-allow-https-egress-public"));
    assert.deepEqual(https?.spec?.egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...NON_PUBLIC_RANGES] } }], ports: [{ protocol: "TCP", port: 443 }] }]);
  });
  it("networkPolicies: false renders no policy and the same Deployments", () => {
    const off = render(github({ networkPolicies: false }));
    assert.deepEqual(off.networkPolicies, []);
    assert.deepEqual(off.deployments, render(github()).deployments);
  });
});

describe("extraEgress: one NetworkPolicy per entry, named after it", () => {
  it("opens exactly the entry's block on its ports, for the fleet's runner pods, after the fence's own policies", () => {
    const policies = render(github({ extraEgress: [MCP, { name: "models", cidr: "fd00::10/128", ports: [{ port: 11434 }, { port: 5353, protocol: "UDP" }] }] })).networkPolicies;
    assert.deepEqual(names(policies), ["gh-runner-default-deny-all", "gh-runner-allow-dns-egress", "gh-runner-allow-https-egress-public", "gh-runner-allow-egress-mcp", "gh-runner-allow-egress-models"]);
    assert.deepEqual(policies[3], {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "gh-runner-allow-egress-mcp", namespace: "ci", labels: { "app.kubernetes.io/part-of": "runner-fleet" } },
      spec: { podSelector: SELECTOR, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.5.10/32" } }], ports: [{ protocol: "TCP", port: 8443 }] }] },
    });
    assert.deepEqual(policies[4]?.spec?.egress, [{ to: [{ ipBlock: { cidr: "fd00::10/128" } }], ports: [{ protocol: "TCP", port: 11434 }, { protocol: "UDP", port: 5353 }] }]);
  });
  it("a Forgejo fleet gets them after its forge policy", () => {
    const policies = render(forgejo({ extraEgress: [MCP] })).networkPolicies;
    assert.deepEqual(names(policies), ["forgejo-runner-default-deny-all", "forgejo-runner-allow-dns-egress", "forgejo-runner-allow-https-egress-public", "forgejo-runner-allow-forge-egress", "forgejo-runner-allow-egress-mcp"]);
    assert.deepEqual(policies[4]?.spec?.egress, [{ to: [{ ipBlock: { cidr: "10.0.5.10/32" } }], ports: [{ protocol: "TCP", port: 8443 }] }]);
  });
  it("every policy passes the strict Kubernetes schemas", async () => {
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const all = [...render(github({ extraEgress: [MCP] })).networkPolicies, ...render(forgejo({ extraEgress: [{ ...MCP, ports: [{ port: 3868, protocol: "SCTP" }] }] })).networkPolicies];
    const results = await validateDocuments(all.map((doc, index) => ({ file: "render", index, doc })), loader);
    assert.equal(results.length, 9);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });
});

describe("the isolation audit over the rendered fence", () => {
  it("a fenced GitHub fleet passes every claim, with an extra egress to a private address too", () => {
    for (const input of [github(), github({ extraEgress: [MCP] })]) {
      const report = audit(input).isolation;
      assert.deepEqual(report.claims.filter((c) => !c.pass).map((c) => `${c.claim} ${c.pod}`), []);
      assert.equal(report.runnerPods.length, 2);
      assert.ok(report.pass);
    }
  });
  it("an unfenced fleet fails the claims, and says which", () => {
    const failed = new Set(audit(github({ networkPolicies: false })).isolation.claims.filter((c) => !c.pass).map((c) => c.claim));
    assert.ok(failed.has("metadata-unreachable") && failed.has("other-namespace-pods-unreachable") && failed.has("unreachable-from-other-namespaces"), [...failed].join(", "));
  });
  it("an extra egress that reaches the cloud metadata endpoint fails that claim, naming its policy", () => {
    const claims = audit(github({ extraEgress: [{ name: "link-local", cidr: "169.254.0.0/16", ports: [{ port: 80 }] }] })).isolation.claims;
    const metadata = claims.filter((c) => c.claim === "metadata-unreachable");
    assert.equal(metadata.length, 2);
    for (const c of metadata) {
      assert.equal(c.pass, false);
      assert.ok(c.responsible.some((r) => r.includes("gh-runner-allow-egress-link-local")), c.responsible.join("; "));
    }
    assert.ok(claims.filter((c) => c.claim !== "metadata-unreachable").every((c) => c.pass));
  });
});
