// `runner-fleet status` as a user runs it (bin/runner-fleet.js, needs `npm run build`): the example
// stacks render offline, their runner pools say where they register (a settings file points them at
// a stand-in forge on 127.0.0.1), and the stand-in answers as GitHub Enterprise Server or Forgejo 15
// do, every answer checked against the forge's published API description. Exit codes: 0 healthy,
// 1 something to fix, 2 bad input or a forge that could not be asked; never a token in the output.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import * as gh from "./fake-forge/github.ts";
import * as fj from "./fake-forge/forgejo.ts";

const REPO = resolve(import.meta.dirname, "..");
const TOKEN = "ghp_status0test0token0abcdefghijklmnopq1";
const FJ_TOKEN = "0123456789abcdef0123456789abcdef01234567";
const CODEX = ["self-hosted", "Linux", "X64", "codex"];
const GEMINI = ["self-hosted", "Linux", "X64", "gemini"];
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

interface Run { code: number | null; stdout: string; stderr: string }
/** Runs the CLI without blocking this process (the stand-in forge answers from it). */
function cli(args: string[], env: Record<string, string> = {}, input = ""): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, env: { PATH: process.env["PATH"] ?? "", HOME: tmpdir(), ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "rf-status-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The example stack's settings with its forge address pointed at `url`. */
function settings(stack: string, project: string, over: Record<string, unknown>): string {
  const doc = parse(readFileSync(join(REPO, "infra/pulumi", stack, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  for (const [k, v] of Object.entries(over)) doc.config[`${project}:${k}`] = v;
  const file = join(dir, `${stack}-${Object.values(over).join("-").replace(/[^a-z0-9]/gi, "")}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

describe("status against GitHub (the gh-runner stack: codex and gemini, one runner each, repository my-reforge-ai/my-reforge-ai)", () => {
  const fake = new gh.FakeGithub();
  const REPO_SCOPE = "my-reforge-ai/my-reforge-ai";
  let config = "";
  const status = (...args: string[]) => cli(["status", "infra/pulumi/gh-runner", "--config-file", config, ...args], { GITHUB_TOKEN: TOKEN });
  const healthy = () => {
    fake.state.runners = { [REPO_SCOPE]: [gh.runner({ id: 1, name: "codex-gh-runner-6f7c9-abcde", labels: CODEX, busy: true }), gh.runner({ id: 2, name: "gemini-gh-runner-58d4b-fghij", labels: GEMINI })] };
    fake.state.runs = { [REPO_SCOPE]: [] };
    fake.state.jobs = {};
    fake.state.maxPageSize = 100;
    fake.override = undefined;
  };
  const queue = (runId: number, labels: string[], minutes: number) => {
    fake.state.runs[REPO_SCOPE] = [...(fake.state.runs[REPO_SCOPE] ?? []), gh.workflowRun({ id: runId, repository: REPO_SCOPE, status: "queued", created_at: minutesAgo(minutes) })];
    fake.state.jobs[String(runId)] = [gh.queuedJob({ id: runId * 10, run_id: runId, repository: REPO_SCOPE, labels, created_at: minutesAgo(minutes) })];
  };
  before(async () => {
    await fake.start();
    fake.state.tokens = [TOKEN];
    config = settings("gh-runner", "gh-runner", { githubUrl: fake.url, allowInsecureHttp: true });
  });
  after(async () => {
    fake.assertValid();
    await fake.stop();
  });

  it("a healthy fleet: both pools registered with their labels and online, nothing waiting: exit 0", async () => {
    healthy();
    const r = await status();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /codex-gh-runner\s+1\/1\s+1\s+1\s+1\s+-/);
    assert.match(r.stdout, /gemini-gh-runner\s+1\/1\s+1\s+1\s+0\s+-/);
    assert.match(r.stdout, /2 pools, 0 with a problem; 0 jobs waiting, 0 longer than 5 min; 0 stale runners \(offline, nobody declared\): healthy/);
    assert.ok(fake.requests.every((q) => q.method === "GET"), "read-only");
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  it("a job waiting on a label no pool serves: unserved, naming the nearest pool; exit 1", async () => {
    healthy();
    queue(501, ["self-hosted", "gpu"], 20);
    const r = await status("--format", "json");
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { healthy: boolean; targets: { jobs: { id: number; reason: string; waitedMinutes: number; fix: string }[] }[] };
    assert.equal(out.healthy, false);
    const [job] = out.targets[0]!.jobs;
    assert.equal(job!.id, 5010);
    assert.equal(job!.reason, "unserved");
    assert.ok(job!.waitedMinutes >= 19 && job!.waitedMinutes <= 21, String(job!.waitedMinutes));
    assert.match(job!.fix, /\(it lacks gpu\)/);
  });

  it("a pool registered without one of its labels: the runner and the missing label are named; exit 1", async () => {
    healthy();
    fake.state.runners[REPO_SCOPE]![1] = gh.runner({ id: 2, name: "gemini-gh-runner-58d4b-fghij", labels: ["self-hosted", "Linux", "X64"] });
    queue(502, ["self-hosted", "gemini"], 8);
    const r = await status("--format", "markdown");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /\| gemini-gh-runner \| 1\/1 \| 0 \| 0 \| 0 \| runner gemini-gh-runner-58d4b-fghij registered without gemini \|/);
    assert.match(r.stdout, /mislabelled: pool "gemini-gh-runner" has runner "gemini-gh-runner-58d4b-fghij" registered without gemini/);
  });

  it("a pool at its maximum with jobs queued: at-max, with the knob to raise; exit 1", async () => {
    healthy();
    queue(503, ["self-hosted", "codex"], 9);
    queue(504, ["codex"], 7);
    const r = await status("--json");
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { targets: { jobs: { reason: string; explanation: string; fix: string }[] }[] };
    assert.deepEqual(out.targets[0]!.jobs.map((j) => j.reason), ["at-max", "at-max"]);
    assert.match(out.targets[0]!.jobs[0]!.explanation, /pool "codex-gh-runner" is at its maximum \(1 busy of 1\)/);
    assert.match(out.targets[0]!.jobs[0]!.fix, /raise its replicas/);
  });

  it("stale offline runners nobody declared are listed with the call that removes them, read over several pages", async () => {
    healthy();
    const stale = Array.from({ length: 5 }, (_, i) => gh.runner({ id: 100 + i, name: `old-builder-${i}`, status: "offline", labels: ["self-hosted", "build"] }));
    fake.state.runners[REPO_SCOPE]!.push(...stale, gh.runner({ id: 200, name: "spare", labels: ["self-hosted", "spare"] }));
    fake.state.maxPageSize = 2;
    fake.requests.length = 0;
    const r = await status("--json");
    assert.equal(r.code, 0, `undeclared runners alone do not make the fleet unhealthy: ${r.stderr}`);
    const pages = fake.requests.filter((q) => q.apiPath === `/repos/${REPO_SCOPE}/actions/runners`).length;
    assert.equal(pages, 4, "8 runners, 2 per page");
    const out = JSON.parse(r.stdout) as { targets: { undeclared: { name: string; status: string; removeWith?: string }[] }[] };
    const undeclared = out.targets[0]!.undeclared;
    assert.deepEqual(undeclared.map((u) => u.name), [...stale.map((s) => s.name), "spare"]);
    assert.equal(undeclared[0]!.removeWith, `DELETE ${fake.apiUrl}/repos/${REPO_SCOPE}/actions/runners/100`);
    assert.equal(undeclared[5]!.removeWith, undefined, "an online runner is not offered for removal");
  });

  it("--prune removes nothing without a typed yes, then only the offline runners nobody declared", async () => {
    healthy();
    fake.state.runners[REPO_SCOPE]!.push(gh.runner({ id: 300, name: "old-builder", status: "offline", labels: ["self-hosted", "build"] }), gh.runner({ id: 301, name: "spare", labels: ["self-hosted", "spare"] }), gh.runner({ id: 302, name: "codex-gh-runner-old", status: "offline", labels: CODEX }));
    fake.requests.length = 0;
    const no = await status("--prune");
    assert.equal(no.code, 0, no.stderr);
    assert.match(no.stderr, /old-builder \(id 300, 127\.0\.0\.1:\d+\/my-reforge-ai\/my-reforge-ai\): DELETE /);
    assert.match(no.stderr, /nothing removed/);
    assert.ok(fake.requests.every((q) => q.method === "GET"), "no answer, no removal");
    const yes = await cli(["status", "infra/pulumi/gh-runner", "--config-file", config, "--prune"], { GITHUB_TOKEN: TOKEN }, "yes\n");
    assert.equal(yes.code, 0, yes.stderr);
    assert.deepEqual(fake.requests.filter((q) => q.method !== "GET").map((q) => `${q.method} ${q.apiPath}`), [`DELETE /repos/${REPO_SCOPE}/actions/runners/300`]);
    assert.match(yes.stderr, /removed old-builder \(id 300\)/);
  });

  it("with --state-file, an offline runner is stale only once it has been offline for --offline-for", async () => {
    healthy();
    fake.state.runners[REPO_SCOPE]!.push(gh.runner({ id: 400, name: "old-builder", status: "offline", labels: ["self-hosted", "build"] }));
    const state = join(dir, "status-state.json");
    const first = await status("--json", "--state-file", state, "--offline-for", "60");
    assert.equal(first.code, 0, first.stderr);
    const fresh = (JSON.parse(first.stdout) as { targets: { undeclared: { id: number; offlineMinutes?: number; removeWith?: string }[] }[] }).targets[0]!.undeclared[0]!;
    assert.deepEqual([fresh.id, fresh.offlineMinutes, fresh.removeWith], [400, 0, undefined], "first seen offline now: not stale yet");
    const saved = JSON.parse(readFileSync(state, "utf8")) as { offlineSince: Record<string, string> };
    const [key] = Object.keys(saved.offlineSince);
    assert.match(key!, / 400$/);
    writeFileSync(state, JSON.stringify({ version: 1, offlineSince: { [key!]: minutesAgo(90) } }));
    const later = await status("--state-file", state, "--offline-for", "60");
    assert.equal(later.code, 0, later.stderr);
    assert.match(later.stdout, /old-builder\s+400\s+offline 90 min/);
    assert.match(first.stdout, /"offlineSince"/);
    assert.ok(later.stdout.includes(`by hand at ${fake.apiUrl}:\n  DELETE /repos/${REPO_SCOPE}/actions/runners/400\n`), later.stdout);
    const without = await status("--offline-for", "60");
    assert.equal(without.code, 2);
    assert.match(without.stderr, /--offline-for needs --state-file/);
  });

  it("a request budget that runs out before every waiting job is seen: incomplete, exit 1, saying what was not seen", async () => {
    healthy();
    const r = await status("--max-requests", "2");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout.replace(/\s+/g, " "), /Not seen: waiting jobs were looked for in 0 of 1 repositories: the request budget of 2 requests ran out/);
    assert.match(r.stdout.replace(/\s+/g, " "), /: incomplete \(see Not seen\)/);
  });

  it("a rate limit that resets in a second is waited out, and the report is complete", async () => {
    healthy();
    let limited = 0;
    fake.override = (q) => (q.apiPath.endsWith("/actions/runners") && limited++ === 0 ? gh.rateLimitAnswer(1) : undefined);
    const r = await status("--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(limited, 2, "asked again after the wait");
    assert.match(r.stdout, /"registered": 1/);
  });

  it("401, 403 and 404 end with exit 2, the URL, the status, what it means and the fix, and never the token", async () => {
    const cases: [gh.FakeAnswer, RegExp][] = [
      [gh.errorAnswer(401, "Bad credentials"), /HTTP 401.*the token is wrong, expired or revoked.*Fix: create a new token .* put it in GITHUB_TOKEN/],
      [gh.errorAnswer(403, "Resource not accessible by personal access token", { "x-accepted-github-permissions": "administration=read" }), /HTTP 403.*a permission is missing.*administration=read.*Fix: give the token from GITHUB_TOKEN the classic scope repo .*"Administration: read"/],
      [gh.errorAnswer(404, "Not Found"), /HTTP 404.*does not exist at this address.*cannot see it.*Fix: check the scope "my-reforge-ai\/my-reforge-ai" and the forge URL/],
    ];
    for (const [answer, message] of cases) {
      healthy();
      fake.override = () => answer;
      const r = await status();
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${fake.apiUrl.replace(/[.:/]/g, "\\$&")}/repos/my-reforge-ai/my-reforge-ai/actions/runners`));
      assert.match(r.stderr.replace(/\n/g, " "), message);
      assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
  });

  it("a forge that hangs past the time limit: exit 2, naming the URL and the limit", async () => {
    healthy();
    fake.override = () => "hang";
    const r = await status("--timeout", "1");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no answer within 1000 ms|within 1 s/);
    assert.match(r.stderr, /actions\/runners/);
  });

  it("no credentials, or a token flag instead of a variable: exit 2 before any request, saying what to set", async () => {
    healthy();
    fake.requests.length = 0;
    const none = await cli(["status", "infra/pulumi/gh-runner", "--config-file", config]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no GitHub credentials: GITHUB_TOKEN and GH_TOKEN are not set or empty\. Fix: export a token in GITHUB_TOKEN/);
    const flag = await cli(["status", "infra/pulumi/gh-runner", "--config-file", config, "--token", TOKEN]);
    assert.equal(flag.code, 2);
    assert.ok(!flag.stderr.includes(TOKEN), flag.stderr);
    assert.equal(fake.requests.length, 0);
  });
});

