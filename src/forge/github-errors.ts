/**
 * Turns whatever a GitHub call ended in (an HTTP error, a redirect, a rate limit, a timeout, a
 * refused connection, a cut-short answer) into a {@link ForgeError} that names the URL called, the
 * HTTP status and what it means, and a fix that names the permission the call needs. Server text is
 * quoted only through {@link quoteForgeText}, with the token redacted; the token itself is never
 * part of a message, only the environment variable or file it came from.
 */
import type { GithubRunnerScope } from "../model/github-vm.ts";
import { ForgeError, type ForgeErrorReason, quoteForgeText } from "./forge-error.ts";
import { MAX_ANSWER_TEXT } from "./forge-transport.ts";
import { AnswerTooLarge, IncompleteAnswer, RequestBudgetExhausted } from "./github-client.ts";
import type { StatusAuth, StatusLimits } from "./status-client.ts";

/** The calls the status client makes, each with its own permission. */
export type GithubOperation = "runners" | "runner-groups" | "repositories" | "runs" | "jobs" | "delete-runner";

/** What a call needs: a classic token scope, and the fine-grained token / GitHub App permission (absent where there is none). */
export interface GithubPermission {
  readonly classic: string;
  readonly fineGrained?: string;
}

/** The permission an operation needs at a scope, from GitHub's REST reference for each endpoint. */
export function githubPermission(operation: GithubOperation, scope: GithubRunnerScope): GithubPermission {
  switch (operation) {
    case "runners":
    case "runner-groups":
    case "delete-runner": {
      const level = operation === "delete-runner" ? "write" : "read";
      if (scope.kind === "repo") return { classic: "repo (and the token's user must be an admin of the repository)", fineGrained: `repository permission "Administration: ${level}"` };
      if (scope.kind === "org") return { classic: "admin:org", fineGrained: `organisation permission "Self-hosted runners: ${level}"` };
      return { classic: "manage_runners:enterprise (fine-grained tokens and GitHub Apps cannot reach enterprise runners)" };
    }
    case "repositories":
      return { classic: "repo (to see private repositories)", fineGrained: 'repository permission "Metadata: read"' };
    case "runs":
    case "jobs":
      return { classic: "repo (for private repositories)", fineGrained: 'repository permission "Actions: read"' };
  }
}

export interface GithubErrorContext {
  /** What was being attempted, after "could not", e.g. "list the self-hosted runners". */
  readonly action: string;
  readonly operation: GithubOperation;
  readonly scope: GithubRunnerScope;
  /** The scope in its config form (`acme`, `acme/app`, `enterprises/acme`). */
  readonly scopeText: string;
  /** The repository the call was about, for runs and jobs. */
  readonly repository?: string;
  readonly auth: StatusAuth;
  readonly limits: StatusLimits;
  /** The URL to name when the error carries none. */
  readonly url: string;
  readonly now: () => Date;
}

