// Component tests: AwsRunnerNetwork, AwsRunnerIam, AwsRunnerFleet and VaultRunnerAppRole under
// Pulumi mocks, recording every resource, every provider function call and its inputs.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, promiseOf, recordingMocks, settled, type Registered } from "../../test/pulumi-mocks.ts";
import { AWS_RUNNER_FLEET_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type AwsRunnerProfileInput, resolveAwsRunnerProfile } from "../model/aws-runner.ts";
import { resolveAwsScope } from "../model/aws-scope.ts";
import { renderRunnerRolePolicy, renderRunnerTrustPolicy } from "../render/aws/iam-policy.ts";
import { renderRunnerPermissionsBoundary } from "../render/aws/runner-boundary.ts";
import { decodeUserData, renderRunnerUserData } from "../render/aws/user-data.ts";
import { renderVaultRunnerPolicy, vaultPolicyHcl } from "../render/vault/policy.ts";
import { auditRunnerRoleDocuments } from "../audit/iam/index.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let registered: Registered[] = [];
let calls: { token: string; inputs: Obj }[] = [];


const AMI_ID = "ami-0fedcba9876543210";
const S3_PREFIX_LIST = "pl-6da54004";
const ROLE_ID_CANARY = "CANARY-role-id-5b1f0c2e";

