/**
 * The jobs a Forgejo scope has waiting, and how long each has waited. Forgejo's job listing gives
 * no time, so each job is traced to its run (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`,
 * whose `created` is when it was queued), through its repository (`GET /repositories/{id}`) when
 * the scope is wider than one repository. Those look-ups stop when the request budget is spent:
 * the jobs are still reported, without their wait.
 */
import type { WaitingJob } from "../model/fleet-status.ts";
import type { ForgejoRunnerScope } from "../model/forgejo-scope.ts";
import { ForgeError } from "./forge-error.ts";
import type { ForgejoHttp } from "./forgejo-status-http.ts";

/** The Forgejo major version whose API lists and removes runners (and lists jobs without labels). */
export const FORGEJO_RUNNER_API_MAJOR = 15;

const seg = encodeURIComponent;

/** The path (below `/api/v1`) of the scope's job listing; the instance-wide one moved in Forgejo 15. */
export function forgejoJobsPath(scope: ForgejoRunnerScope, major: number | undefined): string {
  switch (scope.kind) {
    case "instance":
      return major !== undefined && major >= FORGEJO_RUNNER_API_MAJOR ? "/admin/actions/runners/jobs" : "/admin/runners/jobs";
    case "org":
      return `/orgs/${seg(scope.org)}/actions/runners/jobs`;
    case "repo":
      return `/repos/${seg(scope.owner)}/${seg(scope.repo)}/actions/runners/jobs`;
    case "user":
      return "/user/actions/runners/jobs";
  }
}

export interface WaitingJobsRequest {
  readonly http: ForgejoHttp;
  readonly scope: ForgejoRunnerScope;
  /** The forge's major version; undefined when unknown (then treated as older than 15). */
  readonly major: number | undefined;
  /** The version as shown in sentences (`Forgejo 12.0.1`, or `this Forgejo` when unknown). */
  readonly shown: string;
  readonly declaredLabels: readonly string[];
  readonly repositories?: readonly string[];
  /** Sentences about what could not be seen; appended to. */
  readonly unseen: string[];
}

interface RawJob {
  readonly id: number;
  readonly name: string;
  readonly repoId: number;
  /** Forgejo 15 says which run a job belongs to; older versions do not. */
  readonly runId?: number;
  readonly runsOn: readonly string[];
  readonly status: string;
}

