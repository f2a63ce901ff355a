/**
 * Mints a Forgejo runner registration token through the forge's API
 * (`GET /api/v1/.../runners/registration-token`), with errors that say what to fix and never
 * carry the API token or the minted token.
 */
import { type ConfigIssue, ConfigError } from "../model/issues.ts";
import { ForgeError, type ForgeErrorReason, quoteForgeText } from "./forge-error.ts";
import { forgeApiUrl, parseForgeBaseUrl } from "./forge-url.ts";
import { describeLocation, readText, transportProblem } from "./forge-transport.ts";
import { type ForgejoRunnerScope, forgejoRunnerScopeIssues, formatForgejoRunnerScope } from "../model/forgejo-scope.ts";

/** Defaults of {@link MintForgejoRegistrationTokenOptions}. */
export const FORGEJO_TOKEN_DEFAULTS = {
  timeoutMs: 10_000,
} as const;

/** The config key that holds the forge API token (a reference to a secret, never the value). */
export const FORGE_API_TOKEN_KEY = "forge.apiToken";

export interface MintForgejoRegistrationTokenOptions {
  /** The forge's base URL, with any sub-path, e.g. `https://forge.example.com/git`. */
  readonly baseUrl: string;
  /** Where the runner will register. */
  readonly scope: ForgejoRunnerScope;
  /** A Forgejo access token (see {@link forgejoTokenRequirement} for the scope and role it needs). */
  readonly apiToken: string;
  /** How long to wait for the forge's complete answer, in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Allow a plain `http://` base URL on a host other than loopback; the API token then crosses the
   * network unencrypted. @default false
   */
  readonly allowInsecureHttp?: boolean;
}

/** What the API token must carry for a scope: the token scope and the role of its user. */
export interface ForgejoTokenRequirement {
  /** The access-token scope that covers the GET endpoint (`write:` of the same area also does). */
  readonly tokenScope: "read:admin" | "read:organization" | "read:repository" | "read:user";
  /** Who the token's user must be. */
  readonly role: string;
}

/**
 * The token scope and role Forgejo checks on each registration-token endpoint: GET routes need
 * the `read:` scope of their area, and the route's role check (site admin, organisation owner,
 * repository owner) applies to the token's user.
 */
export function forgejoTokenRequirement(scope: ForgejoRunnerScope): ForgejoTokenRequirement {
  switch (scope.kind) {
    case "instance":
      return { tokenScope: "read:admin", role: "a site administrator" };
    case "org":
      return { tokenScope: "read:organization", role: `an owner of the organisation "${scope.org}"` };
    case "repo":
      return {
        tokenScope: "read:repository",
        role: `the owner of "${scope.owner}/${scope.repo}" (for an organisation's repository: an owner of the organisation) or a site administrator`,
      };
    case "user":
      return { tokenScope: "read:user", role: "the account whose runners these are (the token's own user)" };
  }
}

/** The API path (below the base URL) of the registration-token endpoint for a scope. */
export function forgejoRegistrationTokenPath(scope: ForgejoRunnerScope): string {
  const seg = encodeURIComponent;
  switch (scope.kind) {
    case "instance":
      return "/api/v1/admin/runners/registration-token";
    case "org":
      return `/api/v1/orgs/${seg(scope.org)}/actions/runners/registration-token`;
    case "repo":
      return `/api/v1/repos/${seg(scope.owner)}/${seg(scope.repo)}/actions/runners/registration-token`;
    case "user":
      return "/api/v1/user/actions/runners/registration-token";
  }
}

