/**
 * The GitHub client of `runner-fleet status`: the self-hosted runners registered at a repository,
 * organisation or enterprise, and the jobs waiting for one. GitHub has no scope-wide list of
 * waiting jobs, so they are found repository by repository (queued and in-progress runs, then their
 * jobs), most recently pushed first, until the request budget runs out; what was left unseen is
 * said in the snapshot. Only {@link StatusClient.deleteRunner} sends anything but GET.
 */
import type { ForgeSnapshot, RegisteredRunner, WaitingJob } from "../model/fleet-status.ts";
import { type GithubRunnerScope, githubApiUrl, githubRunnersPath, parseGithubRunnerScope } from "../model/github-vm.ts";
import { type ConfigIssue, ConfigError } from "../model/issues.ts";
import { ForgeError, quoteForgeText } from "./forge-error.ts";
import { isLoopbackHost } from "./forge-url.ts";
import { type GithubConnection, RequestBudgetExhausted, UnexpectedAnswer, connectGithub } from "./github-client.ts";
import { listAll } from "./github-list.ts";
import { type GithubErrorContext, type GithubOperation, githubForgeError } from "./github-errors.ts";
import type { StatusClient, StatusClientOptions } from "./status-client.ts";

/** Items per page asked for (GitHub's maximum). */
const PER_PAGE = 100;

/** A GitHub client for `runner-fleet status`; bad options throw a {@link ConfigError} naming the option and the fix. */
export function createGithubStatusClient(options: StatusClientOptions): StatusClient {
  const { scope, repositories, web } = checkOptions(options);
  const apiBase = githubApiUrl(web);
  const connection = connectGithub(apiBase, options.auth, options.limits);
  const now = options.now ?? (() => new Date());
  const shown = `${new URL(web).host}/${options.scope}`;
  const runnersPath = githubRunnersPath(scope);

  const context = (operation: GithubOperation, action: string, url: string, repository?: string): GithubErrorContext => ({
    action, operation, scope, scopeText: options.scope, auth: options.auth, limits: options.limits, url, now,
    ...(repository === undefined ? {} : { repository }),
  });
  /** Runs a call; whatever it throws (but a spent budget, which the caller handles) becomes a ForgeError. */
  const call = async <T>(ctx: GithubErrorContext, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RequestBudgetExhausted && ctx.operation !== "runners") throw error;
      throw githubForgeError(error, { ...ctx, url: connection.lastUrl() });
    }
  };

  return {
    async snapshot(): Promise<ForgeSnapshot> {
      const takenAt = now().toISOString();
      connection.resetBudget(options.limits.maxRequests);
      const unseen: string[] = [];
      const listed = await call(context("runners", "list the self-hosted runners", `${apiBase}${runnersPath}`), () =>
        listAll(connection, { route: `GET ${runnersPath}`, params: { per_page: PER_PAGE }, key: "runners", parse: parseRunner, what: "runners" }));
      let groups: ReadonlyMap<number, string> | undefined;
      if (scope.kind === "org") {
        try {
          groups = await runnerGroups(connection, scope.org, context("runner-groups", "list the runner groups", `${apiBase}/orgs/${scope.org}/actions/runner-groups`), call);
        } catch (error) {
          if (!(error instanceof RequestBudgetExhausted)) throw error;
          unseen.push(`runner groups were not read: the request budget of ${options.limits.maxRequests} requests ran out; raise --max-requests`);
        }
      }
      // A runner registered or removed while the pages were read can appear on two pages; it is one runner.
      const byId = new Map(listed.map((r) => [r.id, r]));
      for (const r of byId.values()) {
        if (r.unknownStatus !== undefined) unseen.push(`runner "${quoteForgeText(r.name, [], 100)}" (id ${r.id}) has the status "${quoteForgeText(r.unknownStatus, [], 40)}", which GitHub does not document: it is counted as online, so it is never offered for removal`);
      }
      const runners = [...byId.values()].map((r) => toRegistered(r, groups));
      const { jobs, partial } = await waitingJobs(connection, scope, repositories, options.limits.maxRequests, unseen, context, call);
      return { forge: "github", scope: shown, runners, jobs, unseen, takenAt, ...(partial ? { partial } : {}) };
    },
    deleteCall(id: number): string {
      return `DELETE ${apiBase}${runnersPath}/${id}`;
    },
    async deleteRunner(id: number): Promise<void> {
      if (!Number.isSafeInteger(id) || id < 1) throw new ConfigError([{ path: "runner id", message: `${String(id)} is not a runner id`, fix: "pass the id GitHub lists for the runner (a whole number from 1)" }], "runner removal");
      connection.resetBudget(Number.POSITIVE_INFINITY);
      const url = `${apiBase}${runnersPath}/${id}`;
      await call(context("delete-runner", `remove the self-hosted runner ${id}`, url), async () => {
        // Not retried: a removal that failed on the forge's side may have happened, and a second one would answer 404.
        const answer = await connection.octokit.request(`DELETE ${runnersPath}/{runner_id}`, { runner_id: id, request: { retries: 0 } });
        if (answer.status !== 204) throw new UnexpectedAnswer(answer.status, answer.url, answer.headers, answer.data);
      });
    },
  };
}

