// `status --prune` removes only offline runners nobody declared, and only after a typed "yes":
// every other answer, an empty line or a closed input removes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { diagnose } from "../audit/status/diagnose.ts";
import type { ForgeSnapshot, RegisteredRunner } from "../model/fleet-status.ts";
import type { RunnerPool } from "../model/substrate.ts";
import type { StatusClient } from "../forge/status-client.ts";
import { ForgeError } from "../forge/forge-error.ts";
import { CliError } from "./output.ts";
import type { StatusResult, TargetResult } from "./status-format.ts";
import { confirmAndPrune } from "./status-prune.ts";

const CODEX = ["self-hosted", "linux", "x64", "codex"];
const pool: RunnerPool = { name: "codex-gh-runner", forge: "github", substrate: "kubernetes-deployment", labels: CODEX, min: 1, max: 1, oneJob: false, isolation: "container" };
const runner = (id: number, name: string, labels: string[], status: "online" | "offline"): RegisteredRunner => ({ id, name, status, busy: false, labels });
const RUNNERS = [
  runner(1, "codex-gh-runner-7d9f-x2", CODEX, "online"),
  runner(2, "codex-gh-runner-7d9f-old", CODEX, "offline"), // declared (the pool's), offline: kept
  runner(3, "old-builder", ["self-hosted", "build"], "offline"), // nobody's, offline: a candidate
  runner(4, "spare", ["self-hosted", "spare"], "online"), // nobody's, online: kept
  runner(5, "gpu-box", ["self-hosted", "gpu"], "offline"), // nobody's, offline: a candidate
];

/** A client that records removals; `fail` makes removing that id fail as the forge would refuse it. */
function fakeClient(fail?: number): StatusClient & { deleted: number[] } {
  const deleted: number[] = [];
  return {
    deleted,
    snapshot: () => Promise.reject(new Error("not used")),
    deleteCall: (id) => `DELETE https://api.github.com/orgs/acme/actions/runners/${id}`,
    deleteRunner: (id) => {
      if (id === fail) return Promise.reject(new ForgeError({ reason: "forbidden", url: `https://api.github.com/orgs/acme/actions/runners/${id}`, scope: "acme", status: 403, problem: "HTTP 403", fix: "grant Self-hosted runners: write", action: "remove the runner" }));
      deleted.push(id);
      return Promise.resolve();
    },
  };
}

function setup(fail?: number) {
  const snapshot: ForgeSnapshot = { forge: "github", scope: "github.com/acme", runners: RUNNERS, jobs: [], unseen: [], takenAt: "2026-12-03T10:00:00Z" };
  const report = diagnose([pool], snapshot);
  const client = fakeClient(fail);
  const target: TargetResult = { forge: "github", scope: "github.com/acme", pools: [pool.name], report, unseen: [], takenAt: new Date(snapshot.takenAt), removeWith: new Map(report.stale.map((r) => [r.id, client.deleteCall(r.id)])) };
  const result: StatusResult = { targets: [target], thresholdMinutes: 5, healthy: true };
  return { result, clients: new Map([[target, client]]), client };
}

async function prune(input: Readable, fail?: number) {
  const { result, clients, client } = setup(fail);
  const output = new PassThrough();
  let text = "";
  output.on("data", (c: Buffer) => (text += c.toString()));
  const removed = await confirmAndPrune(result, clients, { input, output });
  return { removed, deleted: client.deleted, text };
}

test("prune lists only offline runners nobody declared, with the call that removes each, and removes them after yes", async () => {
  const r = await prune(Readable.from(["yes\n"]));
  assert.deepEqual(r.deleted, [3, 5]);
  assert.equal(r.removed, 2);
  assert.match(r.text, /2 offline runners nobody declared/);
  assert.match(r.text, /old-builder \(id 3, github\.com\/acme\): DELETE https:\/\/api\.github\.com\/orgs\/acme\/actions\/runners\/3/);
  assert.doesNotMatch(r.text, /spare|codex-gh-runner/, "online and declared runners are never offered");
});

test("prune removes nothing without a typed yes: another word, an empty line, a closed input", async () => {
  for (const input of [Readable.from(["y\n"]), Readable.from(["\n"]), Readable.from([]), Readable.from(["YES please\n"])]) {
    const r = await prune(input);
    assert.deepEqual(r.deleted, []);
    assert.equal(r.removed, 0);
    assert.match(r.text, /nothing removed/);
  }
});

test("a removal the forge refuses stops the prune with its error and the count so far", async () => {
  await assert.rejects(prune(Readable.from(["yes\n"]), 5), (e: unknown) => e instanceof CliError && /removed 1 of 2; could not remove the runner .*HTTP 403.*Self-hosted runners: write/.test(e.message));
});
