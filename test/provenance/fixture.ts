// Fixture trees for the provenance tests, and the digests computed independently of our code:
// shell pipelines over coreutils' sha256sum and the b3sum tool.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { requireTool } from "../validators.ts";

export interface FixtureFile {
  /** Relative path: text, or raw bytes for names that are not UTF-8. */
  readonly path: string | Buffer;
  readonly content: Buffer;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rf-provenance-${prefix}-`));
}

/** A varied tree: byte-order traps, spaces, UTF-8 names, an empty file, files larger than a read buffer, many small files. */
export function fixtureFiles(): FixtureFile[] {
  const files: FixtureFile[] = [
    { path: "a.txt", content: Buffer.from("hello\n") },
    { path: "a-b/c.txt", content: Buffer.from("dash sorts before slash\n") },
    { path: "a/b.txt", content: Buffer.from("lower\n") },
    { path: "a/B.txt", content: Buffer.from("upper sorts first in C order\n") },
    { path: "Z.txt", content: Buffer.from("capital Z sorts before a\n") },
    { path: "dir with space/file 1.txt", content: Buffer.from("spaces\n") },
    { path: "é/ü.txt", content: Buffer.from("utf-8 names\n") },
    { path: "empty", content: Buffer.alloc(0) },
    { path: "big/large.bin", content: randomBytes(3.5 * 1024 * 1024) },
    { path: "mid/medium.bin", content: randomBytes(1.5 * 1024 * 1024 + 7) },
  ];
  for (let i = 0; i < 300; i++) files.push({ path: `many/f${String(i).padStart(3, "0")}.dat`, content: randomBytes((i * 7919) % 20000) });
  return files;
}

/** Writes `files` under `dir`, in the given order (file systems may list them in creation order). */
export function writeTree(dir: string, files: readonly FixtureFile[]): void {
  for (const f of files) {
    const full = typeof f.path === "string" ? join(dir, f.path) : Buffer.concat([Buffer.from(dir + "/"), f.path]);
    mkdirSync(dirname(full.toString()), { recursive: true });
    writeFileSync(full, f.content);
  }
}

const sh = (script: string, cwd: string) => execFileSync("bash", ["-o", "pipefail", "-c", script], { cwd, encoding: "latin1" }).trim();

/** The SHA-256 manifest by a shell pipeline: sorted paths, each path + sha256sum hex + size, hashed by sha256sum. */
export function shellSha256Manifest(dir: string): string {
  return sh(
    `find . -type f -print | sed 's|^\\./||' | LC_ALL=C sort | while IFS= read -r f; do printf '%s%s%s' "$f" "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %s -- "$f")"; done | sha256sum | cut -c1-64`,
    dir,
  );
}

/** The BLAKE3 manifest by b3sum over the contents of the sorted files, concatenated. */
export function shellBlake3Manifest(dir: string): string {
  requireTool("b3sum");
  return sh(`find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r cat | b3sum --no-names`, dir);
}

/** sha256sum of one file. */
export function shellSha256(file: string): string {
  return execFileSync("sha256sum", ["--", file], { encoding: "latin1" }).slice(0, 64);
}
