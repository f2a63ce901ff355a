import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseProfiles } from "../../model/profiles.ts";
import { checkWorkflows, runGuard, forgeOfPath, type GuardFinding, type WorkflowFile } from "./index.ts";

const repoRoot = resolve(import.meta.dirname, "../../..");
const fixtures = resolve(repoRoot, "test/fixtures/guard");
const profiles = parseProfiles(readFileSync(join(fixtures, "profiles.yaml"), "utf8"), "profiles.yaml");

/** The workflow files of one fixture repository, with paths as the CLI shows them (relative to it). */
function fixture(name: string): WorkflowFile[] {
  const files: WorkflowFile[] = [];
  for (const dir of [".github/workflows", ".forgejo/workflows"]) {
    const abs = join(fixtures, name, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).sort()) files.push({ path: `${dir}/${f}`, text: readFileSync(join(abs, f), "utf8") });
  }
  assert.ok(files.length > 0, `fixture ${name} has no workflows`);
  return files;
}

const check = (name: string) => checkWorkflows(fixture(name), profiles, { profilesSource: "profiles.yaml" });
const rules = (findings: readonly GuardFinding[]) => findings.map((f) => `${f.job}:${f.rule}`);

test("labels a profile carries are served, in any case and as a subset", () => {
  assert.deepEqual(check("label-served"), []);
});

test("a label set no profile carries is a finding that names the job, the labels and the closest profiles", () => {
  const findings = check("label-unserved");
  assert.deepEqual(rules(findings), ["gpu:runner-unserved"]);
  const [f] = findings;
  assert.equal(f!.line, 8);
  assert.match(f!.message, /^job "gpu": runs-on \[self-hosted, linux, gpu\] is not served by any github profile/);
  assert.match(f!.fix, /gh-runner-codex \[self-hosted, linux, x64, codex\]/);
  assert.match(f!.fix, /or add a profile with these labels to profiles\.yaml/);
});

