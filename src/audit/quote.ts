/**
 * Input text as it may appear in a message or a finding: credential-shaped parts replaced (see
 * `model/credential-shape.ts`), control characters escaped and long text cut, so that a message
 * never echoes a secret and never grows with the input.
 */
import { redactCredentials } from "../model/credential-shape.ts";

/** Longest piece of input text a message quotes. */
export const MAX_QUOTED = 80;

/** `text` for a message: redacted, control characters escaped, at most {@link MAX_QUOTED} characters. */
export function safeText(text: string, max = MAX_QUOTED): string {
  // Short words (no URL, no parameter, under 20 characters) have no credential shape: kept as they are.
  if (text.length <= max && /^[\w./ -]{0,19}$/.test(text)) return text;
  // Redact before cutting, so that a cut cannot split a credential into shapes no pattern matches.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  // eslint-disable-next-line no-control-regex
  const clean = redactCredentials(head).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  return clean.length > max || head !== text ? `${clean.slice(0, max - 1)}…` : clean;
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
