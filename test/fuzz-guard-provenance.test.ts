// Seeded fuzzing of the files people hand to `runner-fleet guard` (profiles files, workflow files)
// and to `runner-fleet provenance verify` (records). Each case starts from a real input of the
// repository (config/runner-isolation.yaml, test/fixtures/guard/**, a record of the provenance
// fixture tree), applies seeded mutations (type swaps, deleted keys, huge strings and numbers, deep
// nesting, alias bombs and cycles, duplicate keys, list/map swaps, token-shaped values, control
// characters, binary bytes, UTF-16, truncation) and runs the functions behind the commands on it.
// A case fails when they throw anything but the project's input errors (a crash), take longer than
// CASE_LIMIT_MS (a hang), accept input a mutation is known to make invalid, echo a planted
// credential, or refuse without naming the file and the fix.
//
//   FUZZ_CASES=10000 node --test test/fuzz-guard-provenance.test.ts   # more cases per input kind
//   FUZZ_SEED=1234 (or random) ...                                     # another seed
//   FUZZ_ONLY=workflows:17 ...                                         # one case, to debug it
//   FUZZ_DUMP=/tmp/cases ...                                           # write failing inputs there
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { createHash, generateKeyPairSync, randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { REPO } from "./helpers.ts";
import { fixtureFiles, writeTree } from "./provenance/fixture.ts";
import { readProfilesFile, readWorkflows } from "../src/cli/guard.ts";
import { reportRows } from "../src/cli/provenance.ts";
import { runGuard, type GuardFinding } from "../src/audit/guard/index.ts";
import { parseProfiles, type RunnerProfile } from "../src/model/profiles.ts";
import { canonicalJson } from "../src/provenance/canonical.ts";
import { readRecord } from "../src/provenance/read-record.ts";
import { recordCache } from "../src/provenance/record-cache.ts";
import { loadSigningKey, loadVerifyingKey, type LoadedKey } from "../src/provenance/signing.ts";
import { verifyCache } from "../src/provenance/verify-cache.ts";
import { writeRecord } from "../src/provenance/write-record.ts";
import { Dice } from "./fuzz-random.ts";

const CASES = (() => {
  const n = Number(process.env["FUZZ_CASES"] ?? 300);
  return Number.isInteger(n) && n > 0 ? n : 300;
})();
const SEED = (() => {
  const s = process.env["FUZZ_SEED"];
  if (s === undefined || s === "") return 20_251_001;
  if (s === "random") return randomInt(2 ** 31);
  const n = Number(s);
  return Number.isInteger(n) ? n >>> 0 : hash32(s);
})();
const ONLY = process.env["FUZZ_ONLY"];
/** A directory to write the input of every failing case to, to look at it. */
const DUMP = process.env["FUZZ_DUMP"];
/** A case slower than this is a hang. */
const CASE_LIMIT_MS = 10_000;
/** Failures described in full before the test gives up listing them. */
const MAX_REPORTED = 10;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

function hash32(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32LE(0);
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A credential-shaped value of a random kind, and the part of it that must never be echoed. */
function plantToken(rng: Dice): { token: string; core: string } {
  const body = (n: number, alphabet = ALNUM) => rng.chars(n, alphabet);
  const kinds: (() => { token: string; core: string })[] = [
    () => ((b) => ({ token: `ghp_${b}`, core: b.slice(8, 28) }))(body(36)),
    () => ((b) => ({ token: `github_pat_${b}`, core: b.slice(8, 28) }))(body(40, `${ALNUM}_`)),
    () => ((b) => ({ token: `glpat-${b}`, core: b.slice(4, 20) }))(body(20)),
    () => ((b) => ({ token: b, core: b.slice(10, 30) }))(body(40, "0123456789abcdef")),
    () => ((b) => ({ token: `AKIA${b}`, core: `AKIA${b}` }))(body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")),
    () => ((b) => ({ token: `hvs.${b}`, core: b.slice(4, 24) }))(body(28)),
    () => ((a, b, c) => ({ token: `eyJ${a}.eyJ${b}.${c}`, core: c }))(body(16), body(24), body(32)),
    () => ((b) => ({ token: `https://deploy:${b}@git.example.com/org/repo.git`, core: b }))(body(24)),
  ];
  return rng.pick(kinds)();
}

/** A long string of a random shape: runs of letters (slow for naive patterns), expressions, separators. */
function hugeString(rng: Dice, length: number): string {
  const shapes: (() => string)[] = [
    () => "a".repeat(length),
    () => rng.chars(Math.min(length, 200_000), ALNUM).repeat(Math.ceil(length / 200_000)).slice(0, length),
    () => `\${{ ${" ".repeat(length)}`,
    () => "${{".repeat(Math.ceil(length / 3)),
    () => "${{ matrix.a }".repeat(Math.ceil(length / 14)),
    () => "ab1-".repeat(Math.ceil(length / 4)),
    () => "x, y ".repeat(Math.ceil(length / 5)),
  ];
  return rng.pick(shapes)();
}

// ---------------------------------------------------------------------------------------------
// JSON-like trees and their mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const typeOf = (v: Json): string => (v === null ? "null" : Array.isArray(v) ? "list" : typeof v === "object" ? "map" : typeof v);

/** Every path of `root` (the root itself is []), iteratively. */
function allPaths(root: Json): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[root, []]];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    const [v, p] = e;
    out.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...p, i]]));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) stack.push([x, [...p, k]]);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  let v: Json = root;
  for (const k of path) v = v !== null && typeof v === "object" ? ((v as Record<string | number, Json>)[k] ?? null) : null;
  return v;
}

