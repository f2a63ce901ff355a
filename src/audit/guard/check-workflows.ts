/**
 * The fleet-aware workflow guard over a set of workflow files: parses each one, works out which
 * outsiders' events reach it (also through local reusable workflows), and runs every check.
 * Pure: files come in as text, findings go out.
 */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { checkConcurrency } from "./concurrency.ts";
import { checkJob, type ProfilesFrom, type UntrustedTrigger } from "./check-job.ts";
import { safeFinding, sortFindings, type GuardFinding } from "./finding.ts";
import { untrustedEvents, workflowEvents } from "./triggers.ts";
import { checkWorkflowBudget } from "./workflow-budget.ts";
import { parseWorkflow, type ParsedWorkflow, type WorkflowFile } from "./workflow.ts";

export interface GuardOptions {
  /** Where the profiles come from, named in fixes. @default "the runner profiles" */
  readonly profilesSource?: string;
  /** Whether the profiles come from a profiles file or from rendered stacks. @default "file" */
  readonly profilesFrom?: ProfilesFrom;
}

const normal = (p: string) => p.replace(/\\/g, "/").replace(/^\.\//, "");

/** The workflow a local `uses: ./.github/workflows/x.yml` calls, among the given ones. */
function callee(uses: string, workflows: readonly ParsedWorkflow[]): ParsedWorkflow | undefined {
  if (!uses.startsWith("./")) return undefined;
  const target = normal(uses.split("@")[0] ?? uses);
  return workflows.find((w) => {
    const f = normal(w.file);
    return f === target || f.endsWith(`/${target}`);
  });
}

/**
 * Outsiders' events of every workflow: its own, plus, for a reusable workflow (`workflow_call`),
 * those of the workflows that call it.
 */
export function untrustedTriggers(workflows: readonly ParsedWorkflow[]): Map<string, UntrustedTrigger[]> {
  const result = new Map<string, UntrustedTrigger[]>(workflows.map((w) => [w.file, untrustedEvents(w.doc["on"]).map((event) => ({ event }))]));
  const calls: { from: ParsedWorkflow; to: ParsedWorkflow }[] = [];
  for (const w of workflows) {
    for (const j of w.jobs) {
      const uses = j.body["uses"];
      const to = typeof uses === "string" ? callee(uses, workflows) : undefined;
      if (to && workflowEvents(to.doc["on"]).includes("workflow_call")) calls.push({ from: w, to });
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const { from, to } of calls) {
      const have = result.get(to.file)!;
      for (const t of result.get(from.file) ?? []) {
        if (have.some((h) => h.event === t.event)) continue;
        have.push({ event: t.event, via: t.via ?? from.file });
        changed = true;
      }
    }
  }
  return result;
}

/**
 * Runs every guard check on the workflow files; findings are sorted by file and line, and made
 * safe to show (see {@link safeFinding}). Never throws on any file content.
 */
export function checkWorkflows(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], opts: GuardOptions = {}): GuardFinding[] {
  const profilesSource = opts.profilesSource ?? "the runner profiles";
  const profilesFrom = opts.profilesFrom ?? "file";
  const findings: GuardFinding[] = [];
  const workflows: ParsedWorkflow[] = [];
  const add = (more: readonly GuardFinding[]) => {
    for (const f of more) findings.push(f);
  };
  for (const f of files) {
    const parsed = parseWorkflow(f);
    add(parsed.findings);
    if (parsed.workflow) workflows.push(parsed.workflow);
  }
  const triggers = untrustedTriggers(workflows);
  for (const workflow of workflows) {
    const ctx = { workflow, profiles, profilesSource, profilesFrom, untrusted: triggers.get(workflow.file) ?? [] };
    const demands = new Map<string, ReadonlyMap<string, number | undefined>>();
    for (const job of workflow.jobs) {
      const r = checkJob(ctx, job);
      add(r.findings);
      demands.set(job.id, r.demand);
    }
    add(checkConcurrency(workflow));
    add(checkWorkflowBudget(workflow, profiles, demands, profilesSource, profilesFrom));
  }
  return sortFindings(findings.map(safeFinding));
}
