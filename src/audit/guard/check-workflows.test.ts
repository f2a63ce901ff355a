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

test("labels a profile carries are served, in any case and as a subset", async () => {
  assert.deepEqual(await check("label-served"), []);
});

test("a label set no profile carries is a finding that names the job, the labels and the closest profiles", async () => {
  const findings = await check("label-unserved");
  assert.deepEqual(rules(findings), ["gpu:runner-unserved"]);
  const [f] = findings;
  assert.equal(f!.line, 8);
  assert.match(f!.message, /^job "gpu": runs-on \[self-hosted, linux, gpu\] is not served by any github profile/);
  assert.match(f!.fix, /gh-runner-codex \[self-hosted, linux, x64, codex\]/);
  assert.match(f!.fix, /or add a profile with these labels to profiles\.yaml/);
});

test("a matrix over its profile's max-parallel budget is a finding at strategy.max-parallel", async () => {
  const findings = await check("matrix-over-budget");
  assert.deepEqual(rules(findings), ["test:max-parallel"]);
  const [f] = findings;
  assert.equal(f!.line, 10);
  assert.deepEqual(f!.profiles, ["gh-runner-codex"]);
  assert.match(f!.message, /job "test" may run 4 matrix combinations at once on profile "gh-runner-codex" \(strategy.max-parallel: 4\), over the budget of 2/);
  assert.match(f!.fix, /lower strategy.max-parallel to 2, or raise maxParallelPerJob of "gh-runner-codex" in profiles\.yaml/);
});

test("a matrix without strategy.max-parallel is a finding only when its combinations exceed the budget", async () => {
  assert.deepEqual(await check("matrix-missing-max-parallel"), [], "3 combinations fit arc-firecracker's budget of 4");
  const wf = (values: string, maxParallel = "") => ({
    path: ".github/workflows/m.yml",
    text: `on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  test:\n    runs-on: [self-hosted, codex]\n    strategy:\n${maxParallel}      matrix: { n: ${values}, exclude: [{ n: 9 }] }\n    steps: [{ run: "true" }]\n`,
  });
  assert.deepEqual(await checkWorkflows([wf("[1, 2]")], profiles), [], "2 combinations fit gh-runner-codex's budget of 2");
  assert.deepEqual(await checkWorkflows([wf("[1, 2, 9]")], profiles), [], "combinations are counted after exclude");
  const over = await checkWorkflows([wf("[1, 2, 3]")], profiles);
  assert.deepEqual(rules(over), ["test:max-parallel"]);
  assert.match(over[0]!.message, /may run 3 matrix combinations at once on profile "gh-runner-codex" \(3 combinations land there and strategy.max-parallel is not set\), over the budget of 2/);
  assert.match(over[0]!.fix, /^set strategy.max-parallel to at most 2, or raise maxParallelPerJob/);
  assert.deepEqual(await checkWorkflows([wf("[1, 2, 3]", "      max-parallel: 2\n")], profiles), []);
  const expression = await checkWorkflows([wf("[1, 2, 3]", "      max-parallel: ${{ vars.N }}\n")], profiles);
  assert.deepEqual(expression.map((f) => [f.rule, f.severity]), [["max-parallel", "note"]], "an expression max-parallel is not decidable: a note");
  const fromInput = (await checkWorkflows([{ path: ".github/workflows/m.yml", text: wf("[1, 2, 3]", "      max-parallel: ${{ inputs.p }}\n").text.replace("on: push", "on:\n  push:\n  workflow_dispatch:\n    inputs: { p: { default: 1 } }") }], profiles));
  assert.deepEqual(fromInput, [], "max-parallel from an input default is evaluated");
  const hosted = await checkWorkflows([{ path: ".github/workflows/m.yml", text: wf("[1, 2, 3, 4, 5]").text.replace("[self-hosted, codex]", "ubuntu-latest") }], profiles);
  assert.deepEqual(hosted, [], "GitHub-hosted matrix jobs are not the fleet's business");
});

