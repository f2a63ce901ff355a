// `status --state-file`: the first run that sees a runner offline records the time; later runs keep
// it while the runner stays offline, forget it once the runner is back or gone, and a file that is
// not a status state is an error naming the file and the fix, never a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ForgeSnapshot, RegisteredRunner } from "../model/fleet-status.ts";
import { CliError } from "./output.ts";
import { readStatusState, trackOffline, writeStatusState } from "./status-state.ts";

const runner = (id: number, status: "online" | "offline"): RegisteredRunner => ({ id, name: `r-${id}`, status, busy: false, labels: ["self-hosted"] });
const snap = (takenAt: string, runners: RegisteredRunner[], scope = "github.com/acme"): ForgeSnapshot => ({ forge: "github", scope, runners, jobs: [], unseen: [], takenAt });

test("offline since the first run that saw it; forgotten when back online or gone; other scopes untouched", () => {
  const state = new Map<string, string>([["github github.com/other 5", "2026-12-01T00:00:00Z"]]);
  const first = trackOffline(snap("2026-12-03T10:00:00Z", [runner(1, "offline"), runner(2, "online"), runner(3, "offline")]), state);
  assert.deepEqual(first.runners!.map((r) => r.offlineSince), ["2026-12-03T10:00:00Z", undefined, "2026-12-03T10:00:00Z"]);
  const second = trackOffline(snap("2026-12-03T11:00:00Z", [runner(1, "offline"), runner(2, "offline")]), state);
  assert.deepEqual(second.runners!.map((r) => r.offlineSince), ["2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z"], "runner 1 keeps its first time");
  trackOffline(snap("2026-12-03T12:00:00Z", [runner(1, "online")]), state);
  assert.deepEqual([...state.keys()], ["github github.com/other 5"], "runner 1 back online, 2 and 3 gone; another scope's entry stays");
});

test("the state survives a write and a read, in a file only its owner can read", () => {
  const dir = mkdtempSync(join(tmpdir(), "rf-state-"));
  try {
    const path = join(dir, "status.json");
    assert.deepEqual(readStatusState(path), new Map(), "a missing file is an empty state");
    writeStatusState(path, new Map([["forgejo code.example.org/org/acme 7", "2026-12-03T10:00:00Z"]]));
    assert.deepEqual(readStatusState(path), new Map([["forgejo code.example.org/org/acme 7", "2026-12-03T10:00:00Z"]]));
    assert.equal(statSync(path).mode & 0o077, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file that is not a status state names the file and says how to start again", () => {
  const dir = mkdtempSync(join(tmpdir(), "rf-state-"));
  try {
    const path = join(dir, "status.json");
    for (const [content, message] of [
      ["{not json", /is not JSON/],
      ["[]", /is not a status state/],
      [JSON.stringify({ version: 2, offlineSince: {} }), /is not a status state/],
      [JSON.stringify({ version: 1, offlineSince: { "github x 1": "yesterday" } }), /offlineSince\["github x 1"\] is not a time/],
    ] as const) {
      writeFileSync(path, content);
      assert.throws(() => readStatusState(path), (e: unknown) => e instanceof CliError && e.message.includes(path) && message.test(e.message) && /delete it to start again/.test(e.message));
    }
    assert.throws(() => readStatusState(dir), (e: unknown) => e instanceof CliError && /is not a regular file/.test(e.message));
    // A folder that does not exist yet is made (before any forge is asked); one that cannot be made is an error.
    assert.deepEqual(readStatusState(join(dir, "new", "deeper", "s.json")), new Map());
    writeStatusState(join(dir, "new", "deeper", "s.json"), new Map());
    writeFileSync(join(dir, "a-file"), "");
    assert.throws(() => readStatusState(join(dir, "a-file", "s.json")), (e: unknown) => e instanceof CliError && /cannot be read \(ENOTDIR\)/.test(e.message));
    assert.throws(() => readStatusState("/proc/runner-fleet-status-test/s.json"), (e: unknown) => e instanceof CliError && /its folder cannot be made/.test(e.message));
    assert.throws(() => writeStatusState(join(dir, "a-file", "s.json"), new Map()), (e: unknown) => e instanceof CliError && /cannot be written/.test(e.message));
    assert.equal(readFileSync(path, "utf8").length > 0, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
