import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderVaultAppRole, renderVaultRunnerPolicy, vaultPolicyHcl, vaultPolicyJson } from "./index.ts";

const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);

describe("Vault policy ci-runner", () => {
  it("grants update on github/token and read on kv/data/ci/intel/*, nothing else", () => {
    const policy = renderVaultRunnerPolicy(profile());
    assert.equal(policy.name, "ci-runner");
    assert.equal(
      vaultPolicyHcl(policy),
      [
        '# Vault policy "ci-runner", rendered by runner-fleet.',
        "",
        "# mint a short-lived GitHub token",
        'path "github/token" {',
        '  capabilities = ["update"]',
        "}",
        "",
        "# read the CI secrets of this profile",
        'path "kv/data/ci/intel/*" {',
        '  capabilities = ["read"]',
        "}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(vaultPolicyJson(policy), { path: { "github/token": { capabilities: ["update"] }, "kv/data/ci/intel/*": { capabilities: ["read"] } } });
  });
  it("quotes paths and comments so a value cannot add a rule", () => {
    const hcl = vaultPolicyHcl({ name: "x", rules: [{ path: 'kv/a" {}\npath "sys/*" { capabilities = ["sudo"] }\n#', capabilities: ["read"], why: "line one\npath \"sys/*\" {" }] });
    assert.equal(hcl.match(/^path /gm)?.length, 1, hcl);
    assert.ok(hcl.includes('path "kv/a\\" {}\\npath \\"sys/*\\"'), hcl);
  });
});

describe("Vault AppRole ci-intel-runner", () => {
  it("has single-use 15-minute secret ids, 15/30-minute tokens, bound to the runner subnet, with only the ci-runner policy", () => {
    assert.deepEqual(renderVaultAppRole(profile()), {
      backend: "approle",
      roleName: "ci-intel-runner",
      bindSecretId: true,
      secretIdTtl: 900,
      secretIdNumUses: 1,
      secretIdBoundCidrs: ["10.42.10.0/24"],
      tokenTtl: 900,
      tokenMaxTtl: 1800,
      tokenBoundCidrs: ["10.42.10.0/24"],
      tokenPolicies: ["ci-runner"],
      tokenNoDefaultPolicy: true,
    });
  });
  it("follows the profile's subnet and lifetimes", () => {
    const a = renderVaultAppRole(profile({ subnetCidr: "10.42.20.0/24", vault: { address: "https://v.example", approle: { tokenTtl: "5m", tokenMaxTtl: "10m" } } }));
    assert.deepEqual([a.secretIdBoundCidrs, a.tokenBoundCidrs, a.tokenTtl, a.tokenMaxTtl], [["10.42.20.0/24"], ["10.42.20.0/24"], 300, 600]);
  });
});
