/**
 * `SecretIdBroker`: delivers each runner instance its response-wrapped Vault secret id.
 *
 * An AWS Lambda function (Node.js 22; the compiled module `src/lambda/secret-id-broker.ts` as
 * `index.mjs`, its settings from `secretIdBrokerSettings` as `settings.json`), invoked by an
 * EventBridge rule on the runner group's launch and termination lifecycle actions. On launch it
 * logs in to Vault with AWS IAM auth as its own role, requests one AppRole secret id wrapped for
 * `wrapTtlSeconds`, writes the wrapping token to `<ssm.wrappedSecretId>/<instance-id>` and lets
 * the launch continue (or abandons it); on termination it deletes that parameter.
 *
 * Created here: the function's role (trusted by Lambda only) with the named statements of
 * `renderSecretIdBrokerRolePolicy`, its log group, the function, the rule, its target and the
 * permission that lets EventBridge invoke the function for that rule of the account only
 * (`sourceArn` and `sourceAccount`); in Vault, the broker
 * policy (`update` on the AppRole's `secret-id` path, nothing else) and an AWS auth role of type
 * `iam` bound to the function's role. Vault's AWS auth method itself (mount, client credentials,
 * `iam_server_id_header_value`) is a prerequisite: see docs/aws-runners.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as vault from "@pulumi/vault";
import { createHash } from "node:crypto";
import { SECRET_ID_BROKER_COMPONENT_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type AwsRunnerProfile } from "../model/aws-runner.ts";
import { type AwsScope } from "../model/aws-scope.ts";
import { type SecretIdBrokerResourceOptions, secretIdBrokerIssues } from "../model/aws/secret-id-broker.ts";
import { ConfigError } from "../model/issues.ts";
import { type IamPolicyDocument } from "../render/aws/iam-policy.ts";
import { runnerTags } from "../render/aws/launch-template.ts";
import { type LifecycleEventPattern, type SecretIdBrokerNames, renderSecretIdBrokerEventPattern, secretIdBrokerNames } from "../render/aws/secret-id-broker-names.ts";
import { type SecretIdBrokerVaultRoleSettings, renderSecretIdBrokerRolePolicy, renderSecretIdBrokerTrustPolicy, renderSecretIdBrokerVaultPolicy, renderSecretIdBrokerVaultRole } from "../render/aws/secret-id-broker-policies.ts";
import { type SecretIdBrokerSettings, renderSecretIdBrokerSettingsFile, SECRET_ID_BROKER_FILE, SECRET_ID_BROKER_HANDLER, SECRET_ID_BROKER_SETTINGS_FILE, secretIdBrokerSettings } from "../render/aws/secret-id-broker.ts";
import { type VaultPolicy, vaultPolicyHcl } from "../render/vault/policy.ts";
import { lambdaModuleCode } from "./aws-lambda-code.ts";

export interface SecretIdBrokerArgs extends SecretIdBrokerResourceOptions {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** Account, region and partition of the ARNs (`resolveAwsScope`). */
  readonly scope: AwsScope;
  /**
   * Subnets and security groups of the function, when Vault is reachable only inside a network
   * (adds the network-interface statement to the role).
   * @default none: the function runs outside any VPC
   */
  readonly vpc?: { readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>; readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]> };
  /** Extra tags on the AWS resources (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export class SecretIdBroker extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:SecretIdBroker";

  /** What was rendered. */
  readonly names: SecretIdBrokerNames;
  readonly settings: SecretIdBrokerSettings;
  /** The function's code, shipped as `index.mjs`: `src/lambda/secret-id-broker.ts` as compiled (from dist/) or type-stripped (from src/); see `aws-lambda-code.ts`. */
  readonly source: string;
  /** `settings.json` beside it. */
  readonly settingsFile: string;
  /** SHA-256 (hex) of the code and of the settings file: what is deployed, in two stable lines of the render. */
  readonly codeSha256: { readonly [SECRET_ID_BROKER_FILE]: string; readonly [SECRET_ID_BROKER_SETTINGS_FILE]: string };
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
    this.source = lambdaModuleCode("secret-id-broker");
    this.settingsFile = renderSecretIdBrokerSettingsFile(settings);
    const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
    this.codeSha256 = { [SECRET_ID_BROKER_FILE]: sha256(this.source), [SECRET_ID_BROKER_SETTINGS_FILE]: sha256(this.settingsFile) };
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
        code: new pulumi.asset.AssetArchive({ [SECRET_ID_BROKER_FILE]: new pulumi.asset.StringAsset(this.source), [SECRET_ID_BROKER_SETTINGS_FILE]: new pulumi.asset.StringAsset(this.settingsFile) }),
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
    // The function's resource policy: EventBridge may invoke it for this rule of this account only.
    // The rule's ARN on the default bus is built from its name, so the render shows exactly which
    // rule is allowed (and the permission still waits for the rule).
    this.permission = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.function.name,
        principal: "events.amazonaws.com",
        sourceArn: this.rule.name.apply((rule) => `arn:${scope.partition}:events:${scope.region}:${scope.accountId}:rule/${rule}`),
        sourceAccount: scope.accountId,
      },
      child,
    );
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
