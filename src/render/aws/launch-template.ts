/**
 * Launch template settings, Auto Scaling group size and image lookup for the runner instances,
 * as plain data shaped like the `@pulumi/aws` arguments they are passed to (`aws.ec2.LaunchTemplate`,
 * `aws.autoscaling.Group`, `aws.ec2.getAmi`). Boolean-like launch template fields are strings
 * ("true"/"false") because that is the type the provider declares for them.
 */
import { Buffer } from "node:buffer";
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";
import { EC2_USER_DATA_LIMIT, encodeRunnerUserData, renderRunnerUserData } from "./user-data.ts";
import { ConfigError } from "../../model/issues.ts";

/** Root device of the image Packer builds (Amazon Linux 2023). */
export const ROOT_DEVICE_NAME = "/dev/xvda";

export interface LaunchTemplateSettings {
  readonly instanceType: string;
  readonly metadataOptions: {
    readonly httpEndpoint: "enabled";
    readonly httpTokens: "required";
    readonly httpPutResponseHopLimit: 1;
    readonly httpProtocolIpv6: "disabled";
    readonly instanceMetadataTags: "disabled";
  };
  readonly blockDeviceMappings: readonly {
    readonly deviceName: string;
    readonly ebs: { readonly encrypted: "true"; readonly deleteOnTermination: "true"; readonly volumeType: "gp3"; readonly volumeSize: number; readonly kmsKeyId?: string };
  }[];
  /** The component adds `subnetId` and `securityGroups` (the runner group). */
  readonly networkInterfaces: readonly { readonly deviceIndex: 0; readonly associatePublicIpAddress: "false"; readonly deleteOnTermination: "true" }[];
  readonly instanceInitiatedShutdownBehavior: "terminate";
  /** Present for nested-virtualization types: Firecracker needs /dev/kvm. */
  readonly cpuOptions?: { readonly nestedVirtualization: "enabled" };
  readonly monitoring: { readonly enabled: true };
  readonly ebsOptimized: "true";
  /** {@link renderRunnerUserData}, gzip-compressed, in base64 ({@link decodeUserData} reads it back). */
  readonly userData: string;
  readonly tagSpecifications: readonly { readonly resourceType: "instance" | "volume"; readonly tags: Readonly<Record<string, string>> }[];
}

/** Tags on every instance and volume of the profile. */
export function runnerTags(profile: AwsRunnerProfile): Readonly<Record<string, string>> {
  return { "runner-fleet/profile": profile.name, "runner-fleet/trust-level": profile.trustLevel, "runner-fleet/labels": profile.labels.join(",") };
}

export interface LaunchTemplateOptions {
  /** KMS key for the root volume; unset uses the account's default EBS key. */
  readonly ebsKmsKeyId?: string;
}

export function renderRunnerLaunchTemplate(profile: AwsRunnerProfile, options: LaunchTemplateOptions = {}): LaunchTemplateSettings {
  const tags = runnerTags(profile);
  const userData = encodeRunnerUserData(renderRunnerUserData(profile));
  const bytes = Buffer.from(userData, "base64").length;
  if (bytes > EC2_USER_DATA_LIMIT) {
    throw new ConfigError([{ path: "runner", message: `renders a boot script of ${bytes} bytes compressed, over EC2's ${EC2_USER_DATA_LIMIT}-byte user-data limit`, fix: "shorten the profile's labels, URLs and parameter names" }], "AWS runner launch template");
  }
  return {
    instanceType: profile.instanceType,
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, httpProtocolIpv6: "disabled", instanceMetadataTags: "disabled" },
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE_NAME,
        ebs: { encrypted: "true", deleteOnTermination: "true", volumeType: "gp3", volumeSize: profile.rootVolumeGiB, ...(options.ebsKmsKeyId === undefined ? {} : { kmsKeyId: options.ebsKmsKeyId }) },
      },
    ],
    networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true" }],
    instanceInitiatedShutdownBehavior: "terminate",
    ...(profile.kvm === "nested-virtualization" ? { cpuOptions: { nestedVirtualization: "enabled" as const } } : {}),
    monitoring: { enabled: true },
    ebsOptimized: "true",
    userData,
    tagSpecifications: [
      { resourceType: "instance", tags },
      { resourceType: "volume", tags },
    ],
  };
}

/** Arguments of `aws.ec2.getAmi`, or the fixed image id. */
export type AmiSource =
  | { readonly kind: "id"; readonly imageId: string }
  | { readonly kind: "lookup"; readonly args: { readonly mostRecent: true; readonly owners: readonly string[]; readonly filters: readonly { readonly name: string; readonly values: readonly string[] }[] } };

export function renderRunnerAmiSource(profile: AwsRunnerProfile): AmiSource {
  const ami = profile.ami;
  if (ami.kind === "id") return { kind: "id", imageId: ami.id };
  return {
    kind: "lookup",
    args: {
      mostRecent: true,
      owners: [...ami.owners],
      filters: [
        { name: "name", values: [ami.nameFilter] },
        { name: "state", values: ["available"] },
        { name: "architecture", values: ["x86_64"] },
      ],
    },
  };
}

/** `aws.autoscaling.Group` sizing. Instances terminate after their one job; the group launches replacements. */
export interface AutoScalingSettings {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly healthCheckType: "EC2";
  /** Keep AWS from rebalancing (terminating) instances that may be running a job. */
  readonly suspendedProcesses: readonly string[];
}

export function renderRunnerAutoScaling(profile: AwsRunnerProfile): AutoScalingSettings {
  return { minSize: profile.capacity.min, maxSize: profile.capacity.max, desiredCapacity: profile.capacity.desired, healthCheckType: "EC2", suspendedProcesses: ["AZRebalance"] };
}
