/**
 * Input text as it may appear in a message or a finding: credential-shaped parts replaced (see
 * `model/credential-shape.ts`), control characters escaped and long text cut, so that a message
 * never echoes a secret and never grows with the input.
 */
import { inputExcerpt } from "../model/input-excerpt.ts";

/** Longest piece of input text a message quotes. */
export const MAX_QUOTED = 80;

/** `text` for a message: redacted, control characters escaped, at most {@link MAX_QUOTED} characters (see `inputExcerpt`). */
export function safeText(text: string, max = MAX_QUOTED): string {
  return inputExcerpt(text, max);
}

/** `text` in double quotes, made safe by {@link safeText}. */
export function quote(text: string, max = MAX_QUOTED): string {
  return `"${safeText(text, max)}"`;
}

/** Any value for a message without quotes around strings (`is Unconfined`), made safe. */
export function safeValue(value: unknown, max = MAX_QUOTED): string {
  return typeof value === "string" ? safeText(value, max) : quoteValue(value, max);
}

/** Any value for a message: strings quoted, other values as compact JSON, all made safe. */
export function quoteValue(value: unknown, max = MAX_QUOTED): string {
  if (typeof value === "string") return quote(value, max);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return safeText(text, max);
}

/** What kind of value `value` is, in words: `a list`, `a mapping`, `null`, `a number`. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return `a ${typeof value}`;
}

/** A key path for a message (the one formatter, `keyPathText`): `spec.containers[0].name`, `metadata.labels["app.kubernetes.io/name"]`. */
export { keyPathText as formatKeyPath } from "../model/input-excerpt.ts";
