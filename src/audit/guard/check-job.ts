/**
 * Checks of one job against the fleet's profiles: is every self-hosted `runs-on` served, can
 * outsiders' jobs reach a runner not made for them, and does a matrix job stay within its
 * profile's `maxParallelPerJob`. Also works out how many runners of each profile the job may hold
 * at once, for the per-workflow budget.
 */
import { inputExcerpt } from "../../model/input-excerpt.ts";
import { isUntrustedSafe, type RunnerProfile } from "../../model/profile-schema.ts";
import { jobName, type GuardFinding } from "./finding.ts";
import { targetsGithubHosted } from "./hosted-labels.ts";
import { expandMatrix, MATRIX_LIMIT, type MatrixExpansion } from "./matrix.ts";
import { resolveRunsOn, type RunsOnTarget } from "./runs-on.ts";
import { closestProfiles, formatLabels, servingProfiles } from "./serving.ts";
import { isRecord } from "../../model/refine.ts";
import { substrateFacts } from "./pool-profiles.ts";
import { type ParsedWorkflow, type WorkflowJob } from "./workflow.ts";

/** An event through which outsiders start the workflow, and the caller it came through, if any. */
export interface UntrustedTrigger {
  readonly event: string;
  /** `caller.yml` when the workflow is a reusable workflow called from a workflow with the event. */
  readonly via?: string;
}

export type ProfilesFrom = "file" | "fleet";

/** How to give a profile a larger budget, where its profiles come from. */
export function raiseBudget(from: ProfilesFrom, source: string, p: RunnerProfile, key: "maxParallelPerJob" | "maxConcurrentPerWorkflow"): string {
  return from === "file" ? `raise ${key} of "${inputExcerpt(p.name, 80)}" in ${source}` : `give "${inputExcerpt(p.name, 80)}" more runners (raise ${substrateFacts(p.substrate).more}) in ${source}`;
}

export interface JobCheckContext {
  readonly workflow: ParsedWorkflow;
  readonly profiles: readonly RunnerProfile[];
  /** Where the profiles come from, named in fixes (a file, or the stacks they were rendered from). */
  readonly profilesSource: string;
  /** Whether the profiles were written in a file or computed from rendered stacks (changes the budget fixes). */
  readonly profilesFrom: ProfilesFrom;
  readonly untrusted: readonly UntrustedTrigger[];
}

export interface JobCheck {
  readonly findings: GuardFinding[];
  /**
   * Profile name -> most runners of that profile the job may hold at once; `undefined` when that
   * is not known statically (a dynamic matrix without a numeric max-parallel).
   */
  readonly demand: ReadonlyMap<string, number | undefined>;
}

const describeTriggers = (ts: readonly UntrustedTrigger[]) => ts.map((t) => (t.via ? `${t.event} (through ${t.via})` : t.event)).join(", ");
const inContext = (context: string) => (context === "" ? "" : ` (for ${context})`);

