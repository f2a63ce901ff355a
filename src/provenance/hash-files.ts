/**
 * Hashes a sorted list of files in one read pass: each file's SHA-256, and one BLAKE3 over all
 * contents concatenated in list order. Worker threads read and SHA-256 batches of files in
 * parallel; the calling thread feeds their bytes to BLAKE3 strictly in order and hands each buffer
 * back, so memory stays at a few buffers per worker whatever the size of the tree.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../io/worker.ts";
import { Blake3Hasher } from "@napi-rs/blake-hash";
import { readBatch, type BatchFile, type FileOutcome, type OpenFile } from "./batch-reader.ts";
import { encodePath } from "./path-encoding.ts";
import { absolutePath, type ScannedFile } from "./scan-tree.ts";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.ts";

/** Size of each read buffer. */
const BUFFER_BYTES = 1 << 20;
/** Buffers each worker owns: how far it may read ahead of the BLAKE3 feed. */
const BUFFERS_PER_WORKER = 4;
/** Consecutive small files are read as one batch of up to this many listed bytes... */
const BATCH_BYTES = 1 << 20;
/** ...and up to this many files. */
const BATCH_FILES = 128;
/** Batches a worker may hold (one being read, one queued) so that it never idles between two. */
const BATCHES_PER_WORKER = 2;
/** Trees smaller than this are hashed on the calling thread: starting workers would cost more. */
const INLINE_BELOW_BYTES = 16 << 20;
const MAX_WORKERS = 8;

export interface HashFilesOptions {
  /** Started worker threads to read and SHA-256 files; without them, files are hashed on the calling thread. */
  readonly pool?: HashWorkerPool;
  /** How files are opened on the calling thread; a seam for tests. @default openForHashing */
  readonly openFile?: OpenFile;
}

export interface HashedFiles {
  /** One outcome per listed file, at the file's index. */
  readonly outcomes: FileOutcome[];
  /** BLAKE3 (hex) of the contents of the files hashed, concatenated in list order. */
  readonly blake3: string;
}

/** A read failed after part of the file had been fed to BLAKE3: the tree digest cannot be completed. */
export class TreeReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TreeReadError";
  }
}

