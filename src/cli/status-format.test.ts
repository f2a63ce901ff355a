// The three ways status prints a report: a table that fits the terminal, Markdown for an issue
// comment that a hostile runner or job name cannot break, and JSON with everything. Also where the
// declared pools say their runners register, and what happens when they do not say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnose } from "../audit/status/diagnose.ts";
import type { ForgeSnapshot } from "../model/fleet-status.ts";
import { ConfigError } from "../model/issues.ts";
import type { RunnerPool } from "../model/substrate.ts";
import { statusJson, statusMarkdown, statusTable, type StatusResult } from "./status-format.ts";
import { statusTargets } from "./status.ts";

const CODEX = ["self-hosted", "linux", "x64", "codex"];
const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const pool = (name: string, labels: string[], over: Partial<RunnerPool> = {}): RunnerPool => ({ name, forge: "github", substrate: "kubernetes-deployment", labels, min: 1, max: 1, oneJob: false, isolation: "container", ...over });
const codex = pool("codex-gh-runner", CODEX, { registration: { url: "https://github.com/acme/app" } });

function result(): StatusResult {
  const snapshot: ForgeSnapshot = {
    forge: "github",
    scope: "github.com/acme/app",
    runners: [
      { id: 1, name: "codex-gh-runner-a", status: "online", busy: true, labels: CODEX },
      { id: 9, name: "evil | name\n# heading", status: "offline", busy: false, labels: ["self-hosted", "x`y", TOKEN] },
    ],
    jobs: [{ id: 7, name: "ci / gpu-tests", repository: "acme/app", labels: ["self-hosted", "gpu"], queuedAt: "2026-12-03T09:40:00Z" }],
    unseen: ["waiting jobs were looked for in 3 of 40 repositories"],
    takenAt: "2026-12-03T10:00:00Z",
  };
  const report = diagnose([codex], snapshot);
  return { targets: [{ forge: "github", scope: "github.com/acme/app", pools: ["codex-gh-runner"], report, unseen: snapshot.unseen, takenAt: new Date(snapshot.takenAt), removeWith: new Map([[9, "DELETE https://api.github.com/repos/acme/app/actions/runners/9"]]) }], thresholdMinutes: 5, healthy: false };
}

