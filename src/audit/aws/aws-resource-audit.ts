/**
 * Checks over the AWS resources of a rendered stack, as they will be created: every IAM policy
 * document (grammar, actions that exist, no full wildcard), every security group rule (no open
 * ingress, no all-protocol or whole-internet egress) and every launch template (IMDSv2 with hop
 * limit 1, encrypted volumes, no public address, terminate on shutdown).
 */
import { checkActionsExist, checkPolicySyntax, type IamPolicyKind } from "../iam/policy-checks.ts";
import { isRecord } from "../../model/refine.ts";

/** A rendered resource as the audit needs it. */
export interface AwsResourceLike {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface AwsCheck {
  readonly area: "iam" | "security-group" | "launch-template";
  /** The resource, as `Kind name` (`SecurityGroupEgressRule network-runners-out-allow-github`). */
  readonly resource: string;
  readonly check: string;
  readonly pass: boolean;
  /** What was found; for a failure, what is wrong and how to fix it. */
  readonly message: string;
}

export interface AwsAudit {
  readonly checks: readonly AwsCheck[];
  readonly pass: boolean;
}

const POLICY_FIELDS: Readonly<Record<string, readonly { field: string; kind: IamPolicyKind }[]>> = {
  "aws:iam/role:Role": [{ field: "assumeRolePolicy", kind: "trust" }],
  "aws:iam/rolePolicy:RolePolicy": [{ field: "policy", kind: "identity" }],
  "aws:iam/policy:Policy": [{ field: "policy", kind: "identity" }],
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

async function iamChecks(r: AwsResourceLike): Promise<AwsCheck[]> {
  const out: AwsCheck[] = [];
  for (const { field, kind } of POLICY_FIELDS[r.type] ?? []) {
    const resource = `${r.type.replace(/^.*:/, "")} ${r.name}`;
    const raw = r.inputs[field];
    let doc: unknown;
    try {
      doc = typeof raw === "string" ? JSON.parse(raw) : raw;
    } catch {
      out.push({ area: "iam", resource, check: `${field}: JSON`, pass: false, message: `${field} is not JSON. Fix: render the policy with JSON.stringify` });
      continue;
    }
    const label = `${r.name} ${field}`;
    const syntax = checkPolicySyntax(doc, kind, label);
    out.push({ area: "iam", resource, check: `${field}: ${kind} policy grammar`, pass: syntax.length === 0, message: syntax.length === 0 ? "valid" : syntax.map((f) => `${f.path}: ${f.message}`).join("; ") });
    const statements = list((doc as { Statement?: unknown } | null)?.Statement) as { Action?: unknown; Effect?: unknown; Resource?: unknown }[];
    if (kind === "identity" && syntax.length === 0) {
      const unknown = await checkActionsExist({ Statement: statements as never }, label);
      out.push({ area: "iam", resource, check: `${field}: actions exist`, pass: unknown.length === 0, message: unknown.length === 0 ? "every action exists" : unknown.map((f) => `${f.path}: ${f.message}`).join("; ") });
      const wild = statements.flatMap((s, i) => (s.Effect === "Allow" && list(s.Action).includes("*") ? [`Statement[${i}]`] : []));
      out.push({ area: "iam", resource, check: `${field}: no Action "*"`, pass: wild.length === 0, message: wild.length === 0 ? "no statement allows every action" : `${wild.join(", ")} allow every action. Fix: list the actions the runner needs` });
    }
  }
  return out;
}

function portRange(inputs: Record<string, unknown>): string {
  const p = String(inputs["ipProtocol"] ?? inputs["protocol"] ?? "");
  return p === "-1" ? "all protocols" : `${p} ${String(inputs["fromPort"])}-${String(inputs["toPort"])}`;
}

/** The other side of a rule; a prefix list or group that only exists at deploy time is named as such. */
function peerOf(inputs: Record<string, unknown>): string {
  for (const key of ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"]) {
    if (typeof inputs[key] === "string") return `${key === "prefixListId" ? "prefix list " : key === "referencedSecurityGroupId" ? "security group " : ""}${String(inputs[key])}`;
  }
  return "a prefix list or group known only at deploy time ([unknown] offline)";
}

function securityGroupChecks(r: AwsResourceLike): AwsCheck[] {
  const resource = `${r.type.replace(/^.*:/, "")} ${r.name}`;
  const anywhere = [r.inputs["cidrIpv4"], r.inputs["cidrIpv6"]].some((c) => c === "0.0.0.0/0" || c === "::/0");
  const allProtocols = String(r.inputs["ipProtocol"] ?? "") === "-1";
  if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
    return [{ area: "security-group", resource, check: "ingress not open to the internet", pass: !anywhere, message: anywhere ? `${portRange(r.inputs)} from anywhere. Fix: allow a security group or a narrow CIDR` : `${portRange(r.inputs)} from ${peerOf(r.inputs)}` }];
  }
  if (r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
    const open = allProtocols || anywhere;
    const to = peerOf(r.inputs);
    return [{ area: "security-group", resource, check: "egress on the allowlist", pass: !open, message: open ? `${portRange(r.inputs)} to ${to}. Fix: allow one port to the addresses the runner needs` : `${portRange(r.inputs)} to ${to}` }];
  }
  if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
    const inline = list(r.inputs["ingress"]).length + list(r.inputs["egress"]).length;
    return [{ area: "security-group", resource, check: "no inline rules", pass: inline === 0, message: inline === 0 ? "rules are separate resources" : `${inline} inline rules; mixing inline rules with rule resources drops rules silently. Fix: one resource per rule` }];
  }
  return [];
}

