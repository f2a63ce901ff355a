/** What every AWS check of `runner-fleet audit` reports, and the small readers the areas share. */
import { isRecord } from "../../model/refine.ts";

/** A rendered resource as the audit needs it. */
export interface AwsResourceLike {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export type AwsArea = "iam" | "lambda" | "security-group" | "launch-template";

/** One claim about the rendered AWS resources, and its verdict. */
export interface AwsCheck {
  readonly area: AwsArea;
  /** The resource the claim is about, as `Kind name` (`Role iam-role`, `SecurityGroupEgressRule network-runners-out-allow-github`). */
  readonly resource: string;
  /** The claim (`runner cannot read another parameter`, `metadata hop limit 1`). */
  readonly check: string;
  readonly pass: boolean;
  /**
   * The field the verdict rests on, as `Kind name path`: for a failure the one responsible
   * (`RolePolicy iam-policy policy.Statement[6]`, `LaunchTemplate fleet-template
   * metadataOptions.httpPutResponseHopLimit`), for a pass the one checked.
   */
  readonly field: string;
  /** What was found; for a failure, what is wrong and how to fix it. */
  readonly message: string;
}

export interface AwsAudit {
  readonly checks: readonly AwsCheck[];
  readonly pass: boolean;
}

/** `Kind name` of a resource: the type's last segment and the resource's name. */
export function resourceLabel(r: Pick<AwsResourceLike, "type" | "name">): string {
  return `${r.type.replace(/^.*:/, "")} ${r.name}`;
}

/** `Kind name path`: a field of a resource. */
export function fieldOf(r: Pick<AwsResourceLike, "type" | "name">, path: string): string {
  return `${resourceLabel(r)} ${path}`;
}

/** A value that may be one item or a list, as a list (absent: empty). */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/** A mapping field of a rendered input, or an empty one (a render folder's files are input like any other). */
export function mapping(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** A check builder for one resource and area. */
export function checker(area: AwsArea, r: Pick<AwsResourceLike, "type" | "name">): (check: string, pass: boolean, path: string, message: string) => AwsCheck {
  const resource = resourceLabel(r);
  return (check, pass, path, message) => ({ area, resource, check, pass, field: fieldOf(r, path), message });
}

/** The placeholder the offline render writes for a value AWS assigns at deploy time. */
export const UNKNOWN_OFFLINE = "[unknown]";