before(async () => {
  ({ registered, calls } = await recordingMocks("aws-runners-test", {
    state: (r) => {
      if (r.type === "aws:ec2/launchTemplate:LaunchTemplate") return { latestVersion: 3 };
      if (r.type === "aws:iam/role:Role") return { arn: `arn:aws:iam::123456789012:role/${String(r.inputs["name"])}` };
      if (r.type === "aws:iam/instanceProfile:InstanceProfile") return { arn: `arn:aws:iam::123456789012:instance-profile/${String(r.inputs["name"])}` };
      if (r.type === "vault:appRole/authBackendRole:AuthBackendRole") return { roleId: ROLE_ID_CANARY };
      if (r.type === "aws:ec2/eip:Eip") return { publicIp: "203.0.113.10" };
      return undefined;
    },
    call: (token, inputs) => {
      if (token === "aws:ec2/getAmi:getAmi") return { ...inputs, id: AMI_ID, name: "ci-intel-runner-20260301120000", architecture: "x86_64", state: "available" };
      if (token === "aws:ec2/getPrefixList:getPrefixList") return { ...inputs, id: S3_PREFIX_LIST, cidrBlocks: ["52.218.0.0/17"] };
      if (token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/deployer", userId: "AIDAEXAMPLE" };
      return undefined;
    },
  }));
});


const BASE: AwsRunnerProfileInput = {
  githubUrl: "https://github.com/acme",
  egress: {
    allow: [
      { name: "github", cidrs: ["140.82.112.0/20", "143.55.64.0/20"] },
      { name: "registry", prefixListId: "pl-0123456789abcdef0" },
      { name: "vault", cidrs: ["10.20.0.10/32"], port: 8200 },
      { name: "ntp", cidrs: ["169.254.169.123/32"], port: 123, protocol: "udp" },
      { name: "mirror-v6", cidrs: ["2001:db8:10::/48"] },
    ],
  },
  vault: { address: "https://vault.internal.example:8200" },
};
const profileOf = (over: Partial<AwsRunnerProfileInput> = {}) => resolveAwsRunnerProfile({ ...BASE, ...over });
const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
let seq = 0;
/** A fresh, unique component name, and the resources registered under it. */
const fresh = (prefix: string) => `${prefix}${++seq}`;
const mine = (prefix: string, type?: string) => registered.filter((r) => (r.name === prefix || r.name.startsWith(`${prefix}-`)) && (type === undefined || r.type === type));

describe("AwsRunnerNetwork", async () => {
  const { AwsRunnerNetwork } = await import("./aws-runner-network.ts");

  it("makes a private runner subnet and a NAT subnet, neither handing out public addresses", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf(), scope });
    await settled(...c.egressRules, ...c.routes, ...c.routeTableAssociations, c.runnerSubnet, c.natSubnet, c.natGateway);
    const subnets = mine(n, "aws:ec2/subnet:Subnet");
    assert.deepEqual(subnets.map((s) => [s.name, s.inputs["cidrBlock"], s.inputs["mapPublicIpOnLaunch"]]).sort(), [[`${n}-nat`, "10.42.0.0/28", false], [`${n}-runners`, "10.42.10.0/24", false]]);
    const runnerAssoc = mine(n, "aws:ec2/routeTableAssociation:RouteTableAssociation").find((r) => r.inputs["subnetId"] === `${n}-runners-id`)!;
    const routes = mine(n, "aws:ec2/route:Route").filter((r) => r.inputs["routeTableId"] === runnerAssoc.inputs["routeTableId"]);
    // The runner subnet's only way out is the NAT gateway; no route to the internet gateway.
    assert.deepEqual(routes.map((r) => [r.inputs["destinationCidrBlock"], r.inputs["natGatewayId"], r.inputs["gatewayId"]]), [["0.0.0.0/0", `${n}-nat-id`, undefined]]);
    assert.equal(mine(n, "aws:ec2/vpc:Vpc")[0]!.inputs["enableDnsHostnames"], true);
  });

  it("creates security groups without inline rules and strips the VPC's default group", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf(), scope });
    await settled(...c.egressRules, ...c.ingressRules, c.defaultSecurityGroup);
    const groups = mine(n, "aws:ec2/securityGroup:SecurityGroup");
    assert.deepEqual(groups.map((g) => g.inputs["name"]).sort(), ["ci-intel-runner-runners", "ci-intel-runner-vpc-endpoints"]);
    for (const g of groups) {
      assert.equal(g.inputs["ingress"], undefined, g.name);
      assert.equal(g.inputs["egress"], undefined, g.name);
      assert.equal(g.inputs["revokeRulesOnDelete"], true, g.name);
    }
    const dflt = mine(n, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    assert.equal(dflt.length, 1);
    assert.deepEqual([dflt[0]!.inputs["ingress"], dflt[0]!.inputs["egress"]], [undefined, undefined]);
    assert.equal(dflt[0]!.inputs["vpcId"], `${n}-vpc-id`);
  });

  it("allows egress to the allowlist and the VPC endpoints only: one rule per block, never every protocol or address", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf(), scope });
    await settled(...c.egressRules, ...c.ingressRules);
    const egress = mine(n, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
    const runners = `${n}-runners-id`;
    const endpoints = `${n}-vpc-endpoints-id`;
    const shape = (r: Registered) => [r.inputs["securityGroupId"], r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"] ?? r.inputs["cidrIpv6"] ?? r.inputs["prefixListId"] ?? `sg:${String(r.inputs["referencedSecurityGroupId"])}`];
    assert.deepEqual(egress.map(shape).sort(), [
      [runners, "tcp", 443, 443, "140.82.112.0/20"],
      [runners, "tcp", 443, 443, "143.55.64.0/20"],
      [runners, "tcp", 443, 443, "2001:db8:10::/48"],
      [runners, "tcp", 443, 443, S3_PREFIX_LIST],
      [runners, "tcp", 443, 443, "pl-0123456789abcdef0"],
      [runners, "tcp", 443, 443, `sg:${endpoints}`],
      [runners, "tcp", 8200, 8200, "10.20.0.10/32"],
      [runners, "udp", 123, 123, "169.254.169.123/32"],
    ].sort());
    for (const r of egress) {
      assert.ok(r.inputs["ipProtocol"] === "tcp" || r.inputs["ipProtocol"] === "udp", r.name);
      assert.notEqual(r.inputs["cidrIpv4"], "0.0.0.0/0", r.name);
      assert.notEqual(r.inputs["cidrIpv6"], "::/0", r.name);
    }
    // The S3 gateway prefix list is looked up by its regional name.
    assert.ok(calls.some((x) => x.token === "aws:ec2/getPrefixList:getPrefixList" && x.inputs["name"] === "com.amazonaws.eu-west-1.s3"));
    // No ingress to the runners; the endpoints admit HTTPS from the runner group only.
    const ingress = mine(n, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.deepEqual(ingress.map(shape), [[endpoints, "tcp", 443, 443, `sg:${runners}`]]);
    // Interface endpoints sit in the runner subnet behind the endpoint group; S3 is a gateway on the private route table.
    const vpce = mine(n, "aws:ec2/vpcEndpoint:VpcEndpoint");
    assert.deepEqual(vpce.map((e) => e.inputs["serviceName"]).sort(), ["ec2messages", "ecr.api", "ecr.dkr", "logs", "s3", "ssm", "ssmmessages"].map((s) => `com.amazonaws.eu-west-1.${s}`).sort());
    for (const e of vpce.filter((x) => x.inputs["vpcEndpointType"] === "Interface")) assert.deepEqual([e.inputs["subnetIds"], e.inputs["securityGroupIds"], e.inputs["privateDnsEnabled"]], [[`${n}-runners-id`], [endpoints], true]);
    assert.deepEqual(vpce.find((e) => e.inputs["vpcEndpointType"] === "Gateway")!.inputs["routeTableIds"], [`${n}-private-id`]);
  });

  it("admits SSH only from ssh.allowedCidrs, on tcp 22", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf({ ssh: { allowedCidrs: ["192.0.2.0/28", "2001:db8:ffff::/64"] } }), scope });
    await settled(...c.ingressRules);
    const ssh = mine(n, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs["securityGroupId"] === `${n}-runners-id`);
    assert.deepEqual(ssh.map((r) => [r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"] ?? r.inputs["cidrIpv6"]]).sort(), [["tcp", 22, 22, "192.0.2.0/28"], ["tcp", 22, 22, "2001:db8:ffff::/64"]]);
  });

  it("in nat mode creates no endpoints and no endpoint group; egress is the allowlist alone", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf({ egress: { mode: "nat", allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] } }), scope });
    await settled(...c.egressRules, c.runnerSecurityGroup);
    assert.equal(c.endpointSecurityGroup, undefined);
    assert.deepEqual(mine(n, "aws:ec2/vpcEndpoint:VpcEndpoint"), []);
    assert.deepEqual(mine(n, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => [r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["cidrIpv4"]]), [["tcp", 443, "140.82.112.0/20"]]);
    assert.deepEqual(mine(n, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), []);
  });

  it("routes private networks (e.g. Vault) through a transit gateway, named by the option", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf(), scope, natSubnetCidr: "10.42.255.240/28", availabilityZone: "eu-west-1b", privateRoutes: [{ destinationCidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }] });
    await settled(...c.routes, c.natSubnet);
    const route = mine(n, "aws:ec2/route:Route").find((r) => r.inputs["destinationCidrBlock"] === "10.20.0.0/16")!;
    assert.deepEqual([route.inputs["routeTableId"], route.inputs["transitGatewayId"]], [`${n}-private-id`, "tgw-0123456789abcdef0"]);
    assert.deepEqual(mine(n, "aws:ec2/subnet:Subnet").map((s) => [s.inputs["cidrBlock"], s.inputs["availabilityZone"]]).sort(), [["10.42.10.0/24", "eu-west-1b"], ["10.42.255.240/28", "eu-west-1b"]]);
  });

  it("parents every child to the component under a stable type token", async () => {
    const n = fresh("net");
    const c = new AwsRunnerNetwork(n, { profile: profileOf(), scope });
    const urns = await Promise.all([c.urn, c.vpc.urn, c.runnerSecurityGroup.urn, c.egressRules[0]!.urn].map(promiseOf));
    assert.equal(urns[0], `urn:pulumi:test::aws-runners-test::runner-fleet:aws:AwsRunnerNetwork::${n}`);
    for (const u of urns.slice(1)) assert.match(u, /::runner-fleet:aws:AwsRunnerNetwork\$aws:/);
  });

  it("refuses bad network options, naming each key, before registering anything", () => {
    const n = fresh("net");
    assert.throws(
      () => new AwsRunnerNetwork(n, { profile: profileOf(), scope, natSubnetCidr: "10.42.10.0/28", availabilityZone: "west", privateRoutes: [{ destinationCidrBlock: "0.0.0.0/0" }] }),
      (e: Error) =>
        e.name === "ConfigError" &&
        /natSubnetCidr: 10\.42\.10\.0\/28 overlaps the runner subnet 10\.42\.10\.0\/24\. Fix: choose a block/.test(e.message) &&
        /availabilityZone: "west" is not an availability zone name\. Fix:/.test(e.message) &&
        /privateRoutes\[0\]\.destinationCidrBlock: 0\.0\.0\.0\/0 would send all traffic.*Fix: route only/.test(e.message) &&
        /privateRoutes\[0\]: names no target\. Fix: give exactly one of transitGatewayId/.test(e.message),
    );
    assert.throws(() => new AwsRunnerNetwork(n, { profile: profileOf(), scope, natSubnetCidr: "10.43.0.0/28" }), /natSubnetCidr: 10\.43\.0\.0\/28 does not lie inside the VPC 10\.42\.0\.0\/16/);
    assert.deepEqual(mine(n), []);
  });

  it("refuses a profile that bypassed the resolver and allows every address", () => {
    const n = fresh("net");
    const good = profileOf();
    const bad = { ...good, egress: { ...good.egress, allow: [{ name: "all", protocol: "tcp" as const, port: 443, cidrs: ["0.0.0.0/0"] }] } };
    assert.throws(() => new AwsRunnerNetwork(n, { profile: bad, scope }), (e: Error) => e.name === "ConfigError" && /runners\.egress\.allow-all-0-0-0-0-0: 0\.0\.0\.0\/0 is every address/.test(e.message));
    assert.deepEqual(mine(n), []);
  });
});

