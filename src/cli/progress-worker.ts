/**
 * The progress line of `withProgress`, drawn from a worker thread: a render keeps the main thread
 * busy (loading the Pulumi SDK, running the program), so a timer there would never fire. The worker
 * writes straight to the file descriptor and stops when the main thread sets the stop flag.
 *
 * Shared flags: [0] stop (set by the main thread), [1] a line was drawn, [2] the worker is done.
 */
import { writeSync } from "node:fs";
import { workerData } from "node:worker_threads";

interface ProgressWorkerData {
  readonly flags: SharedArrayBuffer;
  readonly fd: number;
  readonly label: string;
  readonly delayMs: number;
}

const FRAMES = ["|", "/", "-", "\\"];
const { flags: buffer, fd, label, delayMs } = workerData as ProgressWorkerData;
const flags = new Int32Array(buffer);
const started = Date.now();
if (Atomics.wait(flags, 0, 0, delayMs) === "timed-out") {
  for (let frame = 0; Atomics.load(flags, 0) === 0; frame++) {
    writeSync(fd, `\r\x1b[2K${FRAMES[frame % FRAMES.length] ?? ""} ${label} ${Math.floor((Date.now() - started) / 1000)}s`);
    Atomics.store(flags, 1, 1);
    Atomics.wait(flags, 0, 0, 250);
  }
}
Atomics.store(flags, 2, 1);
Atomics.notify(flags, 2);
