/**
 * A manifest to diff against, indexed: every object as its identity
 * (apiVersion, kind, metadata.name and namespace), and where in the text each one is, so that the
 * few objects the stack renders can be read again in full. A manifest of hundreds of thousands of
 * documents costs its identities, not its objects. A large file is indexed in a worker thread
 * before the stack is rendered: the memory of parsing it is given back when the worker ends.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { redactCredentials } from "../../model/credential-shape.ts";
import { Worker } from "node:worker_threads";
import type { KubeObject } from "./kube-object.ts";
import { formatObjectRef, isKubeObject, kubeObjectProblem, objectKey, objectRef } from "./kube-object.ts";
import { InputError } from "../input-error.ts";
import { expandList } from "../object-shape.ts";
import { decodeManifest, readBytesSync, releaseBytes } from "../schema/manifest-bytes.ts";
import { yamlDocuments } from "../schema/yaml-stream.ts";

/** At most this many manifest problems are spelled out in a message; the rest are counted. */
const MAX_LISTED = 50;

/** The path `-` names standard input (`kubectl get ... -o yaml | runner-fleet diff ... --against -`). */
export const STDIN = "-";

/**
 * The problems of a manifest, every one at once, each naming file:line:column and its fix: a
 * usage error whose message is the list itself.
 */
