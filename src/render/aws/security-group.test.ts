import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerNetwork, renderRunnerSecurityGroupRules } from "./security-group.ts";

const scope = { region: "eu-west-1" };
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({
    githubUrl: "https://github.com/acme",
    egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20", "2606:50c0::/32"] }, { name: "registry", prefixListId: "pl-0123456789abcdef0" }, { name: "ntp", cidrs: ["169.254.169.123/32"], port: 123, protocol: "udp" }] },
    vault: { address: "https://vault.example:8200" },
    ...over,
  } as AwsRunnerProfileInput);

describe("runner security groups and network", () => {
  it("egress is exactly the allowlist plus the VPC endpoints, never all protocols or 0.0.0.0/0", () => {
    const { runners } = renderRunnerSecurityGroupRules(profile(), scope);
    assert.deepEqual(
      runners.egress.map((r) => [r.key, r.ipProtocol, r.fromPort, r.toPort, r.peer]),
      [
        ["allow-github-140-82-112-0-20", "tcp", 443, 443, { cidrIpv4: "140.82.112.0/20" }],
        ["allow-github-2606-50c0-32", "tcp", 443, 443, { cidrIpv6: "2606:50c0::/32" }],
        ["allow-registry", "tcp", 443, 443, { prefixListId: "pl-0123456789abcdef0" }],
        ["allow-ntp-169-254-169-123-32", "udp", 123, 123, { cidrIpv4: "169.254.169.123/32" }],
        ["aws-interface-endpoints", "tcp", 443, 443, { securityGroup: "vpc-endpoints" }],
        ["aws-gateway-s3", "tcp", 443, 443, { awsServicePrefixList: { service: "s3", name: "com.amazonaws.eu-west-1.s3" } }],
      ],
    );
  });
  it("rule keys are unique", () => {
    const { runners, vpcEndpoints } = renderRunnerSecurityGroupRules(profile({ ssh: { allowedCidrs: ["192.0.2.0/24", "198.51.100.0/24"] } }), scope);
    for (const list of [runners.egress, runners.ingress, vpcEndpoints.ingress]) assert.equal(new Set(list.map((r) => r.key)).size, list.length);
  });
  it("no ingress by default; SSH only from the listed blocks", () => {
    assert.deepEqual(renderRunnerSecurityGroupRules(profile(), scope).runners.ingress, []);
    const { ingress } = renderRunnerSecurityGroupRules(profile({ ssh: { allowedCidrs: ["192.0.2.0/24"] } }), scope).runners;
    assert.deepEqual(ingress.map((r) => [r.ipProtocol, r.fromPort, r.toPort, r.peer]), [["tcp", 22, 22, { cidrIpv4: "192.0.2.0/24" }]]);
  });
  it("endpoints mode creates the six interface endpoints and the S3 gateway; their group admits HTTPS from the runners only", () => {
    const net = renderRunnerNetwork(profile(), scope);
    assert.deepEqual(net.endpoints.map((e) => [e.serviceName, e.vpcEndpointType]), [
      ["com.amazonaws.eu-west-1.ssm", "Interface"],
      ["com.amazonaws.eu-west-1.ssmmessages", "Interface"],
      ["com.amazonaws.eu-west-1.ec2messages", "Interface"],
      ["com.amazonaws.eu-west-1.logs", "Interface"],
      ["com.amazonaws.eu-west-1.ecr.api", "Interface"],
      ["com.amazonaws.eu-west-1.ecr.dkr", "Interface"],
      ["com.amazonaws.eu-west-1.s3", "Gateway"],
    ]);
    assert.deepEqual(renderRunnerSecurityGroupRules(profile(), scope).vpcEndpoints.ingress.map((r) => [r.fromPort, r.peer]), [[443, { securityGroup: "runners" }]]);
    assert.equal(net.mapPublicIpOnLaunch, false);
  });
  it("the secret-id broker adds the Auto Scaling interface endpoint, in endpoints mode only", () => {
    const added = (p: ReturnType<typeof profile>) => renderRunnerNetwork(p, scope, { secretIdBroker: true }).endpoints.filter((e) => !renderRunnerNetwork(p, scope).endpoints.some((x) => x.serviceName === e.serviceName));
    assert.deepEqual(added(profile()), [{ serviceName: "com.amazonaws.eu-west-1.autoscaling", vpcEndpointType: "Interface", privateDnsEnabled: true }]);
    assert.deepEqual(added(profile({ egress: { mode: "nat", allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] } })), []);
  });
  it("nat mode creates no endpoints and no endpoint rules", () => {
    const p = profile({ egress: { mode: "nat", allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] } });
    assert.deepEqual(renderRunnerNetwork(p, scope).endpoints, []);
    const sg = renderRunnerSecurityGroupRules(p, scope);
    assert.deepEqual(sg.runners.egress.map((r) => r.key), ["allow-github-140-82-112-0-20"]);
    assert.deepEqual(sg.vpcEndpoints.ingress, []);
  });
});
