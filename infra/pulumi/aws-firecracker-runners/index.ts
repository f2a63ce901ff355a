// The aws-firecracker-runners stack: hardened ephemeral GitHub runners on EC2, all from stack config.
import { AwsRunnerFleet, AwsRunnerIam, AwsRunnerNetwork, VaultRunnerAppRole, readAwsRunnerStackConfig, renderRunnerPrometheusRule } from "runner-fleet";

const { profile, scope, network: networkOptions, iam: iamOptions, fleet: fleetOptions, tags } = readAwsRunnerStackConfig();

const network = new AwsRunnerNetwork("network", { profile, scope, ...networkOptions, tags });
const iam = new AwsRunnerIam("iam", { profile, scope, ...iamOptions, tags });
const vaultRole = new VaultRunnerAppRole("vault", { profile, tags });
// Instances read the role id at boot: the parameter exists before the first one starts.
const fleet = new AwsRunnerFleet(
  "fleet",
  { profile, subnetId: network.runnerSubnetId, securityGroupId: network.runnerSecurityGroupId, instanceProfileArn: iam.instanceProfileArn, ...fleetOptions, tags },
  { dependsOn: [vaultRole, iam] },
);

export const runsOn = profile.labels;
export const trustLevel = profile.trustLevel;
export const vpcId = network.vpcId;
export const runnerSubnetId = network.runnerSubnetId;
export const runnerSecurityGroupId = network.runnerSecurityGroupId;
/** The address runners' internet traffic leaves from (for allowlists on the other side). */
export const natPublicIp = network.natAddress.publicIp;
/** Every security-group rule, as rendered (the only ways in and out). */
export const securityGroupRules = network.rules;
export const roleArn = iam.roleArn;
export const instanceProfileArn = iam.instanceProfileArn;
export const vaultPolicy = vaultRole.policyDocument.name;
export const vaultAppRole = vaultRole.appRoleSettings.roleName;
export const roleIdParameter = vaultRole.roleIdParameter.name;
export const imageId = fleet.imageId;
export const launchTemplateId = fleet.launchTemplate.id;
export const autoScalingGroupName = fleet.autoScalingGroupName;
export const logGroupName = fleet.logGroup.name;
/** Alerting rules for the Prometheus operator; the same rules as monitoring/runner-alerts.rules.yaml. */
export const prometheusRule = renderRunnerPrometheusRule();
