/** The provenance record of one cache directory at one stage, and how it is built from a digest. */
import type { TreeDigest } from "./digest-tree.ts";
import { encodePath, type EncodedPath } from "./path-encoding.ts";
import type { EntryKind } from "./scan-tree.ts";
import type { RecordSignature } from "./signing.ts";

/** Version of the record layout described in docs/provenance.md. */
export const RECORD_VERSION = 1;

export interface FileRecord extends EncodedPath {
  readonly size: number;
  /** SHA-256 of the contents, lower-case hex. */
  readonly sha256: string;
}

/** A symbolic link or special file: listed, never read or followed. */
export interface SkippedRecord extends EncodedPath {
  readonly kind: Exclude<EntryKind, "file">;
  /** For a symbolic link, its target (encoded like a path). */
  readonly target?: EncodedPath;
}

/** A file or directory that could not be read; it is in neither manifest. */
export interface UnreadableRecord extends EncodedPath {
  /** Error code and message, e.g. `EACCES: permission denied`. */
  readonly error: string;
}

export interface ProvenanceRecord {
  readonly version: typeof RECORD_VERSION;
  /** Name of the pipeline stage that recorded the cache, e.g. `restore` or `build`. */
  readonly stage: string;
  /** When the record was made, ISO 8601 UTC with milliseconds. */
  readonly recorded_at: string;
  /** Absolute path of the cache directory. */
  readonly cache_dir: string;
  /** Regular files hashed. */
  readonly file_count: number;
  /** Sum of their sizes in bytes. */
  readonly total_bytes: number;
  /** See `sha256Manifest`. */
  readonly sha256_manifest: string;
  /** BLAKE3 of all file contents concatenated in `files` order, hex. */
  readonly blake3_manifest: string;
  /** Regular files in byte order of their paths. */
  readonly files: readonly FileRecord[];
  readonly skipped: readonly SkippedRecord[];
  readonly unreadable: readonly UnreadableRecord[];
  /** Signature over the canonical record (see `canonicalRecordBytes`); absent when unsigned. */
  readonly signature?: RecordSignature;
}

/** Builds the (unsigned) record of `digest`, a digest of `cacheDir` made at `recordedAt`. */
export function buildRecord(stage: string, cacheDir: string, digest: TreeDigest, recordedAt: Date): ProvenanceRecord {
  return {
    version: RECORD_VERSION,
    stage,
    recorded_at: recordedAt.toISOString(),
    cache_dir: cacheDir,
    file_count: digest.files.length,
    total_bytes: digest.totalBytes,
    sha256_manifest: digest.sha256Manifest,
    blake3_manifest: digest.blake3Manifest,
    files: digest.files.map((f) => ({ ...encodePath(f.rel), size: f.size, sha256: f.sha256 })),
    skipped: digest.skipped.map((s) => ({ ...encodePath(s.rel), kind: s.kind, ...(s.target ? { target: encodePath(s.target) } : {}) })),
    unreadable: digest.unreadable.map((u) => ({ ...encodePath(u.rel), error: u.error })),
  };
}
