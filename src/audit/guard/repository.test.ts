import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseProfiles } from "../../model/profiles.ts";
import { checkWorkflows, locate, type GuardFinding, type WorkflowFile } from "./index.ts";

const profiles = parseProfiles(readFileSync(resolve(import.meta.dirname, "../../../test/fixtures/guard/profiles.yaml"), "utf8"), "profiles.yaml");
const check = (...files: WorkflowFile[]) => checkWorkflows(files, profiles, { profilesSource: "profiles.yaml" });
const where = (findings: readonly GuardFinding[]) => findings.map((f) => `${f.file}:${f.job}:${f.rule}${f.severity === "note" ? " (note)" : ""}`);

const GROUP = "concurrency: { group: g, cancel-in-progress: true }\n";
/** A workflow calling ./.github/workflows/build.yml from job `call`, with `lines` under the job. */
const caller = (path: string, on = "pull_request", lines = "", group = GROUP): WorkflowFile => ({ path, text: `on: ${on}\n${group}jobs:\n  call:\n    uses: ./.github/workflows/build.yml\n${lines}` });
/** A reusable workflow of self-hosted jobs `b0`, `b1`, ... on `runsOn`. */
const callee = (path: string, runsOn = "[self-hosted, codex]", jobs = 1): WorkflowFile => ({
  path,
  text: `on: workflow_call\njobs:\n${Array.from({ length: jobs }, (_, i) => `  b${i}:\n    runs-on: ${runsOn}\n    steps: [{ run: make }]\n`).join("")}`,
});

test("locate: the repository is the part before .github/workflows (or .forgejo, .gitea); a bare file is a workflow of a repository", () => {
  const at = (path: string) => locate({ path, text: "" });
  assert.deepEqual(at("proj/.github/workflows/ci.yml"), { repository: "proj", repoPath: ".github/workflows/ci.yml" });
  assert.deepEqual(at("/srv/src/proj/.github/workflows/ci.yaml"), { repository: "/srv/src/proj", repoPath: ".github/workflows/ci.yaml" });
  assert.deepEqual(at(".github/workflows/ci.yml"), { repository: "", repoPath: ".github/workflows/ci.yml" });
  assert.deepEqual(at("proj/.forgejo/workflows/ci.yml"), { repository: "proj", repoPath: ".forgejo/workflows/ci.yml" });
  assert.deepEqual(at("proj/.gitea/workflows/ci.yml"), { repository: "proj", repoPath: ".gitea/workflows/ci.yml" });
  assert.deepEqual(at("proj\\.github\\workflows\\ci.yml"), { repository: "proj", repoPath: ".github/workflows/ci.yml" }, "Windows separators");
  assert.deepEqual(at("ci.yml"), { repository: "", repoPath: ".github/workflows/ci.yml" });
  assert.deepEqual(at("some/dir/ci.yml"), { repository: "some/dir", repoPath: ".github/workflows/ci.yml" }, "a directory of workflow files is a repository's .github/workflows");
});

test("locate: a repository and a path inside it given with the file are taken as they are", () => {
  assert.deepEqual(locate({ path: "shown/as/ci.yml", text: "", repository: "checkout-a", repoPath: ".github/workflows/ci.yml" }), { repository: "checkout-a", repoPath: ".github/workflows/ci.yml" });
  assert.deepEqual(locate({ path: ".github/workflows/x.yml", text: "", repository: "", repoPath: ".gitea/workflows/x.yml" }), { repository: "", repoPath: ".gitea/workflows/x.yml" });
});

test("two repositories with the same callee path: each caller reaches its own repository's callee", async () => {
  const files = [
    caller("one/.github/workflows/ci.yml"),
    callee("one/.github/workflows/build.yml", "ubuntu-latest"),
    caller("two/.github/workflows/ci.yml"),
    callee("two/.github/workflows/build.yml"),
  ];
  const findings = await check(...files);
  assert.deepEqual(where(findings), ["two/.github/workflows/build.yml:b0:untrusted-trigger"], "one's callee runs on GitHub-hosted runners; two's lands on gh-runner-codex");
  assert.match(findings[0]!.message, /through pull_request \(through two\/\.github\/workflows\/ci\.yml\)/);
  // The hosted callee in two instead, files in another order: the finding moves with the file.
  const swapped = await check(callee("one/.github/workflows/build.yml"), files[2]!, callee("two/.github/workflows/build.yml", "ubuntu-latest"), files[0]!);
  assert.deepEqual(where(swapped), ["one/.github/workflows/build.yml:b0:untrusted-trigger"]);
});