/** Sets the value at `path`; returns the new root. */
function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json> | undefined;
  if (parent === null || typeof parent !== "object") return root;
  Object.defineProperty(parent, path[path.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

function deleteAt(root: Json, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, Json>)[key];
}

/** Raw text spliced into the serialised document in place of a placeholder string. */
class Raw {
  private readonly texts = new Map<string, string>();
  /** A placeholder for `text`, which must be valid as a flow value in YAML and in JSON alike. */
  add(text: string): string {
    const key = `__FUZZ_RAW_${this.texts.size}__`;
    this.texts.set(key, text);
    return key;
  }
  splice(serialised: string, json: boolean): string {
    let out = serialised;
    for (const [key, text] of this.texts) out = out.split(json ? `"${key}"` : key).join(text);
    return out;
  }
}

const PATH_VALUES: readonly Json[] = [42, -1, 1.5, true, false, null, "text", [], ["a"], {}, { key: "value" }];
const HUGE_NUMBERS: readonly number[] = [1e308, -1e308, 2 ** 64, 2 ** 53 + 2, 0.5, -3, 4.5e15 + 0.5];
const CONTROL = ["\u001b[31m", "\u0000", "\u0007", "\r", "\u009b", "\u2028"];

/** What a case did: the mutations, whether one is known to make the input invalid, the tokens planted. */
interface CaseLog {
  readonly ops: string[];
  invalid: boolean;
  readonly tokens: { token: string; core: string }[];
}

/** Kind-specific knowledge: which mutations make the input invalid. */
interface Oracle {
  /** Whether `op` at `path` (whose value was `old`, and becomes `next` when known) makes the input invalid. */
  invalidates(op: string, path: Path, old: Json, root: Json, next?: Json): boolean;
  /** Paths a targeted mutation prefers (e.g. a job's runs-on); may be empty. */
  targets?(root: Json): Path[];
  /** YAML (aliases available) or JSON. */
  readonly json: boolean;
}

function flowJson(v: Json): string {
  return JSON.stringify(v);
}

/** Applies one random tree mutation; returns the new root. */
function mutateTree(rng: Dice, root: Json, oracle: Oracle, raw: Raw, log: CaseLog): Json {
  const paths = allPaths(root);
  const targets = oracle.targets?.(root) ?? [];
  const path = targets.length > 0 && rng.chance(0.3) ? rng.pick(targets) : rng.pick(paths);
  const old = getAt(root, path);
  const mark = (op: string, next?: Json) => {
    log.ops.push(`${op} at ${JSON.stringify(path)}${next === undefined ? "" : ` to ${JSON.stringify(next).slice(0, 40)}`}`);
    if (oracle.invalidates(op, path, old, root, next)) log.invalid = true;
  };
  const ops = ["type-swap", "delete-key", "huge-string", "huge-number", "deep-nest", "list-map-swap", "token", "unknown-key", "duplicate-key", "control-chars", "label-number", "move-subtree", ...(oracle.json ? ["wide", "path-attack"] : ["alias-bomb", "alias-cycle"])];
  const op = rng.pick(ops);
  switch (op) {
    case "type-swap": {
      const next = structuredClone(rng.pick(PATH_VALUES.filter((v) => typeOf(v) !== typeOf(old))));
      mark(op, next);
      return setAt(root, path, next);
    }
    case "delete-key": {
      if (path.length === 0) return root;
      mark(op);
      deleteAt(root, path);
      return root;
    }
    case "huge-string": {
      const length = rng.chance(0.03) ? 1_000_000 + rng.below(2_000_000) : 70_000 + rng.below(30_000);
      mark(op);
      return setAt(root, path, hugeString(rng, length));
    }
    case "huge-number":
      mark(op);
      return setAt(root, path, rng.pick(HUGE_NUMBERS));
    case "deep-nest": {
      const depth = rng.pick([40, 100, 1000, 3500, 10_000]);
      const [open, close] = rng.chance(0.5) ? ["[", "]"] : ['{"a": ', "}"];
      log.ops.push(`deep-nest(${depth}) at ${JSON.stringify(path)}`);
      if (oracle.invalidates(`deep-nest-${depth}`, path, old, root)) log.invalid = true;
      return setAt(root, path, raw.add(`${open.repeat(depth)}1${close.repeat(depth)}`));
    }
    case "list-map-swap": {
      if (Array.isArray(old)) {
        mark(op);
        return setAt(root, path, Object.fromEntries(old.map((v, i) => [String(i), v])));
      }
      if (old !== null && typeof old === "object") {
        mark(op);
        return setAt(root, path, Object.values(old));
      }
      return root;
    }
    case "token": {
      const planted = plantToken(rng);
      log.tokens.push(planted);
      const value = rng.chance(0.3) && typeof old === "string" ? `${old.slice(0, 20)} ${planted.token} tail` : planted.token;
      mark(op);
      return setAt(root, path, value);
    }
    case "unknown-key": {
      if (old === null || typeof old !== "object" || Array.isArray(old)) return root;
      const planted = rng.chance(0.3) ? plantToken(rng) : undefined;
      if (planted) log.tokens.push(planted);
      mark(op);
      setAt(root, [...path, planted?.token ?? `extra_${rng.chars(6, ALNUM)}`], "value");
      return root;
    }
    case "duplicate-key": {
      if (old === null || typeof old !== "object" || Array.isArray(old) || Object.keys(old).length === 0) return root;
      const entries = Object.entries(old);
      const [dupKey, dupValue] = rng.pick(entries);
      const members = entries.map(([k, v]) => `${JSON.stringify(k)}: ${flowJson(v)}`);
      members.splice(rng.below(members.length + 1), 0, `${JSON.stringify(dupKey)}: ${flowJson(rng.chance(0.5) ? dupValue : "other")}`);
      mark(op);
      return setAt(root, path, raw.add(`{${members.join(", ")}}`));
    }
    case "control-chars": {
      if (typeof old !== "string") return root;
      const at = rng.below(old.length + 1);
      mark(op);
      return setAt(root, path, `${old.slice(0, at)}${rng.pick(CONTROL)}${old.slice(at)}`);
    }
    case "label-number": {
      // A list item (a label, a runs-on label, a file entry) replaced by a number.
      const items = paths.filter((p) => typeof p[p.length - 1] === "number" && typeof getAt(root, p) === "string");
      if (items.length === 0) return root;
      const item = rng.pick(items);
      log.ops.push(`label-number at ${JSON.stringify(item)}`);
      if (oracle.invalidates("label-number", item, getAt(root, item), root)) log.invalid = true;
      return setAt(root, item, rng.pick([1, 42, 3.14, -7]));
    }
    case "move-subtree": {
      const from = rng.pick(paths);
      if (path.length === 0 || from.length === 0) return root;
      log.ops.push(`move-subtree ${JSON.stringify(from)} to ${JSON.stringify(path)}`);
      return setAt(root, path, structuredClone(getAt(root, from)));
    }
    case "alias-bomb": {
      const width = 9 + rng.below(3);
      const levels = 5 + rng.below(4);
      const parts = [`&a0 [${Array.from({ length: width }, () => '"x"').join(", ")}]`];
      for (let l = 1; l < levels; l++) parts.push(`&a${l} [${Array.from({ length: width }, () => `*a${l - 1}`).join(", ")}]`);
      mark(op);
      return setAt(root, path, raw.add(`[${parts.join(", ")}, *a${levels - 1}]`));
    }
    case "alias-cycle":
      mark(op);
      return setAt(root, path, raw.add(rng.pick(["&c0 [*c0]", "&c1 {a: *c1}", "&c2 [1, [2, *c2]]"])));
    case "wide": {
      if (!Array.isArray(old) || old.length === 0) return root;
      mark(op);
      const copies = 2000 + rng.below(4000);
      return setAt(root, path, Array.from({ length: copies }, () => structuredClone(old[0]!)));
    }
    case "path-attack": {
      const entries = paths.filter((p) => p[p.length - 1] === "path" && p[p.length - 2] !== "target");
      if (entries.length === 0) return root;
      const at = rng.pick(entries);
      log.ops.push(`path-attack at ${JSON.stringify(at)}`);
      if (oracle.invalidates("path-attack", at, getAt(root, at), root)) log.invalid = true;
      return setAt(root, at, rng.pick(["../outside", "/etc/passwd", "a/../../b", "", "a//b", "./a", "a/", "a\u0000b", "..", "."]));
    }
    default:
      return root;
  }
}

/** Whole-document replacements: empty, comments only, a list, a scalar, several documents. */
const DOCUMENTS = ["", "# only a comment\n", "[]\n", "- a\n- b\n", "hello\n", "42\n", "null\n", "~\n", "---\na: 1\n---\nb: 2\n", "{}\n", "   \n\n"];

/** Byte-level mutations of the serialised text. */
function mutateBytes(rng: Dice, bytes: Buffer, log: CaseLog, jsonDocument: boolean): Buffer {
  const op = rng.pick(["insert", "utf16", "truncate", "garbage", "line-dup", "bom"]);
  switch (op) {
    case "insert": {
      const at = rng.below(bytes.length + 1);
      const junk = Buffer.from(Array.from({ length: 1 + rng.below(16) }, () => (rng.chance(0.3) ? rng.pick([0x00, 0xff, 0xfe, 0xc3, 0x80, 0xed]) : rng.below(256))));
      const out = Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
      log.ops.push(`insert ${junk.length} bytes at ${at}`);
      if (!isUtf8(out) || out.includes(0)) log.invalid = true;
      return out;
    }
    case "utf16": {
      const bom = rng.chance(0.5);
      const text = bytes.toString("utf8");
      log.ops.push(`utf16${bom ? " with BOM" : ""}`);
      if (text.trim() !== "") log.invalid = true;
      return Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, "utf16le")]);
    }
    case "truncate": {
      const at = rng.below(bytes.length);
      log.ops.push(`truncate at ${at}`);
      if (jsonDocument && bytes.subarray(at).toString("latin1").trim() !== "") log.invalid = true;
      return bytes.subarray(0, at);
    }
    case "garbage": {
      const out = Buffer.from(Array.from({ length: 1 + rng.below(4096) }, () => rng.below(256)));
      log.ops.push(`garbage of ${out.length} bytes`);
      if (!isUtf8(out) || out.includes(0)) log.invalid = true;
      return out;
    }
    case "line-dup": {
      const lines = bytes.toString("utf8").split("\n");
      const i = rng.below(lines.length);
      lines.splice(i, 0, lines[i] ?? "");
      log.ops.push(`duplicate line ${i + 1}`);
      return Buffer.from(lines.join("\n"));
    }
    default:
      log.ops.push("utf-8 byte-order mark");
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  }
}

