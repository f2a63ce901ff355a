/**
 * `SecretIdBroker`: delivers each runner instance its response-wrapped Vault secret id.
 *
 * An AWS Lambda function (Node.js 22; code from `renderSecretIdBrokerSource`), invoked by an
 * EventBridge rule on the runner group's launch and termination lifecycle actions. On launch it
 * logs in to Vault with AWS IAM auth as its own role, requests one AppRole secret id wrapped for
 * `wrapTtlSeconds`, writes the wrapping token to `<ssm.wrappedSecretId>/<instance-id>` and lets
 * the launch continue (or abandons it); on termination it deletes that parameter.
 *
 * Created here: the function's role (trusted by Lambda only) with the named statements of
 * `renderSecretIdBrokerRolePolicy`, its log group, the function, the rule, its target and the
 * permission that lets EventBridge (that rule only) invoke the function; in Vault, the broker
 * policy (`update` on the AppRole's `secret-id` path, nothing else) and an AWS auth role of type
 * `iam` bound to the function's role. Vault's AWS auth method itself (mount, client credentials,
 * `iam_server_id_header_value`) is a prerequisite: see docs/aws-runners.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as vault from "@pulumi/vault";
import { type AwsRunnerProfile, type AwsScope, ConfigError, type ConfigIssue, isCidr, parseCidr } from "../model/index.ts";
import {
  type IamPolicyDocument,
  type LifecycleEventPattern,
  type SecretIdBrokerNames,
  type SecretIdBrokerSettings,
  type SecretIdBrokerVaultRoleSettings,
  type VaultPolicy,
  renderSecretIdBrokerEventPattern,
  renderSecretIdBrokerRolePolicy,
  renderSecretIdBrokerSource,
  renderSecretIdBrokerTrustPolicy,
  renderSecretIdBrokerVaultPolicy,
  renderSecretIdBrokerVaultRole,
  runnerTags,
  SECRET_ID_BROKER_FILE,
  SECRET_ID_BROKER_HANDLER,
  secretIdBrokerNames,
  secretIdBrokerSettings,
  vaultPolicyHcl,
} from "../render/index.ts";
import { logRetentionIssues } from "./aws-runner-fleet.ts";
import { awsRunnerIamIssues } from "./aws-runner-iam.ts";

/** Defaults of {@link SecretIdBrokerArgs}. */
export const SECRET_ID_BROKER_COMPONENT_DEFAULTS = {
  /** Days the function's log group keeps events. */
  logRetentionDays: 30,
  /** Seconds one invocation may take (three Vault attempts with 5 s timeouts fit well inside). */
  timeoutSeconds: 60,
  memorySizeMb: 128,
  /** How long EventBridge and Lambda keep retrying an event: the launch hook's timeout. */
  maximumEventAgeSeconds: 300,
} as const;

