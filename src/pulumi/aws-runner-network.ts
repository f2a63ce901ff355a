/**
 * `AwsRunnerNetwork`: the runners' VPC. A private runner subnet (no public addresses) whose only
 * way out is a NAT gateway in a small NAT subnet, VPC endpoints for the AWS APIs in `endpoints`
 * mode, and security groups whose every rule is its own resource, rendered by
 * `renderRunnerSecurityGroupRules`: egress is the allowlist and nothing else.
 *
 * Default rules AWS adds, and what removes them:
 * - A new security group in a VPC gets an allow-all egress rule from AWS. The AWS provider
 *   revokes that rule when it creates the group (`@pulumi/aws` `ec2.SecurityGroup` docs, "NOTE
 *   on Egress rules"), so the groups here are created with no inline rules at all. Setting
 *   `egress: []` is NOT the way: inline rules are managed as a whole, so `egress: []` would
 *   revoke the separate rule resources on every update (the docs warn against mixing the two).
 *   Separate rule resources track only themselves: a rule someone adds by hand later goes
 *   unnoticed by Pulumi, so alert on `AuthorizeSecurityGroupEgress` in CloudTrail.
 * - Every VPC has a default security group that lets its members reach each other and anything
 *   outside. `aws.ec2.DefaultSecurityGroup` adopts it and removes all its rules (the resource
 *   treats its inline rules as absolute; none are given), so nothing that lands in it by mistake
 *   can talk.
 * - `revokeRulesOnDelete` only matters on deletion: the runner and endpoint groups reference each
 *   other, and revoking first lets `pulumi destroy` delete them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type AwsRunnerProfile, type AwsScope, ConfigError, type ConfigIssue, cidrContains, cidrsOverlap, isCidr, parseCidr } from "../model/index.ts";
import { type RunnerNetwork, type RunnerSecurityGroups, type SecurityGroupPeer, type SecurityGroupRule, renderRunnerNetwork, renderRunnerSecurityGroupRules, runnerTags } from "../render/index.ts";

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
const AZ = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

/** The first /28 of `vpc` that does not overlap `avoid`. */
function firstFreeSlash28(vpcText: string, avoidText: string): string | undefined {
  const vpc = parseCidr(vpcText);
  const avoid = parseCidr(avoidText);
  if (!isCidr(vpc) || !isCidr(avoid) || vpc.family !== "ipv4") return undefined;
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
  if (options.availabilityZone !== undefined && !AZ.test(options.availabilityZone)) {
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

/** Refuses rules that would open the fence, whatever produced the profile (defence in depth). */
function checkRules(rules: RunnerSecurityGroups): void {
  const issues: ConfigIssue[] = [];
  const all = [...rules.runners.ingress.map((r) => ["runners.ingress", r] as const), ...rules.runners.egress.map((r) => ["runners.egress", r] as const), ...rules.vpcEndpoints.ingress.map((r) => ["vpcEndpoints.ingress", r] as const), ...rules.vpcEndpoints.egress.map((r) => ["vpcEndpoints.egress", r] as const)];
  for (const [where, r] of all) {
    const cidr = "cidrIpv4" in r.peer ? r.peer.cidrIpv4 : "cidrIpv6" in r.peer ? r.peer.cidrIpv6 : undefined;
    if ((r.ipProtocol as string) !== "tcp" && (r.ipProtocol as string) !== "udp") issues.push({ path: `${where}.${r.key}`, message: `protocol "${r.ipProtocol}" is not tcp or udp`, fix: "allow one protocol and port per rule" });
    if (cidr !== undefined && cidr.endsWith("/0")) issues.push({ path: `${where}.${r.key}`, message: `${cidr} is every address`, fix: "list the destination's own blocks; resolve the profile with resolveAwsRunnerProfile" });
  }
  if (issues.length > 0) throw new ConfigError(issues, "AWS runner security group rules");
}

export interface AwsRunnerNetworkArgs extends AwsRunnerNetworkOptions {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** Account and region (`resolveAwsScope`); the region names the endpoint services. */
  readonly scope: AwsScope;
  /**
   * The secret-id broker runs in the runner subnet: in `endpoints` mode, add the Auto Scaling
   * interface endpoint it completes lifecycle actions through.
   * @default false
   */
  readonly secretIdBroker?: boolean;
  /** Extra tags on every resource (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export class AwsRunnerNetwork extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:AwsRunnerNetwork";

  /** What was rendered: subnet layout, endpoints, and every security-group rule. */
  readonly network: RunnerNetwork;
  readonly rules: RunnerSecurityGroups;
  readonly options: ResolvedAwsRunnerNetworkOptions;

  readonly vpc: aws.ec2.Vpc;
  /** The VPC's default security group, adopted with every rule removed. */
  readonly defaultSecurityGroup: aws.ec2.DefaultSecurityGroup;
  /** The private runner subnet. */
  readonly runnerSubnet: aws.ec2.Subnet;
  /** The subnet that holds the NAT gateway and nothing else. */
  readonly natSubnet: aws.ec2.Subnet;
  readonly internetGateway: aws.ec2.InternetGateway;
  readonly natAddress: aws.ec2.Eip;
  readonly natGateway: aws.ec2.NatGateway;
  readonly publicRouteTable: aws.ec2.RouteTable;
  readonly privateRouteTable: aws.ec2.RouteTable;
  readonly routes: readonly aws.ec2.Route[];
  readonly routeTableAssociations: readonly aws.ec2.RouteTableAssociation[];
  /** The group on the runner instances. */
  readonly runnerSecurityGroup: aws.ec2.SecurityGroup;
  /** The group on the interface endpoints (`endpoints` mode only). */
  readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
  readonly ingressRules: readonly aws.vpc.SecurityGroupIngressRule[];
  readonly egressRules: readonly aws.vpc.SecurityGroupEgressRule[];
  readonly vpcEndpoints: readonly aws.ec2.VpcEndpoint[];

  readonly vpcId: pulumi.Output<string>;
  readonly runnerSubnetId: pulumi.Output<string>;
  readonly runnerSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: AwsRunnerNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const { profile, scope } = args;
    const options = resolveAwsRunnerNetworkOptions(profile, args);
    const network = renderRunnerNetwork(profile, scope, { secretIdBroker: args.secretIdBroker ?? false });
    const rules = renderRunnerSecurityGroupRules(profile, scope);
    checkRules(rules);
    super(AwsRunnerNetwork.TYPE, name, {}, opts);
    this.network = network;
    this.rules = rules;
    this.options = options;

    const child = { parent: this };
    const tags = (resource: string): Record<string, string> => ({ ...runnerTags(profile), ...args.tags, Name: `${profile.name}-${resource}` });
    const az = options.availabilityZone === undefined ? {} : { availabilityZone: options.availabilityZone };

    // Interface endpoints answer the public service names privately: DNS support and hostnames on.
    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: network.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, child);
    this.vpcId = this.vpc.id;
    this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, tags: tags("default-no-rules") }, child);

    this.runnerSubnet = new aws.ec2.Subnet(`${name}-runners`, { vpcId: this.vpc.id, cidrBlock: network.subnetCidr, mapPublicIpOnLaunch: network.mapPublicIpOnLaunch, assignIpv6AddressOnCreation: false, ...az, tags: tags("runners") }, child);
    this.runnerSubnetId = this.runnerSubnet.id;
    // The NAT gateway sits in the runners' zone, so their traffic never crosses zones to leave.
    this.natSubnet = new aws.ec2.Subnet(`${name}-nat`, { vpcId: this.vpc.id, cidrBlock: options.natSubnetCidr, mapPublicIpOnLaunch: false, assignIpv6AddressOnCreation: false, availabilityZone: this.runnerSubnet.availabilityZone, tags: tags("nat") }, child);

    this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tags("igw") }, child);
    this.natAddress = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tags("nat") }, { ...child, dependsOn: [this.internetGateway] });
    this.natGateway = new aws.ec2.NatGateway(`${name}-nat`, { subnetId: this.natSubnet.id, allocationId: this.natAddress.id, connectivityType: "public", tags: tags("nat") }, { ...child, dependsOn: [this.internetGateway] });

    // Routes are separate resources, like the security-group rules (no inline routes to fight over).
    this.publicRouteTable = new aws.ec2.RouteTable(`${name}-public`, { vpcId: this.vpc.id, tags: tags("public") }, child);
    this.privateRouteTable = new aws.ec2.RouteTable(`${name}-private`, { vpcId: this.vpc.id, tags: tags("private") }, child);
    this.routes = [
      new aws.ec2.Route(`${name}-public-default`, { routeTableId: this.publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: this.internetGateway.id }, child),
      new aws.ec2.Route(`${name}-private-default`, { routeTableId: this.privateRouteTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: this.natGateway.id }, child),
      ...options.privateRoutes.map(
        (r) =>
          new aws.ec2.Route(
            `${name}-private-${r.destinationCidrBlock.replace(/[^0-9a-f]+/gi, "-").replace(/-+$/, "")}`,
            {
              routeTableId: this.privateRouteTable.id,
              destinationCidrBlock: r.destinationCidrBlock,
              ...(r.transitGatewayId === undefined ? {} : { transitGatewayId: r.transitGatewayId }),
              ...(r.vpcPeeringConnectionId === undefined ? {} : { vpcPeeringConnectionId: r.vpcPeeringConnectionId }),
            },
            child,
          ),
      ),
    ];
    this.routeTableAssociations = [
      new aws.ec2.RouteTableAssociation(`${name}-nat`, { subnetId: this.natSubnet.id, routeTableId: this.publicRouteTable.id }, child),
      new aws.ec2.RouteTableAssociation(`${name}-runners`, { subnetId: this.runnerSubnet.id, routeTableId: this.privateRouteTable.id }, child),
    ];

    // Security groups: no inline rules; every rule below is its own resource.
    const group = (key: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${key}`, { name: `${profile.name}-${key}`, description, vpcId: this.vpc.id, revokeRulesOnDelete: true, tags: tags(key) }, child);
    this.runnerSecurityGroup = group("runners", `${profile.name} runners: egress allowlist only`);
    this.runnerSecurityGroupId = this.runnerSecurityGroup.id;
    const endpoints = network.endpoints.length > 0;
    if (endpoints) this.endpointSecurityGroup = group("vpc-endpoints", `${profile.name} VPC interface endpoints: HTTPS from the runners only`);
    const groupId = (g: "runners" | "vpc-endpoints"): pulumi.Output<string> => {
      const sg = g === "runners" ? this.runnerSecurityGroup : this.endpointSecurityGroup;
      if (sg === undefined) throw new Error(`security group ${g} does not exist in egress mode ${profile.egress.mode}`);
      return sg.id;
    };
    const prefixLists = new Map<string, pulumi.Output<string>>();
    const peer = (p: SecurityGroupPeer) => {
      if ("cidrIpv4" in p) return { cidrIpv4: p.cidrIpv4 };
      if ("cidrIpv6" in p) return { cidrIpv6: p.cidrIpv6 };
      if ("prefixListId" in p) return { prefixListId: p.prefixListId };
      if ("securityGroup" in p) return { referencedSecurityGroupId: groupId(p.securityGroup) };
      const listName = p.awsServicePrefixList.name;
      let id = prefixLists.get(listName);
      if (id === undefined) {
        id = aws.ec2.getPrefixListOutput({ name: listName }, child).apply((l) => l.id);
        prefixLists.set(listName, id);
      }
      return { prefixListId: id };
    };
    const ruleArgs = (securityGroupId: pulumi.Output<string>, r: SecurityGroupRule, owner: string) => ({
      securityGroupId,
      description: r.description,
      ipProtocol: r.ipProtocol,
      fromPort: r.fromPort,
      toPort: r.toPort,
      ...peer(r.peer),
      tags: tags(`${owner}-${r.key}`),
    });
    this.ingressRules = [
      ...rules.runners.ingress.map((r) => new aws.vpc.SecurityGroupIngressRule(`${name}-runners-in-${r.key}`, ruleArgs(this.runnerSecurityGroup.id, r, "runners"), child)),
      ...rules.vpcEndpoints.ingress.map((r) => new aws.vpc.SecurityGroupIngressRule(`${name}-vpc-endpoints-in-${r.key}`, ruleArgs(groupId("vpc-endpoints"), r, "vpc-endpoints"), child)),
    ];
    this.egressRules = [
      ...rules.runners.egress.map((r) => new aws.vpc.SecurityGroupEgressRule(`${name}-runners-out-${r.key}`, ruleArgs(this.runnerSecurityGroup.id, r, "runners"), child)),
      ...rules.vpcEndpoints.egress.map((r) => new aws.vpc.SecurityGroupEgressRule(`${name}-vpc-endpoints-out-${r.key}`, ruleArgs(groupId("vpc-endpoints"), r, "vpc-endpoints"), child)),
    ];

    this.vpcEndpoints = network.endpoints.map((e) => {
      const service = e.serviceName.split(".").slice(3).join("-");
      return e.vpcEndpointType === "Interface"
        ? new aws.ec2.VpcEndpoint(`${name}-endpoint-${service}`, { vpcId: this.vpc.id, serviceName: e.serviceName, vpcEndpointType: "Interface", privateDnsEnabled: e.privateDnsEnabled ?? true, subnetIds: [this.runnerSubnet.id], securityGroupIds: [groupId("vpc-endpoints")], tags: tags(`endpoint-${service}`) }, child)
        : new aws.ec2.VpcEndpoint(`${name}-endpoint-${service}`, { vpcId: this.vpc.id, serviceName: e.serviceName, vpcEndpointType: "Gateway", routeTableIds: [this.privateRouteTable.id], tags: tags(`endpoint-${service}`) }, child);
    });

    this.registerOutputs({ vpcId: this.vpcId, runnerSubnetId: this.runnerSubnetId, runnerSecurityGroupId: this.runnerSecurityGroupId, natPublicIp: this.natAddress.publicIp });
  }
}
