/**
 * `mkdir -p` one level at a time. Node's `mkdirSync(dir, { recursive: true })` never returns for
 * some paths under /proc (it retries the ENOENT a pseudo file system keeps answering), so every
 * output folder the CLI creates goes through this instead.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;

/**
 * Creates `dir` and its missing parents. Throws the file system's error (with its `code`) for the
 * first level that cannot be made, or ENOTDIR when an existing level is not a directory.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let cur = resolve(dir); ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(cur).isDirectory();
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
      missing.push(cur);
      const parent = dirname(cur);
      if (parent === cur) break;
      cur = parent;
      continue;
    }
    if (!isDir) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${cur}'`), { code: "ENOTDIR", path: cur });
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
    }
  }
}