test("the table fits an 80-column terminal and says why the job waits, what removes the stale runner, and what was not seen", () => {
  const text = statusTable(result(), 80);
  for (const line of text.split("\n")) assert.ok(line.length <= 80, `too wide: ${line}`);
  assert.match(text, /^GitHub github\.com\/acme\/app: 2 runners, 1 waiting job/);
  assert.match(text, /evil \| name\\n# heading\s+9\s+offline/, "a newline in a name is shown escaped");
  assert.ok(!text.includes(TOKEN), "a credential-shaped label is redacted");
  assert.match(text, /codex-gh-runner\s+1\/1\s+1\s+1\s+1\s+-/);
  assert.match(text, /20 min/);
  assert.match(text.replace(/\s+/g, " "), /unserved: no declared pool carries all of \[self-hosted, gpu\]/);
  assert.match(text.replace(/\s+/g, " "), /Stale \(offline, nobody declared\): --prune removes them, or by hand at https:\/\/api\.github\.com:/);
  assert.match(text, /\n {2}DELETE \/repos\/acme\/app\/actions\/runners\/9\n/, "each removal call by its path, on a line of its own");
  assert.match(text, /Not seen: waiting jobs were looked for in 3 of 40 repositories/);
  assert.match(text.replace(/\s+/g, " "), /1 pool, 0 with a problem; 1 job waiting, 1 longer than 5 min; 1 stale runner \(offline, nobody declared\): needs attention $/);
  assert.doesNotMatch(text, /\n# heading/, "a name cannot start a line of its own");
});

test("Markdown escapes what the forge names, so a runner name cannot break the table or add a heading", () => {
  const md = statusMarkdown(result());
  assert.match(md, /^## Runner fleet status\n/);
  assert.match(md, /\| Pool \| Min\/max \| Registered \| Online \| Busy \| Problem \|/);
  assert.match(md, /evil \\\| name\\\\n# heading/);
  assert.ok(!md.includes(TOKEN));
  assert.match(md, /x\\`y/);
  // Every row of each table has as many cells as its header: no name adds or removes a column.
  const pipes = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length;
  const tables = md.split(/\n\n+/).map((block) => block.split("\n").filter((l) => l.startsWith("|"))).filter((rows) => rows.length > 0);
  assert.deepEqual(tables.map((rows) => rows.map(pipes)), [[7, 7, 7], [7, 7, 7], [5, 5, 5]]);
});

test("JSON carries every fact: health, pool counts, each job's reason and fix, each stale runner's removal call", () => {
  const json = statusJson(result()) as { healthy: boolean; targets: { poolStatus: { registered: number }[]; jobs: { id: number; reason: string; waitedMinutes: number; fix: string }[]; undeclared: { id: number; removeWith?: string }[]; unseen: string[] }[] };
  assert.equal(json.healthy, false);
  const [t] = json.targets;
  assert.equal(t!.poolStatus[0]!.registered, 1);
  assert.deepEqual(t!.jobs.map((j) => [j.id, j.reason, j.waitedMinutes]), [[7, "unserved", 20]]);
  assert.deepEqual(t!.undeclared, [{ id: 9, name: "evil | name\n# heading", status: "offline", busy: false, labels: ["self-hosted", "x`y", TOKEN], removeWith: "DELETE https://api.github.com/repos/acme/app/actions/runners/9" }]);
});

test("pools are grouped by the forge scope they register with; GitHub URLs carry their scope", () => {
  const pools = [
    codex,
    pool("gemini-gh-runner", ["self-hosted", "gemini"], { registration: { url: "https://github.com/acme/app" } }),
    pool("arc", ["self-hosted", "arc"], { substrate: "arc-scale-set", registration: { url: "https://ghes.example.com/enterprises/acme" } }),
    pool("fenced", ["fenced"], { forge: "forgejo", substrate: "libvirt-vm", registration: { url: "https://code.example.org/", scope: "org/acme", version: "15.0.1" } }),
  ].map((p, index) => ({ source: "s (stack dev)", index, pool: p }));
  const targets = statusTargets(pools, {});
  assert.deepEqual(targets.map((t) => [t.forge, t.url, t.scope, t.pools.map((p) => p.name), t.version]), [
    ["github", "https://github.com", "acme/app", ["codex-gh-runner", "gemini-gh-runner"], undefined],
    ["github", "https://ghes.example.com", "enterprises/acme", ["arc"], undefined],
    ["forgejo", "https://code.example.org", "org/acme", ["fenced"], "15.0.1"],
  ]);
});

test("a pool whose stack does not say where it registers needs --url / --scope, named at its key path", () => {
  const forgejo = pool("build-forgejo-runner", ["k8s"], { forge: "forgejo", registration: { url: "https://code.example.org" } });
  const bare = pool("codex-gh-runner", CODEX);
  assert.throws(() => statusTargets([{ source: "infra/pulumi/forgejo-k8s-runners (stack dev)", index: 0, pool: forgejo }], {}), (e: unknown) => e instanceof ConfigError && /runnerPools\[0\] \(build-forgejo-runner\)\.registration\.scope/.test(e.message) && /pass --scope/.test(e.message));
  assert.deepEqual(statusTargets([{ source: "x", index: 0, pool: forgejo }], { scope: "org/acme" }).map((t) => t.scope), ["org/acme"]);
  assert.throws(() => statusTargets([{ source: "x", index: 0, pool: bare }], {}), (e: unknown) => e instanceof ConfigError && /\.registration: does not say where the runners register/.test(e.message) && /--url https:\/\/github\.com/.test(e.message));
  assert.throws(() => statusTargets([{ source: "x", index: 0, pool: bare }], { url: "https://github.com" }), (e: unknown) => e instanceof ConfigError && /names no organisation, repository or enterprise/.test(e.message));
  assert.deepEqual(statusTargets([{ source: "x", index: 0, pool: bare }], { url: "https://github.com/acme" }).map((t) => t.scope), ["acme"]);
});
