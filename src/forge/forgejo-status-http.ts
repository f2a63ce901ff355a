/**
 * The HTTP side of the Forgejo status client: one request to the forge's API with the token, a
 * time limit that covers the body, a bound on its size, a count of requests against the snapshot's
 * budget, one wait when the forge answers 429 with `Retry-After`, one retry of a read the forge
 * failed (5xx), and every failure as a {@link ForgeError} that names the address, the status, what
 * it means and the fix, never the token.
 */
import type { StatusLimits } from "./status-client.ts";
import { ForgeError, type ForgeErrorReason, quoteForgeText } from "./forge-error.ts";
import { forgeApiUrl } from "./forge-url.ts";
import { MAX_ANSWER_BYTES, MAX_ANSWER_TEXT, describeLocation, readBounded, transportProblem } from "./forge-transport.ts";
import { forgejoTokenRequirement, notFoundProblem } from "./forgejo-token.ts";
import type { ForgejoRunnerScope } from "../model/forgejo-scope.ts";

/** One call to the forge's API. */
export interface ForgejoCall {
  /** What is being attempted, after "could not", e.g. `list the registered runners`. */
  readonly action: string;
  readonly method: "GET" | "DELETE";
  /** The path below `/api/v1`, segments already encoded, e.g. `/orgs/acme/actions/runners`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Statuses (other than 2xx) handed back to the caller instead of thrown. */
  readonly allow?: readonly number[];
  /** The token scope the call needs when it is not the runner scope's `read:` one (e.g. `read:repository`). */
  readonly tokenScope?: string;
  /** Why a 404 happens here and what to do, when the runner scope's default does not fit. */
  readonly notFound?: { readonly problem: string; readonly fix: string };
}

/** What the forge answered: the status, the headers and the parsed JSON body (`undefined` when empty). */
export interface ForgejoAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly url: string;
}

export interface ForgejoHttpOptions {
  /** The forge's base URL (any sub-path included). */
  readonly base: URL;
  readonly token: string;
  /** The environment variable the token came from (named in errors). */
  readonly tokenFrom: string;
  readonly scope: ForgejoRunnerScope;
  /** The scope in its config form (`org/acme`), as errors show it. */
  readonly scopeText: string;
  readonly limits: StatusLimits;
  readonly now: () => Date;
}

/** Talks to one forge; counts every request it sends (retries included). */
export class ForgejoHttp {
  readonly options: ForgejoHttpOptions;
  /** Requests sent so far. */
  requests = 0;

  constructor(options: ForgejoHttpOptions) {
    this.options = options;
  }

  /** Requests left in the budget. */
  get budgetLeft(): number {
    return this.options.limits.maxRequests - this.requests;
  }

  /** Text from the forge (a name, a label, a message) made safe to print: no control characters, never the token. */
  quote(text: string): string {
    return quoteForgeText(text, [this.options.token], 300);
  }

