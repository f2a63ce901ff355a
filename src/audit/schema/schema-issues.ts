/**
 * Turns ajv's errors into issues a person can act on: each names the field's path as it is written
 * in a manifest (`spec.template.spec.containers[0].image`), what is wrong, and how to fix it. Values
 * from the document are never quoted (they may be secrets); field names are.
 */
import type { ErrorObject } from "ajv";
import { formatKeyPath, quote } from "../quote.ts";

/** One schema violation in a document. */
export interface SchemaIssue {
  /** Path of the offending field, e.g. `spec.template.spec.containers[0].imagePullPolicyy`; empty for the whole document. */
  readonly path: string;
  /** What is wrong, e.g. `unknown field "imagePullPolicyy"`. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** 1-based line of the field (or of its closest existing parent) in the source file, when known. */
  readonly line?: number;
}

/** A step in a document path: a mapping key or a list index. */
export type PathSegment = string | number;

/** Finds the 1-based source line of a path in a document, when the document came from YAML. */
export type Locate = (path: readonly PathSegment[]) => number | undefined;

/** Splits a JSON pointer into keys and list indices, telling them apart by walking the document. */
export function pointerSegments(pointer: string, doc: unknown): PathSegment[] {
  if (pointer === "") return [];
  const out: PathSegment[] = [];
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      const index = Number(key);
      out.push(index);
      node = node[index];
    } else {
      out.push(key);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // No field name is this long: a longer word is no typo, and comparing it would cost its square.
  if (word.length > 128) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0.5 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function listFields(names: readonly string[], max = 15): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, max).join(", ");
  return sorted.length > max ? `${shown}, … (${sorted.length} in all)` : shown;
}

function firstSentence(text: unknown): string | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const sentence = (/^(.*?[.!?])(\s|$)/s.exec(text)?.[1] ?? text).replace(/\s+/g, " ");
  return sentence.length > 100 ? `${sentence.slice(0, 99)}…` : sentence;
}

function properties(schema: unknown): Record<string, unknown> {
  const props = typeof schema === "object" && schema !== null ? (schema as { properties?: unknown }).properties : undefined;
  return typeof props === "object" && props !== null ? (props as Record<string, unknown>) : {};
}

function expectedTypes(type: unknown): string[] {
  const types = (Array.isArray(type) ? type : [type]).map(String);
  const withoutNull = types.filter((t) => t !== "null");
  return withoutNull.length > 0 ? withoutNull : types;
}

function typeFix(expected: readonly string[], value: unknown): string {
  const got = jsonType(value);
  const numeric = expected.includes("integer") || expected.includes("number");
  if (numeric && typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return "write the number without quotes";
  if (numeric && typeof value === "string") return `write ${article(expected.join(" or "))} without quotes, e.g. 2`;
  if (expected.includes("string") && (got === "integer" || got === "number" || got === "boolean")) {
    return "quote the value so that YAML reads it as a string, e.g. \"true\" or \"8080\"";
  }
  if (expected.includes("array")) return "write a list (YAML `- item` entries, or [a, b])";
  if (expected.includes("object")) return "write a mapping of field: value pairs";
  return `change the value to ${article(expected.join(" or "))}`;
}

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  int32: "a 32-bit integer",
  int64: "a 64-bit integer",
  "date-time": "an RFC 3339 date-time such as 2025-01-31T12:00:00Z",
  byte: "base64-encoded data",
  "int-or-string": "an integer or a string",
};

interface RawIssue {
  readonly segments: readonly PathSegment[];
  /** Where to look for the line: the field itself, or its parent when the field is missing. */
  readonly lineSegments: readonly PathSegment[];
  readonly message: string;
  readonly fix: string;
}

