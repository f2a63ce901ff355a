/**
 * The fleet-aware workflow guard over a set of workflow files: reads each one as GitHub does, groups
 * them into repositories, works out every way each workflow is run (its own events, and each local
 * job that calls it) and which outsiders' runs reach each job, and runs every check. Findings of
 * one job and rule are one finding, naming every profile concerned.
 * Pure: files come in as text, findings go out.
 */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { workflowSemantics } from "./actions-template.ts";
import { checkConcurrency } from "./concurrency.ts";
import { checkJob, runsAtOnce, type OutsiderCase, type ProfilesFrom } from "./check-job.ts";
import { safeFinding, sortFindings, type GuardFinding } from "./finding.ts";
import { outsiderCanStart, outsiderTypes, type OutsiderRun } from "./outsider-context.ts";
import { outsiderReach, type Reach } from "./outsider-gates.ts";
import { entries, locate, resolveLocal, unresolvedCalls, type Entry, type RepoWorkflow } from "./repository.ts";
import { checkWorkflowBudget, peakByProfile } from "./workflow-budget.ts";
import { parseWorkflow, type ParseResult, type WorkflowFile } from "./workflow.ts";

export interface GuardOptions {
  /** Where the profiles come from, named in fixes. @default "the runner profiles" */
  readonly profilesSource?: string;
  /** Whether the profiles come from a profiles file or from rendered stacks. @default "file" */
  readonly profilesFrom?: ProfilesFrom;
}

interface Analysis {
  readonly findings: GuardFinding[];
  /** Profile name -> most runners of it the workflow holds at once in this entry. */
  readonly peak: Map<string, number>;
}

/** The outsiders' runs of a workflow in an entry (before gates): its events outsiders can cause. */
function outsiderRuns(w: RepoWorkflow, entry: Entry, all: readonly RepoWorkflow[], own: ReadonlyMap<RepoWorkflow, Entry[]>): { run: OutsiderRun; unknown?: string }[] {
  const out: { run: OutsiderRun; unknown?: string }[] = [];
  for (const [event, filter] of entry.events) {
    if (!outsiderCanStart(event, filter.types)) continue;
    const actions = outsiderTypes(event, filter.types);
    if (event !== "workflow_run") {
      out.push({ run: { event, actions } });
      continue;
    }
    const names = filter.workflows ?? [];
    const followed = all.filter((x) => x.repository === w.repository && names.includes(typeof x.parsed.doc["name"] === "string" ? x.parsed.doc["name"] : x.repoPath));
    const runEvents = [...new Set(followed.flatMap((x) => (own.get(x) ?? []).flatMap((e) => [...e.events].filter(([ev, f]) => ev !== "workflow_run" && outsiderCanStart(ev, f.types)).map(([ev]) => ev))))];
    if (followed.length === 0) out.push({ run: { event, actions, runEvents: [] }, unknown: `workflow_run of ${names.join(", ") || "any workflow"}, not among the checked workflows` });
    else if (runEvents.length > 0) out.push({ run: { event, actions, runEvents } });
  }
  return out;
}

/**
 * Runs every guard check on the workflow files; findings are sorted by file and line, and made
 * safe to show (see {@link safeFinding}). Never throws on any file content.
 */
