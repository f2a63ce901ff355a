/**
 * Per-workflow budget: the jobs of one run that may hold runners of a profile at the same time
 * (jobs not ordered by `needs`) must fit the profile's `maxConcurrentPerWorkflow`.
 */
import type { RunnerProfile } from "../../model/profile-schema.ts";
import { raiseBudget, type ProfilesFrom } from "./check-job.ts";
import { jobName, type GuardFinding } from "./finding.ts";
import type { ParsedWorkflow } from "./workflow.ts";

/** Above this many jobs on one profile the guard adds up all of them instead of searching. */
const EXACT_LIMIT = 20;

/**
 * job id -> every job it waits for, directly or not. Iterative (a chain of `needs` may be as long
 * as the workflow has jobs); a cycle, which actionlint reports, is cut where it closes.
 */
export function transitiveNeeds(jobs: ParsedWorkflow["jobs"]): Map<string, Set<string>> {
  const ids = new Set(jobs.map((j) => j.id));
  const direct = new Map(jobs.map((j) => {
    const n = j.body["needs"];
    const list = typeof n === "string" ? [n] : Array.isArray(n) ? n.filter((x): x is string => typeof x === "string") : [];
    return [j.id, list.filter((d) => ids.has(d) && d !== j.id)] as const;
  }));
  const memo = new Map<string, Set<string>>();
  const onPath = new Set<string>();
  for (const root of jobs) {
    if (memo.has(root.id)) continue;
    // Depth-first, post-order: a job's set is made once every job it needs has its own.
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    onPath.add(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = direct.get(top.id) ?? [];
      if (top.next < deps.length) {
        const d = deps[top.next++]!;
        if (memo.has(d) || onPath.has(d)) continue;
        onPath.add(d);
        stack.push({ id: d, next: 0 });
        continue;
      }
      const out = new Set<string>();
      for (const d of deps) {
        if (d === top.id) continue;
        out.add(d);
        for (const x of memo.get(d) ?? []) if (x !== top.id) out.add(x);
      }
      memo.set(top.id, out);
      onPath.delete(top.id);
      stack.pop();
    }
  }
  return memo;
}

/**
 * The largest total demand of jobs that are pairwise unordered (may run at once), and those jobs.
 * Exact for up to {@link EXACT_LIMIT} jobs; beyond that, the sum of all (an upper bound).
 */
export function peakDemand(items: readonly { id: string; demand: number }[], needs: ReadonlyMap<string, ReadonlySet<string>>): { total: number; jobs: string[] } {
  const ordered = (a: string, b: string) => (needs.get(a)?.has(b) ?? false) || (needs.get(b)?.has(a) ?? false);
  const sorted = [...items].sort((a, b) => b.demand - a.demand);
  if (sorted.length > EXACT_LIMIT) return { total: sorted.reduce((s, i) => s + i.demand, 0), jobs: sorted.map((i) => i.id) };
  const rest = sorted.map((_, i) => sorted.slice(i).reduce((s, x) => s + x.demand, 0));
  let best = { total: 0, jobs: [] as string[] };
  const search = (i: number, chosen: string[], total: number) => {
    if (total > best.total) best = { total, jobs: [...chosen] };
    if (i >= sorted.length || total + (rest[i] ?? 0) <= best.total) return;
    const item = sorted[i]!;
    if (chosen.every((c) => !ordered(c, item.id))) search(i + 1, [...chosen, item.id], total + item.demand);
    search(i + 1, chosen, total);
  };
  search(0, [], 0);
  return best;
}

/** Profile name -> the most runners of it the workflow's jobs may hold at once (for a workflow another one calls). */
export function peakByProfile(jobs: ParsedWorkflow["jobs"], demands: ReadonlyMap<string, ReadonlyMap<string, number | undefined>>): Map<string, number> {
  const needs = transitiveNeeds(jobs);
  const names = new Set([...demands.values()].flatMap((d) => [...d.keys()]));
  const out = new Map<string, number>();
  for (const name of names) {
    const items = jobs.flatMap((j) => {
      const d = demands.get(j.id)?.get(name);
      return d === undefined ? [] : [{ id: j.id, demand: d }];
    });
    out.set(name, peakDemand(items, needs).total);
  }
  return out;
}

/**
 * One finding per workflow, naming every profile whose `maxConcurrentPerWorkflow` the jobs that may
 * run at once exceed (jobs of a called workflow count toward the job that calls it).
 */
export function checkWorkflowBudget(
  workflow: ParsedWorkflow,
  profiles: readonly RunnerProfile[],
  demands: ReadonlyMap<string, ReadonlyMap<string, number | undefined>>,
  profilesSource: string,
  profilesFrom: ProfilesFrom = "file",
): GuardFinding[] {
  const needs = transitiveNeeds(workflow.jobs);
  const over: { p: RunnerProfile; total: number; jobs: string[] }[] = [];
  for (const p of profiles) {
    const items = workflow.jobs.flatMap((j) => {
      const d = demands.get(j.id)?.get(p.name);
      return d === undefined ? [] : [{ id: j.id, demand: d }];
    });
    const peak = peakDemand(items, needs);
    if (peak.total > p.maxConcurrentPerWorkflow) over.push({ p, ...peak });
  }
  if (over.length === 0) return [];
  const worst = over.reduce((a, b) => (b.total - b.p.maxConcurrentPerWorkflow > a.total - a.p.maxConcurrentPerWorkflow ? b : a));
  const shown = worst.jobs.slice(0, 50).map(jobName);
  const jobs = `${shown.map((j) => `"${j}"`).join(", ")}${worst.jobs.length > 50 ? ` and ${worst.jobs.length - 50} more` : ""}`;
  const first = workflow.jobs.find((j) => j.id === worst.jobs[0]);
  const others = over.filter((o) => o !== worst);
  return [{
    file: workflow.file,
    line: first?.line ?? workflow.lineOf(["jobs"]),
    job: shown.join(", "),
    rule: "workflow-budget",
    message: `${worst.jobs.length === 1 ? `job ${jobs} may hold` : `jobs ${jobs} may run at the same time and hold`} ${worst.total} runners of profile "${worst.p.name}", over its budget of ${worst.p.maxConcurrentPerWorkflow} per workflow (maxConcurrentPerWorkflow)${others.length > 0 ? `; also over the budget of ${others.slice(0, 8).map((o) => `"${o.p.name}" (${o.total} of ${o.p.maxConcurrentPerWorkflow})`).join(", ")}${others.length > 8 ? ` and ${others.length - 8} more` : ""}` : ""}`,
    fix: `order these jobs with needs:, lower their strategy.max-parallel, or ${raiseBudget(profilesFrom, profilesSource, worst.p, "maxConcurrentPerWorkflow")}`,
    profile: worst.p.name,
    profiles: over.map((o) => o.p.name),
  }];
}