type Call = <T>(ctx: GithubErrorContext, run: () => Promise<T>) => Promise<T>;
type Context = (operation: GithubOperation, action: string, url: string, repository?: string) => GithubErrorContext;

/** The organisation's runner groups by id; undefined when the token may not read them (403/404), which costs nothing else. */
async function runnerGroups(connection: GithubConnection, org: string, ctx: GithubErrorContext, call: Call): Promise<ReadonlyMap<number, string> | undefined> {
  try {
    const groups = await call(ctx, () => listAll(connection, { route: "GET /orgs/{org}/actions/runner-groups", params: { org, per_page: PER_PAGE }, key: "runner_groups", parse: parseGroup, what: "runner groups" }));
    return new Map(groups.map((g) => [g.id, g.name]));
  } catch (error) {
    if (error instanceof ForgeError && (error.reason === "forbidden" || error.reason === "not-found")) return undefined;
    throw error;
  }
}

/**
 * The jobs waiting in the repositories to look in. A spent request budget ends the walk with what
 * was found so far and a sentence in `unseen`; any other failure is an error.
 */
async function waitingJobs(
  connection: GithubConnection, scope: GithubRunnerScope, named: readonly string[] | undefined, budget: number, unseen: string[], context: Context, call: Call,
): Promise<{ jobs: WaitingJob[]; partial: boolean }> {
  const jobs: WaitingJob[] = [];
  let repos: readonly string[];
  let complete = true;
  let byPush = false;
  if (named !== undefined) repos = named;
  else if (scope.kind === "repo") repos = [`${scope.owner}/${scope.repo}`];
  else if (scope.kind === "enterprise") {
    unseen.push("waiting jobs were not looked for: GitHub has no enterprise-wide list of jobs; pass --repo to name the repositories to look in");
    return { jobs, partial: true };
  } else {
    byPush = true;
    const found: string[] = [];
    try {
      await call(context("repositories", `list the repositories of "${scope.org}"`, `${connection.apiBase}/orgs/${scope.org}/repos`), () =>
        listAll(connection, {
          route: "GET /orgs/{org}/repos",
          params: { org: scope.org, type: "all", sort: "pushed", direction: "desc", per_page: PER_PAGE },
          key: undefined,
          parse: (item) => {
            const repo = parseRepository(item);
            if (repo !== undefined && !repo.archived && !repo.disabled && !found.includes(repo.fullName)) found.push(repo.fullName);
            return repo;
          },
          what: "repositories",
        }));
    } catch (error) {
      if (!(error instanceof RequestBudgetExhausted)) throw error;
      complete = false;
    }
    repos = found;
  }
  let walked = 0;
  try {
    if (!complete) throw new RequestBudgetExhausted(budget);
    for (const repo of repos) {
      jobs.push(...await repositoryJobs(connection, repo, context, call));
      walked += 1;
    }
  } catch (error) {
    if (!(error instanceof RequestBudgetExhausted)) throw error;
    const of = complete ? `${repos.length}` : `at least ${repos.length}`;
    unseen.push(`waiting jobs were looked for in ${walked} of ${of} repositories${byPush ? " (most recently pushed first)" : ""}: the request budget of ${budget} requests ran out; pass --repo to name the repositories, or raise --max-requests`);
    return { jobs, partial: true };
  }
  return { jobs, partial: false };
}

