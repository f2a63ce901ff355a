/**
 * Reads a batch of files once each: every byte read feeds the file's SHA-256 and is handed on, in
 * order, as part of the batch's concatenated contents (which the caller feeds to the tree-wide
 * BLAKE3). Used on the calling thread and inside hash workers alike. Memory stays bounded: bytes
 * only ever live in the caller's fixed-size buffers.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { describeError, kindOfStats, type EntryKind } from "./scan-tree.ts";

/** Opens a file for reading and returns its descriptor. The seam tests use to make opens fail. */
export type OpenFile = (path: Buffer) => number;

/**
 * Opens without following a symbolic link (a link swapped in after listing fails with ELOOP) and
 * without blocking (a FIFO swapped in is then seen by fstat and skipped, never read).
 */
export const openForHashing: OpenFile = (path) => openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);

export interface BatchFile {
  /** Position of the file in the sorted list of the whole tree. */
  readonly index: number;
  readonly path: Buffer;
}

export interface Batch {
  /** Batches are consumed in `seq` order, so the concatenated contents follow the sorted file order. */
  readonly seq: number;
  readonly files: readonly BatchFile[];
}

/** What happened to one file of a batch. */
export type FileOutcome =
  | { readonly index: number; readonly status: "hashed"; readonly size: number; readonly sha256: string }
  /** Open or read failed. `partial`: some of its bytes had already been handed on. */
  | { readonly index: number; readonly status: "unreadable"; readonly error: string; readonly partial: boolean }
  /** Listed as a regular file but something else when opened. */
  | { readonly index: number; readonly status: "not-a-file"; readonly kind: Exclude<EntryKind, "file"> };

/** A run of the batch's concatenated contents, and the files that ended at or before its end. */
export interface BatchChunk {
  readonly seq: number;
  readonly buffer: Buffer;
  /** Bytes of `buffer` that hold contents. */
  readonly length: number;
  readonly outcomes: FileOutcome[];
  /** The batch's final chunk. */
  readonly last: boolean;
}

/**
 * Reads `batch`. `acquire` gives an empty buffer to fill; `emit` takes a filled one and owns it
 * from then on. Each file is read up to the size fstat reported when it was opened (a file that
 * shrinks meanwhile ends early).
 */
export async function readBatch(batch: Batch, acquire: () => Buffer | Promise<Buffer>, emit: (chunk: BatchChunk) => void, open: OpenFile = openForHashing): Promise<void> {
  let buffer = await acquire();
  let used = 0;
  let outcomes: FileOutcome[] = [];
  const handOn = async () => {
    emit({ seq: batch.seq, buffer, length: used, outcomes, last: false });
    outcomes = [];
    buffer = await acquire();
    used = 0;
  };
  for (const { index, path } of batch.files) {
    let fd: number;
    try {
      fd = open(path);
    } catch (e) {
      outcomes.push({ index, status: "unreadable", error: describeError(e), partial: false });
      continue;
    }
    let start = used;
    let size = 0;
    let partial = false;
    try {
      const st = fstatSync(fd);
      const kind = kindOfStats(st);
      if (kind !== "file") {
        outcomes.push({ index, status: "not-a-file", kind });
        continue;
      }
      const sha = createHash("sha256");
      for (let remaining = st.size; remaining > 0; ) {
        if (used === buffer.length) {
          partial ||= size > 0;
          await handOn();
          start = 0;
        }
        const n = readSync(fd, buffer, used, Math.min(buffer.length - used, remaining), null);
        if (n === 0) break;
        sha.update(buffer.subarray(used, used + n));
        used += n;
        size += n;
        remaining -= n;
      }
      outcomes.push({ index, status: "hashed", size, sha256: sha.digest("hex") });
    } catch (e) {
      // Bytes of this file still in the current buffer are dropped; bytes already handed on are not.
      if (!partial) used = start;
      outcomes.push({ index, status: "unreadable", error: describeError(e), partial });
    } finally {
      closeSync(fd);
    }
  }
  emit({ seq: batch.seq, buffer, length: used, outcomes, last: true });
}
