// The Forgejo job exporter run for real (bash, python3) against a local HTTP server that answers as
// Forgejo 15's published API description says (test/reference/forgejo-v15/actions-jobs.json); the
// textfile it writes is checked with promtool.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { ConfigError } from "../../model/issues.ts";
import { FORGEJO_JOB_METRICS, type ForgejoExporterOptions, forgejoExporterPaths, forgejoExporterUnits, forgejoRunJobsPath, renderForgejoExporterScript } from "./forgejo-exporter.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const REPO = join(import.meta.dirname, "..", "..", "..");
const TOKEN = "8a1c2f0e5b7d4c3a9e6f1b2d3c4e5f6a7b8c9d0e";
const SPEC = JSON.parse(readFileSync(join(REPO, "test/reference/forgejo-v15/actions-jobs.json"), "utf8").replaceAll("{{AppSubUrl | JSEscape}}", "").replaceAll("{{AppVer | JSEscape}}", "15.0.0")) as {
  basePath: string;
  paths: Record<string, { get: { responses: Record<string, { $ref: string }> } }>;
  definitions: Record<string, unknown>;
  responses: Record<string, { schema: unknown }>;
};
const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
/** The schema of the answer with `status` of the GET at path template `template`. */
function answerSchema(template: string, status: number) {
  const ref = SPEC.paths[template]?.get.responses[String(status)]?.$ref;
  assert.ok(ref, `the description declares ${status} for GET ${template}`);
  return ajv.compile({ ...(SPEC.responses[ref.replace("#/responses/", "")]?.schema as object), definitions: SPEC.definitions });
}

const iso = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const task = (id: number, status: string, startedAgo: number, updatedAgo: number) => ({
  id, name: "build", head_branch: "main", head_sha: "0123456789abcdef0123456789abcdef01234567", run_number: id, event: "push", display_title: "ci", status,
  workflow_id: "ci.yml", url: `https://forgejo.example.com/acme/app/actions/runs/${id}`, created_at: iso(startedAgo), updated_at: iso(updatedAgo), run_started_at: iso(startedAgo),
});

interface Answer { status: number; body: unknown }
const answers = new Map<string, Answer>();
const seen: { path: string; query: string; auth: string | undefined }[] = [];
let server: Server;
let base = "";

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  seen.push({ path: url.pathname, query: url.search, auth: req.headers.authorization });
  const rel = url.pathname.slice(SPEC.basePath.length);
  const template = Object.keys(SPEC.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(rel));
  const answer = answers.get(rel) ?? { status: 404, body: { message: "not found", url: "", errors: [] } };
  if (template === undefined) throw new Error(`no such path in the description: ${rel}`);
  const validate = answerSchema(template, answer.status);
  if (!validate(answer.body)) throw new Error(`stub answer for ${rel} breaks the description: ${ajv.errorsText(validate.errors)}`);
  res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
}

const options = (over: Partial<ForgejoExporterOptions> = {}): ForgejoExporterOptions => ({
  pool: "fj-small", forgeUrl: base, allowInsecureHttp: true, scope: { kind: "org", org: "acme" }, labels: ["debian-12", "docker"], repositories: ["acme/app"], ...over,
});

/** Renders the exporter with its paths moved under `dir`, runs it with bash (without blocking the stub server). */
async function run(dir: string, over: Partial<ForgejoExporterOptions> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = renderForgejoExporterScript({ ...options(over), tokenFile: join(dir, "token"), textfileDir: join(dir, "textfile") })
    .replace(forgejoExporterPaths("fj-small").stateFile, join(dir, "state", "fj-small.json"));
  writeFileSync(join(dir, "exporter"), script);
  const child = spawn("bash", [join(dir, "exporter")]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((r) => child.on("close", r));
  return { status, stdout, stderr };
}
const textfileOf = (dir: string) => join(dir, "textfile", forgejoExporterPaths("fj-small").textfile);

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "forgejo-exporter-"));
  mkdirSync(join(dir, "textfile"));
  writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
  return dir;
}

