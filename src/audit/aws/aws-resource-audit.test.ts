// The AWS audit as a whole: areas in order (IAM, Lambda, security groups, launch templates), every
// claim with the field it rests on, exceptions as explicit data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auditAwsResources, hasAwsResources } from "./aws-resource-audit.ts";

const template = {
  type: "aws:ec2/launchTemplate:LaunchTemplate",
  name: "fleet",
  inputs: {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
    networkInterfaces: [{ associatePublicIpAddress: "false" }],
    instanceInitiatedShutdownBehavior: "terminate",
  },
};
const policy = (name: string, Statement: unknown[]) => ({ type: "aws:iam/rolePolicy:RolePolicy", name, inputs: { policy: JSON.stringify({ Version: "2012-10-17", Statement }) } });
const https = { type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name: "out", inputs: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS anywhere" } };
const permission = { type: "aws:lambda/permission:Permission", name: "invoke", inputs: { action: "lambda:InvokeFunction", principal: "events.amazonaws.com" } };

test("claims come area by area, each with its resource, field and verdict; the audit fails when one does", async () => {
  const audit = await auditAwsResources([template, https, permission, policy("ok", [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "arn:aws:ssm:eu-west-1:123456789012:parameter/x" }]), { type: "kubernetes:v1:ConfigMap", name: "ignored", inputs: {} }]);
  assert.deepEqual([...new Set(audit.checks.map((c) => c.area))], ["iam", "lambda", "security-group", "launch-template"]);
  assert.ok(audit.checks.every((c) => c.field.startsWith(`${c.resource} `) || c.area === "iam"), "a field names its resource");
  assert.equal(audit.pass, false);
  assert.deepEqual(audit.checks.filter((c) => !c.pass).map((c) => c.field), ["Permission invoke sourceArn", "Permission invoke sourceAccount", "SecurityGroupEgressRule out cidrIpv4"]);
});

test("a documented exception lets internet egress pass, saying why", async () => {
  const audit = await auditAwsResources([https], { openEgressExceptions: [{ description: "HTTPS anywhere", protocol: "tcp", port: 443, reason: "mirrors without published ranges" }] });
  assert.equal(audit.pass, true);
  assert.match(audit.checks[1]!.message, /documented exception "HTTPS anywhere": mirrors without published ranges/);
});

test("IAM: unknown actions and Action \"*\" fail, naming the statement", async () => {
  const audit = await auditAwsResources([policy("typo", [{ Effect: "Allow", Action: ["ssm:GetParameterz"], Resource: "*" }]), policy("star", [{ Effect: "Allow", Action: "ssm:GetParameter", Resource: "*" }, { Effect: "Allow", Action: "*", Resource: "*" }])]);
  assert.deepEqual(audit.checks.filter((c) => !c.pass).map((c) => [c.resource, c.check, c.field]), [
    ["RolePolicy typo", "actions exist", "RolePolicy typo policy.Statement[0].Action[0]"],
    ["RolePolicy star", 'no Action "*"', "RolePolicy star policy.Statement[1]"],
  ]);
});

test("only stacks with AWS resources get the AWS checks", () => {
  assert.equal(hasAwsResources([{ type: "kubernetes:apps/v1:Deployment", name: "x", inputs: {} }]), false);
  assert.equal(hasAwsResources([template]), true);
});