/** Worker threads for {@link hashFiles}, started ahead so they boot while the tree is listed. */
export class HashWorkerPool {
  readonly workers: readonly Worker[];
  /** The first error a worker raised while no batch was running (e.g. while booting). */
  failure: Error | undefined;
  constructor(root: string, count: number) {
    const setup: WorkerSetup = { root: Buffer.from(root), bufferCount: BUFFERS_PER_WORKER, bufferBytes: BUFFER_BYTES };
    this.workers = Array.from({ length: count }, () => startWorker(import.meta.url, "hash-worker", { workerData: setup }).on("error", (e: Error) => (this.failure ??= e)));
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * How many hash workers to start when the caller does not say: none on one CPU, else one per CPU
 * (at most 8).
 */
export function defaultWorkerCount(): number {
  const cpus = availableParallelism();
  return cpus < 2 ? 0 : Math.min(cpus, MAX_WORKERS);
}

/** Whether a tree of `totalBytes` is worth handing to workers (below 16 MiB it is hashed inline). */
export function worthWorkers(totalBytes: number): boolean {
  return totalBytes >= INLINE_BELOW_BYTES;
}

/** Groups consecutive files into batches as `[start, end)` index ranges; a large file gets its own. */
export function planBatches(files: readonly ScannedFile[]): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  files.forEach((f, i) => {
    if (i > start && (bytes + f.size > BATCH_BYTES || i - start >= BATCH_FILES)) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += f.size;
  });
  if (start < files.length) ranges.push([start, files.length]);
  return ranges;
}

/** Hashes `files` (listed under `root`, sorted) in one read pass. */
export async function hashFiles(root: string, files: readonly ScannedFile[], options: HashFilesOptions = {}): Promise<HashedFiles> {
  const blake = new Blake3Hasher();
  const outcomes: FileOutcome[] = new Array<FileOutcome>(files.length);
  const consume = (bytes: Buffer, done: readonly FileOutcome[]) => {
    if (bytes.length > 0) blake.update(bytes);
    for (const o of done) {
      if (o.status === "unreadable" && o.partial) {
        const rel = files[o.index]?.rel ?? Buffer.alloc(0);
        throw new TreeReadError(`${encodePath(rel).path}: read failed part way (${o.error}) after some of its bytes were hashed; the BLAKE3 manifest cannot be completed. Fix: make sure nothing modifies or unmounts the cache while it is read, then run again`);
      }
      outcomes[o.index] = o;
    }
  };
  const ranges = planBatches(files);
  if (options.pool) await hashWithWorkers(options.pool, files, ranges, consume);
  else await hashInline(Buffer.from(root), files, ranges, consume, options.openFile);
  return { outcomes, blake3: blake.digest("hex") };
}

type Consume = (bytes: Buffer, done: readonly FileOutcome[]) => void;

async function hashInline(root: Buffer, files: readonly ScannedFile[], ranges: readonly [number, number][], consume: Consume, open?: OpenFile): Promise<void> {
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  for (const [seq, [start, end]] of ranges.entries()) {
    const batchFiles: BatchFile[] = [];
    for (let i = start; i < end; i++) batchFiles.push({ index: i, path: absolutePath(root, files[i]!.rel) });
    await readBatch({ seq, files: batchFiles }, () => buffer, (c) => consume(c.buffer.subarray(0, c.length), c.outcomes), open);
  }
}

/** Runs the batches on the pool's workers; meant for one call per pool. */
async function hashWithWorkers(workers: HashWorkerPool, files: readonly ScannedFile[], ranges: readonly [number, number][], consume: Consume): Promise<void> {
  const pool = workers.workers;
  const count = pool.length;
  const send = (w: number, msg: ToWorker, transfer: ArrayBuffer[] = []) => pool[w]!.postMessage(msg, transfer);
  const listeners: (() => void)[] = [];
  if (workers.failure) throw workers.failure;
  try {
    await new Promise<void>((resolve, reject) => {
      const assigned = new Array<number>(count).fill(0);
      const owner: number[] = [];
      const pending = new Map<number, FromWorker[]>();
      let dispatched = 0;
      let consumed = 0;
      const dispatch = () => {
        for (let w = 0; w < count; w++) {
          while (assigned[w]! < BATCHES_PER_WORKER && dispatched < ranges.length) {
            const [start, end] = ranges[dispatched]!;
            const batch: { index: number; rel: Uint8Array }[] = [];
            for (let i = start; i < end; i++) batch.push({ index: i, rel: files[i]!.rel });
            owner[dispatched] = w;
            assigned[w]!++;
            send(w, { type: "batch", seq: dispatched++, files: batch });
          }
        }
      };
      // Feeds BLAKE3 with the chunks of batch `consumed`, in order, as they arrive.
      const drain = () => {
        for (let msg = pending.get(consumed)?.shift(); msg !== undefined; msg = pending.get(consumed)?.shift()) {
          consume(Buffer.from(msg.buffer, 0, msg.length), msg.outcomes);
          send(owner[consumed]!, { type: "buffer", buffer: msg.buffer }, [msg.buffer]);
          if (msg.last) {
            pending.delete(consumed);
            if (++consumed === ranges.length) resolve();
          }
        }
      };
      pool.forEach((worker, w) => {
        const onMessage = (msg: FromWorker) => {
          if (msg.last) {
            assigned[w]!--;
            dispatch();
          }
          const queue = pending.get(msg.seq);
          if (queue) queue.push(msg);
          else pending.set(msg.seq, [msg]);
          try {
            drain();
          } catch (e) {
            reject(e);
          }
        };
        const onExit = (code: number) => reject(new Error(`hash worker stopped early (exit code ${code})`));
        worker.on("message", onMessage).on("error", reject).on("exit", onExit);
        listeners.push(() => worker.off("message", onMessage).off("error", reject).off("exit", onExit));
      });
      if (ranges.length === 0) resolve();
      else dispatch();
    });
  } finally {
    for (const off of listeners) off();
  }
}
