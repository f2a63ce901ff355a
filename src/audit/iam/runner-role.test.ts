import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerRolePolicy, renderRunnerTrustPolicy } from "../../render/aws/iam-policy.ts";
import { auditRunnerRole, auditRunnerRoleDocuments, simulateRunnerRequest, type IamExpectation } from "./runner-role.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base";
const OUT = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/out";
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);
const full = profile({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab" } });
const decide = (p: typeof full, e: Omit<IamExpectation, "name" | "expect">) => simulateRunnerRequest(renderRunnerRolePolicy(p, scope), scope, p.roleName, { name: "x", expect: "Allowed", ...e });
const param = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`;

describe("runner role audit", () => {
  it("the rendered documents of a minimal and a full profile have no finding", async () => {
    assert.deepEqual(await auditRunnerRole(profile(), scope), []);
    assert.deepEqual(await auditRunnerRole(full, scope), []);
  });

  it("allows GetParameter on its own parameter, PutLogEvents and ECR pull", async () => {
    assert.equal(await decide(full, { action: "ssm:GetParameter", resource: param("/ci-intel/runner/registration-token") }), "Allowed");
    assert.equal(await decide(full, { action: "logs:PutLogEvents", resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ci-intel/runner:log-stream:i-1" }), "Allowed");
    assert.equal(await decide(full, { action: "ecr:BatchGetImage", resource: REPO }), "Allowed");
    assert.equal(await decide(full, { action: "ecr:GetAuthorizationToken", resource: "*" }), "Allowed");
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
      "ssm:GetParameter on arn:aws:ssm:us-east-1:123456789012:parameter/ci-intel/runner/registration-token",
    ]);
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
