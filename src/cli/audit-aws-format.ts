/** The AWS claims of `runner-fleet audit` as a table. */
import type { AwsAudit } from "../audit/aws/aws-resource-audit.ts";
import { rowLimit, table, terminalWidth } from "./output.ts";

/** The AWS claims as a table: area, resource, claim, result, the field it rests on, and what was found. */
export function formatAwsTable(a: AwsAudit, width = terminalWidth(), maxRows = rowLimit()): string {
  return [
    "AWS resources (IAM, Lambda resource policies, security groups, launch templates)",
    table(["AREA", "RESOURCE", "CLAIM", "RESULT", "FIELD", "DETAIL"], a.checks.map((c) => [c.area, c.resource, c.check, c.pass ? "pass" : "FAIL", c.field, c.message]), width, maxRows),
  ].join("\n");
}
