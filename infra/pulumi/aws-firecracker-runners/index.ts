// The aws-firecracker-runners stack: hardened ephemeral GitHub runners on EC2, all from stack config.
import { AwsRunnerFleet, AwsRunnerIam, AwsRunnerNetwork, SecretIdBroker, VaultRunnerAppRole, readAwsRunnerStackConfig, renderRunnerPrometheusRule } from "runner-fleet/aws";

const { profile, scope, network: networkOptions, iam: iamOptions, fleet: fleetOptions, broker: brokerOptions, tags } = readAwsRunnerStackConfig();

const network = new AwsRunnerNetwork("network", { profile, scope, ...networkOptions, secretIdBroker: fleetOptions.lifecycleHooks, tags });
const iam = new AwsRunnerIam("iam", { profile, scope, ...iamOptions, tags });
// The runners' Vault identity serves instances that mint their own JIT configuration; with
// jitConfigMintedBy: broker no instance talks to Vault.
const vaultRole = profile.github.mintedBy === "instance" ? new VaultRunnerAppRole("vault", { profile, tags }) : undefined;
// The launch hook abandons every instance whose wrapped secret id nobody delivers: with the hooks
// on, the broker answers them. It runs in the runner subnet (Vault is reached over privateRoutes,
// as the runners reach it) under the runner security group, whose only ingress is none; its Vault
// tokens work from that subnet only.
const broker = fleetOptions.lifecycleHooks
  ? new SecretIdBroker("broker", {
      profile,
      scope,
      vpc: { subnetIds: [network.runnerSubnetId], securityGroupIds: [network.runnerSecurityGroupId] },
      vaultTokenBoundCidrs: [profile.subnetCidr],
      ...brokerOptions,
      ...iamOptions,
      ...(fleetOptions.logRetentionDays === undefined ? {} : { logRetentionDays: fleetOptions.logRetentionDays }),
      tags,
    })
  : undefined;
// Instances read the role id at boot, and the broker's rule must exist before the first launch.
const fleet = new AwsRunnerFleet(
  "fleet",
  { profile, subnetId: network.runnerSubnetId, securityGroupId: network.runnerSecurityGroupId, instanceProfileArn: iam.instanceProfileArn, ...fleetOptions, tags },
  { dependsOn: [iam, ...(vaultRole === undefined ? [] : [vaultRole]), ...(broker === undefined ? [] : [broker])] },
);

export const runsOn = profile.labels;
/** The runner pools workflows can target (labels GitHub adds itself included); `runner-fleet guard` reads them. */
export const runnerPools = fleet.pools;
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
/** Who mints each runner's just-in-time configuration: the instance or the broker. */
export const jitConfigMintedBy = profile.github.mintedBy;
/** The runners' Vault policy, AppRole and role id parameter (undefined with jitConfigMintedBy: broker). */
export const vaultPolicy = vaultRole?.policyDocument.name;
export const vaultAppRole = vaultRole?.appRoleSettings.roleName;
export const roleIdParameter = vaultRole?.roleIdParameter.name;
/** The secret-id broker's function and its Vault AWS auth role (undefined with lifecycleHooks off). */
export const secretIdBrokerFunction = broker?.function.name;
export const secretIdBrokerVaultRole = broker?.vaultRoleSettings.role;
/** SHA-256 of the function's index.mjs and settings.json: what is deployed, stable across renders. */
export const secretIdBrokerCodeSha256 = broker?.codeSha256;
export const imageId = fleet.imageId;
export const launchTemplateId = fleet.launchTemplate.id;
export const autoScalingGroupName = fleet.autoScalingGroupName;
export const logGroupName = fleet.logGroup.name;
/** Alerting rules for the Prometheus operator; the same rules as monitoring/ec2-runner-alerts.rules.yaml. */
export const prometheusRule = renderRunnerPrometheusRule({ substrate: "ec2" });
