// A seeded fuzzer of stack settings for all four stacks (test/hostile-settings/fuzz-cases.ts): each
// case is a stack's real Pulumi.<stack>.yaml with one mutation, rendered offline in a child process
// (test/hostile-settings/fuzz-worker.ts) that reports each case as a JSON line. The test stops a
// worker whose case runs longer than 15 s (a hang) and goes on with the next case. It fails on any
// crash or hang, on any invalidating mutation that is accepted or refused without naming the
// mutated key (or a key above or below it; the file, for file-level mutations), and on any error
// that quotes a credential of the case back. FUZZ_CASES (default 2000) and FUZZ_SEED (default 1)
// override the run; the seed, the counts and a command to replay each failure are printed.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { REPO } from "./helpers.ts";
import { HANG_MS, staleBuildNote, visible } from "./hostile-settings/corpus.ts";
import type { FuzzResult } from "./hostile-settings/fuzz-worker.ts";

const CASES = Number(process.env["FUZZ_CASES"] ?? "2000");
const SEED = Number(process.env["FUZZ_SEED"] ?? "1");
const WORKER = join(REPO, "test/hostile-settings/fuzz-worker.ts");
/** A worker gets this long to load before its first case starts. */
const STARTUP_MS = 60_000;

type Failure = "crash" | "hang" | "accepted" | "not-named" | "leak";

interface CaseRecord {
  readonly i: number;
  readonly result?: FuzzResult;
  /** Set when the worker hung or died on this case. */
  readonly lost?: { readonly kind: "hang" | "crash"; readonly detail: string };
}

/** Runs cases [from, to) in workers started one after another, each picking up after a case that hung or killed its worker. */
async function runRange(from: number, to: number): Promise<CaseRecord[]> {
  const records: CaseRecord[] = [];
  let next = from;
  while (next < to) {
    const got = await runWorker(next, to);
    records.push(...got.records);
    next = got.next;
  }
  return records;
}

function runWorker(from: number, to: number): Promise<{ records: CaseRecord[]; next: number }> {
  return new Promise((resolvePromise) => {
    const env = { ...process.env };
    delete env["RUNNER_SSH_KEY_PATH"];
    const child = spawn(process.execPath, [WORKER, "--seed", String(SEED), "--from", String(from), "--to", String(to)], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    const records: CaseRecord[] = [];
    let current: number | undefined;
    let done = false;
    let stderr = "";
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    const watch = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, ms);
    };
    watch(STARTUP_MS);
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("@@start ")) {
          current = (JSON.parse(line.slice(8)) as { i: number }).i;
          watch(HANG_MS);
        } else if (line.startsWith("@@case ")) {
          const result = JSON.parse(line.slice(7)) as FuzzResult;
          records.push({ i: result.i, result });
          current = undefined;
          watch(HANG_MS + 10_000);
        } else if (line === "@@done") {
          done = true;
        }
      }
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = records.length > 0 ? records[records.length - 1]!.i : from - 1;
      if (done) return resolvePromise({ records, next: to });
      // The worker hung or died: the case it was on (or the next one, between cases) is lost.
      const lostCase = current ?? last + 1;
      const detail = hung ? `no answer within ${HANG_MS / 1000} s` : `the worker ended with ${signal ?? `exit code ${String(code)}`}: ${(stderr.trim().split("\n").find((l) => /Error|error/.test(l)) ?? stderr.trim().split("\n")[0] ?? "").slice(0, 200)}`;
      if (lostCase < to) records.push({ i: lostCase, lost: { kind: hung ? "hang" : "crash", detail } });
      resolvePromise({ records, next: lostCase + 1 });
    });
  });
}

function failureOf(r: CaseRecord): Failure | undefined {
  if (r.lost !== undefined) return r.lost.kind;
  const x = r.result!;
  if (x.outcome === "crash") return "crash";
  if (x.leaks.length > 0) return "leak";
  if (x.tag === "invalidating" && x.outcome === "accepted") return "accepted";
  if (x.tag === "invalidating" && !x.named) return "not-named";
  return undefined;
}

/** A key path with its indices and long keys generalised, to group failures of one kind. */
const generalise = (path: string) => visible(path).replace(/\[\d+\]/g, "[*]").replace(/[^.[\]]{64,}/g, "<long key>");