/** One mutated input from `seed` (a parsed tree, or only text when the seed does not parse). */
function makeCase(rng: Dice, seedText: string, seedTree: Json | undefined, oracle: Oracle): { bytes: Buffer; log: CaseLog } {
  const log: CaseLog = { ops: [], invalid: false, tokens: [] };
  if (rng.chance(0.04)) {
    const doc = oracle.json ? rng.pick(["", "[]", "[1, 2]", "\"text\"", "42", "null", "true", "{}", "  \n"]) : rng.pick(DOCUMENTS);
    log.ops.push(`document ${JSON.stringify(doc)}`);
    if (oracle.invalidates("replace-document", [], null, null)) log.invalid = true;
    return { bytes: Buffer.from(doc), log };
  }
  let text = seedText;
  if (seedTree !== undefined && rng.chance(0.9)) {
    const raw = new Raw();
    let tree = structuredClone(seedTree);
    // Stop at the first mutation known to make the input invalid, so that no later one repairs it.
    for (let n = 1 + rng.below(3); n > 0 && !log.invalid; n--) tree = mutateTree(rng, tree, oracle, raw, log);
    const serialised = oracle.json ? JSON.stringify(tree, null, rng.chance(0.5) ? 2 : undefined) : stringify(tree, { lineWidth: 0 });
    text = raw.splice(serialised, oracle.json);
  }
  let bytes: Buffer = Buffer.from(text);
  if (log.ops.length === 0 || (!log.invalid && rng.chance(0.2))) bytes = mutateBytes(rng, bytes, log, oracle.json);
  // A token a later mutation cut or split (a control character, inserted bytes, a truncation) no
  // longer has a credential's shape; only tokens still whole in the input must never be echoed.
  const final = bytes.toString("latin1");
  const whole = log.tokens.filter((t) => final.includes(t.token));
  log.tokens.splice(0, log.tokens.length, ...whole);
  return { bytes, log };
}

