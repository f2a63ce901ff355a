/**
 * The IAM documents of a rendered stack and how they hang together: every policy document a
 * resource holds (parsed, or why not), and for each role its trust policy, the permission
 * policies that apply to it (inline `RolePolicy`s and `inlinePolicies`, attached policies by ARN)
 * and its permissions boundary. An attached policy or boundary the stack does not render is kept
 * as an ARN: what it allows is unknown offline.
 */
import type { IamPolicyKind } from "../iam/policy-checks.ts";
import { asList, fieldOf, mapping, type AwsResourceLike } from "./aws-check.ts";

/** One policy document held by a rendered resource. */
export interface PolicyDocument {
  readonly resource: AwsResourceLike;
  /** Where it is: `RolePolicy iam-policy policy`, `Role iam-role assumeRolePolicy`. */
  readonly name: string;
  readonly kind: IamPolicyKind;
  /** The parsed document, or why it could not be read. */
  readonly doc?: unknown;
  readonly parseError?: string;
}

/** A policy named by ARN: attached, or set as a boundary. */
export interface PolicyReference {
  /** The field naming it: `RolePolicyAttachment x policyArn`, `Role iam-role permissionsBoundary`. */
  readonly field: string;
  readonly arn: string;
  /** The rendered policy's document, when the stack renders it. */
  readonly document?: PolicyDocument;
}

export interface RoleGraph {
  readonly role: AwsResourceLike;
  readonly roleName: string;
  readonly trust?: PolicyDocument;
  /** Inline policies and rendered attached policies. */
  readonly policies: readonly PolicyDocument[];
  /** Attached policies, rendered or not. */
  readonly attached: readonly PolicyReference[];
  readonly boundary?: PolicyReference;
}

export const ROLE_TYPE = "aws:iam/role:Role";
export const ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy";
export const POLICY_TYPE = "aws:iam/policy:Policy";
const ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment";
const IDENTITY_POLICY_TYPES = new Set([ROLE_POLICY_TYPE, POLICY_TYPE, "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]);

function parsed(resource: AwsResourceLike, path: string, kind: IamPolicyKind, raw: unknown): PolicyDocument {
  const name = fieldOf(resource, path);
  if (typeof raw !== "string") return raw !== null && typeof raw === "object" ? { resource, name, kind, doc: raw } : { resource, name, kind, parseError: `${path} is ${raw === undefined ? "missing" : "not a document"}` };
  try {
    return { resource, name, kind, doc: JSON.parse(raw) as unknown };
  } catch {
    return { resource, name, kind, parseError: `${path} is not JSON` };
  }
}

/** Every policy document a resource holds. */
export function policyDocuments(r: AwsResourceLike): PolicyDocument[] {
  if (r.type === ROLE_TYPE) {
    return [
      ...(r.inputs["assumeRolePolicy"] === undefined ? [] : [parsed(r, "assumeRolePolicy", "trust", r.inputs["assumeRolePolicy"])]),
      ...asList(r.inputs["inlinePolicies"]).map((p, i) => parsed(r, `inlinePolicies[${i}].policy`, "identity", mapping(p)["policy"])),
    ];
  }
  return IDENTITY_POLICY_TYPES.has(r.type) ? [parsed(r, "policy", "identity", r.inputs["policy"])] : [];
}

const nameOf = (r: AwsResourceLike) => (typeof r.inputs["name"] === "string" ? r.inputs["name"] : r.name);

/** `policy/<path><name>`, the resource part of a managed policy's ARN. */
function policyKey(r: AwsResourceLike): string {
  const path = typeof r.inputs["path"] === "string" ? r.inputs["path"] : "/";
  return `policy${path}${nameOf(r)}`;
}

/** The role graphs of a rendered stack. */
export function roleGraphs(resources: readonly AwsResourceLike[]): RoleGraph[] {
  const byKey = new Map(resources.filter((r) => r.type === POLICY_TYPE).map((r) => [policyKey(r), r]));
  const reference = (field: string, arn: string): PolicyReference => {
    const key = /^arn:[^:]+:iam::[^:]*:(policy\/.*)$/.exec(arn)?.[1];
    const policy = key === undefined ? undefined : byKey.get(key);
    return { field, arn, ...(policy === undefined ? {} : { document: parsed(policy, "policy", "identity", policy.inputs["policy"]) }) };
  };
  return resources
    .filter((r) => r.type === ROLE_TYPE)
    .map((role) => {
      const roleName = nameOf(role);
      const docs = policyDocuments(role);
      const inline = resources.filter((r) => r.type === ROLE_POLICY_TYPE && r.inputs["role"] === roleName).map((r) => parsed(r, "policy", "identity", r.inputs["policy"]));
      const attached = [
        ...asList(role.inputs["managedPolicyArns"]).map((arn, i) => reference(fieldOf(role, `managedPolicyArns[${i}]`), String(arn))),
        ...resources.filter((r) => r.type === ATTACHMENT_TYPE && r.inputs["role"] === roleName).map((r) => reference(fieldOf(r, "policyArn"), String(r.inputs["policyArn"]))),
        ...resources.filter((r) => r.type === POLICY_ATTACHMENT_TYPE && asList(r.inputs["roles"]).includes(roleName)).map((r) => reference(fieldOf(r, "policyArn"), String(r.inputs["policyArn"]))),
      ];
      const boundaryArn = role.inputs["permissionsBoundary"];
      const trust = docs.find((d) => d.kind === "trust");
      return {
        role,
        roleName,
        ...(trust === undefined ? {} : { trust }),
        policies: [...docs.filter((d) => d.kind === "identity"), ...inline, ...attached.flatMap((a) => (a.document === undefined ? [] : [a.document]))],
        attached,
        ...(typeof boundaryArn === "string" && boundaryArn !== "" ? { boundary: reference(fieldOf(role, "permissionsBoundary"), boundaryArn) } : {}),
      };
    });
}

/** The services an Allow statement of a trust policy admits (`ec2.amazonaws.com`). */
export function trustedServices(trust: PolicyDocument | undefined): string[] {
  const statements = asList(mapping(trust?.doc)["Statement"]).map(mapping);
  return statements.filter((s) => s["Effect"] === "Allow").flatMap((s) => asList(mapping(s["Principal"])["Service"]).map(String));
}
