/**
 * Security group claims, rule by rule (separate rule resources, legacy `SecurityGroupRule`s and
 * inline rules alike): one protocol per rule (no `-1`), no ingress from the internet, SSH only from
 * the blocks a profile opts in to, and no egress to the internet unless it is a documented
 * exception. Groups carry no inline rules, and the VPC's default group carries none at all.
 */
import { AWS_ALLOWLIST_MIN_PREFIX } from "../../model/aws-runner-egress.ts";
import { isCidr, parseCidr } from "../../model/cidr.ts";
import { asList, checker, mapping, type AwsCheck, type AwsResourceLike } from "./aws-check.ts";

/** Egress to the whole internet that a stack documents, with its reason; a matching rule passes and says why. */
export interface OpenEgressException {
  /** The rule's `description`, as rendered. */
  readonly description: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  readonly reason: string;
}

/**
 * The documented egress to the whole internet: none. Every egress rule the AWS stack renders is an
 * allowlist entry (the model refuses `0.0.0.0/0` and `::/0` in `egress.allow`), the VPC endpoint
 * group or a managed prefix list; the `0.0.0.0/0` routes to the NAT and internet gateways are
 * routes, not rules, and the security group decides what may use them.
 */
export const OPEN_EGRESS_EXCEPTIONS: readonly OpenEgressException[] = [];

/** A rule in one shape, whichever resource holds it; `path` prefixes its fields (`ingress[0].` for inline rules). */
interface Rule {
  readonly direction: "ingress" | "egress";
  readonly path: string;
  readonly protocolField: string;
  readonly protocol: string;
  readonly from: number;
  readonly to: number;
  readonly description: string;
  /** Every peer with the field that holds it. */
  readonly peers: readonly { readonly field: string; readonly value: string }[];
}

const SSH_PORT = 22;

const peersOf = (inputs: Record<string, unknown>, path: string, fields: readonly string[]) =>
  fields.flatMap((f) => (Array.isArray(inputs[f]) ? (inputs[f] as unknown[]).map((v, i) => ({ field: `${path}${f}[${i}]`, value: String(v) })) : inputs[f] === undefined ? [] : [{ field: `${path}${f}`, value: String(inputs[f]) }]));

function ruleOf(inputs: Record<string, unknown>, direction: "ingress" | "egress", path: string, protocolField: string, peerFields: readonly string[]): Rule {
  const protocol = String(inputs[protocolField] ?? "").toLowerCase();
  const allPorts = protocol === "-1" || protocol === "all";
  return {
    direction,
    path,
    protocolField: `${path}${protocolField}`,
    protocol,
    from: allPorts ? 0 : Number(inputs["fromPort"]),
    to: allPorts ? 65535 : Number(inputs["toPort"]),
    description: typeof inputs["description"] === "string" ? inputs["description"] : "",
    peers: peersOf(inputs, path, peerFields),
  };
}

/** Why a block counts as the internet (every address, or wider than the allowlist's bound), or undefined. */
function internet(block: string): string | undefined {
  const c = parseCidr(block);
  if (!isCidr(c)) return undefined;
  if (c.prefix === 0) return "every address";
  const min = AWS_ALLOWLIST_MIN_PREFIX[c.family];
  return c.prefix < min ? `a block wider than /${min}, a large share of the internet` : undefined;
}

const ports = (r: Rule) => (r.protocol === "-1" || r.protocol === "all" ? "all protocols" : `${r.protocol} ${r.from}-${r.to}`);
const peerText = (r: Rule) => (r.peers.length === 0 ? "a prefix list or group known only at deploy time" : r.peers.map((p) => p.value).join(", "));