  url(path: string, query: Readonly<Record<string, string>> = {}): URL {
    const url = forgeApiUrl(this.options.base, `/api/v1${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** Sends the call; a 2xx answer (or an allowed status) comes back, anything else throws a {@link ForgeError}. */
  async call(call: ForgejoCall): Promise<ForgejoAnswer> {
    const url = this.url(call.path, call.query).href;
    const fail = this.failer(call, url);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.send(call, url, fail);
      if ((answer.status >= 200 && answer.status < 300) || call.allow?.includes(answer.status)) return answer;
      // A retry is a request like any other: it needs room in the budget.
      if (attempt === 0 && this.budgetLeft > 0) {
        const wait = answer.status === 429
          ? retryAfterSeconds(answer.headers.get("retry-after"), this.options.now())
          // A read the forge failed is tried once more, a second later; a removal is not repeated.
          : answer.status >= 500 && call.method === "GET" ? 1 : undefined;
        if (wait !== undefined && wait <= this.options.limits.maxRateLimitWaitSeconds) {
          await new Promise((resolve) => setTimeout(resolve, wait * (this.options.limits.rateLimitSecondMs ?? 1000)));
          continue;
        }
      }
      throw this.statusError(call, answer, fail, attempt > 0);
    }
  }

  private async send(call: ForgejoCall, url: string, fail: Fail): Promise<ForgejoAnswer> {
    const { timeoutMs } = this.options.limits;
    const signal = AbortSignal.timeout(timeoutMs);
    this.requests++;
    let response: Response;
    try {
      response = await fetch(url, {
        method: call.method,
        headers: { Authorization: `token ${this.options.token}`, Accept: "application/json" },
        redirect: "manual",
        signal,
      });
    } catch (error) {
      throw transportError(error, signal, timeoutMs, false, fail);
    }
    let read: Awaited<ReturnType<typeof readBounded>>;
    try {
      read = await readBounded(response, MAX_ANSWER_BYTES);
    } catch (error) {
      throw transportError(error, signal, timeoutMs, true, fail);
    }
    const status = response.status;
    if (read.tooLarge) {
      throw fail("http-error", `the answer (HTTP ${status}) is larger than ${MAX_ANSWER_TEXT}, more than any page of Forgejo's lists; it was not read`, "check that the address points at Forgejo itself, not at a proxy or a download", { status });
    }
    const text = new TextDecoder().decode(read.bytes);
    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        if (status >= 200 && status < 300) {
          throw fail("http-error", `the answer (HTTP ${status}) is not JSON`, "check that the address points at Forgejo itself, not at a proxy or login page that answers every request", { status });
        }
        body = text;
      }
    }
    return { status, headers: response.headers, body, url };
  }

  private failer(call: ForgejoCall, url: string): Fail {
    return (reason, problem, fix, extra = {}) => new ForgeError({ reason, url, scope: this.options.scopeText, problem, fix, action: call.action, ...extra });
  }

  private statusError(call: ForgejoCall, answer: ForgejoAnswer, fail: Fail, retried: boolean): ForgeError {
    const { status } = answer;
    const said = serverSays(answer.body, this.options.token);
    const need = forgejoTokenRequirement(this.options.scope);
    const level = call.method === "GET" ? "read" : "write";
    const tokenScope = (call.tokenScope ?? need.tokenScope).replace(/^read:/, `${level}:`);
    const also = level === "read" ? ` (${tokenScope.replace(/^read:/, "write:")} also covers it)` : "";
    const from = this.options.tokenFrom;
    if (status === 401) {
      return fail(
        "unauthorized",
        `the API token in ${from} was rejected (HTTP 401: missing, mistyped, expired or revoked)${said}`,
        `create an access token in the forge (Settings → Applications → Access tokens) as ${need.role}, with scope ${tokenScope}${also}, and put it in ${from}`,
        { status },
      );
    }
    if (status === 403) {
      return fail(
        "forbidden",
        `the API token in ${from} is valid but not allowed to do this (HTTP 403: a token scope or a role is missing)${said}`,
        `give the token scope ${tokenScope}${also} and make sure its user is ${need.role}`,
        { status },
      );
    }
    if (status === 404) {
      const nf = call.notFound ?? { problem: notFoundProblem(this.options.scope), fix: notFoundFix(this.options.scope, this.options.scopeText) };
      return fail("not-found", `${nf.problem} (HTTP 404)${said}`, nf.fix, { status });
    }
    if (status === 429) {
      const wait = retryAfterSeconds(answer.headers.get("retry-after"), this.options.now());
      const asked = wait === undefined ? "without saying how long to wait" : `and asks to wait ${wait} s, more than the ${this.options.limits.maxRateLimitWaitSeconds} s allowed`;
      return fail("http-error", `the forge is limiting the rate of requests (HTTP 429) ${asked}${said}`, "retry later, or allow a longer wait", { status });
    }
    if (status >= 300 && status < 400) {
      return fail(
        "redirect",
        `the forge redirected the request${describeLocation(answer.headers.get("location"), answer.url)} (HTTP ${status}); redirects are not followed so that the API token goes nowhere else`,
        "use the address the forge redirects to (often its https:// address or a different sub-path)",
        { status },
      );
    }
    if (status >= 500) {
      return fail("http-error", `the forge failed (HTTP ${status}${retried ? ", after one retry" : ""})${said}`, "check the forge's logs and whether Actions is enabled ([actions] ENABLED in app.ini), then retry", { status });
    }
    return fail("http-error", `the forge refused the request (HTTP ${status})${said}`, "check the forge's address and the scope", { status });
  }
}

type Fail = (reason: ForgeErrorReason, problem: string, fix: string, extra?: { status?: number }) => ForgeError;

/** Seconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** The forge's `message`, safe to quote, as ` (the forge said: "…")`; empty when there is none. */
function serverSays(body: unknown, token: string): string {
  const message = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message !== "string" || message.trim() === "") return "";
  return ` (the forge said: "${quoteForgeText(message, [token], 200)}")`;
}


function notFoundFix(scope: ForgejoRunnerScope, scopeText: string): string {
  const base = "check that the address is the forge's base URL including any sub-path (e.g. https://forge.example.com/git) and that it runs Forgejo with Actions enabled";
  return scope.kind === "org" || scope.kind === "repo" ? `check the spelling of the scope ("${scopeText}"); ${base}` : base;
}

function transportError(error: unknown, signal: AbortSignal, timeoutMs: number, answered: boolean, fail: Fail): ForgeError {
  const t = transportProblem(error, signal.aborted, timeoutMs, "the forge's address", answered);
  return fail(t.reason, t.problem, t.fix);
}
