/**
 * The error every forge client throws when the forge cannot give what was asked. The message
 * names the address, the scope, what went wrong and what to do; it never contains a credential
 * (the API token sent, or a token the forge minted).
 */

/** Why a forge call failed; callers may retry `unreachable` and `timeout`, the rest need a fix. */
export type ForgeErrorReason =
  /** The forge could not be reached (connection refused, unknown host, TLS failure). */
  | "unreachable"
  /** No answer within the time limit. */
  | "timeout"
  /** HTTP 401: the API token was missing or rejected. */
  | "unauthorized"
  /** HTTP 403: the token is valid but lacks a scope or its user lacks a role. */
  | "forbidden"
  /** HTTP 404: wrong address, unknown organisation or repository, or Actions disabled. */
  | "not-found"
  /** HTTP 3xx: the forge sent us elsewhere; redirects are never followed with a token. */
  | "redirect"
  /** Any other non-2xx answer. */
  | "http-error"
  /** A 2xx answer without a usable token. */
  | "missing-token"
  /** `ssh` could not start, connect or authenticate. */
  | "ssh-failed"
  /** The command on the forge host exited with an error. */
  | "command-failed"
  /** The command on the forge host succeeded but printed no token. */
  | "empty-output";

export interface ForgeErrorInit {
  readonly reason: ForgeErrorReason;
  /** The address that was called (an HTTP URL, or `ssh://user@host`); never carries credentials. */
  readonly url: string;
  /** The scope in its config form, e.g. `org/acme`. */
  readonly scope: string;
  /** The HTTP status, when the forge answered. */
  readonly status?: number;
  /** What went wrong, one clause. */
  readonly problem: string;
  /** What to do about it. */
  readonly fix: string;
  /** What was being attempted, after "could not". @default "mint a Forgejo runner registration token" */
  readonly action?: string;
}

export class ForgeError extends Error {
  readonly reason: ForgeErrorReason;
  readonly url: string;
  readonly scope: string;
  readonly status?: number;
  /** What to do about it (also the end of the message). */
  readonly fix: string;

  constructor(init: ForgeErrorInit) {
    // No `cause`: underlying errors are reduced to their codes in `problem`, so that nothing
    // attached to them (request objects, headers) can carry a credential into logs.
    super(`could not ${init.action ?? "mint a Forgejo runner registration token"} for scope "${init.scope}" from ${init.url}: ${init.problem}. Fix: ${init.fix}`);
    this.name = "ForgeError";
    this.reason = init.reason;
    this.url = init.url;
    this.scope = init.scope;
    if (init.status !== undefined) this.status = init.status;
    this.fix = init.fix;
  }
}

/**
 * Text from the forge (a server message, ssh's stderr) made safe to quote: control characters
 * removed, each secret replaced by `[redacted]`, cut to `max` characters.
 */
export function quoteForgeText(text: string, secrets: readonly string[], max = 300): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join("[redacted]");
  }
  out = out.replace(/\s*\n\s*/g, " | ").replace(/\p{Cc}+/gu, " ").trim();
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
