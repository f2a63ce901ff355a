import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AWS_RUNNER_DEFAULTS } from "../aws-runner-defaults.ts";
import { resolveAwsRunnerProfile } from "../aws-runner.ts";
import { FORGES } from "../forge.ts";
import { awsRunnerFleetIssues, awsRunnerPools, LOG_RETENTION_DAYS, logRetentionIssues } from "./fleet.ts";
import { awsRunnerIamIssues } from "./iam.ts";
import { secretIdBrokerIssues } from "./secret-id-broker.ts";

const profile = resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" } });

describe("fleet and IAM options", () => {
  it("accept CloudWatch's retention periods, key ids, ARNs and aliases, and policy ARNs", () => {
    for (const days of LOG_RETENTION_DAYS) assert.deepEqual(logRetentionIssues(days), []);
    for (const ebsKmsKeyId of ["alias/ci-runners", "0123abcd-0123-4567-89ab-0123456789ab", "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"]) assert.deepEqual(awsRunnerFleetIssues({ ebsKmsKeyId }), []);
    assert.deepEqual(awsRunnerIamIssues({ permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/ci-boundary" }), []);
  });

  it("refuse the rest at their key paths, with the fix", () => {
    assert.deepEqual(awsRunnerFleetIssues({ logRetentionDays: 31, ebsKmsKeyId: "my-key" }).map((i) => i.path), ["logRetentionDays", "ebsKmsKeyId"]);
    assert.match(logRetentionIssues(31)[0]!.fix, /^use one of 1, 3, 5, 7, 14, 30/);
    assert.deepEqual(awsRunnerIamIssues({ permissionsBoundaryArn: "ci-boundary" }), [{ path: "permissionsBoundaryArn", message: "is not an IAM policy ARN", fix: 'give the ARN of the boundary policy, e.g. "arn:aws:iam::123456789012:policy/ci-boundary", or leave it unset' }]);
  });
});

describe("runner pools", () => {
  it("one GitHub pool on EC2 per group: the profile's labels, then GitHub's implicit ones not already listed (without case)", () => {
    assert.deepEqual(awsRunnerPools(profile), [{ name: "ci-intel-runner", forge: "github", substrate: "ec2", labels: [...AWS_RUNNER_DEFAULTS.labels], min: 0, max: 4, oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme" } }]);
    const pools = awsRunnerPools({ name: "big", labels: ["gpu", "LINUX"], capacity: { min: 2, max: 9, desired: 2 } });
    assert.deepEqual(pools.map((p) => [p.name, p.labels, p.min, p.max]), [["big", ["gpu", "LINUX", "self-hosted"], 2, 9]]);
    for (const l of FORGES.github.implicitLabels) assert.ok(pools[0]!.labels.some((x) => x.toLowerCase() === l));
  });
});

describe("secret-id broker options", () => {
  it("accept the defaults and Vault's documented values", () => {
    assert.deepEqual(secretIdBrokerIssues({ profile }), []);
    assert.deepEqual(secretIdBrokerIssues({ profile, wrapTtlSeconds: 300, vaultAwsAuthMount: "aws/ci", stsEndpoint: "https://sts.eu-west-1.amazonaws.com/", stsRegion: "eu-west-1", vaultTokenBoundCidrs: ["10.42.10.0/24"] }), []);
  });

  it("refuse each bad option at its key path, with the fix, including the fleet's and IAM's shared checks", () => {
    const issues = secretIdBrokerIssues({ profile, wrapTtlSeconds: 3600, vaultAwsAuthMount: "/aws/", stsEndpoint: "http://sts.example", stsRegion: "west", vaultTokenBoundCidrs: ["10.42.10.1/24"], logRetentionDays: 31, permissionsBoundaryArn: "boundary" });
    assert.deepEqual(issues.map((i) => i.path), ["wrapTtlSeconds", "vaultAwsAuthMount", "stsEndpoint", "stsRegion", "vaultTokenBoundCidrs[0]", "logRetentionDays", "permissionsBoundaryArn"]);
    assert.equal(issues[0]!.message, "3600 is not a whole number of seconds between 30 and the secret id lifetime (900 s)");
    assert.ok(issues.every((i) => i.fix.length > 0));
  });
});
