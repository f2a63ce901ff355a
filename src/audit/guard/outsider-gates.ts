/**
 * Whether each job of a workflow runs when an outsider starts it, and whether it then runs code or
 * data the outsider controls. A job is kept from outsiders by its `if:` (evaluated over what an
 * outsider's event holds, see outsider-context.ts), by `needs:` on a job that is skipped or fails
 * for them (a permission or author-association check), or, for events that run the base
 * repository's workflow, by checking out only the base repository's code.
 */
import { evaluate, evaluateValue, parseExpression, Unknown, verdict, type Outcome } from "./expression.ts";
import type { JobSemantics } from "./actions-template.ts";
import { FORK_CODE_EVENTS, outsiderGithub, outsiderSecrets, type OutsiderRun } from "./outsider-context.ts";
import { isRecord } from "../../model/refine.ts";
import type { WorkflowJob } from "./workflow.ts";

/** How a job fares in an outsider's run. */
export type Reach =
  | { readonly kind: "runs" }
  | { readonly kind: "gated"; readonly by: string }
  | { readonly kind: "unknown"; readonly unknowns: readonly string[] };

/** Actions that check the permission, membership or team of the person who started the run. */
const PERMISSION_ACTIONS = /check-(user|actor)-permission|permission-check|repo-permission|actions-team-membership|authorized-user|check-membership|teams-membership|is-collaborator|check-collaborator/i;
/** API calls and fields that check it from a script. */
const PERMISSION_CALLS = /checkCollaborator|getCollaboratorPermissionLevel|collaborators\/[^\s'"]*\/permission|getMembershipForUserInOrg|checkMembershipForUser|\/members\/\$|\borgs\/[^\s'"]*\/members\/|author_association|authorAssociation/;

const stepsOf = (job: WorkflowJob): Record<string, unknown>[] => (Array.isArray(job.body["steps"]) ? job.body["steps"].filter(isRecord) : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** Whether a job checks the permission of whoever started the run (and so fails or says no for outsiders). */
export function isPermissionCheck(job: WorkflowJob): boolean {
  return stepsOf(job).some((s) => PERMISSION_ACTIONS.test(text(s["uses"])) || PERMISSION_CALLS.test(text(s["run"])) || (isRecord(s["with"]) && PERMISSION_CALLS.test(text(s["with"]["script"]))));
}

/** The expression context of a job's `if:` in an outsider's run. */
export function outsiderContext(run: OutsiderRun, inputs: Readonly<Record<string, unknown>>, needs: Readonly<Record<string, unknown>>, success: unknown): Record<string, unknown> {
  const runtime = (name: string) => new Unknown("runtime", name);
  return { github: outsiderGithub(run), secrets: outsiderSecrets(run.event), inputs, needs, "success()": success, vars: runtime("vars"), env: runtime("env"), steps: runtime("steps"), runner: runtime("runner"), job: runtime("job"), jobs: runtime("jobs"), strategy: runtime("strategy"), matrix: runtime("matrix") };
}

/**
 * How every job fares in an outsider's run of the workflow, in `needs` order. `entry` is how the
 * run itself reaches the workflow (a reusable workflow is gated by the job that calls it).
 */
export function outsiderReach(jobs: readonly WorkflowJob[], semantics: ReadonlyMap<string, JobSemantics>, run: OutsiderRun, inputs: Readonly<Record<string, unknown>>, entry: Reach): Map<string, Reach> {
  const out = new Map<string, Reach>();
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const checks = new Set(jobs.filter(isPermissionCheck).map((j) => j.id));
  const visiting = new Set<string>();
  const reach = (id: string): Reach => {
    const have = out.get(id);
    if (have) return have;
    const job = byId.get(id);
    const sem = semantics.get(id);
    if (!job || !sem || visiting.has(id)) return { kind: "unknown", unknowns: [`needs: ${id}`] };
    visiting.add(id);
    const r = entry.kind === "gated" ? entry : jobReach(sem, run, inputs, reach, checks);
    visiting.delete(id);
    const result: Reach = entry.kind === "unknown" && r.kind === "runs" ? entry : r;
    out.set(id, result);
    return result;
  };
  for (const j of jobs) reach(j.id);
  return out;
}

function jobReach(sem: JobSemantics, run: OutsiderRun, inputs: Readonly<Record<string, unknown>>, reach: (id: string) => Reach, permissionChecks: ReadonlySet<string>): Reach {
  const needs: Record<string, unknown> = {};
  let success: unknown = true;
  let gate: string | undefined;
  for (const d of sem.needs) {
    const r = reach(d);
    const dep = needResult(d, r, permissionChecks.has(d));
    needs[d] = { result: dep.result, outputs: new Unknown("runtime", `needs.${d}.outputs`) };
    if (dep.result === "success") continue;
    if (dep.result instanceof Unknown) {
      if (success === true) success = dep.result;
    } else {
      success = false;
      gate ??= dep.why;
    }
  }
  const expr = parseExpression(sem.if);
  if (expr === undefined) return { kind: "unknown", unknowns: [`if: ${sem.if.slice(0, 120)}`] };
  const v = verdict(evaluate(expr, outsiderContext(run, inputs, needs, success)));
  if (v.kind === "false") return { kind: "gated", by: gate !== undefined && !/needs\./.test(sem.if) && /^success\(\)/.test(sem.if) ? gate : `if: ${sem.if.replace(/^success\(\) && \((.*)\)$/s, "$1").slice(0, 160)}` };
  // A job that needs a permission check and reads its verdict is gated by it.
  const checks = sem.needs.filter((d) => permissionChecks.has(d));
  if (checks.length > 0 && (/^success\(\)/.test(sem.if) || checks.some((d) => sem.if.includes(`needs.${d}`)))) return { kind: "gated", by: `needs: ${checks[0]} (a permission check)` };
  if (v.kind === "unknown") return { kind: "unknown", unknowns: v.unknowns };
  return { kind: "runs" };
}

/** `needs.<id>.result` in an outsider's run, and why the job did not succeed. */
function needResult(id: string, r: Reach, permissionCheck: boolean): { result: unknown; why: string } {
  if (r.kind === "runs") return { result: permissionCheck ? new Unknown("runtime", `needs.${id}.result`) : "success", why: "" };
  if (r.kind === "gated") return { result: "skipped", why: `needs: ${id} (${r.by})` };
  return { result: new Unknown("runtime", `needs.${id}.result`), why: "" };
}

/** Whether a job, in a run of a base-code event, brings in the outsider's code or data. */
export type CodeVerdict = { readonly kind: "outsider"; readonly how: string } | { readonly kind: "base" } | { readonly kind: "unknown"; readonly how: string };

const FETCH_PR = /gh\s+pr\s+checkout|git\s+fetch[^\n]*(pull\/|refs\/pull|\$\{\{)|refs\/pull\//;
const CHECKOUT = /^actions\/checkout@/i;
const DOWNLOAD_ARTIFACT = /download-artifact@|action-download-artifact@/i;

const worst = (outs: readonly Outcome[]): "outsider" | "runtime" | "known" => {
  let w: "outsider" | "runtime" | "known" = "known";
  for (const o of outs) {
    const sources = [...o.assumes.map((a) => a.source), ...(o.value instanceof Unknown ? [o.value.source] : [])];
    if (sources.includes("outsider")) return "outsider";
    if (sources.includes("runtime")) w = "runtime";
  }
  return w;
};

/**
 * Whether the job runs what an outsider wrote: a checkout of the pull request's head or merge
 * commit, `gh pr checkout` or a fetch of `refs/pull/`, an artifact of the outsider's run, or an
 * expression of the outsider's text written into a `run:` script or a github-script.
 */
export function outsiderCode(job: WorkflowJob, run: OutsiderRun, inputs: Readonly<Record<string, unknown>>): CodeVerdict {
  if (FORK_CODE_EVENTS.has(run.event)) return { kind: "outsider", how: `${run.event} runs the pull request's code` };
  const ctx = outsiderContext(run, inputs, {}, true);
  ctx["github"] = { ...(ctx["github"] as object), sha: new Unknown("repository", "github.sha", "repository") };
  let unknown: string | undefined;
  for (const s of stepsOf(job)) {
    const uses = text(s["uses"]);
    const w = isRecord(s["with"]) ? s["with"] : {};
    if (CHECKOUT.test(uses)) {
      for (const key of ["ref", "repository"] as const) {
        if (w[key] === undefined) continue;
        const outs = evaluateValue(w[key], ctx);
        const kind = worst(outs);
        if (kind === "outsider" || outs.some((o) => typeof o.value === "string" && /refs\/pull\//.test(o.value))) return { kind: "outsider", how: `actions/checkout with ${key}: ${text(w[key]).slice(0, 100)}` };
        // A pull request's head named at run time (from its API data): the outsider's code.
        if (kind === "runtime" && /head|pull|\bpr[_.-]/i.test(text(w[key]))) return { kind: "outsider", how: `actions/checkout with ${key}: ${text(w[key]).slice(0, 100)}` };
        if (kind === "runtime") unknown ??= `actions/checkout with ${key}: ${text(w[key]).slice(0, 100)}`;
      }
    }
    if (DOWNLOAD_ARTIFACT.test(uses) && (run.event === "workflow_run" || w["run-id"] !== undefined || w["run_id"] !== undefined)) return { kind: "outsider", how: `${uses.split("@")[0]} of another run's artifacts` };
    const script = text(s["run"]) + (/github-script@/i.test(uses) ? text(w["script"]) : "");
    if (FETCH_PR.test(text(s["run"]))) return { kind: "outsider", how: "a run: step that fetches the pull request" };
    for (const m of script.matchAll(/\$\{\{([^}]*)\}\}/g)) {
      const expr = parseExpression((m[1] ?? "").trim());
      if (expr !== undefined && worst(evaluate(expr, ctx)) === "outsider") return { kind: "outsider", how: `\${{${m[1]}}} written into a script` };
    }
  }
  return unknown === undefined ? { kind: "base" } : { kind: "unknown", how: unknown };
}