export function checkJob(ctx: JobCheckContext, job: WorkflowJob): JobCheck {
  const { workflow, profiles, profilesSource } = ctx;
  const findings: GuardFinding[] = [];
  const name = jobName(job.id);
  const at = (path: readonly (string | number)[], rule: GuardFinding["rule"], message: string, fix: string, profile?: string) =>
    findings.push({ file: workflow.file, line: workflow.lineOf(["jobs", job.id, ...path]), job: name, rule, message, fix, ...(profile === undefined ? {} : { profile }) });
  const strategy = isRecord(job.body["strategy"]) ? job.body["strategy"] : {};
  const matrix = expandMatrix(strategy["matrix"]);
  const maxParallel = strategy["max-parallel"];
  const demand = new Map<string, number | undefined>();

  const calls = typeof job.body["uses"] === "string";
  const targets = calls ? [] : resolveRunsOn(job.body["runs-on"], matrix);
  // Profile name -> the profile and how many matrix combinations land on it.
  const served = new Map<string, { profile: RunnerProfile; runs: number | undefined }>();
  for (const target of targets) {
    if (target.kind === "unresolvable") {
      at(
        ["runs-on"],
        "runs-on-unresolvable",
        `job "${name}": runs-on ${target.expression}${inContext(target.context)} cannot be resolved statically: ${target.reason}, so the guard cannot tell which runners it reaches${ctx.untrusted.length > 0 ? `, while outsiders can start it through ${describeTriggers(ctx.untrusted)}` : ""}`,
        `write the labels in the workflow (runs-on: [self-hosted, ...]) or take them from a strategy.matrix with literal values, using the labels of a profile in ${profilesSource}`,
      );
      continue;
    }
    if (workflow.forge === "github" && targetsGithubHosted(target.labels)) continue;
    const serving = servingProfiles(target, profiles, workflow.forge);
    if (serving.length === 0) {
      const closest = closestProfiles(target, profiles, workflow.forge);
      const asked = `${target.group === undefined ? "" : `group "${target.group}" with labels `}${formatLabels(target.labels)}`;
      at(
        ["runs-on"],
        "runner-unserved",
        `job "${name}": runs-on ${asked}${inContext(target.context)} is not served by any ${workflow.forge} profile (no profile${target.group === undefined ? "" : " in that runner group"} carries all of these labels), so the job would wait for a runner forever`,
        closest.length > 0
          ? `use the labels of a profile that exists — ${closest.join("; ")} — or add a profile with these labels to ${profilesSource}`
          : `add a ${workflow.forge} profile with these labels to ${profilesSource}`,
      );
      continue;
    }
    const runs = runsOnTarget(target, matrix);
    for (const p of serving) {
      const prev = served.get(p.name);
      served.set(p.name, { profile: p, runs: prev === undefined ? runs : prev.runs === undefined || runs === undefined ? undefined : prev.runs + runs });
    }
    if (ctx.untrusted.length > 0) {
      const safe = profiles.filter((p) => p.forge === workflow.forge && isUntrustedSafe(p));
      for (const p of serving.filter((s) => !isUntrustedSafe(s))) {
        const why = [!p.ephemeral ? "persistent (not ephemeral)" : "", !p.fenced ? "not fenced" : "", p.trust === "trusted" ? "trusted" : ""].filter(Boolean).join(", ");
        const safeAlso = serving.filter(isUntrustedSafe);
        at(
          ["runs-on"],
          "untrusted-trigger",
          `job "${name}" can be started by outsiders through ${describeTriggers(ctx.untrusted)}, and its runs-on ${formatLabels(target.labels)}${inContext(target.context)} can land on profile "${inputExcerpt(p.name, 80)}", which is ${why}: code from a fork could persist on or read secrets from that runner`,
          safeAlso.length > 0
            ? `add to runs-on a label that "${safeAlso[0]!.name}" carries and "${p.name}" does not (${formatLabels(safeAlso[0]!.labels.filter((l) => !p.labels.some((q) => q.toLowerCase() === l.toLowerCase())))}), so the job cannot land on "${p.name}"`
            : safe.length > 0
              ? `run the job on an ephemeral, fenced, untrusted profile — ${safe.map((s) => `${s.name} ${formatLabels(s.labels)}`).join("; ")} — or move it to a workflow outsiders cannot trigger`
              : `move the job to a workflow outsiders cannot trigger, or add an ephemeral, fenced, untrusted profile to ${profilesSource} and run the job there`,
          p.name,
        );
      }
    }
  }

  if (matrix.kind === "dynamic" && matrix.tooLarge) {
    at(
      ["strategy", "matrix"],
      "max-parallel",
      `job "${name}": strategy.matrix is ${matrix.expression}, so GitHub refuses to run it and the guard cannot tell where its runs land`,
      `split the matrix into jobs (or workflows) of at most ${MATRIX_LIMIT} combinations each, or drop values that are not needed`,
    );
  }
  if (matrix.kind !== "none") {
    const combos = matrix.kind === "static" ? `${matrix.combinations.length} combination${matrix.combinations.length === 1 ? "" : "s"}` : `combinations from ${matrix.expression}`;
    const budgets = [...served.values()].map((s) => s.profile);
    const tightest = budgets.length > 0 ? budgets.reduce((m, p) => Math.min(m, p.maxParallelPerJob), Number.POSITIVE_INFINITY) : undefined;
    if (maxParallel === undefined) {
      at(
        ["strategy"],
        "max-parallel",
        `job "${name}" is a matrix job (${combos}) without strategy.max-parallel, so every combination may take a runner at once`,
        tightest !== undefined
          ? `${maxParallelAtMost(tightest)} (maxParallelPerJob of ${budgets.filter((p) => p.maxParallelPerJob === tightest).map((p) => `"${p.name}"`).join(", ")})`
          : "set strategy.max-parallel to the number of runs that may go at once",
      );
    } else if (typeof maxParallel !== "number") {
      at(
        ["strategy", "max-parallel"],
        "max-parallel",
        `job "${name}": strategy.max-parallel ${inputExcerpt(JSON.stringify(maxParallel) ?? String(maxParallel), 100)} cannot be resolved statically, so its runner budget cannot be checked`,
        tightest !== undefined ? maxParallelAtMost(tightest) : "set strategy.max-parallel to a number",
      );
    } else {
      for (const { profile: p, runs } of served.values()) {
        const atOnce = runs === undefined ? maxParallel : Math.min(maxParallel, runs);
        if (atOnce > p.maxParallelPerJob) {
          at(
            ["strategy", "max-parallel"],
            "max-parallel",
            `job "${name}" may run ${atOnce} matrix combinations at once on profile "${p.name}" (strategy.max-parallel: ${maxParallel}), over the profile's budget of ${p.maxParallelPerJob} (maxParallelPerJob)`,
            `lower strategy.max-parallel to ${p.maxParallelPerJob}, or ${raiseBudget(ctx.profilesFrom, profilesSource, p, "maxParallelPerJob")} if the fleet can give that many runners`,
            p.name,
          );
        }
      }
    }
  }

  // Demand beyond maxParallelPerJob is reported above; the workflow budget counts the rest.
  for (const { profile: p, runs } of served.values()) {
    if (matrix.kind === "none") demand.set(p.name, 1);
    else if (typeof maxParallel === "number") demand.set(p.name, Math.min(p.maxParallelPerJob, runs === undefined ? maxParallel : Math.min(maxParallel, runs)));
    else demand.set(p.name, runs === undefined ? undefined : Math.min(p.maxParallelPerJob, runs));
  }
  return { findings, demand };
}

/** The fix that keeps strategy.max-parallel within a budget: `set strategy.max-parallel: 1`, or `... to at most N`. */
export function maxParallelAtMost(budget: number): string {
  return budget === 1 ? "set strategy.max-parallel: 1" : `set strategy.max-parallel to at most ${budget}`;
}

/** How many matrix combinations ask for `target`: `undefined` for a dynamic matrix. */
function runsOnTarget(target: RunsOnTarget & { kind: "labels" }, matrix: MatrixExpansion): number | undefined {
  if (matrix.kind === "none") return 1;
  if (matrix.kind === "dynamic") return undefined;
  return target.combinations.length > 0 ? target.combinations.length : matrix.combinations.length;
}
