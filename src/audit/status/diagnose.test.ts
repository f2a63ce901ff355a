import { test } from "node:test";
import assert from "node:assert/strict";
import type { ForgeSnapshot, RegisteredRunner, WaitingJob } from "../../model/fleet-status.ts";
import type { RunnerPool } from "../../model/substrate.ts";
import { diagnose, healthy } from "./diagnose.ts";

const pool = (name: string, labels: string[], min: number, max = min): RunnerPool => ({ name, forge: "github", substrate: "kubernetes-deployment", labels, min, max, oneJob: false, isolation: "container" });
const runner = (id: number, name: string, labels: string[], status: "online" | "offline" = "online", busy = false): RegisteredRunner => ({ id, name, status, busy, labels });
const job = (id: number, labels: string[], queuedAt = "2026-12-03T10:00:00Z"): WaitingJob => ({ id, name: `ci / test-${id}`, repository: "acme/app", labels, queuedAt });
const snapshot = (runners: RegisteredRunner[] | undefined, jobs: WaitingJob[] = [], takenAt = "2026-12-03T10:20:00Z"): ForgeSnapshot => ({ forge: "github", scope: "github.com/acme", ...(runners ? { runners } : {}), jobs, unseen: [], takenAt });

const CODEX = ["self-hosted", "linux", "x64", "codex"];
const codex = pool("gh-runner-codex", CODEX, 2);

test("a healthy fleet: every pool registered with its labels and online, no job waiting", () => {
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", CODEX), runner(2, "gh-runner-codex-b", ["Self-Hosted", "Linux", "X64", "CODEX"], "online", true)]));
  assert.deepEqual(report.pools, [{ pool: "gh-runner-codex", min: 2, max: 2, registered: 2, online: 2, busy: 1, mislabelled: [] }], "labels compare case-insensitively");
  assert.deepEqual(report.undeclared, []);
  assert.ok(healthy(report));
});

test("a job on a label no pool serves: unserved, naming the nearest pool and the label it lacks", () => {
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", CODEX), runner(2, "gh-runner-codex-b", CODEX)], [job(7, ["self-hosted", "linux", "gpu"])]));
  const [d] = report.jobs;
  assert.equal(d!.reason, "unserved");
  assert.equal(d!.waitedMinutes, 20);
  assert.match(d!.explanation, /no declared pool carries all of \[self-hosted, linux, gpu\]/);
  assert.match(d!.fix, /change runs-on to the labels of pool "gh-runner-codex" \(it lacks gpu\)/);
  assert.ok(!healthy(report), "a job waiting 20 minutes is over the 5-minute threshold");
  assert.ok(healthy(report, 30));
});

test("a pool registered with a missing label: the pool names the runner and the labels, the job says why it is not taken", () => {
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", ["self-hosted", "linux", "x64"]), runner(2, "gh-runner-codex-b", ["self-hosted", "linux", "x64", "codx"])], [job(8, ["codex"])]));
  const [p] = report.pools;
  assert.equal(p!.registered, 0);
  assert.deepEqual(p!.mislabelled, [{ runner: "gh-runner-codex-a", missing: ["codex"], extra: [] }, { runner: "gh-runner-codex-b", missing: ["codex"], extra: ["codx"] }]);
  assert.match(p!.problem!, /2 runners named after the pool registered with other labels/);
  assert.equal(report.jobs[0]!.reason, "mislabelled");
  assert.match(report.jobs[0]!.explanation, /runner "gh-runner-codex-a" registered without codex/);
  assert.deepEqual(report.undeclared, [], "runners named after a pool are that pool's, however mislabelled");
});

test("a pool at its maximum with jobs queued: at-max, with busy of max", () => {
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", CODEX, "online", true), runner(2, "gh-runner-codex-b", CODEX, "online", true)], [job(9, ["codex"])]));
  assert.equal(report.jobs[0]!.reason, "at-max");
  assert.match(report.jobs[0]!.explanation, /pool "gh-runner-codex" is at its maximum \(2 busy of 2\)/);
  assert.match(report.jobs[0]!.fix, /raise its replicas/);
});