export interface SecretIdBrokerArgs {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** Account, region and partition of the ARNs (`resolveAwsScope`). */
  readonly scope: AwsScope;
  /** The runner Auto Scaling group; the rule, the policy and the function act on it alone. @default profile.name (the group AwsRunnerFleet creates) */
  readonly autoScalingGroupName?: string;
  /**
   * Subnets and security groups of the function, when Vault is reachable only inside a network
   * (adds the network-interface statement to the role).
   * @default none: the function runs outside any VPC
   */
  readonly vpc?: { readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>; readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]> };
  /** Seconds a wrapping token lives; at most the AppRole's secret id lifetime. @default 300 */
  readonly wrapTtlSeconds?: number;
  /** Mount path of Vault's AWS auth method. @default "aws" */
  readonly vaultAwsAuthMount?: string;
  /** `X-Vault-AWS-IAM-Server-ID` signed into each login. @default the host name of profile.vault.address */
  readonly vaultIamServerId?: string;
  /** STS endpoint the login is signed for (Vault's `sts_endpoint`). @default "https://sts.amazonaws.com/" */
  readonly stsEndpoint?: string;
  /** Region the login is signed for (Vault's `sts_region`). @default "us-east-1" */
  readonly stsRegion?: string;
  /** Addresses the broker's Vault tokens work from (`token_bound_cidrs`). @default [] (anywhere) */
  readonly vaultTokenBoundCidrs?: readonly string[];
  /** Days the function's log group keeps events (a value CloudWatch accepts). @default 30 */
  readonly logRetentionDays?: number;
  /** Permissions boundary of the function's role. @default none */
  readonly permissionsBoundaryArn?: string;
  /** Extra tags on the AWS resources (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

const MOUNT = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Problems of the broker options (key paths relative to the args). */
export function secretIdBrokerIssues(args: Omit<SecretIdBrokerArgs, "scope" | "vpc" | "tags">): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const secretIdTtl = args.profile.vault.approle.secretIdTtlSeconds;
  if (args.wrapTtlSeconds !== undefined && (!Number.isInteger(args.wrapTtlSeconds) || args.wrapTtlSeconds < 30 || args.wrapTtlSeconds > secretIdTtl)) {
    issues.push({ path: "wrapTtlSeconds", message: `${args.wrapTtlSeconds} is not a whole number of seconds between 30 and the secret id lifetime (${secretIdTtl} s)`, fix: "give about the launch hook's timeout, e.g. 300; an unwrapped secret id must still be valid" });
  }
  if (args.vaultAwsAuthMount !== undefined && !MOUNT.test(args.vaultAwsAuthMount)) {
    issues.push({ path: "vaultAwsAuthMount", message: `"${args.vaultAwsAuthMount}" is not a Vault mount path`, fix: 'give the path the AWS auth method is enabled at, without slashes around it, e.g. "aws"' });
  }
  if (args.stsEndpoint !== undefined && !/^https:\/\/sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?\/$/.test(args.stsEndpoint)) {
    issues.push({ path: "stsEndpoint", message: `"${args.stsEndpoint}" is not an STS endpoint URL`, fix: 'give the sts_endpoint Vault is configured with, e.g. "https://sts.eu-west-1.amazonaws.com/" (with the trailing slash)' });
  }
  if (args.stsRegion !== undefined && !REGION.test(args.stsRegion)) {
    issues.push({ path: "stsRegion", message: `"${args.stsRegion}" is not a region name`, fix: 'give the sts_region Vault is configured with, e.g. "eu-west-1"' });
  }
  (args.vaultTokenBoundCidrs ?? []).forEach((c, i) => {
    const parsed = parseCidr(c);
    if (!isCidr(parsed)) issues.push({ path: `vaultTokenBoundCidrs[${i}]`, message: parsed.problem, fix: parsed.fix });
  });
  return [...issues, ...logRetentionIssues(args.logRetentionDays), ...awsRunnerIamIssues(args)];
}

