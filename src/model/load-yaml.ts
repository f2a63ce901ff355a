/**
 * YAML that people wrote, read into plain data within limits: syntax errors and duplicate keys
 * with their lines, nesting, aliases and alias bombs, and size, each refused as a
 * {@link YamlProblem} with its fix. Never throws.
 */
import { isAlias, isCollection, isPair, LineCounter, parseDocument, type Document } from "yaml";
import { inputExcerpt } from "./input-excerpt.ts";
import { firstDuplicateKey } from "./yaml-duplicate-keys.ts";

/** How far a YAML document may go before it is refused. */
export interface YamlLimits {
  /** Nesting of lists and mappings. */
  readonly depth: number;
  /** Alias nodes (`*name`) in the document. */
  readonly aliases: number;
  /** Copies aliases may make while the document is turned into data (the `yaml` package's `maxAliasCount`). */
  readonly aliasExpansion: number;
  /** Nodes of the document, and values of the data once aliases are expanded. */
  readonly nodes: number;
}

export type YamlProblemKind = "syntax" | "duplicate-key" | "too-deep" | "aliases" | "too-large";

/** Why a YAML text cannot be read: where, what, and how to fix it. */
export interface YamlProblem {
  readonly kind: YamlProblemKind;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly fix: string;
  /** For a YAML syntax error, the parser's own words (shortened, redacted). */
  readonly detail?: string;
}

export type LoadedYaml =
  | { readonly ok: true; readonly doc: Document; readonly lineCounter: LineCounter; readonly data: unknown }
  | { readonly ok: false; readonly problems: YamlProblem[] };

/** At most this many YAML syntax errors are reported for one file (garbage has thousands). */
const MAX_SYNTAX_ERRORS = 10;

const isStackOverflow = (e: unknown) => e instanceof RangeError || /call stack|stack overflow/i.test(String((e as Error | undefined)?.message ?? e));

/**
 * Parses YAML that people wrote into plain data (mappings, lists, strings, numbers, booleans,
 * null), refusing with a {@link YamlProblem} each: syntax errors and duplicate keys (at most
 * {@link MAX_SYNTAX_ERRORS}), nesting deeper than `limits.depth`, too many aliases, an alias inside
 * the value it refers to (an endless value), alias expansion past `limits.aliasExpansion` (an
 * "alias bomb"), and more than `limits.nodes` values. `what` names the document in messages
 * ("a profiles file"). Never throws, and never quotes more of the input than a short excerpt.
 */