it(`fuzzes the settings of every stack: ${CASES} cases of seed ${SEED}, no crash, hang or quoted credential, every invalidating mutation refused naming its key`, { timeout: 30 * 60_000 }, async (t) => {
  const note = staleBuildNote();
  if (note !== undefined) t.diagnostic(`note: ${note}`);
  const workers = Math.max(1, Math.min(2, availableParallelism(), CASES));
  const per = Math.ceil(CASES / workers);
  const started = performance.now();
  const ranges = Array.from({ length: workers }, (_, w) => [w * per, Math.min(CASES, (w + 1) * per)] as const).filter(([a, b]) => a < b);
  const records = (await Promise.all(ranges.map(([a, b]) => runRange(a, b)))).flat().sort((a, b) => a.i - b.i);
  const seconds = (performance.now() - started) / 1000;

  const results = records.flatMap((r) => (r.result === undefined ? [] : [r.result]));
  const count = (f: (r: FuzzResult) => boolean) => results.filter(f).length;
  t.diagnostic(`seed ${SEED}: ${records.length} cases in ${seconds.toFixed(1)} s with ${workers} worker${workers === 1 ? "" : "s"} (FUZZ_SEED=${SEED} FUZZ_CASES=${CASES} to repeat)`);
  t.diagnostic(`  invalidating: ${count((r) => r.tag === "invalidating")} (${count((r) => r.tag === "invalidating" && r.outcome === "rejected" && r.named)} refused naming the key, ${count((r) => r.tag === "invalidating" && r.outcome === "rejected" && !r.named)} refused without naming it, ${count((r) => r.tag === "invalidating" && r.outcome === "accepted")} accepted)`);
  t.diagnostic(`  anything: ${count((r) => r.tag === "anything")} (${count((r) => r.tag === "anything" && r.outcome === "accepted")} accepted, ${count((r) => r.tag === "anything" && r.outcome === "rejected")} refused)`);
  const benignRefused = results.filter((r) => r.mutation.startsWith("benign") && r.outcome === "rejected");
  if (benignRefused.length > 0) t.diagnostic(`  valid YAML refused (benign mutations, not failures): ${[...new Set(benignRefused.map((r) => `${r.project} ${r.mutation}: ${r.detail}`))].join("; ").slice(0, 600)}`);
  const failures = records.map((r) => [r, failureOf(r)] as const).filter((x): x is readonly [CaseRecord, Failure] => x[1] !== undefined);
  const kinds: Failure[] = ["crash", "hang", "accepted", "not-named", "leak"];
  t.diagnostic(`  failures: ${failures.length} (${kinds.map((k) => `${failures.filter(([, f]) => f === k).length} ${k}`).join(", ")})`);

  // One line per kind of failure: the mutation, the key path (indices generalised) and what happened.
  const groups = new Map<string, { n: number; first: CaseRecord; kind: Failure }>();
  for (const [r, kind] of failures) {
    const x = r.result;
    const key = x === undefined ? `${kind}|case ${r.i}` : `${kind}|${x.project}|${x.mutation}|${generalise(x.path)}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { n: 1, first: r, kind });
    else g.n++;
  }
  if (groups.size > 0) t.diagnostic(`failures, one line per kind (${groups.size}):`);
  for (const { n, first, kind } of [...groups.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.n - a.n)) {
    const x = first.result;
    const what = x === undefined
      ? `case ${first.i}: ${first.lost!.detail}`
      : `${x.project} ${x.mutation} at ${generalise(x.path) || "(file)"}: ${kind === "leak" ? `quotes ${x.leaks.length} credential(s); ` : ""}${x.outcome === "rejected" ? x.detail : x.outcome === "crash" ? x.detail : "accepted"}`;
    t.diagnostic(`  ${kind} x${n}  ${what.slice(0, 300)}  [replay: node test/hostile-settings/fuzz-worker.ts --seed ${SEED} --from ${first.i} --to ${first.i + 1} --keep out/fuzz]`);
  }
  assert.equal(records.length, CASES, "every case has a result");
  assert.equal(failures.length, 0, `${failures.length} of ${CASES} cases fail (seed ${SEED}); the kinds are listed above`);
});
