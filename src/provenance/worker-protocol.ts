/** Messages between {@link hashFiles} and its hash workers (see hash-worker.ts). */
import type { FileOutcome } from "./batch-reader.ts";

export interface WorkerSetup {
  /** The cache directory, raw bytes. */
  readonly root: Uint8Array;
  readonly bufferCount: number;
  readonly bufferBytes: number;
}

export type ToWorker =
  /** Read these files (paths relative to the root) as batch `seq`. */
  | { readonly type: "batch"; readonly seq: number; readonly files: readonly { readonly index: number; readonly rel: Uint8Array }[] }
  /** A buffer handed back after its bytes were consumed. */
  | { readonly type: "buffer"; readonly buffer: ArrayBuffer };

/** A chunk of a batch (see `BatchChunk`), with its buffer transferred. */
export interface FromWorker {
  readonly type: "chunk";
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  readonly outcomes: FileOutcome[];
  readonly last: boolean;
}
