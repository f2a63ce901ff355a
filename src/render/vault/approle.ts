/**
 * The runners' AppRole, as the arguments of `@pulumi/vault`'s `approle.AuthBackendRole` (Vault's
 * own field names in the comments). Secret ids are single-use and short-lived, and both secret
 * ids and login tokens only work from the runner subnet.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";

export interface VaultAppRoleSettings {
  /** Mount path of the AppRole auth method (`backend`). */
  readonly backend: string;
  /** `role_name` */
  readonly roleName: string;
  /** `bind_secret_id`: a login needs a secret id, not just the role id. */
  readonly bindSecretId: true;
  /** `secret_id_ttl`, seconds. */
  readonly secretIdTtl: number;
  /** `secret_id_num_uses` */
  readonly secretIdNumUses: number;
  /** `secret_id_bound_cidrs`: the runner subnet. */
  readonly secretIdBoundCidrs: readonly string[];
  /** `token_ttl`, seconds. */
  readonly tokenTtl: number;
  /** `token_max_ttl`, seconds. */
  readonly tokenMaxTtl: number;
  /** `token_bound_cidrs`: the runner subnet. */
  readonly tokenBoundCidrs: readonly string[];
  /** `token_policies` */
  readonly tokenPolicies: readonly string[];
  /** `token_no_default_policy`: only the runner policy applies. */
  readonly tokenNoDefaultPolicy: true;
}

export function renderVaultAppRole(profile: AwsRunnerProfile): VaultAppRoleSettings {
  const a = profile.vault.approle;
  return {
    backend: a.mountPath,
    roleName: a.roleName,
    bindSecretId: true,
    secretIdTtl: a.secretIdTtlSeconds,
    secretIdNumUses: a.secretIdNumUses,
    secretIdBoundCidrs: [profile.subnetCidr],
    tokenTtl: a.tokenTtlSeconds,
    tokenMaxTtl: a.tokenMaxTtlSeconds,
    tokenBoundCidrs: [profile.subnetCidr],
    tokenPolicies: [profile.vault.policyName],
    tokenNoDefaultPolicy: true,
  };
}
