// `runner-fleet guard --fleet` over a real stack of this repository, run as a user runs it
// (bin/runner-fleet.js, needs `npm run build`). The stack renders offline; its profiles come from
// its runnerPools output when it exports one (checked against its rendered Deployments), else from
// the Deployments themselves: either way the same runners.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../..");
const WORKFLOWS = "test/fixtures/guard/fleet-gh-runner/.github/workflows";

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test("guard --fleet infra/pulumi/gh-runner checks workflows against the stack's runners", () => {
  const r = cli("guard", "--fleet", "infra/pulumi/gh-runner", "--workflows", WORKFLOWS, "--no-actionlint", "--format", "json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { profiles: { source: string; names: string[] }; findings: { job: string; rule: string; message: string; fix: string }[] };
  assert.deepEqual(out.profiles, { source: "the stacks infra/pulumi/gh-runner", names: ["codex-gh-runner", "gemini-gh-runner"] });
  assert.deepEqual(out.findings.map((f) => [f.job, f.rule]), [["fips", "runner-unserved"]]);
  assert.match(out.findings[0]!.message, /build-fips/);
  assert.equal(r.stderr, "");
});

test("guard --fleet names the stack it rendered in its table", () => {
  const r = cli("guard", "--fleet", "infra/pulumi/gh-runner", "--workflows", WORKFLOWS, "--no-actionlint");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /1 workflow file checked against 2 profiles from the stacks infra\/pulumi\/gh-runner: 1 finding/);
});
