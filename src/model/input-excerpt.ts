/**
 * Input as messages may show it: excerpts with credentials redacted and control characters
 * escaped, key paths that no key can forge, values named by kind, and one bounded error for a list
 * of issues. Every reader of files people write (profiles, workflows, records) words its
 * messages with these, so that no message echoes a secret or a runaway value.
 */
import { CREDENTIAL_REDACTED, looksLikeCredential, redactCredentials } from "./credential-shape.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";

/**
 * Input text as it may appear in a message: credential shapes replaced, control characters
 * escaped (no terminal escape sequences), at most `max` characters.
 */
export function inputExcerpt(text: string, max = 60): string {
  // Short words (no URL, no parameter, under 20 characters) have no credential shape: kept as they are.
  if (text.length <= max && /^[\w./ -]{0,19}$/.test(text)) return text;
  // Redact a window wider than what is shown, so that a credential cut by the window stays whole
  // in what is shown (the credential patterns are slow on very long runs, hence the window).
  const window = text.length > max + 1000 ? text.slice(0, max + 1000) : text;
  // eslint-disable-next-line no-control-regex
  const safe = redactCredentials(window).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  if (safe.length <= max && window === text) return safe;
  const shown = `${safe.slice(0, max - 1)}…`;
  // A credential longer than the window, cut: show none of it.
  return CREDENTIAL_PREFIX.test(shown.slice(0, -1)) ? CREDENTIAL_REDACTED : shown;
}

/** The start of a known credential shape, for text cut short before a whole credential could be matched. */
const CREDENTIAL_PREFIX = /gh[pousr]_[A-Za-z0-9]{4}|github_pat_|glpat-|hv[sbr]\.[A-Za-z0-9_-]{4}|eyJ[A-Za-z0-9_-]{8}|A[KS]IA[A-Z0-9]{4}|-----BEGIN/;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A key path as messages show it: `profiles[1].labels`, `metadata.labels["app.kubernetes.io/name"]`.
 * A key that is not a plain name (or is long, or credential-shaped) is written in brackets and
 * quotes, its quotes and backslashes escaped and the rest made safe by {@link inputExcerpt} (at
 * most `max` characters), so that no key can pass for part of the path or show a secret.
 */
export function keyPathText(path: readonly PropertyKey[], max = 80): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") {
      out += `[${part}]`;
      continue;
    }
    const key = String(part);
    if (PLAIN_KEY.test(key) && key.length <= 80 && !looksLikeCredential(key)) out += out === "" ? key : `.${key}`;
    else out += `["${inputExcerpt(key.replace(/["\\]/g, (c) => `\\${c}`), max)}"]`;
  }
  return out;
}

/** Most issues listed in one error; the rest are counted (a garbage file can have thousands). */
export const MAX_ISSUES = 50;

/**
 * The {@link ConfigError} for `issues`: each issue's path and texts shortened and redacted, so
 * that no credential and no runaway value is echoed, and at most {@link MAX_ISSUES} of them listed
 * (the message says how many there are in all; `total` when only the first were built).
 */
export function inputError(issues: readonly ConfigIssue[], subject: string, total = issues.length): ConfigError {
  const kept = issues.slice(0, MAX_ISSUES).map((i) => ({ path: inputExcerpt(i.path, 200), message: inputExcerpt(i.message, 2000), fix: inputExcerpt(i.fix, 2000) }));
  const error = new ConfigError(kept, inputExcerpt(subject, 300));
  const all = Math.max(total, issues.length);
  if (all > kept.length) error.message = error.message.replace(/ has \d+ problems?:\n/, ` has ${all} problems; the first ${kept.length} are listed:\n`);
  return error;
}

/** What a parsed YAML value is, in words. */
export function describeValue(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return "a number";
  if (typeof v === "boolean") return "true or false";
  return typeof v;
}
