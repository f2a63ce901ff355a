import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderSecretIdBrokerRolePolicy, renderSecretIdBrokerTrustPolicy, type SecretIdBrokerIamContext } from "../../render/aws/secret-id-broker-policies.ts";
import { auditSecretIdBrokerRole, auditSecretIdBrokerRoleDocuments } from "./secret-id-broker-role.ts";
import { EXAMPLE_INSTANCE_ID, OTHER_INSTANCE_ID, simulateRunnerRequest } from "./runner-role.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);
const ctx = (over: Partial<SecretIdBrokerIamContext> = {}): SecretIdBrokerIamContext => ({ profile: profile(), scope, autoScalingGroupName: "ci-intel-runner", inVpc: false, ...over });
const param = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`;
const decide = (c: SecretIdBrokerIamContext, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  simulateRunnerRequest(renderSecretIdBrokerRolePolicy(c), scope, "ci-intel-runner-sid-broker", { name: "x", action, resource, context, expect: "Allowed" });
const WRAPPED = param(`/ci-intel/runner/wrapped-secret-id/${EXAMPLE_INSTANCE_ID}`);
/** A PutParameter with the instance tag, as the broker sends it. */
const TAGGED = { "aws:TagKeys": ["runner-fleet:instance-arn"], "aws:RequestTag/runner-fleet:instance-arn": `arn:aws:ec2:eu-west-1:123456789012:instance/${EXAMPLE_INSTANCE_ID}` };

describe("secret-id broker role audit", () => {
  it("the rendered documents pass grammar, action and simulation checks, in and out of a VPC, with and without a customer key", async () => {
    assert.deepEqual(await auditSecretIdBrokerRole(ctx()), []);
    assert.deepEqual(await auditSecretIdBrokerRole(ctx({ inVpc: true, profile: profile({ ssm: { kmsKeyArn: KEY } }) })), []);
  });

  it("writes tagged wrapped secret ids and deletes them", async () => {
    assert.equal(await decide(ctx(), "ssm:PutParameter", WRAPPED, TAGGED), "Allowed");
    assert.equal(await decide(ctx(), "ssm:AddTagsToResource", WRAPPED, TAGGED), "Allowed");
    assert.equal(await decide(ctx(), "ssm:DeleteParameter", WRAPPED), "Allowed");
  });

  it("denies reading its own wrapped secret ids, and another instance's", async () => {
    assert.equal(await decide(ctx(), "ssm:GetParameter", WRAPPED), "Denied");
    assert.equal(await decide(ctx(), "ssm:GetParameter", param(`/ci-intel/runner/wrapped-secret-id/${OTHER_INSTANCE_ID}`)), "Denied");
    assert.equal(await decide(ctx(), "ssm:GetParametersByPath", param("/ci-intel/runner/wrapped-secret-id")), "Denied");
  });

  it("denies tags other than the instance tag", async () => {
    assert.equal(await decide(ctx(), "ssm:PutParameter", WRAPPED, { "aws:TagKeys": ["Owner"], "aws:RequestTag/Owner": "me" }), "Denied");
  });

  it("denies any other parameter path, the role id included", async () => {
    for (const [action, name] of [["ssm:PutParameter", "/ci-intel/runner/role-id"], ["ssm:GetParameter", "/ci-intel/runner/role-id"], ["ssm:PutParameter", "/ci-intel/runner/other"], ["ssm:PutParameter", "/prod/db/password"], ["ssm:GetParameter", "/prod/db/password"], ["ssm:PutParameter", `/ci-intel/runner/jit-config/${EXAMPLE_INSTANCE_ID}`]] as const) {
      assert.equal(await decide(ctx(), action, param(name), TAGGED), "Denied", `${action} ${name}`);
    }
  });

  it("a broker that mints JIT configurations writes those, and no wrapped secret id", async () => {
    const jit = ctx({ profile: profile({ jitConfigMintedBy: "broker" }) });
    assert.deepEqual(await auditSecretIdBrokerRole(jit), []);
    assert.equal(await decide(jit, "ssm:PutParameter", param(`/ci-intel/runner/jit-config/${EXAMPLE_INSTANCE_ID}`), TAGGED), "Allowed");
    assert.equal(await decide(jit, "ssm:GetParameter", param(`/ci-intel/runner/jit-config/${EXAMPLE_INSTANCE_ID}`)), "Denied");
    assert.equal(await decide(jit, "ssm:PutParameter", WRAPPED, TAGGED), "Denied");
  });

  it("completes lifecycle actions of the runner group only", async () => {
    const group = (n: string) => `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b:autoScalingGroupName/${n}`;
    assert.equal(await decide(ctx(), "autoscaling:CompleteLifecycleAction", group("ci-intel-runner")), "Allowed");
    assert.equal(await decide(ctx(), "autoscaling:CompleteLifecycleAction", group("ci-intel-runner-2")), "Denied");
  });

  it("denies IAM changes (iam:*)", async () => {
    for (const [action, resource] of [["iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin"], ["iam:PutRolePolicy", "arn:aws:iam::123456789012:role/ci-intel-runner-sid-broker"], ["iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/ci-intel-runner-role"], ["iam:PassRole", "arn:aws:iam::123456789012:role/admin"], ["iam:CreateUser", "arn:aws:iam::123456789012:user/x"]] as const) {
      assert.equal(await decide(ctx(), action, resource), "Denied", action);
    }
  });

  it("denies role assumption (sts:AssumeRole)", async () => {
    assert.equal(await decide(ctx(), "sts:AssumeRole", "arn:aws:iam::123456789012:role/admin"), "Denied");
    assert.equal(await decide(ctx(), "sts:AssumeRole", "arn:aws:iam::123456789012:role/ci-intel-runner-role"), "Denied");
  });

  it("finds a policy that may read the wrapped secret ids, and a trust policy that admits EC2", async () => {
    const c = ctx();
    const permissionPolicy = { Version: "2012-10-17", Statement: [...renderSecretIdBrokerRolePolicy(c).Statement, { Sid: "ReadBack", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [param("/ci-intel/runner/*")] }] };
    const trustPolicy = { Version: "2012-10-17", Statement: [...renderSecretIdBrokerTrustPolicy().Statement, { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };
    const findings = await auditSecretIdBrokerRoleDocuments(c, { trustPolicy, permissionPolicy });
    assert.deepEqual(findings.map((f) => f.path).sort(), [
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/role-id",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/i-0fedcba9876543210",
      "sts:AssumeRole by ec2.amazonaws.com",
    ]);
    assert.ok(findings.every((f) => f.check === "simulation" && /must be denied, but the simulation says Allowed/.test(f.message)));
  });

  it("finds a network-interface grant on a function outside any VPC", async () => {
    const inVpc = renderSecretIdBrokerRolePolicy(ctx({ inVpc: true }));
    const findings = await auditSecretIdBrokerRoleDocuments(ctx(), { trustPolicy: renderSecretIdBrokerTrustPolicy(), permissionPolicy: inVpc });
    assert.deepEqual(findings.map((f) => f.path), ["ec2:CreateNetworkInterface on arn:aws:ec2:eu-west-1:123456789012:network-interface/*"]);
  });
});
