// AWS checks over rendered resources: each failure names the field and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auditAwsResources, hasAwsResources } from "./aws-resource-audit.ts";

const good = {
  type: "aws:ec2/launchTemplate:LaunchTemplate",
  name: "fleet",
  inputs: {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
    networkInterfaces: [{ associatePublicIpAddress: "false" }],
    instanceInitiatedShutdownBehavior: "terminate",
  },
};

test("a hardened launch template passes every check", async () => {
  const audit = await auditAwsResources([good]);
  assert.equal(audit.pass, true);
  assert.equal(audit.checks.length, 5);
});

test("a launch template that exposes credentials or keeps data fails, each check naming the field and the fix", async () => {
  const bad = { ...good, inputs: { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }], networkInterfaces: [{ associatePublicIpAddress: "true" }], instanceInitiatedShutdownBehavior: "stop" } };
  const audit = await auditAwsResources([bad]);
  assert.equal(audit.pass, false);
  const failed = audit.checks.filter((c) => !c.pass).map((c) => c.message);
  assert.deepEqual(failed, [
    'metadataOptions.httpTokens is optional. Fix: set it to "required"',
    "metadataOptions.httpPutResponseHopLimit is 2. Fix: set it to 1",
    "/dev/xvda not encrypted. Fix: set ebs.encrypted to true",
    "a network interface gets a public address. Fix: set associatePublicIpAddress to false",
    'instanceInitiatedShutdownBehavior is stop. Fix: set it to "terminate" so a runner that powers off is gone',
  ]);
});

test("security group rules: open ingress and all-protocol or whole-internet egress fail", async () => {
  const audit = await auditAwsResources([
    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "ssh", inputs: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" } },
    { type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name: "all", inputs: { ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" } },
    { type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name: "github", inputs: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "140.82.112.0/20" } },
  ]);
  assert.deepEqual(audit.checks.map((c) => [c.resource, c.pass]), [["SecurityGroupIngressRule ssh", false], ["SecurityGroupEgressRule all", false], ["SecurityGroupEgressRule github", true]]);
  assert.match(audit.checks[0]!.message, /tcp 22-22 from anywhere\. Fix:/);
});

test("IAM: grammar, unknown actions and Action \"*\" are findings", async () => {
  const policy = (Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
  const audit = await auditAwsResources([
    { type: "aws:iam/rolePolicy:RolePolicy", name: "ok", inputs: { policy: policy([{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "arn:aws:ssm:eu-west-1:123456789012:parameter/x" }]) } },
    { type: "aws:iam/rolePolicy:RolePolicy", name: "typo", inputs: { policy: policy([{ Effect: "Allow", Action: ["ssm:GetParameterz"], Resource: "*" }]) } },
    { type: "aws:iam/rolePolicy:RolePolicy", name: "star", inputs: { policy: policy([{ Effect: "Allow", Action: "*", Resource: "*" }]) } },
    { type: "aws:iam/role:Role", name: "trust", inputs: { assumeRolePolicy: "{not json" } },
  ]);
  const failed = audit.checks.filter((c) => !c.pass).map((c) => `${c.resource}: ${c.check}: ${c.message}`);
  assert.equal(failed.length, 3, failed.join("\n"));
  assert.match(failed[0]!, /RolePolicy typo: policy: actions exist: Statement\[0\]\.Action\[0\]: action "ssm:GetParameterz" does not exist/);
  assert.match(failed[1]!, /RolePolicy star: policy: no Action "\*": Statement\[0\] allow every action\. Fix:/);
  assert.match(failed[2]!, /Role trust: assumeRolePolicy: JSON: assumeRolePolicy is not JSON\. Fix:/);
});

test("only stacks with AWS resources get the AWS checks", () => {
  assert.equal(hasAwsResources([{ type: "kubernetes:apps/v1:Deployment", name: "x", inputs: {} }]), false);
  assert.equal(hasAwsResources([good]), true);
});