interface RunFacts {
  readonly created?: string;
  readonly title?: string;
  readonly url?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
/** `owner/name` as Forgejo allows them: letters, digits, `_`, `-` and `.`, neither part `.` or `..`. */
const isRepoName = (v: string): boolean => /^[\w.-]{1,100}\/[\w.-]{1,100}$/.test(v) && v.split("/").every((p) => p !== "." && p !== "..");

/** Lists the scope's waiting jobs and traces each to its run while the request budget lasts. */
export async function readWaitingJobs(request: WaitingJobsRequest): Promise<WaitingJob[]> {
  const { http, scope, major, unseen } = request;
  const old = major === undefined || major < FORGEJO_RUNNER_API_MAJOR;
  const labels = [...new Set(request.declaredLabels)].join(",");
  if (old) {
    unseen.push(
      `${request.shown} lists waiting jobs only for the labels it is asked about (Forgejo ${FORGEJO_RUNNER_API_MAJOR} lists them all): jobs for labels no pool declares cannot be seen`,
    );
  }
  if (http.budgetLeft < 1) throw budgetError(http, "list the waiting jobs", forgejoJobsPath(scope, major));
  const answer = await http.call({
    action: "list the waiting jobs",
    method: "GET",
    path: forgejoJobsPath(scope, major),
    ...(old && labels !== "" ? { query: { labels } } : {}),
  });
  // Forgejo encodes an empty list as null.
  const body = answer.body === null || answer.body === undefined ? [] : answer.body;
  if (!Array.isArray(body)) throw shapeError(http, answer.url, "list the waiting jobs", "is not a list of jobs");
  const jobs = body.map((item, i) => {
    const job = toJob(item);
    if (job === undefined) throw shapeError(http, answer.url, "list the waiting jobs", `has an entry [${i}] that is not a job (id, name, repo_id, runs_on)`);
    return job;
  });
  // Running jobs have a runner; only waiting ones are someone's problem.
  return trace(request, jobs.filter((j) => j.status === "waiting"));
}

function toJob(item: unknown): RawJob | undefined {
  if (!isObject(item) || !isId(item.id) || typeof item.name !== "string" || !isId(item.repo_id)) return undefined;
  const runsOn = Array.isArray(item.runs_on) ? item.runs_on.filter((l): l is string => typeof l === "string") : [];
  const status = typeof item.status === "string" ? item.status : "";
  return { id: item.id, name: item.name, repoId: item.repo_id, ...(isId(item.run_id) ? { runId: item.run_id } : {}), runsOn, status };
}

async function trace(request: WaitingJobsRequest, jobs: readonly RawJob[]): Promise<WaitingJob[]> {
  const { http, scope, unseen } = request;
  const notes = new Set<string>();
  const repoNames = new Map<number, string | undefined>();
  const runs = new Map<string, RunFacts | undefined>();
  let untraced = 0;
  // Set when a look-up is left out because the request budget is spent.
  const budget = { short: false };
  const wanted = request.repositories === undefined ? undefined : new Set(request.repositories.map((r) => r.toLowerCase()));

  const repoName = async (id: number): Promise<string | undefined> => {
    if (scope.kind === "repo") return `${scope.owner}/${scope.repo}`;
    if (repoNames.has(id)) return repoNames.get(id);
    if (http.budgetLeft < 1) {
      budget.short = true;
      return undefined;
    }
    const answer = await http.call({ action: `find repository ${id} of a waiting job`, method: "GET", path: `/repositories/${id}`, allow: [403, 404], tokenScope: "read:repository" });
    let name: string | undefined;
    if (answer.status === 200 && isObject(answer.body)) {
      const owner = isObject(answer.body.owner) ? text(answer.body.owner.login) : undefined;
      const repo = text(answer.body.name);
      const full = text(answer.body.full_name) ?? (owner !== undefined && repo !== undefined ? `${owner}/${repo}` : undefined);
      // The name goes into the run's path: only owner/name, no "." or ".." that would lead elsewhere.
      name = full !== undefined && isRepoName(full) ? full : undefined;
      if (full !== undefined && name === undefined) {
        notes.add(`repository ${id} has a name that is not "owner/name" ("${http.quote(full).slice(0, 100)}"), so its waiting jobs are shown without repository and wait`);
      }
    } else {
      notes.add(
        answer.status === 403
          ? `the token may not read repository ${id} (HTTP 403), so its waiting jobs are shown without repository and wait: give the token scope read:repository`
          : `repository ${id} was not found (HTTP 404: removed, or hidden from the token's user), so its waiting jobs are shown without repository and wait`,
      );
    }
    repoNames.set(id, name);
    return name;
  };

  const runFacts = async (repo: string, runId: number): Promise<RunFacts | undefined> => {
    const key = `${repo}#${runId}`;
    if (runs.has(key)) return runs.get(key);
    if (http.budgetLeft < 1) {
      budget.short = true;
      return undefined;
    }
    const [owner = "", name = ""] = repo.split("/");
    const answer = await http.call({
      action: `read run ${runId} of ${repo}`,
      method: "GET",
      path: `/repos/${seg(owner)}/${seg(name)}/actions/runs/${runId}`,
      allow: [403, 404],
      tokenScope: "read:repository",
    });
    let facts: RunFacts | undefined;
    if (answer.status === 200 && isObject(answer.body)) {
      facts = runFactsOf(answer.body, http);
      if (facts.created === undefined) notes.add(`${request.shown} does not say when a run was queued (Forgejo ${FORGEJO_RUNNER_API_MAJOR}'s runs carry "created"): how long jobs have waited is unknown`);
    } else {
      notes.add(
        answer.status === 403
          ? `the token may not read the runs of ${repo} (HTTP 403): how long its jobs have waited is unknown; give the token scope read:repository`
          : `run ${runId} of ${repo} was not found (HTTP 404: removed, or hidden from the token's user): how long its jobs have waited is unknown`,
      );
    }
    runs.set(key, facts);
    return facts;
  };

  const out: WaitingJob[] = [];
  for (const job of jobs) {
    budget.short = false;
    const repo = await repoName(job.repoId);
    if (repo !== undefined && wanted !== undefined && !wanted.has(repo.toLowerCase())) continue;
    if (job.runId === undefined) notes.add(`${request.shown} does not say which run a waiting job belongs to (Forgejo ${FORGEJO_RUNNER_API_MAJOR}'s jobs carry "run_id"): how long jobs have waited is unknown`);
    const run = repo === undefined || job.runId === undefined ? undefined : await runFacts(repo, job.runId);
    if (budget.short) untraced++;
    out.push({
      id: job.id,
      name: run?.title === undefined ? http.quote(job.name) : `${run.title} / ${http.quote(job.name)}`,
      repository: repo ?? `(repository id ${job.repoId})`,
      labels: job.runsOn.map((l) => http.quote(l)),
      ...(run?.created === undefined ? {} : { queuedAt: run.created }),
      ...(run?.url === undefined ? {} : { url: run.url }),
    });
  }
  unseen.push(...notes);
  if (untraced > 0) {
    unseen.push(
      `the request budget (${http.options.limits.maxRequests} requests) ran out before ${untraced} waiting job${untraced === 1 ? " was" : "s were"} traced to ${untraced === 1 ? "its run" : "their runs"}: how long ${untraced === 1 ? "it has" : "they have"} waited is unknown; raise the request budget`,
    );
  }
  return out;
}

/** What a run says of itself: when it was queued, its title, its page (server text made safe to print). */
function runFactsOf(run: Record<string, unknown>, http: ForgejoHttp): RunFacts {
  const created = text(run.created);
  const at = created === undefined ? Number.NaN : Date.parse(created);
  const title = text(run.title) ?? text(run.name);
  let url: string | undefined;
  try {
    const u = new URL(text(run.html_url) ?? "");
    if (u.protocol === "https:" || u.protocol === "http:") url = u.href;
  } catch {
    url = undefined;
  }
  return {
    ...(Number.isNaN(at) ? {} : { created: new Date(at).toISOString() }),
    ...(title === undefined ? {} : { title: http.quote(title) }),
    ...(url === undefined ? {} : { url }),
  };
}

/** The answer had the wrong shape. */
export function shapeError(http: ForgejoHttp, url: string, action: string, what: string): ForgeError {
  return new ForgeError({
    reason: "http-error",
    url,
    scope: http.options.scopeText,
    action,
    problem: `the answer ${what}`,
    fix: "check that the address points at Forgejo itself, not at a proxy or another service",
  });
}

/** The request budget is spent before a request that cannot be left out. */
export function budgetError(http: ForgejoHttp, action: string, path: string): ForgeError {
  return new ForgeError({
    reason: "http-error",
    url: http.url(path).href,
    scope: http.options.scopeText,
    action,
    problem: `the request budget of ${http.options.limits.maxRequests} requests is spent (${http.requests} sent), and this list must be complete`,
    fix: "raise the request budget",
  });
}
