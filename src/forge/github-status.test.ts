// The GitHub status client against a stand-in GitHub Enterprise Server whose every answer is
// checked against GitHub's published REST description: runner lists across pages, runner groups,
// waiting jobs found through queued and in-progress runs, the three scopes, GitHub App auth, the
// errors a user must act on (each naming the URL, the status, what it means and the fix, never the
// token), rate limits, hanging servers, the request budget and runner removal.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ForgeError } from "./forge-error.ts";
import { createGithubStatusClient } from "./github-status.ts";
import type { StatusAuth, StatusClient, StatusClientOptions, StatusLimits } from "./status-client.ts";
import { ConfigError } from "../model/issues.ts";
import { FakeGithub, errorAnswer, queuedJob, rateLimitAnswer, redirectAnswer, repository, runner, runnerGroup, workflowRun } from "../../test/fake-forge/github.ts";

const TOKEN = "ghp_statusTestToken0123456789abcdefABCDEF";
const TOKEN_AUTH: StatusAuth = { kind: "token", token: TOKEN, from: "GITHUB_TOKEN" };
const LIMITS: StatusLimits = { timeoutMs: 5_000, maxRequests: 300, maxRateLimitWaitSeconds: 5, rateLimitSecondMs: 5 };
const NOW = new Date("2026-12-03T10:20:00Z");

let fake: FakeGithub;

beforeEach(async () => {
  fake = await new FakeGithub().start();
});

afterEach(async () => {
  await fake.stop();
  fake.assertValid();
});

function client(scope: string, extra: Partial<StatusClientOptions> = {}): StatusClient {
  return createGithubStatusClient({ url: fake.url, scope, auth: TOKEN_AUTH, limits: LIMITS, declaredLabels: [], now: () => NOW, ...extra });
}

/** The call fails with a ForgeError of that reason and status whose message names the URL and never the token. */
async function rejectsWith(promise: Promise<unknown>, expect: { reason: string; status?: number; url: string }): Promise<ForgeError> {
  const error = await promise.then(() => assert.fail("expected the call to fail"), (e: unknown) => e);
  assert.ok(error instanceof ForgeError, `expected a ForgeError, got ${String(error)}`);
  assert.equal(error.reason, expect.reason, error.message);
  assert.equal(error.status, expect.status, error.message);
  assert.equal(error.url, expect.url);
  assert.ok(error.message.includes(expect.url), `names the URL: ${error.message}`);
  if (expect.status !== undefined) assert.ok(error.message.includes(`HTTP ${expect.status}`), `names the status: ${error.message}`);
  assert.ok(!error.message.includes(TOKEN), "never the token");
  assert.ok(!JSON.stringify(error).includes(TOKEN), "no property carries the token");
  return error;
}

const methods = () => [...new Set(fake.requests.map((r) => r.method))];