describe("AwsRunnerIam", async () => {
  const { AwsRunnerIam } = await import("./aws-runner-iam.ts");

  it("creates role ci-intel-runner-role, trusted by EC2 only, with exactly the rendered permission policy and boundary, and nothing attached", async () => {
    const n = fresh("iam");
    const profile = profileOf({ ecr: { pullRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/base"] } });
    const c = new AwsRunnerIam(n, { profile, scope });
    await settled(c.instanceProfile, c.rolePolicy);
    const role = mine(n, "aws:iam/role:Role");
    assert.equal(role.length, 1);
    assert.equal(role[0]!.inputs["name"], "ci-intel-runner-role");
    assert.deepEqual(JSON.parse(role[0]!.inputs["assumeRolePolicy"] as string), renderRunnerTrustPolicy());
    const policies = mine(n, "aws:iam/rolePolicy:RolePolicy");
    assert.equal(policies.length, 1);
    assert.deepEqual([policies[0]!.inputs["name"], policies[0]!.inputs["role"]], ["ci-intel-runner-policy", "ci-intel-runner-role"]);
    const attached = JSON.parse(policies[0]!.inputs["policy"] as string);
    assert.deepEqual(attached, renderRunnerRolePolicy(profile, scope));
    assert.deepEqual(attached.Statement.map((s: Obj) => s["Sid"]), ["ReadSharedVaultRoleId", "ReadOwnInstanceParameter", "WriteOwnRunnerLogs", "PublishMetricsToOwnNamespace", "GetEcrLoginToken", "PullListedEcrRepositories"]);
    assert.deepEqual(mine(n, "aws:iam/instanceProfile:InstanceProfile").map((p) => [p.inputs["name"], p.inputs["role"]]), [["ci-intel-runner-role", "ci-intel-runner-role"]]);
    assert.deepEqual(registered.filter((r) => r.name.startsWith(n) && /rolePolicyAttachment|policyAttachment/.test(r.type)), []);
    const boundary = mine(n, "aws:iam/policy:Policy");
    assert.deepEqual(boundary.map((p) => p.inputs["name"]), ["ci-intel-runner-boundary"]);
    assert.deepEqual(JSON.parse(boundary[0]!.inputs["policy"] as string), renderRunnerPermissionsBoundary(profile, scope));
    assert.equal(role[0]!.inputs["permissionsBoundary"], "arn:aws:iam::123456789012:policy/ci-intel-runner-boundary", "named by the ARN the policy is created under");
    assert.equal(await promiseOf(c.instanceProfileArn), "arn:aws:iam::123456789012:instance-profile/ci-intel-runner-role");
  });

  it("attaches documents that pass the offline IAM audit (grammar, actions, simulations)", async () => {
    const n = fresh("iam");
    const profile = profileOf({ sessionManager: true });
    const c = new AwsRunnerIam(n, { profile, scope });
    await settled(c.rolePolicy, c.role);
    const trustPolicy = JSON.parse(mine(n, "aws:iam/role:Role")[0]!.inputs["assumeRolePolicy"] as string);
    const permissionPolicy = JSON.parse(mine(n, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs["policy"] as string);
    assert.ok(permissionPolicy.Statement.some((s: Obj) => s["Sid"] === "RegisterWithSessionManager"));
    assert.deepEqual(await auditRunnerRoleDocuments(profile, scope, { trustPolicy, permissionPolicy }), []);
  });

  it("a boundary the account requires replaces the rendered one", async () => {
    const n = fresh("iam");
    const c = new AwsRunnerIam(n, { profile: profileOf(), scope, permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/org-boundary" });
    await settled(c.role);
    assert.equal(mine(n, "aws:iam/role:Role")[0]!.inputs["permissionsBoundary"], "arn:aws:iam::123456789012:policy/org-boundary");
    assert.deepEqual([mine(n, "aws:iam/policy:Policy"), c.boundaryPolicy, c.permissionsBoundary], [[], undefined, undefined]);
  });

  it("refuses a malformed permissions boundary, naming the key", () => {
    const n = fresh("iam");
    assert.throws(() => new AwsRunnerIam(n, { profile: profileOf(), scope, permissionsBoundaryArn: "ci-boundary" }), /permissionsBoundaryArn: is not an IAM policy ARN\. Fix: give the ARN/);
    assert.deepEqual(mine(n), []);
  });
});

describe("AwsRunnerFleet", async () => {
  const { AwsRunnerFleet } = await import("./aws-runner-fleet.ts");
  const wiring = { subnetId: "subnet-0aaa", securityGroupId: "sg-0bbb", instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/ci-intel-runner-role" };

  it("launches IMDSv2-only instances (hop limit 1) with an encrypted root volume deleted on termination and no public address", async () => {
    const n = fresh("fleet");
    const profile = profileOf();
    const c = new AwsRunnerFleet(n, { profile, ...wiring });
    await settled(c.autoScalingGroup, c.launchTemplate);
    const lt = mine(n, "aws:ec2/launchTemplate:LaunchTemplate")[0]!.inputs;
    assert.deepEqual(lt["metadataOptions"], { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, httpProtocolIpv6: "disabled", instanceMetadataTags: "disabled" });
    assert.deepEqual(lt["blockDeviceMappings"], [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", deleteOnTermination: "true", volumeType: "gp3", volumeSize: 100 } }]);
    assert.deepEqual(lt["networkInterfaces"], [{ deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true", securityGroups: ["sg-0bbb"] }]);
    assert.equal(lt["instanceInitiatedShutdownBehavior"], "terminate");
    assert.deepEqual(lt["cpuOptions"], { nestedVirtualization: "enabled" });
    assert.deepEqual(lt["iamInstanceProfile"], { arn: wiring.instanceProfileArn });
    assert.equal(lt["instanceType"], "c8i.2xlarge");
    assert.equal(decodeUserData(lt["userData"] as string), renderRunnerUserData(profile));
  });

  it("looks the image up by name filter and owner, and launches the most recent match", async () => {
    const n = fresh("fleet");
    calls.length = 0;
    const c = new AwsRunnerFleet(n, { profile: profileOf(), ...wiring });
    await settled(c.launchTemplate);
    assert.equal(await promiseOf(c.imageId), AMI_ID);
    assert.equal(mine(n, "aws:ec2/launchTemplate:LaunchTemplate")[0]!.inputs["imageId"], AMI_ID);
    const lookup = calls.filter((x) => x.token === "aws:ec2/getAmi:getAmi");
    assert.equal(lookup.length, 1);
    assert.deepEqual([lookup[0]!.inputs["mostRecent"], lookup[0]!.inputs["owners"]], [true, ["self"]]);
    assert.deepEqual(lookup[0]!.inputs["filters"], [{ name: "name", values: ["ci-intel-runner-*"] }, { name: "state", values: ["available"] }, { name: "architecture", values: ["x86_64"] }]);
  });

  it("uses a fixed image id without a lookup, and sets no CPU option on bare metal", async () => {
    const n = fresh("fleet");
    calls.length = 0;
    const c = new AwsRunnerFleet(n, { profile: profileOf({ ami: { id: "ami-0123456789abcdef0" }, instanceType: "c5.metal" }), ...wiring });
    await settled(c.launchTemplate);
    const lt = mine(n, "aws:ec2/launchTemplate:LaunchTemplate")[0]!.inputs;
    assert.equal(lt["imageId"], "ami-0123456789abcdef0");
    assert.equal(lt["cpuOptions"], undefined);
    assert.deepEqual(calls.filter((x) => x.token === "aws:ec2/getAmi:getAmi"), []);
  });

  it("sizes the group from the profile, in the runner subnet, on the template's numbered latest version, refreshing on change", async () => {
    const n = fresh("fleet");
    const c = new AwsRunnerFleet(n, { profile: profileOf({ capacity: { min: 1, max: 6, desired: 2 } }), ...wiring });
    await settled(c.autoScalingGroup);
    const g = mine(n, "aws:autoscaling/group:Group")[0]!.inputs;
    assert.deepEqual([g["name"], g["minSize"], g["maxSize"], g["desiredCapacity"], g["vpcZoneIdentifiers"]], ["ci-intel-runner", 1, 6, 2, ["subnet-0aaa"]]);
    assert.deepEqual(g["launchTemplate"], { id: `${n}-template-id`, version: "3" });
    assert.deepEqual(g["instanceRefresh"], { strategy: "Rolling", preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, skipMatching: true, instanceWarmup: "60" } });
    assert.deepEqual(g["suspendedProcesses"], ["AZRebalance"]);
    assert.deepEqual((g["initialLifecycleHooks"] as Obj[]).map((h) => [h["lifecycleTransition"], h["defaultResult"], h["heartbeatTimeout"]]), [
      ["autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON", AWS_RUNNER_FLEET_DEFAULTS.lifecycleHookTimeoutSeconds],
      ["autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE", AWS_RUNNER_FLEET_DEFAULTS.lifecycleHookTimeoutSeconds],
    ]);
    assert.deepEqual(mine(n, "aws:cloudwatch/logGroup:LogGroup").map((l) => [l.inputs["name"], l.inputs["retentionInDays"]]), [["/ci-intel/runner", 30]]);
  });

  it("leaves the refresh and the hooks out when switched off, and keeps the root volume on a given key", async () => {
    const n = fresh("fleet");
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const c = new AwsRunnerFleet(n, { profile: profileOf(), ...wiring, instanceRefresh: false, lifecycleHooks: false, ebsKmsKeyId: key, logRetentionDays: 90 });
    await settled(c.autoScalingGroup, c.logGroup);
    const g = mine(n, "aws:autoscaling/group:Group")[0]!.inputs;
    assert.deepEqual([g["instanceRefresh"], g["initialLifecycleHooks"]], [undefined, undefined]);
    assert.equal((mine(n, "aws:ec2/launchTemplate:LaunchTemplate")[0]!.inputs["blockDeviceMappings"] as Obj[])[0]!["ebs"].kmsKeyId, key);
    assert.equal(mine(n, "aws:cloudwatch/logGroup:LogGroup")[0]!.inputs["retentionInDays"], 90);
  });

  it("offers one runner pool per Auto Scaling group: GitHub on EC2, the labels runs-on matches, the group's size, one job per VM", async () => {
    const n = fresh("fleet");
    const c = new AwsRunnerFleet(n, { profile: profileOf({ labels: ["self-hosted", "build-fips", "Linux"], capacity: { min: 1, max: 6, desired: 2 } }), ...wiring });
    await settled(c.autoScalingGroup);
    const g = mine(n, "aws:autoscaling/group:Group")[0]!.inputs;
    assert.deepEqual(c.pools, [{ name: g["name"], forge: "github", substrate: "ec2", labels: ["self-hosted", "build-fips", "Linux"], min: g["minSize"], max: g["maxSize"], oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme" } }]);
    // GitHub's implicit labels are added when the profile leaves them out.
    const bare = new AwsRunnerFleet(fresh("fleet"), { profile: profileOf({ labels: ["build-fips"] }), ...wiring });
    assert.deepEqual(bare.pools.map((p) => [p.labels, p.min, p.max]), [[["build-fips", "self-hosted", "linux"], 0, 4]]);
  });

  it("refuses a retention CloudWatch does not accept and a malformed key, naming both", () => {
    const n = fresh("fleet");
    assert.throws(
      () => new AwsRunnerFleet(n, { profile: profileOf(), ...wiring, logRetentionDays: 31, ebsKmsKeyId: "my-key" }),
      (e: Error) => /logRetentionDays: 31 is not a retention period CloudWatch Logs accepts\. Fix: use one of 1, 3/.test(e.message) && /ebsKmsKeyId: is not a KMS key id/.test(e.message),
    );
    assert.deepEqual(mine(n), []);
  });
});

describe("VaultRunnerAppRole", async () => {
  const { VaultRunnerAppRole } = await import("./vault-runner-approle.ts");

  it("writes policy ci-runner from the renderer's HCL", async () => {
    const n = fresh("vault");
    const profile = profileOf();
    const c = new VaultRunnerAppRole(n, { profile });
    await settled(c.roleIdParameter, c.appRole, c.policy);
    const policy = mine(n, "vault:index/policy:Policy");
    assert.deepEqual(policy.map((p) => [p.inputs["name"], p.inputs["policy"]]), [["ci-runner", vaultPolicyHcl(renderVaultRunnerPolicy(profile))]]);
  });

  it("creates AppRole ci-intel-runner with single-use 15-minute secret ids and 15/30-minute tokens bound to the runner subnet", async () => {
    const n = fresh("vault");
    const c = new VaultRunnerAppRole(n, { profile: profileOf({ subnetCidr: "10.42.20.0/24" }) });
    await settled(c.appRole);
    const role = mine(n, "vault:appRole/authBackendRole:AuthBackendRole");
    assert.equal(role.length, 1);
    const { __defaults: _, ...inputs } = role[0]!.inputs;
    assert.deepEqual(inputs, {
      backend: "approle",
      roleName: "ci-intel-runner",
      bindSecretId: true,
      secretIdTtl: 900,
      secretIdNumUses: 1,
      secretIdBoundCidrs: ["10.42.20.0/24"],
      tokenTtl: 900,
      tokenMaxTtl: 1800,
      tokenBoundCidrs: ["10.42.20.0/24"],
      tokenPolicies: ["ci-runner"],
      tokenNoDefaultPolicy: true,
    });
  });

  it("stores the role id in the SecureString /ci-intel/runner/role-id as a secret, never in plain text", async () => {
    const n = fresh("vault");
    const opts: Record<string, pulumi.CustomResourceOptions> = {};
    const c = new VaultRunnerAppRole(n, { profile: profileOf() }, { transformations: [(a) => { opts[a.type] = a.opts as pulumi.CustomResourceOptions; return undefined; }] });
    await settled(c.roleIdParameter);
    const param = mine(n, "aws:ssm/parameter:Parameter");
    assert.equal(param.length, 1);
    assert.deepEqual([param[0]!.inputs["name"], param[0]!.inputs["type"], param[0]!.inputs["keyId"]], ["/ci-intel/runner/role-id", "SecureString", undefined]);
    const value = param[0]!.inputs["value"];
    assert.ok(isSecretEnvelope(value), "the parameter value is a Pulumi secret");
    assert.equal(value.value, ROLE_ID_CANARY);
    assert.equal(await pulumi.isSecret(c.roleId), true);
    assert.deepEqual(opts["vault:appRole/authBackendRole:AuthBackendRole"]?.additionalSecretOutputs, ["roleId"]);
    // Outside the secret envelope, the role id appears in no recorded input.
    const plain = JSON.stringify(registered.map((r) => r.inputs), (_k, v: unknown) => (isSecretEnvelope(v) ? "[secret]" : v));
    assert.ok(!plain.includes(ROLE_ID_CANARY));
  });

  it("encrypts the role id with the profile's customer-managed key when one is set", async () => {
    const n = fresh("vault");
    const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const c = new VaultRunnerAppRole(n, { profile: profileOf({ ssm: { kmsKeyArn } }) });
    await settled(c.roleIdParameter);
    assert.equal(mine(n, "aws:ssm/parameter:Parameter")[0]!.inputs["keyId"], kmsKeyArn);
  });

  it("registers under the stable type token with every child parented to it", async () => {
    const n = fresh("vault");
    const c = new VaultRunnerAppRole(n, { profile: profileOf() });
    const urns = await Promise.all([c.urn, c.policy.urn, c.appRole.urn, c.roleIdParameter.urn].map(promiseOf));
    assert.equal(urns[0], `urn:pulumi:test::aws-runners-test::runner-fleet:vault:VaultRunnerAppRole::${n}`);
    for (const u of urns.slice(1)) assert.match(u, /::runner-fleet:vault:VaultRunnerAppRole\$(vault|aws):/);
  });
});
