/**
 * `VaultRunnerAppRole`: the runners' Vault identity. The `ci-runner` policy (HCL from
 * `renderVaultRunnerPolicy`), the AppRole `ci-intel-runner` (settings from `renderVaultAppRole`:
 * single-use, short-lived secret ids and tokens bound to the runner subnet), and the SSM
 * SecureString the runners read the role id from. Secret ids are never created here: a broker
 * issues one per instance, response-wrapped (see docs/aws-runners.md).
 *
 * The role id is kept secret end to end: an additional secret output of the AppRole, a Pulumi
 * secret on the way into SSM, and a SecureString at rest.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as vault from "@pulumi/vault";
import type { AwsRunnerProfile } from "../model/aws-runner.ts";
import { runnerTags } from "../render/aws/launch-template.ts";
import { type VaultAppRoleSettings, renderVaultAppRole } from "../render/vault/approle.ts";
import { type VaultPolicy, renderVaultRunnerPolicy, vaultPolicyHcl } from "../render/vault/policy.ts";

export interface VaultRunnerAppRoleArgs {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** Extra tags on the SSM parameter (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export class VaultRunnerAppRole extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:vault:VaultRunnerAppRole";

  /** What was rendered. */
  readonly policyDocument: VaultPolicy;
  readonly policyHcl: string;
  readonly appRoleSettings: VaultAppRoleSettings;

  readonly policy: vault.Policy;
  readonly appRole: vault.approle.AuthBackendRole;
  /** The SecureString `ssm.roleId` holding the role id. */
  readonly roleIdParameter: aws.ssm.Parameter;
  /** The role id, as a Pulumi secret. */
  readonly roleId: pulumi.Output<string>;

  constructor(name: string, args: VaultRunnerAppRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    const { profile } = args;
    const policyDocument = renderVaultRunnerPolicy(profile);
    const policyHcl = vaultPolicyHcl(policyDocument);
    const settings = renderVaultAppRole(profile);
    super(VaultRunnerAppRole.TYPE, name, {}, opts);
    this.policyDocument = policyDocument;
    this.policyHcl = policyHcl;
    this.appRoleSettings = settings;

    const child = { parent: this };
    this.policy = new vault.Policy(`${name}-policy`, { name: policyDocument.name, policy: policyHcl }, child);
    this.appRole = new vault.approle.AuthBackendRole(
      `${name}-approle`,
      {
        backend: settings.backend,
        roleName: settings.roleName,
        bindSecretId: settings.bindSecretId,
        secretIdTtl: settings.secretIdTtl,
        secretIdNumUses: settings.secretIdNumUses,
        secretIdBoundCidrs: [...settings.secretIdBoundCidrs],
        tokenTtl: settings.tokenTtl,
        tokenMaxTtl: settings.tokenMaxTtl,
        tokenBoundCidrs: [...settings.tokenBoundCidrs],
        // The role's policies name the policy resource, so the policy exists before any login.
        tokenPolicies: [this.policy.name],
        tokenNoDefaultPolicy: settings.tokenNoDefaultPolicy,
      },
      { ...child, additionalSecretOutputs: ["roleId"] },
    );
    this.roleId = pulumi.secret(this.appRole.roleId);
    this.roleIdParameter = new aws.ssm.Parameter(
      `${name}-role-id`,
      {
        name: profile.ssm.roleId,
        description: `Vault AppRole role id of ${settings.roleName} (read by the runners at boot)`,
        type: "SecureString",
        value: this.roleId,
        ...(profile.ssm.kmsKeyArn === undefined ? {} : { keyId: profile.ssm.kmsKeyArn }),
        tier: "Standard",
        tags: { ...runnerTags(profile), ...args.tags },
      },
      child,
    );
    this.registerOutputs({ policyName: this.policy.name, roleName: this.appRole.roleName, roleIdParameterName: this.roleIdParameter.name });
  }
}
