// The runner role's permissions boundary: the runner's own resources at most, IAM and role
// assumption denied outright; its statements follow the profile.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateIdentityPolicy } from "@cloud-copilot/iam-policy";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { RUNNER_BOUNDARY_STATEMENTS, renderRunnerPermissionsBoundary, runnerBoundaryArn, runnerBoundaryName } from "./runner-boundary.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base";
const OUT = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/out";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profile = (over: Partial<AwsRunnerProfileInput> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over });

describe("runner permissions boundary", () => {
  it("is the policy ci-intel-runner-boundary, named by an ARN known before it exists", () => {
    assert.equal(runnerBoundaryName(profile()), "ci-intel-runner-boundary");
    assert.equal(runnerBoundaryArn(profile(), resolveAwsScope({ region: "cn-north-1", accountId: "123456789012", partition: "aws-cn" })), "arn:aws-cn:iam::123456789012:policy/ci-intel-runner-boundary");
  });

  it("caps parameters at ssm.path, logs at the runner's group, metrics at its namespace, and denies IAM and role assumption", () => {
    const doc = renderRunnerPermissionsBoundary(profile(), scope);
    assert.deepEqual(doc.Statement.map((s) => [s.Sid, s.Effect, s.Resource]), [
      ["BoundParameterReadsToRunnerPath", "Allow", ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/*"]],
      ["BoundLogsToRunnerLogGroup", "Allow", ["arn:aws:logs:eu-west-1:123456789012:log-group:/ci-intel/runner:log-stream:*"]],
      ["BoundMetricsToRunnerNamespace", "Allow", ["*"]],
      ["DenyIamRoleAssumptionAndOrganizations", "Deny", ["*"]],
    ]);
    assert.deepEqual(doc.Statement[2]!.Condition, { StringEquals: { "cloudwatch:namespace": "CI/IntelRunner" } });
    assert.deepEqual(doc.Statement[3]!.Action, ["iam:*", "organizations:*", "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken"]);
  });

  it("adds the listed repositories, Session Manager and the KMS key only when the profile uses them", () => {
    const full = renderRunnerPermissionsBoundary(profile({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { kmsKeyArn: KEY } }), scope);
    assert.deepEqual(full.Statement.map((s) => s.Sid), RUNNER_BOUNDARY_STATEMENTS.map((s) => s.sid));
    assert.deepEqual(full.Statement.find((s) => s.Sid === "BoundEcrToListedRepositories")!.Resource, [REPO, OUT]);
    assert.deepEqual(full.Statement.find((s) => s.Sid === "BoundDecryptToSsm")!.Condition, { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } });
  });

  it("is a valid identity policy for every profile shape", () => {
    for (const p of [profile(), profile({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { kmsKeyArn: KEY } })]) {
      assert.deepEqual(validateIdentityPolicy(renderRunnerPermissionsBoundary(p, scope)), []);
    }
  });
});