// ---------------------------------------------------------------------------------------------
// Running cases

interface Outcome {
  /** Whether the input was refused (an input error, or findings for a workflow). */
  readonly refused: boolean;
  /** Texts shown to the user, which must not echo a planted token. */
  readonly texts: string[];
  /** Problems with the outcome itself (message without the file or fix, an unsafe acceptance). */
  readonly problems: string[];
}

const INPUT_ERRORS = new Set(["ConfigError", "CliError", "InputError"]);

/** The checks every refusal message must pass: it names the file and says how to fix it. */
function messageProblems(e: Error, file: string): string[] {
  const problems: string[] = [];
  if (!e.message.includes(file)) problems.push(`the message does not name the file ${file}: ${e.message.slice(0, 300)}`);
  if (!/Fix: |; pass |Fix:/.test(e.message)) problems.push(`the message does not say how to fix it: ${e.message.slice(0, 300)}`);
  const issues = (e as { issues?: readonly { path: string; fix: string }[] }).issues;
  for (const i of issues ?? []) if (i.fix.trim().length < 5) problems.push(`an issue at ${i.path} has no fix`);
  return problems;
}

interface Kind {
  readonly name: string;
  readonly seeds: { name: string; text: string; tree: Json | undefined }[];
  readonly oracle: Oracle;
  run(bytes: Buffer, index: number, seed: string): Promise<Outcome>;
}

