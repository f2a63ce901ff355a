// Many documents, as users run the CLI (bin/runner-fleet.js, needs `npm run build`): validate,
// audit and diff read a manifest of 20,000 documents one document at a time and finish with their
// normal exit codes. Not timed: bench/documents.ts measures time and memory.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./helpers.ts";
import { writeManifestCorpus } from "../bench/manifest-corpus.ts";

const DOCUMENTS = 20_000;

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`a manifest of ${DOCUMENTS.toLocaleString("en-US")} documents`, () => {
  let dir = "";
  let manifest = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "rf-scale-"));
    manifest = join(dir, "many.yaml");
    writeManifestCorpus(manifest, DOCUMENTS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("validate: every document validated, exit 0", () => {
    const r = cli("validate", manifest);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${DOCUMENTS} valid, 0 invalid$`, "m"));
    assert.equal(r.stdout.split("\n").filter((l) => /\svalid$/.test(l)).length, DOCUMENTS, "piped output lists every row");
  });

  it("audit: every pod template checked, exit 1 for the workloads without limits", () => {
    const r = cli("audit", manifest, "--json");
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { kubernetes: { podSecurity: unknown[]; isolation: { runnerPods: string[]; claims: { pass: boolean }[] } }; failures: string[] };
    assert.equal(report.kubernetes.podSecurity.length, (DOCUMENTS / 20) * 7);
    assert.equal(report.kubernetes.isolation.runnerPods.length, DOCUMENTS / 20 / 10);
    assert.ok(report.kubernetes.isolation.claims.every((c) => c.pass), "every runner namespace is fenced");
    assert.ok(report.failures.every((f) => /has no cpu or memory limit/.test(f)), report.failures.find((f) => !/has no cpu or memory limit/.test(f)));
  });

  it("diff --against: every object not rendered by the stack listed, exit 1", () => {
    const r = cli("diff", "infra/pulumi/gh-runner", "--against", manifest);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^drift: 6 would be created, ${DOCUMENTS} not managed by the stack, 0 unchanged$`, "m"));
  });
});