/** The queued jobs of one repository: those of its queued and of its in-progress runs (a running workflow can have jobs still waiting). */
async function repositoryJobs(connection: GithubConnection, repository: string, context: Context, call: Call): Promise<WaitingJob[]> {
  const [owner = "", repo = ""] = repository.split("/");
  const runIds = new Set<number>();
  for (const status of ["queued", "in_progress"]) {
    const ctx = context("runs", `list the ${status.replace("_", "-")} workflow runs of ${repository}`, `${connection.apiBase}/repos/${repository}/actions/runs`, repository);
    const runs = await call(ctx, () => listAll(connection, { route: "GET /repos/{owner}/{repo}/actions/runs", params: { owner, repo, status, per_page: PER_PAGE }, key: "workflow_runs", parse: parseRun, what: "workflow runs" }));
    for (const run of runs) runIds.add(run);
  }
  const jobs: WaitingJob[] = [];
  for (const runId of runIds) {
    const ctx = context("jobs", `list the jobs of workflow run ${runId} in ${repository}`, `${connection.apiBase}/repos/${repository}/actions/runs/${runId}/jobs`, repository);
    const runJobs = await call(ctx, () => listAll(connection, { route: "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", params: { owner, repo, run_id: runId, filter: "latest", per_page: PER_PAGE }, key: "jobs", parse: parseJob, what: "jobs" }));
    for (const job of runJobs) {
      if (job.status !== "queued" || jobs.some((j) => j.id === job.id)) continue;
      jobs.push({
        id: job.id,
        name: job.workflow === undefined ? job.name : `${job.workflow} / ${job.name}`,
        repository,
        labels: job.labels,
        ...(job.createdAt === undefined ? {} : { queuedAt: job.createdAt }),
        ...(job.url === undefined ? {} : { url: job.url }),
      });
    }
  }
  return jobs;
}

function checkOptions(options: StatusClientOptions): { scope: GithubRunnerScope; repositories: readonly string[] | undefined; web: string } {
  const issues: ConfigIssue[] = [];
  const scope = parseGithubRunnerScope(options.scope);
  if (typeof scope === "string") issues.push({ path: "scope", message: scope, fix: 'write an organisation ("acme"), a repository ("acme/app") or an enterprise ("enterprises/acme") as they appear in GitHub URLs' });
  const web = options.url.trim().replace(/\/+$/, "");
  let url: URL | undefined;
  try {
    url = new URL(web);
  } catch {
    issues.push({ path: "url", message: "is not an absolute URL", fix: 'give the forge\'s web address, e.g. "https://github.com" or "https://ghes.example.com"' });
  }
  if (url !== undefined && (!["https:", "http:"].includes(url.protocol) || url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || /\/api\/v3$/i.test(url.pathname))) {
    issues.push({ path: "url", message: "is not a plain http(s) web address", fix: 'give the forge\'s web address without credentials, query or /api/v3, e.g. "https://github.com" or "https://ghes.example.com"' });
  }
  if (url?.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    issues.push({ path: "url", message: "uses plain http, which would send the credentials unencrypted", fix: "use the forge's https:// address" });
  }
  options.repositories?.forEach((r, i) => {
    const parsed = parseGithubRunnerScope(r);
    if (typeof parsed === "string" || parsed.kind !== "repo") issues.push({ path: `repositories[${i}]`, message: `"${r}" is not a repository`, fix: 'name it as owner/name, e.g. "acme/app"' });
  });
  const limits = options.limits;
  const whole = (key: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) issues.push({ path: `limits.${key}`, message: `must be a whole number from ${min}`, fix: `set ${key} to ${min} or more` });
  };
  whole("timeoutMs", limits.timeoutMs, 1);
  whole("maxRequests", limits.maxRequests, 1);
  whole("maxRateLimitWaitSeconds", limits.maxRateLimitWaitSeconds, 0);
  if (limits.rateLimitSecondMs !== undefined) whole("rateLimitSecondMs", limits.rateLimitSecondMs, 0);
  if (options.auth.kind === "token" && !/^[\x21-\x7e]+$/.test(options.auth.token)) {
    issues.push({ path: options.auth.from, message: "is empty or holds whitespace or control characters", fix: 'store the bare token, without a "token " or "Bearer " prefix and without line breaks' });
  }
  if (issues.length > 0 || typeof scope === "string") throw new ConfigError(issues, "GitHub status options");
  return { scope, repositories: options.repositories, web };
}

