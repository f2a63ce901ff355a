/**
 * The Vault policy of the runners: mint a GitHub token and read the CI key-value secrets, nothing
 * else. Rendered as HCL text (for `vault.Policy`'s `policy` or `vault policy write`) from a typed
 * list of rules; Vault also accepts the JSON form.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";

export type VaultCapability = "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny";

export interface VaultPolicyRule {
  readonly path: string;
  readonly capabilities: readonly VaultCapability[];
  /** Why the runner needs it; written as a comment above the rule. */
  readonly why: string;
}

export interface VaultPolicy {
  readonly name: string;
  readonly rules: readonly VaultPolicyRule[];
}

/** The runner policy: `update` on the GitHub token path (minting is a write), `read` on the KV data path. */
export function renderVaultRunnerPolicy(profile: AwsRunnerProfile): VaultPolicy {
  return {
    name: profile.vault.policyName,
    rules: [
      { path: profile.vault.githubTokenPath, capabilities: ["update"], why: "mint a short-lived GitHub token" },
      { path: profile.vault.kvPath, capabilities: ["read"], why: "read the CI secrets of this profile" },
    ],
  };
}

/** HCL text of a policy. Strings are written as JSON strings, which HCL reads the same way. */
export function vaultPolicyHcl(policy: VaultPolicy): string {
  const blocks = policy.rules.map((r) => `# ${r.why.replace(/\s+/g, " ")}\npath ${JSON.stringify(r.path)} {\n  capabilities = [${r.capabilities.map((c) => JSON.stringify(c)).join(", ")}]\n}\n`);
  return `# Vault policy ${JSON.stringify(policy.name)}, rendered by runner-fleet.\n\n${blocks.join("\n")}`;
}

/** JSON form of a policy (`{"path": {"<path>": {"capabilities": [...]}}}`). */
export function vaultPolicyJson(policy: VaultPolicy): { readonly path: Readonly<Record<string, { readonly capabilities: readonly VaultCapability[] }>> } {
  return { path: Object.fromEntries(policy.rules.map((r) => [r.path, { capabilities: [...r.capabilities] }])) };
}