interface HttpLike {
  readonly status: number;
  readonly url: string;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly data: unknown;
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 410: "Gone", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** The ForgeError for anything a GitHub call threw. */
export function githubForgeError(error: unknown, ctx: GithubErrorContext): ForgeError {
  if (error instanceof ForgeError) return error;
  const fail = (reason: ForgeErrorReason, url: string, problem: string, fix: string, status?: number) =>
    new ForgeError({ reason, url: bareUrl(url), scope: ctx.scopeText, action: ctx.action, problem, fix, ...(status === undefined ? {} : { status }) });
  if (error instanceof RequestBudgetExhausted) {
    return fail("http-error", ctx.url, `the request budget of ${error.max} requests ran out before the answer was complete`, "raise --max-requests (the runner list of a large scope takes one request per 100 runners)");
  }
  if (error instanceof IncompleteAnswer) {
    return fail("http-error", error.url, `incomplete answer: ${error.what}`, "check that the forge URL is GitHub or GitHub Enterprise Server itself, not a proxy or sign-in page, then retry");
  }
  const tooLarge = causeOf(error, AnswerTooLarge);
  if (tooLarge !== undefined) {
    return fail("http-error", tooLarge.url, `the answer (HTTP ${tooLarge.status}) is larger than ${MAX_ANSWER_TEXT}, more than any page of GitHub's lists; it was not read`, "check that the forge URL is GitHub or GitHub Enterprise Server itself, not a proxy or a download", tooLarge.status);
  }
  if (isTimeout(error)) {
    return fail("timeout", requestUrl(error) ?? ctx.url, `no answer within ${ctx.limits.timeoutMs} ms (the request was tried twice)`, "check that the forge is up and reachable from here (a firewall that drops packets looks like this), or raise the timeout");
  }
  const http = httpLike(error, ctx.url);
  if (http !== undefined) return statusError(http, ctx, fail);
  return transportError(error, requestUrl(error) ?? ctx.url, fail);
}

type Fail = (reason: ForgeErrorReason, url: string, problem: string, fix: string, status?: number) => ForgeError;

function statusError(http: HttpLike, ctx: GithubErrorContext, fail: Fail): ForgeError {
  const { status, url } = http;
  const said = serverSays(http.data, ctx.auth);
  const code = `HTTP ${status}${STATUS_TEXT[status] === undefined ? "" : ` ${STATUS_TEXT[status]}`}`;
  const limited = rateLimit(http, ctx);
  if (limited !== undefined) return fail("http-error", url, `${limited.problem} (${code})${said}`, limited.fix, status);
  const need = githubPermission(ctx.operation, ctx.scope);
  const credential = ctx.auth.kind === "token" ? `the token from ${ctx.auth.from}` : `the GitHub App (id ${ctx.auth.appId}, installation ${ctx.auth.installationId})`;
  if (status === 401) {
    if (ctx.auth.kind === "app") {
      return fail("unauthorized", url, `GitHub did not accept the GitHub App's credentials (${code}: the App id, private key or installation is wrong, or the key was revoked)${said}`, `check the App id (${ctx.auth.appId}), that the private key from ${ctx.auth.from} belongs to that App and is still active, the installation id (${ctx.auth.installationId}), and this machine's clock (the App signs its request with the time)`, status);
    }
    return fail("unauthorized", url, `GitHub did not accept the token from ${ctx.auth.from} (${code}: the token is wrong, expired or revoked)${said}`, `create a new token with ${grant(need, ctx.auth)} and put it in ${ctx.auth.from}`, status);
  }
  if (status === 403) {
    const accepted = headerText(http.headers["x-accepted-github-permissions"], ctx.auth);
    const needs = accepted === "" ? "" : `; GitHub says the call needs "${accepted}"`;
    return fail("forbidden", url, `${credential} is valid but may not do this (${code}: a permission is missing)${said}${needs}`, `give ${credential} ${grant(need, ctx.auth)}`, status);
  }
  if (status === 404 && ctx.auth.kind === "app" && /\/app\/installations\/[^/]+\/access_tokens$/.test(url)) {
    return fail("not-found", url, `GitHub has no installation ${ctx.auth.installationId} of the GitHub App ${ctx.auth.appId} (${code}: the installation id is wrong, or the App was uninstalled)${said}`, `give the installation id from the installation's settings URL (https://github.com/organizations/<org>/settings/installations/<id>), and install the App on the account that owns the runners`, status);
  }
  if (status === 404) return fail("not-found", url, notFoundProblem(code, ctx, credential), notFoundFix(ctx, need), status);
  if (status >= 300 && status < 400) {
    const location = describeLocation(http.headers["location"], url);
    return fail("redirect", url, `GitHub redirected the request${location} (${code}); redirects are not followed so that the credentials go nowhere else`, "set the forge URL to the address GitHub redirects to (its web address, e.g. https://ghes.example.com, without /api/v3)", status);
  }
  if (status === 422 && ctx.operation === "delete-runner") {
    return fail("http-error", url, `GitHub refused to remove the runner (${code}: it is running a job or cannot be removed)${said}`, "wait until the runner's job has finished, then prune again", status);
  }
  if (status >= 500 && ctx.operation === "delete-runner") {
    return fail("http-error", url, `GitHub failed (${code}: an error on the forge's side; the removal is not repeated, since it may have happened)${said}`, "run status again to see whether the runner is still registered, then prune again", status);
  }
  if (status >= 500) return fail("http-error", url, `GitHub failed (${code}: an error on the forge's side, after one retry)${said}`, "retry later; for GitHub Enterprise Server, check the instance's health and logs", status);
  if (status >= 200 && status < 300) return fail("http-error", url, `GitHub answered ${code}, not the status this call gets`, "check that the forge URL is GitHub or GitHub Enterprise Server itself, not a proxy", status);
  return fail("http-error", url, `GitHub refused the request (${code})${said}`, `check the scope "${ctx.scopeText}" and the forge URL`, status);
}

/** "the classic scope X, or the fine-grained permission Y" for a token; the App permission for an App. */
function grant(need: GithubPermission, auth: StatusAuth): string {
  if (auth.kind === "app") {
    return need.fineGrained === undefined
      ? `nothing: GitHub Apps cannot do this; use a classic token with ${need.classic}`
      : `the ${need.fineGrained} (then accept the changed permissions on the installation)`;
  }
  return need.fineGrained === undefined
    ? `the classic scope ${need.classic}`
    : `the classic scope ${need.classic}, or as a fine-grained token the ${need.fineGrained}`;
}

function notFoundProblem(code: string, ctx: GithubErrorContext, credential: string): string {
  const subject = ctx.repository !== undefined ? `the repository "${ctx.repository}"` : scopeSubject(ctx.scope);
  const reasons = [
    `${subject} does not exist at this address (a misspelt scope, or the wrong forge URL)`,
    `${credential} cannot see it (GitHub answers 404 rather than 403 when access is missing)`,
  ];
  if (ctx.auth.kind === "app") reasons.push("the GitHub App is not installed on that account");
  return `GitHub answered ${code}: ${reasons.join("; or ")}`;
}

function notFoundFix(ctx: GithubErrorContext, need: GithubPermission): string {
  const owner = ctx.scope.kind === "repo" ? ctx.scope.owner : ctx.scope.kind === "org" ? ctx.scope.org : ctx.scope.enterprise;
  const app = ctx.auth.kind === "app" ? `; install the GitHub App on "${owner}"` : "";
  return `check the scope "${ctx.scopeText}"${ctx.repository === undefined ? "" : ` and the repository "${ctx.repository}"`} and the forge URL; give ${ctx.auth.kind === "token" ? `the token in ${ctx.auth.from}` : "the App"} ${grant(need, ctx.auth)}${app}`;
}

function scopeSubject(scope: GithubRunnerScope): string {
  switch (scope.kind) {
    case "repo":
      return `the repository "${scope.owner}/${scope.repo}"`;
    case "org":
      return `the organisation "${scope.org}"`;
    case "enterprise":
      return `the enterprise "${scope.enterprise}"`;
  }
}

/** A primary (`x-ratelimit-remaining: 0`) or secondary ("secondary rate limit") limit that was not waited out. */
function rateLimit(http: HttpLike, ctx: GithubErrorContext): { problem: string; fix: string } | undefined {
  if (http.status !== 403 && http.status !== 429) return undefined;
  const max = ctx.limits.maxRateLimitWaitSeconds;
  const message = isRecord(http.data) && typeof http.data["message"] === "string" ? http.data["message"] : "";
  const after = Number(http.headers["retry-after"]);
  const asked = Number.isFinite(after) && after > 0 ? after : undefined;
  if (/\bsecondary rate\b/i.test(message)) {
    // Without retry-after, the throttling plugin waits a minute.
    const problem = (asked ?? 60) <= max
      ? `GitHub's secondary rate limit was hit again after waiting ${asked ?? 60} s once`
      : `GitHub's secondary rate limit was hit and GitHub asks to wait ${asked === undefined ? "at least a minute" : `${asked} s`}, more than the ${max} s status waits`;
    return { problem, fix: "run status again in a few minutes, or name fewer repositories with --repo" };
  }
  if (String(http.headers["x-ratelimit-remaining"]) !== "0") {
    if (http.status !== 429) return undefined;
    // A 429 that is neither of GitHub's documented limits: a proxy's, or GitHub's without its headers.
    return {
      problem: asked === undefined ? "GitHub is limiting the rate of requests without saying for how long" : `GitHub is limiting the rate of requests and asks to wait ${asked} s`,
      fix: "run status again in a few minutes, or name fewer repositories with --repo",
    };
  }
  const reset = Number(http.headers["x-ratelimit-reset"]);
  if (!Number.isFinite(reset)) return { problem: "GitHub's rate limit is used up", fix: "run status again later, or use a GitHub App (its installations have a larger limit)" };
  const at = new Date(reset * 1000);
  const seconds = Math.max(0, Math.ceil((at.getTime() - ctx.now().getTime()) / 1000));
  return {
    problem: `GitHub's rate limit is used up and resets at ${at.toISOString()} (in ${seconds} s), later than the ${max} s status waits`,
    fix: `run status again after ${at.toISOString()}, name fewer repositories with --repo, or use a GitHub App (its installations have a larger limit)`,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Octokit's RequestError and our UnexpectedAnswer: a status and the answer. */
function httpLike(error: unknown, fallbackUrl: string): HttpLike | undefined {
  if (!isRecord(error) && !(error instanceof Error)) return undefined;
  const e = error as { status?: unknown; response?: unknown };
  if (typeof e.status !== "number" || !isRecord(e.response)) return undefined;
  const response = e.response;
  const url = typeof response["url"] === "string" && response["url"] !== "" ? response["url"] : requestUrl(error) ?? fallbackUrl;
  const headers = isRecord(response["headers"]) ? response["headers"] : {};
  return { status: e.status, url, headers, data: response["data"] };
}

function requestUrl(error: unknown): string | undefined {
  const request = (error as { request?: unknown } | undefined)?.request;
  return isRecord(request) && typeof request["url"] === "string" ? request["url"] : undefined;
}

function isTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  }
  return false;
}

/** The `message` of GitHub's error body, redacted and quoted; empty when there is none. */
function serverSays(data: unknown, auth: StatusAuth): string {
  const message = isRecord(data) ? data["message"] : typeof data === "string" ? data : undefined;
  if (typeof message !== "string" || message.trim() === "") return "";
  return ` (GitHub said: "${quoteServer(message, auth)}")`;
}

function headerText(value: unknown, auth: StatusAuth): string {
  return typeof value === "string" ? quoteServer(value, auth) : "";
}

function secretsOf(auth: StatusAuth): string[] {
  return auth.kind === "token" ? [auth.token] : [auth.privateKey];
}

/**
 * Anything shaped like a GitHub credential: a token (`ghp_`, `gho_`, `ghu_`, `ghs_` installation
 * tokens the App minted, `ghr_`, `github_pat_`) or a signed JWT; redacted from server text too,
 * since an installation token is not known here.
 */
const CREDENTIAL_SHAPE = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*)/g;

