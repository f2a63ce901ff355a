/**
 * Names shared by the runner group and the secret-id broker: the lifecycle hooks the group
 * declares and the broker answers, and the names of the broker's function, role, log group and
 * Vault objects. One place, so the group, the event rule, the IAM policy and the Vault role agree.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";

/** The group's lifecycle hooks: launch (deliver a wrapped secret id) and termination (delete it). */
export function runnerLifecycleHookNames(profile: Pick<AwsRunnerProfile, "name">): { readonly launch: string; readonly terminate: string } {
  return { launch: `${profile.name}-deliver-secret-id`, terminate: `${profile.name}-revoke-secret-id` };
}

/** Names of the broker's objects, all `<profile name>-sid-broker` (e.g. `ci-intel-runner-sid-broker`). */
export interface SecretIdBrokerNames {
  /** Lambda function name. */
  readonly functionName: string;
  /** IAM role of the function, and its inline policy. */
  readonly roleName: string;
  readonly policyName: string;
  /** The function's log group (the name Lambda writes to). */
  readonly logGroupName: string;
  /** EventBridge rule. */
  readonly ruleName: string;
  /** Vault AWS auth role and Vault policy. */
  readonly vaultRoleName: string;
  readonly vaultPolicyName: string;
}

export function secretIdBrokerNames(profile: Pick<AwsRunnerProfile, "name">): SecretIdBrokerNames {
  // Profile names have at most 52 characters; Lambda, IAM role and rule names at most 64.
  const base = `${profile.name}-sid-broker`;
  return { functionName: base, roleName: base, policyName: `${base}-policy`, logGroupName: `/aws/lambda/${base}`, ruleName: base, vaultRoleName: base, vaultPolicyName: base };
}

/** EventBridge event pattern of the broker's rule: the runner group's two lifecycle hooks, nothing else. */
export interface LifecycleEventPattern {
  readonly source: readonly ["aws.autoscaling"];
  readonly "detail-type": readonly string[];
  readonly detail: { readonly AutoScalingGroupName: readonly string[]; readonly LifecycleHookName: readonly string[] };
}

export function renderSecretIdBrokerEventPattern(profile: Pick<AwsRunnerProfile, "name">, autoScalingGroupName: string = profile.name): LifecycleEventPattern {
  const hooks = runnerLifecycleHookNames(profile);
  return {
    source: ["aws.autoscaling"],
    "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
    detail: { AutoScalingGroupName: [autoScalingGroupName], LifecycleHookName: [hooks.launch, hooks.terminate] },
  };
}
