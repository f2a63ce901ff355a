import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, SECRET_ID_BROKER_DEFAULTS, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderSecretIdBrokerSettingsFile, SECRET_ID_BROKER_FILE, SECRET_ID_BROKER_HANDLER, secretIdBrokerSettings } from "./secret-id-broker.ts";
import { renderSecretIdBrokerEventPattern, runnerLifecycleHookNames } from "./secret-id-broker-names.ts";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profileOf = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" }, ...over } as AwsRunnerProfileInput);

describe("secret-id broker settings", () => {
  it("defaults: 300 s wraps, Vault's aws mount and STS defaults, the profile's AppRole path, prefix and hooks, the AWS-managed key", () => {
    const s = secretIdBrokerSettings(profileOf());
    assert.deepEqual(s, {
      vaultAddress: "https://vault.internal.example:8200",
      vaultAwsAuthMount: "aws",
      vaultAwsAuthRole: "ci-intel-runner-sid-broker",
      vaultIamServerId: "vault.internal.example",
      stsEndpoint: "https://sts.amazonaws.com/",
      stsRegion: "us-east-1",
      secretIdPath: "auth/approle/role/ci-intel-runner/secret-id",
      wrapTtlSeconds: SECRET_ID_BROKER_DEFAULTS.wrapTtlSeconds,
      parameterPrefix: "/ci-intel/runner/wrapped-secret-id",
      instanceParameterTag: "runner-fleet:instance-arn",
      jitConfig: null,
      kmsKeyId: "",
      autoScalingGroupName: "ci-intel-runner",
      launchHookName: "ci-intel-runner-deliver-secret-id",
      terminateHookName: "ci-intel-runner-revoke-secret-id",
      attempts: 3,
      vaultTimeoutMs: 5000,
    });
    assert.equal(SECRET_ID_BROKER_DEFAULTS.wrapTtlSeconds, 300);
    assert.deepEqual(secretIdBrokerSettings(profileOf({ jitConfigMintedBy: "broker", labels: ["gpu"] })).jitConfig, {
      parameterPrefix: "/ci-intel/runner/jit-config",
      githubTokenPath: "github/token",
      url: "https://api.github.com/orgs/acme/actions/runners/generate-jitconfig",
      runnerGroupId: 1,
      labels: ["gpu", "self-hosted", "linux"],
    });
    assert.equal(secretIdBrokerSettings(profileOf({ ssm: { kmsKeyArn: KEY } })).kmsKeyId, KEY);
    assert.deepEqual(runnerLifecycleHookNames({ name: "x" }), { launch: "x-deliver-secret-id", terminate: "x-revoke-secret-id" });
  });

  it("takes every option over its default", () => {
    const s = secretIdBrokerSettings(profileOf({ vault: { address: "https://vault.example:8200/" } }), { autoScalingGroupName: "g", wrapTtlSeconds: 120, vaultAwsAuthMount: "aws-ci", vaultIamServerId: "vault.example", stsEndpoint: "https://sts.eu-west-1.amazonaws.com/", stsRegion: "eu-west-1" });
    assert.deepEqual([s.vaultAddress, s.autoScalingGroupName, s.wrapTtlSeconds, s.vaultAwsAuthMount, s.vaultIamServerId, s.stsEndpoint, s.stsRegion], ["https://vault.example:8200", "g", 120, "aws-ci", "vault.example", "https://sts.eu-west-1.amazonaws.com/", "eu-west-1"]);
  });

  it("is written as settings.json beside index.mjs (handler index.handler), holding no credential", () => {
    const text = renderSecretIdBrokerSettingsFile(secretIdBrokerSettings(profileOf()));
    assert.deepEqual(JSON.parse(text), secretIdBrokerSettings(profileOf()));
    assert.ok(text.endsWith("}\n"));
    assert.doesNotMatch(text, /hvs\.|AKIA|ASIA|secret_id"\s*:/);
    assert.deepEqual([SECRET_ID_BROKER_FILE, SECRET_ID_BROKER_HANDLER], ["index.mjs", "index.handler"]);
  });

  it("the event pattern matches the group's two lifecycle hooks only", () => {
    assert.deepEqual(renderSecretIdBrokerEventPattern(profileOf()), {
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
      detail: { AutoScalingGroupName: ["ci-intel-runner"], LifecycleHookName: ["ci-intel-runner-deliver-secret-id", "ci-intel-runner-revoke-secret-id"] },
    });
  });
});
