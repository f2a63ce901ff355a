// The Forgejo status client against answers Forgejo would not send: what a proxy, a broken server
// or someone in the path could answer instead, and the odd version strings and list shapes real
// servers have sent. Each ends in a ForgeError that names the URL, what was wrong and the fix
// (never a raw TypeError, never a hang, never the token), or in correct data.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ForgeError } from "./forge-error.ts";
import { createForgejoStatusClient } from "./forgejo-status.ts";
import type { StatusClientOptions } from "./status-client.ts";
import { FakeForgejo, type FakeRequest, type RawAnswer, errorAnswer, repository, runner, waitingJob } from "../../test/fake-forge/forgejo.ts";

const TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const NOW = new Date("2026-05-01T10:30:00Z");

const fake = new FakeForgejo();
/** A second host, to check that nothing is ever sent there. */
const elsewhere = new FakeForgejo();
before(async () => {
  await fake.start();
  await elsewhere.start();
});
after(async () => {
  await fake.stop();
  await elsewhere.stop();
});
afterEach(() => {
  fake.reset();
  elsewhere.requests.length = 0;
});

function client(over: Partial<StatusClientOptions> = {}) {
  return createForgejoStatusClient({
    url: fake.url,
    scope: "org/acme",
    auth: { kind: "token", token: TOKEN, from: "FORGEJO_TOKEN" },
    limits: { timeoutMs: 2000, maxRequests: 30, maxRateLimitWaitSeconds: 5, rateLimitSecondMs: 1 },
    declaredLabels: ["docker"],
    now: () => NOW,
    ...over,
  });
}

/** A JSON body sent as it is, whatever its shape. */
function json(body: unknown, headers: Readonly<Record<string, string>> = {}, status = 200): RawAnswer {
  return { status, headers: { "content-type": "application/json;charset=utf-8", ...headers }, raw: JSON.stringify(body) };
}

const RUNNERS = "/orgs/acme/actions/runners";
const onRunners = (answer: (r: FakeRequest) => RawAnswer | undefined) => (r: FakeRequest) => (r.apiPath === RUNNERS ? answer(r) : undefined);
const runnersUrl = (page = 1) => `${fake.apiUrl}${RUNNERS}?visible=false&page=${page}&limit=50`;
const pageOf = (r: FakeRequest) => Number(r.query.get("page"));