function launchTemplateChecks(r: AwsResourceLike): AwsCheck[] {
  if (r.type !== "aws:ec2/launchTemplate:LaunchTemplate") return [];
  const resource = `${r.type.replace(/^.*:/, "")} ${r.name}`;
  const md = (isRecord(r.inputs["metadataOptions"]) ? r.inputs["metadataOptions"] : {}) as Record<string, unknown>;
  const hop = Number(md["httpPutResponseHopLimit"]);
  // A render folder's files are input like any other: entries that are not mappings count as unknown.
  const disks = list(r.inputs["blockDeviceMappings"]).map((d) => (isRecord(d) ? d : {})) as { deviceName?: unknown; ebs?: unknown }[];
  const unencrypted = disks.filter((d) => d.ebs !== undefined && !(isRecord(d.ebs) && String(d.ebs["encrypted"]) === "true")).map((d) => (typeof d.deviceName === "string" ? d.deviceName : "?"));
  const nics = list(r.inputs["networkInterfaces"]).map((n) => (isRecord(n) ? n : {}));
  const publicIp = nics.some((n) => String(n["associatePublicIpAddress"]) === "true");
  const shutdown = r.inputs["instanceInitiatedShutdownBehavior"];
  const c = (check: string, pass: boolean, ok: string, bad: string): AwsCheck => ({ area: "launch-template", resource, check, pass, message: pass ? ok : bad });
  return [
    c("IMDSv2 required", md["httpTokens"] === "required", "httpTokens: required", `metadataOptions.httpTokens is ${String(md["httpTokens"] ?? "unset")}. Fix: set it to "required"`),
    c("metadata hop limit 1", hop === 1, "httpPutResponseHopLimit: 1 (containers cannot reach instance credentials)", `metadataOptions.httpPutResponseHopLimit is ${Number.isNaN(hop) ? "unset" : hop}. Fix: set it to 1`),
    c("volumes encrypted", disks.length > 0 && unencrypted.length === 0, `${disks.length} EBS volume(s), all encrypted`, disks.length === 0 ? "no block device mapping: the AMI's defaults apply. Fix: map the root volume with encrypted: true" : `${unencrypted.join(", ")} not encrypted. Fix: set ebs.encrypted to true`),
    c("no public address", !publicIp, "associatePublicIpAddress: false", "a network interface gets a public address. Fix: set associatePublicIpAddress to false"),
    c("terminate on shutdown", shutdown === "terminate", "instanceInitiatedShutdownBehavior: terminate", `instanceInitiatedShutdownBehavior is ${String(shutdown ?? "unset")}. Fix: set it to "terminate" so a runner that powers off is gone`),
  ];
}

/** True when a rendered stack holds AWS resources to audit. */
export function hasAwsResources(resources: readonly AwsResourceLike[]): boolean {
  return resources.some((r) => r.type.startsWith("aws:"));
}

/** Every check over the AWS resources of a rendered stack. */
export async function auditAwsResources(resources: readonly AwsResourceLike[]): Promise<AwsAudit> {
  const checks: AwsCheck[] = [];
  for (const r of resources) {
    if (!r.type.startsWith("aws:")) continue;
    for (const c of [...(await iamChecks(r)), ...securityGroupChecks(r), ...launchTemplateChecks(r)]) checks.push(c);
  }
  return { checks, pass: checks.every((c) => c.pass) };
}
