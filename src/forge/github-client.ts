/**
 * The HTTP side of the GitHub status client: an Octokit set up so that one `runner-fleet status`
 * run stays bounded and never leaks a credential. Every request has its own deadline (body
 * included), redirects are not followed, rate limits are waited out once when the wait is short,
 * a failed request is retried at most once, and every attempt counts against a request budget.
 * No answer is read past {@link MAX_ANSWER_BYTES}, no request leaves the API base, and the App's
 * token request must answer a token. Answers are checked for the shape GitHub documents before
 * anything reads them (github-list.ts).
 */
import { randomUUID } from "node:crypto";
import { Octokit } from "@octokit/core";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { MAX_ANSWER_BYTES, MAX_ANSWER_TEXT, readBounded } from "./forge-transport.ts";
import type { StatusAuth, StatusLimits } from "./status-client.ts";

/** The REST API version the client asks for (`x-github-api-version`). */
export const GITHUB_STATUS_API_VERSION = "2022-11-28";

/** Thrown when a snapshot has made as many requests as its budget allows. */
export class RequestBudgetExhausted extends Error {
  readonly max: number;
  constructor(max: number) {
    super(`the request budget of ${max} requests ran out`);
    this.max = max;
    this.name = "RequestBudgetExhausted";
  }
}

/** A 2xx or 3xx answer the client did not expect (a redirect, another success status); carries what an HTTP error carries. */
export class UnexpectedAnswer extends Error {
  readonly status: number;
  readonly response: { readonly url: string; readonly headers: Readonly<Record<string, string | number | undefined>>; readonly data: unknown };
  constructor(status: number, url: string, headers: Readonly<Record<string, string | number | undefined>>, data: unknown) {
    super(`unexpected HTTP ${status} from ${url}`);
    this.name = "UnexpectedAnswer";
    this.status = status;
    this.response = { url, headers, data };
  }
}

/** A successful answer that is not the JSON GitHub documents (cut short, or from something that is not GitHub). */
export class IncompleteAnswer extends Error {
  readonly url: string;
  readonly what: string;
  constructor(url: string, what: string) {
    super(`incomplete answer from ${url}: ${what}`);
    this.url = url;
    this.what = what;
    this.name = "IncompleteAnswer";
  }
}

/** An answer larger than {@link MAX_ANSWER_BYTES}; it is dropped unread. */
export class AnswerTooLarge extends Error {
  readonly url: string;
  readonly status: number;
  constructor(url: string, status: number) {
    super(`the answer from ${url} (HTTP ${status}) is larger than ${MAX_ANSWER_TEXT}`);
    this.name = "AnswerTooLarge";
    this.url = url;
    this.status = status;
  }
}

/** Whether a URL lies inside the API: the same origin, and under the API base's path. */
export function insideApi(url: URL, apiBase: string): boolean {
  const base = new URL(apiBase);
  const path = base.pathname.replace(/\/+$/, "");
  return url.origin === base.origin && (path === "" || url.pathname === path || url.pathname.startsWith(`${path}/`));
}

/**
 * Counts every HTTP attempt (pages, retries and the App's token request included), asks every one
 * for the API version, and refuses any request to an absolute address outside the API base before
 * a credential is added; registered first, so it sits inside the retrying plugins. Checks that the
 * App's token request answered a token (a sign-in page would otherwise leave "token undefined").
 */
