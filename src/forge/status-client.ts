/**
 * What `runner-fleet status` asks of a forge, whichever forge it is: one snapshot of the runners
 * registered at a scope and the jobs waiting there, and (only with `--prune`, confirmed) the
 * removal of one runner. The GitHub client (github-status.ts) and the Forgejo client
 * (forgejo-status.ts) implement it; each failure is a {@link ForgeError} naming the address, the
 * HTTP status, what it means and the fix, never a credential.
 */
import type { ForgeSnapshot } from "../model/fleet-status.ts";

/** How the client authenticates. Secrets come from the environment or a file, never from a flag. */
export type StatusAuth =
  /** An API token, and the environment variable it came from (named in errors, never the token). */
  | { readonly kind: "token"; readonly token: string; readonly from: string }
  /** A GitHub App installation: its id, its private key (PEM text read from a file) and the installation id. */
  | { readonly kind: "app"; readonly appId: string; readonly privateKey: string; readonly installationId: number; readonly from: string };

/** Limits that keep one status run bounded, however large the organisation or slow the forge. */
export interface StatusLimits {
  /** Milliseconds one HTTP request may take, body included. @default 10000 */
  readonly timeoutMs: number;
  /** HTTP requests one snapshot may make, retries and pages included. @default 300 */
  readonly maxRequests: number;
  /** Seconds a rate limit may be waited out, once; a longer wait is an error. @default 60 */
  readonly maxRateLimitWaitSeconds: number;
  /** Milliseconds per second of a rate-limit wait (tests make waits short). @default 1000 */
  readonly rateLimitSecondMs?: number;
}

export const STATUS_LIMITS: StatusLimits = { timeoutMs: 10_000, maxRequests: 300, maxRateLimitWaitSeconds: 60 };

export interface StatusClientOptions {
  /**
   * The forge's web address, without a path: `https://github.com`, a GitHub Enterprise Server
   * (`https://ghes.example.com`, API under `/api/v3`) or a Forgejo instance (API under `/api/v1`).
   */
  readonly url: string;
  /**
   * The scope the runners register at, in the forge's own form: GitHub `acme`, `acme/app` or
   * `enterprises/acme`; Forgejo `instance`, `org/acme`, `repo/acme/app` or `user`.
   */
  readonly scope: string;
  readonly auth: StatusAuth;
  readonly limits: StatusLimits;
  /** For an organisation or enterprise scope: look for waiting jobs in these repositories (`owner/name`) only. */
  readonly repositories?: readonly string[];
  /** Every label the declared pools carry (older Forgejo lists waiting jobs only for labels it is given). */
  readonly declaredLabels: readonly string[];
  /** The forge version the fleet declares, when it does (Forgejo lists runners from 15). */
  readonly version?: string;
  /** The clock (tests fix it). @default () => new Date() */
  readonly now?: () => Date;
}

export interface StatusClient {
  /** Runners registered at the scope and jobs waiting for one (queued, or in a run still going). */
  snapshot(): Promise<ForgeSnapshot>;
  /** The API call that removes a runner, e.g. `DELETE https://api.github.com/orgs/acme/actions/runners/42`. */
  deleteCall(id: number): string;
  /** Removes a registered runner: the only call that changes anything on the forge. */
  deleteRunner(id: number): Promise<void>;
}
