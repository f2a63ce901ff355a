/** Options of the runner instance role (`AwsRunnerIam`) besides the profile, validated. */
import type { ConfigIssue } from "../issues.ts";

/** Options of the runner role besides the profile and scope. */
export interface AwsRunnerIamOptions {
  /**
   * Permissions boundary of the role, when the account requires its own; it replaces the boundary
   * the component renders. @default the rendered boundary `<name>-boundary` (`renderRunnerPermissionsBoundary`)
   */
  readonly permissionsBoundaryArn?: string;
}

/** The ARN of a customer- or AWS-managed IAM policy. */
export const IAM_POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}|aws):policy\/[\w+=,.@\-/]+$/;

/** Problems of the IAM options besides the profile (key paths relative to the options). */
export function awsRunnerIamIssues(options: AwsRunnerIamOptions): ConfigIssue[] {
  return options.permissionsBoundaryArn !== undefined && !IAM_POLICY_ARN.test(options.permissionsBoundaryArn)
    ? [{ path: "permissionsBoundaryArn", message: "is not an IAM policy ARN", fix: 'give the ARN of the boundary policy, e.g. "arn:aws:iam::123456789012:policy/ci-boundary", or leave it unset' }]
    : [];
}