export async function checkWorkflows(files: readonly WorkflowFile[], profiles: readonly RunnerProfile[], opts: GuardOptions = {}, parsedFiles?: readonly ParseResult[]): Promise<GuardFinding[]> {
  const profilesSource = opts.profilesSource ?? "the runner profiles";
  const profilesFrom = opts.profilesFrom ?? "file";
  const findings: GuardFinding[] = [];
  const all: RepoWorkflow[] = [];
  for (const [i, f] of files.entries()) {
    const parsed = parsedFiles?.[i] ?? parseWorkflow(f);
    findings.push(...parsed.findings);
    if (parsed.workflow) all.push({ parsed: parsed.workflow, semantics: await workflowSemantics(parsed.workflow, f.text), ...locate(f) });
  }
  for (const w of all) {
    if (w.semantics.refused === undefined) continue;
    findings.push({
      file: w.parsed.file,
      line: w.semantics.refused.line,
      job: "",
      rule: "workflow-refused",
      message: `GitHub refuses the workflow (${w.semantics.refused.message}), so none of its jobs run and none of them can be checked`,
      fix: "correct the workflow as GitHub's message says (actionlint shows the same problem), then run the guard again",
    });
  }
  findings.push(...unresolvedCalls(all.filter((w) => w.semantics.refused === undefined)));
  const ways = entries(all);
  const caseMemo = new Map<Entry, OutsiderCase[]>();
  const cases = (w: RepoWorkflow, entry: Entry): OutsiderCase[] => {
    const have = caseMemo.get(entry);
    if (have) return have;
    let out: OutsiderCase[] = [];
    if (entry.via) {
      const via = entry.via;
      for (const c of cases(via.workflow, via.entry)) {
        const r = c.reach.get(via.job);
        const through: Reach = r ?? { kind: "unknown", unknowns: [`needs of ${via.job}`] };
        out.push({ run: c.run, reach: outsiderReach(w.parsed.jobs, w.semantics.jobs, c.run, entry.inputs, through), via: c.via ?? via.workflow.parsed.file });
      }
    } else if (!entry.external) {
      out = outsiderRuns(w, entry, all, ways).map(({ run, unknown }) => ({ run, reach: outsiderReach(w.parsed.jobs, w.semantics.jobs, run, entry.inputs, unknown === undefined ? { kind: "runs" } : { kind: "unknown", unknowns: [unknown] }) }));
    }
    caseMemo.set(entry, out);
    return out;
  };
  const memo = new Map<Entry, Analysis>();
  const analyse = (w: RepoWorkflow, entry: Entry, depth = 0): Analysis => {
    const have = memo.get(entry);
    if (have) return have;
    const out: Analysis = { findings: [], peak: new Map() };
    memo.set(entry, out);
    if (w.semantics.refused !== undefined) return out;
    const ctx = { workflow: w, entry, profiles, profilesSource, profilesFrom, outsiders: cases(w, entry) };
    const demands = new Map<string, Map<string, number | undefined>>();
    const selfHosted = new Set<string>();
    for (const job of w.parsed.jobs) {
      const r = checkJob(ctx, job);
      out.findings.push(...r.findings);
      if (r.selfHosted) selfHosted.add(job.id);
      demands.set(job.id, r.demand);
      const uses = w.semantics.jobs.get(job.id)?.uses;
      const callee = uses?.startsWith("./") ? resolveLocal(w, uses, all) : undefined;
      const calleeEntry = callee === undefined ? undefined : ways.get(callee)?.find((e) => e.via?.entry === entry && e.via.job === job.id);
      if (callee && calleeEntry && depth < 10) {
        const times = runsAtOnce(job, entry);
        for (const [p, n] of analyse(callee, calleeEntry, depth + 1).peak) r.demand.set(p, n * times);
      }
    }
    out.findings.push(...checkConcurrency(w, entry, selfHosted));
    if (!entry.via) out.findings.push(...checkWorkflowBudget(w.parsed, profiles, demands, profilesSource, profilesFrom));
    for (const [p, n] of peakByProfile(w.parsed.jobs, demands)) out.peak.set(p, n);
    return out;
  };
  for (const w of all) for (const e of ways.get(w) ?? []) findings.push(...analyse(w, e).findings);
  return sortFindings(group(findings).map(safeFinding));
}

/** One finding per file, job and rule: the first one's text, with the profiles of all of them. */
function group(findings: readonly GuardFinding[]): GuardFinding[] {
  const out = new Map<string, GuardFinding>();
  for (const f of findings) {
    const key = `${f.file}\u0000${f.job}\u0000${f.rule}\u0000${f.job === "" ? f.line : ""}`;
    const have = out.get(key);
    if (!have) out.set(key, f);
    else if (f.profiles) out.set(key, { ...have, profiles: [...new Set([...(have.profiles ?? []), ...f.profiles])] });
  }
  return [...out.values()];
}


