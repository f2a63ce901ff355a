/**
 * Worker threads started from a module beside the caller, as the CLI runs them: from source
 * (`.ts`, Node's type stripping) or compiled (`.js`), and under whatever Node options the parent
 * was given, less those a worker refuses.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * The parent's Node options minus those about evaluated input (`-e`, `-p`, `--input-type`), which
 * a worker started from a file refuses: the CLI may itself run as `node --input-type=module -e`.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^(-e|--eval|-p|--print|--input-type)$/.test(arg)) i++;
    else if (!/^(--eval|--print|--input-type)=/.test(arg)) out.push(arg);
  }
  return out;
}

/**
 * Starts the worker module `name` that sits beside `moduleUrl` (the caller's `import.meta.url`):
 * `name.ts` when the caller runs from source, `name.js` once compiled. The worker inherits the
 * parent's Node options unless some must be dropped (see {@link workerExecArgv}).
 */
export function startWorker(moduleUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const url = new URL(`./${name}${moduleUrl.endsWith(".ts") ? ".ts" : ".js"}`, moduleUrl);
  const execArgv = workerExecArgv(process.execArgv);
  return new Worker(url, execArgv.length === process.execArgv.length ? options : { ...options, execArgv });
}