test("offline runners: a pool whose runners are all offline, and offline runners nobody declared", () => {
  const stale = runner(5, "old-builder-1", ["self-hosted", "linux", "arm64"], "offline");
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", CODEX, "offline"), runner(2, "gh-runner-codex-b", CODEX, "offline"), stale], [job(10, ["codex"])]));
  assert.match(report.pools[0]!.problem!, /0 of 2 runners online/);
  assert.equal(report.jobs[0]!.reason, "offline");
  assert.deepEqual(report.undeclared, [stale]);
});

test("declared but not registered, and a pool that scales from zero with nothing registered yet", () => {
  const arc = { ...pool("arc-firecracker", ["arc-firecracker", "self-hosted", "linux", "x64", "firecracker"], 0, 8), substrate: "arc-scale-set" as const, oneJob: true };
  const report = diagnose([codex, arc], snapshot([], [job(11, ["codex"]), job(12, ["firecracker"])]));
  assert.match(report.pools[0]!.problem!, /declared with 2 runners always present, none registered/);
  assert.equal(report.pools[1]!.problem, undefined, "a scale set at zero is not a problem");
  assert.deepEqual(report.jobs.map((j) => j.reason), ["not-registered", "not-registered"]);
  assert.match(report.jobs[1]!.explanation, /scales from zero/);
  assert.match(report.jobs[1]!.fix, /listener or autoscaler/);
});

test("a forge that cannot list runners (Forgejo before 15): pools are not judged, jobs say what cannot be seen", () => {
  const fenced: RunnerPool = { name: "forgejo-fenced", forge: "forgejo", substrate: "libvirt-vm", labels: ["fenced"], min: 1, max: 1, oneJob: false, isolation: "vm" };
  const report = diagnose([codex, fenced], { forge: "forgejo", scope: "code.example.org/acme", jobs: [job(13, ["fenced"])], unseen: [], takenAt: "2026-12-03T10:01:00Z" });
  assert.equal(report.runnersVisible, false);
  assert.deepEqual(report.pools.map((p) => [p.pool, p.problem]), [["forgejo-fenced", undefined]], "only the forge's own pools");
  assert.match(report.jobs[0]!.explanation, /this forge version does not list its runners/);
  assert.equal(report.complete, false);
  assert.ok(!healthy(report), "registrations that cannot be seen are not known to be fine");
});

test("a snapshot that may have missed waiting jobs (the request budget ran out) is not healthy", () => {
  const runners = [runner(1, "gh-runner-codex-a", CODEX), runner(2, "gh-runner-codex-b", CODEX)];
  assert.ok(healthy(diagnose([codex], snapshot(runners))));
  const partial = diagnose([codex], { ...snapshot(runners), partial: true });
  assert.equal(partial.complete, false);
  assert.ok(!healthy(partial));
});

test("offline runners nobody declared are the stale ones; jobs for GitHub-hosted runners are not the fleet's", () => {
  const report = diagnose([codex], snapshot([runner(1, "gh-runner-codex-a", CODEX), runner(2, "old-builder", ["self-hosted", "build"], "offline"), runner(3, "spare", ["self-hosted", "spare"])], [job(4, ["ubuntu-latest"]), job(5, ["self-hosted", "gpu"])]));
  assert.deepEqual(report.undeclared.map((r) => r.name), ["old-builder", "spare"]);
  assert.deepEqual(report.stale.map((r) => r.name), ["old-builder"]);
  assert.deepEqual(report.jobs.map((j) => j.job.id), [5]);
});

test("with offline times known, only runners offline for the threshold or longer are stale", () => {
  const offline = (id: number, since?: string): RegisteredRunner => ({ ...runner(id, `old-${id}`, ["self-hosted", "build"], "offline"), ...(since === undefined ? {} : { offlineSince: since }) });
  const s = snapshot([offline(1, "2026-12-03T10:10:00Z"), offline(2, "2026-12-03T08:00:00Z"), offline(3)]);
  assert.deepEqual(diagnose([codex], s, undefined, 60).stale.map((r) => r.id), [2, 3], "10 minutes is under the hour; unknown counts as stale");
  assert.deepEqual(diagnose([codex], s).stale.map((r) => r.id), [1, 2, 3]);
});
