/**
 * The runners' network, planned: the NAT gateway's subnet slot inside the VPC, the availability
 * zone, routes to private networks (e.g. where Vault runs), and the check that keeps the rendered
 * security-group rules a fence whatever produced the profile. `AwsRunnerNetwork` only wires
 * resources from what is decided here.
 */
import type { AwsRunnerProfile } from "../aws-runner.ts";
import { cidrContains, cidrsOverlap, isCidr, parseCidr } from "../cidr.ts";
import { ConfigError, type ConfigIssue } from "../issues.ts";

/** A route from the runner subnet to a private network (e.g. where Vault runs), never to the internet. */
export interface AwsPrivateRoute {
  /** Destination block, e.g. the Vault network `10.20.0.0/16`. */
  readonly destinationCidrBlock: string;
  /** Transit gateway to route through (`tgw-...`); give this or `vpcPeeringConnectionId`. */
  readonly transitGatewayId?: string;
  /** VPC peering connection to route through (`pcx-...`); give this or `transitGatewayId`. */
  readonly vpcPeeringConnectionId?: string;
}

/** Options of the network besides the profile; {@link resolveAwsRunnerNetworkOptions} validates them. */
export interface AwsRunnerNetworkOptions {
  /**
   * Subnet of the NAT gateway (nothing else runs there). Must lie inside the VPC and not overlap
   * the runner subnet.
   * @default the first /28 of the VPC that does not overlap the runner subnet (10.42.0.0/28 for the defaults)
   */
  readonly natSubnetCidr?: string;
  /** Availability zone of both subnets. @default chosen by AWS */
  readonly availabilityZone?: string;
  /**
   * Routes to private networks, e.g. to Vault: the AppRole binds secret ids and tokens to the
   * runner subnet, so Vault must see the runners' own addresses, not the NAT gateway's.
   * @default []
   */
  readonly privateRoutes?: readonly AwsPrivateRoute[];
}

/** Network options with every default applied. */
export interface ResolvedAwsRunnerNetworkOptions {
  readonly natSubnetCidr: string;
  readonly availabilityZone?: string;
  readonly privateRoutes: readonly AwsPrivateRoute[];
}

const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);
/** An availability zone name: the region and one letter. */
export const AWS_AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

/** The first /28 of the IPv4 block `vpcText` that does not overlap `avoidText`, or undefined when none is free. */
export function firstFreeSlash28(vpcText: string, avoidText: string): string | undefined {
  const vpc = parseCidr(vpcText);
  const avoid = parseCidr(avoidText);
  if (!isCidr(vpc) || !isCidr(avoid) || vpc.family !== "ipv4" || vpc.prefix > 28) return undefined;
  const base = vpc.network.toByteArray().reduce((n, b) => n * 256 + b, 0);
  const blocks = 2 ** (28 - vpc.prefix);
  for (let i = 0; i < blocks; i++) {
    const n = base + i * 16;
    const text = `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".")}/28`;
    const c = parseCidr(text);
    if (isCidr(c) && !cidrsOverlap(c, avoid)) return c.text;
  }
  return undefined;
}

/**
 * Validates the network options against the profile and applies the defaults. Throws
 * {@link ConfigError} listing every problem; `prefix` is prepended to each key path.
 */
