/**
 * Parses a Pulumi stack settings file (`Pulumi.<stack>.yaml`) or project file (`Pulumi.yaml`) the
 * safe way: bytes checked first (size, UTF-8, not binary), YAML parsed with limits (one document,
 * alias count, nesting depth, unique keys), then the file's overall shape with one precise message
 * (empty, not a mapping, no `config:` mapping). Every problem names the file, and the line where
 * there is one. Values are never quoted back.
 */
import { redactCredentials } from "./credential-shape.ts";
import { didYouMean } from "./did-you-mean.ts";
import { ConfigError } from "./issues.ts";
import { isRecord } from "./refine.ts";
import { utf8Text } from "./text-bytes.ts";
import { firstDuplicateKey } from "./yaml-duplicate-keys.ts";
import { yamlPackage } from "./yaml-package.ts";
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";

/** Limits of a settings file; real ones are a few kilobytes. */
export const SETTINGS_FILE_LIMITS = {
  /** Bytes in the file. */
  maxBytes: 1024 * 1024,
  /** Alias expansions (`*anchor`), against alias bombs. */
  maxAliasCount: 1000,
  /** Nesting of mappings and lists. */
  maxDepth: 32,
} as const;

/** Top-level keys of a stack settings file (Pulumi's own). */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"] as const;

function refuse(file: string, message: string, fix: string, subject = "stack settings"): never {
  throw new ConfigError([{ path: file, message, fix }], subject);
}

/** The text of a settings file's bytes, refusing what is not UTF-8 text. */
export function settingsText(bytes: Uint8Array, file: string, subject = "stack settings"): string {
  const limit = SETTINGS_FILE_LIMITS.maxBytes;
  if (bytes.length > limit) refuse(file, `is ${(bytes.length / 1024 / 1024).toFixed(1)} MiB; a settings file is at most ${limit / 1024 / 1024} MiB`, "keep only settings in it; large values (keys, files) belong in files or secrets that the settings name", subject);
  const read = utf8Text(bytes);
  if (read.ok) return read.text;
  const p = read.problem;
  switch (p.kind) {
    case "utf-32":
    case "utf-16":
      return refuse(file, `is ${p.kind.toUpperCase()} text, not UTF-8`, `convert it, e.g. \`iconv -f ${p.kind.toUpperCase()} -t UTF-8 ${file} > fixed.yaml\``, subject);
    case "nul":
      return refuse(file, `is binary, not YAML text (it holds a NUL byte at line ${p.line})`, "pass the stack's Pulumi.<stack>.yaml, a YAML text file", subject);
    case "not-utf-8":
      return refuse(file, `is not UTF-8 text (line ${p.line} holds a byte that is not)`, "save it as UTF-8 (the encoding Pulumi reads)", subject);
  }
}

/** The deepest nesting of mappings and lists in `value` (iterative: values may be deep). */
function depthOf(value: unknown, stopAt: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > stopAt) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth]);
  }
  return max;
}

/** White space as `String.prototype.trim` removes it. */
const WHITE = /\s/;
/** How every number of YAML 1.2's core schema starts. */
const NUMBER_START = /[-+.0-9]/;

/** Numbers as YAML 1.2's core schema writes them. */
const CORE_NUMBER = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/**
 * Whether `value` nests at most the limit and every key is one both readers write alike: not left
 * empty (one reader names it "", the other "null"), not a list or mapping used as a key (each
 * reader writes it as text its own way), and at most 1024 characters (YAML's limit on an implicit
 * key, which only one reader enforces). One walk, stopping at the limit (so never deep).
 */
function plainWithinLimit(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object") return true;
  if (depth >= SETTINGS_FILE_LIMITS.maxDepth) return false;
  if (Array.isArray(value)) {
    for (const x of value as unknown[]) if (!plainWithinLimit(x, depth + 1)) return false;
    return true;
  }
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    if (k === "" || k === "null" || k.length > 1024 || k.includes(",") || k.startsWith("[") || k.startsWith("{")) return false;
    if (!plainWithinLimit(obj[k], depth + 1)) return false;
  }
  return true;
}

