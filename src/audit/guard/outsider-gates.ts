/**
 * Whether each job of a workflow runs when an outsider starts it, and whether it then runs code or
 * data the outsider controls. A job is kept from outsiders by its `if:` (evaluated over what an
 * outsider's event holds, see outsider-context.ts), by `needs:` on a job that is skipped or fails
 * for them (a permission or author-association check), or, for events that run the base
 * repository's workflow, by checking out only the base repository's code.
 */
import { evaluate, evaluateValue, parseExpression, Unknown, type Outcome } from "./expression.ts";
import { verdict } from "./verdict.ts";
import type { JobSemantics } from "./actions-template.ts";
import { FORK_CODE_EVENTS, outsiderGithub, outsiderSecrets, type OutsiderRun } from "./outsider-context.ts";
import { isRecord } from "../../model/refine.ts";
import type { WorkflowJob } from "./workflow.ts";

/** How a job fares in an outsider's run. */
export type Reach =
  /** `because`: what the outsider relies on to get past the condition (a label that stays on). */
  | { readonly kind: "runs"; readonly because?: readonly string[] }
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
  const results = sem.needs.map((d) => (needs[d] as { result: unknown }).result);
  const failure = results.some((r) => r === "failure") ? true : results.some((r) => r instanceof Unknown) ? new Unknown("runtime", "failure()") : false;
  const ctx = { ...outsiderContext(run, inputs, needs, success), "failure()": failure };
  const v = verdict(evaluate(expr, ctx));
  if (v.kind === "false") return { kind: "gated", by: gate !== undefined && !/needs\./.test(sem.if) && /^success\(\)/.test(sem.if) ? gate : `if: ${sem.if.replace(/^success\(\) && \((.*)\)$/s, "$1").slice(0, 160)}` };
  // A job that needs a permission check and reads its verdict is gated by it.
  const checks = sem.needs.filter((d) => permissionChecks.has(d));
  if (checks.length > 0 && (/^success\(\)/.test(sem.if) || checks.some((d) => sem.if.includes(`needs.${d}`)))) return { kind: "gated", by: `needs: ${checks[0]} (a permission check)` };
  if (v.kind === "unknown") return { kind: "unknown", unknowns: v.unknowns };
  const label = v.assumes.some((a) => a.source === "outsider" && /\(a label/.test(a.what));
  return label ? { kind: "runs", because: ["a label: it stays on through the fork's later pushes once a maintainer adds it"] } : { kind: "runs" };
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
  ctx["github"] = { ...(ctx["github"] as object), sha: new Unknown("repository", "github.sha", "repository-ref") };
  let unknown: string | undefined;
  for (const s of stepsOf(job)) {
    const found = stepCode(s, run, ctx);
    if (found === undefined) continue;
    // A step that only runs when something the guard cannot decide holds (a check of the actor).
    const cond = s["if"];
    const gate = cond === undefined || cond === null ? undefined : parseExpression(String(cond).replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, "$1").trim());
    const v = cond === undefined || cond === null ? { kind: "true" as const } : gate === undefined ? { kind: "unknown" as const } : verdict(evaluate(gate, ctx));
    if (v.kind === "false" || found.kind === "base") continue;
    if (found.kind === "outsider" && v.kind === "true") return found;
    unknown ??= found.kind === "outsider" ? `it brings in their code (${found.how}) in a step that runs only if ${String(cond).trim().slice(0, 120)}` : found.how;
  }
  return unknown === undefined ? { kind: "base" } : { kind: "unknown", how: unknown };
}

/** The `${{ … }}` expressions of a text, found by scanning (a quoted `}` inside one does not end it). */
function expressionsIn(text: string): string[] {
  const out: string[] = [];
  for (let from = text.indexOf("${{"); from >= 0 && out.length < 200; from = text.indexOf("${{", from + 3)) {
    let quote = false;
    let i = from + 3;
    for (; i < text.length - 1; i++) {
      if (text[i] === "'") quote = !quote;
      else if (!quote && text[i] === "}" && text[i + 1] === "}") break;
    }
    if (i >= text.length - 1) break;
    out.push(text.slice(from + 3, i).trim());
  }
  return out;
}

/** Whether one step brings in the outsider's code: definitely, perhaps (an unknown ref), or not (undefined). */
function stepCode(s: Record<string, unknown>, run: OutsiderRun, ctx: Record<string, unknown>): CodeVerdict | undefined {
  const uses = text(s["uses"]);
  const w = isRecord(s["with"]) ? s["with"] : {};
  let unknown: string | undefined;
  if (CHECKOUT.test(uses)) {
    for (const key of ["ref", "repository"] as const) {
      if (w[key] === undefined) continue;
      const outs = evaluateValue(w[key], ctx);
      const kind = worst(outs);
      const how = `actions/checkout with ${key}: ${text(w[key]).slice(0, 100)}`;
      if (kind === "outsider" || outs.some((o) => typeof o.value === "string" && /refs\/pull\//.test(o.value))) return { kind: "outsider", how };
      // A pull request's head named at run time (from its API data): the outsider's code.
      if (kind === "runtime" && /head|merge_commit|refs\/pull|\bpr[_.-]/i.test(text(w[key]))) return { kind: "outsider", how };
      if (kind === "runtime") unknown ??= `it checks out a ref only known at run time (${how})`;
    }
  }
  if (DOWNLOAD_ARTIFACT.test(uses) && (run.event === "workflow_run" || w["run-id"] !== undefined || w["run_id"] !== undefined)) return { kind: "outsider", how: `${uses.split("@")[0]} of another run's artifacts` };
  if (FETCH_PR.test(text(s["run"]))) return { kind: "outsider", how: "a run: step that fetches the pull request" };
  const script = text(s["run"]) + (/github-script@/i.test(uses) ? text(w["script"]) : "");
  for (const e of expressionsIn(script)) {
    const expr = parseExpression(e);
    // Text the outsider writes (a title, a comment, a branch name) becomes part of the script; a
    // login or a number cannot carry shell syntax.
    if (expr !== undefined && evaluate(expr, ctx).some((o) => o.value instanceof Unknown && o.value.source === "outsider" && o.value.identity === undefined)) return { kind: "outsider", how: `\${{ ${e.slice(0, 80)} }} written into a script` };
  }
  return unknown === undefined ? undefined : { kind: "unknown", how: unknown };
}
