/**
 * Where a Forgejo runner registers: the whole instance, one organisation, one repository, or the
 * account that owns the API token. The config form is a short string (`forge.scope`):
 * `"instance"`, `"org/<name>"`, `"repo/<owner>/<name>"` or `"user"`.
 */
import { type ConfigIssue, ConfigError } from "./issues.ts";

/** A runner registration scope on a Forgejo forge. */
export type ForgejoRunnerScope =
  | { readonly kind: "instance" }
  | { readonly kind: "org"; readonly org: string }
  | { readonly kind: "repo"; readonly owner: string; readonly repo: string }
  | { readonly kind: "user" };

/** The config key that holds the scope string. */
export const FORGEJO_SCOPE_KEY = "forge.scope";

const SCOPE_FORMS = '"instance", "user", "org/<organisation>" or "repo/<owner>/<repository>"';
const SCOPE_FIX = `write one of ${SCOPE_FORMS}, e.g. "org/acme" or "repo/acme/app"`;

/**
 * Forgejo user and organisation names: letters, digits and single `-`, `_` or `.` between them
 * (Forgejo refuses consecutive or trailing punctuation).
 */
const OWNER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9]))*$/;
/** Forgejo repository names: letters, digits, `-`, `_` and `.`; never `.` or `..`. */
const REPO_NAME = /^[-_.A-Za-z0-9]+$/;
const MAX_OWNER = 40;
const MAX_REPO = 100;

function ownerProblem(name: string, what: string): string | undefined {
  if (name === "") return `the ${what} name is empty`;
  if (name.length > MAX_OWNER) return `the ${what} name is longer than ${MAX_OWNER} characters`;
  if (!OWNER_NAME.test(name)) return `the ${what} name "${name}" is not a Forgejo ${what} name`;
  return undefined;
}

function repoProblem(name: string): string | undefined {
  if (name === "") return "the repository name is empty";
  if (name.length > MAX_REPO) return `the repository name is longer than ${MAX_REPO} characters`;
  if (!REPO_NAME.test(name) || name === "." || name === "..") return `the repository name "${name}" is not a Forgejo repository name`;
  return undefined;
}

const NAME_FIX =
  "use the name as it appears in the forge's URLs: letters, digits and single -, _ or . between them (repository names may also start or end with them)";

/** Every problem with a scope built in code (names that Forgejo would not accept), at `path`. */
export function forgejoRunnerScopeIssues(scope: ForgejoRunnerScope, path: string = FORGEJO_SCOPE_KEY): ConfigIssue[] {
  const problems: string[] = [];
  switch (scope.kind) {
    case "instance":
    case "user":
      break;
    case "org": {
      const p = ownerProblem(scope.org, "organisation");
      if (p) problems.push(p);
      break;
    }
    case "repo": {
      const p = ownerProblem(scope.owner, "owner");
      if (p) problems.push(p);
      const r = repoProblem(scope.repo);
      if (r) problems.push(r);
      break;
    }
    default: {
      const never: never = scope;
      problems.push(`unknown scope kind ${JSON.stringify((never as { kind?: unknown }).kind)}`);
    }
  }
  return problems.map((message) => ({ path, message, fix: message.startsWith("unknown") ? SCOPE_FIX : NAME_FIX }));
}

/**
 * Parses the config form of a scope. Throws a {@link ConfigError} naming `path` (default
 * `forge.scope`) and the accepted forms.
 */
export function parseForgejoRunnerScope(value: unknown, path: string = FORGEJO_SCOPE_KEY): ForgejoRunnerScope {
  if (typeof value !== "string") {
    throw new ConfigError([{ path, message: value === undefined ? "is required" : "must be a string", fix: SCOPE_FIX }]);
  }
  const parts = value.split("/");
  const [kind, ...names] = parts;
  let scope: ForgejoRunnerScope | undefined;
  if (kind === "instance" && names.length === 0) scope = { kind: "instance" };
  else if (kind === "user" && names.length === 0) scope = { kind: "user" };
  else if (kind === "org" && names.length === 1) scope = { kind: "org", org: names[0] ?? "" };
  else if (kind === "repo" && names.length === 2) scope = { kind: "repo", owner: names[0] ?? "", repo: names[1] ?? "" };
  if (scope === undefined) {
    throw new ConfigError([{ path, message: `${describeBadScope(value)} is not a runner scope`, fix: SCOPE_FIX }]);
  }
  const issues = forgejoRunnerScopeIssues(scope, path);
  if (issues.length > 0) throw new ConfigError(issues);
  return scope;
}

function describeBadScope(value: string): string {
  if (value === "") return "an empty string";
  // A scope is short and never secret; still, do not echo something long or multi-line.
  return value.length <= 120 && !/\p{Cc}/u.test(value) ? `"${value}"` : "the value";
}

/** The config form of a scope, e.g. `repo/acme/app`; the inverse of {@link parseForgejoRunnerScope}. */
export function formatForgejoRunnerScope(scope: ForgejoRunnerScope): string {
  switch (scope.kind) {
    case "instance":
      return "instance";
    case "user":
      return "user";
    case "org":
      return `org/${scope.org}`;
    case "repo":
      return `repo/${scope.owner}/${scope.repo}`;
  }
}
