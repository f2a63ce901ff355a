/**
 * Indexes a manifest in a worker thread (see `indexManifestInWorker`): answers the index data, or
 * the input error the manifest is. Anything else thrown reaches the main thread as the worker's
 * error.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ManifestProblemsError, indexFileData, type WorkerAnswer } from "./manifest-index.ts";

const { path } = workerData as { readonly path: string };
let answer: WorkerAnswer;
try {
  answer = { data: indexFileData(path) };
} catch (e) {
  if (e instanceof ManifestProblemsError) answer = { problems: e.problems, file: path };
  else if (e instanceof Error && e.name === "InputError") answer = { input: e.message };
  else throw e;
}
parentPort?.postMessage(answer);
