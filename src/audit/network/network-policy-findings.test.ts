import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { networkPolicyFindings } from "./network-policy-findings.ts";
import type { KubeObject } from "./types.ts";

const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "ci" }, spec });

describe("NetworkPolicy findings", () => {
  it("reports invalid peers and ports with their paths and fixes", () => {
    const findings = networkPolicyFindings([policy("bad", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [{}, { ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }, { ipBlock: { cidr: "10.0.0.0" } }],
        ports: [{ port: "53" }, { port: "dns", endPort: 60 }, { port: 8080, endPort: 8000 }, { protocol: "ICMP" }, { port: 70000 }],
      }],
    })]);
    assert.deepEqual(findings.map((f) => f.path), [
      "spec.egress[0].to[0]",
      "spec.egress[0].to[1]",
      "spec.egress[0].to[2].ipBlock.cidr",
      "spec.egress[0].ports[0].port",
      "spec.egress[0].ports[1].endPort",
      "spec.egress[0].ports[2].endPort",
      "spec.egress[0].ports[3].protocol",
      "spec.egress[0].ports[4].port",
    ]);
    assert.ok(findings.every((f) => f.severity === "error" && f.policy === "ci/bad" && f.fix.length > 0));
    assert.match(findings[3]!.message, /a quoted number is a name/);
  });

  it("warns when a deny-named policy allows, but not for a real default deny", () => {
    const findings = networkPolicyFindings([
      policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      policy("block-metadata", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }] }),
    ]);
    assert.deepEqual(findings.map((f) => [f.policy, f.severity]), [["ci/block-metadata", "warning"]]);
    assert.match(findings[0]!.message, /only allow/);
  });
});
