import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseProfiles } from "../../model/profiles.ts";
import { checkWorkflows, type GuardFinding, type WorkflowFile } from "./index.ts";

// Every workflow here runs on [self-hosted, codex] (gh-runner-codex: persistent, not fenced, trusted)
// and sets a concurrency group, so the only findings are about outsiders' runs.
const profiles = parseProfiles(readFileSync(resolve(import.meta.dirname, "../../../test/fixtures/guard/profiles.yaml"), "utf8"), "profiles.yaml");

interface JobSpec {
  readonly if?: string;
  readonly needs?: string;
  readonly steps?: string;
  readonly runsOn?: string;
}

const RUN = "      - run: make test\n";
const HEAD_CHECKOUT = "      - uses: actions/checkout@v4\n        with: { ref: '${{ github.event.pull_request.head.sha }}' }\n";
const PR_CHECKOUT = "      - run: gh pr checkout ${{ github.event.issue.number }}\n";

/** A job in block YAML: `if:` is written as given (plain, or `${{ }}`). */
function job(id: string, spec: JobSpec = {}): string {
  return [
    `  ${id}:`,
    `    runs-on: ${spec.runsOn ?? "[self-hosted, codex]"}`,
    ...(spec.needs === undefined ? [] : [`    needs: ${spec.needs}`]),
    ...(spec.if === undefined ? [] : [`    if: ${spec.if}`]),
    "    steps:",
    (spec.steps ?? RUN).replace(/\n$/, ""),
  ].join("\n") + "\n";
}

/** A workflow with `on:` written as the lines under it (`pull_request:`, `  types: [closed]`). */
const workflow = (on: string, jobs: string, head = ""): WorkflowFile => ({
  path: ".github/workflows/t.yml",
  text: `${head}on:\n${on.split("\n").map((l) => `  ${l}`).join("\n")}\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n${jobs}`,
});

const check = (...files: WorkflowFile[]) => checkWorkflows(files, profiles, { profilesSource: "profiles.yaml" });
const rules = (findings: readonly GuardFinding[]) => findings.map((f) => `${f.job}:${f.rule}${f.severity === "note" ? " (note)" : ""}`);

/** The job is gated with its `if:`, and is a finding without it (so the gate is what keeps it). */
async function gatedBy(on: string, spec: JobSpec & { if: string }) {
  assert.deepEqual(rules(await check(workflow(on, job("test", spec)))), [], `${on} / if: ${spec.if}`);
  const { if: _gate, ...open } = spec;
  assert.deepEqual(rules(await check(workflow(on, job("test", open)))), ["test:untrusted-trigger"], `${on} without the gate`);
}

test("an if: that compares the pull request's head repository with the base gates a fork's pull request", async () => {
  await gatedBy("pull_request:", { if: "github.event.pull_request.head.repo.full_name == github.repository" });
  await gatedBy("pull_request:", { if: "${{ github.repository == github.event.pull_request.head.repo.full_name }}" });
  await gatedBy("pull_request:", { if: "github.event.pull_request.head.repo.fork == false" });
  await gatedBy("pull_request:", { if: "${{ !github.event.pull_request.head.repo.fork }}" });
  await gatedBy("pull_request:", { if: "github.event.pull_request.head.repo.owner.login == github.repository_owner" });
  await gatedBy("pull_request_target:", { if: "github.event.pull_request.head.repo.full_name == github.repository", steps: HEAD_CHECKOUT });
});

test("the same comparison the other way round, or on a property of the fork outsiders choose, does not gate", async () => {
  for (const cond of ["github.event.pull_request.head.repo.full_name != github.repository", "github.event.pull_request.head.repo.fork", "startsWith(github.head_ref, 'release/')", "github.event.pull_request.draft == false", "contains(github.event.pull_request.title, '[ci]')"]) {
    assert.deepEqual(rules(await check(workflow("pull_request:", job("test", { if: cond })))), ["test:untrusted-trigger"], cond);
  }
});

test("what only maintainers do gates: a label, a merge, being named, an author association of theirs", async () => {
  // An outsider opens the pull request; only a maintainer can label it.
  await gatedBy("pull_request:\n  types: [opened, labeled]", { if: "contains(github.event.pull_request.labels.*.name, 'ok-to-test')" });
  await gatedBy("pull_request_target:\n  types: [opened, labeled]", { if: "github.event.action == 'labeled'", steps: HEAD_CHECKOUT });
  // An outsider can close their own pull request; only a maintainer merges it.
  await gatedBy("pull_request_target:\n  types: [closed]", { if: "github.event.pull_request.merged == true", steps: HEAD_CHECKOUT });
  await gatedBy("pull_request:", { if: "github.event.pull_request.user.login == 'dependabot[bot]'" });
  await gatedBy("pull_request:", { if: "github.event.pull_request.author_association == 'OWNER'" });
  await gatedBy("issue_comment:", { if: `contains(fromJSON('["OWNER","MEMBER","COLLABORATOR"]'), github.event.comment.author_association)`, steps: PR_CHECKOUT });
  await gatedBy("issue_comment:", { if: "github.event.comment.user.login == github.repository_owner", steps: PR_CHECKOUT });
});

