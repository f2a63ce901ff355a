/** The AWS checks of `runner-fleet audit` as a table. */
import type { AwsAudit } from "../audit/aws/aws-resource-audit.ts";
import { rowLimit, table, terminalWidth } from "./output.ts";

/** The AWS checks as a table. */
export function formatAwsTable(a: AwsAudit, width = terminalWidth(), maxRows = rowLimit()): string {
  return ["AWS resources (IAM policies, security group rules, launch templates)", table(["AREA", "RESOURCE", "CHECK", "RESULT", "DETAIL"], a.checks.map((c) => [c.area, c.resource, c.check, c.pass ? "pass" : "FAIL", c.message]), width, maxRows)].join("\n");
}
