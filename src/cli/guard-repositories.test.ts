// `runner-fleet guard` over whole repositories: roots as --workflows entries, local calls resolved
// in the caller's own repository, notes that do not fail the run, and the actionlint config in the
// case the workflows write their labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const repoRoot = resolve(import.meta.dirname, "../..");
const bin = join(repoRoot, "bin/runner-fleet.js");
const profiles = join(repoRoot, "test/fixtures/guard/profiles.yaml");

const guard = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, "guard", ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** A folder of repositories: name -> { path inside the repository: text }. */
function repositories(repos: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), "guard-repos-"));
  for (const [name, files] of Object.entries(repos)) {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, path, ".."), { recursive: true });
      writeFileSync(join(dir, name, path), text);
    }
  }
  return dir;
}

const CALLER = "on: pull_request_target\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  call:\n    uses: ./.github/workflows/build.yml\n";
const callee = (runsOn: string) =>
  `on: workflow_call\njobs:\n  build:\n    runs-on: ${runsOn}\n    steps:\n      - uses: actions/checkout@v4\n        with: { ref: "\${{ github.event.pull_request.head.sha }}" }\n`;

test("repository roots are --workflows entries; a local call resolves in the caller's own repository", () => {
  const dir = repositories({
    // Same callee path in both: only the first runs on the persistent profile.
    alpha: { ".github/workflows/ci.yml": CALLER, ".github/workflows/build.yml": callee("[self-hosted, codex]") },
    beta: { ".github/workflows/ci.yml": CALLER, ".github/workflows/build.yml": callee("[self-hosted, firecracker]") },
  });
  const r = guard(dir, "--profiles", profiles, "--workflows", "alpha", "beta", "--no-actionlint", "--json");
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { workflows: string[]; findings: { file: string; rule: string; message: string }[] };
  assert.deepEqual(out.workflows.sort(), ["alpha/.github/workflows/build.yml", "alpha/.github/workflows/ci.yml", "beta/.github/workflows/build.yml", "beta/.github/workflows/ci.yml"]);
  assert.deepEqual(out.findings.map((f) => [f.file, f.rule]), [["alpha/.github/workflows/build.yml", "untrusted-trigger"]]);
  assert.match(out.findings[0]!.message, /pull_request_target \(through alpha\/\.github\/workflows\/ci\.yml\)/);
  // A workflows directory given as such belongs to the repository two levels up: the same result.
  const again = guard(dir, "--profiles", profiles, "--workflows", "alpha/.github/workflows", "beta/.github/workflows", "--no-actionlint", "--json");
  assert.deepEqual((JSON.parse(again.stdout) as typeof out).findings.map((f) => f.file), ["alpha/.github/workflows/build.yml"]);
});

test("a local call to a workflow the repository does not have is a finding naming the path", () => {
  const dir = repositories({ solo: { ".github/workflows/ci.yml": CALLER } });
  const r = guard(dir, "--profiles", profiles, "--workflows", "solo", "--no-actionlint");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /uses-unresolved\s+job "call" calls \.\/\.github\/workflows\/build\.yml, but \.github\/workflows\/build\.yml is not among the workflows of solo/);
});

test("notes alone are shown but exit 0; --format github prints them as notices", () => {
  const text = "on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ${{ vars.RUNNER }}\n    steps: [{ run: \"true\" }]\n";
  const dir = repositories({ r: { ".github/workflows/a.yml": text } });
  const table = guard(dir, "--profiles", profiles, "--workflows", "r", "--no-actionlint");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /runs-on-unresolvable \(note\)\s+job "a": runs-on \$\{\{ vars\.RUNNER \}\} is not decidable statically/);
  assert.match(table.stdout, /: 0 findings, 1 note \(not decidable statically; they do not fail the guard\)\n$/);
  const github = guard(dir, "--profiles", profiles, "--workflows", "r", "--no-actionlint", "--format", "github");
  assert.equal(github.code, 0);
  assert.match(github.stdout, /^::notice file=r\/\.github\/workflows\/a\.yml,line=5,title=runner-fleet guard%3A runs-on-unresolvable::/);
});

test("the emitted actionlint config spells the fleet's labels as the workflows write them", () => {
  const text = "on: push\njobs:\n  a:\n    runs-on: [self-hosted, Linux, CODEX]\n    steps: [{ run: \"true\" }]\n";
  const dir = repositories({ r: { ".github/workflows/a.yml": text } });
  const r = guard(dir, "--profiles", profiles, "--workflows", "r", "--emit-actionlint-config", "out.yaml");
  assert.equal(r.code, 0, r.stderr);
  const config = parse(readFileSync(join(dir, "out.yaml"), "utf8")) as { "self-hosted-runner": { labels: string[] } };
  assert.deepEqual(config["self-hosted-runner"].labels, ["build-fips", "CODEX", "firecracker"], "CODEX as the workflow writes it; the labels every runner has are left out");
});