test("with a budget of 1 the max-parallel fix says to set it to 1, never \"1 or less\"", async () => {
  const wf = (strategy: string) => ({
    path: ".forgejo/workflows/m.yml",
    text: `on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  test:\n    runs-on: fenced\n    strategy:\n${strategy}      matrix: { n: [1, 2, 3] }\n    steps: [{ run: "true" }]\n`,
  });
  const missing = await checkWorkflows([wf("")], profiles);
  assert.deepEqual(rules(missing), ["test:max-parallel"]);
  assert.match(missing[0]!.fix, /^set strategy.max-parallel: 1, or raise maxParallelPerJob of "forgejo-fenced"/);
  const over = await checkWorkflows([wf("      max-parallel: 3\n")], profiles);
  assert.match(over[0]!.fix, /^lower strategy.max-parallel to 1, or raise maxParallelPerJob of "forgejo-fenced"/);
  for (const f of [...missing, ...over]) assert.doesNotMatch(f.fix, /or less/);
});

test("a self-hosted job whose runs can pile up is one finding per workflow, naming its jobs", async () => {
  const findings = await check("missing-concurrency");
  assert.deepEqual(rules(findings), ["build:concurrency"], "deploy sets its own concurrency with cancel-in-progress: true");
  assert.equal(findings[0]!.line, 4);
  assert.match(findings[0]!.message, /job "build" runs on self-hosted runners and their runs pile up on push: the workflow sets no concurrency group/);
  assert.match(findings[0]!.fix, /concurrency: \{ group: .*, cancel-in-progress: true \}/);
  const two = await checkWorkflows([{ path: ".github/workflows/c.yml", text: "on: [push, merge_group]\njobs:\n  a: { runs-on: [self-hosted, codex], steps: [{ run: x }] }\n  b: { runs-on: [self-hosted, codex], needs: a, steps: [{ run: x }] }\n" }], profiles);
  assert.deepEqual(rules(two), ["a, b:concurrency"]);
  assert.match(two[0]!.message, /jobs "a", "b" run on self-hosted runners and their runs pile up on push, merge_group/);
});

test("a concurrency group bounds the queue; a per-run group or queue: max without cancelling does not", async () => {
  const wf = (concurrency: string, on = "push", runsOn = "[self-hosted, codex]") => ({ path: ".github/workflows/c.yml", text: `on: ${on}\n${concurrency}\njobs:\n  a:\n    runs-on: ${runsOn}\n    steps: [{ run: "true" }]\n` });
  for (const c of ["concurrency: my-group", "concurrency: { group: g, cancel-in-progress: false }", "concurrency: { group: g, cancel-in-progress: \"${{ github.event_name == 'pull_request' }}\" }", "concurrency: { group: g, queue: max, cancel-in-progress: true }"]) {
    assert.deepEqual(await checkWorkflows([wf(c)], profiles), [], c);
  }
  for (const c of ["concurrency: ${{ github.run_id }}", "concurrency: { group: \"ci-${{ github.run_id }}\", cancel-in-progress: true }", "concurrency: { group: g, queue: max }", ""]) {
    assert.deepEqual(rules(await checkWorkflows([wf(c)], profiles)), ["a:concurrency"], c);
  }
  assert.deepEqual(await checkWorkflows([wf("", "schedule"), wf("", "[workflow_dispatch, schedule]")], profiles), [], "schedule and dispatch runs do not pile up");
  assert.deepEqual(await checkWorkflows([wf("", "push", "ubuntu-latest")], profiles), [], "GitHub-hosted jobs do not hold the fleet's runners");
});

test("a pull_request_target job that checks out the fork's code on a persistent runner is a finding naming the profile", async () => {
  const findings = await check("untrusted-trigger");
  assert.deepEqual(rules(findings), ["persistent:untrusted-trigger", "shared-labels:untrusted-trigger"], "base-only, fenced and hosted jobs are fine");
  const [direct, shared] = findings;
  assert.deepEqual(direct!.profiles, ["gh-runner-codex"]);
  assert.match(direct!.message, /job "persistent" can be started by outsiders through pull_request_target with their code \(actions\/checkout with ref: \$\{\{ github.event.pull_request.head.sha \}\}\).* profile "gh-runner-codex", which is persistent, not fenced, trusted/);
  assert.match(direct!.fix, /run the job on an ephemeral, fenced, untrusted profile — arc-firecracker/);
  // [self-hosted, linux, x64] is served by the fenced pool AND the persistent one.
  assert.match(shared!.message, /\(a run: step that fetches the pull request\)/);
  assert.equal(shared!.fix, 'add to runs-on a label that "arc-firecracker" carries and "gh-runner-codex" does not ([firecracker]), so the job cannot land on it');
});