export function resolveAwsRunnerNetworkOptions(profile: Pick<AwsRunnerProfile, "vpcCidr" | "subnetCidr">, options: AwsRunnerNetworkOptions = {}, prefix = ""): ResolvedAwsRunnerNetworkOptions {
  const issues: ConfigIssue[] = [];
  const vpc = parseCidr(profile.vpcCidr);
  const runners = parseCidr(profile.subnetCidr);
  let natSubnetCidr = options.natSubnetCidr ?? firstFreeSlash28(profile.vpcCidr, profile.subnetCidr) ?? "";
  if (options.natSubnetCidr !== undefined) {
    const c = parseCidr(options.natSubnetCidr);
    if (!isCidr(c)) {
      issues.push({ path: `${prefix}natSubnetCidr`, message: c.problem, fix: c.fix });
    } else {
      natSubnetCidr = c.text;
      if (c.family !== "ipv4" || c.prefix < 16 || c.prefix > 28) issues.push({ path: `${prefix}natSubnetCidr`, message: `${c.text} is not an IPv4 block between /16 and /28`, fix: "give an IPv4 block of size /16 to /28 (a /28 is enough for the NAT gateway)" });
      else if (isCidr(vpc) && !cidrContains(vpc, c)) issues.push({ path: `${prefix}natSubnetCidr`, message: `${c.text} does not lie inside the VPC ${vpc.text}`, fix: `choose a block inside ${vpc.text}` });
      else if (isCidr(runners) && cidrsOverlap(c, runners)) issues.push({ path: `${prefix}natSubnetCidr`, message: `${c.text} overlaps the runner subnet ${runners.text}`, fix: `choose a block of ${profile.vpcCidr} outside ${runners.text}` });
    }
  } else if (natSubnetCidr === "" && isCidr(vpc) && isCidr(runners)) {
    issues.push({ path: `${prefix}natSubnetCidr`, message: `the VPC ${profile.vpcCidr} has no /28 left outside the runner subnet ${profile.subnetCidr}`, fix: "widen the VPC or narrow the runner subnet so that a /28 is free for the NAT gateway, or set natSubnetCidr" });
  }
  if (options.availabilityZone !== undefined && !AWS_AVAILABILITY_ZONE.test(options.availabilityZone)) {
    issues.push({ path: `${prefix}availabilityZone`, message: `"${options.availabilityZone}" is not an availability zone name`, fix: 'give a zone of the region, e.g. "eu-west-1a", or leave it unset' });
  }
  const routes = options.privateRoutes ?? [];
  routes.forEach((r, i) => {
    const p = `${prefix}privateRoutes[${i}]`;
    const c = parseCidr(String(r.destinationCidrBlock));
    if (!isCidr(c)) issues.push({ path: `${p}.destinationCidrBlock`, message: c.problem, fix: c.fix });
    else if (ANYWHERE.has(c.text) || c.prefix === 0) issues.push({ path: `${p}.destinationCidrBlock`, message: `${c.text} would send all traffic past the NAT gateway and the allowlist's intent`, fix: "route only the private network you need (e.g. Vault's block); internet traffic leaves through the NAT gateway" });
    else if (isCidr(vpc) && cidrsOverlap(c, vpc)) issues.push({ path: `${p}.destinationCidrBlock`, message: `${c.text} overlaps the VPC ${vpc.text}`, fix: "route a network outside the VPC" });
    const targets = [r.transitGatewayId, r.vpcPeeringConnectionId].filter((t) => t !== undefined);
    if (targets.length !== 1) issues.push({ path: p, message: targets.length === 0 ? "names no target" : "names two targets", fix: "give exactly one of transitGatewayId (tgw-...) or vpcPeeringConnectionId (pcx-...)" });
    if (r.transitGatewayId !== undefined && !/^tgw-[0-9a-f]{8,17}$/.test(r.transitGatewayId)) issues.push({ path: `${p}.transitGatewayId`, message: "is not a transit gateway id", fix: 'give an id such as "tgw-0123456789abcdef0"' });
    if (r.vpcPeeringConnectionId !== undefined && !/^pcx-[0-9a-f]{8,17}$/.test(r.vpcPeeringConnectionId)) issues.push({ path: `${p}.vpcPeeringConnectionId`, message: "is not a VPC peering connection id", fix: 'give an id such as "pcx-0123456789abcdef0"' });
  });
  if (issues.length > 0) throw new ConfigError(issues, "AWS runner network");
  return { natSubnetCidr, ...(options.availabilityZone === undefined ? {} : { availabilityZone: options.availabilityZone }), privateRoutes: routes };
}

// ---------------------------------------------------------------- security-group rules

/**
 * The other side of a rule. `securityGroup` names a group the component creates ("runners" or
 * "vpc-endpoints"); `awsServicePrefixList` names the AWS-managed prefix list of a gateway
 * endpoint service, whose id the component looks up (`aws.ec2.getPrefixList({ name })`).
 */
export type SecurityGroupPeer =
  | { readonly cidrIpv4: string }
  | { readonly cidrIpv6: string }
  | { readonly prefixListId: string }
  | { readonly awsServicePrefixList: { readonly service: "s3"; readonly name: string } }
  | { readonly securityGroup: "runners" | "vpc-endpoints" };

export interface SecurityGroupRule {
  /** Stable, unique key within its list; use it in the Pulumi resource name. */
  readonly key: string;
  readonly description: string;
  readonly ipProtocol: "tcp" | "udp";
  readonly fromPort: number;
  readonly toPort: number;
  readonly peer: SecurityGroupPeer;
}

export interface SecurityGroupRules {
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
}

export interface RunnerSecurityGroups {
  /** The group on the runner instances. */
  readonly runners: SecurityGroupRules;
  /** The group on the interface endpoints (`endpoints` mode only; empty lists otherwise). */
  readonly vpcEndpoints: SecurityGroupRules;
}

/**
 * Rules that would open the fence, whatever produced the profile (defence in depth: a profile
 * that skipped `resolveAwsRunnerProfile` may carry them): a protocol other than tcp or udp, or a
 * peer that is every address. Key paths are `<group>.<direction>.<rule key>`.
 */
export function securityGroupRuleIssues(rules: RunnerSecurityGroups): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const all = [
    ...rules.runners.ingress.map((r) => ["runners.ingress", r] as const),
    ...rules.runners.egress.map((r) => ["runners.egress", r] as const),
    ...rules.vpcEndpoints.ingress.map((r) => ["vpcEndpoints.ingress", r] as const),
    ...rules.vpcEndpoints.egress.map((r) => ["vpcEndpoints.egress", r] as const),
  ];
  for (const [where, r] of all) {
    const cidr = "cidrIpv4" in r.peer ? r.peer.cidrIpv4 : "cidrIpv6" in r.peer ? r.peer.cidrIpv6 : undefined;
    if ((r.ipProtocol as string) !== "tcp" && (r.ipProtocol as string) !== "udp") issues.push({ path: `${where}.${r.key}`, message: `protocol "${r.ipProtocol}" is not tcp or udp`, fix: "allow one protocol and port per rule" });
    if (cidr !== undefined && cidr.endsWith("/0")) issues.push({ path: `${where}.${r.key}`, message: `${cidr} is every address`, fix: "list the destination's own blocks; resolve the profile with resolveAwsRunnerProfile" });
  }
  return issues;
}
