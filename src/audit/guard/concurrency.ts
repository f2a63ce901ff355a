/**
 * Every workflow cancels superseded runs: a top-level `concurrency` with
 * `cancel-in-progress: true`, or one on every job. Without it, each push queues another full run
 * on the fleet's runners.
 */
import { jobName, type GuardFinding } from "./finding.ts";
import { isRecord } from "../../model/refine.ts";
import { type ParsedWorkflow } from "./workflow.ts";

type Cancel = "on" | "absent" | "no-cancel" | "expression";

function cancelOf(concurrency: unknown): Cancel {
  if (concurrency === undefined || concurrency === null) return "absent";
  if (!isRecord(concurrency)) return "no-cancel"; // `concurrency: group-name` never cancels
  const c = concurrency["cancel-in-progress"];
  if (c === true) return "on";
  if (typeof c === "string" && c.includes("${{")) return "expression";
  return "no-cancel";
}

export const CONCURRENCY_FIX =
  'add at the top of the workflow: concurrency: { group: "${{ github.workflow }}-${{ github.ref }}", cancel-in-progress: true }';

export function checkConcurrency(workflow: ParsedWorkflow): GuardFinding[] {
  const top = cancelOf(workflow.doc["concurrency"]);
  if (top === "on") return [];
  const topText =
    top === "absent"
      ? "the workflow has no top-level concurrency block"
      : top === "expression"
        ? "the workflow's cancel-in-progress is an expression that cannot be resolved statically"
        : "the workflow's top-level concurrency does not set cancel-in-progress: true";
  const findings: GuardFinding[] = [];
  for (const job of workflow.jobs) {
    const own = cancelOf(job.body["concurrency"]);
    if (own === "on") continue;
    const jobText = own === "absent" ? "the job sets no concurrency of its own" : own === "expression" ? "the job's cancel-in-progress is an expression" : "the job's concurrency does not set cancel-in-progress: true";
    findings.push({
      file: workflow.file,
      line: own === "absent" ? job.line : workflow.lineOf(["jobs", job.id, "concurrency"]),
      job: jobName(job.id),
      rule: "concurrency",
      message: `job "${jobName(job.id)}" is never cancelled when a newer run supersedes it: ${topText}, and ${jobText}`,
      fix: top === "absent" ? CONCURRENCY_FIX : "set cancel-in-progress: true (a literal, not an expression) in the workflow's concurrency block, or in this job's",
    });
  }
  return findings;
}
