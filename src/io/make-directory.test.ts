// makeDirectory: parents made one level at a time; errors come back at once, never a hang.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirectory } from "./make-directory.ts";

test("creates missing parents and accepts an existing directory", () => {
  const root = mkdtempSync(join(tmpdir(), "mkdir-"));
  makeDirectory(join(root, "a/b/c"));
  assert.ok(existsSync(join(root, "a/b/c")));
  makeDirectory(join(root, "a/b/c"));
});

test("a file in the way is ENOTDIR; a path under /proc fails at once instead of spinning", () => {
  const root = mkdtempSync(join(tmpdir(), "mkdir-"));
  writeFileSync(join(root, "file"), "");
  assert.throws(() => makeDirectory(join(root, "file/sub")), { code: "ENOTDIR" });
  assert.throws(() => makeDirectory("/proc/runner-fleet-no-such/out"), (e: NodeJS.ErrnoException) => e.code === "ENOENT" || e.code === "EACCES" || e.code === "EPERM");
});
