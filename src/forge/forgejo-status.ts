/**
 * The Forgejo client of `runner-fleet status`: what a Forgejo scope sees of the fleet. It reads
 * the forge's version (`GET /version`), the runners registered at the scope (Forgejo 15 and
 * later, every page), the jobs waiting there and, per job, when its run was queued; and, only
 * when asked, removes one runner. Only GET requests, apart from that removal.
 */
import type { RegisteredRunner } from "../model/fleet-status.ts";
import { type ConfigIssue, ConfigError } from "../model/issues.ts";
import { type ForgejoRunnerScope, formatForgejoRunnerScope, parseForgejoRunnerScope } from "../model/forgejo-scope.ts";
import { ForgeError } from "./forge-error.ts";
import { parseForgeBaseUrl } from "./forge-url.ts";
import { ForgejoHttp } from "./forgejo-status-http.ts";
import { FORGEJO_RUNNER_API_MAJOR, budgetError, readWaitingJobs, shapeError } from "./forgejo-status-jobs.ts";
import type { StatusClient, StatusClientOptions, StatusLimits } from "./status-client.ts";

export { FORGEJO_RUNNER_API_MAJOR, forgejoJobsPath } from "./forgejo-status-jobs.ts";

/** Runners asked for per page (Forgejo's default maximum page size, `[api] MAX_RESPONSE_ITEMS`, is 50). */
export const FORGEJO_RUNNER_PAGE_SIZE = 50;

/** A token a forge accepts: printable ASCII, no whitespace. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

const seg = encodeURIComponent;

/** The path (below `/api/v1`) of the scope's runner list; a runner's own path appends `/{id}`. */
export function forgejoRunnersPath(scope: ForgejoRunnerScope): string {
  switch (scope.kind) {
    case "instance":
      return "/admin/actions/runners";
    case "org":
      return `/orgs/${seg(scope.org)}/actions/runners`;
    case "repo":
      return `/repos/${seg(scope.owner)}/${seg(scope.repo)}/actions/runners`;
    case "user":
      return "/user/actions/runners";
  }
}

/** The version a forge runs, as far as it is known. */
interface KnownVersion {
  /** The version string (`15.0.1+gitea-1.22.0`), from the forge or else from the fleet. */
  readonly text?: string;
  /** Its major number; undefined when no version is known. */
  readonly major?: number;
}