describe("Forgejo job exporter", { ...needs("python3", "promtool") }, () => {
  before(async () => {
    server = createServer(handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  after(() => server.close());
  beforeEach(() => {
    answers.clear();
    seen.length = 0;
    answers.set("/orgs/acme/actions/runners/jobs", { status: 200, body: [
      { id: 11, repo_id: 3, owner_id: 2, name: "build", needs: [], runs_on: ["debian-12"], task_id: 0, status: "waiting" },
      { id: 12, repo_id: 3, owner_id: 2, name: "test", needs: [], runs_on: ["debian-12"], task_id: 41, status: "running" },
    ] });
    answers.set("/repos/acme/app/actions/tasks", { status: 200, body: { total_count: 4, workflow_runs: [
      task(44, "running", 60, 30), task(43, "failure", 600, 120), task(42, "success", 900, 300), task(40, "success", 200_000, 600), task(39, "success", 9000, 7200),
    ] } });
  });

  it("writes the waiting jobs, the oldest wait and one series per task finished in the last hour", async () => {
    requireTool("python3", "promtool");
    const dir = workspace();
    const r = await run(dir);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(textfileOf(dir), "utf8");
    assert.match(text, new RegExp(`^${FORGEJO_JOB_METRICS.waitingJobs}\\{pool="fj-small"\\} 1$`, "m"));
    assert.match(text, new RegExp(`^${FORGEJO_JOB_METRICS.oldestWaitingSeconds}\\{pool="fj-small"\\} \\d+$`, "m"));
    const tasks = text.split("\n").filter((l) => l.startsWith(`${FORGEJO_JOB_METRICS.taskCompletedTimestamp}{`));
    // 44 runs, 40 started days ago (its updated_at is a log expiry), 39 ended two hours ago.
    assert.deepEqual(tasks.map((l) => /task_id="(\d+)",result="(\w+)"/.exec(l)?.slice(1).join(" ")), ["42 success", "43 failure"]);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    // The labels query and the token, in a header only.
    assert.ok(seen.some((s) => s.path === "/api/v1/orgs/acme/actions/runners/jobs" && new URLSearchParams(s.query).get("labels") === "debian-12,docker"));
    assert.ok(seen.every((s) => s.auth === `token ${TOKEN}`));
    assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
  });

  it("counts a job's wait from the first time it saw the job, across runs", async () => {
    requireTool("python3");
    const dir = workspace();
    assert.equal((await run(dir)).status, 0);
    const state = join(dir, "state", "fj-small.json");
    const firstSeen = JSON.parse(readFileSync(state, "utf8")) as { first_seen: Record<string, number> };
    assert.deepEqual(Object.keys(firstSeen.first_seen), ["11"]);
    // As if the job had been seen 20 minutes ago.
    writeFileSync(state, JSON.stringify({ first_seen: { "11": Math.floor(Date.now() / 1000) - 1200, "99": 1 } }));
    assert.equal((await run(dir)).status, 0);
    const age = Number(/oldest_waiting_job_seconds\{pool="fj-small"\} (\d+)/.exec(readFileSync(textfileOf(dir), "utf8"))?.[1]);
    assert.ok(age >= 1200, `age ${age}`);
    // Jobs no longer waiting are forgotten.
    assert.deepEqual(Object.keys((JSON.parse(readFileSync(state, "utf8")) as { first_seen: object }).first_seen), ["11"]);
  });

  // Each status where the description declares it: 401 for the user scope's jobs, 403 for the
  // organisation's, 404 for a repository's tasks.
  const refusals: [number, Partial<ForgejoExporterOptions>, string][] = [
    [401, { scope: { kind: "user" } }, "/user/actions/runners/jobs"],
    [403, {}, "/orgs/acme/actions/runners/jobs"],
    [404, {}, "/repos/acme/app/actions/tasks"],
  ];
  for (const [status, over, path] of refusals) {
    it(`on HTTP ${status} from GET ${path} logs the status and leaves the previous textfile alone`, async () => {
      requireTool("python3");
      const dir = workspace();
      writeFileSync(textfileOf(dir), "previous\n");
      answers.set("/user/actions/runners/jobs", { status: 200, body: [] });
      answers.set(path, { status, body: { message: "no", url: "", ...(status === 404 ? { errors: [] } : {}) } });
      const r = await run(dir, over);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`GET ${path}: HTTP ${status}`));
      assert.equal(readFileSync(textfileOf(dir), "utf8"), "previous\n");
      assert.ok(!r.stderr.includes(TOKEN));
    });
  }

  it("leaves the textfile alone when Forgejo is unreachable or the token file is missing", async () => {
    requireTool("python3");
    const dir = workspace();
    const r = await run(dir, { forgeUrl: "http://127.0.0.1:9" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /GET \/orgs\/acme\/actions\/runners\/jobs: URLError/);
    assert.equal(existsSync(textfileOf(dir)), false);
    spawnSync("rm", [join(dir, "token")]);
    const missing = await run(dir);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /cannot read the token file/);
  });
});

describe("Forgejo job exporter settings", () => {
  it("lists waiting jobs at each scope's path", () => {
    assert.equal(forgejoRunJobsPath({ kind: "instance" }), "/admin/actions/runners/jobs");
    assert.equal(forgejoRunJobsPath({ kind: "user" }), "/user/actions/runners/jobs");
    assert.equal(forgejoRunJobsPath({ kind: "repo", owner: "acme", repo: "app" }), "/repos/acme/app/actions/runners/jobs");
    for (const scope of [{ kind: "instance" }, { kind: "user" }, { kind: "org", org: "a" }, { kind: "repo", owner: "a", repo: "b" }] as const) {
      assert.ok(Object.keys(SPEC.paths).includes(forgejoRunJobsPath(scope).replace("/acme/app", "/{owner}/{repo}").replace("/orgs/a/", "/orgs/{org}/").replace("/repos/a/b/", "/repos/{owner}/{repo}/")));
    }
  });

  it("passes shellcheck", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: renderForgejoExporterScript(options({ forgeUrl: "https://forgejo.example.com", allowInsecureHttp: false })), encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  });

  it("runs every minute as a oneshot service", () => {
    const [service, timer] = forgejoExporterUnits(options({ forgeUrl: "https://forgejo.example.com" }));
    assert.equal(service?.sections.find((s) => s.name === "Service")?.entries.find(([k]) => k === "Type")?.[1], "oneshot");
    assert.equal(timer?.sections.find((s) => s.name === "Timer")?.entries.find(([k]) => k === "OnCalendar")?.[1], "minutely");
  });

  const bad: [string, Partial<ForgejoExporterOptions>, string][] = [
    ["pool", { pool: "Bad Pool" }, "pool"],
    ["forgeUrl", { forgeUrl: "http://forgejo.example.com", allowInsecureHttp: false }, "forgeUrl"],
    ["scope", { scope: { kind: "org", org: "-bad-" } }, "scope"],
    ["labels (empty)", { labels: [] }, "labels"],
    ["labels (with a docker part)", { labels: ["debian-12:docker://node:20"] }, "labels.0"],
    ["repositories", { repositories: ["just-a-name"] }, "repositories.0"],
    ["tokenFile", { tokenFile: "relative/token" }, "tokenFile"],
  ];
  for (const [what, over, path] of bad) {
    it(`refuses a bad ${what}, naming ${path} and a fix`, () => {
      assert.throws(() => renderForgejoExporterScript(options({ forgeUrl: "https://forgejo.example.com", ...over })), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        const issue = e.issues.find((i) => i.path === path);
        assert.ok(issue, `an issue at ${path}: ${JSON.stringify(e.issues)}`);
        assert.ok(issue.fix.length > 10);
        return true;
      });
    });
  }
});