test("repositories given with the files: a caller reaches the callee of its own repository only", async () => {
  const file = (repository: string, name: string, text: string): WorkflowFile => ({ path: `${repository}-${name}`, text, repository, repoPath: `.github/workflows/${name}` });
  const findings = await check(file("a", "ci.yml", caller("x").text), file("b", "build.yml", callee("x").text));
  assert.deepEqual(where(findings), ["a-ci.yml:call:uses-unresolved"], "b's build.yml is not a's");
  assert.match(findings[0]!.message, /\.github\/workflows\/build\.yml is not among the workflows of a,/);
  assert.deepEqual(where(await check(file("a", "ci.yml", caller("x").text), file("a", "build.yml", callee("x").text))), ["a-build.yml:b0:untrusted-trigger"]);
});

test("a local uses to a file that is not there is uses-unresolved, naming the path and the repository", async () => {
  const findings = await check(caller("proj/.github/workflows/ci.yml"), callee("proj/.github/workflows/other.yml"));
  assert.deepEqual(where(findings), ["proj/.github/workflows/ci.yml:call:uses-unresolved"]);
  const [f] = findings;
  assert.equal(f!.severity, undefined, "an error: GitHub fails the run");
  assert.equal(f!.line, 5, "at the job's uses:");
  assert.match(f!.message, /^job "call" calls \.\/\.github\/workflows\/build\.yml, but \.github\/workflows\/build\.yml is not among the workflows of proj, so GitHub fails the run and the guard cannot check the jobs it would start$/);
  assert.match(f!.fix, /add \.github\/workflows\/build\.yml/);
  const bare = await check(caller(".github/workflows/ci.yml"));
  assert.match(bare[0]!.message, /is not among the workflows of this repository/);
});

test("a local uses to a workflow without on: workflow_call is uses-unresolved saying so", async () => {
  const notReusable: WorkflowFile = { path: "proj/.github/workflows/build.yml", text: `on: workflow_dispatch\njobs:\n  b0: { runs-on: [self-hosted, codex], steps: [{ run: make }] }\n` };
  const findings = await check(caller("proj/.github/workflows/ci.yml"), notReusable);
  assert.deepEqual(where(findings), ["proj/.github/workflows/ci.yml:call:uses-unresolved"]);
  assert.match(findings[0]!.message, /^job "call" calls \.\/\.github\/workflows\/build\.yml, which has no `on: workflow_call`, so GitHub refuses the call$/);
  assert.equal(findings[0]!.fix, "add workflow_call to the `on:` of .github/workflows/build.yml");
});

test("a remote uses is no finding: it is not among the repository's files", async () => {
  const at = (uses: string) => ({ path: "proj/.github/workflows/ci.yml", text: caller("x").text.replace("./.github/workflows/build.yml", uses) });
  assert.deepEqual(where(await check(at("./.github/workflows/build.yml"), callee("proj/.github/workflows/build.yml"))), ["proj/.github/workflows/build.yml:b0:untrusted-trigger"], "the local call reaches the callee");
  for (const uses of ["owner/repo/.github/workflows/x.yml@v1", "owner/repo/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567"]) {
    assert.deepEqual(await check(at(uses)), [], uses);
  }
});

const INPUT_CALLEE = "on:\n  workflow_call:\n    inputs:\n      runner: { type: string, required: true }\njobs:\n  build:\n    runs-on: [self-hosted, \"${{ inputs.runner }}\"]\n    steps: [{ run: make }]\n";

test("a callee's runs-on from an input resolves to the value the caller passes", async () => {
  const build: WorkflowFile = { path: "proj/.github/workflows/build.yml", text: INPUT_CALLEE };
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", "    with: { runner: codex }\n"), build), [], "[self-hosted, codex] is served");
  const gpu = await check(caller("proj/.github/workflows/ci.yml", "push", "    with: { runner: gpu }\n"), build);
  assert.deepEqual(where(gpu), ["proj/.github/workflows/build.yml:build:runner-unserved"]);
  assert.match(gpu[0]!.message, /runs-on \[self-hosted, gpu\] is not served/);
  const codex = await check(caller("proj/.github/workflows/ci.yml", "pull_request", "    with: { runner: codex }\n"), build);
  assert.deepEqual(where(codex), ["proj/.github/workflows/build.yml:build:untrusted-trigger"]);
  assert.deepEqual(codex[0]!.profiles, ["gh-runner-codex"]);
});