/** The leading number of a Forgejo version (`15.0.1+gitea-1.22.0` → 15, `v12.0` → 12). */
export function forgejoMajor(version: string): number | undefined {
  const m = /^v?(\d+)(?:[.+-]|$)/.exec(version.trim());
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Whether the version the fleet declares (`15`, `15.0`, `15.0.1`) names the version the forge reports. */
export function sameForgejoVersion(declared: string, reported: string): boolean {
  const strip = (v: string) => v.trim().replace(/^v/i, "");
  const core = strip(reported).split("+")[0] ?? "";
  const d = strip(declared);
  if (d === core || d === strip(reported)) return true;
  const parts = core.split(/[.-]/);
  return d.split(".").every((p, i) => p === parts[i]);
}

/**
 * A status client for one Forgejo scope. Bad options (a GitHub App instead of a token, an empty
 * token, an address or scope Forgejo cannot have, limits out of range) throw a {@link ConfigError}
 * here, every problem at once; what the forge does wrong throws a {@link ForgeError} later.
 */
export function createForgejoStatusClient(options: StatusClientOptions): StatusClient {
  const { base, scope, token } = checkOptions(options);
  const now = options.now ?? (() => new Date());
  const scopeText = formatForgejoRunnerScope(scope);
  const basePath = base.pathname === "/" ? "" : base.pathname;
  const shownScope = `${base.host}${basePath}/${scopeText}`;
  const http = (limits: StatusLimits) => new ForgejoHttp({ base, token, tokenFrom: options.auth.from, scope, scopeText, limits, now });
  let known: KnownVersion | undefined;

  return {
    async snapshot() {
      const takenAt = now().toISOString();
      const client = http(options.limits);
      const unseen: string[] = [];
      const version = await readVersion(client, options.version, unseen);
      known = version;
      const shown = version.text === undefined ? "this Forgejo (version unknown)" : `Forgejo ${version.text}`;
      const lists = version.major !== undefined && version.major >= FORGEJO_RUNNER_API_MAJOR;
      let runners: RegisteredRunner[] | undefined;
      if (lists) runners = await listRunners(client, scope, unseen);
      else unseen.push(`${shown} cannot list its runners through the API (Forgejo ${FORGEJO_RUNNER_API_MAJOR} can): registrations, offline runners and pruning are not checked`);
      const jobs = await readWaitingJobs({
        http: client,
        scope,
        major: version.major,
        shown,
        declaredLabels: options.declaredLabels,
        ...(options.repositories === undefined ? {} : { repositories: options.repositories }),
        unseen,
      });
      return { forge: "forgejo", scope: shownScope, ...(runners === undefined ? {} : { runners }), jobs, unseen, takenAt };
    },

    deleteCall(id: number) {
      return `DELETE ${http(options.limits).url(`${forgejoRunnersPath(scope)}/${id}`).href}`;
    },

    async deleteRunner(id: number) {
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new ConfigError([{ path: "runner id", message: `${String(id)} is not a runner id`, fix: "give the id of a runner the status report lists" }], "runner removal");
      }
      // Removal is one request (and the version, when no snapshot read it), outside the snapshot's budget.
      const client = http({ ...options.limits, maxRequests: Number.POSITIVE_INFINITY });
      const version = known ?? (await readVersion(client, options.version, []));
      const path = `${forgejoRunnersPath(scope)}/${id}`;
      if (version.major === undefined || version.major < FORGEJO_RUNNER_API_MAJOR) {
        throw new ForgeError({
          reason: "not-found",
          url: client.url(path).href,
          scope: scopeText,
          action: `remove runner ${id}`,
          problem:
            version.text === undefined
              ? `the forge's version is unknown, and Forgejo before ${FORGEJO_RUNNER_API_MAJOR} has no API to remove a runner`
              : `Forgejo ${version.text} has no API to remove a runner (Forgejo ${FORGEJO_RUNNER_API_MAJOR} has)`,
          fix: `remove the runner in the forge's web UI (the scope's Settings → Actions → Runners), or upgrade to Forgejo ${FORGEJO_RUNNER_API_MAJOR}`,
        });
      }
      await client.call({
        action: `remove runner ${id}`,
        method: "DELETE",
        path,
        notFound: {
          problem: `no runner ${id} is registered at this scope (it was removed already, or it belongs to another scope)`,
          fix: "read the registered runners again (runner-fleet status) and remove only runners it lists",
        },
      });
    },
  };
}

