/**
 * `AwsRunnerFleet`: the runner instances. A launch template rendered by
 * `renderRunnerLaunchTemplate` (IMDSv2 only with hop limit 1, encrypted root volume deleted with
 * the instance, no public address, power-off terminates, nested virtualization for Firecracker),
 * the image looked up by `renderRunnerAmiSource`, the Auto Scaling group sized by
 * `renderRunnerAutoScaling`, and the one log group the instance role may write to.
 *
 * The group uses the template's latest version, so a new image or boot script starts an instance
 * refresh that replaces instances (idle runners included) with ones from the new version.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type AwsRunnerProfile, ConfigError, type ConfigIssue } from "../model/index.ts";
import { type AmiSource, type AutoScalingSettings, type LaunchTemplateSettings, renderRunnerAmiSource, renderRunnerAutoScaling, renderRunnerLaunchTemplate, runnerLifecycleHookNames, runnerTags } from "../render/index.ts";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Defaults of {@link AwsRunnerFleetArgs}. */
export const AWS_RUNNER_FLEET_DEFAULTS = {
  /** Days the runner log group keeps events. */
  logRetentionDays: 30,
  /** Replace instances when the launch template changes. */
  instanceRefresh: true,
  /** Launch and termination lifecycle hooks for the secret-id broker. */
  lifecycleHooks: true,
  /** Seconds the broker has to deliver (or revoke) a secret id before the hook's default result applies. */
  lifecycleHookTimeoutSeconds: 300,
} as const;

export interface AwsRunnerFleetArgs {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** The private runner subnet (`AwsRunnerNetwork.runnerSubnetId`). */
  readonly subnetId: pulumi.Input<string>;
  /** The runner security group (`AwsRunnerNetwork.runnerSecurityGroupId`). */
  readonly securityGroupId: pulumi.Input<string>;
  /** The runner instance profile (`AwsRunnerIam.instanceProfileArn`). */
  readonly instanceProfileArn: pulumi.Input<string>;
  /** KMS key of the root volumes. @default the account's default EBS key */
  readonly ebsKmsKeyId?: string;
  /** Days the runner log group keeps events (a value CloudWatch accepts). @default 30 */
  readonly logRetentionDays?: number;
  /** Start a rolling instance refresh when the launch template changes. @default true */
  readonly instanceRefresh?: boolean;
  /**
   * Lifecycle hooks the secret-id broker (`SecretIdBroker`) answers: a launch hook (`ABANDON`
   * unless the broker completes it, so no instance runs without its wrapped secret id) and a
   * termination hook (`CONTINUE`; the broker deletes the parameter first), both delivered through
   * EventBridge. Without a broker every launch is abandoned after the timeout.
   * @default true
   */
  readonly lifecycleHooks?: boolean;
  /** Extra tags on the template, group and log group (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

const KMS_KEY = /^(arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:(key\/[0-9a-f-]{36}|alias\/[\w/-]+)|[0-9a-f-]{36}|alias\/[\w/-]+)$/;

/** A log retention CloudWatch Logs does not accept, as an issue at `logRetentionDays`. */
export function logRetentionIssues(days: number | undefined): ConfigIssue[] {
  return days !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(days)
    ? [{ path: "logRetentionDays", message: `${days} is not a retention period CloudWatch Logs accepts`, fix: `use one of ${LOG_RETENTION_DAYS.join(", ")}` }]
    : [];
}

/** Problems of the fleet options besides the profile (key paths relative to the args). */
export function awsRunnerFleetIssues(args: Pick<AwsRunnerFleetArgs, "logRetentionDays" | "ebsKmsKeyId">): ConfigIssue[] {
  const issues: ConfigIssue[] = logRetentionIssues(args.logRetentionDays);
  if (args.ebsKmsKeyId !== undefined && !KMS_KEY.test(args.ebsKmsKeyId)) {
    issues.push({ path: "ebsKmsKeyId", message: "is not a KMS key id, key ARN or alias", fix: 'give the key ARN, e.g. "arn:aws:kms:eu-west-1:123456789012:key/<uuid>", or leave it unset for the default EBS key' });
  }
  return issues;
}

export class AwsRunnerFleet extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:AwsRunnerFleet";

  /** What was rendered. */
  readonly launchTemplateSettings: LaunchTemplateSettings;
  readonly amiSource: AmiSource;
  readonly autoScalingSettings: AutoScalingSettings;

