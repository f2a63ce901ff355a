/**
 * Lists what a cache directory holds, without following symbolic links: regular files (to hash),
 * other entries (skipped and reported), and paths that could not be listed or inspected.
 */
import { lstatSync, readdirSync, readlinkSync, type Dirent, type Stats } from "node:fs";

/** What a directory entry is, for entries that are not directories. */
export type EntryKind = "file" | "symlink" | "fifo" | "socket" | "block-device" | "char-device" | "unknown";

export interface ScannedFile {
  /** Path relative to the scanned directory, as raw bytes, `/`-separated. */
  readonly rel: Buffer;
  /** Size seen while listing; a hint for planning reads (the record holds the bytes actually read). */
  readonly size: number;
}

export interface SkippedEntry {
  readonly rel: Buffer;
  readonly kind: Exclude<EntryKind, "file">;
  /** For a symbolic link: the link's target bytes (never followed). */
  readonly target?: Buffer;
}

export interface ScanProblem {
  readonly rel: Buffer;
  /** Error code and message, e.g. `EACCES: permission denied`. */
  readonly error: string;
}

export interface TreeScan {
  /** Regular files in byte order of their relative paths (the order of `LC_ALL=C sort`). */
  readonly files: ScannedFile[];
  readonly skipped: SkippedEntry[];
  readonly unreadable: ScanProblem[];
}

const SLASH = Buffer.from("/");

/** `root/rel` as raw bytes; `root` itself for the empty relative path. */
export function absolutePath(root: Buffer, rel: Uint8Array): Buffer {
  return rel.length === 0 ? root : Buffer.concat([root, SLASH, rel]);
}

/** Compares raw paths byte by byte, as `LC_ALL=C sort` does. */
export function compareBytes(a: { readonly rel: Buffer }, b: { readonly rel: Buffer }): number {
  return Buffer.compare(a.rel, b.rel);
}

/** `code: message` of a file system error, without the path (which the caller reports itself). */
export function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === "string") {
    const detail = String(err.message).replace(/^[A-Z0-9_]+: /, "").replace(/, \w+ '.*'$/s, "");
    return `${err.code}: ${detail}`;
  }
  return String(e instanceof Error ? e.message : e);
}

/** The entry's kind as readdir reported it; `undefined` when the file system did not say. */
function direntKind(entry: Dirent<Buffer>): EntryKind | "directory" | undefined {
  if (entry.isDirectory()) return "directory";
  if (entry.isFile()) return "file";
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isFIFO()) return "fifo";
  if (entry.isSocket()) return "socket";
  if (entry.isBlockDevice()) return "block-device";
  if (entry.isCharacterDevice()) return "char-device";
  return undefined;
}

export function kindOfStats(st: Stats): EntryKind {
  if (st.isFile()) return "file";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isBlockDevice()) return "block-device";
  if (st.isCharacterDevice()) return "char-device";
  return "unknown";
}

/**
 * Walks `root` (which must be a directory) depth first with an explicit stack, so deep trees
 * cannot overflow the call stack and symbolic links, never followed, cannot make it loop.
 */
export function scanTree(root: string): TreeScan {
  const rootBuf = Buffer.from(root);
  const files: ScannedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const unreadable: ScanProblem[] = [];
  const absolute = (rel: Buffer) => absolutePath(rootBuf, rel);
  const stack: Buffer[] = [Buffer.alloc(0)];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    let entries;
    try {
      entries = readdirSync(absolute(dir), { encoding: "buffer", withFileTypes: true });
    } catch (e) {
      unreadable.push({ rel: dir, error: describeError(e) });
      continue;
    }
    for (const entry of entries) {
      const rel = dir.length === 0 ? Buffer.from(entry.name) : Buffer.concat([dir, SLASH, entry.name]);
      try {
        let kind = direntKind(entry);
        let size = 0;
        if (kind === undefined || kind === "file") {
          // lstat sizes regular files and classifies entries whose type readdir did not report.
          const st = lstatSync(absolute(rel));
          kind = st.isDirectory() ? "directory" : kindOfStats(st);
          size = st.size;
        }
        if (kind === "directory") stack.push(rel);
        else if (kind === "file") files.push({ rel, size });
        else if (kind === "symlink") skipped.push({ rel, kind, target: readlinkSync(absolute(rel), { encoding: "buffer" }) });
        else skipped.push({ rel, kind });
      } catch (e) {
        unreadable.push({ rel, error: describeError(e) });
      }
    }
  }
  files.sort(compareBytes);
  skipped.sort(compareBytes);
  unreadable.sort(compareBytes);
  return { files, skipped, unreadable };
}