/** A GitHub id: a whole number from 1 that survives JSON as a JavaScript number (a larger one would remove the wrong runner). */
const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 1;

interface Runner {
  readonly id: number; readonly name: string; readonly online: boolean; readonly busy: boolean; readonly labels: string[];
  readonly ephemeral?: boolean; readonly groupId?: number;
  /** A status GitHub does not document (it documents online and offline); the runner then counts as online. */
  readonly unknownStatus?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseRunner(item: unknown): Runner | undefined {
  if (!isRecord(item)) return undefined;
  const { id, name, status, busy, labels, ephemeral, runner_group_id: groupId } = item;
  if (!isId(id) || typeof name !== "string" || typeof status !== "string" || typeof busy !== "boolean" || !Array.isArray(labels)) return undefined;
  const names = labels.map((l) => (isRecord(l) && typeof l["name"] === "string" ? l["name"] : undefined));
  if (names.some((n) => n === undefined)) return undefined;
  const known = status.toLowerCase();
  return {
    id, name, online: known !== "offline", busy, labels: names as string[],
    ...(typeof ephemeral === "boolean" ? { ephemeral } : {}),
    ...(isId(groupId) ? { groupId } : {}),
    ...(known === "online" || known === "offline" ? {} : { unknownStatus: status }),
  };
}

function toRegistered(r: Runner, groups: ReadonlyMap<number, string> | undefined): RegisteredRunner {
  const group = r.groupId === undefined ? undefined : groups?.get(r.groupId);
  return {
    id: r.id, name: r.name, status: r.online ? "online" : "offline", busy: r.busy, labels: r.labels,
    ...(group === undefined ? {} : { group }),
    ...(r.ephemeral === undefined ? {} : { ephemeral: r.ephemeral }),
  };
}

function parseGroup(item: unknown): { id: number; name: string } | undefined {
  return isRecord(item) && isId(item["id"]) && typeof item["name"] === "string" ? { id: item["id"], name: item["name"] } : undefined;
}

function parseRepository(item: unknown): { fullName: string; archived: boolean; disabled: boolean } | undefined {
  // The name goes into the next requests' paths: only owner/name, no "." or ".." that would lead elsewhere.
  if (!isRecord(item) || typeof item["full_name"] !== "string" || !/^[\w.-]+\/[\w.-]+$/.test(item["full_name"]) || item["full_name"].split("/").some((p) => p === "." || p === "..")) return undefined;
  return { fullName: item["full_name"], archived: item["archived"] === true, disabled: item["disabled"] === true };
}

function parseRun(item: unknown): number | undefined {
  return isRecord(item) && isId(item["id"]) ? item["id"] : undefined;
}

interface Job { readonly id: number; readonly name: string; readonly status: string; readonly labels: string[]; readonly createdAt?: string; readonly workflow?: string; readonly url?: string }

/**
 * A job. Only a queued job is reported, so only a queued one must carry its name and labels; the
 * others need an id and a status. Answers of older GitHub versions, and of GitHub Enterprise Server,
 * lack fields the current description requires (`labels` before mid-2021; `created_at`,
 * `workflow_name`, `head_branch` before late 2022): a job without a creation time is reported without
 * a wait. A creation time that is not a time, or a link that is not http(s), is left out rather than
 * passed on.
 */
function parseJob(item: unknown): Job | undefined {
  if (!isRecord(item)) return undefined;
  const { id, name, status, labels, created_at: createdAt, workflow_name: workflow, html_url: url } = item;
  if (!isId(id) || typeof status !== "string") return undefined;
  const labelNames = Array.isArray(labels) && labels.every((l) => typeof l === "string") ? (labels as string[]) : undefined;
  if (status === "queued" && (typeof name !== "string" || labelNames === undefined)) return undefined;
  return {
    id, name: typeof name === "string" ? name : "", status, labels: labelNames ?? [],
    ...(typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt)) ? {} : { createdAt }),
    ...(typeof workflow === "string" && workflow !== "" ? { workflow } : {}),
    ...(webLink(url) === undefined ? {} : { url: url as string }),
  };
}

/** An http(s) address, or undefined (a `javascript:` link must not reach a Markdown report). */
function webLink(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  try {
    const u = new URL(value);
    return u.protocol === "https:" || u.protocol === "http:" ? value : undefined;
  } catch {
    return undefined;
  }
}
