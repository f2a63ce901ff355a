/**
 * Reads Kubernetes manifests from files and directories: multi-document YAML (read as YAML 1.1,
 * the way kubectl reads it, so `yes` is a boolean and `0644` is octal) and JSON. Documents are
 * streamed one at a time ({@link streamDocuments}), so a file of hundreds of thousands of
 * documents takes the memory of one. Syntax errors and documents above the limits are kept as
 * documents that carry the problem and its line, so one broken document does not hide the others;
 * what makes a whole file unreadable (missing, binary, not UTF-8 or UTF-16, too large, no
 * document at all) is an {@link InputError} that names the file and the fix.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../input-error.ts";
import { safeText } from "../quote.ts";
import { READ_LIMITS, type ReadLimits, decodeManifest, formatSize, readBytes, releaseBytes } from "./manifest-bytes.ts";
import { RENDER_SUMMARY_FILE, readRenderSummary, resourceFiles } from "./render-summary.ts";
import type { SchemaIssue } from "./schema-issues.ts";
import { type DocumentBudget, type InputDocument, checkValueTree, yamlDocuments } from "./yaml-stream.ts";

export { InputError } from "../input-error.ts";
export type { InputDocument, DocumentBudget } from "./yaml-stream.ts";
export { READ_LIMITS, type ReadLimits, decodeManifest, readBytesSync, releaseBytes } from "./manifest-bytes.ts";

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

/**
 * In a folder written by `runner-fleet render`, the Kubernetes manifests its index lists (objects and
 * derived objects); the index itself, non-Kubernetes resources and embedded documents (cloud-init,
 * scripts, policies) are no manifests. Undefined when the folder holds no readable index.
 */
function renderedManifests(dir: string): string[] | undefined {
  const summary = readRenderSummary(dir);
  return summary && resourceFiles(summary, /\.ya?ml$/i).map((f) => path.join(dir, f));
}

async function walk(dir: string, out: string[]): Promise<void> {
  const rendered = renderedManifests(dir);
  if (rendered !== undefined) {
    for (const f of rendered) out.push(f);
    return;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // .git, editor and tool state
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) await walk(full, out);
    else if (isFile && entry.name !== RENDER_SUMMARY_FILE && MANIFEST_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(full);
  }
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One file to read, and the argument it came from. */
interface InputFile {
  readonly file: string;
  /** The path as given on the command line (the file itself, or the directory it was found in). */
  readonly from: string;
  /** True when the file was given itself, not found in a directory. */
  readonly given: boolean;
}

/** The files of each path, deduplicated; a directory without manifests is an error unless `notes` explains it. */
async function inputFiles(paths: readonly string[], notes?: string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new InputError(`${p}: no such file or directory`, "pass an existing manifest file or a directory of manifests");
    if (info.isDirectory()) {
      const found: string[] = [];
      await walk(p, found);
      if (found.length === 0) {
        if (renderedManifests(p)) {
          notes?.push(`${p}: this render holds no Kubernetes object, so there is nothing to validate against Kubernetes schemas (its resources are checked by runner-fleet audit)`);
          continue;
        }
        throw new InputError(`${p}: no .yaml, .yml or .json files in this directory`, "pass a directory that holds manifests, or the manifest files themselves");
      }
      for (const file of found.sort(byPath)) {
        if (seen.has(file)) continue;
        seen.add(file);
        out.push({ file, from: p, given: false });
      }
    } else if (!seen.has(p)) {
      seen.add(p);
      out.push({ file: p, from: p, given: true });
    }
  }
  return out;
}

/**
 * The files to read: each file as given, and every `*.yaml`, `*.yml` and `*.json` file under each
 * directory (recursively, skipping entries whose name starts with a dot), sorted by path; in a
 * folder written by `runner-fleet render`, the manifests its index lists. `notes` collects what a
 * reader should know (a render with no Kubernetes object).
 */
export async function listInputFiles(paths: readonly string[], notes?: string[]): Promise<string[]> {
  return (await inputFiles(paths, notes)).map((f) => f.file);
}

/** Splits YAML text into documents; empty documents (only comments, or a trailing `---`) are left out. */
export function parseYamlDocuments(file: string, text: string, limits: ReadLimits = READ_LIMITS): InputDocument[] {
  const out: InputDocument[] = [];
  for (const d of yamlDocuments(file, text, limits)) out.push(d);
  return out;
}