describe("runners", () => {
  it("reads every runner across several pages, with labels, status, busy, ephemeral and group", async () => {
    fake.state.maxPageSize = 3;
    fake.state.runners["acme"] = Array.from({ length: 7 }, (_, i) => runner({
      id: i + 1, name: `codex-${i + 1}`, status: i % 2 === 0 ? "online" : "offline", busy: i === 0, ephemeral: i === 6,
      labels: ["self-hosted", "Linux", "X64", "codex"], runner_group_id: i < 4 ? 1 : 2,
    }));
    fake.state.runnerGroups["acme"] = [runnerGroup({ id: 1, name: "Default" }), runnerGroup({ id: 2, name: "trusted" })];
    fake.state.repositories["acme"] = [];

    const snapshot = await client("acme").snapshot();

    assert.equal(snapshot.forge, "github");
    assert.equal(snapshot.scope, `${new URL(fake.url).host}/acme`);
    assert.equal(snapshot.takenAt, NOW.toISOString());
    assert.deepEqual(snapshot.runners?.map((r) => r.id), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(snapshot.runners?.[0], { id: 1, name: "codex-1", status: "online", busy: true, labels: ["self-hosted", "Linux", "X64", "codex"], group: "Default", ephemeral: false });
    assert.deepEqual(snapshot.runners?.[1]?.status, "offline");
    assert.deepEqual(snapshot.runners?.[6], { id: 7, name: "codex-7", status: "online", busy: false, labels: ["self-hosted", "Linux", "X64", "codex"], group: "trusted", ephemeral: true });
    assert.deepEqual(fake.calls().filter((c) => c.includes("/actions/runners")), [
      "GET /api/v3/orgs/acme/actions/runners?per_page=100",
      "GET /api/v3/orgs/acme/actions/runners?per_page=100&page=2",
      "GET /api/v3/orgs/acme/actions/runners?per_page=100&page=3",
    ]);
    const first = fake.requests[0]!;
    assert.equal(first.headers["x-github-api-version"], "2022-11-28");
    assert.equal(first.headers.authorization, `token ${TOKEN}`);
    assert.deepEqual(methods(), ["GET"], "a snapshot only reads");
  });

  it("leaves groups out, and says nothing, when the token may not read the runner groups", async () => {
    fake.state.runners["acme"] = [runner({ id: 1, name: "a", runner_group_id: 1 })];
    fake.state.repositories["acme"] = [];
    fake.override = (r) => (r.apiPath === "/orgs/acme/actions/runner-groups" ? errorAnswer(403, "Resource not accessible by personal access token") : undefined);
    const snapshot = await client("acme").snapshot();
    assert.equal(snapshot.runners?.[0]?.group, undefined);
    assert.deepEqual(snapshot.unseen, []);
  });

  it("lists the runners of a repository, an organisation and an enterprise at their own paths, and removes them there", async () => {
    fake.state.runners = { "acme/app": [runner({ id: 1, name: "r" })], acme: [runner({ id: 2, name: "o" })], "enterprises/big": [runner({ id: 3, name: "e" })] };
    fake.state.runnerGroups["acme"] = [];
    fake.state.repositories["acme"] = [];
    for (const [scope, path, id] of [["acme/app", "/repos/acme/app", 1], ["acme", "/orgs/acme", 2], ["enterprises/big", "/enterprises/big", 3]] as const) {
      const c = client(scope);
      const snapshot = await c.snapshot();
      assert.deepEqual(snapshot.runners?.map((r) => r.id), [id]);
      assert.ok(fake.calls().includes(`GET /api/v3${path}/actions/runners?per_page=100`), `${scope}: ${fake.calls().join(", ")}`);
      assert.equal(c.deleteCall(id), `DELETE ${fake.apiUrl}${path}/actions/runners/${id}`);
      await c.deleteRunner(id);
      assert.equal(fake.calls().at(-1), `DELETE /api/v3${path}/actions/runners/${id}`);
    }
    assert.deepEqual(fake.state.runners, { "acme/app": [], acme: [], "enterprises/big": [] }, "each runner was removed");
  });

  it("deleteCall names api.github.com for github.com", () => {
    const c = createGithubStatusClient({ url: "https://github.com", scope: "acme", auth: TOKEN_AUTH, limits: LIMITS, declaredLabels: [] });
    assert.equal(c.deleteCall(42), "DELETE https://api.github.com/orgs/acme/actions/runners/42");
  });
});

describe("waiting jobs", () => {
  it("finds the queued jobs of queued and in-progress runs, with labels, queue time and link", async () => {
    fake.state.runners["acme/app"] = [];
    fake.state.runs["acme/app"] = [
      workflowRun({ id: 11, status: "queued" }),
      workflowRun({ id: 12, status: "in_progress", name: "Release" }),
      workflowRun({ id: 13, status: "completed", extra: { conclusion: "success" } }),
    ];
    fake.state.jobs = {
      "11": [queuedJob({ id: 111, run_id: 11, name: "test", labels: ["self-hosted", "codex"], created_at: "2026-12-03T10:01:00Z" })],
      "12": [
        queuedJob({ id: 121, run_id: 12, workflow_name: "Release", name: "build", status: "in_progress" }),
        queuedJob({ id: 122, run_id: 12, workflow_name: "Release", name: "publish", labels: ["self-hosted", "gpu"], created_at: "2026-12-03T10:05:00Z" }),
      ],
      "13": [queuedJob({ id: 131, run_id: 13 })],
    };
    const snapshot = await client("acme/app").snapshot();
    assert.deepEqual(snapshot.jobs, [
      { id: 111, name: "CI / test", repository: "acme/app", labels: ["self-hosted", "codex"], queuedAt: "2026-12-03T10:01:00Z", url: "https://github.com/acme/app/actions/runs/11/job/111" },
      { id: 122, name: "Release / publish", repository: "acme/app", labels: ["self-hosted", "gpu"], queuedAt: "2026-12-03T10:05:00Z", url: "https://github.com/acme/app/actions/runs/12/job/122" },
    ]);
    assert.deepEqual(fake.calls().slice(1), [
      "GET /api/v3/repos/acme/app/actions/runs?status=queued&per_page=100",
      "GET /api/v3/repos/acme/app/actions/runs?status=in_progress&per_page=100",
      "GET /api/v3/repos/acme/app/actions/runs/11/jobs?filter=latest&per_page=100",
      "GET /api/v3/repos/acme/app/actions/runs/12/jobs?filter=latest&per_page=100",
    ]);
    assert.deepEqual(snapshot.unseen, []);
  });

  it("walks an organisation's repositories most recently pushed first, skipping archived and disabled ones", async () => {
    fake.state.runners["acme"] = [];
    fake.state.runnerGroups["acme"] = [];
    fake.state.repositories["acme"] = [
      repository({ full_name: "acme/old", pushed_at: "2026-01-01T00:00:00Z" }),
      repository({ full_name: "acme/new", pushed_at: "2026-12-01T00:00:00Z" }),
      repository({ full_name: "acme/attic", archived: true }),
      repository({ full_name: "acme/off", disabled: true }),
    ];
    fake.state.runs = { "acme/old": [workflowRun({ id: 1, repository: "acme/old" })], "acme/new": [workflowRun({ id: 2, repository: "acme/new" })] };
    fake.state.jobs = { "1": [queuedJob({ id: 10, run_id: 1, repository: "acme/old" })], "2": [queuedJob({ id: 20, run_id: 2, repository: "acme/new" })] };
    const snapshot = await client("acme").snapshot();
    assert.deepEqual(snapshot.jobs.map((j) => [j.repository, j.id]), [["acme/new", 20], ["acme/old", 10]]);
    assert.ok(fake.calls().includes("GET /api/v3/orgs/acme/repos?type=all&sort=pushed&direction=desc&per_page=100"), fake.calls().join("\n"));
    assert.ok(!fake.calls().some((c) => c.includes("acme/attic") || c.includes("acme/off")), "archived and disabled repositories are not read");
    assert.deepEqual(methods(), ["GET"]);
  });

  it("looks only in the named repositories when given", async () => {
    fake.state.runners["acme"] = [];
    fake.state.runnerGroups["acme"] = [];
    fake.state.repositories["acme"] = [repository({ full_name: "acme/a" }), repository({ full_name: "acme/b" })];
    fake.state.runs = { "acme/b": [] };
    await client("acme", { repositories: ["acme/b"] }).snapshot();
    assert.ok(!fake.calls().some((c) => c.includes("/orgs/acme/repos") || c.includes("/repos/acme/a/")), fake.calls().join("\n"));
    assert.ok(fake.calls().includes("GET /api/v3/repos/acme/b/actions/runs?status=queued&per_page=100"));
  });

  it("says that an enterprise has no job list unless repositories are named", async () => {
    fake.state.runners["enterprises/big"] = [];
    const snapshot = await client("enterprises/big").snapshot();
    assert.deepEqual(snapshot.jobs, []);
    assert.equal(snapshot.unseen.length, 1);
    assert.match(snapshot.unseen[0]!, /GitHub has no enterprise-wide list of jobs; pass --repo/);
    assert.deepEqual(fake.calls(), ["GET /api/v3/enterprises/big/actions/runners?per_page=100"]);

    fake.state.runs["acme/app"] = [workflowRun({ id: 5 })];
    fake.state.jobs["5"] = [queuedJob({ id: 50, run_id: 5 })];
    const named = await client("enterprises/big", { repositories: ["acme/app"] }).snapshot();
    assert.deepEqual(named.jobs.map((j) => j.id), [50]);
    assert.deepEqual(named.unseen, []);
  });

  it("stops walking repositories when the request budget runs out, keeping what it found and saying what it did not see", async () => {
    fake.state.runners["acme"] = [];
    fake.state.runnerGroups["acme"] = [];
    fake.state.repositories["acme"] = Array.from({ length: 5 }, (_, i) => repository({ full_name: `acme/r${i}`, pushed_at: `2026-12-0${9 - i}T00:00:00Z` }));
    for (let i = 0; i < 5; i += 1) {
      fake.state.runs[`acme/r${i}`] = [workflowRun({ id: 100 + i, repository: `acme/r${i}` })];
      fake.state.jobs[String(100 + i)] = [queuedJob({ id: 1000 + i, run_id: 100 + i, repository: `acme/r${i}` })];
    }
    // runners, groups, repositories, then 3 requests per repository: two fit, the third is cut short.
    const snapshot = await client("acme", { limits: { ...LIMITS, maxRequests: 3 + 2 * 3 + 1 } }).snapshot();
    assert.deepEqual(snapshot.jobs.map((j) => j.id), [1000, 1001]);
    assert.deepEqual(snapshot.unseen, [
      "waiting jobs were looked for in 2 of 5 repositories (most recently pushed first): the request budget of 10 requests ran out; pass --repo to name the repositories, or raise --max-requests",
    ]);
    assert.equal(fake.requests.length, 10, "no request past the budget is sent");
  });

  it("fails when the budget runs out before the runner list is complete", async () => {
    fake.state.maxPageSize = 2;
    fake.state.runners["acme"] = Array.from({ length: 5 }, (_, i) => runner({ id: i + 1, name: `r${i}` }));
    const error = await rejectsWith(client("acme", { limits: { ...LIMITS, maxRequests: 2 } }).snapshot(), { reason: "http-error", url: `${fake.apiUrl}/orgs/acme/actions/runners` });
    assert.match(error.message, /request budget of 2 requests ran out.*raise --max-requests/);
  });
});

describe("GitHub App", () => {
  it("gets an installation token with a signed JWT, then reads with that token", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fake.state.apps["123"] = { publicKey, installations: [42] };
    fake.state.tokens = [];
    fake.state.runners["acme/app"] = [runner({ id: 1, name: "a" })];
    const snapshot = await client("acme/app", { auth: { kind: "app", appId: "123", privateKey, installationId: 42, from: "GITHUB_APP_PRIVATE_KEY_FILE" } }).snapshot();
    assert.deepEqual(snapshot.runners?.map((r) => r.name), ["a"]);
    const [mint, list] = fake.requests;
    assert.equal(`${mint!.method} ${mint!.path}`, "POST /api/v3/app/installations/42/access_tokens");
    assert.match(String(mint!.headers.authorization), /^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(fake.issuedTokens.length, 1);
    assert.equal(list!.headers.authorization, `token ${fake.issuedTokens[0]}`);
    assert.match(fake.issuedTokens[0]!, /^ghs_/);
  });

  it("an App whose key does not match: 401, naming the App id, the key's file and the installation", async () => {
    const key = () => generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fake.state.apps["123"] = { publicKey: key().publicKey, installations: [42] };
    const error = await rejectsWith(client("acme", { auth: { kind: "app", appId: "123", privateKey: key().privateKey, installationId: 42, from: "KEY_FILE" } }).snapshot(),
      { reason: "unauthorized", status: 401, url: `${fake.apiUrl}/app/installations/42/access_tokens` });
    assert.match(error.fix, /check the App id \(123\), that the private key from KEY_FILE belongs to that App.*the installation id \(42\)/);
  });

  it("an App not installed there: 404 at the token request, naming the installation", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fake.state.apps["123"] = { publicKey, installations: [7] };
    const error = await rejectsWith(client("acme", { auth: { kind: "app", appId: "123", privateKey, installationId: 42, from: "KEY_FILE" } }).snapshot(),
      { reason: "not-found", status: 404, url: `${fake.apiUrl}/app/installations/42/access_tokens` });
    assert.match(error.message, /GitHub has no installation 42 of the GitHub App 123 \(HTTP 404 Not Found: the installation id is wrong, or the App was uninstalled\)/);
    assert.match(error.message, /Fix: give the installation id from the installation.s settings URL/);
    assert.ok(!error.message.includes("PRIVATE KEY"));
  });
});

