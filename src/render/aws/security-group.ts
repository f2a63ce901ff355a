/**
 * The runners' network: VPC endpoints and the security-group rules, as plain rule lists. Create
 * each rule as its own `aws.vpc.SecurityGroupIngressRule` / `SecurityGroupEgressRule` on groups
 * that have no inline rules (mixing both silently drops rules), and let the provider remove
 * AWS's default allow-all egress rule: the only egress is what is listed here.
 */
import type { AwsRunnerProfile, AwsScope } from "../../model/aws-runner.ts";
import { AWS_GATEWAY_ENDPOINT_SERVICES, AWS_INTERFACE_ENDPOINT_SERVICES } from "../../model/aws-runner.ts";
import type { RunnerSecurityGroups, SecurityGroupPeer, SecurityGroupRule } from "../../model/aws/network.ts";

const cidrPeer = (cidr: string): SecurityGroupPeer => (cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr });
const slug = (cidr: string) => cidr.replace(/[^0-9a-f]+/gi, "-").replace(/-+$/, "");

/** The security-group rules of the runner and VPC-endpoint groups. */
export function renderRunnerSecurityGroupRules(profile: AwsRunnerProfile, scope: Pick<AwsScope, "region">): RunnerSecurityGroups {
  const egress: SecurityGroupRule[] = [];
  for (const rule of profile.egress.allow) {
    const base = { ipProtocol: rule.protocol, fromPort: rule.port, toPort: rule.port };
    if (rule.prefixListId !== undefined) {
      egress.push({ key: `allow-${rule.name}`, description: `egress allowlist: ${rule.name}`, ...base, peer: { prefixListId: rule.prefixListId } });
    }
    for (const cidr of rule.cidrs) {
      egress.push({ key: `allow-${rule.name}-${slug(cidr)}`, description: `egress allowlist: ${rule.name}`, ...base, peer: cidrPeer(cidr) });
    }
  }
  const endpoints = profile.egress.mode === "endpoints";
  if (endpoints) {
    egress.push({ key: "aws-interface-endpoints", description: "AWS APIs through the VPC interface endpoints", ipProtocol: "tcp", fromPort: 443, toPort: 443, peer: { securityGroup: "vpc-endpoints" } });
    for (const service of AWS_GATEWAY_ENDPOINT_SERVICES) {
      egress.push({ key: `aws-gateway-${service}`, description: `${service} through the VPC gateway endpoint (ECR image layers)`, ipProtocol: "tcp", fromPort: 443, toPort: 443, peer: { awsServicePrefixList: { service, name: `com.amazonaws.${scope.region}.${service}` } } });
    }
  }
  const ingress: SecurityGroupRule[] = profile.sshAllowedCidrs.map((cidr) => ({ key: `ssh-${slug(cidr)}`, description: "SSH from an allowed block", ipProtocol: "tcp", fromPort: 22, toPort: 22, peer: cidrPeer(cidr) }));
  return {
    runners: { ingress, egress },
    vpcEndpoints: {
      ingress: endpoints ? [{ key: "https-from-runners", description: "HTTPS from the runners", ipProtocol: "tcp", fromPort: 443, toPort: 443, peer: { securityGroup: "runners" } }] : [],
      egress: [],
    },
  };
}

export interface VpcEndpointSpec {
  /** Full service name, e.g. `com.amazonaws.eu-west-1.ssm`. */
  readonly serviceName: string;
  readonly vpcEndpointType: "Interface" | "Gateway";
  /** Interface endpoints answer the public service name inside the VPC. */
  readonly privateDnsEnabled?: boolean;
}

/** The runners' VPC, subnet and (in `endpoints` mode) the endpoints the AWS API calls go through. */
export interface RunnerNetwork {
  readonly vpcCidr: string;
  readonly subnetCidr: string;
  /** Runners never get a public address. */
  readonly mapPublicIpOnLaunch: false;
  readonly endpoints: readonly VpcEndpointSpec[];
}

/** Interface endpoint of the Auto Scaling API, through which the secret-id broker completes lifecycle actions. */
export const SECRET_ID_BROKER_ENDPOINT_SERVICES = ["autoscaling"] as const;

/**
 * The network; `options.secretIdBroker` adds the Auto Scaling endpoint the broker (a function in
 * the runner subnet) needs in `endpoints` mode.
 */
export function renderRunnerNetwork(profile: AwsRunnerProfile, scope: Pick<AwsScope, "region">, options: { readonly secretIdBroker?: boolean } = {}): RunnerNetwork {
  const interfaces = [...AWS_INTERFACE_ENDPOINT_SERVICES, ...(options.secretIdBroker === true ? SECRET_ID_BROKER_ENDPOINT_SERVICES : [])];
  const endpoints: VpcEndpointSpec[] =
    profile.egress.mode === "endpoints"
      ? [
          ...interfaces.map((s): VpcEndpointSpec => ({ serviceName: `com.amazonaws.${scope.region}.${s}`, vpcEndpointType: "Interface", privateDnsEnabled: true })),
          ...AWS_GATEWAY_ENDPOINT_SERVICES.map((s): VpcEndpointSpec => ({ serviceName: `com.amazonaws.${scope.region}.${s}`, vpcEndpointType: "Gateway" })),
        ]
      : [];
  return { vpcCidr: profile.vpcCidr, subnetCidr: profile.subnetCidr, mapPublicIpOnLaunch: false, endpoints };
}
