/** Lists and hashes a cache directory: everything a record holds about its contents. */
import type { OpenFile } from "./batch-reader.ts";
import { defaultWorkerCount, HashWorkerPool, hashFiles, worthWorkers } from "./hash-files.ts";
import { sha256Manifest, type ManifestFile } from "./manifest.ts";
import { compareBytes, scanTree, type ScanProblem, type SkippedEntry } from "./scan-tree.ts";

export interface TreeDigest {
  /** Regular files read in full, sorted by path bytes. */
  readonly files: ManifestFile[];
  /** Symbolic links and special files: listed, never read or followed. */
  readonly skipped: SkippedEntry[];
  /** Files and directories that could not be listed or read; they are not in the manifests. */
  readonly unreadable: ScanProblem[];
  readonly totalBytes: number;
  readonly sha256Manifest: string;
  /** BLAKE3 (hex) of the contents of `files`, concatenated in order. */
  readonly blake3Manifest: string;
}

export interface DigestOptions {
  /**
   * Worker threads that read and SHA-256 files while the calling thread feeds BLAKE3; 0 does all
   * on the calling thread.
   * @default one per CPU, at most 8 (none on one CPU), and none for trees under 16 MiB
   */
  readonly workers?: number;
  /** How files are opened; a seam for tests. Only honoured with `workers: 0`. */
  readonly openFile?: OpenFile;
}

/** Lists `root` (a directory) and hashes each regular file once. */
export async function digestTree(root: string, options: DigestOptions = {}): Promise<TreeDigest> {
  if (options.openFile && options.workers !== 0) throw new Error("digestTree: openFile is only honoured with workers: 0");
  const count = options.workers ?? defaultWorkerCount();
  // Started before listing so that the threads boot while the tree is walked.
  const pool = count > 0 ? new HashWorkerPool(root, count) : undefined;
  let scan, hashed;
  try {
    scan = scanTree(root);
    const useWorkers = pool && (options.workers !== undefined || worthWorkers(scan.files.reduce((n, f) => n + f.size, 0)));
    hashed = await hashFiles(root, scan.files, useWorkers ? { pool } : options.openFile ? { openFile: options.openFile } : {});
  } finally {
    await pool?.close();
  }
  const files: ManifestFile[] = [];
  const skipped = [...scan.skipped];
  const unreadable = [...scan.unreadable];
  scan.files.forEach(({ rel }, i) => {
    const o = hashed.outcomes[i];
    if (o === undefined) throw new Error(`internal: no outcome for file ${i}`);
    if (o.status === "hashed") files.push({ rel, size: o.size, sha256: o.sha256 });
    else if (o.status === "unreadable") unreadable.push({ rel, error: o.error });
    else skipped.push({ rel, kind: o.kind });
  });
  skipped.sort(compareBytes);
  unreadable.sort(compareBytes);
  return {
    files,
    skipped,
    unreadable,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    sha256Manifest: sha256Manifest(files),
    blake3Manifest: hashed.blake3,
  };
}