function checkOptions(options: StatusClientOptions): { base: URL; scope: ForgejoRunnerScope; token: string } {
  const issues: ConfigIssue[] = [];
  const parsed = parseForgeBaseUrl(options.url, { path: "url" });
  if ("issues" in parsed) issues.push(...parsed.issues);
  let scope: ForgejoRunnerScope | undefined;
  try {
    scope = parseForgejoRunnerScope(options.scope, "scope");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  const auth = options.auth;
  const token = auth.kind === "token" ? auth.token.trim() : "";
  if (auth.kind !== "token") {
    issues.push({ path: "auth", message: "is a GitHub App, which Forgejo does not know", fix: `give a Forgejo access token (Settings → Applications → Access tokens) in ${auth.from}` });
  } else if (token === "") {
    issues.push({ path: "auth", message: `the token in ${auth.from} is empty`, fix: `create an access token in the forge (Settings → Applications → Access tokens) and put its value in ${auth.from}` });
  } else if (!TOKEN_SHAPE.test(token)) {
    issues.push({ path: "auth", message: `the token in ${auth.from} contains whitespace or control characters`, fix: `put the bare token in ${auth.from}: no "token " prefix, no line breaks` });
  }
  issues.push(...limitIssues(options.limits));
  if (issues.length > 0 || scope === undefined || !("url" in parsed)) throw new ConfigError(issues, "Forgejo status options");
  return { base: parsed.url, scope, token };
}

function limitIssues(limits: StatusLimits): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const whole = (v: unknown, min: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= 2_147_483_647;
  if (!whole(limits.timeoutMs, 1)) issues.push({ path: "limits.timeoutMs", message: "must be a whole number of milliseconds from 1", fix: "leave it unset for 10000 ms, or give e.g. 30000" });
  // The version, one page of runners and the job listing cannot be left out.
  if (!whole(limits.maxRequests, 3)) issues.push({ path: "limits.maxRequests", message: "must be a whole number of at least 3", fix: "leave it unset for 300 requests, or give a larger number" });
  if (!whole(limits.maxRateLimitWaitSeconds, 0)) issues.push({ path: "limits.maxRateLimitWaitSeconds", message: "must be a whole number of seconds from 0", fix: "leave it unset for 60 s, or give 0 to never wait" });
  if (limits.rateLimitSecondMs !== undefined && !whole(limits.rateLimitSecondMs, 0)) {
    issues.push({ path: "limits.rateLimitSecondMs", message: "must be a whole number of milliseconds from 0", fix: "leave it unset for 1000" });
  }
  return issues;
}

/**
 * The forge's version from `GET /version`; a forge without it (404) is taken to run the version
 * the fleet declares, or, with none declared, an unknown version older than 15.
 */
async function readVersion(http: ForgejoHttp, declared: string | undefined, unseen: string[]): Promise<KnownVersion> {
  const answer = await http.call({
    action: "read the forge's version",
    method: "GET",
    path: "/version",
    allow: [404],
  });
  const reported = answer.status === 200 && typeof answer.body === "object" && answer.body !== null ? (answer.body as { version?: unknown }).version : undefined;
  const declaredText = declared?.trim() === "" ? undefined : declared?.trim();
  if (typeof reported === "string" && reported.trim() !== "") {
    const text = http.quote(reported.trim());
    const major = forgejoMajor(text);
    if (major === undefined) {
      // "development", a build's own name: the version the fleet declares says more.
      const declaredMajor = declaredText === undefined ? undefined : forgejoMajor(declaredText);
      if (declaredText !== undefined && declaredMajor !== undefined) {
        unseen.push(`the forge reports its version as "${text}", without a major number: the declared ${declaredText} is used`);
        return { text: declaredText, major: declaredMajor };
      }
      unseen.push(`the forge reports its version as "${text}", without a major number, and the fleet declares none, so it is taken to be older than Forgejo ${FORGEJO_RUNNER_API_MAJOR}`);
      return { text };
    }
    if (declaredText !== undefined && !sameForgejoVersion(declaredText, text)) {
      unseen.push(`the fleet declares Forgejo ${declaredText}, but the forge reports ${text}: the forge's own version is used`);
    }
    return { text, major };
  }
  if (declaredText !== undefined) {
    const major = forgejoMajor(declaredText);
    return { text: declaredText, ...(major === undefined ? {} : { major }) };
  }
  unseen.push(`the forge does not report its version (GET /version answered HTTP ${answer.status}) and the fleet declares none, so it is taken to be older than Forgejo ${FORGEJO_RUNNER_API_MAJOR}`);
  return {};
}

/**
 * Every runner registered at the scope (not those inherited from wider scopes), all pages, read in
 * order from page 1. The `Link` header's next page only says that there is one (its URL is never
 * followed); `X-Total-Count` says how many there are. A page that is empty, or repeats what was
 * read, while more are announced ends in an error rather than a short list.
 */
async function listRunners(http: ForgejoHttp, scope: ForgejoRunnerScope, unseen: string[]): Promise<RegisteredRunner[]> {
  const path = forgejoRunnersPath(scope);
  const action = "list the registered runners";
  const runners = new Map<number, RegisteredRunner>();
  for (let page = 1; ; page++) {
    // One request stays for the job listing.
    if (http.budgetLeft < 2) throw budgetError(http, action, path);
    const answer = await http.call({
      action,
      method: "GET",
      path,
      // visible=false: only the scope's own runners, the ones this scope can remove.
      query: { visible: "false", page: String(page), limit: String(FORGEJO_RUNNER_PAGE_SIZE) },
    });
    const list = runnerList(answer.body, answer.headers.get("x-total-count"));
    if (list === undefined) throw shapeError(http, answer.url, action, "is not a list of runners");
    let added = 0;
    for (const [i, item] of list.items.entries()) {
      const runner = toRunner(item, http, unseen);
      if (runner === undefined) throw shapeError(http, answer.url, action, `has an entry [${i}] that is not a runner (id, name, status, labels)`);
      if (!runners.has(runner.id)) added++;
      runners.set(runner.id, runner);
    }
    const linked = nextPage(answer.headers.get("link")) !== undefined;
    const more = list.total === undefined ? linked : runners.size < list.total;
    if (!more) break;
    if (list.items.length === 0 || added === 0) {
      const read = list.total === undefined ? `${runners.size} read, and the Link header names a next page` : `${runners.size} of ${list.total} read`;
      throw new ForgeError({
        reason: "http-error",
        url: answer.url,
        scope: http.options.scopeText,
        action,
        problem: `the answer for page ${page} ${list.items.length === 0 ? "is empty" : "repeats runners already read"}, yet the forge says there are more (${read})`,
        fix: "retry (runners registered or removed while the pages were read can cause this once); if it persists, check that the address points at Forgejo itself, not at a proxy that ignores the page parameter",
      });
    }
  }
  return [...runners.values()];
}

/**
 * The runners of one page and the total, when said: Forgejo answers a list (and `X-Total-Count`);
 * a pre-release answered `{runners, total_count}`; an empty list may come as `null`.
 */
function runnerList(body: unknown, totalHeader: string | null): { items: unknown[]; total?: number } | undefined {
  const count = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : typeof v === "string" && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : undefined);
  const header = count(totalHeader);
  if (body === null || body === undefined) return { items: [], ...(header === undefined ? {} : { total: header }) };
  if (Array.isArray(body)) return { items: body, ...(header === undefined ? {} : { total: header }) };
  if (typeof body !== "object" || !Array.isArray((body as { runners?: unknown }).runners)) return undefined;
  const total = header ?? count((body as { total_count?: unknown }).total_count);
  return { items: (body as { runners: unknown[] }).runners, ...(total === undefined ? {} : { total }) };
}