test("a job-level if: on secrets is refused by GitHub, so the workflow runs no job", async () => {
  const findings = await check(workflow("pull_request:", job("test", { if: "secrets.DEPLOY_KEY != ''" })));
  assert.deepEqual(findings.map((f) => f.rule), ["workflow-refused"]);
  assert.match(findings[0]!.message, /^GitHub refuses the workflow \(Unrecognized named-value: 'secrets'\), so none of its jobs run/);
});

test("needs: a job gated for outsiders gates the jobs after it, through a chain of jobs", async () => {
  const gate = job("gate", { if: "github.event.pull_request.head.repo.full_name == github.repository", runsOn: "ubuntu-latest" });
  const chain = gate + job("mid", { needs: "gate", runsOn: "ubuntu-latest" }) + job("test", { needs: "mid" });
  assert.deepEqual(rules(await check(workflow("pull_request:", chain))), []);
  assert.deepEqual(rules(await check(workflow("pull_request:", chain.replace("    if: github.event.pull_request.head.repo.full_name == github.repository\n", "")))), ["test:untrusted-trigger"], "without the gate the last job runs");
  assert.deepEqual(rules(await check(workflow("pull_request:", gate + job("test", { needs: "gate", if: "always() && needs.gate.result == 'success'" })))), [], "reading the gate's result keeps it");
});

