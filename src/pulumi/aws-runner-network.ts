/**
 * `AwsRunnerNetwork`: the runners' VPC. A private runner subnet (no public addresses) whose only
 * way out is a NAT gateway in a small NAT subnet, VPC endpoints for the AWS APIs in `endpoints`
 * mode, and security groups whose every rule is its own resource, rendered by
 * `renderRunnerSecurityGroupRules`: egress is the allowlist and nothing else. The options are
 * planned and the rules checked in the model (`model/aws/network.ts`); this component only wires
 * resources.
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
import { type AwsRunnerProfile } from "../model/aws-runner.ts";
import { type AwsScope } from "../model/aws-scope.ts";
import { type AwsRunnerNetworkOptions, type ResolvedAwsRunnerNetworkOptions, type RunnerSecurityGroups, type SecurityGroupPeer, type SecurityGroupRule, resolveAwsRunnerNetworkOptions, securityGroupRuleIssues } from "../model/aws/network.ts";
import { ConfigError } from "../model/issues.ts";
import { runnerTags } from "../render/aws/launch-template.ts";
import { type RunnerNetwork, renderRunnerNetwork, renderRunnerSecurityGroupRules } from "../render/aws/security-group.ts";

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
    const ruleIssues = securityGroupRuleIssues(rules);
    if (ruleIssues.length > 0) throw new ConfigError(ruleIssues, "AWS runner security group rules");
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
