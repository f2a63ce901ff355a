// The stand-in GitHub itself: it paginates as GitHub does, and an answer that GitHub's published
// description does not allow is never sent: it becomes a 500 and is recorded in `invalid`.
import { afterEach, beforeEach, it } from "node:test";
import assert from "node:assert/strict";
import { FakeGithub, runner } from "./github.ts";

let fake: FakeGithub;
beforeEach(async () => {
  fake = await new FakeGithub().start();
});
afterEach(async () => {
  await fake.stop();
});

const get = (path: string) => fetch(`${fake.apiUrl}${path}`, { headers: { authorization: "token t" } });

it("pages with per_page, page and a Link header naming the next and last pages", async () => {
  fake.state.maxPageSize = 2;
  fake.state.runners["acme"] = Array.from({ length: 5 }, (_, i) => runner({ id: i + 1, name: `r${i}` }));
  const first = await get("/orgs/acme/actions/runners?per_page=100");
  const body = (await first.json()) as { total_count: number; runners: { id: number }[] };
  assert.equal(body.total_count, 5);
  assert.deepEqual(body.runners.map((r) => r.id), [1, 2]);
  assert.equal(first.headers.get("link"), `<${fake.apiUrl}/orgs/acme/actions/runners?per_page=100&page=2>; rel="next", <${fake.apiUrl}/orgs/acme/actions/runners?per_page=100&page=3>; rel="last"`);
  const last = await get("/orgs/acme/actions/runners?per_page=100&page=3");
  assert.deepEqual(((await last.json()) as { runners: { id: number }[] }).runners.map((r) => r.id), [5]);
  assert.doesNotMatch(last.headers.get("link") ?? "", /rel="next"/);
  assert.deepEqual(fake.invalid, []);
});

it("answers 500 and records the answer when it does not match GitHub's description", async () => {
  const { os: _os, ...withoutOs } = runner({ id: 1, name: "r" });
  fake.state.runners["acme"] = [withoutOs as ReturnType<typeof runner>];
  const answer = await get("/orgs/acme/actions/runners");
  assert.equal(answer.status, 500);
  assert.equal(fake.invalid.length, 1);
  assert.match(fake.invalid[0]!, /GET \/api\/v3\/orgs\/acme\/actions\/runners → HTTP 200: \/runners\/0 must have required property 'os'/);
  assert.throws(() => fake.assertValid(), /does not allow/);
});

it("checks overridden answers too, and asks for a token", async () => {
  fake.override = () => ({ status: 404, body: { message: 42 } });
  assert.equal((await get("/orgs/acme/actions/runners")).status, 500);
  assert.match(fake.invalid[0]!, /\/message must be string/);
  fake.override = undefined;
  fake.state.runners["acme"] = [];
  const anonymous = await fetch(`${fake.apiUrl}/orgs/acme/actions/runners`);
  assert.equal(anonymous.status, 401);
});
