/**
 * Checks of one job, in one way its workflow is run (an {@link Entry}), against the fleet's
 * profiles: is every self-hosted `runs-on` served, can outsiders' runs bring their code to a runner
 * not made for them, and does a matrix job stay within its profile's `maxParallelPerJob`. Also
 * works out how many runners of each profile the job may hold at once, for the per-workflow budget.
 */
import { inputExcerpt } from "../../model/input-excerpt.ts";
import { isUntrustedSafe, type RunnerProfile } from "../../model/profile-schema.ts";
import { evaluateValue } from "./expression.ts";
import { jobName, type GuardFinding } from "./finding.ts";
import { targetsGithubHosted } from "./hosted-labels.ts";
import { expandMatrix, MATRIX_LIMIT, type MatrixExpansion } from "./matrix.ts";
import { outsiderCode, type Reach } from "./outsider-gates.ts";
import { gateSuggestion, type OutsiderRun } from "./outsider-context.ts";
import { isRecord } from "../../model/refine.ts";
import type { Entry, RepoWorkflow } from "./repository.ts";
import { resolveRunsOn, type RunsOnTarget } from "./runs-on.ts";
import { closestProfiles, formatLabels, servingProfiles } from "./serving.ts";
import { generalContext, resolveMatrix } from "./static-context.ts";
import { serialises } from "./concurrency.ts";
import { evaluate, parseExpression } from "./expression.ts";
import { verdict } from "./verdict.ts";
import { substrateFacts } from "./pool-profiles.ts";
import type { WorkflowJob } from "./workflow.ts";

export type ProfilesFrom = "file" | "fleet";

/** How to give a profile a larger budget, where its profiles come from. */
export function raiseBudget(from: ProfilesFrom, source: string, p: RunnerProfile, key: "maxParallelPerJob" | "maxConcurrentPerWorkflow"): string {
  return from === "file" ? `raise ${key} of "${inputExcerpt(p.name, 80)}" in ${source}` : `give "${inputExcerpt(p.name, 80)}" more runners (raise ${substrateFacts(p.substrate).more}) in ${source}`;
}

/** An outsiders' run of the workflow and how each job fares in it. */
export interface OutsiderCase {
  readonly run: OutsiderRun;
  readonly reach: ReadonlyMap<string, Reach>;
  /** The caller the run comes through, for a reusable workflow. */
  readonly via?: string;
}

export interface JobCheckContext {
  readonly workflow: RepoWorkflow;
  readonly entry: Entry;
  readonly profiles: readonly RunnerProfile[];
  /** Where the profiles come from, named in fixes (a file, or the stacks they were rendered from). */
  readonly profilesSource: string;
  readonly profilesFrom: ProfilesFrom;
  readonly outsiders: readonly OutsiderCase[];
}

export interface JobCheck {
  readonly findings: GuardFinding[];
  /** Profile name -> most runners of that profile the job may hold at once (undefined: not known statically). */
  readonly demand: Map<string, number | undefined>;
  /** Whether the job lands on a self-hosted profile whenever it runs. */
  readonly selfHosted: boolean;
}

/** Profile names as findings list them: at most 8, then how many more. */
export const profileList = (ps: readonly RunnerProfile[]) => `${ps.slice(0, 8).map((p) => `"${inputExcerpt(p.name, 80)}"`).join(", ")}${ps.length > 8 ? ` and ${ps.length - 8} more` : ""}`;
const eventList = (cs: readonly OutsiderCase[]) => [...new Set(cs.map((c) => (c.via ? `${c.run.event} (through ${c.via})` : c.run.event)))].join(", ");
const why = (p: RunnerProfile) => [!p.ephemeral ? "persistent" : "", !p.fenced ? "not fenced" : "", p.trust === "trusted" ? "trusted" : ""].filter(Boolean).join(", ");

/** Whether a job's condition is false for every event of the entry, so the job never runs. */
function neverRuns(condition: string | undefined, entry: Entry): boolean {
  if (condition === undefined || entry.events.size === 0) return false;
  const expr = parseExpression(condition);
  if (expr === undefined) return false;
  return [...entry.events.keys()].every((e) => verdict(evaluate(expr, generalContext({ events: new Map([[e, {}]]), inputs: entry.inputs }, null))).kind === "false");
}

/**
 * A job's matrix and how many of its combinations may run at once: `strategy.max-parallel`
 * evaluated (`maxParallelUnknown` when it is an expression the guard cannot decide), or one when
 * the job's own concurrency group is shared by all combinations.
 */
