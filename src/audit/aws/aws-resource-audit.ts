/**
 * Claims over the AWS resources of a rendered stack, as they will be created, each with the field
 * it rests on: IAM (every policy document's grammar and actions, no `Action: "*"`, and the runner
 * and broker roles simulated call by call, the runner role's permissions boundary included),
 * Lambda resource policies (a service principal, pinned to one resource of one account), security
 * groups (one protocol per rule, no internet ingress, SSH only where opted in, internet egress only
 * where documented) and launch templates (IMDSv2 with hop limit 1, encrypted volumes, no public
 * address, terminate on shutdown).
 */
import { type AwsArea, type AwsAudit, type AwsCheck, type AwsResourceLike } from "./aws-check.ts";
import { iamChecks } from "./iam-claims.ts";
import { lambdaPermissionChecks, lambdaPermissionContext } from "./lambda-permission.ts";
import { launchTemplateChecks } from "./launch-template.ts";
import { OPEN_EGRESS_EXCEPTIONS, securityGroupChecks, type OpenEgressException } from "./security-group.ts";

export type { AwsArea, AwsAudit, AwsCheck, AwsResourceLike } from "./aws-check.ts";
export { OPEN_EGRESS_EXCEPTIONS, type OpenEgressException } from "./security-group.ts";

export interface AwsAuditOptions {
  /** Egress to the whole internet that passes, with its reason. @default OPEN_EGRESS_EXCEPTIONS (none) */
  readonly openEgressExceptions?: readonly OpenEgressException[];
}

/** The order areas are listed in. */
const AREAS: readonly AwsArea[] = ["iam", "lambda", "security-group", "launch-template"];

/** True when a rendered stack holds AWS resources to audit. */
export function hasAwsResources(resources: readonly AwsResourceLike[]): boolean {
  return resources.some((r) => r.type.startsWith("aws:"));
}

/** Every claim over the AWS resources of a rendered stack, IAM first, then Lambda, security groups and launch templates. */
export async function auditAwsResources(resources: readonly AwsResourceLike[], options: AwsAuditOptions = {}): Promise<AwsAudit> {
  const aws = resources.filter((r) => r.type.startsWith("aws:"));
  const iam = await iamChecks(aws);
  const lambda = lambdaPermissionContext(aws, iam.accountId);
  const exceptions = options.openEgressExceptions ?? OPEN_EGRESS_EXCEPTIONS;
  const checks: AwsCheck[] = [...iam.checks, ...aws.flatMap((r) => [...lambdaPermissionChecks(r, lambda), ...securityGroupChecks(r, exceptions), ...launchTemplateChecks(r)])];
  const ordered = AREAS.flatMap((area) => checks.filter((c) => c.area === area));
  return { checks: ordered, pass: ordered.every((c) => c.pass) };
}
