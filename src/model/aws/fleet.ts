/**
 * Options of the runner fleet (`AwsRunnerFleet`) besides the profile, validated, and the runner
 * pools the fleet offers to workflows.
 */
import type { AwsRunnerProfile } from "../aws-runner.ts";
import { FORGES } from "../forge.ts";
import type { ConfigIssue } from "../issues.ts";
import { type RunnerPool, SUBSTRATES } from "../substrate.ts";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Options of the fleet that are plain data (defaults: `AWS_RUNNER_FLEET_DEFAULTS`). */
export interface AwsRunnerFleetOptions {
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
}

/** A KMS key id, key ARN, alias or alias ARN. */
const KMS_KEY = /^(arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:(key\/[0-9a-f-]{36}|alias\/[\w/-]+)|[0-9a-f-]{36}|alias\/[\w/-]+)$/;

/** A log retention CloudWatch Logs does not accept, as an issue at `logRetentionDays`. */
export function logRetentionIssues(days: number | undefined): ConfigIssue[] {
  return days !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(days)
    ? [{ path: "logRetentionDays", message: `${days} is not a retention period CloudWatch Logs accepts`, fix: `use one of ${LOG_RETENTION_DAYS.join(", ")}` }]
    : [];
}

/** Problems of the fleet options besides the profile (key paths relative to the options). */
export function awsRunnerFleetIssues(options: Pick<AwsRunnerFleetOptions, "logRetentionDays" | "ebsKmsKeyId">): ConfigIssue[] {
  const issues: ConfigIssue[] = logRetentionIssues(options.logRetentionDays);
  if (options.ebsKmsKeyId !== undefined && !KMS_KEY.test(options.ebsKmsKeyId)) {
    issues.push({ path: "ebsKmsKeyId", message: "is not a KMS key id, key ARN or alias", fix: 'give the key ARN, e.g. "arn:aws:kms:eu-west-1:123456789012:key/<uuid>", or leave it unset for the default EBS key' });
  }
  return issues;
}

/**
 * The runner pools of a resolved profile: one per Auto Scaling group (the fleet creates one,
 * named after the profile). Its labels are the ones workflows target with `runs-on`: the
 * profile's labels and the labels GitHub's runner adds itself, each once (GitHub compares labels
 * without case). Every EC2 runner is ephemeral (`--ephemeral`): it takes one job and its instance
 * is terminated.
 */
export function awsRunnerPools(profile: Pick<AwsRunnerProfile, "name" | "labels" | "capacity"> & Partial<Pick<AwsRunnerProfile, "githubUrl">>): RunnerPool[] {
  const github = FORGES.github;
  const labels: string[] = [];
  const seen = new Set<string>();
  for (const l of [...profile.labels, ...github.implicitLabels]) {
    const key = github.labelKey(l);
    if (seen.has(key)) continue;
    seen.add(key);
    labels.push(github.labelName(l));
  }
  return [{ name: profile.name, forge: "github", substrate: "ec2", labels, min: profile.capacity.min, max: profile.capacity.max, oneJob: true, isolation: SUBSTRATES.ec2.isolation, ...(profile.githubUrl === undefined ? {} : { registration: { url: profile.githubUrl } }) }];
}