describe("errors", () => {
  const runnersUrl = () => `${fake.apiUrl}/orgs/acme/actions/runners`;

  it("401: the token is wrong, expired or revoked, naming where it came from and the permission to give a new one", async () => {
    fake.state.tokens = ["ghp_another"];
    const error = await rejectsWith(client("acme").snapshot(), { reason: "unauthorized", status: 401, url: runnersUrl() });
    assert.match(error.message, /the token from GITHUB_TOKEN .*wrong, expired or revoked/);
    assert.match(error.message, /Bad credentials/);
    assert.match(error.fix, /admin:org.*"Self-hosted runners: read".*put it in GITHUB_TOKEN/);
  });

  it("403: a missing permission, quoting the permission GitHub asks for and naming the scopes that grant it", async () => {
    fake.override = () => errorAnswer(403, "Resource not accessible by personal access token", { "x-accepted-github-permissions": "organization_self_hosted_runners=read" });
    const error = await rejectsWith(client("acme").snapshot(), { reason: "forbidden", status: 403, url: runnersUrl() });
    assert.match(error.message, /a permission is missing/);
    assert.match(error.message, /GitHub says the call needs "organization_self_hosted_runners=read"/);
    assert.match(error.fix, /classic scope admin:org, or as a fine-grained token the organisation permission "Self-hosted runners: read"/);
  });

  it("403 on a repository's runs names the Actions permission", async () => {
    fake.state.runners["acme/app"] = [];
    fake.override = (r) => (r.apiPath.endsWith("/actions/runs") ? errorAnswer(403, `Resource not accessible ${TOKEN}`) : undefined);
    const error = await rejectsWith(client("acme/app").snapshot(), { reason: "forbidden", status: 403, url: `${fake.apiUrl}/repos/acme/app/actions/runs` });
    assert.match(error.fix, /"Actions: read"/);
    assert.match(error.message, /\[redacted\]/, "server text is quoted with the token redacted");
  });

  it("404: a wrong scope, or one the token cannot see, or an uninstalled App", async () => {
    fake.state.runners["acme"] = [];
    const error = await rejectsWith(client("acmee").snapshot(), { reason: "not-found", status: 404, url: `${fake.apiUrl}/orgs/acmee/actions/runners` });
    assert.match(error.message, /the organisation "acmee" does not exist at this address.*cannot see it \(GitHub answers 404 rather than 403/);
    assert.match(error.fix, /check the scope "acmee"/);
  });

  it("waits out a rate limit that resets soon, then reads every page", async () => {
    fake.state.maxPageSize = 2;
    fake.state.runners["acme/app"] = Array.from({ length: 5 }, (_, i) => runner({ id: i + 1, name: `r${i}` }));
    let limited = false;
    fake.override = (r) => {
      if (r.query.get("page") !== "2" || limited) return undefined;
      limited = true;
      return rateLimitAnswer(1, 429);
    };
    const snapshot = await client("acme/app", { now: () => new Date() }).snapshot();
    assert.deepEqual(snapshot.runners?.map((r) => r.id), [1, 2, 3, 4, 5]);
    assert.equal(fake.calls().filter((c) => c.includes("/actions/runners?per_page=100&page=2")).length, 2, "page 2 was asked again after the wait");
  });

  it("a rate limit that resets later than it may wait is an error saying when it resets", async () => {
    fake.override = () => rateLimitAnswer(3600);
    const error = await rejectsWith(client("acme", { now: () => new Date() }).snapshot(), { reason: "http-error", status: 403, url: runnersUrl() });
    assert.match(error.message, /rate limit is used up and resets at \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\), later than the 5 s status waits/);
    assert.equal(fake.requests.length, 1, "not retried");
  });

  it("a secondary rate limit that asks for a longer wait than allowed is an error saying how long", async () => {
    fake.override = () => errorAnswer(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", { "retry-after": "120" });
    const error = await rejectsWith(client("acme").snapshot(), { reason: "http-error", status: 403, url: runnersUrl() });
    assert.match(error.message, /secondary rate limit was hit and GitHub asks to wait 120 s, more than the 5 s status waits/);
  });

  it("a server that never answers is a timeout", async () => {
    fake.override = () => "hang";
    const error = await rejectsWith(client("acme", { limits: { ...LIMITS, timeoutMs: 200 } }).snapshot(), { reason: "timeout", url: runnersUrl() });
    assert.match(error.message, /no answer within 200 ms/);
    assert.ok(fake.requests.length <= 2, "tried at most twice");
  });

  it("a server that sends headers and then stalls the body is a timeout, not an empty answer", async () => {
    fake.override = () => "stall-body";
    const error = await rejectsWith(client("acme", { limits: { ...LIMITS, timeoutMs: 200 } }).snapshot(), { reason: "timeout", url: runnersUrl() });
    assert.match(error.message, /no answer within 200 ms/);
  });

  it("a redirect is not followed", async () => {
    fake.override = (r) => (r.apiPath === "/orgs/acme/actions/runners" ? redirectAnswer(`${fake.apiUrl}/elsewhere`) : undefined);
    const error = await rejectsWith(client("acme").snapshot(), { reason: "redirect", status: 301, url: runnersUrl() });
    assert.match(error.message, new RegExp(`redirected the request to ${fake.apiUrl}/elsewhere`));
    assert.deepEqual(fake.calls(), ["GET /api/v3/orgs/acme/actions/runners?per_page=100"]);
  });

  it("a forge that is not there is unreachable", async () => {
    const gone = fake.url;
    await fake.stop();
    fake = await new FakeGithub().start();
    const error = await rejectsWith(createGithubStatusClient({ url: gone, scope: "acme", auth: TOKEN_AUTH, limits: LIMITS, declaredLabels: [] }).snapshot(), { reason: "unreachable", url: `${gone}/api/v3/orgs/acme/actions/runners` });
    assert.match(error.message, /connection refused/);
  });

  it("an answer that is not GitHub's JSON (a sign-in page in front of the forge) is an incomplete answer", async () => {
    const page = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>Sign in</html>");
    });
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    try {
      const error = await rejectsWith(createGithubStatusClient({ url, scope: "acme", auth: TOKEN_AUTH, limits: LIMITS, declaredLabels: [] }).snapshot(), { reason: "http-error", url: `${url}/api/v3/orgs/acme/actions/runners` });
      assert.match(error.message, /incomplete answer: the answer is not the JSON object GitHub sends for runners.*not a proxy or sign-in page/);
    } finally {
      page.closeAllConnections();
      page.close();
    }
  });

  it("removing a busy runner is refused with the reason", async () => {
    fake.state.runners["acme"] = [runner({ id: 9, name: "busy", busy: true })];
    const error = await rejectsWith(client("acme").deleteRunner(9), { reason: "http-error", status: 422, url: `${runnersUrl()}/9` });
    assert.match(error.message, /still running a job/);
    assert.match(error.fix, /wait until the runner's job has finished/);
    assert.equal(fake.state.runners["acme"]?.length, 1);
  });

  it("bad options name the option and the fix, never the token", () => {
    assert.throws(() => client("acme/app/extra"), (e: unknown) => e instanceof ConfigError && /scope: .*neither "org", "org\/repo" nor "enterprises\/<name>". Fix: write an organisation/.test(e.message));
    assert.throws(() => client("acme", { repositories: ["app"] }), (e: unknown) => e instanceof ConfigError && /repositories\[0\]: "app" is not a repository. Fix: name it as owner\/name/.test(e.message));
    assert.throws(() => client("acme", { url: "http://ghes.example.com" }), (e: unknown) => e instanceof ConfigError && /url: uses plain http, which would send the credentials unencrypted. Fix: use the forge's https:\/\/ address/.test(e.message));
    assert.throws(() => client("acme", { auth: { kind: "token", token: "token abc", from: "GITHUB_TOKEN" } }), (e: unknown) => e instanceof ConfigError && /GITHUB_TOKEN: .*whitespace/.test(e.message) && !e.message.includes("abc"));
  });
});
