/**
 * Options of the secret-id broker (`SecretIdBroker`: a Lambda function that delivers each runner
 * instance its response-wrapped Vault secret id) besides the profile, validated. Defaults:
 * `SECRET_ID_BROKER_DEFAULTS` and `SECRET_ID_BROKER_COMPONENT_DEFAULTS` (`aws-runner-defaults.ts`).
 */
import type { AwsRunnerProfile } from "../aws-runner.ts";
import { isCidr, parseCidr } from "../cidr.ts";
import type { ConfigIssue } from "../issues.ts";
import { awsRunnerIamIssues } from "./iam.ts";
import { logRetentionIssues } from "./fleet.ts";

/** What the function is told besides the profile. */
export interface SecretIdBrokerOptions {
  /** The runner Auto Scaling group's name. @default profile.name (the group AwsRunnerFleet creates) */
  readonly autoScalingGroupName?: string;
  /** Seconds a wrapping token lives (Vault's `X-Vault-Wrap-TTL`); at most the AppRole's secret id lifetime. @default 300 */
  readonly wrapTtlSeconds?: number;
  /** Mount path of Vault's AWS auth method. @default "aws" */
  readonly vaultAwsAuthMount?: string;
  /**
   * `X-Vault-AWS-IAM-Server-ID` signed into each login; set Vault's `iam_server_id_header_value`
   * to the same so that a signed request cannot be replayed against another Vault.
   * @default the host name of profile.vault.address
   */
  readonly vaultIamServerId?: string;
  /** STS endpoint the login is signed for; must match Vault's `sts_endpoint`. @default "https://sts.amazonaws.com/" */
  readonly stsEndpoint?: string;
  /** Region the login is signed for; must match Vault's `sts_region`. @default "us-east-1" */
  readonly stsRegion?: string;
}

/** The broker's options that are plain data: the function's settings and its resources' options. */
export interface SecretIdBrokerResourceOptions extends SecretIdBrokerOptions {
  /** Addresses the broker's Vault tokens work from (`token_bound_cidrs`). @default [] (anywhere) */
  readonly vaultTokenBoundCidrs?: readonly string[];
  /** Days the function's log group keeps events (a value CloudWatch accepts). @default 30 */
  readonly logRetentionDays?: number;
  /** Permissions boundary of the function's role. @default none */
  readonly permissionsBoundaryArn?: string;
}

const MOUNT = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const STS_ENDPOINT = /^https:\/\/sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?\/$/;

/** Problems of the broker options (key paths relative to the options). */
export function secretIdBrokerIssues(args: SecretIdBrokerResourceOptions & { readonly profile: Pick<AwsRunnerProfile, "vault"> }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const secretIdTtl = args.profile.vault.approle.secretIdTtlSeconds;
  if (args.wrapTtlSeconds !== undefined && (!Number.isInteger(args.wrapTtlSeconds) || args.wrapTtlSeconds < 30 || args.wrapTtlSeconds > secretIdTtl)) {
    issues.push({ path: "wrapTtlSeconds", message: `${args.wrapTtlSeconds} is not a whole number of seconds between 30 and the secret id lifetime (${secretIdTtl} s)`, fix: "give about the launch hook's timeout, e.g. 300; an unwrapped secret id must still be valid" });
  }
  if (args.vaultAwsAuthMount !== undefined && !MOUNT.test(args.vaultAwsAuthMount)) {
    issues.push({ path: "vaultAwsAuthMount", message: `"${args.vaultAwsAuthMount}" is not a Vault mount path`, fix: 'give the path the AWS auth method is enabled at, without slashes around it, e.g. "aws"' });
  }
  if (args.stsEndpoint !== undefined && !STS_ENDPOINT.test(args.stsEndpoint)) {
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