  /** The image the template launches: the fixed id, or the most recent match of the lookup. */
  readonly imageId: pulumi.Output<string>;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly autoScalingGroup: aws.autoscaling.Group;
  readonly autoScalingGroupName: pulumi.Output<string>;

  constructor(name: string, args: AwsRunnerFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const issues = awsRunnerFleetIssues(args);
    if (issues.length > 0) throw new ConfigError(issues, "AWS runner fleet");
    const { profile } = args;
    const lt = renderRunnerLaunchTemplate(profile, args.ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId: args.ebsKmsKeyId });
    const amiSource = renderRunnerAmiSource(profile);
    const size = renderRunnerAutoScaling(profile);
    super(AwsRunnerFleet.TYPE, name, {}, opts);
    this.launchTemplateSettings = lt;
    this.amiSource = amiSource;
    this.autoScalingSettings = size;

    const d = AWS_RUNNER_FLEET_DEFAULTS;
    const child = { parent: this };
    const tags = { ...runnerTags(profile), ...args.tags };

    this.imageId =
      amiSource.kind === "id"
        ? pulumi.output(amiSource.imageId)
        : aws.ec2.getAmiOutput({ mostRecent: amiSource.args.mostRecent, owners: [...amiSource.args.owners], filters: amiSource.args.filters.map((f) => ({ name: f.name, values: [...f.values] })) }, child).apply((a) => a.id);

    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: profile.logGroupName, retentionInDays: args.logRetentionDays ?? d.logRetentionDays, tags }, child);

    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        name: profile.name,
        description: `${profile.name}: one ephemeral GitHub runner per instance`,
        updateDefaultVersion: true,
        imageId: this.imageId,
        instanceType: lt.instanceType,
        iamInstanceProfile: { arn: args.instanceProfileArn },
        metadataOptions: { ...lt.metadataOptions },
        blockDeviceMappings: lt.blockDeviceMappings.map((b) => ({ deviceName: b.deviceName, ebs: { ...b.ebs } })),
        // Subnets come from the group (vpcZoneIdentifiers); the interface carries the security group.
        networkInterfaces: lt.networkInterfaces.map((n) => ({ ...n, securityGroups: [args.securityGroupId] })),
        instanceInitiatedShutdownBehavior: lt.instanceInitiatedShutdownBehavior,
        ...(lt.cpuOptions === undefined ? {} : { cpuOptions: { ...lt.cpuOptions } }),
        monitoring: { ...lt.monitoring },
        ebsOptimized: lt.ebsOptimized,
        userData: lt.userData,
        tagSpecifications: lt.tagSpecifications.map((t) => ({ resourceType: t.resourceType, tags: { ...t.tags, ...args.tags } })),
        tags,
      },
      { ...child, dependsOn: [this.logGroup] },
    );

    const hookTimeout = d.lifecycleHookTimeoutSeconds;
    // The names the secret-id broker's rule and function match (SecretIdBroker).
    const hooks = runnerLifecycleHookNames(profile);
    this.autoScalingGroup = new aws.autoscaling.Group(
      `${name}-group`,
      {
        name: profile.name,
        minSize: size.minSize,
        maxSize: size.maxSize,
        desiredCapacity: size.desiredCapacity,
        healthCheckType: size.healthCheckType,
        suspendedProcesses: [...size.suspendedProcesses],
        vpcZoneIdentifiers: [args.subnetId],
        // A numbered version (not "$Latest"): a new template version is a change the refresh reacts to.
        launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply((v) => `${v}`) },
        ...((args.instanceRefresh ?? d.instanceRefresh)
          ? { instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, skipMatching: true, instanceWarmup: "60" } } }
          : {}),
        ...((args.lifecycleHooks ?? d.lifecycleHooks)
          ? {
              initialLifecycleHooks: [
                { name: hooks.launch, lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", defaultResult: "ABANDON", heartbeatTimeout: hookTimeout },
                { name: hooks.terminate, lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", defaultResult: "CONTINUE", heartbeatTimeout: hookTimeout },
              ],
            }
          : {}),
        tags: Object.entries({ ...tags, Name: profile.name }).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
      },
      child,
    );
    this.autoScalingGroupName = this.autoScalingGroup.name;
    this.registerOutputs({ imageId: this.imageId, launchTemplateId: this.launchTemplate.id, autoScalingGroupName: this.autoScalingGroupName });
  }
}
