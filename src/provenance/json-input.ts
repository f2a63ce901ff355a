/**
 * A strict check of JSON text before it is parsed, for files people (or attackers) hand to
 * `verify`: where the first syntax error is (line, column and key path, never an excerpt of the
 * text, which `JSON.parse`'s own messages quote), keys repeated in one object (which `JSON.parse`
 * silently resolves to the last one), and nesting deeper than a limit. One pass, no recursion, so
 * that neither a deep nor a large file can overflow the stack.
 */
import { inputExcerpt } from "../model/input-excerpt.ts";

/** A problem of JSON text: where it is and what is wrong. */
export interface JsonProblem {
  readonly line: number;
  readonly column: number;
  /** Key path of the value where it was found, e.g. `files[3].path`; "" for the top level. */
  readonly path: string;
  readonly message: string;
}

interface Frame {
  readonly object: boolean;
  /** Keys seen so far (objects). */
  readonly keys: Set<string>;
  /** The current key (objects) or index (arrays). */
  key: string;
  index: number;
}

const WHITESPACE = /[ \t\n\r]*/y;
// eslint-disable-next-line no-control-regex
const STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function pathOf(stack: readonly Frame[]): string {
  let out = "";
  for (const f of stack) {
    if (!f.object) out += `[${f.index}]`;
    else if (f.key !== "") out += IDENTIFIER.test(f.key) && f.key.length <= 60 ? `${out === "" ? "" : "."}${f.key}` : `[${JSON.stringify(inputExcerpt(f.key, 40))}]`;
  }
  return out;
}

/**
 * Checks `text` as one JSON value (RFC 8259). Returns the problems found: the first syntax error
 * or nesting past `maxDepth` (either ends the check), and up to `maxDuplicates` repeated keys.
 * An empty list means `JSON.parse(text)` succeeds and loses no key.
 */
export function checkJson(text: string, maxDepth: number, maxDuplicates = 20): JsonProblem[] {
  const problems: JsonProblem[] = [];
  const stack: Frame[] = [];
  const position = (at: number) => {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, column: at - lineStart + 1 };
  };
  const problem = (at: number, message: string, path = pathOf(stack)): JsonProblem[] => {
    problems.push({ ...position(at), path, message });
    return problems;
  };
  const skip = (at: number) => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    return WHITESPACE.lastIndex;
  };
  /** End of the string starting at `at` (a `"`), or a negative number: -(offset of the error) - 1. */
  const stringEnd = (at: number): number => {
    let i = at + 1;
    for (;;) {
      STRING_RUN.lastIndex = i;
      STRING_RUN.exec(text);
      i = STRING_RUN.lastIndex;
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return -(i + 1);
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
        else return -(i + 1);
        continue;
      }
      return -(i + 1);
    }
  };
  const stringError = (end: number): JsonProblem[] => {
    const at = -end - 1;
    if (at >= text.length) return problem(at, "a string is not closed before the end of the file");
    if (text.charCodeAt(at) === 0x5c) return problem(at, "a string holds an invalid escape (\\ must be followed by \", \\, /, b, f, n, r, t or u and four hex digits)");
    return problem(at, "a string holds a control character (a line break or tab must be written \\n or \\t)");
  };
  /** Reads the key at `at` into the top frame; returns the offset after its colon, or a problem list. */
  const readKey = (at: number): number | JsonProblem[] => {
    const top = stack[stack.length - 1]!;
    if (text.charCodeAt(at) !== 0x22) return problem(at, at >= text.length ? "the file ends inside an object" : "expected a key in double quotes");
    const end = stringEnd(at);
    if (end < 0) return stringError(end);
    const raw = text.slice(at + 1, end - 1);
    const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
    if (top.keys.has(key)) {
      top.key = key;
      if (problems.length < maxDuplicates) problem(at, "repeats a key of the same object, so one of its two values would be silently lost");
    }
    top.keys.add(key);
    top.key = key;
    const colon = skip(end);
    if (text.charCodeAt(colon) !== 0x3a) return problem(colon, colon >= text.length ? "the file ends after a key" : "expected : after the key");
    return skip(colon + 1);
  };

  let i = skip(0);
  let expectValue = true;
  for (;;) {
    if (expectValue) {
      const c = text.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= maxDepth) return problem(i, `nests objects and lists deeper than ${maxDepth} levels`);
        stack.push({ object: c === 0x7b, keys: new Set(), key: "", index: 0 });
        i = skip(i + 1);
        if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
          stack.pop();
          i = skip(i + 1);
          expectValue = false;
          continue;
        }
        if (c === 0x7b) {
          const next = readKey(i);
          if (typeof next !== "number") return next;
          i = next;
        }
        continue;
      }
      if (c === 0x22) {
        const end = stringEnd(i);
        if (end < 0) return stringError(end);
        i = skip(end);
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return problem(i, "holds a malformed number");
        i = skip(NUMBER.lastIndex);
      } else if (text.startsWith("true", i) || text.startsWith("null", i)) i = skip(i + 4);
      else if (text.startsWith("false", i)) i = skip(i + 5);
      else return problem(i, i >= text.length ? (stack.length === 0 && i === skip(0) ? "is empty: it holds no JSON value" : "the file ends where a value should be") : "expected a value (an object, a list, a string in double quotes, a number, true, false or null)");
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < text.length ? problem(i, "has more text after the JSON value ends") : problems;
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i = skip(i + 1);
      if (top.object) {
        const next = readKey(i);
        if (typeof next !== "number") return next;
        i = next;
      } else top.index++;
      expectValue = true;
      continue;
    }
    if (c === (top.object ? 0x7d : 0x5d)) {
      stack.pop();
      i = skip(i + 1);
      continue;
    }
    return problem(i, i >= text.length ? `the file ends inside ${top.object ? "an object" : "a list"}` : `expected , or ${top.object ? "}" : "]"}`);
  }
}
