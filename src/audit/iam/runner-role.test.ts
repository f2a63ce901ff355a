import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerRolePolicy, renderRunnerTrustPolicy } from "../../render/aws/iam-policy.ts";
import { auditRunnerRole, auditRunnerRoleDocuments, EXAMPLE_INSTANCE_ID, instanceRequestContext, OTHER_INSTANCE_ID, simulateRunnerRequest, type IamExpectation } from "./runner-role.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base";
const OUT = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/out";
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);
const full = profile({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab" } });
const decide = (p: typeof full, e: Omit<IamExpectation, "name" | "expect">) => simulateRunnerRequest(renderRunnerRolePolicy(p, scope), scope, p.roleName, { name: "x", expect: "Allowed", ...e });
const param = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`;
/** A request from EXAMPLE_INSTANCE_ID's role credentials on a parameter tagged for `owner`. */
const from = (owner?: string) => instanceRequestContext(scope, EXAMPLE_INSTANCE_ID, owner);
const broker = profile({ jitConfigMintedBy: "broker" });

describe("runner role audit", () => {
  it("the rendered documents of a minimal, a full and a broker-minted profile have no finding", async () => {
    assert.deepEqual(await auditRunnerRole(profile(), scope), []);
    assert.deepEqual(await auditRunnerRole(full, scope), []);
    assert.deepEqual(await auditRunnerRole(broker, scope), []);
  });

  it("allows its own wrapped secret id, the shared role id, PutLogEvents and ECR pull", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/wrapped-secret-id/${EXAMPLE_INSTANCE_ID}`), context: from(EXAMPLE_INSTANCE_ID) }), "Allowed");
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param("/ci-intel/runner/role-id"), context: from() }), "Allowed");
    assert.equal(await decide(full, { action: "logs:PutLogEvents", resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ci-intel/runner:log-stream:i-1" }), "Allowed");
    assert.equal(await decide(full, { action: "ecr:BatchGetImage", resource: REPO }), "Allowed");
    assert.equal(await decide(full, { action: "ecr:GetAuthorizationToken", resource: "*" }), "Allowed");
  });

  it("denies another instance's wrapped secret id", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/wrapped-secret-id/${OTHER_INSTANCE_ID}`), context: from(OTHER_INSTANCE_ID) }), "Denied");
  });

  it("denies a wrapped secret id that carries no instance tag", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/wrapped-secret-id/${OTHER_INSTANCE_ID}`), context: from() }), "Denied");
  });

  it("denies reading the wrapped secret ids by path, or several at once", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParametersByPath", resource: param("/ci-intel/runner/wrapped-secret-id"), context: from() }), "Denied");
    assert.equal(await decide(full, { action: "ssm:GetParameters", resource: param(`/ci-intel/runner/wrapped-secret-id/${OTHER_INSTANCE_ID}`), context: from(OTHER_INSTANCE_ID) }), "Denied");
  });

  it("denies re-tagging another instance's parameter as its own", async () => {
    assert.equal(await decide(full, { action: "ssm:AddTagsToResource", resource: param(`/ci-intel/runner/wrapped-secret-id/${OTHER_INSTANCE_ID}`), context: from(OTHER_INSTANCE_ID) }), "Denied");
  });

  it("denies any other parameter path, inside and outside the runner path", async () => {
    for (const name of ["/ci-intel/runner/other", "/ci-intel/runner/jit-config/" + EXAMPLE_INSTANCE_ID, "/prod/db/password"]) {
      assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param(name), context: from(EXAMPLE_INSTANCE_ID) }), "Denied", name);
    }
  });

  it("denies IAM changes (iam:*)", async () => {
    for (const [action, resource] of [["iam:CreateUser", "arn:aws:iam::123456789012:user/x"], ["iam:PassRole", "arn:aws:iam::123456789012:role/admin"], ["iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/ci-intel-runner-role"], ["iam:PutRolePolicy", "arn:aws:iam::123456789012:role/ci-intel-runner-role"], ["iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin"]] as const) {
      assert.equal(await decide(full, { action, resource, context: from() }), "Denied", action);
    }
  });

  it("denies role assumption (sts:AssumeRole)", async () => {
    assert.equal(await decide(full, { action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/admin", context: from() }), "Denied");
    assert.equal(await decide(full, { action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/ci-intel-runner-role", context: from() }), "Denied");
  });

  it("broker-minted runners: their own JIT configuration only, no Vault role id, no wrapped secret id", async () => {
    assert.equal(await decide(broker, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/jit-config/${EXAMPLE_INSTANCE_ID}`), context: from(EXAMPLE_INSTANCE_ID) }), "Allowed");
    assert.equal(await decide(broker, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/jit-config/${OTHER_INSTANCE_ID}`), context: from(OTHER_INSTANCE_ID) }), "Denied");
    assert.equal(await decide(broker, { action: "ssm:GetParameter", resource: param("/ci-intel/runner/role-id"), context: from() }), "Denied");
    assert.equal(await decide(broker, { action: "ssm:GetParameter", resource: param(`/ci-intel/runner/wrapped-secret-id/${EXAMPLE_INSTANCE_ID}`), context: from(EXAMPLE_INSTANCE_ID) }), "Denied");
  });

  it("a policy variable in the resource would not work: SSM requests carry no ec2:InstanceID, so the instance could not even read its own", async () => {
    const byVariable = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/${ec2:InstanceID}"] }] };
    const own = { name: "x", action: "ssm:GetParameter", resource: param(`/ci-intel/runner/wrapped-secret-id/${EXAMPLE_INSTANCE_ID}`), context: { ...from(), "ec2:InstanceID": EXAMPLE_INSTANCE_ID }, expect: "Allowed" as const };
    assert.equal(await simulateRunnerRequest(byVariable, scope, "r", own), "Denied", "the simulator ignores ec2:InstanceID on ssm:GetParameter");
  });

  it("denies another parameter, sts:AssumeRole, IAM changes and push to a repository not listed", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param("/prod/db/password") }), "Denied");
    assert.equal(await decide(full, { action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/admin" }), "Denied");
    for (const action of ["iam:CreateUser", "iam:PassRole", "iam:AttachRolePolicy"]) {
      assert.equal(await decide(full, { action, resource: action === "iam:CreateUser" ? "arn:aws:iam::123456789012:user/x" : "arn:aws:iam::123456789012:role/admin" }), "Denied", action);
    }
    assert.equal(await decide(full, { action: "ecr:PutImage", resource: REPO }), "Denied");
    assert.equal(await decide(full, { action: "ecr:PutImage", resource: "arn:aws:ecr:eu-west-1:123456789012:repository/elsewhere" }), "Denied");
    assert.equal(await decide(full, { action: "ecr:PutImage", resource: OUT }), "Allowed");
  });

  it("finds an over-broad permission policy", async () => {
    const permissionPolicy = { Version: "2012-10-17", Statement: [...renderRunnerRolePolicy(full, scope).Statement, { Sid: "TooMuch", Effect: "Allow", Action: ["ssm:GetParameter", "iam:PassRole"], Resource: ["*"] }] };
    const findings = await auditRunnerRoleDocuments(full, scope, { trustPolicy: renderRunnerTrustPolicy(), permissionPolicy });
    assert.deepEqual(findings.map((f) => f.path).sort(), [
      "iam:PassRole on arn:aws:iam::123456789012:role/admin",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/jit-config/i-0123456789abcdef0",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/other",
      // Another instance's, tagged for it and untagged.
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/i-0fedcba9876543210",
      "ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/i-0fedcba9876543210",
      "ssm:GetParameter on arn:aws:ssm:us-east-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0",
    ].sort());
    assert.ok(findings.every((f) => f.check === "simulation" && /must be denied, but the simulation says Allowed/.test(f.message)));
  });

  it("finds a trust policy that lets anyone in the account assume the role", async () => {
    const trustPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }, ...renderRunnerTrustPolicy().Statement] };
    const findings = await auditRunnerRoleDocuments(profile(), scope, { trustPolicy, permissionPolicy: renderRunnerRolePolicy(profile(), scope) });
    assert.deepEqual(findings.map((f) => f.path), ["sts:AssumeRole by arn:aws:iam::123456789012:user/administrator"]);
  });

  it("finds unknown actions and grammar errors", async () => {
    const permissionPolicy = { Version: "2012-10-17", Statement: [{ Sid: "Typo", Effect: "Allow", Action: ["ssm:GetParamater"], Resource: ["*"] }] };
    const findings = await auditRunnerRoleDocuments(profile(), scope, { trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }, permissionPolicy });
    assert.ok(findings.some((f) => f.check === "unknown-action" && /GetParamater/.test(f.message)));
    assert.ok(findings.some((f) => f.check === "syntax" && f.policy.endsWith("trust policy")));
  });
});
