/**
 * Multi-document YAML read one document at a time, within limits. The text is cut at its document
 * markers (`---` and `...` at the start of a line, which YAML never allows inside a document), and
 * each piece is parsed on its own with the yaml package's Parser and Composer, so memory follows
 * the largest document, not the file. Before a piece is composed, its size, its token count and
 * the nesting of its syntax tree are checked; after, aliases are expanded under a budget and
 * recursive aliases are refused. What cannot be read becomes a document that carries the problem,
 * its line and the fix, so one bad document does not hide the others.
 *
 * YAML is read as YAML 1.1, as kubectl reads it (`yes` is a boolean, `0644` octal); timestamps
 * become RFC 3339 strings, as kubectl sends them.
 */
import { Composer, type Document, type DocumentOptions, type ParseOptions, Parser, type SchemaOptions, isAlias, isMap, isScalar, isSeq } from "yaml";
import { firstDuplicateKey } from "../../model/yaml-duplicate-keys.ts";
import { safeText } from "../quote.ts";
import { InputError } from "../input-error.ts";
import { READ_LIMITS, type ReadLimits, formatSize } from "./manifest-bytes.ts";
import type { Locate, SchemaIssue } from "./schema-issues.ts";
import { documentPieces, newlinesBetween, position, tokensAbove, treeFacts } from "./yaml-pieces.ts";
import { checkValueTree, DEPTH_FIX, rfc3339 } from "./value-tree.ts";

export { documentPieces } from "./yaml-pieces.ts";
export { checkValueTree } from "./value-tree.ts";

/** One document read from a file. */
export interface InputDocument {
  /** The file it came from, as given (relative paths stay relative). */
  readonly file: string;
  /** Position of the document in its file, counting from 0 (`---` separates YAML documents). */
  readonly index: number;
  /** The parsed document. */
  readonly doc: unknown;
  /** How the file was written; JSON files without apiVersion and kind are skipped rather than rejected. */
  readonly format?: "yaml" | "json";
  /** 1-based line where the document starts, when known. */
  readonly line?: number;
  /** Set when the document could not be read; `doc` is then undefined. */
  readonly syntaxError?: SchemaIssue;
  /** Every problem that kept the document from being read (at most 20), each with its line and column. */
  readonly problems?: readonly DocumentProblem[];
  /** Finds the source line of a path inside the document (YAML only). */
  readonly locate?: Locate;
  /** The part of the text that holds the document (YAML only): reading it again gives the same document. */
  readonly piece?: { readonly start: number; readonly end: number };
  /** Finds the source line and column of a path inside the document (YAML only). */
  readonly where?: (path: readonly (string | number)[]) => { readonly line: number; readonly col: number } | undefined;
}

/** A problem that kept a document from being read. */
export interface DocumentProblem {
  readonly line: number;
  readonly col: number;
  /** What is wrong, made safe to print (no credential, no long input). */
  readonly message: string;
  readonly fix: string;
  /** A YAML syntax error (as opposed to a document above a limit). */
  readonly syntax: boolean;
}

/** How many more documents a run may read; shared by every file of one run. */
export interface DocumentBudget {
  documents: number;
}

/** Pieces above this size have their tokens counted before they are parsed. */
const COUNT_TOKENS_ABOVE = 256 * 1024;

type TagList = NonNullable<Exclude<SchemaOptions["customTags"], (...args: never[]) => unknown>>;

const TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp";

/** The YAML 1.1 tags with timestamps resolved to strings instead of Date objects. */
function timestampsAsStrings(tags: TagList): TagList {
  return tags.map((t) => {
    if (typeof t !== "object" || t.tag !== TIMESTAMP_TAG || !("resolve" in t)) return t;
    const resolve = t.resolve as (value: string, onError: (message: string) => void, options: ParseOptions) => unknown;
    return { ...t, resolve: (value: string, onError: (message: string) => void, options: ParseOptions) => {
      const resolved = resolve(value, onError, options);
      return resolved instanceof Date ? (rfc3339(resolved) ?? value) : resolved;
    } } as (typeof tags)[number];
  });
}

const COMPOSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  // Warnings (e.g. a mapping used as a key) are not worth a process warning on standard error.
  logLevel: "error",
  customTags: timestampsAsStrings,
  // The package's own check compares each key with every earlier key (minutes on a large
  // mapping); `firstDuplicateKey` finds repeats in one pass instead.
  uniqueKeys: false,
};

const SPLIT_FIX = "split it into several documents, one Kubernetes object each (a kind: List into its items, e.g. with yq '.items[]' -s); runner-fleet refuses larger documents to stay within memory";

function keyMatches(key: unknown, seg: string | number): boolean {
  const value = isScalar(key) ? key.value : key;
  return String(value) === String(seg);
}

/** Finds the offset (inside the document's piece) of a path inside a composed document. */
function offsetFinder(document: Document): (segments: readonly (string | number)[]) => number | undefined {
  return (segments) => {
    let node: unknown = document.contents;
    let offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    let hops = 0;
    for (const seg of segments) {
      while (isAlias(node) && hops++ < 100) node = node.resolve(document);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyMatches(p.key, seg));
        if (!pair) break;
        offset = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) break;
        offset = (item as { range?: [number, number, number] } | null)?.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset;
  };
}

function syntaxFix(code: string): string {
  if (code === "DUPLICATE_KEY") return "remove or rename the repeated key";
  if (code === "BAD_ALIAS" || code === "BAD_ANCHOR") return "define the anchor (&name) before its alias (*name), or write the value out";
  return "correct the YAML there (indentation, quotes, brackets)";
}

/**
 * Every document of a YAML text, one at a time, in order. Empty documents (only comments, or a
 * trailing `---`) are counted in `index` but not yielded. Throws InputError only when the run's
 * document budget is spent.
 */