export class SecretIdBroker extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:SecretIdBroker";

  /** What was rendered. */
  readonly names: SecretIdBrokerNames;
  readonly settings: SecretIdBrokerSettings;
  readonly source: string;
  readonly trustPolicy: IamPolicyDocument;
  readonly permissionPolicy: IamPolicyDocument;
  readonly eventPattern: LifecycleEventPattern;
  readonly vaultPolicyDocument: VaultPolicy;
  readonly vaultRoleSettings: SecretIdBrokerVaultRoleSettings;

  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly function: aws.lambda.Function;
  readonly invokeConfig: aws.lambda.FunctionEventInvokeConfig;
  readonly rule: aws.cloudwatch.EventRule;
  readonly target: aws.cloudwatch.EventTarget;
  readonly permission: aws.lambda.Permission;
  readonly vaultPolicy: vault.Policy;
  readonly vaultRole: vault.aws.AuthBackendRole;

  readonly functionArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: SecretIdBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
    const issues = secretIdBrokerIssues(args);
    if (issues.length > 0) throw new ConfigError(issues, "secret-id broker");
    const { profile, scope } = args;
    const groupName = args.autoScalingGroupName ?? profile.name;
    const names = secretIdBrokerNames(profile);
    const settings = secretIdBrokerSettings(profile, {
      autoScalingGroupName: groupName,
      ...(args.wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds: args.wrapTtlSeconds }),
      ...(args.vaultAwsAuthMount === undefined ? {} : { vaultAwsAuthMount: args.vaultAwsAuthMount }),
      ...(args.vaultIamServerId === undefined ? {} : { vaultIamServerId: args.vaultIamServerId }),
      ...(args.stsEndpoint === undefined ? {} : { stsEndpoint: args.stsEndpoint }),
      ...(args.stsRegion === undefined ? {} : { stsRegion: args.stsRegion }),
    });
    const iamContext = { profile, scope, autoScalingGroupName: groupName, inVpc: args.vpc !== undefined };
    super(SecretIdBroker.TYPE, name, {}, opts);
    this.names = names;
    this.settings = settings;
    this.source = renderSecretIdBrokerSource(settings);
    this.trustPolicy = renderSecretIdBrokerTrustPolicy();
    this.permissionPolicy = renderSecretIdBrokerRolePolicy(iamContext);
    this.eventPattern = renderSecretIdBrokerEventPattern(profile, groupName);
    this.vaultPolicyDocument = renderSecretIdBrokerVaultPolicy(profile);
    this.vaultRoleSettings = renderSecretIdBrokerVaultRole(profile, scope, { backend: settings.vaultAwsAuthMount, ...(args.vaultTokenBoundCidrs === undefined ? {} : { tokenBoundCidrs: args.vaultTokenBoundCidrs }) });

    const d = SECRET_ID_BROKER_COMPONENT_DEFAULTS;
    const child = { parent: this };
    const tags = { ...runnerTags(profile), ...args.tags };

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: names.roleName,
        description: `${profile.name} secret-id broker: writes wrapped secret ids, completes lifecycle actions of ${groupName}`,
        assumeRolePolicy: JSON.stringify(this.trustPolicy),
        maxSessionDuration: 3600,
        ...(args.permissionsBoundaryArn === undefined ? {} : { permissionsBoundary: args.permissionsBoundaryArn }),
        tags,
      },
      child,
    );
    this.rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { name: names.policyName, role: this.role.name, policy: JSON.stringify(this.permissionPolicy) }, child);
    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: names.logGroupName, retentionInDays: args.logRetentionDays ?? d.logRetentionDays, tags }, child);

    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: names.functionName,
        description: `Delivers response-wrapped Vault secret ids to ${groupName} instances`,
        runtime: "nodejs22.x",
        handler: SECRET_ID_BROKER_HANDLER,
        code: new pulumi.asset.AssetArchive({ [SECRET_ID_BROKER_FILE]: new pulumi.asset.StringAsset(this.source) }),
        role: this.role.arn,
        timeout: d.timeoutSeconds,
        memorySize: d.memorySizeMb,
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        ...(args.vpc === undefined ? {} : { vpcConfig: { subnetIds: args.vpc.subnetIds, securityGroupIds: args.vpc.securityGroupIds } }),
        tags,
      },
      // The role must hold its permissions (logs, network interfaces) before the function starts.
      { ...child, dependsOn: [this.rolePolicy, this.logGroup] },
    );
    this.functionArn = this.function.arn;
    this.roleArn = this.role.arn;
    this.invokeConfig = new aws.lambda.FunctionEventInvokeConfig(`${name}-invoke-config`, { functionName: this.function.name, maximumEventAgeInSeconds: d.maximumEventAgeSeconds, maximumRetryAttempts: 2 }, child);

    this.rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      { name: names.ruleName, description: `Lifecycle actions of ${groupName} for the secret-id broker`, eventPattern: JSON.stringify(this.eventPattern), tags },
      child,
    );
    this.permission = new aws.lambda.Permission(`${name}-invoke`, { action: "lambda:InvokeFunction", function: this.function.name, principal: "events.amazonaws.com", sourceArn: this.rule.arn }, child);
    this.target = new aws.cloudwatch.EventTarget(
      `${name}-target`,
      { rule: this.rule.name, arn: this.function.arn, retryPolicy: { maximumEventAgeInSeconds: d.maximumEventAgeSeconds, maximumRetryAttempts: 3 } },
      { ...child, dependsOn: [this.permission] },
    );

    const v = this.vaultRoleSettings;
    this.vaultPolicy = new vault.Policy(`${name}-vault-policy`, { name: this.vaultPolicyDocument.name, policy: vaultPolicyHcl(this.vaultPolicyDocument) }, child);
    // resolve_aws_unique_ids looks the role up when the Vault role is written: the IAM role comes first.
    this.vaultRole = new vault.aws.AuthBackendRole(
      `${name}-vault-role`,
      {
        backend: v.backend,
        role: v.role,
        authType: v.authType,
        boundIamPrincipalArns: [...v.boundIamPrincipalArns],
        resolveAwsUniqueIds: v.resolveAwsUniqueIds,
        tokenPolicies: [this.vaultPolicy.name],
        tokenNoDefaultPolicy: v.tokenNoDefaultPolicy,
        tokenTtl: v.tokenTtl,
        tokenMaxTtl: v.tokenMaxTtl,
        ...(v.tokenBoundCidrs.length === 0 ? {} : { tokenBoundCidrs: [...v.tokenBoundCidrs] }),
      },
      { ...child, dependsOn: [this.role] },
    );
    this.registerOutputs({ functionArn: this.functionArn, roleArn: this.roleArn, ruleArn: this.rule.arn, vaultRoleName: this.vaultRole.role });
  }
}
