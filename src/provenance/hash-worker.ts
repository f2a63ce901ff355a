/**
 * Worker thread of {@link hashFiles}: reads the batches it is given, in the order given, computing
 * each file's SHA-256, and transfers the filled buffers to the main thread, which returns each one
 * once it has fed it to BLAKE3. A worker owns a fixed number of buffers, so it waits rather than
 * allocating when the main thread falls behind.
 */
import { parentPort, workerData } from "node:worker_threads";
import { readBatch, type Batch } from "./batch-reader.ts";
import { absolutePath } from "./scan-tree.ts";
import type { ToWorker, WorkerSetup } from "./worker-protocol.ts";

if (!parentPort) throw new Error("hash-worker.ts runs as a worker thread only");
const port = parentPort;
const setup = workerData as WorkerSetup;
const root = Buffer.from(setup.root);

const free: Buffer[] = Array.from({ length: setup.bufferCount }, () => Buffer.allocUnsafeSlow(setup.bufferBytes));
const waiting: ((b: Buffer) => void)[] = [];
const queue: Batch[] = [];
let running = false;

function acquire(): Buffer | Promise<Buffer> {
  return free.pop() ?? new Promise<Buffer>((resolve) => waiting.push(resolve));
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
    await readBatch(batch, acquire, (chunk) => {
      const ab = chunk.buffer.buffer as ArrayBuffer;
      port.postMessage({ type: "chunk", seq: chunk.seq, buffer: ab, length: chunk.length, outcomes: chunk.outcomes, last: chunk.last }, [ab]);
    });
  }
  running = false;
}

port.on("message", (msg: ToWorker) => {
  if (msg.type === "buffer") {
    const buf = Buffer.from(msg.buffer);
    const next = waiting.shift();
    if (next) next(buf);
    else free.push(buf);
    return;
  }
  queue.push({ seq: msg.seq, files: msg.files.map((f) => ({ index: f.index, path: absolutePath(root, f.rel) })) });
  void drain();
});