/** A token a runner can present: printable ASCII, no whitespace. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

function apiTokenIssues(apiToken: unknown): ConfigIssue[] {
  const path = FORGE_API_TOKEN_KEY;
  if (typeof apiToken !== "string") return [{ path, message: "must be a string", fix: "pass the access token's value as a string" }];
  const t = apiToken.trim();
  if (t === "") return [{ path, message: "is empty", fix: "create an access token in the forge (Settings → Applications) and pass its value" }];
  if (!TOKEN_SHAPE.test(t)) {
    return [{
      path,
      message: "contains whitespace or control characters",
      fix: 'pass the bare token: without a "token " or "Bearer " prefix and without line breaks',
    }];
  }
  return [];
}

function timeoutIssues(timeoutMs: unknown): ConfigIssue[] {
  if (timeoutMs === undefined) return [];
  if (typeof timeoutMs === "number" && Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= 2_147_483_647) return [];
  return [{ path: "forge.timeoutMs", message: "must be a whole number of milliseconds from 1 to 2147483647", fix: `leave it unset for ${FORGEJO_TOKEN_DEFAULTS.timeoutMs} ms, or give e.g. 30000` }];
}

/**
 * Asks the forge for a runner registration token and returns it.
 *
 * Bad options throw a {@link ConfigError} (every problem at once); anything the forge does wrong
 * throws a {@link ForgeError}. Redirects are not followed, so the API token only ever goes to
 * `baseUrl`.
 */
export async function mintForgejoRegistrationToken(options: MintForgejoRegistrationTokenOptions): Promise<string> {
  const base = parseForgeBaseUrl(options.baseUrl, options.allowInsecureHttp === undefined ? {} : { allowInsecureHttp: options.allowInsecureHttp });
  const issues = [
    ...("issues" in base ? base.issues : []),
    ...forgejoRunnerScopeIssues(options.scope),
    ...apiTokenIssues(options.apiToken),
    ...timeoutIssues(options.timeoutMs),
  ];
  if (issues.length > 0 || !("url" in base)) throw new ConfigError(issues, "forge configuration");

  const apiToken = options.apiToken.trim();
  const timeoutMs = options.timeoutMs ?? FORGEJO_TOKEN_DEFAULTS.timeoutMs;
  const url = forgeApiUrl(base.url, forgejoRegistrationTokenPath(options.scope)).href;
  const scope = formatForgejoRunnerScope(options.scope);
  const fail = (reason: ForgeErrorReason, problem: string, fix: string, extra: { status?: number } = {}) =>
    new ForgeError({ reason, url, scope, problem, fix, ...extra });
  const doFetch = options.fetch ?? globalThis.fetch;
  const signal = AbortSignal.timeout(timeoutMs);

  let response: Response;
  try {
    response = await doFetch(url, {
      method: "GET",
      headers: { Authorization: `token ${apiToken}`, Accept: "application/json" },
      redirect: "manual",
      signal,
    });
  } catch (error) {
    throw transportError(error, signal, timeoutMs, false, fail);
  }

  try {
    if (response.status >= 200 && response.status < 300) {
      const minted = await tokenFrom(response);
      if (minted === undefined) {
        throw fail(
          "missing-token",
          `HTTP ${response.status} arrived without a usable token (no "token" response header, no "token" field in a JSON body)`,
          "check that forge.address points at Forgejo itself, not at a proxy or login page that answers every request",
          { status: response.status },
        );
      }
      return minted;
    }
    const serverSays = await serverMessage(response, apiToken);
    throw statusError(response, options.scope, serverSays, fail);
  } catch (error) {
    if (error instanceof ForgeError) throw error;
    throw transportError(error, signal, timeoutMs, true, fail);
  }
}

type Fail = (reason: ForgeErrorReason, problem: string, fix: string, extra?: { status?: number }) => ForgeError;