export function parallelism(job: WorkflowJob, entry: Entry): { matrix: MatrixExpansion; maxParallel: number | undefined; maxParallelUnknown: boolean } {
  const strategy = isRecord(job.body["strategy"]) ? job.body["strategy"] : {};
  const matrix = expandMatrix(resolveMatrix(strategy["matrix"], generalContext(entry, undefined)));
  // A job concurrency group the combinations share runs them one at a time.
  if (serialises(job.body["concurrency"], entry)) return { matrix, maxParallel: 1, maxParallelUnknown: false };
  if (strategy["max-parallel"] === undefined) return { matrix, maxParallel: undefined, maxParallelUnknown: false };
  const outs = evaluateValue(strategy["max-parallel"], generalContext(entry, undefined));
  const v = outs.length === 1 ? outs[0]!.value : undefined;
  const maxParallel = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  return { matrix, maxParallel, maxParallelUnknown: maxParallel === undefined };
}

/** How many runs of a job's matrix go at once (1 without a matrix; the combinations when it is dynamic or uncapped, as far as known). */
export function runsAtOnce(job: WorkflowJob, entry: Entry): number {
  const { matrix, maxParallel } = parallelism(job, entry);
  if (matrix.kind !== "static") return 1;
  return Math.max(1, Math.min(matrix.combinations.length, maxParallel ?? matrix.combinations.length));
}

/** The fix that keeps strategy.max-parallel within a budget: `set strategy.max-parallel: 1`, or `... to at most N`. */
export function maxParallelAtMost(budget: number): string {
  return budget === 1 ? "set strategy.max-parallel: 1" : `set strategy.max-parallel to at most ${budget}`;
}

