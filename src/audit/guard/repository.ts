/**
 * Workflows checked as the repositories they belong to. A local `uses: ./.github/workflows/x.yml`
 * resolves inside the caller's own repository at the path written; the workflow it reaches runs
 * with the caller's events, the inputs the calling job passes, and the caller's concurrency. Each
 * way a workflow is run is an {@link Entry}.
 */
import { evaluateValue, Choice, Unknown } from "./expression.ts";
import { jobName, type GuardFinding } from "./finding.ts";
import type { EventFilter, WorkflowSemantics } from "./actions-template.ts";
import { expandMatrix } from "./matrix.ts";
import { isRecord } from "../../model/refine.ts";
import { generalContext, resolveMatrix } from "./static-context.ts";
import type { ParsedWorkflow, WorkflowFile } from "./workflow.ts";

/** A workflow with its repository and GitHub's reading of it. */
export interface RepoWorkflow {
  readonly parsed: ParsedWorkflow;
  readonly semantics: WorkflowSemantics;
  /** The repository root, as given (or worked out from the path). */
  readonly repository: string;
  /** Path inside the repository, e.g. `.github/workflows/ci.yml`. */
  readonly repoPath: string;
}

/** One way a workflow is run. */
export interface Entry {
  /** Events that start the run (the caller's, for a reusable workflow). */
  readonly events: ReadonlyMap<string, EventFilter>;
  /** `inputs` of the run; a value may be an Unknown or a Choice. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The calling job and the entry it ran under, for a reusable workflow. */
  readonly via?: { readonly workflow: RepoWorkflow; readonly job: string; readonly entry: Entry };
  /** `concurrency` blocks of the callers that govern the run. */
  readonly concurrency: readonly unknown[];
  /** A reusable workflow none of the checked workflows calls: its events are not known. */
  readonly external: boolean;
}

/** The repository and the path inside it of a workflow file (from the file, or its path). */
export function locate(file: WorkflowFile): { repository: string; repoPath: string } {
  const path = file.path.replace(/\\/g, "/");
  const m = /^(.*?)(?:^|\/)(\.(?:github|forgejo|gitea)\/workflows\/.*)$/.exec(path);
  if (file.repository !== undefined) return { repository: file.repository, repoPath: file.repoPath ?? m?.[2] ?? path };
  if (m) return { repository: m[1] ?? "", repoPath: m[2] ?? path };
  const slash = path.lastIndexOf("/");
  return { repository: slash < 0 ? "" : path.slice(0, slash), repoPath: `.github/workflows/${path.slice(slash + 1)}` };
}