test("if: always() (or a test of the gate's result that a skip passes) after a gate job runs for outsiders", async () => {
  const gate = job("gate", { if: "github.event.pull_request.head.repo.full_name == github.repository", runsOn: "ubuntu-latest" });
  for (const cond of ["always()", "${{ always() }}", "always() && needs.gate.result != 'failure'"]) {
    const findings = await check(workflow("pull_request:", gate + job("test", { needs: "gate", if: cond })));
    assert.deepEqual(rules(findings), ["test:untrusted-trigger"], cond);
    assert.match(findings[0]!.message, /can be started by outsiders through pull_request with their code \(pull_request runs the pull request's code\)/);
  }
});

const SCRIPT_CHECK = `  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/github-script@v7
        with:
          script: |
            const { data } = await github.rest.repos.getCollaboratorPermissionLevel({ ...context.repo, username: context.actor });
            if (!['admin', 'write'].includes(data.permission)) core.setFailed('needs write access');
`;
const GH_API_CHECK = `  check:
    runs-on: ubuntu-latest
    steps:
      - run: gh api "repos/$R/collaborators/$U/permission" --jq .permission | grep -qE '^(admin|write)$'
        env: { R: "\${{ github.repository }}", U: "\${{ github.actor }}", GH_TOKEN: "\${{ github.token }}" }
`;

test("needs: a job that checks the author's permission gates the job, from a github-script or a gh api call", async () => {
  for (const check_ of [SCRIPT_CHECK, GH_API_CHECK]) {
    assert.deepEqual(rules(await check(workflow("pull_request_target:", check_ + job("test", { needs: "check", steps: HEAD_CHECKOUT })))), []);
    assert.deepEqual(rules(await check(workflow("pull_request_target:", check_ + job("test", { needs: "check", if: "always() && needs.check.result == 'success'", steps: HEAD_CHECKOUT })))), [], "reading its result keeps the gate");
  }
  const plain = "  check:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo checking\n";
  assert.deepEqual(rules(await check(workflow("pull_request_target:", plain + job("test", { needs: "check", steps: HEAD_CHECKOUT })))), ["test:untrusted-trigger"], "a job that checks nothing gates nothing");
});

test("needs: a permission check with if: always() that does not read it runs for outsiders", async () => {
  for (const check_ of [SCRIPT_CHECK, GH_API_CHECK]) {
    const findings = await check(workflow("pull_request_target:", check_ + job("test", { needs: "check", if: "always()", steps: HEAD_CHECKOUT })));
    assert.deepEqual(rules(findings), ["test:untrusted-trigger"]);
    assert.match(findings[0]!.message, /through pull_request_target with their code \(actions\/checkout with ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}\)/);
  }
});

test("pull_request_target that checks out only the base repository's code is not a finding; the head is", async () => {
  for (const steps of ["      - uses: actions/checkout@v4\n      - run: make lint\n", "      - uses: actions/checkout@v4\n        with: { ref: '${{ github.sha }}' }\n", "      - uses: actions/checkout@v4\n        with: { ref: '${{ github.event.pull_request.base.ref }}' }\n", "      - run: echo \"$TITLE\"\n        env: { TITLE: '${{ github.event.pull_request.title }}' }\n"]) {
    assert.deepEqual(rules(await check(workflow("pull_request_target:", job("test", { steps })))), [], steps);
  }
  const heads: [string, RegExp][] = [
    [HEAD_CHECKOUT, /actions\/checkout with ref: \$\{\{ github\.event\.pull_request\.head\.sha \}\}/],
    ["      - uses: actions/checkout@v4\n        with: { ref: '${{ github.head_ref }}' }\n", /actions\/checkout with ref: \$\{\{ github\.head_ref \}\}/],
    ["      - uses: actions/checkout@v4\n        with: { repository: '${{ github.event.pull_request.head.repo.full_name }}' }\n", /actions\/checkout with repository: /],
    ["      - uses: actions/checkout@v4\n        with: { ref: 'refs/pull/${{ github.event.number }}/merge' }\n", /ref: refs\/pull\/\$\{\{ github\.event\.number \}\}\/merge/],
    ["      - run: git fetch origin pull/${{ github.event.number }}/head && git checkout FETCH_HEAD\n", /a run: step that fetches the pull request/],
    ["      - run: echo \"${{ github.event.pull_request.title }}\"\n", /\$\{\{ github\.event\.pull_request\.title \}\} written into a script/],
  ];
  for (const [steps, how] of heads) {
    const findings = await check(workflow("pull_request_target:", job("test", { steps })));
    assert.deepEqual(rules(findings), ["test:untrusted-trigger"], steps);
    assert.match(findings[0]!.message, how);
  }
});

test("pull_request_target with types: [labeled] only is started by maintainers, not outsiders", async () => {
  assert.deepEqual(rules(await check(workflow("pull_request_target:\n  types: [labeled]", job("test", { steps: HEAD_CHECKOUT })))), []);
  assert.deepEqual(rules(await check(workflow("pull_request_target:\n  types: [labeled, synchronize]", job("test", { steps: HEAD_CHECKOUT })))), ["test:untrusted-trigger"], "synchronize is the outsider's push");
});

test("a pull_request job without a gate is a finding naming the event, how the code comes in, the profile and the fix", async () => {
  const [f, ...rest] = await check(workflow("pull_request:", job("test")));
  assert.deepEqual(rest, []);
  assert.equal(f!.rule, "untrusted-trigger");
  assert.equal(f!.severity, undefined, "an error, not a note");
  assert.equal(f!.line, 6, "at runs-on");
  assert.deepEqual(f!.profiles, ["gh-runner-codex"]);
  assert.match(f!.message, /^job "test" can be started by outsiders through pull_request with their code \(pull_request runs the pull request's code\), and its runs-on can land on profile "gh-runner-codex", which is persistent, not fenced, trusted/);
  assert.match(f!.fix, /run the job on an ephemeral, fenced, untrusted profile — arc-firecracker \[self-hosted, linux, x64, firecracker\]/);
  assert.match(f!.fix, /if: github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
  assert.deepEqual(await check(workflow("pull_request:", job("test", { runsOn: "[self-hosted, firecracker]" }))), [], "a fenced, ephemeral, untrusted profile is fine");
});

test("if: github.repository == 'org/repo' does not gate: the run happens in that repository", async () => {
  const findings = await check(workflow("pull_request:", job("test", { if: "github.repository == 'org/repo'" })));
  assert.deepEqual(rules(findings), ["test:untrusted-trigger"]);
  assert.deepEqual(rules(await check(workflow("pull_request:", job("test", { if: "github.repository != 'org/repo'" })))), [], "a job for copies of the repository never runs in it");
});

test("issue_comment: a /test comment that checks out the pull request is a finding", async () => {
  const steps = "      - uses: actions/checkout@v4\n        with: { ref: 'refs/pull/${{ github.event.issue.number }}/head' }\n";
  const findings = await check(workflow("issue_comment:\n  types: [created]", job("test", { if: "github.event.issue.pull_request && contains(github.event.comment.body, '/test')", steps })));
  assert.deepEqual(rules(findings), ["test:untrusted-trigger"]);
  assert.match(findings[0]!.message, /through issue_comment with their code \(actions\/checkout with ref: refs\/pull\/\$\{\{ github\.event\.issue\.number \}\}\/head\)/);
  assert.deepEqual(rules(await check(workflow("issue_comment:", job("test", { if: "contains(github.event.comment.body, '/test')" })))), [], "a comment that only runs the base's code is not");
});

test("issues: the issue's title written into a run: script is a finding; passed through env it is not", async () => {
  const findings = await check(workflow("issues:\n  types: [opened]", job("triage", { steps: "      - run: echo \"${{ github.event.issue.title }}\" >> notes.txt\n" })));
  assert.deepEqual(rules(findings), ["triage:untrusted-trigger"]);
  assert.match(findings[0]!.message, /through issues with their code \(\$\{\{ github\.event\.issue\.title \}\} written into a script\)/);
  assert.deepEqual(await check(workflow("issues:", job("triage", { steps: "      - run: echo \"$TITLE\"\n        env: { TITLE: '${{ github.event.issue.title }}' }\n" }))), []);
  assert.deepEqual(rules(await check(workflow("issues:", job("triage", { steps: "      - uses: actions/github-script@v7\n        with: { script: 'core.info(\"${{ github.event.issue.body }}\")' }\n" })))), ["triage:untrusted-trigger"], "a github-script is a script too");
});

test("workflow_run following a workflow (by its name) that outsiders start runs their artifacts", async () => {
  const ci = (on: string): WorkflowFile => ({ path: ".github/workflows/ci.yml", text: `name: CI\non: ${on}\njobs:\n  build: { runs-on: ubuntu-latest, steps: [{ run: make }] }\n` });
  const steps = "      - uses: actions/download-artifact@v4\n        with: { run-id: '${{ github.event.workflow_run.id }}', github-token: '${{ github.token }}' }\n      - run: ./dist/report.sh\n";
  const follower = workflow("workflow_run:\n  workflows: [CI]\n  types: [completed]", job("report", { steps }));
  const findings = await check(ci("pull_request"), follower);
  assert.deepEqual(rules(findings), ["report:untrusted-trigger"]);
  assert.equal(findings[0]!.file, ".github/workflows/t.yml");
  assert.match(findings[0]!.message, /through workflow_run with their code \(actions\/download-artifact of another run's artifacts\)/);
  assert.deepEqual(await check(ci("push"), follower), [], "a workflow only pushes start is not the outsiders'");
  assert.deepEqual(await check(ci("pull_request"), workflow("workflow_run:\n  workflows: [CI]", job("report", { if: "github.event.workflow_run.head_repository.full_name == github.repository", steps }))), [], "gated on the head repository");
  const unknown = await check(workflow("workflow_run:\n  workflows: [Elsewhere]", job("report", { steps })));
  assert.deepEqual(rules(unknown), ["report:gate-unverified (note)"], "a followed workflow that is not among the files");
  assert.match(unknown[0]!.message, /workflow_run of Elsewhere, not among the checked workflows/);
});

test("a condition on a repository variable is a note: gated by expression, not verified", async () => {
  const findings = await check(workflow("pull_request:", job("gpu", { if: "vars.RUN_GPU == 'true'" })));
  assert.deepEqual(findings.map((f) => [f.job, f.rule, f.severity]), [["gpu", "gate-unverified", "note"]]);
  assert.match(findings[0]!.message, /^job "gpu" is gated by expression, not verified: outsiders can start it, but on pull_request, the job's condition depends on vars\.RUN_GPU == 'true'; it can land on "gh-runner-codex"$/);
  assert.match(findings[0]!.fix, /make the gate decidable/);
  assert.deepEqual(await check(workflow("pull_request:", job("gpu", { if: "vars.RUN_GPU == 'true' && github.event.pull_request.head.repo.fork == false" }))), [], "a decidable gate beside it settles it");
});

test("issue_comment checking out a ref from a step's output is a note naming that ref", async () => {
  const steps = "      - id: meta\n        run: echo \"ref=$(./pick-ref.sh)\" >> \"$GITHUB_OUTPUT\"\n      - uses: actions/checkout@v4\n        with: { ref: '${{ steps.meta.outputs.ref }}' }\n";
  const findings = await check(workflow("issue_comment:", job("test", { steps })));
  assert.deepEqual(findings.map((f) => [f.job, f.rule, f.severity]), [["test", "gate-unverified", "note"]]);
  assert.match(findings[0]!.message, /on issue_comment, it checks out a ref only known at run time \(actions\/checkout with ref: \$\{\{ steps\.meta\.outputs\.ref \}\}\)/);
});

test("a reusable workflow's jobs are gated by the if: of the job that calls it", async () => {
  const callee: WorkflowFile = { path: ".github/workflows/build.yml", text: `on: workflow_call\njobs:\n${job("build")}` };
  const caller = (cond: string) => ({ path: ".github/workflows/ci.yml", text: `on: pull_request\nconcurrency: { group: g, cancel-in-progress: true }\njobs:\n  call:\n${cond}    uses: ./.github/workflows/build.yml\n` });
  assert.deepEqual(await check(caller("    if: github.event.pull_request.head.repo.full_name == github.repository\n"), callee), []);
  const findings = await check(caller(""), callee);
  assert.deepEqual(findings.map((f) => [f.file, f.job, f.rule]), [[".github/workflows/build.yml", "build", "untrusted-trigger"]]);
  assert.match(findings[0]!.message, /through pull_request \(through \.github\/workflows\/ci\.yml\)/);
});
