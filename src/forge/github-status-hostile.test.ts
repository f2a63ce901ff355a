// The GitHub status client against answers GitHub would not send: what a proxy, a broken server or
// someone in the path could answer instead. Each ends in a ForgeError that names the URL, what was
// wrong and the fix (never a raw TypeError, never a hang, never the token), or in correct data.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ForgeError } from "./forge-error.ts";
import { IncompleteAnswer, connectGithub } from "./github-client.ts";
import { createGithubStatusClient } from "./github-status.ts";
import type { StatusAuth, StatusClient, StatusClientOptions, StatusLimits } from "./status-client.ts";
import { FakeGithub, type FakeRequest, type RawAnswer, queuedJob, repository, runner, workflowRun } from "../../test/fake-forge/github.ts";

const TOKEN = "ghp_hostileTestToken0123456789abcdefABCDEF";
const TOKEN_AUTH: StatusAuth = { kind: "token", token: TOKEN, from: "GITHUB_TOKEN" };
const LIMITS: StatusLimits = { timeoutMs: 5_000, maxRequests: 50, maxRateLimitWaitSeconds: 5, rateLimitSecondMs: 5 };
const NOW = new Date("2026-12-03T10:20:00Z");

let fake: FakeGithub;
/** A second host, to check that nothing is ever sent there. */
let elsewhere: FakeGithub;

beforeEach(async () => {
  fake = await new FakeGithub().start();
  elsewhere = await new FakeGithub().start();
});

afterEach(async () => {
  await fake.stop();
  await elsewhere.stop();
  fake.assertValid();
});

function client(scope = "acme/app", extra: Partial<StatusClientOptions> = {}): StatusClient {
  return createGithubStatusClient({ url: fake.url, scope, auth: TOKEN_AUTH, limits: LIMITS, declaredLabels: [], now: () => NOW, ...extra });
}

/** A JSON body sent as it is, whatever its shape. */
function json(body: unknown, headers: Readonly<Record<string, string>> = {}, status = 200): RawAnswer {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, raw: JSON.stringify(body) };
}

const onRunners = (answer: (r: FakeRequest) => RawAnswer | undefined) => (r: FakeRequest) => (r.apiPath === "/repos/acme/app/actions/runners" ? answer(r) : undefined);
const runnersUrl = () => `${fake.apiUrl}/repos/acme/app/actions/runners`;