export class ManifestProblemsError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`);
    if (problems.length > MAX_LISTED) listed.push(`  … and ${problems.length - MAX_LISTED} more problems`);
    super(redactCredentials(`${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${listed.join("\n")}`));
    // Reported as bad input (exit 2) with this message alone.
    this.name = "InputError";
    this.problems = problems;
  }
}

/** The manifest's text; every problem (missing, a directory, binary, too large) is an InputError. */
export function manifestText(path: string): string {
  return manifestSource(path).text;
}

/**
 * The manifest's text, and whether its character offsets are byte offsets in the file (ASCII text
 * in UTF-8 without a byte order mark): then a part of it can be read again from the file alone.
 */
function manifestSource(path: string): { text: string; byteOffsets: boolean } {
  const file = path === STDIN ? "<stdin>" : path;
  if (path !== STDIN) {
    if (!existsSync(path)) {
      throw new InputError(`${path}: no such file`, "pass a YAML manifest, e.g. one written by `kubectl get deployment,configmap -n <namespace> -o yaml > live.yaml`, or - to read standard input");
    }
    if (statSync(path).isDirectory()) throw new InputError(`${path}: is a directory`, "pass one YAML file (several documents or a kind: List)");
  }
  const bytes = readBytesSync(path === STDIN ? 0 : path, file);
  const text = decodeManifest(file, bytes, "yaml");
  const byteOffsets = bytes.length === text.length;
  releaseBytes(bytes);
  return { text, byteOffsets };
}

export interface ReadManifestOptions {
  /**
   * Which objects the caller needs in full; the others are kept as their identity only
   * (apiVersion, kind, metadata.name and namespace), so that a manifest of any size costs little.
   * @default every object in full
   */
  readonly keep?: (object: KubeObject) => boolean;
}

export interface ManifestIndex {
  /** How messages name the manifest. */
  readonly file: string;
  /** Every object as its identity (apiVersion, kind, metadata.name and namespace), in manifest order. */
  readonly objects: readonly KubeObject[];
  /** Object `i` of {@link objects}, read again in full. */
  fullAt(i: number): KubeObject | undefined;
}

/**
 * An index as plain data, to hand from a worker to the main thread: identities as lists of
 * strings, places as numbers, and the length of the text they are places in.
 */
export interface IndexData {
  readonly file: string;
  readonly apiVersions: readonly string[];
  readonly kinds: readonly string[];
  readonly names: readonly string[];
  /** "" for none. */
  readonly namespaces: readonly string[];
  /** Per object: its document's piece of text (start, end), which document of the piece, which List item (-1: none). */
  readonly places: Float64Array;
  readonly textLength: number;
  /** Set when places are byte offsets in this file, as it was when read: objects are read again from it alone. */
  readonly source?: { readonly path: string; readonly size: number; readonly mtimeMs: number };
}

/** A growable list of numbers that costs 8 bytes each. */
class Numbers {
  #data = new Float64Array(4 * 1024);
  length = 0;
  push(...values: number[]): void {
    for (const n of values) {
      if (this.length === this.#data.length) {
        const bigger = new Float64Array(this.#data.length * 2);
        bigger.set(this.#data);
        this.#data = bigger;
      }
      this.#data[this.length++] = n;
    }
  }
  at(i: number): number {
    return this.#data[i] ?? Number.NaN;
  }
  done(): Float64Array {
    return this.#data.slice(0, this.length);
  }
}

/** Numbers per object in {@link IndexData.places}. */
const PLACE = 4;

/**
 * Reads a manifest's text one document at a time into plain index data (`kind: List` expanded);
 * every problem names file:line:column and the fix, all in one {@link ManifestProblemsError}.
 * Throws InputError when the run's document budget is spent.
 */
export function indexData(file: string, text: string): IndexData {
  const problems: string[] = [];
  const apiVersions: string[] = [];
  const kinds: string[] = [];
  const names: string[] = [];
  const namespaces: string[] = [];
  const places = new Numbers();
  // Line and column of each object, to name both places of a duplicate.
  const firstSeen = new Numbers();
  const ordinal = new Map<string, number>();
  // The same apiVersion, kind and namespace strings are shared by every object that has them.
  const shared = new Map<string, string>();
  const intern = (v: string) => {
    const known = shared.get(v);
    if (known !== undefined) return known;
    shared.set(v, v);
    return v;
  };
  let pieceStart = -1;
  let docInPiece = 0;
  for (const doc of yamlDocuments(file, text)) {
      const n = doc.index + 1;
      if (doc.problems) {
        for (const p of doc.problems) problems.push(`${file}:${p.line}:${p.col}: ${p.message}. Fix: ${p.syntax ? `correct the YAML syntax of document ${n}` : `${p.fix} (document ${n})`}`);
        continue;
      }
      const piece = doc.piece ?? { start: 0, end: text.length };
      docInPiece = piece.start === pieceStart ? docInPiece + 1 : 0;
      pieceStart = piece.start;
      const { items, isList } = expandList(doc.doc);
      items.forEach((item, i) => {
        const at = doc.where?.(isList ? ["items", i] : []) ?? { line: doc.line ?? 1, col: 1 };
        const what = isList ? `document ${n}, items[${i}]` : `document ${n}`;
        const problem = kubeObjectProblem(item);
        if (problem !== undefined) {
          problems.push(`${file}:${at.line}:${at.col}: ${what} ${problem}. Fix: every document must be a Kubernetes object with apiVersion, kind and metadata.name (or a kind: List of them)`);
          return;
        }
        const obj = item as KubeObject;
        const key = objectKey(obj);
        const first = ordinal.get(key);
        if (first !== undefined) {
          problems.push(`${file}:${at.line}:${at.col}: ${what} is ${formatObjectRef(objectRef(obj))} again (first at ${file}:${firstSeen.at(2 * first)}:${firstSeen.at(2 * first + 1)}). Fix: keep one copy of each object`);
          return;
        }
        ordinal.set(key, names.length);
        firstSeen.push(at.line, at.col);
        places.push(piece.start, piece.end, docInPiece, isList ? i : -1);
        apiVersions.push(intern(obj.apiVersion));
        kinds.push(intern(obj.kind));
        names.push(obj.metadata.name);
        namespaces.push(intern(obj.metadata.namespace ?? ""));
      });
  }
  if (problems.length > 0) throw new ManifestProblemsError(file, problems);
  return { file, apiVersions, kinds, names, namespaces, places: places.done(), textLength: text.length };
}

/** The part of a file between two byte offsets, read on its own; the file must be as it was. */
function filePart(source: NonNullable<IndexData["source"]>, file: string, start: number, end: number): string {
  const changed = () => new InputError(`${file}: the file changed while the diff read it`, "run the diff again once the file is written");
  let fd: number | undefined;
  try {
    const info = statSync(source.path);
    if (info.size !== source.size || info.mtimeMs !== source.mtimeMs) throw changed();
    fd = openSync(source.path, "r");
    const bytes = Buffer.alloc(end - start);
    if (readSync(fd, bytes, 0, bytes.length, start) !== bytes.length) throw changed();
    return bytes.toString("latin1");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw changed();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An index over index data; `text` gives the manifest's text again (the same text the data was read from). */
export function indexFrom(data: IndexData, text: () => string): ManifestIndex {
  const objects: KubeObject[] = data.names.map((name, i) => {
    const ns = data.namespaces[i] ?? "";
    return { apiVersion: data.apiVersions[i] ?? "", kind: data.kinds[i] ?? "", metadata: { name, ...(ns === "" ? {} : { namespace: ns }) } };
  });
  let source: string | undefined;
  return {
    file: data.file,
    objects,
    fullAt(i) {
      const p = data.places;
      const [start, end] = [p[PLACE * i] ?? 0, p[PLACE * i + 1] ?? 0];
      let piece: string;
      if (data.source) {
        piece = filePart(data.source, data.file, start, end);
      } else {
        source ??= text();
        if (source.length !== data.textLength) throw new InputError(`${data.file}: the file changed while the diff read it`, "run the diff again once the file is written");
        piece = source.slice(start, end);
      }
      // The piece was read without a problem the first time; it reads the same way again.
      const docs = [...yamlDocuments(data.file, piece)];
      const doc = docs[p[PLACE * i + 2] ?? 0]?.doc;
      const item = (p[PLACE * i + 3] ?? -1) < 0 ? doc : expandList(doc).items[p[PLACE * i + 3] ?? 0];
      return isKubeObject(item) ? item : undefined;
    },
  };
}

/** Reads a manifest's text into an index (see {@link indexData}); `file` names it in messages. */
export function indexManifestText(file: string, text: string): ManifestIndex {
  return indexFrom(indexData(file, text), () => text);
}

/**
 * Reads a YAML manifest (multi-document, `kind: List` expanded), one document at a time, into an
 * index; problems name file:line:column and the fix, all in one {@link ManifestProblemsError}.
 * `path` `-` reads standard input.
 */
export function indexManifest(path: string): ManifestIndex {
  return indexManifestText(path === STDIN ? "<stdin>" : path, manifestText(path));
}

/**
 * Indexes a manifest file; when its text is plain ASCII, the index reads objects again from the
 * file alone (see {@link IndexData.source}).
 */
export function indexFileData(path: string): IndexData {
  const before = statSync(path);
  const { text, byteOffsets } = manifestSource(path);
  const data = indexData(path, text);
  return byteOffsets ? { ...data, source: { path, size: before.size, mtimeMs: before.mtimeMs } } : data;
}

/** Files smaller than this are indexed in this thread: a worker would cost more than it saves. */
const WORKER_ABOVE = 8 * 1024 * 1024;

/** The worker module next to this file: `.ts` when run from source, `.js` from the build. */
const INDEX_WORKER = new URL(`./manifest-index-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** What the worker answers: the index data, or the input error the manifest is. */
export type WorkerAnswer = { readonly data: IndexData } | { readonly problems: readonly string[]; readonly file: string } | { readonly input: string };

/**
 * {@link indexManifest} for a file, in a worker thread when the file is large: the garbage of
 * parsing it goes with the worker, so that the render that follows starts from a small heap. The
 * few objects the diff compares are read again from the file, which must not change meanwhile.
 */
export async function indexManifestInWorker(path: string): Promise<ManifestIndex> {
  // Missing files and directories are refused here, with the same messages.
  if (!existsSync(path) || statSync(path).isDirectory() || statSync(path).size < WORKER_ABOVE) return indexManifest(path);
  const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
    const worker = new Worker(INDEX_WORKER, { workerData: { path } });
    worker.once("message", (message: WorkerAnswer) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the manifest reader stopped with exit code ${code}`)));
  });
  if ("problems" in answer) throw new ManifestProblemsError(answer.file, answer.problems);
  if ("input" in answer) throw Object.assign(new Error(answer.input), { name: "InputError" });
  return indexFrom(answer.data, () => manifestText(path));
}

/**
 * Reads every object of a YAML manifest (multi-document, `kind: List` expanded), one document at a
 * time; problems name file:line:column and the fix, all in one {@link ManifestProblemsError}.
 * `path` `-` reads standard input.
 */
export function readManifest(path: string, opts: ReadManifestOptions = {}): KubeObject[] {
  return manifestObjects(path === STDIN ? "<stdin>" : path, manifestText(path), opts);
}

/** Every object of a manifest's text (see {@link readManifest}); `file` names it in messages. */
export function manifestObjects(file: string, text: string, opts: ReadManifestOptions = {}): KubeObject[] {
  return objectsOf(indexManifestText(file, text), opts.keep);
}

/** The index's objects, in full where `keep` says so (every one by default), else as identities. */
export function objectsOf(index: ManifestIndex, keep: ((object: KubeObject) => boolean) | undefined): KubeObject[] {
  return index.objects.map((o, i) => (keep === undefined || keep(o) ? (index.fullAt(i) ?? o) : o));
}