test("a matrix over its profile's max-parallel budget is a finding at strategy.max-parallel", () => {
  const findings = check("matrix-over-budget");
  assert.deepEqual(rules(findings), ["test:max-parallel"]);
  const [f] = findings;
  assert.equal(f!.line, 10);
  assert.equal(f!.profile, "gh-runner-codex");
  assert.match(f!.message, /job "test" may run 4 matrix combinations at once on profile "gh-runner-codex" \(strategy.max-parallel: 4\), over the profile's budget of 2/);
  assert.match(f!.fix, /lower strategy.max-parallel to 2, or raise maxParallelPerJob of "gh-runner-codex" in profiles\.yaml/);
});

test("a matrix without strategy.max-parallel is a finding that proposes the serving profile's budget", () => {
  const findings = check("matrix-missing-max-parallel");
  assert.deepEqual(rules(findings), ["test:max-parallel"]);
  assert.match(findings[0]!.message, /job "test" is a matrix job \(3 combinations\) without strategy.max-parallel/);
  assert.equal(findings[0]!.fix, 'set strategy.max-parallel to at most 4 (maxParallelPerJob of "arc-firecracker")');
});

test("with a budget of 1 the max-parallel fix says to set it to 1, never \"1 or less\"", () => {
  const wf = (strategy: string) => ({
    path: ".forgejo/workflows/m.yml",
    text: `on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  test:\n    runs-on: fenced\n    strategy:\n${strategy}      matrix: { n: [1, 2, 3] }\n    steps: [{ run: "true" }]\n`,
  });
  const missing = checkWorkflows([wf("")], profiles);
  assert.deepEqual(rules(missing), ["test:max-parallel"]);
  assert.equal(missing[0]!.fix, 'set strategy.max-parallel: 1 (maxParallelPerJob of "forgejo-fenced")');
  const expression = checkWorkflows([wf("      max-parallel: ${{ vars.N }}\n")], profiles);
  assert.deepEqual(rules(expression), ["test:max-parallel"]);
  assert.equal(expression[0]!.fix, "set strategy.max-parallel: 1");
  const over = checkWorkflows([wf("      max-parallel: 3\n")], profiles);
  assert.match(over[0]!.fix, /^lower strategy.max-parallel to 1, or raise maxParallelPerJob of "forgejo-fenced"/);
  for (const f of [...missing, ...expression, ...over]) assert.doesNotMatch(f.fix, /or less/);
});

test("a workflow without concurrency cancel-in-progress is a finding for every job that lacks its own", () => {
  const findings = check("missing-concurrency");
  assert.deepEqual(rules(findings), ["build:concurrency"], "deploy sets its own concurrency with cancel-in-progress: true");
  assert.equal(findings[0]!.line, 4);
  assert.match(findings[0]!.message, /job "build" is never cancelled .* no top-level concurrency block/);
  assert.match(findings[0]!.fix, /concurrency: \{ group: .*, cancel-in-progress: true \}/);
});

test("concurrency without cancel-in-progress, or with an expression, does not count", () => {
  const wf = (concurrency: string) => ({ path: ".github/workflows/c.yml", text: `on: push\n${concurrency}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{ run: "true" }]\n` });
  for (const c of ["concurrency: my-group", "concurrency: { group: g, cancel-in-progress: false }", "concurrency: { group: g, cancel-in-progress: \"${{ github.ref != 'refs/heads/main' }}\" }"]) {
    const findings = checkWorkflows([wf(c)], profiles);
    assert.deepEqual(rules(findings), ["a:concurrency"], c);
  }
  assert.deepEqual(checkWorkflows([wf("concurrency: { group: g, cancel-in-progress: true }")], profiles), []);
});

test("a pull_request_target job that can reach a persistent runner is a finding naming the profile", () => {
  const findings = check("untrusted-trigger");
  assert.deepEqual(rules(findings), ["persistent:untrusted-trigger", "shared-labels:untrusted-trigger"], "fenced and hosted jobs are fine");
  const [direct, shared] = findings;
  assert.equal(direct!.profile, "gh-runner-codex");
  assert.match(direct!.message, /job "persistent" can be started by outsiders through pull_request_target.* profile "gh-runner-codex", which is persistent \(not ephemeral\), not fenced, trusted/);
  assert.match(direct!.fix, /run the job on an ephemeral, fenced, untrusted profile — arc-firecracker/);
  // [self-hosted, linux, x64] is served by the fenced pool AND the persistent one.
  assert.equal(shared!.profile, "gh-runner-codex");
  assert.equal(shared!.fix, 'add to runs-on a label that "arc-firecracker" carries and "gh-runner-codex" does not ([firecracker]), so the job cannot land on "gh-runner-codex"');
});

test("every outsiders' event is recognised in all three forms of on:", () => {
  const wf = (on: string) => ({ path: ".github/workflows/t.yml", text: `${on}\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: codex\n    steps: [{ run: "true" }]\n` });
  for (const on of ["on: pull_request", "on: [push, issue_comment]", "on:\n  workflow_run:\n    workflows: [ci]", "on:\n  pull_request_review_comment: {}"]) {
    assert.deepEqual(rules(checkWorkflows([wf(on)], profiles)), ["a:untrusted-trigger"], on);
  }
  assert.deepEqual(checkWorkflows([wf("on: [push, workflow_dispatch]")], profiles), []);
});

test("a reusable workflow inherits the outsiders' events of the workflow that calls it", () => {
  const findings = check("reusable");
  assert.deepEqual(rules(findings), ["build:untrusted-trigger"]);
  assert.equal(findings[0]!.file, ".github/workflows/called.yml");
  assert.match(findings[0]!.message, /pull_request_target \(through \.github\/workflows\/caller\.yml\)/);
});

test("runs-on expressions other than static matrix values are reported as unresolvable, never passed", () => {
  const findings = check("unresolvable");
  assert.deepEqual(rules(findings), ["from-input:runs-on-unresolvable", "from-json:runs-on-unresolvable", "dynamic-matrix:runs-on-unresolvable"]);
  assert.match(findings[0]!.message, /job "from-input": runs-on \$\{\{ inputs.runner \}\} cannot be resolved statically/);
  assert.match(findings[1]!.message, /fromJSON\(inputs.runners\)/);
  assert.match(findings[2]!.message, /strategy.matrix is only known at run time/);
  for (const f of findings) assert.match(f.fix, /write the labels in the workflow/);
});

test("an unresolvable runs-on in a workflow outsiders can trigger says so", () => {
  const text = "on: pull_request\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ${{ vars.RUNNER }}\n    steps: [{ run: \"true\" }]\n";
  const [f] = checkWorkflows([{ path: ".github/workflows/u.yml", text }], profiles);
  assert.equal(f!.rule, "runs-on-unresolvable");
  assert.match(f!.message, /while outsiders can start it through pull_request/);
});

test("runs-on from static matrix values is checked for every combination, include entries too", () => {
  const findings = check("matrix-runs-on");
  assert.deepEqual(rules(findings), ["build:runner-unserved"], "ubuntu-latest is hosted, codex is served, only the included gpu is not");
  assert.match(findings[0]!.message, /runs-on \[gpu\] \(for matrix.os=gpu\)/);
});

test("the { group, labels } form must match the profile's runner group", () => {
  const findings = check("group-labels");
  assert.deepEqual(rules(findings), ["wrong-group:runner-unserved"]);
  assert.match(findings[0]!.message, /runs-on group "nightly" with labels \[build-fips\]/);
  assert.match(findings[0]!.fix, /aws-fips \[self-hosted, linux, build-fips\] \(group release\)/);
});

test("GitHub-hosted labels are not flagged", () => {
  assert.deepEqual(check("github-hosted"), []);
});

test("invalid YAML is a finding with the file and line, not a crash", () => {
  const findings = check("invalid-yaml");
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f!.rule, "yaml-syntax");
  assert.equal(f!.file, ".github/workflows/invalid-yaml.yml");
  assert.equal(f!.line, 6);
  assert.match(f!.message, /not valid YAML, so none of its jobs can be checked/);
  assert.match(f!.fix, /correct the YAML at line 6/);
});

