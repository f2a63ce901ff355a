/**
 * What the secret-id broker may do, in AWS and in Vault.
 *
 * AWS: a role only Lambda may assume, with named least-privilege statements: write and delete
 * the per-instance wrapped secret ids (never read them), complete lifecycle actions of the
 * runner group only, write its own log group, prove its identity to Vault, and (in a VPC) manage
 * the function's network interfaces.
 *
 * Vault: an AWS auth role of type `iam` bound to exactly that IAM role, whose short-lived,
 * default-policy-free tokens carry one policy: `update` on the runner AppRole's `secret-id`
 * path, which issues a secret id and can do nothing else (no role id, no login, no listing).
 */
import type { AwsRunnerProfile, AwsScope } from "../../model/aws-runner.ts";
import { AWS_INSTANCE_PARAMETER_TAG, SECRET_ID_BROKER_VAULT_DEFAULTS } from "../../model/aws-runner-defaults.ts";
import type { VaultPolicy } from "../vault/policy.ts";
import type { IamPolicyDocument, IamStatement } from "./iam-policy.ts";
import { secretIdBrokerNames } from "./secret-id-broker-names.ts";

/** What a broker statement is built from. */
export interface SecretIdBrokerIamContext {
  readonly profile: AwsRunnerProfile;
  readonly scope: AwsScope;
  /** The runner Auto Scaling group. */
  readonly autoScalingGroupName: string;
  /** Whether the function runs in a VPC (adds the network-interface statement). */
  readonly inVpc: boolean;
}

/** A least-privilege statement of the broker role: why, whether it applies, and its text. */
export interface SecretIdBrokerStatement {
  readonly sid: string;
  readonly why: string;
  readonly applies: (ctx: SecretIdBrokerIamContext) => boolean;
  readonly build: (ctx: SecretIdBrokerIamContext) => IamStatement;
}

const arn = ({ scope }: SecretIdBrokerIamContext, service: string, resource: string) => `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;

const statement = (s: Omit<SecretIdBrokerStatement, "build"> & { build: (ctx: SecretIdBrokerIamContext) => Omit<IamStatement, "Sid" | "Effect"> }): SecretIdBrokerStatement => ({
  ...s,
  build: (ctx) => ({ Sid: s.sid, Effect: "Allow", ...s.build(ctx) }),
});

/** Trust policy statement: only the Lambda service may assume the broker role. */
export const ASSUME_ROLE_FROM_LAMBDA_ONLY: IamStatement = {
  Sid: "AssumeRoleFromLambdaOnly",
  Effect: "Allow",
  Principal: { Service: "lambda.amazonaws.com" },
  Action: ["sts:AssumeRole"],
};

/** The per-instance parameters the broker delivers: wrapped secret ids, or JIT configurations when it mints them. */
export function brokerParameterPrefix(profile: AwsRunnerProfile): string {
  return profile.github.mintedBy === "broker" ? profile.ssm.jitConfig : profile.ssm.wrappedSecretId;
}

/**
 * Write (and on termination delete) the per-instance parameters, each tagged with its instance's
 * ARN (the runner role reads only the one whose tag is its own instance); reading them is the
 * instance's business only. SSM needs ssm:AddTagsToResource for a PutParameter with tags;
 * aws:TagKeys keeps the broker to the one tag.
 */
export const WRITE_PER_INSTANCE_PARAMETERS = statement({
  sid: "WritePerInstanceParameters",
  why: "the broker stores each instance's wrapping token (or JIT configuration) at <prefix>/<instance-id>, tagged with the instance's ARN, and deletes it when the instance terminates; it never reads one back",
  applies: () => true,
  build: (ctx) => ({
    Action: ["ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:PutParameter"],
    Resource: [arn(ctx, "ssm", `parameter${brokerParameterPrefix(ctx.profile)}/*`)],
    Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [AWS_INSTANCE_PARAMETER_TAG] } },
  }),
});

/** Encrypt SecureStrings with a customer-managed key, only when SSM asks for it. */
export const ENCRYPT_SECURE_STRINGS_VIA_SSM_ONLY = statement({
  sid: "EncryptSecureStringsViaSsmOnly",
  why: "a SecureString under a customer-managed key needs kms:Encrypt from the writer; kms:ViaService keeps the key from encrypting anything but SSM parameters",
  applies: ({ profile }) => profile.ssm.kmsKeyArn !== undefined,
  build: (ctx) => ({ Action: ["kms:Encrypt"], Resource: [ctx.profile.ssm.kmsKeyArn ?? ""], Condition: { StringEquals: { "kms:ViaService": `ssm.${ctx.scope.region}.amazonaws.com` } } }),
});