/** A JSON parse error without the piece of input V8 quotes (it may be part of a secret), with its line and column. */
function jsonSyntaxIssue(text: string, error: Error): SchemaIssue {
  const message = error.message;
  const m = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  let line: number | undefined;
  let col: number | undefined;
  if (m) {
    line = Number(m[1]);
    col = Number(m[2]);
  } else if (pos) {
    const at = Math.min(Number(pos[1]), text.length);
    line = 1;
    for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) line++;
    col = at - (text.lastIndexOf("\n", at - 1) + 1) + 1;
  }
  const what = safeText(message.replace(/,? ".*$/s, "").replace(/ in JSON at position \d+.*$/s, "").replace(/ \(line \d+ column \d+\)$/, ""), 120);
  return {
    path: "",
    message: `JSON syntax error: ${what}${line === undefined ? "" : ` (line ${line}, column ${col})`}`,
    fix: "correct the JSON there (quotes, commas, brackets)",
    ...(line === undefined ? {} : { line }),
  };
}

/** Parses a JSON file as one document, within the size and nesting limits. */
export function parseJsonDocument(file: string, text: string, limits: ReadLimits = READ_LIMITS): InputDocument {
  const broken = (syntaxError: SchemaIssue): InputDocument => ({ file, index: 0, doc: undefined, format: "json", ...(syntaxError.line === undefined ? {} : { line: syntaxError.line }), syntaxError });
  if (text.length > limits.jsonBytes) {
    return broken({ path: "", message: `the JSON document is ${formatSize(text.length)}, above the ${formatSize(limits.jsonBytes)} limit`, fix: "split it into several files, one Kubernetes object (or a smaller List) each", line: 1 });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return broken(jsonSyntaxIssue(text, e as Error));
  }
  const checked = checkValueTree(doc, limits);
  if ("problem" in checked) return broken({ path: "", ...checked.problem, line: 1 });
  return { file, index: 0, doc, format: "json", line: 1 };
}

/** The documents of one file's bytes: JSON for `.json` files, multi-document YAML otherwise. */
export function fileDocuments(file: string, bytes: Uint8Array, limits: ReadLimits = READ_LIMITS, budget: DocumentBudget = { documents: limits.documents }): Generator<InputDocument> {
  // Decoded first, so that the iteration does not hold the bytes as well as the text.
  return textDocuments(file, decodeManifest(file, bytes, isJsonFile(file) ? "json" : "yaml"), limits, budget);
}

const isJsonFile = (file: string) => path.extname(file).toLowerCase() === ".json";

/** The documents of one file's text: JSON for `.json` files, multi-document YAML otherwise. */
function* textDocuments(file: string, text: string, limits: ReadLimits, budget: DocumentBudget): Generator<InputDocument> {
  const json = isJsonFile(file);
  if (json) {
    if (text.trim() === "") return;
    if (--budget.documents < 0) throw new InputError(`${file}: more than ${limits.documents.toLocaleString("en-US")} documents in one run`, "split the input into parts and run runner-fleet once per part");
    yield parseJsonDocument(file, text, limits);
  } else {
    yield* yamlDocuments(file, text, limits, budget);
  }
}

const NO_DOCUMENTS_FIX = "pass a manifest that holds at least one Kubernetes object; if the file was written by a command, check that the command succeeded";

/**
 * Every document of the given files and directories (see {@link listInputFiles}), one at a time,
 * in order. A file given by name that holds no document (empty, or only comments) is an input
 * error, and so is a directory whose files hold none; an empty file found in a directory with
 * others is a note.
 */
export async function* streamDocuments(paths: readonly string[], notes?: string[], limits: ReadLimits = READ_LIMITS): AsyncGenerator<InputDocument> {
  const budget: DocumentBudget = { documents: limits.documents };
  const files = await inputFiles(paths, notes);
  const perPath = new Map<string, number>();
  for (const [i, input] of files.entries()) {
    const bytes = await readBytes(input.file, limits);
    const text = decodeManifest(input.file, bytes, isJsonFile(input.file) ? "json" : "yaml");
    releaseBytes(bytes);
    let count = 0;
    for (const doc of textDocuments(input.file, text, limits, budget)) {
      count++;
      yield doc;
    }
    perPath.set(input.from, (perPath.get(input.from) ?? 0) + count);
    if (count === 0) {
      if (input.given) throw new InputError(`${input.file}: holds no documents (it is empty, or only comments)`, NO_DOCUMENTS_FIX);
      notes?.push(`${input.file}: holds no documents (it is empty, or only comments)`);
    }
    const last = files[i + 1]?.from !== input.from;
    if (last && !input.given && (perPath.get(input.from) ?? 0) === 0) {
      throw new InputError(`${input.from}: its manifest files hold no documents (they are empty, or only comments)`, NO_DOCUMENTS_FIX);
    }
  }
}

/**
 * Reads every document of the given files and directories (see {@link streamDocuments}). Keeps
 * them all: for large inputs, iterate {@link streamDocuments} instead.
 */
export async function readDocuments(paths: readonly string[], notes?: string[], limits: ReadLimits = READ_LIMITS): Promise<InputDocument[]> {
  const out: InputDocument[] = [];
  for await (const d of streamDocuments(paths, notes, limits)) out.push(d);
  return out;
}