/** The call fails with a ForgeError naming the URL and the fix, never the token anywhere in it. */
async function failure(promise: Promise<unknown>, expect: { reason: string; url: string; status?: number }): Promise<ForgeError> {
  const error = await promise.then(() => assert.fail("expected the call to fail"), (e: unknown) => e);
  assert.ok(error instanceof ForgeError, `a ForgeError, got ${inspect(error)}`);
  assert.equal(error.reason, expect.reason, error.message);
  assert.equal(error.url, expect.url, error.message);
  assert.equal(error.status, expect.status, error.message);
  assert.ok(error.message.includes(expect.url), `names the URL: ${error.message}`);
  assert.match(error.message, /Fix: \S/);
  const everything = `${error.message}\n${error.stack ?? ""}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
  assert.ok(!everything.includes(TOKEN), "the token appears nowhere in the error");
  return error;
}

describe("answers that are not GitHub's JSON", () => {
  it("a 200 that is a sign-in page, or bytes of another type, is an incomplete answer", async () => {
    for (const answer of [
      { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, raw: "<html><form action=/login>Sign in</form></html>" },
      { status: 200, headers: { "content-type": "application/octet-stream" }, raw: '{"total_count":0,"runners":[]}' },
      { status: 200, headers: { "content-type": "application/json" }, raw: '{"total_count": 1, "runners": [' },
      { status: 200, headers: {}, raw: "" },
    ]) {
      fake.override = onRunners(() => answer);
      const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
      assert.match(error.message, /incomplete answer: the answer is not the JSON object GitHub sends for runners/, answer.raw);
      assert.match(error.fix, /not a proxy or sign-in page/);
    }
  });

  it("a list of the wrong shape is an incomplete answer naming what is wrong", async () => {
    const good = runner({ id: 1, name: "a" });
    for (const [body, what] of [
      [{ total_count: 1, runners: { 0: good } }, /no list of runners/],
      [{ total_count: 1 }, /no list of runners/],
      [[good], /no list of runners/],
      [{ total_count: 1, runners: [{ ...good, id: "1" }] }, /entry \[0\] of the list of runners lacks documented fields/],
      [{ total_count: 1, runners: [{ ...good, labels: [{ name: 7 }] }] }, /entry \[0\]/],
      [{ total_count: 1, runners: [{ ...good, labels: "self-hosted" }] }, /entry \[0\]/],
      [{ total_count: 2, runners: [good, { ...good, id: 2 ** 53 + 2 }] }, /entry \[1\]/],
      [{ total_count: 1, runners: [{ ...good, id: -4 }] }, /entry \[0\]/],
      [{ total_count: 1, runners: [null] }, /entry \[0\]/],
    ] as const) {
      fake.override = onRunners(() => json(body));
      const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
      assert.match(error.message, what, JSON.stringify(body));
    }
  });

  it("a runner status GitHub does not document counts as online, so it is never pruned, and the report says so", async () => {
    fake.override = onRunners(() => json({ total_count: 2, runners: [runner({ id: 1, name: "a", status: "offline" }), runner({ id: 2, name: "b", extra: { status: "starting" } })] }));
    fake.state.runs["acme/app"] = [];
    const snapshot = await client().snapshot();
    assert.deepEqual(snapshot.runners?.map((r) => [r.id, r.status]), [[1, "offline"], [2, "online"]]);
    assert.equal(snapshot.unseen.length, 1);
    assert.match(snapshot.unseen[0]!, /runner "b" \(id 2\) has the status "starting", which GitHub does not document: it is counted as online/);
  });

  it("names with control characters, escapes, line breaks and great length reach the report unchanged", async () => {
    const name = `evil\u001b[31mred\u001b[0m\nsecond line\r\u0007${"x".repeat(100_000)}`;
    const label = "gpu\u001b]8;;https://example.com\u0007link\u001b]8;;\u0007\ttab";
    fake.state.runners["acme/app"] = [runner({ id: 1, name, labels: ["self-hosted", label] })];
    fake.state.runs["acme/app"] = [workflowRun({ id: 11, status: "queued" })];
    fake.state.jobs = { "11": [queuedJob({ id: 111, run_id: 11, name, labels: ["self-hosted", label] })] };
    const snapshot = await client().snapshot();
    assert.equal(snapshot.runners?.[0]?.name, name);
    assert.deepEqual(snapshot.runners?.[0]?.labels, ["self-hosted", label]);
    assert.equal(snapshot.jobs[0]?.name, `CI / ${name}`);
    assert.deepEqual(snapshot.jobs[0]?.labels, ["self-hosted", label]);
  });

  it("a job's time that is not a time and a link that is not http(s) are left out, not passed on", async () => {
    fake.state.runners["acme/app"] = [];
    fake.state.runs["acme/app"] = [workflowRun({ id: 11, status: "queued" })];
    const job = queuedJob({ id: 111, run_id: 11, labels: ["self-hosted"] });
    fake.override = (r) => (r.apiPath.endsWith("/runs/11/jobs") ? json({ total_count: 1, jobs: [{ ...job, created_at: "yesterday", html_url: "javascript:alert(1)" }] }) : undefined);
    const snapshot = await client().snapshot();
    assert.deepEqual(snapshot.jobs, [{ id: 111, name: "CI / build", repository: "acme/app", labels: ["self-hosted"] }]);
  });

  it("a job list of an older GitHub (no labels on finished jobs, no creation time) is read; a queued job without labels is an error", async () => {
    fake.state.runners["acme/app"] = [];
    fake.state.runs["acme/app"] = [workflowRun({ id: 11, status: "in_progress" })];
    const strip = (job: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(job).filter(([k]) => !keys.includes(k)));
    const done = strip(queuedJob({ id: 110, run_id: 11, status: "completed" }), "labels", "created_at", "workflow_name", "head_branch");
    const waiting = strip(queuedJob({ id: 111, run_id: 11, labels: ["self-hosted", "gpu"] }), "created_at", "workflow_name", "head_branch");
    fake.override = (r) => (r.apiPath.endsWith("/runs/11/jobs") ? json({ total_count: 2, jobs: [done, waiting] }) : undefined);
    const snapshot = await client().snapshot();
    assert.deepEqual(snapshot.jobs, [{ id: 111, name: "build", repository: "acme/app", labels: ["self-hosted", "gpu"], url: "https://github.com/acme/app/actions/runs/11/job/111" }]);

    fake.override = (r) => (r.apiPath.endsWith("/runs/11/jobs") ? json({ total_count: 2, jobs: [done, strip(waiting, "labels")] }) : undefined);
    const error = await failure(client().snapshot(), { reason: "http-error", url: `${fake.apiUrl}/repos/acme/app/actions/runs/11/jobs` });
    assert.match(error.message, /entry \[1\] of the list of jobs lacks documented fields/);
  });

  it("a repository name that would lead the next requests elsewhere (\"..\") is refused", async () => {
    fake.state.runners["acme"] = [];
    fake.state.runnerGroups["acme"] = [];
    fake.override = (r) => (r.apiPath === "/orgs/acme/repos" ? json([repository({ full_name: "acme/app" }), repository({ full_name: "../.." })]) : undefined);
    const error = await failure(client("acme").snapshot(), { reason: "http-error", url: `${fake.apiUrl}/orgs/acme/repos` });
    assert.match(error.message, /entry \[1\] of the list of repositories lacks documented fields/);
    assert.ok(fake.requests.every((r) => !r.apiPath.includes("/actions/runs")), "no run was asked for");
  });

  it("a body larger than 8 MiB is refused without reading it all", async () => {
    const huge = JSON.stringify({ total_count: 1, runners: [runner({ id: 1, name: "a".repeat(9 * 1024 * 1024) })] });
    fake.override = onRunners(() => ({ status: 200, headers: { "content-type": "application/json" }, raw: huge }));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 200, url: runnersUrl() });
    assert.match(error.message, /the answer \(HTTP 200\) is larger than 8 MiB/);
    assert.match(error.fix, /not a proxy/);
    assert.ok(fake.requests.length <= 2, "tried at most twice");
  });
});

describe("pagination GitHub would not send", () => {
  const page = (ids: number[], link?: string) => json({ total_count: 9, runners: ids.map((id) => runner({ id, name: `r${id}` })) }, link === undefined ? {} : { link });

  it("a Link header that sends the next page to another host is not followed, so the token goes nowhere else", async () => {
    fake.override = onRunners(() => page([1], `<${elsewhere.apiUrl}/repos/acme/app/actions/runners?per_page=100&page=2>; rel="next"`));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
    assert.match(error.message, new RegExp(`next page at ${elsewhere.apiUrl}/repos/acme/app/actions/runners, outside ${fake.apiUrl}: not followed`));
    assert.deepEqual(elsewhere.requests, [], "nothing was sent to the other host");
    assert.equal(fake.requests.length, 1);
  });

  it("nor one that leaves the API on the same host", async () => {
    fake.override = onRunners(() => page([1], `<${fake.url}/login?return_to=%2F>; rel="next"`));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
    assert.match(error.message, new RegExp(`next page at ${fake.url}/login, outside ${fake.apiUrl}`));
    assert.equal(fake.requests.length, 1);
  });

  it("no request at all leaves the API base: the connection refuses it before adding the token", async () => {
    const connection = connectGithub(fake.apiUrl, TOKEN_AUTH, LIMITS);
    for (const url of [`${elsewhere.apiUrl}/orgs/acme/actions/runners`, `${fake.url}/login`, `${fake.apiUrl.replace("http:", "https:")}/orgs/acme`]) {
      await assert.rejects(connection.octokit.request({ method: "GET", url }), (e: unknown) => e instanceof IncompleteAnswer && e.what.includes(`outside ${fake.apiUrl}, was not sent`));
    }
    assert.deepEqual([...fake.requests, ...elsewhere.requests], []);
  });

  it("a Link header that points back to the same page ends with an error, not a loop", async () => {
    fake.override = onRunners((r) => page([1, 2], `<${fake.apiUrl}${r.path.slice("/api/v3".length)}>; rel="next"`));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
    assert.match(error.message, /Link header points back to a page already read/);
    assert.equal(fake.requests.length, 1);
  });

  it("a next page numbered before the current one ends with an error", async () => {
    fake.override = onRunners((r) => {
      const at = Number(r.query.get("page") ?? "1");
      return page([at], `<${fake.apiUrl}/repos/acme/app/actions/runners?per_page=100&page=${at === 1 ? 3 : 2}>; rel="next"`);
    });
    const error = await failure(client().snapshot(), { reason: "http-error", url: `${runnersUrl()}` });
    assert.match(error.message, /the Link header's next page \(2\) is not after page 3/);
    assert.equal(fake.requests.length, 2);
  });

  it("a relative next link, and one with parameters in another order, are read as GitHub means them", async () => {
    fake.override = onRunners((r) => {
      const at = Number(r.query.get("page") ?? "1");
      return at === 1 ? page([1], '</api/v3/repos/acme/app/actions/runners?page=2&per_page=100>; rel="next", </api/v3/repos/acme/app/actions/runners?page=2&per_page=100>; rel="last"') : page([2]);
    });
    fake.state.runs["acme/app"] = [];
    const snapshot = await client().snapshot();
    assert.deepEqual(snapshot.runners?.map((r) => r.id), [1, 2]);
  });

  it("a 409 on a list is an error, not an empty list", async () => {
    fake.override = onRunners(() => json({ message: "Conflict", documentation_url: "https://docs.github.com/rest" }, {}, 409));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 409, url: runnersUrl() });
    assert.match(error.message, /HTTP 409 Conflict/);
  });
});

describe("rate limits and failures", () => {
  it("a 429 without headers is a rate limit to wait for, not a wrong scope", async () => {
    fake.override = onRunners(() => json({ message: "Too many requests" }, {}, 429));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 429, url: runnersUrl() });
    assert.match(error.message, /GitHub is limiting the rate of requests without saying for how long \(HTTP 429 Too Many Requests\)/);
    assert.match(error.fix, /run status again in a few minutes/);
    assert.equal(fake.requests.length, 1, "not retried");
  });

  it("a secondary rate limit without retry-after asks for a minute, more than allowed: an error, not retried", async () => {
    fake.override = onRunners(() => json({ message: "You have exceeded a secondary rate limit." }, {}, 403));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 403, url: runnersUrl() });
    assert.match(error.message, /secondary rate limit was hit and GitHub asks to wait at least a minute, more than the 5 s status waits/);
    assert.equal(fake.requests.length, 1);
  });

  it("a secondary rate limit that returns after its one wait says so", async () => {
    fake.override = onRunners(() => json({ message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" }, 403));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 403, url: runnersUrl() });
    assert.match(error.message, /secondary rate limit was hit again after waiting 1 s once/);
    assert.equal(fake.requests.length, 2);
  });

  it("a 403 whose body GitHub would not send (errors not a list) is still a permission error", async () => {
    fake.override = onRunners(() => json({ message: "Forbidden", errors: { type: "RATE_LIMITED" } }, {}, 403));
    const error = await failure(client().snapshot(), { reason: "forbidden", status: 403, url: runnersUrl() });
    assert.match(error.message, /a permission is missing/);
  });

  it("a 5xx is retried once, and the second answer counts", async () => {
    let failed = 0;
    fake.state.runners["acme/app"] = [runner({ id: 1, name: "a" })];
    fake.state.runs["acme/app"] = [];
    fake.override = onRunners(() => (failed++ === 0 ? { status: 502, headers: { "content-type": "text/html" }, raw: "<html>Bad Gateway</html>" } : undefined));
    const snapshot = await client().snapshot();
    assert.deepEqual(snapshot.runners?.map((r) => r.id), [1]);
    assert.equal(fake.requests.filter((r) => r.apiPath === "/repos/acme/app/actions/runners").length, 2);
  });

  it("a 5xx twice is the forge's failure, after one retry, with the token redacted from what it said", async () => {
    fake.override = onRunners(() => json({ message: `internal error for ${TOKEN} and ghs_${"a".repeat(36)}` }, {}, 500));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 500, url: runnersUrl() });
    assert.match(error.message, /GitHub failed \(HTTP 500 Internal Server Error: an error on the forge's side, after one retry\)/);
    assert.match(error.message, /internal error for \[redacted\] and \[redacted\]/);
    assert.equal(fake.requests.length, 2);
  });
});

describe("removal", () => {
  it("a removal the forge failed (5xx) is not repeated, and the error says to look again", async () => {
    fake.state.runners["acme/app"] = [runner({ id: 9, name: "old", status: "offline" })];
    fake.override = (r) => (r.method === "DELETE" ? json({ message: "oops" }, {}, 502) : undefined);
    const error = await failure(client().deleteRunner(9), { reason: "http-error", status: 502, url: `${runnersUrl()}/9` });
    assert.match(error.message, /the removal is not repeated, since it may have happened/);
    assert.match(error.fix, /run status again to see whether the runner is still registered/);
    assert.deepEqual(fake.calls(), ["DELETE /api/v3/repos/acme/app/actions/runners/9"]);
  });
});

describe("errors carry no secret", () => {
  it("a Link header with a token in its query is reported without the query", async () => {
    fake.override = onRunners(() => json({ total_count: 1, runners: [runner({ id: 1, name: "a" })] }, { link: `<https://evil.example/collect?token=${TOKEN}>; rel="next"` }));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
    assert.match(error.message, /next page at https:\/\/evil\.example\/collect, outside/);
  });

  it("a token echoed in a 401 or in a header is redacted", async () => {
    fake.override = onRunners(() => json({ message: `Bad credentials: ${TOKEN}` }, { "x-accepted-github-permissions": TOKEN }, 401));
    await failure(client().snapshot(), { reason: "unauthorized", status: 401, url: runnersUrl() });
    fake.override = onRunners(() => json({ message: "no" }, { "x-accepted-github-permissions": `admin=${TOKEN}` }, 403));
    const error = await failure(client().snapshot(), { reason: "forbidden", status: 403, url: runnersUrl() });
    assert.match(error.message, /needs "admin=\[redacted\]"/);
  });
});

describe("GitHub App answers", () => {
  it("a token request answered without a token is an error naming the App, not a crash", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fake.state.apps["123"] = { publicKey, installations: [42] };
    const auth: StatusAuth = { kind: "app", appId: "123", privateKey, installationId: 42, from: "KEY_FILE" };
    for (const answer of [
      { status: 201, headers: { "content-type": "text/html" }, raw: "<html>Sign in</html>" },
      json({ expires_at: "2026-12-03T11:00:00Z" }, {}, 201),
    ]) {
      fake.override = (r) => (r.method === "POST" ? answer : undefined);
      const error = await failure(client("acme/app", { auth }).snapshot(), { reason: "http-error", url: `${fake.apiUrl}/app/installations/42/access_tokens` });
      assert.match(error.message, /GitHub App/);
      assert.ok(!error.message.includes("PRIVATE KEY"));
    }
    assert.deepEqual(fake.requests.filter((r) => r.method === "GET"), [], "nothing is read without a token");
  });
});