export function checkJob(ctx: JobCheckContext, job: WorkflowJob): JobCheck {
  const { workflow, profiles, profilesSource, entry } = ctx;
  const file = workflow.parsed.file;
  const forge = workflow.parsed.forge;
  const findings: GuardFinding[] = [];
  const name = jobName(job.id);
  const at = (path: readonly (string | number)[], rule: GuardFinding["rule"], message: string, fix: string, ps: readonly RunnerProfile[] = [], note = false) =>
    findings.push({ file, line: workflow.parsed.lineOf(["jobs", job.id, ...path]), job: name, rule, message, fix, ...(ps.length > 0 ? { profile: ps[0]!.name, profiles: ps.map((p) => p.name) } : {}), ...(note ? { severity: "note" as const } : {}) });
  const { matrix, maxParallel, maxParallelUnknown } = parallelism(job, entry);
  const demand = new Map<string, number | undefined>();
  if (typeof job.body["uses"] === "string" || neverRuns(workflow.semantics.jobs.get(job.id)?.if, entry)) return { findings, demand, selfHosted: false };

  const targets = resolveRunsOn(job.body["runs-on"], matrix, entry);
  const definite = new Map<string, { profile: RunnerProfile; runs: number | undefined }>();
  const candidates = new Set<RunnerProfile>();
  const unresolved: (RunsOnTarget & { kind: "unresolvable" })[] = [];
  for (const target of targets) {
    if (target.kind === "unresolvable") {
      unresolved.push(target);
      continue;
    }
    if (forge === "github" && targetsGithubHosted(target.labels)) continue;
    const serving = servingProfiles(target, profiles, forge);
    if (target.assumes.length > 0) {
      for (const p of serving) candidates.add(p);
      continue;
    }
    if (serving.length === 0) {
      const closest = closestProfiles(target, profiles, forge);
      const asked = `${target.group === undefined ? "" : `group "${target.group}" with labels `}${formatLabels(target.labels)}`;
      at(["runs-on"], "runner-unserved", `job "${name}": runs-on ${asked}${target.context === "" ? "" : ` (for ${target.context})`} is not served by any ${forge} profile (no profile${target.group === undefined ? "" : " in that runner group"} carries all of these labels), so the job would wait for a runner forever`,
        closest.length > 0 ? `use the labels of a profile that exists — ${closest.join("; ")} — or add a profile with these labels to ${profilesSource}` : `add a ${forge} profile with these labels to ${profilesSource}`);
      continue;
    }
    const runs = matrix.kind === "none" ? 1 : matrix.kind === "dynamic" ? undefined : target.combinations.length > 0 ? target.combinations.length : matrix.combinations.length;
    for (const p of serving) {
      const prev = definite.get(p.name);
      definite.set(p.name, { profile: p, runs: prev === undefined ? runs : prev.runs === undefined || runs === undefined ? undefined : prev.runs + runs });
    }
  }
  const served = [...definite.values()].map((s) => s.profile);
  const reachable = ctx.outsiders.filter((c) => c.reach.get(job.id)?.kind !== "gated");

  const invalid = unresolved.find((u) => u.invalid === true);
  if (invalid !== undefined) {
    at(["runs-on"], "runs-on-unresolvable", `job "${name}": runs-on ${invalid.expression}${invalid.context === "" ? "" : ` (for ${invalid.context})`} names no runner: ${invalid.reason}, so GitHub cannot start the job`, `write the labels of a profile in ${profilesSource} (runs-on: [self-hosted, ...]) or { group, labels }`);
  } else if (unresolved.length > 0) {
    const u = unresolved[0]!;
    const cands = [...candidates, ...served];
    const candidateLabels = [...new Set(targets.flatMap((t) => (t.kind === "labels" ? [`${t.group === undefined ? "" : `group ${t.group} `}${formatLabels(t.labels)}`] : [])))];
    at(["runs-on"], "runs-on-unresolvable", `job "${name}": runs-on ${u.expression}${u.context === "" ? "" : ` (for ${u.context})`} is not decidable statically: ${u.reason}${candidateLabels.length > 0 ? `; the labels it may ask for are ${candidateLabels.slice(0, 8).join(", ")}${cands.length > 0 ? `, served by ${profileList(cands)}` : ""}` : ""}${reachable.length > 0 ? `, and outsiders can start the job through ${eventList(reachable)}` : ""}`,
      `write the labels in the workflow (runs-on: [self-hosted, ...]), or take them from a strategy.matrix or inputs with literal values, using the labels of a profile in ${profilesSource}`, [], true);
  }

  // Outsiders' runs that reach the job and bring their code, on profiles not made for them.
  const unsafe = served.filter((p) => !isUntrustedSafe(p));
  const unsafeCandidates = [...candidates].filter((p) => !isUntrustedSafe(p) && !unsafe.includes(p));
  if (unsafe.length + unsafeCandidates.length > 0 && reachable.length > 0) {
    const hits: OutsiderCase[] = [];
    let how = "";
    const unverified: string[] = [];
    for (const c of reachable) {
      const reach = c.reach.get(job.id)!;
      const code = outsiderCode(job, c.run, entry.inputs);
      if (code.kind === "base") continue;
      if (reach.kind === "unknown") unverified.push(`on ${c.run.event}, the job's condition depends on ${reach.unknowns.slice(0, 3).join(", ")}`);
      else if (code.kind === "unknown") unverified.push(`on ${c.run.event}, ${code.how}`);
      else if (unsafe.length > 0) {
        hits.push(c);
        how ||= code.how;
      }
      else unverified.push(`on ${c.run.event}, it runs on a self-hosted runner only when ${[...new Set(targets.flatMap((t) => (t.kind === "labels" ? t.assumes : [])))].join(", ")} say so`);
    }
    const safe = profiles.filter((p) => p.forge === forge && isUntrustedSafe(p));
    const safeAlso = served.filter(isUntrustedSafe)[0];
    const distinct = safeAlso === undefined ? [] : safeAlso.labels.filter((l) => !unsafe.some((p) => p.labels.some((q) => q.toLowerCase() === l.toLowerCase())));
    const gate = gateSuggestion((hits.length > 0 ? hits : reachable).map((c) => c.run.event));
    const fix = safeAlso !== undefined && distinct.length > 0
      ? `add to runs-on a label that "${inputExcerpt(safeAlso.name, 80)}" carries and ${profileList(unsafe)} ${unsafe.length === 1 ? "does" : "do"} not (${formatLabels(distinct)}), so the job cannot land on ${unsafe.length === 1 ? "it" : "them"}`
      : safe.length > 0 ? `run the job on an ephemeral, fenced, untrusted profile — ${safe.slice(0, 3).map((s) => `${s.name} ${formatLabels(s.labels)}`).join("; ")} — or gate it (${gate})` : `gate the job (${gate}), move it to a workflow outsiders cannot trigger, or add an ephemeral, fenced, untrusted profile to ${profilesSource}`;
    if (hits.length > 0) {
      const because = [...new Set(hits.flatMap((c) => { const r = c.reach.get(job.id); return r?.kind === "runs" ? (r.because ?? []) : []; }))];
      at(["runs-on"], "untrusted-trigger", `job "${name}" can be started by outsiders through ${eventList(hits)} with their code (${how})${because.length > 0 ? `, its condition resting on ${because.join("; ")}` : ""}, and its runs-on can land on ${unsafe.length === 1 ? "profile" : "profiles"} ${profileList(unsafe)}, which ${unsafe.length === 1 ? "is" : "are"} ${[...new Set(unsafe.map(why))].join(" / ")}: code from outsiders could persist on or read secrets from that runner`, fix, unsafe);
    } else if (unverified.length > 0) {
      at(["runs-on"], "gate-unverified", `job "${name}" is gated by expression, not verified: outsiders can start it, but ${unverified.slice(0, 3).join("; ")}; it can land on ${profileList([...unsafe, ...unsafeCandidates])}`, `make the gate decidable (${gate}), or needs: a job that checks the actor's permission`, [...unsafe, ...unsafeCandidates], true);
    }
  }

  // Matrix budgets: only self-hosted runs count, after include/exclude, against the serving profile's budget.
  if (matrix.kind === "dynamic" && matrix.tooLarge) {
    at(["strategy", "matrix"], "max-parallel", `job "${name}": strategy.matrix is ${matrix.expression}, so GitHub refuses to run it and the guard cannot tell where its runs land`, `split the matrix into jobs (or workflows) of at most ${MATRIX_LIMIT} combinations each, or drop values that are not needed`);
  } else if (matrix.kind !== "none" && served.length > 0) {
    const over = maxParallelUnknown ? [] : [...definite.values()].filter(({ profile: p, runs }) => runs !== undefined && Math.min(maxParallel ?? runs, runs) > p.maxParallelPerJob);
    const undecidable = [...definite.values()].filter(({ profile: p, runs }) => (runs === undefined && maxParallel === undefined) || (runs !== undefined && runs > p.maxParallelPerJob && maxParallelUnknown) || (runs === undefined && maxParallel !== undefined && maxParallel > p.maxParallelPerJob));
    if (over.length > 0) {
      const tight = over.reduce((m, o) => Math.min(m, o.profile.maxParallelPerJob), Number.POSITIVE_INFINITY);
      const first = over[0]!;
      const atOnce = Math.min(maxParallel ?? first.runs!, first.runs!);
      at(maxParallel === undefined ? ["strategy"] : ["strategy", "max-parallel"], "max-parallel",
        `job "${name}" may run ${atOnce} matrix combinations at once on ${over.length === 1 ? "profile" : "profiles"} ${profileList(over.map((o) => o.profile))} (${maxParallel === undefined ? `${first.runs} combinations land there and strategy.max-parallel is not set` : `strategy.max-parallel: ${maxParallel}`}), over the budget of ${tight} (maxParallelPerJob)`,
        `${maxParallel === undefined ? maxParallelAtMost(tight) : `lower strategy.max-parallel to ${tight}`}, or ${over.map((o) => raiseBudget(ctx.profilesFrom, profilesSource, o.profile, "maxParallelPerJob")).slice(0, 4).join(" and ")} if the fleet can give that many runners`, over.map((o) => o.profile));
    } else if (undecidable.length > 0) {
      const tight = undecidable.reduce((m, o) => Math.min(m, o.profile.maxParallelPerJob), Number.POSITIVE_INFINITY);
      at(["strategy"], "max-parallel", `job "${name}": how many matrix runs land at once on ${profileList(undecidable.map((o) => o.profile))} is not decidable statically (${matrix.kind === "dynamic" ? `the matrix is ${matrix.expression}` : "strategy.max-parallel is an expression"}${maxParallel === undefined && !maxParallelUnknown ? " and strategy.max-parallel is not set" : ""})`, maxParallelAtMost(tight), undecidable.map((o) => o.profile), true);
    }
  }

  for (const { profile: p, runs } of definite.values()) {
    if (matrix.kind === "none") demand.set(p.name, 1);
    else if (runs === undefined) demand.set(p.name, maxParallel === undefined ? undefined : Math.min(p.maxParallelPerJob, maxParallel));
    else demand.set(p.name, Math.min(p.maxParallelPerJob, maxParallel ?? runs, runs));
  }
  return { findings, demand, selfHosted: served.length > 0 };
}