describe("status refuses bad flags before rendering or asking anything: exit 2, naming the flag and the fix", () => {
  it("numbers out of range, and two output formats at once", async () => {
    const cases: [string[], RegExp][] = [
      [["--threshold", "abc"], /--threshold "abc" is not a whole number of minutes from 0 to 10080\. Fix: give e\.g\. --threshold 5/],
      [["--timeout", "0"], /--timeout "0" is not a whole number of seconds from 1 to 600\. Fix:/],
      [["--max-requests", "-3"], /--max-requests "-3" is not a whole number of requests from 1 to 100000\. Fix:/],
      [["--offline-for", "2.5"], /--offline-for "2\.5" is not a whole number of minutes/],
      [["--json", "--format", "markdown"], /--json and --format markdown ask for different outputs\. Fix: give one of them/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["status", "infra/pulumi/gh-runner", ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe("status against Forgejo 15 (the forgejo-k8s-runners stack: build and lint pools; its scope from --scope)", () => {
  const fake = new fj.FakeForgejo({ token: FJ_TOKEN });
  let config = "";
  const repo = fj.repository({ id: 7, owner: "acme", name: "app" });
  before(async () => {
    await fake.start();
    config = settings("forgejo-k8s-runners", "forgejo-k8s-runners", { forgejoUrl: fake.url, allowInsecureHttp: true });
    fake.state.repositories = [repo];
  });
  after(async () => {
    fake.assertValid();
    await fake.stop();
  });

  it("registered pools, a job waiting on an unserved label, the wait read from its run: exit 1", async () => {
    fake.state.runners = { "org/acme": [fj.runner({ id: 1, name: "build-forgejo-runner-0", labels: ["k8s", "alpine-3"] }), fj.runner({ id: 2, name: "build-forgejo-runner-1", labels: ["k8s", "alpine-3"], status: "active" }), fj.runner({ id: 3, name: "lint-forgejo-runner-0", labels: ["lint"] })] };
    fake.state.jobs = { "org/acme": [fj.waitingJob({ id: 40, run_id: 4, repo_id: 7, runs_on: ["arm64"] })] };
    fake.state.runs = [fj.run({ id: 4, repository: repo, title: "nightly", created: minutesAgo(30) })];
    const r = await cli(["status", "infra/pulumi/forgejo-k8s-runners", "--config-file", config, "--scope", "org/acme", "--json"], { FORGEJO_TOKEN: FJ_TOKEN });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { targets: { scope: string; poolStatus: { pool: string; registered: number; busy: number; problem?: string }[]; jobs: { repository: string; reason: string; waitedMinutes: number }[] }[] };
    const [t] = out.targets;
    assert.match(t!.scope, /^127\.0\.0\.1:\d+\/org\/acme$/);
    assert.deepEqual(t!.poolStatus.map((p) => [p.pool, p.registered, p.busy, p.problem]), [["build-forgejo-runner", 2, 1, undefined], ["lint-forgejo-runner", 1, 0, undefined]]);
    assert.deepEqual(t!.jobs.map((j) => [j.repository, j.reason]), [["acme/app", "unserved"]]);
    assert.ok(t!.jobs[0]!.waitedMinutes >= 29 && t!.jobs[0]!.waitedMinutes <= 31);
    assert.ok(!r.stdout.includes(FJ_TOKEN) && !r.stderr.includes(FJ_TOKEN));
  });

  it("without --scope the Forgejo pools cannot be asked about: exit 2 naming the pool and the flag", async () => {
    const r = await cli(["status", "infra/pulumi/forgejo-k8s-runners", "--config-file", config], { FORGEJO_TOKEN: FJ_TOKEN });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /runnerPools\[0\] \(build-forgejo-runner\)\.registration\.scope: is not known: the runners' registration token decides it/);
    assert.match(r.stderr, /pass --scope/);
  });

  it("a token without the scope's permission: exit 2 with Forgejo's status and the token scope to add", async () => {
    fake.override = () => fj.errorAnswer(403, "token does not have at least one of required scope(s): [read:organization]");
    const r = await cli(["status", "infra/pulumi/forgejo-k8s-runners", "--config-file", config, "--scope", "org/acme"], { FORGEJO_TOKEN: FJ_TOKEN });
    fake.override = undefined;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /HTTP 403/);
    assert.match(r.stderr, /read:organization/);
    assert.ok(!r.stderr.includes(FJ_TOKEN));
  });
});