/** The failure: a ForgeError naming the address and the fix, the token nowhere in it. */
async function failure(promise: Promise<unknown>, expect: { reason: string; url: string; status?: number }): Promise<ForgeError> {
  const error = await promise.then(() => assert.fail("expected a ForgeError"), (e: unknown) => e);
  assert.ok(error instanceof ForgeError, `a ForgeError, got ${inspect(error)}`);
  assert.equal(error.reason, expect.reason, error.message);
  assert.equal(error.url, expect.url, error.message);
  assert.equal(error.status, expect.status, error.message);
  assert.ok(error.message.includes(error.url), `the message names the address: ${error.message}`);
  assert.match(error.message, /Fix: \S/);
  const everything = `${error.message}\n${error.stack ?? ""}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
  assert.ok(!everything.includes(TOKEN), "the token appears nowhere in the error");
  return error;
}

describe("answers that are not Forgejo's JSON", () => {
  it("a 200 that is a sign-in page is an error naming the address, not a parse failure", async () => {
    fake.override = onRunners(() => ({ status: 200, headers: { "content-type": "text/html" }, raw: "<!DOCTYPE html><title>Sign in</title>" }));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 200, url: runnersUrl() });
    assert.match(error.message, /the answer \(HTTP 200\) is not JSON/);
    assert.match(error.fix, /not at a proxy or login page/);
  });

  it("a list of the wrong shape is an error naming the entry", async () => {
    const good = runner({ id: 1 });
    for (const [body, what] of [
      [{ runners: "none" }, /is not a list of runners/],
      ["runners", /is not a list of runners/],
      [[{ ...good, id: "1" }], /entry \[0\] that is not a runner/],
      [[good, { ...good, id: 2 ** 53 + 2 }], /entry \[1\] that is not a runner/],
      [[{ ...good, id: 0 }], /entry \[0\]/],
      [[{ ...good, labels: ["docker", 7] }], /entry \[0\]/],
      [[{ ...good, labels: "docker" }], /entry \[0\]/],
      [[{ ...good, status: 1 }], /entry \[0\]/],
      [[null], /entry \[0\]/],
    ] as const) {
      fake.override = onRunners(() => json(body, { "x-total-count": "1" }));
      const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl() });
      assert.match(error.message, what, JSON.stringify(body));
      assert.match(error.fix, /points at Forgejo itself/);
    }
  });

  it("reads the runner list answered as an object {runners, total_count}, across pages", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners((r) => json({ runners: pageOf(r) === 1 ? [runner({ id: 1 }), runner({ id: 2 })] : [runner({ id: 3 })], total_count: 3 }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1, 2, 3]);
    assert.deepEqual(fake.requests.filter((r) => r.apiPath === RUNNERS).map(pageOf), [1, 2]);
  });

  it("a runner without labels (Forgejo encodes an empty list as null) has none", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners(() => json([{ ...runner({ id: 1 }), labels: null }], { "x-total-count": "1" }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.labels), [[]]);
  });

  it("a runner status Forgejo does not document counts as online, so it is never pruned, and the report says so", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners(() => json([runner({ id: 1, status: "offline" }), { ...runner({ id: 2, name: "b" }), status: "unspecified" }], { "x-total-count": "2" }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => [r.id, r.status, r.busy]), [[1, "offline", false], [2, "online", false]]);
    assert.deepEqual(snap.unseen, ['runner "b" (id 2) has the status "unspecified", which Forgejo does not document (offline, idle, active): it is counted as online, so it is never offered for removal']);
  });

  it("names with control characters, escapes and line breaks come out printable; long ones are cut", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.state.runners["org/acme"] = [runner({ id: 1, name: `evil\u001b[31mred\u001b[0m\nline\r\u0007${"x".repeat(10_000)}`, labels: ["gpu\u001b]8;;x\u0007", "docker"] })];
    const snap = await client().snapshot();
    const r = snap.runners?.[0];
    assert.ok(r !== undefined);
    assert.doesNotMatch(`${r.name}${r.labels.join("")}`, /\p{Cc}/u);
    assert.ok(r.name.startsWith("evil [31mred [0m | line"), r.name);
    assert.ok(r.name.length <= 301, `cut: ${r.name.length}`);
    assert.deepEqual(r.labels, ["gpu ]8;;x", "docker"]);
  });

  it("a repository name that would lead the run's request elsewhere (\"..\") is not used", async () => {
    fake.state.runners["org/acme"] = [];
    fake.state.jobs["org/acme"] = [waitingJob({ id: 5, run_id: 9, repo_id: 12 })];
    fake.override = (r) => (r.apiPath === "/repositories/12" ? json({ ...repository({ id: 12, owner: "acme", name: "app" }), full_name: "../.." }) : undefined);
    const snap = await client().snapshot();
    assert.deepEqual(snap.jobs.map((j) => [j.id, j.repository, j.queuedAt]), [[5, "(repository id 12)", undefined]]);
    assert.match(snap.unseen.join("\n"), /repository 12 has a name that is not "owner\/name" \("\.\.\/\.\."\)/);
    assert.deepEqual(fake.requests.map((r) => r.apiPath), ["/version", RUNNERS, `${RUNNERS}/jobs`, "/repositories/12"]);
  });

  it("a body larger than 8 MiB is refused, counted in bytes", async () => {
    // 3 million three-byte characters: 9 MB, but fewer than 8 Mi characters.
    const huge = JSON.stringify([runner({ id: 1, name: "€".repeat(3_000_000) })]);
    fake.override = onRunners(() => ({ status: 200, headers: { "content-type": "application/json" }, raw: huge }));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 200, url: runnersUrl() });
    assert.match(error.message, /the answer \(HTTP 200\) is larger than 8 MiB/);
  });
});

describe("pagination Forgejo would not send", () => {
  it("a Link header to another host gives only a page number: the URL is never followed", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners((r) => {
      const at = pageOf(r);
      return json([runner({ id: at })], { "x-total-count": "2", ...(at === 1 ? { link: `<${elsewhere.apiUrl}${RUNNERS}?page=2&limit=50&token=x>; rel="next"` } : {}) });
    });
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1, 2]);
    assert.deepEqual(elsewhere.requests, [], "nothing was sent to the other host");
  });

  it("a Link header that points back to the same page, or to an earlier one, reads on in order", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners((r) => json([runner({ id: pageOf(r) })], { "x-total-count": "3", link: `<${fake.apiUrl}${RUNNERS}?page=${Math.max(1, pageOf(r) - 1)}&limit=50>; rel="next"` }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1, 2, 3]);
    assert.deepEqual(fake.requests.filter((r) => r.apiPath === RUNNERS).map(pageOf), [1, 2, 3]);
  });

  it("a next page far ahead does not skip the pages between", async () => {
    fake.state.jobs["org/acme"] = [];
    fake.override = onRunners((r) => json(pageOf(r) <= 3 ? [runner({ id: pageOf(r) })] : [], { "x-total-count": "3", ...(pageOf(r) < 3 ? { link: `<${fake.apiUrl}${RUNNERS}?page=1000000&limit=50>; rel="next"` } : {}) }));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1, 2, 3]);
  });

  it("a server that answers every page with the first one is an error, not a loop and not a short list", async () => {
    fake.override = onRunners(() => json([runner({ id: 1 }), runner({ id: 2 })], { "x-total-count": "500", link: `<${fake.apiUrl}${RUNNERS}?page=2&limit=50>; rel="next"` }));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl(2) });
    assert.match(error.message, /page 2 repeats runners already read, yet the forge says there are more \(2 of 500 read\)/);
    assert.equal(fake.requests.filter((r) => r.apiPath === RUNNERS).length, 2);
  });

  it("an empty page while the total says there are more is an error, not a short list", async () => {
    fake.override = onRunners((r) => json(pageOf(r) === 1 ? [runner({ id: 1 })] : [], { "x-total-count": "7" }));
    const error = await failure(client().snapshot(), { reason: "http-error", url: runnersUrl(2) });
    assert.match(error.message, /page 2 is empty, yet the forge says there are more \(1 of 7 read\)/);
  });

  it("a total that never ends stops at the request budget with an error", async () => {
    let id = 0;
    fake.override = onRunners(() => json([runner({ id: ++id })], { "x-total-count": "1000000" }));
    const error = await failure(client().snapshot(), { reason: "http-error", url: `${fake.apiUrl}${RUNNERS}` });
    assert.match(error.message, /request budget of 30 requests is spent/);
    assert.ok(fake.requests.length <= 30);
  });
});

describe("odd versions", () => {
  it("reads what a forge reports: old-style, unprefixed, prefixed, and none", async () => {
    for (const [version, declared, lists, note] of [
      ["1.21.11+gitea", undefined, false, /Forgejo 1\.21\.11\+gitea cannot list its runners/],
      ["v15.0.0", undefined, true, undefined],
      ["development", "15", true, /the forge reports its version as "development", without a major number: the declared 15 is used/],
      ["development", undefined, false, /the forge reports its version as "development", without a major number, and the fleet declares none, so it is taken to be older than Forgejo 15/],
      ["", "15.0.1", true, undefined],
      ["   ", undefined, false, /does not report its version \(GET \/version answered HTTP 200\)/],
    ] as const) {
      fake.state.runners["org/acme"] = [runner({ id: 1 })];
      fake.state.jobs["org/acme"] = [];
      fake.override = (r) => (r.apiPath === "/version" ? json({ version }) : undefined);
      const snap = await client(declared === undefined ? {} : { version: declared }).snapshot();
      assert.equal(snap.runners !== undefined, lists, version);
      if (note === undefined) assert.deepEqual(snap.unseen, [], version);
      else assert.match(snap.unseen.join("\n"), note, version);
    }
  });

  it("a version that is not a string, or a body that is not an object, is no version", async () => {
    for (const body of [{ version: 15 }, ["15.0.0"], null]) {
      fake.state.runners["org/acme"] = [runner({ id: 1 })];
      fake.state.jobs["org/acme"] = [];
      fake.override = (r) => (r.apiPath === "/version" ? json(body) : undefined);
      const snap = await client({ version: "15" }).snapshot();
      assert.deepEqual(snap.runners?.map((r) => r.id), [1], JSON.stringify(body));
    }
  });
});

describe("failures", () => {
  it("a 5xx is retried once, and the second answer counts", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1 })];
    fake.state.jobs["org/acme"] = [];
    let failed = 0;
    fake.override = onRunners(() => (failed++ === 0 ? { status: 502, headers: { "content-type": "text/html" }, raw: "<html>Bad Gateway</html>" } : undefined));
    const snap = await client().snapshot();
    assert.deepEqual(snap.runners?.map((r) => r.id), [1]);
    assert.equal(fake.requests.filter((r) => r.apiPath === RUNNERS).length, 2);
  });

  it("a 5xx twice is the forge's failure, with the token redacted from what it said", async () => {
    fake.override = onRunners(() => json({ message: `db error near token ${TOKEN}` }, {}, 500));
    const error = await failure(client().snapshot(), { reason: "http-error", status: 500, url: runnersUrl() });
    assert.match(error.message, /the forge failed \(HTTP 500, after one retry\).*token \[redacted\]/);
    assert.equal(fake.requests.filter((r) => r.apiPath === RUNNERS).length, 2);
  });

  it("a removal is not retried: a 5xx on DELETE is reported at once", async () => {
    fake.state.runners["org/acme"] = [runner({ id: 1 })];
    fake.override = (r) => (r.method === "DELETE" ? errorAnswer(500, "boom") : undefined);
    await failure(client().deleteRunner(1), { reason: "http-error", status: 500, url: `${fake.apiUrl}${RUNNERS}/1` });
    assert.equal(fake.requests.filter((r) => r.method === "DELETE").length, 1);
  });

  it("a 429 without Retry-After is an error saying so, not retried", async () => {
    fake.override = (r) => (r.apiPath === "/version" ? json({ message: "slow down" }, {}, 429) : undefined);
    const error = await failure(client().snapshot(), { reason: "http-error", status: 429, url: `${fake.apiUrl}/version` });
    assert.match(error.message, /limiting the rate of requests \(HTTP 429\) without saying how long to wait/);
    assert.equal(fake.requests.length, 1);
  });
});