/** Continue or abandon lifecycle actions of the runner group, and of no other group. */
export const COMPLETE_RUNNER_LIFECYCLE_ACTIONS = statement({
  sid: "CompleteRunnerLifecycleActions",
  why: "the broker lets a launch continue once its secret id is delivered (or abandons it), and lets a termination continue",
  applies: () => true,
  build: (ctx) => ({ Action: ["autoscaling:CompleteLifecycleAction"], Resource: [arn(ctx, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${ctx.autoScalingGroupName}`)] }),
});

/** Write log streams of the function's own log group. */
export const WRITE_OWN_BROKER_LOGS = statement({
  sid: "WriteOwnBrokerLogs",
  why: "Lambda writes the function's logs with its role, into the log group the component creates (so no logs:CreateLogGroup)",
  applies: () => true,
  build: (ctx) => ({ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [arn(ctx, "logs", `log-group:${secretIdBrokerNames(ctx.profile).logGroupName}:log-stream:*`)] }),
});

/** Sign the sts:GetCallerIdentity request Vault's AWS IAM auth replays. */
export const PROVE_IDENTITY_TO_VAULT = statement({
  sid: "ProveIdentityToVault",
  why: "Vault's AWS IAM auth replays a GetCallerIdentity request signed by the role to learn who logs in; the action takes no resource ARN and reveals only the caller's own identity",
  applies: () => true,
  build: () => ({ Action: ["sts:GetCallerIdentity"], Resource: ["*"] }),
});

/** Attach the function to the VPC (what AWSLambdaVPCAccessExecutionRole grants). */
export const MANAGE_FUNCTION_NETWORK_INTERFACES = statement({
  sid: "ManageFunctionNetworkInterfaces",
  why: "a function in a VPC reaches Vault through network interfaces Lambda creates with the function's role; these EC2 actions take no narrower resource for this use",
  applies: ({ inVpc }) => inVpc,
  build: () => ({
    Action: ["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses"],
    Resource: ["*"],
  }),
});

/** Every statement of the broker role's permission policy, in document order. */
export const SECRET_ID_BROKER_STATEMENTS: readonly SecretIdBrokerStatement[] = [
  WRITE_PER_INSTANCE_PARAMETERS,
  ENCRYPT_SECURE_STRINGS_VIA_SSM_ONLY,
  COMPLETE_RUNNER_LIFECYCLE_ACTIONS,
  WRITE_OWN_BROKER_LOGS,
  PROVE_IDENTITY_TO_VAULT,
  MANAGE_FUNCTION_NETWORK_INTERFACES,
];

/** The broker role's trust policy. */
export function renderSecretIdBrokerTrustPolicy(): IamPolicyDocument {
  return { Version: "2012-10-17", Statement: [ASSUME_ROLE_FROM_LAMBDA_ONLY] };
}

/** The broker role's permission policy. */
export function renderSecretIdBrokerRolePolicy(ctx: SecretIdBrokerIamContext): IamPolicyDocument {
  return { Version: "2012-10-17", Statement: SECRET_ID_BROKER_STATEMENTS.filter((s) => s.applies(ctx)).map((s) => s.build(ctx)) };
}

/** The broker role's ARN (the role is created under this name, so Vault can be bound before it exists). */
export function secretIdBrokerRoleArn(profile: AwsRunnerProfile, scope: AwsScope): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:role/${secretIdBrokerNames(profile).roleName}`;
}

/** The broker's Vault policy: issue secret ids of the runner AppRole (or, when it mints JIT configurations, GitHub App tokens), nothing else. */
export function renderSecretIdBrokerVaultPolicy(profile: AwsRunnerProfile): VaultPolicy {
  const { mountPath, roleName } = profile.vault.approle;
  const rule =
    profile.github.mintedBy === "broker"
      ? { path: profile.vault.githubTokenPath, capabilities: ["update" as const], why: "mint a GitHub App installation token per runner instance, to request its JIT configuration" }
      : { path: `auth/${mountPath}/role/${roleName}/secret-id`, capabilities: ["update" as const], why: `issue one secret id of AppRole ${roleName} per runner instance (response-wrapped by the caller)` };
  return { name: secretIdBrokerNames(profile).vaultPolicyName, rules: [rule] };
}

/** Arguments of `@pulumi/vault` `aws.AuthBackendRole` for the broker (Vault's field names in the comments). */
export interface SecretIdBrokerVaultRoleSettings {
  /** Mount path of the AWS auth method (`backend`). */
  readonly backend: string;
  /** `role` */
  readonly role: string;
  /** `auth_type`: the IAM method (signed GetCallerIdentity), not the EC2 method. */
  readonly authType: "iam";
  /** `bound_iam_principal_arn`: the broker role, and nothing else. */
  readonly boundIamPrincipalArns: readonly string[];
  /** `resolve_aws_unique_ids`: a role recreated under the same name is a different principal. */
  readonly resolveAwsUniqueIds: true;
  /** `token_policies` */
  readonly tokenPolicies: readonly string[];
  /** `token_no_default_policy`: only the broker policy applies. */
  readonly tokenNoDefaultPolicy: true;
  /** `token_ttl` / `token_max_ttl`, seconds: one invocation's worth. */
  readonly tokenTtl: number;
  readonly tokenMaxTtl: number;
  /** `token_bound_cidrs`: where the function's requests come from ([] = anywhere). */
  readonly tokenBoundCidrs: readonly string[];
}

export function renderSecretIdBrokerVaultRole(profile: AwsRunnerProfile, scope: AwsScope, options: { readonly backend: string; readonly tokenBoundCidrs?: readonly string[] }): SecretIdBrokerVaultRoleSettings {
  const d = SECRET_ID_BROKER_VAULT_DEFAULTS;
  return {
    backend: options.backend,
    role: secretIdBrokerNames(profile).vaultRoleName,
    authType: "iam",
    boundIamPrincipalArns: [secretIdBrokerRoleArn(profile, scope)],
    resolveAwsUniqueIds: true,
    tokenPolicies: [secretIdBrokerNames(profile).vaultPolicyName],
    tokenNoDefaultPolicy: true,
    tokenTtl: d.tokenTtl,
    tokenMaxTtl: d.tokenMaxTtl,
    tokenBoundCidrs: [...(options.tokenBoundCidrs ?? [])],
  };
}