async function fuzz(t: TestContext, kind: Kind): Promise<void> {
  const failures: string[] = [];
  let refused = 0;
  let invalid = 0;
  let slowest = 0;
  let slowestCase = "";
  const started = Date.now();
  const only = ONLY?.startsWith(`${kind.name}:`) ? Number(ONLY.slice(kind.name.length + 1)) : undefined;
  if (ONLY !== undefined && only === undefined) return;
  t.diagnostic(`${kind.name}: seed ${SEED}, ${only === undefined ? `${CASES} cases` : `case ${only} only`}`);
  for (let i = only ?? 0; i < (only === undefined ? CASES : only + 1); i++) {
    const rng = new Dice(hash32(`${SEED}:${kind.name}:${i}`));
    const seed = rng.pick(kind.seeds);
    const { bytes, log } = makeCase(rng, seed.text, seed.tree, kind.oracle);
    const what = `${kind.name} case ${i} (FUZZ_SEED=${SEED} FUZZ_ONLY=${kind.name}:${i}; from ${seed.name}; ${log.ops.join("; ").slice(0, 600)})`;
    const t0 = Date.now();
    let outcome: Outcome;
    try {
      outcome = await kind.run(bytes, i, seed.name);
    } catch (e) {
      failures.push(`${what}: CRASH ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}\n${e.stack?.split("\n").slice(1, 6).join("\n")}` : String(e)}`);
      if (DUMP !== undefined) {
        mkdirSync(DUMP, { recursive: true });
        writeFileSync(join(DUMP, `${kind.name}-${i}.bin`), bytes);
      }
      continue;
    }
    const ms = Date.now() - t0;
    const before = failures.length;
    if (ms > slowest) {
      slowest = ms;
      slowestCase = what;
    }
    if (ms > CASE_LIMIT_MS) failures.push(`${what}: HANG took ${ms} ms (limit ${CASE_LIMIT_MS} ms)`);
    if (outcome.refused) refused++;
    if (log.invalid) invalid++;
    if (log.invalid && !outcome.refused) failures.push(`${what}: WRONG ACCEPTANCE of input a mutation makes invalid`);
    for (const p of outcome.problems) failures.push(`${what}: ${p}`);
    for (const { core } of log.tokens) {
      const echoed = outcome.texts.find((x) => x.includes(core));
      if (echoed !== undefined) failures.push(`${what}: ECHOED a planted credential: ${echoed.slice(0, 300)}`);
    }
    if (DUMP !== undefined && failures.length > before) {
      mkdirSync(DUMP, { recursive: true });
      writeFileSync(join(DUMP, `${kind.name}-${i}.bin`), bytes);
    }
  }
  t.diagnostic(`${kind.name}: ${refused} refused (${invalid} by a mutation known to make them invalid), slowest case ${slowest} ms (${slowestCase.slice(0, 200)}), ${Date.now() - started} ms in all`);
  if (failures.length > 0) {
    assert.fail(`${failures.length} failing ${kind.name} cases (seed ${SEED}):\n\n${failures.slice(0, MAX_REPORTED).join("\n\n")}${failures.length > MAX_REPORTED ? `\n\n… and ${failures.length - MAX_REPORTED} more` : ""}`);
  }
}

/** Runs `fn`, turning the project's input errors into a refusal and anything else into a crash. */
async function refusalOf(file: string, fn: () => Promise<string[]> | string[]): Promise<Outcome> {
  try {
    return { refused: false, texts: await fn(), problems: [] };
  } catch (e) {
    if (!(e instanceof Error) || !INPUT_ERRORS.has(e.name)) throw e;
    return { refused: true, texts: [e.message], problems: messageProblems(e, file) };
  }
}

// ---------------------------------------------------------------------------------------------
// The input kinds

const work = mkdtempSync(join(tmpdir(), "rf-fuzz-"));
after(() => rmSync(work, { recursive: true, force: true }));

const parseOrUndefined = (text: string): Json | undefined => {
  try {
    return parse(text) as Json;
  } catch {
    return undefined;
  }
};

const PROFILE_REQUIRED = new Set(["profiles", "name", "labels", "trust", "fenced", "ephemeral", "substrate", "maxParallelPerJob", "maxConcurrentPerWorkflow"]);

const profilesKind: Kind = {
  name: "profiles",
  seeds: ["config/runner-isolation.yaml", "test/fixtures/guard/profiles.yaml"].map((f) => {
    const text = readFileSync(join(REPO, f), "utf8");
    return { name: f, text, tree: parseOrUndefined(text) };
  }),
  oracle: {
    json: false,
    invalidates(op, path) {
      if (op === "delete-key") return typeof path[path.length - 1] === "string" && PROFILE_REQUIRED.has(path[path.length - 1] as string);
      if (op === "label-number") return path.includes("labels");
      // Every value of a profiles file has one type and bounded size; text must be plain and secret-free.
      return op !== "move-subtree";
    },
  },
  async run(bytes) {
    const file = join(work, "profiles.yaml");
    writeFileSync(file, bytes);
    return refusalOf(file, () => {
      const profiles = readProfilesFile(file);
      assert.ok(profiles.length > 0, "an accepted profiles file has profiles");
      return [JSON.stringify(profiles)];
    });
  },
};

/** Workflow fixtures: every *.yml of test/fixtures/guard and of examples/, with its forge. */
function workflowSeeds(): { name: string; text: string; tree: Json | undefined }[] {
  const out: { name: string; text: string; tree: Json | undefined }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      // The real-workflow corpus (test/fixtures/guard/real) is kept for measuring precision; its
      // 62 workflows would thin out the seeds of the fixtures written for each rule.
      if (e.isDirectory() && p !== join(REPO, "test/fixtures/guard/real")) walk(p);
      else if (/\.ya?ml$/.test(e.name) && /\/workflows\//.test(p)) out.push({ name: relative(REPO, p), text: readFileSync(p, "utf8"), tree: parseOrUndefined(readFileSync(p, "utf8")) });
    }
  };
  walk(join(REPO, "test/fixtures/guard"));
  walk(join(REPO, "examples"));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const isRecordJson = (v: Json | undefined): v is { [key: string]: Json } => v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);

/** Whether `path` is the runs-on of a job that has no `uses:` (so its runs-on is checked). */
function isCheckedRunsOn(path: Path, root: Json): boolean {
  if (path.length < 3 || path[0] !== "jobs" || path[2] !== "runs-on") return false;
  const job = getAt(root, path.slice(0, 2)) as Json | undefined;
  return isRecordJson(job) && job["uses"] === undefined;
}

const fixtureProfiles: RunnerProfile[] = parseProfiles(readFileSync(join(REPO, "test/fixtures/guard/profiles.yaml")), "profiles.yaml");

const workflowSeedList = workflowSeeds();

/** Findings of a workflow file, as the guard reports them (reading included). */
async function guardFindings(bytes: Buffer, index: number, seedName: string): Promise<GuardFinding[]> {
  const root = join(work, `wf-${index}`);
  const dir = join(root, /\.forgejo\//.test(seedName) ? ".forgejo/workflows" : ".github/workflows");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, seedName.split("/").pop()!), bytes);
  try {
    const read = readWorkflows([dir]);
    return [...read.findings, ...(await runGuard(read.files, fixtureProfiles, { profilesSource: "profiles.yaml" }))];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The findings of each unmutated workflow seed: a mutation that breaks a workflow must add one. */
const baselines = new Map<string, Set<string>>();
const findingKey = (f: GuardFinding) => `${f.rule}|${f.job}|${f.message}`;

const workflowsKind: Kind = {
  name: "workflows",
  seeds: workflowSeedList,
  oracle: {
    json: false,
    targets(root) {
      if (!isRecordJson(root) || !isRecordJson(root["jobs"])) return [];
      const jobs = root["jobs"];
      return Object.keys(jobs).filter((id) => isRecordJson(jobs[id])).map((id) => ["jobs", id, "runs-on"]);
    },
    invalidates(op, path, old, root, next) {
      if (op === "replace-document" || op === "duplicate-key" || op === "alias-bomb" || op === "alias-cycle") return true;
      if (op.startsWith("deep-nest-")) return Number(op.slice("deep-nest-".length)) >= 100;
      if (path.length === 0) return op === "type-swap" || op === "list-map-swap" || op === "huge-string" || op === "huge-number";
      if (path.length === 1 && path[0] === "jobs") return op === "delete-key" || op === "huge-string" || op === "huge-number" || op === "list-map-swap" || (op === "type-swap" && typeOf(next ?? null) !== "map");
      // A runs-on that is not a label, a list of labels or { group, labels }, or a label no profile has.
      if (isCheckedRunsOn(path, root)) return op === "huge-number" || op === "huge-string" || op === "list-map-swap" || (op === "type-swap" && next !== null);
      if (op === "label-number" && path.length === 4 && isCheckedRunsOn(path.slice(0, 3), root)) return true;
      return false;
    },
  },
  async run(bytes, index, seedName) {
    let baseline = baselines.get(seedName);
    if (baseline === undefined) {
      const seed = workflowSeedList.find((s) => s.name === seedName)!;
      baseline = new Set((await guardFindings(Buffer.from(seed.text), -1 - index, seedName)).map(findingKey));
      baselines.set(seedName, baseline);
    }
    const base = baseline;
    const dir = "workflows";
    let fresh = 0;
    const outcome = await refusalOf(dir, async () => {
      const findings = await guardFindings(bytes, index, seedName);
      fresh = findings.filter((f) => !base.has(findingKey(f))).length;
      return findingTexts(findings);
    });
    if (outcome.refused) return outcome;
    return { refused: fresh > 0, texts: outcome.texts, problems: findingProblems(outcome.texts) };
  },
};

/** One text per finding (all of its fields), for the echo check; an empty list means no finding. */
function findingTexts(findings: readonly GuardFinding[]): string[] {
  return findings.map((f) => JSON.stringify(f));
}

/** Every finding names a file and a line, and says what is wrong and how to fix it. */
function findingProblems(texts: readonly string[]): string[] {
  const problems: string[] = [];
  for (const t of texts) {
    const f = JSON.parse(t) as GuardFinding;
    if (f.file === "" || !Number.isInteger(f.line) || f.line < 1) problems.push(`a finding without file and line: ${t.slice(0, 300)}`);
    if (f.message.length < 10 || f.fix.length < 10) problems.push(`a finding without message or fix: ${t.slice(0, 300)}`);
    if (f.job === "" && !f.rule.startsWith("actionlint:") && !/none of its jobs|no job can be checked/.test(f.message)) problems.push(`a file-level finding that does not say its jobs went unchecked: ${t.slice(0, 300)}`);
  }
  return problems;
}

const RECORD_REQUIRED = new Set(["stage", "recorded_at", "cache_dir", "file_count", "total_bytes", "sha256_manifest", "blake3_manifest", "path", "size", "sha256", "kind", "error", "algorithm", "value", "public_key_sha256"]);

/** The provenance fixture tree (small enough to verify thousands of times), its signed record and key. */
async function recordSeed(): Promise<{ cache: string; file: string; text: string; key: LoadedKey; canonical: string }> {
  const cache = join(work, "cache");
  const files = fixtureFiles().filter((f) => f.content.length < 64 * 1024).slice(0, 40);
  writeTree(cache, files);
  writeTree(cache, [{ path: Buffer.concat([Buffer.from("raw-"), Buffer.from([0xe9]), Buffer.from(".txt")]), content: Buffer.from("latin-1 name\n") }]);
  symlinkSync("a.txt", join(cache, "link-to-a"));
  const { privateKey } = generateKeyPairSync("ed25519");
  const signer = loadSigningKey(privateKey.export({ type: "pkcs8", format: "pem" }));
  const record = await recordCache({ stage: "build", cacheDir: cache, signingKey: signer, now: new Date("2025-06-01T12:00:00Z") }, { workers: 0 });
  const written = writeRecord(record, join(work, "record-out"));
  const text = readFileSync(written.record, "utf8");
  const key = loadVerifyingKey(privateKey.export({ type: "pkcs8", format: "pem" }));
  const { signature: _s, ...unsigned } = JSON.parse(text) as Record<string, unknown>;
  return { cache, file: written.record, text, key, canonical: canonicalJson(unsigned) };
}

let recordFixture: Awaited<ReturnType<typeof recordSeed>> | undefined;

const recordsKind: Kind = {
  name: "records",
  get seeds() {
    const text = recordFixture!.text;
    return [{ name: "a signed record of the provenance fixture tree", text, tree: JSON.parse(text) as Json }];
  },
  oracle: {
    json: true,
    invalidates(op, path) {
      const last = path[path.length - 1];
      if (op === "delete-key") return typeof last === "string" && RECORD_REQUIRED.has(last);
      if (op === "unknown-key") return path.length > 0;
      if (op === "wide") return last === "files" || last === "skipped";
      if (op === "token" || op === "control-chars" || op === "move-subtree" || op === "label-number") return false;
      // Types, sizes, nesting, duplicate keys and paths outside the cache are all checked.
      return true;
    },
  },
  async run(bytes) {
    const { cache, key, canonical } = recordFixture!;
    const file = join(work, "record.json");
    writeFileSync(file, bytes);
    let unsafe = false;
    const outcome = await refusalOf(file, async () => {
      const loaded = readRecord(file);
      const report = await verifyCache({ ...loaded, cacheDir: cache, verifyingKey: key }, { workers: 0 });
      reportRows(report);
      JSON.stringify(report);
      // Verification may pass only for a record whose signed content is the original's.
      unsafe = report.ok && loaded.canonical.toString("utf8") !== canonical;
      return [];
    });
    return unsafe ? { ...outcome, problems: ["UNSAFE MATCH: a record whose signed content was changed verified as a match"] } : outcome;
  },
};

// ---------------------------------------------------------------------------------------------

describe("seeded fuzzing of guard and provenance inputs", { timeout: Math.max(600_000, CASES * 300) }, () => {
  before(async () => {
    recordFixture = await recordSeed();
    // The unmutated seeds are accepted: the oracles start from valid input.
    assert.ok(readProfilesFile(join(REPO, "config/runner-isolation.yaml")).length > 0);
    const report = await verifyCache({ ...readRecord(recordFixture.file), cacheDir: recordFixture.cache, verifyingKey: recordFixture.key }, { workers: 0 });
    assert.equal(report.ok, true, "the seed record verifies");
  });

  it("profiles files (guard --profiles)", async (t) => fuzz(t, profilesKind));
  it("workflow files (guard --workflows)", async (t) => fuzz(t, workflowsKind));
  it("provenance records (provenance verify --record)", async (t) => fuzz(t, recordsKind));
});
