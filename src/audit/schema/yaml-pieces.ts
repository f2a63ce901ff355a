/**
 * A YAML stream looked at before any document is composed: cut into one piece per document at its
 * markers, with line and column arithmetic over the whole text, and each piece's syntax tree and
 * tokens measured against the limits (nesting, aliases and tags, token count).
 */
import { type CST, Lexer } from "yaml";

/** Counts line breaks in `text` between two offsets, forward or backward. */
export function newlinesBetween(text: string, from: number, to: number): number {
  let count = 0;
  const [a, b] = from <= to ? [from, to] : [to, from];
  for (let i = text.indexOf("\n", a); i !== -1 && i < b; i = text.indexOf("\n", i + 1)) count++;
  return from <= to ? count : -count;
}

/** 1-based line and column of `offset`, counted from a known line start. */
export function position(text: string, baseOffset: number, baseLine: number, offset: number): { line: number; col: number } {
  const line = baseLine + newlinesBetween(text, baseOffset, offset);
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return { line, col: offset - lineStart + 1 };
}

/** A document marker: `---` or `...` at the start of a line, followed by a blank, a line break or the end. */
const MARKER = /(?<![^\n])(---|\.\.\.)(?=[ \t\r\n]|$)/g;

/** Whether `text[from, to)` holds only blank lines, comments and directives, with at least one directive. */
function isDirectivePrelude(text: string, from: number, to: number): boolean {
  let directive = false;
  for (const line of text.slice(from, to).split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    if (!line.startsWith("%")) return false;
    directive = true;
  }
  return directive;
}

/**
 * The pieces of a YAML stream that each hold (at most) one document: cut before every `---` line
 * (directives stay with the `---` they precede) and after every `...` line.
 */
export function* documentPieces(text: string): Generator<{ readonly start: number; readonly end: number }> {
  let start = 0;
  let afterDocEnd = false;
  const re = new RegExp(MARKER.source, "g");
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const i = m.index;
    if (m[1] === "---") {
      if (i > start && !(afterDocEnd && isDirectivePrelude(text, start, i))) {
        yield { start, end: i };
        start = i;
      }
      afterDocEnd = false;
    } else {
      const eol = text.indexOf("\n", i);
      const next = eol === -1 ? text.length : eol + 1;
      yield { start, end: next };
      start = next;
      afterDocEnd = true;
      re.lastIndex = next;
    }
  }
  if (start < text.length) yield { start, end: text.length };
}

/** What the syntax tree of one document holds: its nesting, and whether it uses aliases or tags. */
export interface TreeFacts {
  readonly depth: number;
  readonly special: boolean;
  /** Where the nesting first goes beyond the limit. */
  readonly deepAt?: number;
}

/** Nesting depth of a document's syntax tree (stopping once above `limit`), and whether it has aliases or tags. */
export function treeFacts(doc: CST.Document, limit: number): TreeFacts {
  let depth = 0;
  let special = false;
  const props = (tokens: readonly CST.Token[] | undefined) => {
    if (tokens) for (const t of tokens) if (t.type === "tag") special = true;
  };
  props(doc.start);
  const stack: [CST.Token, number][] = doc.value ? [[doc.value, 0]] : [];
  while (stack.length > 0) {
    const [token, level] = stack.pop()!;
    switch (token.type) {
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const inner = level + 1;
        if (inner > depth) depth = inner;
        if (depth > limit) return { depth, special, deepAt: token.offset };
        for (const item of token.items) {
          props(item.start);
          if ("sep" in item) props(item.sep);
          if ("key" in item && item.key) stack.push([item.key, inner]);
          if (item.value) stack.push([item.value, inner]);
        }
        break;
      }
      case "alias":
        special = true;
        break;
      case "block-scalar":
        props(token.props);
        break;
      default:
        break;
    }
  }
  return { depth, special };
}

/** Counts the lexer tokens of `source`, stopping once above `limit`. */
export function tokensAbove(source: string, limit: number): boolean {
  let n = 0;
  for (const _token of new Lexer().lex(source)) if (++n > limit) return true;
  return false;
}
