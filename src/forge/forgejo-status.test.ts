// The Forgejo status client against a stand-in Forgejo whose every answer is checked against
// Forgejo's published API description (test/fake-forge/forgejo.ts).
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ConfigError } from "../model/issues.ts";
import { ForgeError } from "./forge-error.ts";
import { createForgejoStatusClient, forgejoMajor, nextPage, sameForgejoVersion } from "./forgejo-status.ts";
import type { StatusClientOptions } from "./status-client.ts";
import { FakeForgejo, errorAnswer, rateLimitAnswer, redirectAnswer, repository, run, runner, waitingJob } from "../../test/fake-forge/forgejo.ts";

const TOKEN = "5f3c9a1e7b2d4c6a8e0f1a2b3c4d5e6f7a8b9c0d";
const NOW = new Date("2026-05-01T10:30:00Z");

const fake = new FakeForgejo();
before(() => fake.start());
after(() => fake.stop());
afterEach(() => fake.reset());

function client(over: Partial<StatusClientOptions> = {}) {
  return createForgejoStatusClient({
    url: fake.url,
    scope: "org/acme",
    auth: { kind: "token", token: TOKEN, from: "FORGEJO_TOKEN" },
    limits: { timeoutMs: 2000, maxRequests: 50, maxRateLimitWaitSeconds: 5, rateLimitSecondMs: 1 },
    declaredLabels: ["docker", "debian-12"],
    now: () => NOW,
    ...over,
  });
}