test("every outsiders' event is recognised in all three forms of on:, and push or dispatch are not", async () => {
  const wf = (on: string) => ({ path: ".github/workflows/t.yml", text: `${on}\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: codex\n    steps:\n      - run: gh pr checkout 1\n` });
  for (const on of ["on: pull_request", "on: [push, issue_comment]", "on:\n  pull_request_review_comment: {}", "on: issues", "on: discussion_comment", "on: [fork, watch]"]) {
    assert.deepEqual(rules(await checkWorkflows([wf(on)], profiles)), ["a:untrusted-trigger"], on);
  }
  assert.deepEqual(await checkWorkflows([wf("on: [push, workflow_dispatch, schedule, repository_dispatch]")], profiles), []);
  assert.deepEqual(await checkWorkflows([wf("on:\n  pull_request_target:\n    types: [labeled]")], profiles), [], "only maintainers label");
});

test("a reusable workflow inherits the outsiders' events of the workflow that calls it", async () => {
  const findings = await check("reusable");
  assert.deepEqual(rules(findings), ["build:untrusted-trigger"]);
  assert.equal(findings[0]!.file, ".github/workflows/called.yml");
  assert.match(findings[0]!.message, /pull_request_target \(through \.github\/workflows\/caller\.yml\)/);
});

test("runs-on expressions are evaluated over inputs and the matrix; what stays unknown is one note per job", async () => {
  const findings = await check("unresolvable");
  assert.deepEqual(findings.map((f) => [f.job, f.rule, f.severity]), [["from-variable", "runs-on-unresolvable", "note"], ["dynamic-matrix", "runs-on-unresolvable", "note"]], "inputs defaults and fromJSON of them resolve; a choice between served labels needs no note");
  assert.match(findings[0]!.message, /job "from-variable": runs-on \$\{\{ vars.RUNNER \}\} is not decidable statically: vars.RUNNER is not known before the run/);
  assert.match(findings[1]!.message, /strategy.matrix is only known at run time \(\$\{\{ fromJSON\(needs.setup.outputs.matrix\) \}\}\)/);
  for (const f of findings) assert.match(f.fix, /write the labels in the workflow/);
});

test("an undecidable runs-on in a workflow outsiders can trigger says so, with the labels it may ask for", async () => {
  const text = "on: pull_request\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ${{ vars.RUNNER || 'codex' }}\n    steps: [{ run: \"true\" }]\n";
  const findings = await checkWorkflows([{ path: ".github/workflows/u.yml", text }], profiles);
  assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [["gate-unverified", "note"], ["runs-on-unresolvable", "note"]]);
  const f = findings[1];
  assert.match(f!.message, /the labels it may ask for are \[codex\], served by "gh-runner-codex", and outsiders can start the job through pull_request/);
});

test("runs-on from static matrix values is checked for every combination, include entries too", async () => {
  const findings = await check("matrix-runs-on");
  assert.deepEqual(rules(findings), ["build:runner-unserved"], "ubuntu-latest is hosted, codex is served, only the included gpu is not");
  assert.match(findings[0]!.message, /runs-on \[gpu\] \(for matrix.os=gpu\)/);
});

test("the { group, labels } form must match the profile's runner group", async () => {
  const findings = await check("group-labels");
  assert.deepEqual(rules(findings), ["wrong-group:runner-unserved"]);
  assert.match(findings[0]!.message, /runs-on group "nightly" with labels \[build-fips\]/);
  assert.match(findings[0]!.fix, /aws-fips \[self-hosted, linux, build-fips\] \(group release\)/);
});

test("GitHub-hosted labels are not flagged", async () => {
  assert.deepEqual(await check("github-hosted"), []);
});

