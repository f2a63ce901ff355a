import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, SECRET_ID_BROKER_VAULT_DEFAULTS, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { vaultPolicyHcl } from "../vault/policy.ts";
import {
  COMPLETE_RUNNER_LIFECYCLE_ACTIONS,
  renderSecretIdBrokerRolePolicy,
  renderSecretIdBrokerTrustPolicy,
  renderSecretIdBrokerVaultPolicy,
  renderSecretIdBrokerVaultRole,
  SECRET_ID_BROKER_STATEMENTS,
  WRITE_PER_INSTANCE_PARAMETERS,
  type SecretIdBrokerIamContext,
} from "./secret-id-broker-policies.ts";
import { secretIdBrokerNames } from "./secret-id-broker-names.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);
const ctx = (over: Partial<SecretIdBrokerIamContext> = {}): SecretIdBrokerIamContext => ({ profile: profile(), scope, autoScalingGroupName: "ci-intel-runner", inVpc: false, ...over });

describe("secret-id broker IAM documents", () => {
  it("names everything <profile>-sid-broker, within the 64 characters of Lambda and IAM names", () => {
    assert.deepEqual(secretIdBrokerNames(profile()), {
      functionName: "ci-intel-runner-sid-broker",
      roleName: "ci-intel-runner-sid-broker",
      policyName: "ci-intel-runner-sid-broker-policy",
      logGroupName: "/aws/lambda/ci-intel-runner-sid-broker",
      ruleName: "ci-intel-runner-sid-broker",
      vaultRoleName: "ci-intel-runner-sid-broker",
      vaultPolicyName: "ci-intel-runner-sid-broker",
    });
    assert.ok(secretIdBrokerNames({ name: "a".repeat(52) }).functionName.length <= 64);
  });

  it("trust policy lets only lambda.amazonaws.com assume the role", () => {
    assert.deepEqual(renderSecretIdBrokerTrustPolicy(), { Version: "2012-10-17", Statement: [{ Sid: "AssumeRoleFromLambdaOnly", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: ["sts:AssumeRole"] }] });
  });

  it("writes, tags and deletes parameters only below the per-instance prefix, with the instance tag only, and completes actions of the runner group only", () => {
    const write = { Sid: "WritePerInstanceParameters", Effect: "Allow", Action: ["ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:PutParameter"], Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["runner-fleet:instance-arn"] } } };
    assert.deepEqual(WRITE_PER_INSTANCE_PARAMETERS.build(ctx()), { ...write, Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/*"] });
    assert.deepEqual(WRITE_PER_INSTANCE_PARAMETERS.build(ctx({ profile: profile({ jitConfigMintedBy: "broker" }) })), { ...write, Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/jit-config/*"] });
    assert.deepEqual(COMPLETE_RUNNER_LIFECYCLE_ACTIONS.build(ctx()).Resource, ["arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/ci-intel-runner"]);
  });

  it("adds kms:Encrypt via SSM only with a customer key, and the network-interface statement only in a VPC", () => {
    const sids = (c: SecretIdBrokerIamContext) => renderSecretIdBrokerRolePolicy(c).Statement.map((s) => s.Sid);
    assert.deepEqual(sids(ctx()), ["WritePerInstanceParameters", "CompleteRunnerLifecycleActions", "WriteOwnBrokerLogs", "ProveIdentityToVault"]);
    const full = renderSecretIdBrokerRolePolicy(ctx({ inVpc: true, profile: profile({ ssm: { kmsKeyArn: KEY } }) }));
    assert.deepEqual(full.Statement.map((s) => s.Sid), ["WritePerInstanceParameters", "EncryptSecureStringsViaSsmOnly", "CompleteRunnerLifecycleActions", "WriteOwnBrokerLogs", "ProveIdentityToVault", "ManageFunctionNetworkInterfaces"]);
    assert.deepEqual(full.Statement[1], { Sid: "EncryptSecureStringsViaSsmOnly", Effect: "Allow", Action: ["kms:Encrypt"], Resource: [KEY], Condition: { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } } });
  });

  it("no statement grants a wildcard action, or Resource \"*\" without a reason in its name", () => {
    for (const s of SECRET_ID_BROKER_STATEMENTS) assert.match(s.why, /\w/, `${s.sid} says why`);
    for (const s of renderSecretIdBrokerRolePolicy(ctx({ inVpc: true, profile: profile({ ssm: { kmsKeyArn: KEY } }) })).Statement) {
      assert.ok(s.Action.every((a) => !a.includes("*")), `${s.Sid} has a wildcard action`);
      if (s.Resource?.includes("*")) assert.ok(["ProveIdentityToVault", "ManageFunctionNetworkInterfaces"].includes(s.Sid), `${s.Sid} uses Resource "*"`);
      assert.ok(!s.Action.some((a) => /^ssm:Get|^kms:Decrypt|^iam:|^sts:AssumeRole/.test(a)), `${s.Sid} reads secrets or changes identities`);
    }
  });
});

describe("secret-id broker Vault documents", () => {
  it("the Vault policy allows only update on the runner AppRole's secret-id path", () => {
    const policy = renderSecretIdBrokerVaultPolicy(profile());
    assert.deepEqual(policy.rules.map((r) => [r.path, r.capabilities]), [["auth/approle/role/ci-intel-runner/secret-id", ["update"]]]);
    assert.match(vaultPolicyHcl(policy), /^path "auth\/approle\/role\/ci-intel-runner\/secret-id" \{\n {2}capabilities = \["update"\]\n\}$/m);
    assert.deepEqual(renderSecretIdBrokerVaultPolicy(profile({ name: "gpu", vault: { address: "https://vault.example:8200", approle: { mountPath: "ci-approle" } } })).rules[0]!.path, "auth/ci-approle/role/gpu/secret-id");
  });

  it("a broker that mints JIT configurations may mint GitHub App tokens, and issue no secret id", () => {
    const policy = renderSecretIdBrokerVaultPolicy(profile({ jitConfigMintedBy: "broker" }));
    assert.deepEqual(policy.rules.map((r) => [r.path, r.capabilities]), [["github/token", ["update"]]]);
  });

  it("the Vault AWS auth role is of type iam, bound to the broker role ARN, with short tokens carrying only the broker policy", () => {
    assert.deepEqual(renderSecretIdBrokerVaultRole(profile(), scope, { backend: "aws", tokenBoundCidrs: ["10.42.10.0/24"] }), {
      backend: "aws",
      role: "ci-intel-runner-sid-broker",
      authType: "iam",
      boundIamPrincipalArns: ["arn:aws:iam::123456789012:role/ci-intel-runner-sid-broker"],
      resolveAwsUniqueIds: true,
      tokenPolicies: ["ci-intel-runner-sid-broker"],
      tokenNoDefaultPolicy: true,
      tokenTtl: SECRET_ID_BROKER_VAULT_DEFAULTS.tokenTtl,
      tokenMaxTtl: SECRET_ID_BROKER_VAULT_DEFAULTS.tokenMaxTtl,
      tokenBoundCidrs: ["10.42.10.0/24"],
    });
    assert.deepEqual([SECRET_ID_BROKER_VAULT_DEFAULTS.tokenTtl, SECRET_ID_BROKER_VAULT_DEFAULTS.tokenMaxTtl], [120, 300]);
    assert.deepEqual(renderSecretIdBrokerVaultRole(profile(), scope, { backend: "aws" }).tokenBoundCidrs, []);
  });
});
