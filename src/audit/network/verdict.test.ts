import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { effectivePolicyTypes } from "./policy-model.ts";
import { connectionVerdict, egressVerdict } from "./verdict.ts";

const denyAll = (namespace: string): NetworkPolicy => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
const runner = { namespace: "ci", labels: { app: "runner" }, name: "ci/Deployment/runner" };
const web = { namespace: "apps", labels: { app: "web" }, name: "apps/Deployment/web", port: 8080 };

describe("verdicts", () => {
  it("policy types default exactly as the API server defaults them", () => {
    const spec = (s: NonNullable<NetworkPolicy["spec"]>): NetworkPolicy => ({ spec: s });
    assert.deepEqual(effectivePolicyTypes(spec({ podSelector: {} })), ["Ingress"]);
    assert.deepEqual(effectivePolicyTypes(spec({ podSelector: {}, egress: [] })), ["Ingress"]);
    assert.deepEqual(effectivePolicyTypes(spec({ podSelector: {}, egress: [{}] })), ["Ingress", "Egress"]);
    assert.deepEqual(effectivePolicyTypes(spec({ podSelector: {}, policyTypes: [], egress: [{}] })), ["Ingress", "Egress"]);
    assert.deepEqual(effectivePolicyTypes(spec({ podSelector: {}, policyTypes: ["Egress"] })), ["Egress"]);
  });

  it("a connection needs the source's egress AND the destination's ingress", () => {
    const onlyDest = connectionVerdict(runner, web, [denyAll("apps")], []);
    assert.equal(onlyDest.allowed, false);
    assert.equal(onlyDest.egress?.allowed, true);
    assert.equal(onlyDest.ingress?.allowed, false);
    assert.match(onlyDest.reason, /^ingress to apps\/Deployment\/web port 8080\/TCP from ci\/Deployment\/runner is denied: the pod is isolated for Ingress by apps\/default-deny/);

    const onlySource = connectionVerdict(runner, web, [denyAll("ci")], []);
    assert.equal(onlySource.allowed, false);
    assert.equal(onlySource.ingress?.allowed, true);

    const open = connectionVerdict(runner, web, [], []);
    assert.equal(open.allowed, true);
  });

  it("namespaceSelector sees the automatic kubernetes.io/metadata.name label and Namespace labels", () => {
    const policy: NetworkPolicy = {
      metadata: { name: "to-team", namespace: "ci" },
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "web" } } }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "db" } } }] }] },
    };
    const namespaces = [{ metadata: { name: "apps", labels: { team: "web" } } }];
    assert.equal(egressVerdict(runner, web, [policy], namespaces).allowed, true);
    assert.equal(egressVerdict(runner, { ...web, namespace: "db" }, [policy], namespaces).allowed, true);
    assert.equal(egressVerdict(runner, { ...web, namespace: "other" }, [policy], namespaces).allowed, false);
  });

  it("a host-network pod is not governed by NetworkPolicy", () => {
    const v = egressVerdict({ ...runner, hostNetwork: true }, { ip: "169.254.169.254", port: 80 }, [denyAll("ci")], []);
    assert.equal(v.allowed, true);
    assert.equal(v.isolated, false);
    assert.match(v.reason, /host network/);
  });

  it("selector peers never match a host-network destination", () => {
    const policy: NetworkPolicy = { metadata: { name: "to-all-pods", namespace: "ci" }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] } };
    assert.equal(egressVerdict(runner, { ...web, hostNetwork: true }, [policy], []).allowed, false);
    assert.equal(egressVerdict(runner, web, [policy], []).allowed, true);
  });
});