test("a file that is not a workflow is a finding", () => {
  const [f] = checkWorkflows([{ path: ".github/workflows/x.yml", text: "just: data\n" }], profiles);
  assert.equal(f!.rule, "workflow-shape");
  assert.match(f!.fix, /jobs:/);
});

test("a Forgejo workflow with runs-on: fenced is served by the Forgejo profile", () => {
  const files = fixture("forgejo");
  assert.equal(forgeOfPath(files[0]!.path), "forgejo");
  assert.deepEqual(checkWorkflows(files, profiles), []);
  // The same workflow under .github is not served: Forgejo runners take no GitHub jobs.
  const asGithub = checkWorkflows([{ path: ".github/workflows/fenced.yml", text: files[0]!.text }], profiles);
  assert.deepEqual(rules(asGithub), ["test:runner-unserved"]);
  // GitHub-hosted names mean nothing to Forgejo: ubuntu-latest must be a Forgejo runner's label.
  const hosted = checkWorkflows([{ path: ".forgejo/workflows/u.yml", text: files[0]!.text.replace("runs-on: fenced", "runs-on: ubuntu-latest") }], profiles);
  assert.deepEqual(rules(hosted), ["test:runner-unserved"]);
});

test("jobs that may run at once must fit the profile's per-workflow budget", () => {
  const findings = check("workflow-budget");
  assert.deepEqual(findings.map((f) => f.rule), ["workflow-budget"]);
  const [f] = findings;
  assert.equal(f!.profile, "gh-runner-codex");
  assert.match(f!.message, /jobs "test", "lint", "package" may run at the same time and hold 4 runners of profile "gh-runner-codex", over its budget of 3/);
  assert.match(f!.fix, /order these jobs with needs:/);
});

test("every finding names its job and says how to fix it", () => {
  const cases = readdirSync(fixtures).filter((d) => !d.endsWith(".yaml"));
  let count = 0;
  for (const c of cases) {
    for (const f of check(c)) {
      count++;
      if (f.job === "") assert.match(f.message, /none of its jobs|no job can be checked/, `${c}: ${f.message}`);
      else for (const j of f.job.split(", ")) assert.ok(f.message.includes(`"${j}"`), `${c}: message does not name job ${j}: ${f.message}`);
      assert.ok(f.fix.length > 20, `${c}: fix too thin: ${f.fix}`);
    }
  }
  assert.ok(count >= 12, `expected findings across the fixtures, got ${count}`);
});

test("with actionlint, runner-label findings remain only for labels no profile serves", async () => {
  const served = await runGuard(fixture("label-served"), profiles, { profilesSource: "profiles.yaml" });
  assert.deepEqual(served, []);
  const unserved = await runGuard(fixture("label-unserved"), profiles, { profilesSource: "profiles.yaml" });
  assert.deepEqual(rules(unserved).sort(), ["gpu:actionlint:runner-label", "gpu:runner-unserved"]);
  const lint = unserved.find((f) => f.rule === "actionlint:runner-label")!;
  assert.match(lint.message, /^job "gpu": label "gpu" is unknown/);
  const forgejo = await runGuard(fixture("forgejo"), profiles);
  assert.deepEqual(forgejo, [], "the Forgejo label is served by a Forgejo profile");
});

test("actionlint findings are attributed to their job", async () => {
  const text = "on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n";
  const findings = await runGuard([{ path: ".github/workflows/e.yml", text }], profiles);
  assert.deepEqual(rules(findings), ["a:actionlint:expression"]);
  assert.equal(findings[0]!.line, 7);
  assert.match(findings[0]!.message, /^job "a": undefined variable "foo"/);
});