function requestBudget(octokit: Octokit, octokitOptions: { baseUrl?: string }) {
  const budget = { used: 0, max: Number.POSITIVE_INFINITY };
  const apiBase = octokitOptions.baseUrl ?? "https://api.github.com";
  octokit.hook.before("request", (options) => {
    const target = String(options.url);
    if (/^[a-z][a-z\d+.-]*:/i.test(target)) {
      let url: URL | undefined;
      try {
        url = new URL(target);
      } catch {
        url = undefined;
      }
      if (url === undefined || !insideApi(url, apiBase)) {
        throw new IncompleteAnswer(apiBase, `a request to ${url === undefined ? "an address that is not a URL" : `${url.origin}${url.pathname}`}, outside ${apiBase}, was not sent, so that the credentials go nowhere else`);
      }
    }
    options.headers["x-github-api-version"] = GITHUB_STATUS_API_VERSION;
    budget.used += 1;
    if (budget.used > budget.max) throw new RequestBudgetExhausted(budget.max);
  });
  octokit.hook.after("request", (response, options) => {
    if (options.method !== "POST" || !/\/app\/installations\/[^/]+\/access_tokens$/.test(String(options.url))) return;
    const token: unknown = typeof response.data === "object" && response.data !== null ? (response.data as { token?: unknown }).token : undefined;
    if (typeof token !== "string" || !/^[\x21-\x7e]+$/.test(token)) {
      throw new IncompleteAnswer(response.url, `GitHub answered the GitHub App's request for an installation token (HTTP ${response.status}) without a token`);
    }
  });
  return { budget };
}

const StatusOctokit = Octokit.plugin(requestBudget, throttling, retry);
export type StatusOctokit = InstanceType<typeof StatusOctokit>;

export interface GithubConnection {
  readonly octokit: StatusOctokit;
  /** The REST API base, e.g. `https://api.github.com` or `https://ghes.example.com/api/v3`. */
  readonly apiBase: string;
  /** The URL of the request sent last (for errors that carry none). */
  lastUrl(): string;
  /** Starts counting requests afresh against `max` (Infinity: no limit). */
  resetBudget(max: number): void;
}

/** Statuses that answer without a body, which a Response may not be given. */
const NULL_BODY = new Set([204, 205, 304]);

/**
 * A fetch whose deadline covers the whole answer: the body is read inside it, so a server that
 * sends headers and then stalls ends in a TimeoutError instead of an empty body, and a body larger
 * than {@link MAX_ANSWER_BYTES} ends in {@link AnswerTooLarge} instead of filling memory.
 */
function deadlineFetch(timeoutMs: number, sent: (url: string) => void): typeof globalThis.fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    sent(url);
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const response = await globalThis.fetch(input, { ...init, signal });
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (!NULL_BODY.has(response.status)) {
      const read = await readBounded(response, MAX_ANSWER_BYTES);
      if (read.tooLarge) throw new AnswerTooLarge(response.url || url, response.status);
      body = read.bytes;
    }
    const whole = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(whole, "url", { value: response.url || url });
    return whole;
  };
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** HTTP statuses never retried: the answer would not change (429 is the throttling plugin's to decide). */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

export function connectGithub(apiBase: string, auth: StatusAuth, limits: StatusLimits): GithubConnection {
  let last = apiBase;
  const secondMs = limits.rateLimitSecondMs ?? 1000;
  // A rate limit is waited out once, and only when the wait fits the limit; otherwise the 403/429 surfaces.
  const waitOnce = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number): boolean =>
    retryCount < 1 && retryAfter <= limits.maxRateLimitWaitSeconds;
  const credentials = auth.kind === "token"
    ? { auth: auth.token }
    : { authStrategy: createAppAuth, auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: auth.installationId } };
  const octokit = new StatusOctokit({
    ...credentials,
    baseUrl: apiBase,
    userAgent: "runner-fleet-status",
    log: silent,
    request: { fetch: deadlineFetch(limits.timeoutMs, (url) => { last = url; }), redirect: "manual" },
    // Bottleneck's limiters are shared by every Octokit in the process; a fresh id gives this client its own.
    throttle: { id: randomUUID(), retryAfterBaseValue: secondMs, onRateLimit: waitOnce, onSecondaryRateLimit: waitOnce },
    retry: { retries: 1, retryAfterBaseValue: secondMs, doNotRetry: DO_NOT_RETRY },
  });
  return {
    octokit,
    apiBase,
    lastUrl: () => last,
    resetBudget(max) {
      octokit.budget.used = 0;
      octokit.budget.max = max;
    },
  };
}
