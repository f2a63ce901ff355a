import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../issues.ts";
import { firstFreeSlash28, resolveAwsRunnerNetworkOptions, type RunnerSecurityGroups, securityGroupRuleIssues } from "./network.ts";

const blocks = { vpcCidr: "10.42.0.0/16", subnetCidr: "10.42.10.0/24" };
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues;
  }
  assert.fail("no ConfigError");
};

describe("NAT subnet slot", () => {
  it("is the first /28 of the VPC outside the runner subnet", () => {
    assert.equal(firstFreeSlash28("10.42.0.0/16", "10.42.10.0/24"), "10.42.0.0/28");
    assert.equal(firstFreeSlash28("10.42.0.0/24", "10.42.0.0/25"), "10.42.0.128/28");
    assert.equal(firstFreeSlash28("10.42.0.0/24", "10.42.0.0/24"), undefined, "the subnet fills the VPC");
    assert.equal(resolveAwsRunnerNetworkOptions(blocks).natSubnetCidr, "10.42.0.0/28");
  });

  it("says so, with the fix, when the runner subnet leaves no /28", () => {
    assert.deepEqual(issuesOf(() => resolveAwsRunnerNetworkOptions({ vpcCidr: "10.42.0.0/24", subnetCidr: "10.42.0.0/24" })), [
      { path: "natSubnetCidr", message: "the VPC 10.42.0.0/24 has no /28 left outside the runner subnet 10.42.0.0/24", fix: "widen the VPC or narrow the runner subnet so that a /28 is free for the NAT gateway, or set natSubnetCidr" },
    ]);
  });

  it("refuses a given block outside the VPC, over the runner subnet or of the wrong size, under the prefix it is given", () => {
    const at = (natSubnetCidr: string) => issuesOf(() => resolveAwsRunnerNetworkOptions(blocks, { natSubnetCidr }, "network."));
    assert.match(JSON.stringify(at("10.43.0.0/28")), /"path":"network\.natSubnetCidr","message":"10\.43\.0\.0\/28 does not lie inside the VPC 10\.42\.0\.0\/16","fix":"choose a block inside 10\.42\.0\.0\/16"/);
    assert.match(at("10.42.10.0/28")[0]!.message, /overlaps the runner subnet 10\.42\.10\.0\/24/);
    assert.match(at("10.42.0.0/30")[0]!.fix, /\/16 to \/28/);
    assert.equal(at("10.42.0.0/33")[0]!.path, "network.natSubnetCidr");
  });
});

describe("zone and private routes", () => {
  it("keeps a well-formed zone and routes, and refuses each problem at its key path", () => {
    const ok = resolveAwsRunnerNetworkOptions(blocks, { availabilityZone: "eu-west-1a", privateRoutes: [{ destinationCidrBlock: "10.20.0.0/16", vpcPeeringConnectionId: "pcx-0123456789abcdef0" }] });
    assert.deepEqual(ok, { natSubnetCidr: "10.42.0.0/28", availabilityZone: "eu-west-1a", privateRoutes: [{ destinationCidrBlock: "10.20.0.0/16", vpcPeeringConnectionId: "pcx-0123456789abcdef0" }] });
    const issues = issuesOf(() =>
      resolveAwsRunnerNetworkOptions(blocks, {
        availabilityZone: "west",
        privateRoutes: [
          { destinationCidrBlock: "0.0.0.0/0", transitGatewayId: "tgw-0123456789abcdef0" },
          { destinationCidrBlock: "10.42.0.0/20", transitGatewayId: "tgw-1", vpcPeeringConnectionId: "pcx-0123456789abcdef0" },
        ],
      }),
    );
    assert.deepEqual(issues.map((i) => i.path), ["availabilityZone", "privateRoutes[0].destinationCidrBlock", "privateRoutes[1].destinationCidrBlock", "privateRoutes[1]", "privateRoutes[1].transitGatewayId"]);
    assert.match(issues[1]!.fix, /route only the private network you need/);
    assert.match(issues[2]!.message, /overlaps the VPC 10\.42\.0\.0\/16/);
    assert.match(issues[3]!.fix, /exactly one of transitGatewayId \(tgw-\.\.\.\) or vpcPeeringConnectionId/);
  });
});

describe("security-group rule check", () => {
  const rule = (key: string, peer: RunnerSecurityGroups["runners"]["egress"][number]["peer"], ipProtocol = "tcp") => ({ key, description: key, ipProtocol: ipProtocol as "tcp", fromPort: 443, toPort: 443, peer });
  const groups = (egress: ReturnType<typeof rule>[], ingress: ReturnType<typeof rule>[] = []): RunnerSecurityGroups => ({ runners: { ingress, egress }, vpcEndpoints: { ingress: [], egress: [] } });

  it("passes the fence: one protocol per rule, no block that is every address", () => {
    assert.deepEqual(securityGroupRuleIssues(groups([rule("github", { cidrIpv4: "140.82.112.0/20" }), rule("s3", { prefixListId: "pl-0123456789abcdef0" }), rule("endpoints", { securityGroup: "vpc-endpoints" })])), []);
  });

  it("refuses every address (IPv4 and IPv6) and all protocols, naming group, direction and rule", () => {
    const issues = securityGroupRuleIssues(groups([rule("all-v4", { cidrIpv4: "0.0.0.0/0" }), rule("all-v6", { cidrIpv6: "::/0" })], [rule("any", { cidrIpv4: "192.0.2.0/24" }, "-1")]));
    assert.deepEqual(issues.map((i) => [i.path, i.message]), [
      ["runners.ingress.any", 'protocol "-1" is not tcp or udp'],
      ["runners.egress.all-v4", "0.0.0.0/0 is every address"],
      ["runners.egress.all-v6", "::/0 is every address"],
    ]);
    assert.ok(issues.every((i) => i.fix.length > 0));
  });
});
