/**
 * Reads Kubernetes manifests from files and directories: multi-document YAML (read as YAML 1.1,
 * the way kubectl reads it, so `yes` is a boolean and `0644` is octal) and JSON. Syntax errors are
 * kept as documents that carry the error and its line, so one broken document does not hide the
 * others.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type YAMLError } from "yaml";
import type { Locate, SchemaIssue } from "./schema-issues.ts";
import { RENDER_SUMMARY_FILE, readRenderSummary, resourceFiles } from "./render-summary.ts";

/** One document to validate. */
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
  /** Set when the document could not be parsed; `doc` is then undefined. */
  readonly syntaxError?: SchemaIssue;
  /** Finds the source line of a path inside the document (YAML only). */
  readonly locate?: Locate;
}

/** A file or directory that cannot be read; the CLI reports it as a usage error. */
export class InputError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(`${message}. Fix: ${fix}`);
    this.name = "InputError";
    this.fix = fix;
  }
}

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
    out.push(...rendered);
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

/**
 * The files to read: each file as given, and every `*.yaml`, `*.yml` and `*.json` file under each
 * directory (recursively, skipping entries whose name starts with a dot), sorted by path; in a
 * folder written by `runner-fleet render`, the manifests its index lists. `notes` collects what a
 * reader should know (a render with no Kubernetes object).
 */
export async function listInputFiles(paths: readonly string[], notes?: string[]): Promise<string[]> {
  const out: string[] = [];
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
      out.push(...found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    } else {
      out.push(p);
    }
  }
  return [...new Set(out)];
}

function keyMatches(key: unknown, seg: string | number): boolean {
  const value = isScalar(key) ? key.value : key;
  return String(value) === String(seg);
}

function locator(document: Document, lines: LineCounter): Locate {
  return (segments) => {
    let node: unknown = document.contents;
    let offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    for (const seg of segments) {
      if (isAlias(node)) node = node.resolve(document);
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
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

function yamlSyntaxIssue(error: YAMLError): SchemaIssue {
  const where = error.linePos?.[0];
  const message = `YAML syntax error: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`;
  const fix = error.code === "DUPLICATE_KEY" ? "remove or rename the repeated key" : "correct the YAML there (indentation, quotes, brackets)";
  return where ? { path: "", message: `${message} (line ${where.line}, column ${where.col})`, fix, line: where.line } : { path: "", message, fix };
}

/** Splits YAML text into documents; empty documents (only comments, or a trailing `---`) are left out. */
export function parseYamlDocuments(file: string, text: string): InputDocument[] {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, version: "1.1", prettyErrors: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const out: InputDocument[] = [];
  docs.forEach((document, index) => {
    const start = (document.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? document.range[0];
    const line = lines.linePos(start).line;
    const first = document.errors[0];
    if (first) {
      const syntaxError = yamlSyntaxIssue(first);
      out.push({ file, index, doc: undefined, format: "yaml", line: syntaxError.line ?? line, syntaxError });
      return;
    }
    let doc: unknown;
    try {
      doc = document.toJS({ maxAliasCount: 100 });
    } catch (e) {
      out.push({ file, index, doc: undefined, format: "yaml", line, syntaxError: { path: "", message: `YAML error: ${(e as Error).message}`, fix: "expand the aliases by hand", line } });
      return;
    }
    if (doc === null || doc === undefined) return;
    out.push({ file, index, doc, format: "yaml", line, locate: locator(document, lines) });
  });
  return out;
}

/** Parses a JSON file as one document. */
export function parseJsonDocument(file: string, text: string): InputDocument {
  try {
    return { file, index: 0, doc: JSON.parse(text), format: "json", line: 1 };
  } catch (e) {
    const message = (e as Error).message;
    const m = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    const line = m ? Number(m[1]) : pos ? text.slice(0, Number(pos[1])).split("\n").length : undefined;
    const syntaxError: SchemaIssue = {
      path: "",
      message: `JSON syntax error: ${message}`,
      fix: "correct the JSON there (quotes, commas, brackets)",
      ...(line === undefined ? {} : { line }),
    };
    return { file, index: 0, doc: undefined, format: "json", ...(line === undefined ? {} : { line }), syntaxError };
  }
}

/** Reads every document of the given files and directories (see {@link listInputFiles}). */
export async function readDocuments(paths: readonly string[], notes?: string[]): Promise<InputDocument[]> {
  const out: InputDocument[] = [];
  for (const file of await listInputFiles(paths, notes)) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new InputError(`${file}: cannot read (${(e as { code?: string }).code ?? (e as Error).message})`, "check the file's permissions");
    }
    if (path.extname(file).toLowerCase() === ".json") out.push(parseJsonDocument(file, text));
    else out.push(...parseYamlDocuments(file, text));
  }
  return out;
}