test("invalid YAML is a finding with the file and line, not a crash", async () => {
  const findings = await check("invalid-yaml");
  assert.equal(findings.length, 1);
  const [f] = findings;
  assert.equal(f!.rule, "yaml-syntax");
  assert.equal(f!.file, ".github/workflows/invalid-yaml.yml");
  assert.equal(f!.line, 6);
  assert.match(f!.message, /not valid YAML, so none of its jobs can be checked/);
  assert.match(f!.fix, /correct the YAML at line 6/);
});

test("a file that is not a workflow is a finding", async () => {
  const [f] = await checkWorkflows([{ path: ".github/workflows/x.yml", text: "just: data\n" }], profiles);
  assert.equal(f!.rule, "workflow-shape");
  assert.match(f!.fix, /jobs:/);
});

test("a Forgejo workflow with runs-on: fenced is served by the Forgejo profile", async () => {
  const files = fixture("forgejo");
  assert.equal(forgeOfPath(files[0]!.path), "forgejo");
  assert.deepEqual(await checkWorkflows(files, profiles), []);
  // The same workflow under .github is not served: Forgejo runners take no GitHub jobs.
  const asGithub = await checkWorkflows([{ path: ".github/workflows/fenced.yml", text: files[0]!.text }], profiles);
  assert.deepEqual(rules(asGithub), ["test:runner-unserved"]);
  // GitHub-hosted names mean nothing to Forgejo: ubuntu-latest must be a Forgejo runner's label.
  const hosted = await checkWorkflows([{ path: ".forgejo/workflows/u.yml", text: files[0]!.text.replace("runs-on: fenced", "runs-on: ubuntu-latest") }], profiles);
  assert.deepEqual(rules(hosted), ["test:runner-unserved"]);
});

test("jobs that may run at once must fit the profile's per-workflow budget", async () => {
  const findings = await check("workflow-budget");
  assert.deepEqual(findings.map((f) => f.rule), ["workflow-budget"]);
  const [f] = findings;
  assert.deepEqual(f!.profiles, ["gh-runner-codex"]);
  assert.match(f!.message, /jobs "test", "lint", "package" may run at the same time and hold 4 runners of profile "gh-runner-codex", over its budget of 3/);
  assert.match(f!.fix, /order these jobs with needs:/);
});

test("every finding names its job and says how to fix it", async () => {
  // `real/` holds a corpus of repositories, not one fixture.
  const cases = readdirSync(fixtures).filter((d) => !d.endsWith(".yaml") && d !== "real");
  let count = 0;
  for (const c of cases) {
    for (const f of await check(c)) {
      count++;
      if (f.job === "") assert.match(f.message, /none of its jobs|no job can be checked/, `${c}: ${f.message}`);
      else for (const j of f.job.split(", ")) assert.ok(f.message.includes(`"${j}"`), `${c}: message does not name job ${j}: ${f.message}`);
      assert.ok(f.fix.length > 20, `${c}: fix too thin: ${f.fix}`);
    }
  }
  assert.ok(count >= 10, `expected findings across the fixtures, got ${count}`);
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
  const findings = (await runGuard([{ path: ".github/workflows/e.yml", text }], profiles)).filter((f) => f.rule !== "workflow-refused");
  assert.deepEqual(rules(findings), ["a:actionlint:expression"]);
  assert.equal(findings[0]!.line, 7);
  assert.match(findings[0]!.message, /^job "a": undefined variable "foo"/);
});

// Hostile workflows: every one becomes findings with a file, a line and a fix; none crashes, stalls,
// or echoes a credential-shaped value.

const served = readFileSync(join(fixtures, "label-served/.github/workflows/label-served.yml"), "utf8");
const wf = (text: string, path = ".github/workflows/h.yml"): WorkflowFile => ({ path, text });