function describe(error: ErrorObject, doc: unknown, nested: readonly ErrorObject[]): RawIssue {
  const at = pointerSegments(error.instancePath, doc);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params["additionalProperty"]);
      const known = Object.keys(properties(error.parentSchema));
      const guess = closest(field, known);
      const fix = guess !== undefined
        ? `did you mean "${guess}"? Otherwise remove it`
        : known.length > 0 ? `remove it, or use a known field: ${listFields(known)}` : "remove it: this object takes no fields";
      const segments = [...at, field];
      return { segments, lineSegments: segments, message: `unknown field ${quote(field)}`, fix };
    }
    case "required": {
      const field = String(params["missingProperty"]);
      const what = firstSentence((properties(error.parentSchema)[field] as { description?: unknown } | undefined)?.description);
      return { segments: [...at, field], lineSegments: at, message: `missing required field "${field}"`, fix: what ? `add "${field}": ${what}` : `add "${field}"` };
    }
    case "type": {
      const expected = expectedTypes(params["type"]);
      return { segments: at, lineSegments: at, message: `must be ${expected.join(" or ")}, got ${jsonType(error.data)}`, fix: typeFix(expected, error.data) };
    }
    case "oneOf":
    case "anyOf": {
      const sameSpot = nested.filter((e) => e.instancePath === error.instancePath);
      if (nested.length > 0 && sameSpot.length === nested.length && nested.every((e) => e.keyword === "type")) {
        const expected = [...new Set(nested.flatMap((e) => expectedTypes((e.params as { type?: unknown }).type)))];
        return { segments: at, lineSegments: at, message: `must be ${expected.join(" or ")}, got ${jsonType(error.data)}`, fix: typeFix(expected, error.data) };
      }
      if (nested.length === 0) {
        const message = error.data === null ? "must not be null" : "matches more than one of the allowed forms";
        return { segments: at, lineSegments: at, message, fix: error.data === null ? "remove the field or give it a value" : "remove the fields that belong to the other forms" };
      }
      const forms = [...new Set(nested.map((e) => e.message ?? e.keyword))].join("; or ");
      return { segments: at, lineSegments: at, message: "does not match any of the allowed forms", fix: `make it satisfy one of: ${forms}` };
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[] | undefined) ?? [];
      const shown = allowed.slice(0, 12).map((v) => JSON.stringify(v)).join(", ") + (allowed.length > 12 ? ", …" : "");
      const guess = typeof error.data === "string" ? closest(error.data, allowed.filter((v): v is string => typeof v === "string")) : undefined;
      return { segments: at, lineSegments: at, message: `must be one of: ${shown}`, fix: guess !== undefined ? `did you mean "${guess}"?` : "use one of the listed values" };
    }
    case "const":
      return { segments: at, lineSegments: at, message: `must be ${JSON.stringify(params["allowedValue"])}`, fix: `set it to ${JSON.stringify(params["allowedValue"])}` };
    case "format": {
      const format = String(params["format"]);
      const words = FORMAT_WORDS[format] ?? `a valid ${format}`;
      return { segments: at, lineSegments: at, message: `must be ${words}`, fix: `change the value to ${words}` };
    }
    default: {
      const message = error.message ?? `fails the "${error.keyword}" rule of the schema`;
      return { segments: at, lineSegments: at, message, fix: `change the value so that it ${message.replace(/^must/, "will")}`.replace(/will NOT/, "does not") };
    }
  }
}

/**
 * Readable issues for the errors of one validation, in document order as ajv found them. Errors
 * inside `oneOf`/`anyOf` alternatives are folded into one issue (`must be string or integer`).
 */
export function schemaIssues(errors: readonly ErrorObject[], doc: unknown, locate?: Locate): SchemaIssue[] {
  const groups = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  const nestedOf = (group: ErrorObject) => errors.filter((e) => e !== group && e.schemaPath.startsWith(`${group.schemaPath}/`));
  const folded = new Set<ErrorObject>();
  for (const group of groups) for (const e of nestedOf(group)) folded.add(e);

  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (folded.has(error)) continue;
    const raw = describe(error, doc, error.keyword === "oneOf" || error.keyword === "anyOf" ? nestedOf(error) : []);
    const path = formatKeyPath(raw.segments);
    const key = `${path}\n${raw.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = locate?.(raw.lineSegments);
    out.push(line === undefined ? { path, message: raw.message, fix: raw.fix } : { path, message: raw.message, fix: raw.fix, line });
  }
  return out;
}