/**
 * The value of a plain settings file read with `js-yaml`, which reads a large file several times
 * faster than the `yaml` package: only when it reads the file without any error, the file defines
 * no anchor (so no alias expands), has no document marker and no quoted or plain scalar over
 * several lines (block scalars `|` and `>` are fine), names no `__proto__` key and nests at most
 * the limit. Anything
 * else returns undefined, and the `yaml` package reads the file and words its problem
 * (`test/settings-fast-read.test.ts` checks that both readers give the same value).
 */
export function quickSettingsValue(text: string): { readonly value: unknown } | undefined {
  // Where the two readers differ (document markers, byte-order marks and tabs inside the text, lone
  // carriage returns, keys left empty, written as `? key` or as a list or mapping, tags), the full
  // read decides.
  if (text.includes("__proto__") || /^(?:---|\.\.\.)|\ufeff|\t|\r(?!\n)|^[ -]*[:?](?:[ ]|$)|[\]}][ ]*:(?:[ ]|$)|(?:^|[\s[{,])!|["'\]}]#|[{,][ ]*[[{]/m.test(text)) return undefined;
  let plain = true;
  const starts: number[] = [];
  let value: unknown;
  try {
    value = loadYaml(text, {
      schema: CORE_SCHEMA,
      listener(event, state) {
        const s = state as unknown as { position: number; kind: string | null; anchorMap: object; result: unknown };
        if (event === "open") {
          starts.push(s.position);
          return;
        }
        const from = starts.pop() ?? 0;
        if (!plain) return;
        for (const _ in s.anchorMap) {
          plain = false;
          return;
        }
        // The node's text without the white space around it, found without copying it.
        let b = from;
        let e = s.position;
        while (b < e && WHITE.test(text.charAt(b))) b++;
        while (e > b && WHITE.test(text.charAt(e - 1))) e--;
        const first = text.charAt(b);
        const newline = text.indexOf("\n", b);
        // A quoted, plain or flow node over several lines: the readers differ on how far it may be indented.
        if (newline !== -1 && newline < e && (s.kind === "scalar" ? first !== "|" && first !== ">" : first === "[" || first === "{")) plain = false;
        // A number in a form YAML 1.2's core schema does not read as one (`0b101`), or the reverse
        // (`1e3192`), or a negative zero (one reader keeps its sign).
        const number = typeof s.result === "number";
        if (number || (typeof s.result === "string" && NUMBER_START.test(first))) {
          const span = text.slice(b, e);
          if (number ? !CORE_NUMBER.test(span) || (s.result === 0 && span.startsWith("-")) : CORE_NUMBER.test(span)) plain = false;
        }
      },
    });
  } catch {
    return undefined;
  }
  if (!plain || value === undefined || !plainWithinLimit(value)) return undefined;
  return { value };
}

/** Parses one YAML document with the limits; the result is plain data. */
export function parseSettingsYaml(text: string, file: string, subject = "stack settings"): unknown {
  const quick = quickSettingsValue(text);
  return quick !== undefined ? quick.value : readSettingsYaml(text, file, subject);
}

/** Parses one YAML document with the `yaml` package, checking every limit and wording every problem. */
export function readSettingsYaml(text: string, file: string, subject = "stack settings"): unknown {
  const { LineCounter, parseAllDocuments } = yamlPackage();
  const lines = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true });
  } catch (e) {
    if (e instanceof RangeError) refuse(file, `nests mappings and lists more than ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, `keep settings at most ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, subject);
    refuse(file, `cannot be parsed as YAML (${redactCredentials(e instanceof Error ? e.message : String(e)).slice(0, 200)})`, "correct the YAML", subject);
  }
  if (!Array.isArray(docs)) docs = [docs];
  const at = (pos: number | undefined) => {
    const p = lines.linePos(pos ?? 0);
    return `${file}:${p.line}:${p.col}`;
  };
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined && /call stack/i.test(err.message)) {
      refuse(file, `nests mappings and lists more than ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, `keep settings at most ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, subject);
    }
    if (err !== undefined) {
      const what = redactCredentials(err.message.split("\n")[0] ?? "").slice(0, 200);
      const fix = /unique/i.test(what) ? "give each key once (a key written twice is ambiguous)" : /tab/i.test(what) ? "indent with spaces, not tabs" : "correct the YAML at that line (quotes closed, indentation with spaces, one `key: value` per line)";
      throw new ConfigError([{ path: at(err.pos[0]), message: `is not valid YAML: ${what}`, fix }], subject);
    }
  }
  const duplicate = docs[0] === undefined ? undefined : firstDuplicateKey(docs[0]);
  if (duplicate !== undefined) throw new ConfigError([{ path: at(duplicate), message: "is not valid YAML: a key repeats an earlier key of the same mapping", fix: "give each key once (a key written twice is ambiguous)" }], subject);
  if (docs.length > 1) throw new ConfigError([{ path: at(docs[1]!.range[0]), message: `holds ${docs.length} YAML documents; a settings file holds one`, fix: "remove the `---` separators and keep one document" }], subject);
  const doc = docs[0];
  if (doc === undefined) return null;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SETTINGS_FILE_LIMITS.maxAliasCount });
  } catch (e) {
    if (e instanceof Error && /unresolved alias|not found|undefined/i.test(e.message)) {
      refuse(file, "refers to an anchor that is not defined (`*name` without `&name`)", "define the anchor with `&name` before the alias, or write the value out", subject);
    }
    const alias = e instanceof Error && /alias/i.test(e.message);
    refuse(
      file,
      alias ? `expands too many aliases (more than ${SETTINGS_FILE_LIMITS.maxAliasCount}: an alias bomb?)` : "nests too deeply to read",
      alias ? "write the values out, or use fewer `*alias` references" : `keep mappings and lists at most ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`,
      subject,
    );
  }
  if (depthOf(value, SETTINGS_FILE_LIMITS.maxDepth) > SETTINGS_FILE_LIMITS.maxDepth) {
    refuse(file, `nests mappings and lists more than ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, `keep settings at most ${SETTINGS_FILE_LIMITS.maxDepth} levels deep`, subject);
  }
  return value;
}

/**
 * The `config:` mapping of a stack settings file, after checking the file's shape. `project` is
 * the project's name, used to recognise settings written at the top level.
 */
export function stackSettingsConfig(bytes: Uint8Array, file: string, project: string): Record<string, unknown> {
  const doc = parseSettingsYaml(settingsText(bytes, file), file);
  const example = `config:\n    ${project}:<key>: <value>`;
  if (doc === null || doc === undefined || (typeof doc === "string" && doc.trim() === "")) {
    refuse(file, "is empty", `write the stack's settings as \`${example}\`, or set them with \`pulumi config set <key> <value>\``);
  }
  if (!isRecord(doc)) {
    refuse(file, `holds ${Array.isArray(doc) ? "a list" : "a single value"} at the top level, not a mapping`, `write the stack's settings as \`${example}\``);
  }
  const unknown = Object.keys(doc).filter((k) => !(STACK_FILE_KEYS as readonly string[]).includes(k));
  if (!("config" in doc)) {
    const settingsAtTop = unknown.filter((k) => k.includes(":"));
    if (settingsAtTop.length > 0) refuse(file, `has settings at the top level (${settingsAtTop.slice(0, 3).join(", ")}) instead of under config:`, "indent them under a `config:` line");
    refuse(file, "has no config: mapping", `write the stack's settings as \`${example}\``);
  }
  const issues = unknown.map((k) => {
    const near = didYouMean(k, STACK_FILE_KEYS);
    return { path: `${file}: ${k}`, message: "is not a key of a stack settings file", fix: near !== undefined ? `did you mean ${near}?` : `keep only ${STACK_FILE_KEYS.join(", ")} at the top level` };
  });
  if (issues.length > 0) throw new ConfigError(issues, "stack settings");
  const config = doc["config"];
  if (config === null) return {};
  if (!isRecord(config)) refuse(`${file}: config`, `is ${Array.isArray(config) ? "a list" : "a single value"}, not a mapping`, `write one \`${project}:<key>: <value>\` per line under config:`);
  return config;
}