/** Runs the guard with actionlint on one text; every finding has a line and a fix; returns them. */
async function hostile(text: string, limitMs = 5000): Promise<GuardFinding[]> {
  const started = Date.now();
  const findings = await runGuard([wf(text)], profiles, { profilesSource: "profiles.yaml" });
  assert.ok(Date.now() - started < limitMs, `took ${Date.now() - started} ms`);
  for (const f of findings) {
    assert.ok(f.line >= 1 && f.fix.length > 10 && f.message.length > 10, JSON.stringify(f));
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(f.message + f.fix + f.job, /[\u0000-\u0008\u000b-\u001f\u007f]/, "no control characters");
  }
  return findings;
}

test("YAML that nests thousands of levels, expands aliases without end or refers to itself is one file-level finding", async () => {
  const cases: [string, string, RegExp][] = [
    [`on: push\njobs:\n  a:\n    runs-on: ${"[".repeat(3000)}${"]".repeat(3000)}\n`, "workflow-shape", /nests lists and mappings (deeper than 64 levels|too deeply)/],
    [`on: push\njobs:\n  a:\n    runs-on: ${"[".repeat(100)}x${"]".repeat(100)}\n`, "workflow-shape", /deeper than 64 levels \(line 4\)/],
    [`on: push\njobs:\n  a:\n    runs-on: [&a [x,x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], *d]\n`, "yaml-syntax", /expand to more copies than a workflow needs/],
    ["on: push\njobs:\n  a: &j\n    runs-on: *j\n", "yaml-syntax", /alias \*j \(line 4\) inside the value anchored &j/],
    ["on: push\njobs:\n  a:\n    runs-on: x\n    runs-on: y\n", "yaml-syntax", /not valid YAML.*DUPLICATE_KEY|repeats a key/],
  ];
  for (const [text, rule, message] of cases) {
    const findings = await hostile(text);
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(findings[0]!.rule, rule);
    assert.match(findings[0]!.message, message);
    assert.match(findings[0]!.message, /none of its jobs can be checked/);
  }
});

test("a file too large, or with too many jobs, is one finding, not a long wait", async () => {
  const big = await hostile(`${served}# ${"x".repeat(4 << 20)}\n`);
  assert.deepEqual(big.map((f) => [f.rule, f.line]), [["workflow-shape", 1]]);
  assert.match(big[0]!.message, /more than the 4194304 the guard reads/);
  const jobs = Array.from({ length: 1001 }, (_, i) => `  j${i}: { runs-on: x${i > 0 ? `, needs: j${i - 1}` : ""} }`).join("\n");
  const many = await hostile(`on: push\njobs:\n${jobs}\n`);
  assert.deepEqual(many.map((f) => f.rule), ["workflow-shape"]);
  assert.match(many[0]!.message, /has 1001 jobs, more than the 1000 the guard checks/);
});

test("a chain of 1000 jobs ordered by needs, and a needs cycle, are checked without deep recursion", async () => {
  const jobs = Array.from({ length: 1000 }, (_, i) => `  j${i}: { runs-on: ubuntu-latest${i > 0 ? `, needs: j${i - 1}` : ", needs: j999"} }`).join("\n");
  const started = Date.now();
  const findings = await checkWorkflows([wf(`on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n${jobs}\n`)], profiles);
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(findings.map((f) => [f.rule, f.message]), [["workflow-refused", "GitHub refuses the workflow (The workflow must contain at least one job with no dependencies.), so none of its jobs run and none of them can be checked"]], "the cycle leaves no job to start with");
});

