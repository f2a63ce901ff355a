/**
 * Configuration problems. Validation collects every problem at once; each names the key path
 * (e.g. `runners[1].replicas`), what is wrong, and how to fix it.
 */
export interface ConfigIssue {
  /** Key path in the user's config, e.g. `runners[1].replicas`; empty for the whole document. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** Thrown when a configuration has one or more problems; nothing has been rendered. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], subject = "configuration", options?: ErrorOptions) {
    super(`${subject} has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n${issues.map(formatIssue).join("\n")}`, options);
    this.name = "ConfigError";
    this.issues = issues;
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
