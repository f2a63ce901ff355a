/**
 * `AwsRunnerFleet`: the runner instances. A launch template rendered by
 * `renderRunnerLaunchTemplate` (IMDSv2 only with hop limit 1, encrypted root volume deleted with
 * the instance, no public address, power-off terminates, nested virtualization for Firecracker),
 * the image looked up by `renderRunnerAmiSource`, the Auto Scaling group sized by
 * `renderRunnerAutoScaling`, and the one log group the instance role may write to.
 *
 * The options are checked and the runner pools computed in the model (`model/aws/fleet.ts`).
 * The group uses the template's latest version, so a new image or boot script starts an instance
 * refresh that replaces instances (idle runners included) with ones from the new version.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AWS_RUNNER_FLEET_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type AwsRunnerProfile } from "../model/aws-runner.ts";
import { type AwsRunnerFleetOptions, awsRunnerFleetIssues, awsRunnerPools } from "../model/aws/fleet.ts";
import { ConfigError } from "../model/issues.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { type AmiSource, type AutoScalingSettings, type LaunchTemplateSettings, renderRunnerAmiSource, renderRunnerAutoScaling, renderRunnerLaunchTemplate, runnerTags } from "../render/aws/launch-template.ts";
import { runnerLifecycleHookNames } from "../render/aws/secret-id-broker-names.ts";

export interface AwsRunnerFleetArgs extends AwsRunnerFleetOptions {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** The private runner subnet (`AwsRunnerNetwork.runnerSubnetId`). */
  readonly subnetId: pulumi.Input<string>;
  /** The runner security group (`AwsRunnerNetwork.runnerSecurityGroupId`). */
  readonly securityGroupId: pulumi.Input<string>;
  /** The runner instance profile (`AwsRunnerIam.instanceProfileArn`). */
  readonly instanceProfileArn: pulumi.Input<string>;
  /** Extra tags on the template, group and log group (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export class AwsRunnerFleet extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:AwsRunnerFleet";

  /**
   * The runner pools this fleet offers workflows (one per Auto Scaling group): GitHub runners on
   * EC2, the labels `runs-on` can match (GitHub's implicit ones included), min and max from the
   * group, one job per runner, VM isolation.
   */
  readonly pools: RunnerPool[];
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
    const pools = awsRunnerPools(profile);
    super(AwsRunnerFleet.TYPE, name, {}, opts);
    this.pools = pools;
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
