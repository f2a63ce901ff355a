/** The AWS partition, account and region a profile is deployed to: IAM ARNs are built from it. */
import { type ConfigIssue, ConfigError } from "./issues.ts";

export interface AwsScope {
  readonly partition: "aws" | "aws-cn" | "aws-us-gov";
  readonly region: string;
  readonly accountId: string;
}

/** Validates an {@link AwsScope} (e.g. from the stack's provider and caller identity). */
export function resolveAwsScope(input: { region: string; accountId: string; partition?: string }): AwsScope {
  const issues: ConfigIssue[] = [];
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(input.region)) issues.push({ path: "region", message: `"${input.region}" is not an AWS region`, fix: 'give a region such as "eu-west-1"' });
  if (!/^\d{12}$/.test(input.accountId)) issues.push({ path: "accountId", message: "is not a 12-digit AWS account id", fix: "give the account id the runners are deployed to, e.g. from aws.getCallerIdentity()" });
  const partition = input.partition ?? "aws";
  if (partition !== "aws" && partition !== "aws-cn" && partition !== "aws-us-gov") issues.push({ path: "partition", message: `"${partition}" is not an AWS partition`, fix: 'use "aws", "aws-cn" or "aws-us-gov"' });
  if (issues.length > 0) throw new ConfigError(issues, "AWS scope");
  return { partition: partition as AwsScope["partition"], region: input.region, accountId: input.accountId };
}