/** `./.github/workflows/x.yml` (with an optional `@ref`, which GitHub ignores for local calls) as a repository path. */
const localTarget = (uses: string) => uses.replace(/@.*$/, "").replace(/^\.\//, "").replace(/\/+/g, "/");

/** The workflow a job's local `uses:` calls, or why it cannot be found. */
export function resolveLocal(caller: RepoWorkflow, uses: string, all: readonly RepoWorkflow[]): RepoWorkflow | undefined {
  const target = localTarget(uses);
  return all.find((w) => w.repository === caller.repository && w.repoPath === target);
}

/** `uses-unresolved` findings: local calls to a workflow that is not in the caller's repository. */
export function unresolvedCalls(all: readonly RepoWorkflow[]): GuardFinding[] {
  const out: GuardFinding[] = [];
  for (const w of all) {
    for (const [id, sem] of w.semantics.jobs) {
      if (sem.uses === undefined || !sem.uses.startsWith("./")) continue;
      const callee = resolveLocal(w, sem.uses, all);
      if (callee !== undefined && callee.semantics.events.has("workflow_call")) continue;
      const target = localTarget(sem.uses);
      out.push({
        file: w.parsed.file,
        line: w.parsed.lineOf(["jobs", id, "uses"]),
        job: jobName(id),
        rule: "uses-unresolved",
        message: callee === undefined
          ? `job "${jobName(id)}" calls ${sem.uses}, but ${target} is not among the workflows of ${w.repository === "" ? "this repository" : w.repository}, so GitHub fails the run and the guard cannot check the jobs it would start`
          : `job "${jobName(id)}" calls ${sem.uses}, which has no \`on: workflow_call\`, so GitHub refuses the call`,
        fix: callee === undefined
          ? `correct the path (a reusable workflow lives directly in .github/workflows/ of the same repository), or add ${target}; check it with runner-fleet guard --workflows on the repository root`
          : `add workflow_call to the \`on:\` of ${target}`,
      });
    }
  }
  return out;
}

/** The inputs a calling job passes: each `with:` value evaluated over the caller's run and matrix. */
function passedInputs(caller: RepoWorkflow, jobId: string, entry: Entry, callee: RepoWorkflow): Record<string, unknown> {
  const sem = caller.semantics.jobs.get(jobId);
  const body = caller.parsed.jobs.find((j) => j.id === jobId)?.body ?? {};
  const strategy = isRecord(body["strategy"]) ? body["strategy"] : {};
  const matrix = expandMatrix(resolveMatrix(strategy["matrix"], generalContext(entry, undefined)));
  const combos = matrix.kind === "static" && matrix.combinations.length > 0 ? matrix.combinations.slice(0, 16) : [undefined];
  const inputs: Record<string, unknown> = { ...callee.semantics.callInputs };
  for (const [k, v] of Object.entries(sem?.with ?? {})) {
    const values: unknown[] = [];
    let unknown: Unknown | undefined;
    for (const combo of combos) {
      const ctx = generalContext(entry, combo ?? (matrix.kind === "dynamic" ? new Unknown("runtime", "matrix") : undefined));
      for (const o of evaluateValue(v, ctx)) {
        if (o.value instanceof Unknown) unknown ??= o.value;
        else if (!values.some((x) => JSON.stringify(x) === JSON.stringify(o.value))) values.push(o.value);
      }
    }
    inputs[k] = unknown !== undefined ? new Unknown(unknown.source, `inputs.${k} (${unknown.what})`) : values.length === 1 ? values[0] : new Choice(values, "runtime", `inputs.${k}`);
  }
  return inputs;
}

/** Most levels of reusable workflows followed (GitHub allows ten). */
const MAX_DEPTH = 10;

/** Every way each workflow is run: by its own events, and by each local job that calls it. */
export function entries(all: readonly RepoWorkflow[]): Map<RepoWorkflow, Entry[]> {
  const out = new Map<RepoWorkflow, Entry[]>(all.map((w) => [w, []]));
  const dispatchDefaults = (w: RepoWorkflow): Record<string, unknown> => {
    const on = w.parsed.doc["on"];
    const d = isRecord(on) && isRecord(on["workflow_dispatch"]) && isRecord(on["workflow_dispatch"]["inputs"]) ? on["workflow_dispatch"]["inputs"] : {};
    // A default is the value; a choice without one is one of its options (the person dispatching picks).
    return Object.fromEntries(Object.entries(d).flatMap(([k, v]) => (!isRecord(v) ? [] : v["default"] !== undefined ? [[k, v["default"]]] : Array.isArray(v["options"]) && v["options"].length > 0 ? [[k, new Choice(v["options"], "runtime", `inputs.${k}`)]] : [])));
  };
  let frontier: { w: RepoWorkflow; e: Entry }[] = [];
  for (const w of all) {
    const own = new Map([...w.semantics.events].filter(([e]) => e !== "workflow_call"));
    if (own.size > 0) frontier.push({ w, e: { events: own, inputs: { ...w.semantics.callInputs, ...dispatchDefaults(w) }, concurrency: [], external: false } });
  }
  for (let depth = 0; depth <= MAX_DEPTH && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const { w, e } of frontier) {
      out.get(w)!.push(e);
      for (const [id, sem] of w.semantics.jobs) {
        if (sem.uses === undefined || !sem.uses.startsWith("./")) continue;
        const callee = resolveLocal(w, sem.uses, all);
        if (callee === undefined || !callee.semantics.events.has("workflow_call")) continue;
        const body = w.parsed.jobs.find((j) => j.id === id)?.body ?? {};
        const concurrency = [...e.concurrency, w.parsed.doc["concurrency"], body["concurrency"]].filter((c) => c !== undefined && c !== null);
        next.push({ w: callee, e: { events: e.events, inputs: passedInputs(w, id, e, callee), via: { workflow: w, job: id, entry: e }, concurrency, external: false } });
      }
    }
    frontier = next;
  }
  for (const w of all) {
    if (out.get(w)!.length === 0) out.get(w)!.push({ events: new Map(), inputs: { ...w.semantics.callInputs }, concurrency: [], external: true });
  }
  return out;
}