test("a matrix larger than GitHub runs is a finding, not an expansion", async () => {
  const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(", ")}]`;
  const text = `on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  m:\n    runs-on: [self-hosted, "\${{ matrix.a }}"]\n    strategy:\n      max-parallel: 1\n      matrix: { a: ${values(100)}, b: ${values(100)}, c: ${values(100)}, d: ${values(100)} }\n    steps: [{ run: "true" }]\n`;
  const findings = (await hostile(text)).filter((f) => !f.rule.startsWith("actionlint:"));
  assert.ok(findings.some((f) => f.rule === "max-parallel" && /strategy\.matrix is a matrix of 100000000 combinations, more than the 256 GitHub runs/.test(f.message)), JSON.stringify(findings));
  assert.ok(findings.some((f) => f.rule === "runs-on-unresolvable" && /combinations are not listed/.test(f.message)), JSON.stringify(findings));
});

test("runs-on that names no runner is a finding: {}, [], a number, a label that is a number", async () => {
  for (const runsOn of ["{}", "[]", "42", "[self-hosted, 42]", "{ runners: x }"]) {
    const findings = (await hostile(`on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ${runsOn}\n    steps: [{ run: "true" }]\n`)).filter((f) => !f.rule.startsWith("actionlint:"));
    assert.ok(findings.length === 1 && ["runs-on-unresolvable", "workflow-refused"].includes(findings[0]!.rule), `${runsOn}: ${JSON.stringify(findings)}`);
    assert.equal(findings[0]!.severity, undefined, `${runsOn}: a runs-on that names no runner is a finding, not a note`);
  }
});

test("long expressions and labels are checked in linear time and quoted short", async () => {
  for (const runsOn of [`"\${{ ${" ".repeat(200_000)}"`, `"${"${{".repeat(70_000)}"`, `"${"a".repeat(300_000)}"`, `["${"${{ matrix.a }".repeat(20_000)}"]`]) {
    const findings = await hostile(`on: push\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: ${runsOn}\n    steps: [{ run: "true" }]\n`);
    assert.ok(findings.length > 0);
    for (const f of findings) assert.ok(f.message.length <= 2000, `message of ${f.message.length} characters`);
  }
});

test("credential-shaped values in a workflow are never quoted back, and control characters are escaped", async () => {
  const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
  const texts = [
    `on: push\njobs:\n  a:\n    runs-on: [self-hosted, ${token}]\n`,
    `on: push\njobs:\n  ${token}:\n    runs-on: [self-hosted, gpu]\n`,
    `on: push\njobs:\n  a:\n    runs-on: "\${{ inputs.${token} }}"\n`,
    `on: push\njobs:\n  a:\n    runs-on: x\n    strategy: { matrix: { os: [a] }, max-parallel: "${token}" }\n`,
    `on: push\njobs: !${token} [\n`,
  ];
  for (const text of texts) {
    const findings = await hostile(text);
    assert.ok(findings.length > 0);
    for (const f of findings) assert.ok(!JSON.stringify(f).includes("0123456789abcdefghij"), JSON.stringify(f));
  }
  const escaped = await hostile('on: push\njobs:\n  "a\\e[2J":\n    runs-on: [self-hosted, gpu]\n');
  assert.ok(escaped.some((f) => f.job === "a\\u001b[2J"), JSON.stringify(escaped));
});

test("binary garbage and a top-level list or scalar are findings, with actionlint's view where it has one", async () => {
  for (const text of ["\u0000\u0001\u0002garbage\u00ff", "- a\n- b\n", "hello\n", "", "{}\n"]) {
    const findings = await hostile(text);
    assert.ok(findings.some((f) => f.rule === "workflow-shape" || f.rule === "yaml-syntax"), `${JSON.stringify(text)}: ${JSON.stringify(findings)}`);
  }
});

test("a workflow actionlint would work on for minutes is stopped at its time limit; the next file is linted afresh", async () => {
  // One actionlint problem per character of a tag glob, each reprinted with its line: quadratic.
  const slow = `on:\n  push:\n    tags: "\${{${" ".repeat(20_000)}"\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  a:\n    runs-on: [self-hosted, codex]\n    steps: [{ run: "true" }]\n`;
  const started = Date.now();
  const findings = await runGuard([wf(slow, ".github/workflows/slow.yml"), wf("on: push\njobs:\n  a:\n    runs-on: codex\n    steps:\n      - run: echo ${{ nope.x }}\n", ".github/workflows/next.yml")], profiles);
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  const stopped = findings.find((f) => f.rule === "actionlint:error");
  assert.ok(stopped, JSON.stringify(findings));
  assert.equal(stopped.file, ".github/workflows/slow.yml");
  assert.match(stopped.message, /^actionlint did not finish within 5 s .*, so none of its jobs were linted; the guard's own checks still ran$/);
  assert.match(stopped.fix, /--no-actionlint/);
  assert.ok(findings.some((f) => f.file === ".github/workflows/next.yml" && f.rule === "actionlint:expression"), "the next file is linted by a fresh worker");
});