function ruleChecks(r: AwsResourceLike, rule: Rule, exceptions: readonly OpenEgressException[]): AwsCheck[] {
  const c = checker("security-group", r);
  const out: AwsCheck[] = [];
  const all = rule.protocol === "-1" || rule.protocol === "all";
  out.push(c("one protocol per rule", !all, rule.protocolField, all ? `${rule.direction} on all protocols and ports to ${peerText(rule)}. Fix: one rule per protocol and port (tcp or udp)` : `${ports(rule)}`));
  const open = rule.peers.map((p) => ({ ...p, why: internet(p.value) })).find((p) => p.why !== undefined);
  const peerField = open?.field ?? rule.peers[0]?.field ?? `${rule.path}${rule.protocolField.endsWith("ipProtocol") ? "prefixListId" : "prefixListIds"}`;
  if (rule.direction === "ingress") {
    out.push(c("ingress not open to the internet", open === undefined, peerField, open ? `${ports(rule)} from ${open.value} (${open.why}). Fix: admit a security group or a narrow CIDR` : `${ports(rule)} from ${peerText(rule)}`));
    if (rule.from <= SSH_PORT && SSH_PORT <= rule.to) {
      out.push(
        c(
          "SSH only from opted-in blocks",
          open === undefined,
          peerField,
          open
            ? `SSH (tcp 22) from ${open.value}: no setting opts in to SSH from the internet (ssh.allowedCidrs refuses 0.0.0.0/0 and blocks wider than /${AWS_ALLOWLIST_MIN_PREFIX.ipv4}). Fix: list your bastion's or VPN's blocks in ssh.allowedCidrs, or use sessionManager: true`
            : `SSH from ${peerText(rule)}, not the internet (the opt-in is ssh.allowedCidrs)`,
        ),
      );
    }
  } else {
    const documented = open === undefined ? undefined : exceptions.find((e) => e.description === rule.description && e.protocol === rule.protocol && e.port === rule.from && e.port === rule.to);
    out.push(
      c(
        "egress to the internet only where documented",
        open === undefined || documented !== undefined,
        peerField,
        open === undefined
          ? `${ports(rule)} to ${peerText(rule)}`
          : documented
            ? `${ports(rule)} to ${open.value}: documented exception "${documented.description}": ${documented.reason}`
            : `${ports(rule)} to ${open.value} (${open.why}), and no documented exception covers it. Fix: allow one port to the addresses the runner needs (egress.allow, a prefix list)`,
      ),
    );
  }
  return out;
}

const RULE_FIELDS = ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"] as const;
const LEGACY_FIELDS = ["cidrBlocks", "ipv6CidrBlocks", "prefixListIds", "sourceSecurityGroupId"] as const;

export function securityGroupChecks(r: AwsResourceLike, exceptions: readonly OpenEgressException[] = OPEN_EGRESS_EXCEPTIONS): AwsCheck[] {
  const c = checker("security-group", r);
  switch (r.type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return ruleChecks(r, ruleOf(r.inputs, "ingress", "", "ipProtocol", RULE_FIELDS), exceptions);
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return ruleChecks(r, ruleOf(r.inputs, "egress", "", "ipProtocol", RULE_FIELDS), exceptions);
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return ruleChecks(r, ruleOf(r.inputs, r.inputs["type"] === "ingress" ? "ingress" : "egress", "", "protocol", LEGACY_FIELDS), exceptions);
    case "aws:ec2/securityGroup:SecurityGroup": {
      const inline = (["ingress", "egress"] as const).flatMap((d) => asList(r.inputs[d]).map((x, i) => ruleOf(mapping(x), d, `${d}[${i}].`, "protocol", LEGACY_FIELDS)));
      const first = inline[0];
      return [
        c("no inline rules", first === undefined, first === undefined ? "ingress, egress" : first.path.slice(0, -1), first === undefined ? "rules are separate resources" : `${inline.length} inline rules; mixing inline rules with rule resources drops rules silently. Fix: one resource per rule`),
        ...inline.flatMap((rule) => ruleChecks(r, rule, exceptions)),
      ];
    }
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
      const rules = (["ingress", "egress"] as const).flatMap((d) => asList(r.inputs[d]).map((_, i) => `${d}[${i}]`));
      return [c("default security group has no rules", rules.length === 0, rules[0] ?? "ingress, egress", rules.length === 0 ? "every rule of the VPC's default group is removed, so nothing placed in it by mistake can talk" : `${rules.join(", ")} kept on the VPC's default group. Fix: give the default group no rules`)];
    }
    default:
      return [];
  }
}
