import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { GET_ECR_LOGIN_TOKEN, PUBLISH_METRICS_TO_OWN_NAMESPACE, READ_OWN_INSTANCE_PARAMETER, READ_SHARED_VAULT_ROLE_ID, RUNNER_ROLE_STATEMENTS, renderRunnerRolePolicy, renderRunnerTrustPolicy, runnerIamNames } from "./iam-policy.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base";
const OUT = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/out";
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);
const sids = (over: Record<string, unknown> = {}) => renderRunnerRolePolicy(profile(over), scope).Statement.map((s) => s.Sid);

describe("runner IAM documents", () => {
  it("names the role ci-intel-runner-role", () => assert.equal(runnerIamNames(profile()).roleName, "ci-intel-runner-role"));

  it("trust policy lets only ec2.amazonaws.com assume the role", () => {
    assert.deepEqual(renderRunnerTrustPolicy(), { Version: "2012-10-17", Statement: [{ Sid: "AssumeRoleFromEc2Only", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] }] });
  });

  it("reads the shared role id by its exact name, and its own per-instance parameter only through the instance tag", () => {
    assert.deepEqual(READ_SHARED_VAULT_ROLE_ID.build({ profile: profile(), scope }).Resource, ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/role-id"]);
    const own = READ_OWN_INSTANCE_PARAMETER.build({ profile: profile(), scope });
    assert.deepEqual(own.Action, ["ssm:GetParameter"]);
    assert.deepEqual(own.Resource, ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/*"]);
    assert.deepEqual(own.Condition, { StringEquals: { "aws:ResourceTag/runner-fleet:instance-arn": "${ec2:SourceInstanceARN}" } });
    const broker = profile({ jitConfigMintedBy: "broker" });
    assert.deepEqual(READ_OWN_INSTANCE_PARAMETER.build({ profile: broker, scope }).Resource, ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/jit-config/*"]);
    assert.ok(!renderRunnerRolePolicy(broker, scope).Statement.some((s) => s.Sid === "ReadSharedVaultRoleId"), "a broker-minted runner never logs in to Vault");
  });

  it("limits metric publishing to its namespace with a condition", () => {
    assert.deepEqual(PUBLISH_METRICS_TO_OWN_NAMESPACE.build({ profile: profile(), scope }).Condition, { StringEquals: { "cloudwatch:namespace": "CI/IntelRunner" } });
  });

  it("a minimal profile gets parameters, logs and metrics only", () => {
    assert.deepEqual(sids(), ["ReadSharedVaultRoleId", "ReadOwnInstanceParameter", "WriteOwnRunnerLogs", "PublishMetricsToOwnNamespace"]);
  });

  it("ECR pull repositories add the login token and the pull statement, no push", () => {
    const doc = renderRunnerRolePolicy(profile({ ecr: { pullRepositoryArns: [REPO] } }), scope);
    assert.deepEqual(doc.Statement.map((s) => s.Sid), ["ReadSharedVaultRoleId", "ReadOwnInstanceParameter", "WriteOwnRunnerLogs", "PublishMetricsToOwnNamespace", "GetEcrLoginToken", "PullListedEcrRepositories"]);
    assert.deepEqual(doc.Statement.find((s) => s.Sid === "PullListedEcrRepositories")?.Resource, [REPO]);
    assert.deepEqual(GET_ECR_LOGIN_TOKEN.build({ profile: profile(), scope }).Resource, ["*"]);
  });

  it("push is granted only on the push repositories", () => {
    const doc = renderRunnerRolePolicy(profile({ trustLevel: "trusted", ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] } }), scope);
    const push = doc.Statement.find((s) => s.Sid === "PushListedEcrRepositories");
    assert.deepEqual(push?.Resource, [OUT]);
    assert.ok(push?.Action.includes("ecr:PutImage"));
    assert.ok(doc.Statement.filter((s) => s.Sid !== "PushListedEcrRepositories").every((s) => !s.Action.includes("ecr:PutImage")));
  });

  it("Session Manager statements appear only when enabled", () => {
    assert.ok(!sids().some((s) => s.includes("SessionManager")));
    assert.deepEqual(sids({ sessionManager: true }).filter((s) => s.includes("SessionManager")), ["RegisterWithSessionManager", "OpenSessionManagerChannels", "ExchangeSessionManagerMessages"]);
  });

  it("kms:Decrypt only with a customer-managed key, and only via SSM", () => {
    assert.ok(!sids().includes("DecryptSsmSecureStringsViaSsmOnly"));
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
    const s = renderRunnerRolePolicy(profile({ ssm: { kmsKeyArn: key } }), scope).Statement.find((x) => x.Sid === "DecryptSsmSecureStringsViaSsmOnly");
    assert.deepEqual(s?.Resource, [key]);
    assert.deepEqual(s?.Condition, { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } });
  });

  it("no statement grants a wildcard action, or Resource \"*\" without a reason in its name", () => {
    for (const named of RUNNER_ROLE_STATEMENTS) assert.match(named.why, /\w/, `${named.sid} says why`);
    const all = renderRunnerRolePolicy(profile({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] } }), scope);
    for (const s of all.Statement) {
      assert.ok(s.Action.every((a) => !a.includes("*")), `${s.Sid} has a wildcard action`);
      if (s.Resource?.includes("*")) assert.ok(["PublishMetricsToOwnNamespace", "GetEcrLoginToken", "OpenSessionManagerChannels", "ExchangeSessionManagerMessages"].includes(s.Sid), `${s.Sid} uses Resource "*"`);
    }
  });
});
