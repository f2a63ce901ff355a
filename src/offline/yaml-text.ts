/**
 * YAML text of a rendered object, exactly as `stringify(value, { lineWidth: 0 })` of the `yaml`
 * package writes it, without building the package's document tree first. Kubernetes objects are
 * plain data (mappings, lists, one-line strings, integers, booleans, null), which this writes
 * directly: a render writes hundreds of them, and the document tree cost more than the rest of
 * the write. Anything else in a value (non-ASCII strings, multi-line strings other than plain
 * literal blocks, fractions, undefined, class instances) sends the whole value to the `yaml`
 * package, so the text is always the same.
 */
import { yamlPackage } from "../model/yaml-package.ts";

const OPTIONS = { lineWidth: 0 } as const;

/** Thrown inside the fast writer when a value needs the `yaml` package. */
const FALLBACK = Symbol("yaml fallback");

/** One-line ASCII text without the characters YAML gives a meaning to at the start or inside. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+=:()~, -]*$/;
/** Words the YAML 1.1 and 1.2 schemas read as booleans or null (some quoted by `yaml`, some not: asked). */
const KEYWORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
/** Printable ASCII on one line: the `yaml` package may quote it, but never writes it on several lines. */
const ONE_LINE = /^[\x20-\x7e]*$/;

/** How `yaml` writes strings that the plain test cannot decide (numbers, keywords, indicators). */
const asked = new Map<string, string>();

/** One-line ASCII text starting with a digit, `.` or `-` (not `- `): plain unless it could be a number. */
const PLAIN_LEADING = /^(?:[0-9.]|-(?=[^ ]))[A-Za-z0-9_./@+=:()~, -]*$/;
/** A superset of what YAML (1.1 or 1.2) could read as a number, or a document marker: asked. */
const NUMBER_LIKE = /^[-+.0-9][0-9a-fox._+:-]*$|^[-+]?\.(?:inf|nan)$|^(?:---|\.\.\.)/i;

/** Strings YAML would read as an integer, a boolean or null, which `yaml` writes double-quoted. */
const QUOTED = /^(?:[0-9]{1,15}|true|false|null)$/;

function scalarString(s: string): string {
  if (s.length <= 1024 && (PLAIN.test(s) || (PLAIN_LEADING.test(s) && !NUMBER_LIKE.test(s))) && !KEYWORDS.test(s) && !s.endsWith(" ") && !s.endsWith(":") && !s.includes(": ") && !s.includes(" #")) return s;
  // Digits and the core schema's lower-case keywords: double-quoted, as `yaml` writes them.
  if (QUOTED.test(s)) return `"${s}"`;
  const known = asked.get(s);
  if (known !== undefined) return known;
  // Document markers are quoted or not depending on the depth; long keys become explicit keys.
  if (s.length > 1024 || !ONE_LINE.test(s) || /^(?:%|---|\.\.\.)/.test(s)) throw FALLBACK;
  const text = yamlPackage().stringify(s, OPTIONS).slice(0, -1);
  if (text.includes("\n")) throw FALLBACK;
  if (asked.size < 10_000) asked.set(s, text);
  return text;
}

/** Printable ASCII over several lines. */
const MULTI_LINE = /^[\x20-\x7e\n]*\n[\x20-\x7e\n]*$/;

/**
 * A multi-line value as `yaml` writes it, a literal block scalar (`|` or `|-`) with its lines at
 * `inner`, when it is one of the plain cases: no leading space or newline (an indentation
 * indicator), at most one trailing newline (`|+`), no line ending in a space, no document marker.
 */
function literalBlock(s: string, inner: string): string | undefined {
  if (!MULTI_LINE.test(s) || s.startsWith(" ") || s.startsWith("\n") || s.endsWith("\n\n") || / \n| $/.test(s) || /^(?:---|\.\.\.)/m.test(s)) return undefined;
  const clip = s.endsWith("\n");
  let out = clip ? "|" : "|-";
  for (const line of (clip ? s.slice(0, -1) : s).split("\n")) out += line === "" ? "\n" : `\n${inner}${line}`;
  return out;
}

/** A value (not a key) whose lines, if it has several, sit at `inner`. */
function scalar(v: unknown, inner: string): string {
  if (typeof v === "string") return (v.includes("\n") ? literalBlock(v, inner) : undefined) ?? scalarString(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null) return "null";
  if (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
  throw FALLBACK;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `- ` before the first line of a block that `block` wrote at `indent` + 2 spaces. */
function item(block: string, indent: string): string {
  return `${indent}- ${block.slice(indent.length + 2)}`;
}

/** A non-empty collection as lines (each ending in a newline) at `indent`; empty ones are inline. */
function block(v: object, indent: string, depth: number): string {
  if (depth > 100) throw FALLBACK;
  const inner = `${indent}  `;
  let out = "";
  if (Array.isArray(v)) {
    for (const x of v as unknown[]) {
      if (x !== null && typeof x === "object") {
        const inline = emptyCollection(x);
        out += inline !== undefined ? `${indent}- ${inline}\n` : item(block(x, inner, depth + 1), indent);
      } else {
        out += `${indent}- ${scalar(x, inner)}\n`;
      }
    }
    return out;
  }
  if (!isPlainObject(v)) throw FALLBACK;
  for (const key of Object.keys(v)) {
    const x = v[key];
    const k = scalarString(key);
    if (x !== null && typeof x === "object") {
      const inline = emptyCollection(x);
      out += inline !== undefined ? `${indent}${k}: ${inline}\n` : `${indent}${k}:\n${block(x, inner, depth + 1)}`;
    } else {
      out += `${indent}${k}: ${scalar(x, inner)}\n`;
    }
  }
  return out;
}

/** `{}` or `[]` for an empty mapping or list, else undefined. */
function emptyCollection(v: object): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? "[]" : undefined;
  if (!isPlainObject(v)) throw FALLBACK;
  for (const _ in v) return undefined;
  return "{}";
}

/** YAML text of `value`, byte for byte what `stringify(value, { lineWidth: 0 })` returns. */
export function yamlText(value: unknown): string {
  if (value !== null && typeof value === "object") {
    try {
      const inline = emptyCollection(value);
      return inline !== undefined ? `${inline}\n` : block(value, "", 0);
    } catch (e) {
      if (e !== FALLBACK) throw e;
    }
  }
  return yamlPackage().stringify(value, OPTIONS);
}
