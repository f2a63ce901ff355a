// The aws-firecracker-runners stack reader: it validates with the model's checks alone, imports no
// component, and its settings spec states the model's defaults.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../test/helpers.ts";
import { AWS_RUNNER_FLEET_DEFAULTS, AWS_STACK_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type StackSettingsSource } from "../model/stack-settings.ts";
import { AWS_STACK_SETTINGS, readAwsRunnerStackConfig } from "./aws-stack-config.ts";

const P = "aws-firecracker-runners";
const source = (settings: Record<string, unknown>): StackSettingsSource => {
  const values = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { project: P, keys: () => Object.keys(values), get: (k) => values[k], isSecret: () => false };
};
const BASE = {
  "aws:region": "eu-west-1",
  [`${P}:accountId`]: "123456789012",
  [`${P}:profilesFile`]: join(REPO, "config/runner-isolation.yaml"),
  [`${P}:runner`]: { githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" } },
};

describe("aws-firecracker-runners stack reader", () => {
  it("imports the model and the settings adapter only, never a component", () => {
    const text = readFileSync(new URL("./aws-stack-config.ts", import.meta.url), "utf8");
    const imports = [...text.matchAll(/^import [^;]*? from "([^"]+)";$/gms)].map((m) => m[1]);
    const other = imports.filter((i) => !(i?.startsWith("node:") || i?.startsWith("../model/") || i === "./stack-settings.ts"));
    assert.deepEqual(other, [], "only node: modules, model modules and the settings adapter");
    assert.ok(imports.some((i) => i?.startsWith("../model/aws/")), "the checks come from the model's AWS planners");
  });

  it("states the model's defaults in its settings spec", () => {
    const defaults = Object.fromEntries(Object.entries(AWS_STACK_SETTINGS).filter(([, s]) => "default" in s).map(([k, s]) => [k, (s as { default: unknown }).default]));
    assert.deepEqual(defaults, { profile: AWS_STACK_DEFAULTS.profile, profilesFile: AWS_STACK_DEFAULTS.profilesFile, logRetentionDays: AWS_RUNNER_FLEET_DEFAULTS.logRetentionDays, instanceRefresh: AWS_RUNNER_FLEET_DEFAULTS.instanceRefresh, lifecycleHooks: AWS_RUNNER_FLEET_DEFAULTS.lifecycleHooks });
  });

  it("reads a minimal configuration with the model's defaults applied", () => {
    const c = readAwsRunnerStackConfig(source(BASE));
    assert.deepEqual([c.runnerProfile.name, c.scope.region, c.network.natSubnetCidr, c.fleet.instanceRefresh, c.fleet.lifecycleHooks, c.broker, c.tags], [AWS_STACK_DEFAULTS.profile, "eu-west-1", "10.42.0.0/28", true, true, {}, {}]);
    assert.deepEqual(c.profile.labels, c.runnerProfile.labels, "labels come from the profiles file");
  });

  it("reports the planners' problems under the stack keys, all at once", () => {
    assert.throws(
      () => readAwsRunnerStackConfig(source({ ...BASE, [`${P}:natSubnetCidr`]: "10.43.0.0/28", [`${P}:logRetentionDays`]: 31, [`${P}:permissionsBoundaryArn`]: "x", [`${P}:secretIdBroker`]: { wrapTtlSeconds: 10 }, [`${P}:tags`]: { "aws:team": "ci" }, [`${P}:privateRoutes`]: [{ destinationCidrBlock: "10.20.0.0/16" }] })),
      (e: Error) => {
        for (const re of [
          /natSubnetCidr: 10\.43\.0\.0\/28 does not lie inside the VPC 10\.42\.0\.0\/16\. Fix: choose a block inside/,
          /logRetentionDays: 31 is not a retention period CloudWatch Logs accepts\. Fix: use one of/,
          /permissionsBoundaryArn: is not an IAM policy ARN\. Fix:/,
          /secretIdBroker\.wrapTtlSeconds: 10 is not a whole number of seconds between 30 and the secret id lifetime \(900 s\)\. Fix:/,
          /tags\.aws:team: uses the reserved prefix "aws:"\. Fix: rename the tag/,
          /privateRoutes\[0\]: names no target\. Fix: give exactly one of/,
        ]) assert.match(e.message, re);
        return true;
      },
    );
  });
});