/** The `page` of the `rel="next"` link of a `Link` header (only the page: the URL itself is not followed). */
export function nextPage(link: string | null): number | undefined {
  if (link === null) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^<>]*)>\s*;(.*)$/.exec(part.trim());
    if (m === null || !/\brel="?next"?/i.test(m[2] ?? "")) continue;
    try {
      const page = Number(new URL(m[1] ?? "", "http://localhost").searchParams.get("page"));
      return Number.isSafeInteger(page) && page > 0 ? page : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Forgejo's runner status: `offline`, `idle` (online, free) or `active` (online, running a job).
 * Any other status counts as online (so the runner is never offered for removal) with a sentence
 * in `unseen`. Labels must be strings (`null` is none): a label dropped silently could make a
 * runner look like nobody's, and so removable.
 */
function toRunner(item: unknown, http: ForgejoHttp, unseen: string[]): RegisteredRunner | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const r = item as Record<string, unknown>;
  if (typeof r.id !== "number" || !Number.isSafeInteger(r.id) || r.id < 1 || typeof r.name !== "string" || typeof r.status !== "string") return undefined;
  const labels = r.labels === null ? [] : r.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) return undefined;
  const status = r.status.toLowerCase();
  const name = http.quote(r.name);
  if (status !== "offline" && status !== "idle" && status !== "active") {
    unseen.push(`runner "${name}" (id ${r.id}) has the status "${http.quote(r.status).slice(0, 40)}", which Forgejo does not document (offline, idle, active): it is counted as online, so it is never offered for removal`);
  }
  return {
    id: r.id,
    name,
    status: status === "offline" ? "offline" : "online",
    busy: status === "active",
    labels: labels.map((l: string) => http.quote(l)),
    ...(typeof r.ephemeral === "boolean" ? { ephemeral: r.ephemeral } : {}),
  };
}