/** The failure, checked to be a ForgeError that names the address and never the token. */
async function failure(promise: Promise<unknown>, reason: string): Promise<ForgeError> {
  const error = await promise.then(() => assert.fail("expected a ForgeError"), (e: unknown) => e);
  assert.ok(error instanceof ForgeError, `a ForgeError, got ${inspect(error)}`);
  assert.equal(error.reason, reason, error.message);
  assert.ok(error.message.includes(error.url), `the message names the address: ${error.message}`);
  assert.match(error.message, /Fix: \S/);
  const everything = `${error.message}\n${error.stack ?? ""}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
  assert.ok(!everything.includes(TOKEN), "the token appears nowhere in the error");
  return error;
}

const methods = () => [...new Set(fake.requests.map((r) => r.method))];
const paths = () => fake.requests.map((r) => r.apiPath);

describe("Forgejo 15: registered runners", () => {
  it("reads every page of the runner list, only the scope's own runners, with the token", async () => {
    fake.state.maxPageSize = 2;
    fake.state.runners["org/acme"] = [1, 2, 3, 4, 5].map((id) => runner({ id, name: `fj-${id}` }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.name), ["fj-1", "fj-2", "fj-3", "fj-4", "fj-5"]);
    const pages = fake.requests.filter((r) => r.apiPath === "/orgs/acme/actions/runners");
    assert.deepEqual(pages.map((r) => r.query.get("page")), ["1", "2", "3"]);
    assert.ok(pages.every((r) => r.query.get("visible") === "false"));
    assert.ok(fake.requests.every((r) => r.headers.authorization === `token ${TOKEN}`));
    assert.deepEqual(methods(), ["GET"]);
    assert.equal(snap.forge, "forgejo");
    assert.equal(snap.scope, `127.0.0.1:${new URL(fake.url).port}/org/acme`);
    assert.equal(snap.takenAt, NOW.toISOString());
    assert.deepEqual(snap.unseen, []);
  });

  it("maps Forgejo's runner status: offline, idle (online, free), active (online, busy)", async () => {
    fake.state.runners["org/acme"] = [
      runner({ id: 1, status: "offline", labels: ["docker"] }),
      runner({ id: 2, status: "idle", labels: ["docker", "debian-12"], ephemeral: true }),
      runner({ id: 3, status: "active" }),
    ];
    const snap = await client().snapshot();
    assert.deepEqual(
      snap.runners?.map((r) => [r.id, r.status, r.busy, r.labels, r.ephemeral]),
      [[1, "offline", false, ["docker"], false], [2, "online", false, ["docker", "debian-12"], true], [3, "online", true, ["docker"], false]],
    );
  });

  const scopes = [
    { scope: "instance", runners: "/admin/actions/runners", jobs: "/admin/actions/runners/jobs" },
    { scope: "org/acme", runners: "/orgs/acme/actions/runners", jobs: "/orgs/acme/actions/runners/jobs" },
    { scope: "repo/acme/app", runners: "/repos/acme/app/actions/runners", jobs: "/repos/acme/app/actions/runners/jobs" },
    { scope: "user", runners: "/user/actions/runners", jobs: "/user/actions/runners/jobs" },
  ];
  for (const s of scopes) {
    it(`scope ${s.scope}: GET /version, ${s.runners}, ${s.jobs}; removal is DELETE ${s.runners}/{id}`, async () => {
      fake.state.runners[s.scope] = [runner({ id: 7 })];
      const c = client({ scope: s.scope });
      const snap = await c.snapshot();
      assert.deepEqual(paths(), ["/version", s.runners, s.jobs]);
      assert.equal(fake.requests[2]!.query.get("labels"), null, "Forgejo 15 is asked for every job, not only the declared labels");
      assert.deepEqual(snap.runners?.map((r) => r.id), [7]);
      assert.equal(c.deleteCall(7), `DELETE ${fake.url}/api/v1${s.runners}/7`);
    });
  }

  it("shows the removal call with the forge's sub-path", () => {
    const c = createForgejoStatusClient({
      url: "https://code.example.org/git", scope: "org/acme", auth: { kind: "token", token: TOKEN, from: "FORGEJO_TOKEN" },
      limits: { timeoutMs: 1000, maxRequests: 10, maxRateLimitWaitSeconds: 1 }, declaredLabels: [],
    });
    assert.equal(c.deleteCall(7), "DELETE https://code.example.org/git/api/v1/orgs/acme/actions/runners/7");
  });
});

describe("waiting jobs and how long they have waited", () => {
  const app = repository({ id: 12, owner: "acme", name: "app" });

  it("repository scope: the job's run gives its title, queue time and link; running jobs are left out", async () => {
    fake.state.repositories = [app];
    fake.state.runs = [run({ id: 5, repository: app, title: "CI", created: "2026-05-01T10:02:00Z" })];
    fake.state.jobs["repo/acme/app"] = [
      waitingJob({ id: 50, run_id: 5, repo_id: 12, name: "build", runs_on: ["debian-12"] }),
      waitingJob({ id: 51, run_id: 5, repo_id: 12, name: "lint", status: "running" }),
    ];
    const snap = await client({ scope: "repo/acme/app" }).snapshot();
    assert.deepEqual(snap.jobs, [{
      id: 50, name: "CI / build", repository: "acme/app", labels: ["debian-12"], queuedAt: "2026-05-01T10:02:00.000Z", url: "https://code.example.org/acme/app/actions/runs/5",
    }]);
    assert.ok(!paths().includes("/repositories/12"), "the scope names the repository");
    assert.deepEqual(methods(), ["GET"]);
  });

  it("organisation scope: each repository is found by id once, each run read once", async () => {
    const lib = repository({ id: 13, owner: "acme", name: "lib" });
    fake.state.repositories = [app, lib];
    fake.state.runs = [run({ id: 5, repository: app, created: "2026-05-01T10:01:00Z" }), run({ id: 6, repository: lib, title: "Release" })];
    fake.state.jobs["org/acme"] = [
      waitingJob({ id: 50, run_id: 5, repo_id: 12, name: "a" }),
      waitingJob({ id: 52, run_id: 5, repo_id: 12, name: "b" }),
      waitingJob({ id: 60, run_id: 6, repo_id: 13, name: "c" }),
    ];
    const snap = await client().snapshot();
    assert.deepEqual(snap.jobs.map((j) => [j.id, j.name, j.repository, j.queuedAt]), [
      [50, "run 5 / a", "acme/app", "2026-05-01T10:01:00.000Z"],
      [52, "run 5 / b", "acme/app", "2026-05-01T10:01:00.000Z"],
      [60, "Release / c", "acme/lib", "2026-05-01T10:00:00.000Z"],
    ]);
    assert.deepEqual(paths().filter((p) => p.startsWith("/repositories/") || p.includes("/actions/runs/")), [
      "/repositories/12", "/repos/acme/app/actions/runs/5", "/repositories/13", "/repos/acme/lib/actions/runs/6",
    ]);
  });

  it("keeps only the repositories asked for", async () => {
    const lib = repository({ id: 13, owner: "acme", name: "lib" });
    fake.state.repositories = [app, lib];
    fake.state.runs = [run({ id: 5, repository: app }), run({ id: 6, repository: lib })];
    fake.state.jobs["org/acme"] = [waitingJob({ id: 50, run_id: 5, repo_id: 12 }), waitingJob({ id: 60, run_id: 6, repo_id: 13 })];
    const snap = await client({ repositories: ["acme/LIB"] }).snapshot();
    assert.deepEqual(snap.jobs.map((j) => j.repository), ["acme/lib"]);
    assert.ok(!paths().includes("/repos/acme/app/actions/runs/5"), "no run is read for a job left out");
  });

  it("reads Forgejo's null (no job) as an empty list", async () => {
    fake.state.runners["org/acme"] = [];
    const snap = await client().snapshot();
    assert.deepEqual(snap.jobs, []);
    assert.deepEqual(snap.runners, []);
  });

  it("a run the token cannot read leaves the job without its wait, and says what scope is missing", async () => {
    fake.state.repositories = [app];
    fake.state.jobs["org/acme"] = [waitingJob({ id: 50, run_id: 5, repo_id: 12, name: "build" })];
    fake.override = (req) => (req.apiPath.includes("/actions/runs/") ? errorAnswer(403, "token does not have at least one of required scope(s): [read:repository]") : undefined);
    const snap = await client().snapshot();
    assert.deepEqual(snap.jobs, [{ id: 50, name: "build", repository: "acme/app", labels: ["docker"] }]);
    assert.ok(snap.unseen.some((s) => s.includes("acme/app") && s.includes("HTTP 403") && s.includes("read:repository")), snap.unseen.join("\n"));
  });

  it("past the request budget, jobs keep no wait and the report says so; the runner list is still complete", async () => {
    fake.state.maxPageSize = 2;
    fake.state.runners["org/acme"] = [1, 2, 3].map((id) => runner({ id }));
    fake.state.repositories = [app];
    fake.state.runs = [run({ id: 5, repository: app }), run({ id: 6, repository: app })];
    fake.state.jobs["org/acme"] = [waitingJob({ id: 50, run_id: 5, repo_id: 12 }), waitingJob({ id: 60, run_id: 6, repo_id: 12 })];
    // version, 2 pages, jobs, the repository, run 5: 6 requests; run 6 is left out.
    const snap = await client({ limits: { timeoutMs: 2000, maxRequests: 6, maxRateLimitWaitSeconds: 0 } }).snapshot();
    assert.equal(fake.requests.length, 6);
    assert.equal(snap.runners?.length, 3);
    assert.deepEqual(snap.jobs.map((j) => [j.id, j.queuedAt !== undefined]), [[50, true], [60, false]]);
    assert.ok(snap.unseen.some((s) => s.includes("request budget (6 requests)") && s.includes("1 waiting job")), snap.unseen.join("\n"));
  });

  it("a runner list longer than the budget is an error, not a partial list", async () => {
    fake.state.maxPageSize = 1;
    fake.state.runners["org/acme"] = [1, 2, 3, 4].map((id) => runner({ id }));
    const error = await failure(client({ limits: { timeoutMs: 2000, maxRequests: 3, maxRateLimitWaitSeconds: 0 } }).snapshot(), "http-error");
    assert.match(error.message, /list the registered runners/);
    assert.match(error.message, /request budget of 3 requests/);
  });
});

describe("versions", () => {
  it("before Forgejo 15: no runner list, jobs asked for by the declared labels, and the report says what it cannot see", async () => {
    fake.state.version = "12.0.1+gitea-1.22.0";
    fake.state.repositories = [repository({ id: 12, owner: "acme", name: "app" })];
    fake.state.jobs["instance"] = [
      waitingJob({ id: 50, run_id: 5, repo_id: 12, runs_on: ["docker"] }),
      waitingJob({ id: 51, run_id: 5, repo_id: 12, runs_on: ["gpu"] }),
    ];
    const snap = await client({ scope: "instance" }).snapshot();
    assert.equal(snap.runners, undefined);
    assert.deepEqual(paths(), ["/version", "/admin/runners/jobs", "/repositories/12"]);
    assert.equal(fake.requests[1]!.query.get("labels"), "docker,debian-12");
    assert.deepEqual(snap.jobs.map((j) => [j.id, j.repository, j.queuedAt]), [[50, "acme/app", undefined]]);
    const unseen = snap.unseen.join("\n");
    assert.match(unseen, /Forgejo 12\.0\.1\+gitea-1\.22\.0 cannot list its runners through the API \(Forgejo 15 can\): registrations, offline runners and pruning are not checked/);
    assert.match(unseen, /jobs for labels no pool declares cannot be seen/);
    assert.match(unseen, /which run a waiting job belongs to/);
  });

  it("a forge without GET /version runs the version the fleet declares", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1 })];
    fake.override = (req) => (req.apiPath === "/version" ? errorAnswer(404, "not found") : undefined);
    const snap = await client({ version: "15.0" }).snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1]);
    assert.deepEqual(snap.unseen, []);
  });

  it("a forge without GET /version and no declared version is taken to be older than 15, and the report says so", async () => {
    fake.state.version = undefined;
    fake.state.jobs["org/acme"] = [];
    const snap = await client().snapshot();
    assert.equal(snap.runners, undefined);
    assert.match(snap.unseen.join("\n"), /does not report its version \(GET \/version answered HTTP 404\) and the fleet declares none/);
  });

  it("names both versions when the fleet declares another than the forge runs", async () => {
    fake.state.version = "15.0.2+gitea-1.22.0";
    fake.state.runners["org/acme"] = [];
    const snap = await client({ version: "14.0.1" }).snapshot();
    assert.ok(snap.unseen.some((s) => s.includes("14.0.1") && s.includes("15.0.2+gitea-1.22.0")), snap.unseen.join("\n"));
    assert.deepEqual((await client({ version: "15" }).snapshot()).unseen, []);
  });

  it("reads version strings", () => {
    assert.equal(forgejoMajor("15.0.1+gitea-1.22.0"), 15);
    assert.equal(forgejoMajor("v12.0"), 12);
    assert.equal(forgejoMajor("1.21.11-0"), 1);
    assert.equal(forgejoMajor("dev"), undefined);
    assert.ok(sameForgejoVersion("15", "15.0.1+gitea-1.22.0"));
    assert.ok(sameForgejoVersion("15.0.1", "15.0.1+gitea-1.22.0"));
    assert.ok(!sameForgejoVersion("15.0.2", "15.0.1+gitea-1.22.0"));
    assert.equal(nextPage('<https://x/api/v1/user/actions/runners?page=3&limit=2>; rel="next",<https://x/?page=9>; rel="last"'), 3);
    assert.equal(nextPage('<https://x/?page=1>; rel="first"'), undefined);
  });
});

describe("errors", () => {
  it("401: the token in the named variable was rejected", async () => {
    fake.state.token = "another-token-entirely";
    const error = await failure(client().snapshot(), "unauthorized");
    assert.equal(error.status, 401);
    assert.equal(error.url, `${fake.url}/api/v1/version`);
    assert.match(error.message, /HTTP 401/);
    assert.match(error.message, /FORGEJO_TOKEN/);
    assert.match(error.fix, /read:organization/);
  });

  it("403: names the token scope and the role the scope needs", async () => {
    fake.override = (req) => (req.apiPath.endsWith("/actions/runners") ? errorAnswer(403, "token does not have at least one of required scope(s): [read:organization]") : undefined);
    const error = await failure(client().snapshot(), "forbidden");
    assert.equal(error.status, 403);
    assert.match(error.message, /could not list the registered runners for scope "org\/acme"/);
    assert.match(error.message, /HTTP 403/);
    assert.match(error.message, /the forge said: "token does not have/);
    assert.match(error.fix, /read:organization/);
    assert.match(error.fix, /owner of the organisation "acme"/);
  });

  it("404: the organisation does not exist (or the token cannot see it)", async () => {
    const error = await failure(client({ scope: "org/nobody" }).snapshot(), "not-found");
    assert.equal(error.status, 404);
    assert.equal(error.url, `${fake.url}/api/v1/orgs/nobody/actions/runners?visible=false&page=1&limit=50`);
    assert.match(error.message, /organisation "nobody" was not found/);
    assert.match(error.fix, /org\/nobody/);
  });

  it("a 5xx is the forge's failure", async () => {
    fake.override = (req) => (req.apiPath === "/version" ? errorAnswer(502, "bad gateway") : undefined);
    const error = await failure(client().snapshot(), "http-error");
    assert.match(error.message, /the forge failed \(HTTP 502, after one retry\)/);
  });

  it("a redirect is not followed", async () => {
    fake.override = (req) => (req.apiPath === "/version" ? redirectAnswer("https://elsewhere.example.org/api/v1/version?token=x") : undefined);
    const error = await failure(client().snapshot(), "redirect");
    assert.match(error.message, /redirected the request to https:\/\/elsewhere\.example\.org\/api\/v1\/version \(HTTP 302\)/);
    assert.ok(!error.message.includes("token=x"));
    assert.equal(fake.requests.length, 1);
  });

  it("429: waits as long as Retry-After says, once, then reads on", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1 })];
    let limited = 0;
    fake.override = (req) => (req.apiPath === "/orgs/acme/actions/runners" && limited++ === 0 ? rateLimitAnswer(2) : undefined);
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1]);
    assert.deepEqual(paths(), ["/version", "/orgs/acme/actions/runners", "/orgs/acme/actions/runners", "/orgs/acme/actions/runners/jobs"]);
  });

  it("429 asking for a longer wait than allowed is an error", async () => {
    fake.override = (req) => (req.apiPath === "/version" ? rateLimitAnswer(600) : undefined);
    const error = await failure(client().snapshot(), "http-error");
    assert.match(error.message, /HTTP 429/);
    assert.match(error.message, /wait 600 s, more than the 5 s allowed/);
    assert.equal(fake.requests.length, 1);
  });

  it("no answer within the time limit", async () => {
    fake.override = (req) => (req.apiPath === "/version" ? "hang" : undefined);
    const error = await failure(client({ limits: { timeoutMs: 200, maxRequests: 10, maxRateLimitWaitSeconds: 0 } }).snapshot(), "timeout");
    assert.match(error.message, /no answer within 200 ms/);
  });

  it("a body that stalls is a timeout too", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1 }), runner({ id: 2 })];
    fake.override = (req) => (req.apiPath === "/orgs/acme/actions/runners" ? "stall-body" : undefined);
    const error = await failure(client({ limits: { timeoutMs: 200, maxRequests: 10, maxRateLimitWaitSeconds: 0 } }).snapshot(), "timeout");
    assert.match(error.message, /no complete answer within 200 ms/);
  });

  it("a forge that is not there is unreachable", async () => {
    const gone = await new FakeForgejo().start();
    const url = gone.url;
    await gone.stop();
    const error = await failure(client({ url }).snapshot(), "unreachable");
    assert.match(error.message, /connection refused/);
  });
});

describe("removing a runner", () => {
  it("DELETEs the runner at the scope, and nothing else changes", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 7 }), runner({ id: 8 })];
    const c = client();
    await c.snapshot();
    fake.requests.length = 0;
    await c.deleteRunner(7);
    assert.deepEqual(fake.calls(), ["DELETE /api/v1/orgs/acme/actions/runners/7"]);
    assert.deepEqual(fake.state.runners["org/acme"]!.map((r) => r.id), [8]);
  });

  it("asks the version first when no snapshot did", async () => {
    fake.state.runners["user"] = [runner({ id: 3 })];
    await client({ scope: "user" }).deleteRunner(3);
    assert.deepEqual(fake.calls(), ["GET /api/v1/version", "DELETE /api/v1/user/actions/runners/3"]);
  });

  it("403 on removal names the write scope", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 7 })];
    fake.override = (req) => (req.method === "DELETE" ? errorAnswer(403, "token does not have at least one of required scope(s): [write:organization]") : undefined);
    const error = await failure(client().deleteRunner(7), "forbidden");
    assert.match(error.message, /could not remove runner 7/);
    assert.match(error.fix, /write:organization/);
  });

  it("a runner that is not there is a 404 that says so", async () => {
    fake.state.runners["org/acme"] = [];
    const error = await failure(client().deleteRunner(9), "not-found");
    assert.match(error.message, /no runner 9 is registered at this scope/);
  });

  it("before Forgejo 15 there is no removal API: a clear error, and no DELETE is sent", async () => {
    fake.state.version = "11.0.3+gitea-1.22.0";
    const error = await failure(client().deleteRunner(7), "not-found");
    assert.match(error.message, /Forgejo 11\.0\.3\+gitea-1\.22\.0 has no API to remove a runner \(Forgejo 15 has\)/);
    assert.match(error.fix, /web UI/);
    assert.deepEqual(methods(), ["GET"]);
  });
});

describe("bad options", () => {
  const bad = (over: Partial<StatusClientOptions>) => {
    try {
      client(over);
    } catch (error) {
      assert.ok(error instanceof ConfigError, inspect(error));
      assert.ok(!error.message.includes(TOKEN));
      return error.issues;
    }
    return assert.fail("expected a ConfigError");
  };

  it("a GitHub App cannot sign in to Forgejo", () => {
    const issues = bad({ auth: { kind: "app", appId: "1", privateKey: "-----BEGIN RSA PRIVATE KEY-----", installationId: 2, from: "GITHUB_APP_KEY_FILE" } });
    assert.deepEqual(issues.map((i) => i.path), ["auth"]);
    assert.match(issues[0]!.fix, /Forgejo access token/);
  });

  it("every problem at once, each at its key with a fix", () => {
    const issues = bad({
      url: "ftp://code.example.org",
      scope: "team/x",
      auth: { kind: "token", token: " ", from: "FORGEJO_TOKEN" },
      limits: { timeoutMs: 0, maxRequests: 1, maxRateLimitWaitSeconds: -1, rateLimitSecondMs: 1.5 },
    });
    assert.deepEqual(issues.map((i) => i.path), ["url", "scope", "auth", "limits.timeoutMs", "limits.maxRequests", "limits.maxRateLimitWaitSeconds", "limits.rateLimitSecondMs"]);
    assert.ok(issues.every((i) => i.fix.length > 0));
    assert.match(issues[2]!.message, /FORGEJO_TOKEN is empty/);
  });

  it("a token with a line break or a prefix", () => {
    assert.match(bad({ auth: { kind: "token", token: `token ${TOKEN}`, from: "FORGEJO_TOKEN" } })[0]!.message, /whitespace/);
  });

  it("a runner id that is not one", async () => {
    await assert.rejects(client().deleteRunner(0), (e: unknown) => e instanceof ConfigError && /runner id/.test(e.message));
    assert.equal(fake.requests.length, 0);
  });
});

describe("the stand-in Forgejo", () => {
  it("refuses to send what Forgejo's description does not allow: the answer becomes a 500 and is recorded", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1, extra: { status: "busy" } })];
    const error = await failure(client().snapshot(), "http-error");
    assert.match(error.message, /HTTP 500, after one retry/);
    assert.equal(fake.invalid.length, 2, "recorded each time it was sent: a failed read is tried twice");
    assert.match(fake.invalid[0]!, /GET \/api\/v1\/orgs\/acme\/actions\/runners\?.* → HTTP 200: \/0\/status must be equal to one of the allowed values/);
    fake.invalid.length = 0;
  });
});
