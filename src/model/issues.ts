/**
 * Configuration problems. Validation collects every problem at once; each names the key path
 * (e.g. `runners[1].replicas`), what is wrong, and how to fix it.
 */
import { redactCredentials } from "./credential-shape.ts";

export interface ConfigIssue {
  /** Key path in the user's config, e.g. `runners[1].replicas`; empty for the whole document. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** At most this many problems are spelled out in a message; the rest are counted. */
const MAX_LISTED = 50;

/**
 * Thrown when a configuration has one or more problems; nothing has been rendered. Nothing
 * credential-shaped survives in its issues or message (see `credential-shape.ts`).
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], subject = "configuration", options?: ErrorOptions) {
    const clean = issues.map((i) => ({ path: redactCredentials(i.path), message: redactCredentials(i.message), fix: redactCredentials(i.fix) }));
    const listed = clean.slice(0, MAX_LISTED).map(formatIssue);
    if (clean.length > MAX_LISTED) listed.push(`  … and ${clean.length - MAX_LISTED} more problems of the same kinds`);
    super(`${redactCredentials(subject)} has ${clean.length} problem${clean.length === 1 ? "" : "s"}:\n${listed.join("\n")}`, options);
    this.name = "ConfigError";
    this.issues = clean;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `  - ${issue.path || "(root)"}: ${issue.message}. Fix: ${issue.fix}`;
}

/** Formats a path of keys and indices the way users write it: `runners[1].env[0].name`. */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