/** The token from the `token` header (the API description) or a JSON body's `token` field (what servers send). */
async function tokenFrom(response: Response): Promise<string | undefined> {
  const header = response.headers.get("token")?.trim();
  if (header) {
    await response.body?.cancel();
    return TOKEN_SHAPE.test(header) ? header : undefined;
  }
  const text = await readText(response, 64 * 1024);
  try {
    const parsed: unknown = JSON.parse(text);
    const token = typeof parsed === "object" && parsed !== null ? (parsed as { token?: unknown }).token : undefined;
    return typeof token === "string" && TOKEN_SHAPE.test(token.trim()) ? token.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The `message` of Forgejo's JSON error body, safe to quote; empty when there is none. */
async function serverMessage(response: Response, apiToken: string): Promise<string> {
  const text = await readText(response, 8 * 1024);
  try {
    const parsed: unknown = JSON.parse(text);
    const message = typeof parsed === "object" && parsed !== null ? (parsed as { message?: unknown }).message : undefined;
    return typeof message === "string" ? quoteForgeText(message, [apiToken], 200) : "";
  } catch {
    return "";
  }
}

function statusError(response: Response, scope: ForgejoRunnerScope, serverSays: string, fail: Fail): ForgeError {
  const status = response.status;
  const said = serverSays === "" ? "" : ` (the forge said: "${serverSays}")`;
  const need = forgejoTokenRequirement(scope);
  const writeScope = need.tokenScope.replace("read:", "write:");
  switch (true) {
    case status === 401:
      return fail(
        "unauthorized",
        `the API token was rejected (HTTP 401)${said}`,
        `create a new access token (Settings → Applications) as ${need.role}, with scope ${need.tokenScope} (${writeScope} also covers it), and store it where forge.apiToken reads it`,
        { status },
      );
    case status === 403:
      return fail(
        "forbidden",
        `the API token is valid but not allowed to do this (HTTP 403)${said}`,
        `give the token scope ${need.tokenScope} (or ${writeScope}) and make sure its user is ${need.role}`,
        { status },
      );
    case status === 404:
      return fail("not-found", `${notFoundProblem(scope)} (HTTP 404)${said}`, notFoundFix(scope), { status });
    case status >= 300 && status < 400: {
      const location = describeLocation(response.headers.get("location"), response.url);
      return fail(
        "redirect",
        `the forge redirected the request${location} (HTTP ${status}); redirects are not followed so that the API token goes nowhere else`,
        "set forge.address to the address the forge redirects to (often its https:// address or a different sub-path)",
        { status },
      );
    }
    case status >= 500:
      return fail("http-error", `the forge failed (HTTP ${status})${said}`, "check the forge's logs and whether Actions is enabled ([actions] ENABLED in app.ini), then retry", { status });
    default:
      return fail("http-error", `the forge refused the request (HTTP ${status})${said}`, "check forge.address and forge.scope against the forge", { status });
  }
}

/** What a 404 at a scope means on Forgejo. */
export function notFoundProblem(scope: ForgejoRunnerScope): string {
  switch (scope.kind) {
    case "org":
      return `the organisation "${scope.org}" was not found, or the token's user cannot see it`;
    case "repo":
      return `the repository "${scope.owner}/${scope.repo}" was not found, the token's user cannot see it, or Actions is disabled for it`;
    case "instance":
    case "user":
      return "the forge has no such API endpoint";
  }
}

function notFoundFix(scope: ForgejoRunnerScope): string {
  const base = "check that forge.address is the forge's base URL including any sub-path (e.g. https://forge.example.com/git) and that the forge runs Forgejo with Actions enabled";
  switch (scope.kind) {
    case "org":
      return `check the spelling of forge.scope ("org/${scope.org}"); ${base}`;
    case "repo":
      return `check the spelling of forge.scope ("repo/${scope.owner}/${scope.repo}") and enable Actions in the repository's settings (Units); ${base}`;
    case "instance":
    case "user":
      return base;
  }
}

function transportError(error: unknown, signal: AbortSignal, timeoutMs: number, answered: boolean, fail: Fail): ForgeError {
  const t = transportProblem(error, signal.aborted, timeoutMs, "forge.address", answered);
  return fail(t.reason, t.problem, t.fix);
}