function quoteServer(text: string, auth: StatusAuth): string {
  return quoteForgeText(text.replace(CREDENTIAL_SHAPE, "[redacted]"), secretsOf(auth), 200);
}

/** The first error of that class on the error or its causes (Octokit wraps what fetch threw). */
function causeOf<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e instanceof type) return e;
  }
  return undefined;
}

/** A URL without query or fragment, which might carry something not ours to print. */
function bareUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

function describeLocation(location: unknown, from: string): string {
  if (typeof location !== "string") return "";
  try {
    const u = new URL(location, from);
    return ` to ${u.origin}${u.pathname}`;
  } catch {
    return "";
  }
}

const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/;

function transportError(error: unknown, url: string, fail: Fail): ForgeError {
  const code = errorCode(error);
  if (code === "ECONNREFUSED") return fail("unreachable", url, "connection refused: nothing listens at that address (the forge is down, or the forge URL names the wrong host or port)", "start the forge, or correct the forge URL, then retry");
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return fail("unreachable", url, `unknown host: the host name does not resolve (${code})`, "check the host in the forge URL and this machine's DNS");
  if (code !== undefined && TLS_CODES.test(code)) return fail("unreachable", url, `the forge's TLS certificate was not accepted (${code})`, "give the forge a certificate this machine trusts (for a private CA, point NODE_EXTRA_CA_CERTS at it)");
  return fail("unreachable", url, `the request failed${code === undefined ? "" : ` (${code})`}`, "check that the forge URL is reachable from this machine, then retry");
}

/** The first `code` on the error or its causes (fetch hides the socket error two levels down). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 4) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") return code;
  return errorCode(cause, depth + 1) ?? (Array.isArray(errors) ? errorCode(errors[0], depth + 1) : undefined);
}