test("a caller's matrix passing two runners gives the callee both", async () => {
  const build: WorkflowFile = { path: "proj/.github/workflows/build.yml", text: INPUT_CALLEE };
  const lines = "    strategy: { matrix: { r: [codex, gpu] } }\n    with: { runner: \"${{ matrix.r }}\" }\n";
  const findings = await check(caller("proj/.github/workflows/ci.yml", "pull_request", lines), build);
  assert.deepEqual(where(findings).sort(), ["proj/.github/workflows/build.yml:build:runner-unserved", "proj/.github/workflows/build.yml:build:untrusted-trigger"], "codex is reached by outsiders; gpu is not served");
  assert.deepEqual(findings.find((f) => f.rule === "untrusted-trigger")!.profiles, ["gh-runner-codex"]);
  assert.match(findings.find((f) => f.rule === "runner-unserved")!.message, /runs-on \[self-hosted, gpu\] is not served/);
  const served = await check(caller("proj/.github/workflows/ci.yml", "push", lines.replace("gpu", "firecracker")), build);
  assert.deepEqual(served, [], "both served, and push is no outsiders' event");
});

test("a callee that nothing among the files calls gets no untrusted-trigger or concurrency finding", async () => {
  assert.deepEqual(await check(callee("proj/.github/workflows/build.yml")), []);
  assert.deepEqual(await check(callee("proj/.github/workflows/build.yml", "[self-hosted, codex]", 3)), [], "its own budget: 3 fit gh-runner-codex's 3");
  const fromInput = await check({ path: "proj/.github/workflows/build.yml", text: INPUT_CALLEE });
  assert.deepEqual(where(fromInput), ["proj/.github/workflows/build.yml:build:runs-on-unresolvable (note)"], "an input without a default and no caller: a note, nothing more");
  assert.match(fromInput[0]!.message, /inputs\.runner is not known before the run/);
});

test("a callee's jobs are governed by the caller's concurrency group", async () => {
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push"), callee("proj/.github/workflows/build.yml")), []);
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", "    concurrency: { group: call, cancel-in-progress: true }\n", ""), callee("proj/.github/workflows/build.yml")), [], "the calling job's own group counts too");
  const none = await check(caller("proj/.github/workflows/ci.yml", "push", "", ""), callee("proj/.github/workflows/build.yml"));
  assert.deepEqual(where(none), ["proj/.github/workflows/build.yml:b0:concurrency"]);
  assert.match(none[0]!.message, /^job "b0" runs on self-hosted runners and their runs pile up on push: neither proj\/\.github\/workflows\/ci\.yml \(which calls this workflow\) nor this workflow sets/);
  const own: WorkflowFile = { path: "proj/.github/workflows/build.yml", text: `${callee("x").text.replace("jobs:", `${GROUP}jobs:`)}` };
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", "", ""), own), [], "the callee's own group bounds its jobs");
});

test("with two callers, the one without a group is named", async () => {
  const findings = await check(caller("proj/.github/workflows/ci.yml", "push"), caller("proj/.github/workflows/nightly.yml", "push", "", ""), callee("proj/.github/workflows/build.yml"));
  assert.deepEqual(where(findings), ["proj/.github/workflows/build.yml:b0:concurrency"]);
  assert.match(findings[0]!.message, /neither proj\/\.github\/workflows\/nightly\.yml \(which calls this workflow\)/);
  assert.doesNotMatch(findings[0]!.message, /ci\.yml/);
});

test("a callee's jobs count toward the caller's workflow-budget", async () => {
  const lint = "  lint: { runs-on: [self-hosted, codex], steps: [{ run: make }] }\n";
  const over = await check(caller("proj/.github/workflows/ci.yml", "push", lint), callee("proj/.github/workflows/build.yml", "[self-hosted, codex]", 3));
  assert.deepEqual(where(over), ["proj/.github/workflows/ci.yml:call, lint:workflow-budget"], "1 + 3 runners of gh-runner-codex, over its 3");
  assert.match(over[0]!.message, /jobs "call", "lint" may run at the same time and hold 4 runners of profile "gh-runner-codex", over its budget of 3/);
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", lint), callee("proj/.github/workflows/build.yml", "[self-hosted, codex]", 2)), [], "1 + 2 fit");
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", `    needs: lint\n${lint}`), callee("proj/.github/workflows/build.yml", "[self-hosted, codex]", 3)), [], "ordered by needs: never at once");
  assert.deepEqual(await check(caller("proj/.github/workflows/ci.yml", "push", lint), callee("proj/.github/workflows/build.yml", "ubuntu-latest", 3)), [], "GitHub-hosted callee jobs hold no fleet runner");
  const twice = await check(caller("proj/.github/workflows/ci.yml", "push", "  again: { uses: ./.github/workflows/build.yml }\n"), callee("proj/.github/workflows/build.yml", "[self-hosted, codex]", 2));
  assert.deepEqual(where(twice), ["proj/.github/workflows/ci.yml:call, again:workflow-budget"], "two calls of 2 jobs each");
});