export function* yamlDocuments(file: string, text: string, limits: ReadLimits = READ_LIMITS, budget: DocumentBudget = { documents: limits.documents }): Generator<InputDocument> {
  let index = 0;
  // Lines are counted forward as the pieces go by; positions inside a piece count from its start.
  let countedTo = 0;
  let countedLine = 1;
  const spend = () => {
    if (--budget.documents < 0) {
      throw new InputError(
        `${file}: more than ${limits.documents.toLocaleString("en-US")} documents in one run`,
        "split the input into parts and run runner-fleet once per part",
      );
    }
  };
  for (const piece of documentPieces(text)) {
    countedLine += newlinesBetween(text, countedTo, piece.start);
    countedTo = piece.start;
    const pieceLine = countedLine;
    const base = piece.start;
    const lineOf = (offset: number) => position(text, base, pieceLine, base + offset).line;
    const broken = (line: number, message: string, fix: string, problems: readonly DocumentProblem[] = [{ line, col: 1, message, fix, syntax: false }]): InputDocument => ({
      file,
      index: index++,
      doc: undefined,
      format: "yaml",
      line,
      syntaxError: { path: "", message, fix, line },
      problems,
    });
    const syntaxProblem = (error: { pos: [number, number]; message: string; code: string }): DocumentProblem => {
      const { line, col } = position(text, base, pieceLine, base + error.pos[0]);
      return { line, col, message: safeText(error.message.split("\n")[0] ?? "", 200), fix: syntaxFix(error.code), syntax: true };
    };
    const syntaxDocument = (errors: readonly { pos: [number, number]; message: string; code: string }[]): InputDocument => {
      const problems = errors.slice(0, 20).map(syntaxProblem);
      const first = problems[0]!;
      return broken(first.line, `YAML syntax error: ${first.message} (line ${first.line}, column ${first.col})`, first.fix, problems);
    };
    const size = piece.end - piece.start;
    const source = text.slice(piece.start, piece.end);
    const firstLine = () => pieceLine + (/^---[ \t]*\r?\n/.test(source) ? 1 : 0);

    if (size > limits.documentBytes) {
      spend();
      yield broken(firstLine(), `the document is ${formatSize(size)}, above the ${formatSize(limits.documentBytes)} limit for one document`, SPLIT_FIX);
      continue;
    }
    if (size > COUNT_TOKENS_ABOVE && tokensAbove(source, limits.documentTokens)) {
      spend();
      yield broken(firstLine(), `the document holds more than ${limits.documentTokens.toLocaleString("en-US")} YAML tokens (keys, values, brackets)`, SPLIT_FIX);
      continue;
    }

    const tokens = Array.from(new Parser().parse(source));
    let special = false;
    let deep: number | undefined;
    let documents = 0;
    for (const token of tokens) {
      if (token.type !== "document") continue;
      documents++;
      const facts = treeFacts(token, limits.depth);
      special ||= facts.special;
      if (facts.depth > limits.depth) deep ??= facts.deepAt ?? token.value?.offset ?? token.offset;
    }
    if (deep !== undefined) {
      for (let k = 0; k < Math.max(1, documents); k++) spend();
      const result = broken(lineOf(deep), `the document nests more than ${limits.depth} levels deep`, DEPTH_FIX(limits.depth));
      index += Math.max(0, documents - 1);
      yield result;
      continue;
    }

    const composer = new Composer(COMPOSE_OPTIONS);
    const composed: Document.Parsed[] = [];
    for (const token of tokens) for (const doc of composer.next(token)) composed.push(doc as Document.Parsed);
    for (const doc of composer.end()) composed.push(doc as Document.Parsed);
    tokens.length = 0;
    if (composed.length === 0) {
      // Only comments and directives, or a stray token: nothing to read unless it is an error.
      const stray = composer.streamInfo().errors;
      if (stray.length > 0) {
        spend();
        yield syntaxDocument(stray);
      }
      continue;
    }
    for (const document of composed) {
      spend();
      const start = (document.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? document.range[0];
      const line = lineOf(start);
      const duplicate = firstDuplicateKey(document);
      const errors: { pos: [number, number]; message: string; code: string }[] = [...document.errors];
      if (duplicate !== undefined) errors.push({ pos: [duplicate, duplicate + 1], message: "Map keys must be unique", code: "DUPLICATE_KEY" });
      if (errors.length > 0) {
        yield syntaxDocument(errors.sort((a, b) => a.pos[0] - b.pos[0]));
        continue;
      }
      let doc: unknown;
      try {
        doc = document.toJS({ maxAliasCount: limits.aliases });
      } catch (e) {
        const message = (e as Error).message;
        if (/alias count/i.test(message)) {
          yield broken(line, `YAML aliases (*name) are used too often: more than ${limits.aliases} alias uses, which expands the document exponentially`, "write the repeated parts out; Kubernetes keeps no anchors or aliases anyway");
        } else {
          const fix = /merge/i.test(message) ? "a merge key (<<) takes a mapping or a list of mappings (or aliases of them)" : /alias/i.test(message) ? syntaxFix("BAD_ALIAS") : "correct the YAML there";
          yield broken(line, `YAML error: ${safeText(message, 200)}`, fix);
        }
        continue;
      }
      if (doc === null || doc === undefined) {
        index++;
        continue;
      }
      if (special) {
        const checked = checkValueTree(doc, limits);
        if ("problem" in checked) {
          yield broken(line, checked.problem.message, checked.problem.fix);
          continue;
        }
        doc = checked.value;
      }
      const find = offsetFinder(document);
      const locate: Locate = (segments) => {
        const offset = find(segments);
        return offset === undefined ? undefined : lineOf(offset);
      };
      const where = (segments: readonly (string | number)[]) => {
        const offset = find(segments);
        return offset === undefined ? undefined : position(text, base, pieceLine, base + offset);
      };
      yield { file, index: index++, doc, format: "yaml", line, locate, where, piece };
    }
  }
}
