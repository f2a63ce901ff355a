/**
 * Runs of a workflow must not pile up on the fleet's runners. A concurrency group keeps at most one
 * run in progress and one pending per group (GitHub cancels the older pending run when a newer one
 * arrives), and `cancel-in-progress: true` also stops the one in progress. Only self-hosted jobs of
 * workflows whose events come in streams (pushes, pull requests, comments) are checked; the
 * concurrency of the workflows calling a reusable workflow governs its jobs.
 */
import { evaluateValue, OPEN, Unknown } from "./expression.ts";
import { jobName, type GuardFinding } from "./finding.ts";
import { isRecord } from "../../model/refine.ts";
import type { Entry, RepoWorkflow } from "./repository.ts";
import { generalContext } from "./static-context.ts";

/** Events that arrive in streams, so that runs can queue behind each other. */
export const PILE_UP_EVENTS: ReadonlySet<string> = new Set(["push", "pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment", "merge_group", "issue_comment", "issues", "workflow_run", "discussion", "discussion_comment", "check_run", "check_suite", "status"]);

/** A group named after the run itself (`github.run_id`, the commit's `github.sha`, ...) holds one run each: it bounds nothing. */
const PER_RUN = /\b(run_id|run_number|run_attempt|sha)\b/;
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"]);

/** The context a concurrency group is evaluated in for one event: pull request fields are set only for pull request events. */
function groupContext(entry: Entry, event: string): Record<string, unknown> {
  const ctx = generalContext({ events: new Map([[event, {}]]), inputs: entry.inputs }, undefined);
  const pr = PULL_REQUEST_EVENTS.has(event);
  const set = (what: string) => new Unknown("runtime", what, undefined, true);
  ctx["github"] = {
    ...(ctx["github"] as object),
    run_id: new Unknown("runtime", "github.run_id"),
    run_number: new Unknown("runtime", "github.run_number"),
    run_attempt: new Unknown("runtime", "github.run_attempt"),
    head_ref: pr ? set("github.head_ref") : "",
    event: { pull_request: pr ? { number: set("github.event.pull_request.number"), [OPEN]: { path: "github.event.pull_request" } } : null, [OPEN]: { path: "github.event" } },
  };
  return ctx;
}

/** Whether every way a group can come out for the event is named after the run (a new group per run). */
function perRun(group: string, entry: Entry, event: string): boolean {
  if (!group.includes("${{")) return false;
  const outs = evaluateValue(group, groupContext(entry, event));
  return outs.length > 0 && outs.every((o) => o.value instanceof Unknown && PER_RUN.test(o.value.what));
}

/**
 * Whether a job's own concurrency runs its matrix one combination at a time: a group that does not
 * name the matrix is shared by all of them (GitHub runs one, keeps one pending, cancels the rest).
 */
export function serialises(c: unknown, entry: Entry): boolean {
  const group = typeof c === "string" ? c : isRecord(c) ? c["group"] : undefined;
  if (typeof group !== "string" || group.trim() === "" || /\bmatrix\b/.test(group)) return false;
  const events = entry.events.size > 0 ? [...entry.events.keys()] : ["workflow_call"];
  return events.every((e) => !perRun(group, entry, e));
}

/** Whether a concurrency block keeps runs of `event` from piling up. */
function bounds(c: unknown, entry: Entry, event: string): boolean {
  if (typeof c === "string") return c.trim() !== "" && !perRun(c, entry, event);
  if (!isRecord(c)) return false;
  const group = c["group"];
  if (typeof group !== "string" || group.trim() === "" || perRun(group, entry, event)) return false;
  const ctx = groupContext(entry, event);
  const cancel = evaluateValue(c["cancel-in-progress"] ?? false, ctx);
  const cancels = cancel.length > 0 && cancel.every((o) => o.value === true || o.value === "true");
  return cancels || c["queue"] !== "max";
}

export const CONCURRENCY_FIX = 'add at the top of the workflow: concurrency: { group: "${{ github.workflow }}-${{ github.ref }}", cancel-in-progress: true }';

/** Why no group bounds the runs: none is set, or the one set is named after each run (or commit) for these events. */
function why(entry: Entry, top: unknown): string {
  if (entry.via) return `neither ${entry.via.workflow.parsed.file} (which calls this workflow) nor this workflow sets a concurrency group that bounds them`;
  if (top === undefined || top === null) return "the workflow sets no concurrency group";
  return "the workflow's concurrency group is named after each run or commit for these events (github.run_id, github.run_number or github.sha), or queues every run (queue: max), so runs never share it";
}

/** The group to set: the calling workflow's for a called one, one per issue for comments, else one per branch. */
function fixFor(entry: Entry, top: unknown, events: readonly string[]): string {
  if (entry.via) return `set a concurrency group in ${entry.via.workflow.parsed.file}, the workflow that calls this one, keyed by branch or pull request (a group in the called workflow equal to the caller's would deadlock)`;
  if (top !== undefined && top !== null) return 'key the group by something the runs share on these events, e.g. group: "${{ github.workflow }}-${{ github.ref }}" (one per branch), instead of the run id or commit';
  if (events.some((e) => e === "issue_comment" || e === "issues")) return 'add at the top of the workflow: concurrency: { group: "${{ github.workflow }}-${{ github.event.issue.number || github.ref }}", cancel-in-progress: true } (one group per issue or pull request, so one comment does not cancel another pull request\'s run)';
  return CONCURRENCY_FIX;
}

export function checkConcurrency(workflow: RepoWorkflow, entry: Entry, selfHosted: ReadonlySet<string>): GuardFinding[] {
  if (entry.external) return [];
  const events = [...entry.events.keys()].filter((e) => PILE_UP_EVENTS.has(e));
  if (events.length === 0) return [];
  const governing = [...entry.concurrency, workflow.parsed.doc["concurrency"]];
  const open = events.filter((e) => !governing.some((c) => bounds(c, entry, e)));
  if (open.length === 0) return [];
  const jobs: { id: string; line: number; events: string[]; own: boolean }[] = [];
  for (const job of workflow.parsed.jobs) {
    if (!selfHosted.has(job.id)) continue;
    const own = job.body["concurrency"];
    const still = open.filter((e) => !bounds(own, entry, e));
    if (still.length > 0) jobs.push({ id: job.id, line: own === undefined ? job.line : workflow.parsed.lineOf(["jobs", job.id, "concurrency"]), events: still, own: own !== undefined });
  }
  if (jobs.length === 0) return [];
  const names = jobs.slice(0, 20).map((j) => jobName(j.id));
  const shown = `${names.map((n) => `"${n}"`).join(", ")}${jobs.length > 20 ? ` and ${jobs.length - 20} more` : ""}`;
  const piled = [...new Set(jobs.flatMap((j) => j.events))];
  const top = workflow.parsed.doc["concurrency"];
  return [{
    file: workflow.parsed.file,
    line: jobs.length === 1 ? jobs[0]!.line : top === undefined ? workflow.parsed.lineOf(["on"]) : workflow.parsed.lineOf(["concurrency"]),
    job: names.join(", "),
    rule: "concurrency",
    message: `${jobs.length === 1 ? "job" : "jobs"} ${shown} ${jobs.length === 1 ? "runs" : "run"} on self-hosted runners and their runs pile up on ${piled.join(", ")}: ${why(entry, top)}${jobs.some((j) => j.own) ? "" : ", and no job sets a group of its own"}`,
    fix: fixFor(entry, top, piled),
  }];
}