export function loadYaml(text: string, limits: YamlLimits, what: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  const fail = (kind: YamlProblemKind, offset: number | undefined, message: string, fix: string): LoadedYaml => ({ ok: false, problems: [{ kind, ...at(offset), message, fix }] });
  const tooDeep = (offset: number | undefined) =>
    fail("too-deep", offset, `nests lists and mappings deeper than ${limits.depth} levels (line ${at(offset).line}), deeper than ${what} ever needs`, `remove the extra nesting: ${what} needs only a few levels of lists and mappings`);
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, resolveKnownTags: false, logLevel: "error" });
  } catch (e) {
    return isStackOverflow(e) ? tooDeep(0) : fail("syntax", 0, `cannot be parsed as YAML (${inputExcerpt(String((e as Error).message ?? e))})`, "correct the YAML syntax (yamllint shows where)");
  }
  if (doc.errors.length > 0) {
    // A stack overflow while parsing leaves one error per level it unwound: report the first.
    const exhausted = doc.errors.find((e) => e.code === "RESOURCE_EXHAUSTION");
    const errors = exhausted ? [exhausted] : doc.errors;
    const problems = errors.slice(0, MAX_SYNTAX_ERRORS).map((e): YamlProblem => {
      const pos = at(e.pos[0]);
      if (e.code === "RESOURCE_EXHAUSTION") {
        return { kind: "too-deep", ...pos, message: `nests lists and mappings too deeply to be read (line ${pos.line}), deeper than ${what} ever needs`, fix: `remove the extra nesting: ${what} needs only a few levels of lists and mappings` };
      }
      if (e.code === "DUPLICATE_KEY") {
        return { kind: "duplicate-key", ...pos, message: `repeats a key of the same mapping (line ${pos.line}): one of the two values would be lost`, fix: "keep the key once, with the value you mean (a key may appear only once in a mapping)" };
      }
      const detail = `${e.code}: ${inputExcerpt(e.message.split("\n")[0] ?? "", 120)}`;
      return { kind: "syntax", ...pos, message: `is not valid YAML (${detail})`, fix: "correct the YAML syntax there (yamllint shows the same problem)", detail };
    });
    if (errors.length > MAX_SYNTAX_ERRORS) {
      const last = problems[problems.length - 1]!;
      problems.push({ ...last, kind: "syntax", message: `has ${errors.length - MAX_SYNTAX_ERRORS} more YAML errors after these`, fix: `check that this is ${what}: text this broken is usually another kind of file` });
    }
    return { ok: false, problems };
  }
  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== undefined) {
    const pos = at(duplicate);
    return { ok: false, problems: [{ kind: "duplicate-key", ...pos, message: `repeats a key of the same mapping (line ${pos.line}): one of the two values would be lost`, fix: "keep the key once, with the value you mean (a key may appear only once in a mapping)" }] };
  }

  // The document's nodes, walked without recursion: depth, size, aliases and alias cycles.
  const range = (n: unknown) => (n as { range?: [number, number, number] } | null)?.range?.[0];
  const stack: { node: unknown; depth: number; exit?: true }[] = [{ node: doc.contents, depth: 1 }];
  const ancestors = new Set<unknown>();
  const anchors = new Map<string, unknown>();
  let nodes = 0;
  let aliases = 0;
  let firstAlias: number | undefined;
  for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
    const { node, depth } = f;
    if (f.exit) {
      ancestors.delete(node);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    if (++nodes > limits.nodes) return fail("too-large", range(node), `holds more than ${limits.nodes} values, far more than ${what} has`, `check that this is ${what}, and keep only what it needs`);
    if (isAlias(node)) {
      firstAlias ??= range(node);
      if (++aliases > limits.aliases) {
        return fail("aliases", range(node), `uses more than ${limits.aliases} YAML aliases (*name)`, "write the values out instead of referring to them with aliases");
      }
      const target = anchors.get(node.source);
      const name = inputExcerpt(node.source, 40);
      if (target === undefined) {
        return fail("syntax", range(node), `has an alias *${name} (line ${at(range(node)).line}) that refers to no anchor &${name} before it`, `anchor the value with &${name} before the alias, or write the value out`);
      }
      if (ancestors.has(target)) {
        return fail("aliases", range(node), `has an alias *${name} (line ${at(range(node)).line}) inside the value anchored &${name}, so that value would contain itself without end`, `remove the alias *${name}, or anchor a value that does not contain it`);
      }
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    if (!isCollection(node)) continue;
    if (depth > limits.depth) return tooDeep(range(node));
    ancestors.add(node);
    stack.push({ node, depth, exit: true });
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item: unknown = node.items[i];
      if (isPair(item)) {
        stack.push({ node: item.value, depth: depth + 1 });
        stack.push({ node: item.key, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.aliasExpansion });
  } catch (e) {
    if (isStackOverflow(e)) return tooDeep(firstAlias);
    if (/Excessive alias count/.test(String((e as Error).message))) {
      return fail("aliases", firstAlias, `has YAML aliases (*name, the first at line ${at(firstAlias).line}) that expand to more copies than ${what} needs (more than ${limits.aliasExpansion}), as an "alias bomb" does`, "write the values out instead of nesting aliases of aliases");
    }
    return fail("syntax", 0, `cannot be read as data (${inputExcerpt(String((e as Error).message ?? e))})`, "correct the YAML there (yamllint shows the same problem)");
  }

  // The data once aliases are expanded: nesting and size again, since aliases can add both.
  const values: [unknown, number][] = [[data, 1]];
  let count = 0;
  for (let v = values.pop(); v !== undefined; v = values.pop()) {
    const [value, depth] = v;
    if (value === null || typeof value !== "object") continue;
    if (++count > limits.nodes) return fail("too-large", firstAlias, `holds more than ${limits.nodes} values once its aliases (the first at line ${at(firstAlias).line}) are expanded`, "write the values out instead of nesting aliases of aliases");
    if (depth > limits.depth) return fail("too-deep", firstAlias, `nests deeper than ${limits.depth} levels once its aliases (the first at line ${at(firstAlias).line}) are expanded`, "use aliases only for flat values, not to nest lists and mappings inside each other");
    for (const child of Object.values(value)) if (child !== null && typeof child === "object") values.push([child, depth + 1]);
  }
  return { ok: true, doc, lineCounter, data };
}
