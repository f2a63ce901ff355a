import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../test/provenance/fixture.ts";
import { openForHashing } from "./batch-reader.ts";
import { readRecord } from "./read-record.ts";
import { recordCache } from "./record-cache.ts";
import { verifyCache } from "./verify-cache.ts";
import { writeRecord } from "./write-record.ts";

describe("verifyCache", () => {
  const work = tempDir("verify");
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A fresh cache and its record, read back from disk as verify reads it. */
  async function recorded(name: string) {
    const cache = join(work, name);
    writeTree(cache, [
      { path: "keep.txt", content: Buffer.from("keep\n") },
      { path: "lib/a.so", content: Buffer.from("binary\n") },
    ]);
    symlinkSync("lib/a.so", join(cache, "current"));
    const record = await recordCache({ stage: "restore", cacheDir: cache, now: new Date("2025-03-01T12:00:00Z") });
    const written = writeRecord(record, join(work, `${name}-out`));
    return { cache, loaded: readRecord(written.record), file: written.record };
  }

  it("reports a retargeted symbolic link as changed, and a file turned into a link as vanished plus appeared", async () => {
    const { cache, loaded } = await recorded("links");
    unlinkSync(join(cache, "current"));
    symlinkSync("keep.txt", join(cache, "current"));
    unlinkSync(join(cache, "lib/a.so"));
    symlinkSync("/etc/passwd", join(cache, "lib/a.so"));
    const report = await verifyCache({ ...loaded, cacheDir: cache });
    assert.equal(report.ok, false);
    assert.deepEqual(report.changed, [{ path: "current", kind: "symlink", recorded: { target: "lib/a.so" }, actual: { target: "keep.txt" } }]);
    assert.deepEqual(report.vanished, [{ path: "lib/a.so", kind: "file" }]);
    assert.deepEqual(report.appeared, [{ path: "lib/a.so", kind: "symlink" }]);
  });

  it("reports a file unreadable now as unreadable, not as vanished", async () => {
    const { cache, loaded } = await recorded("unreadable");
    const openFile = (p: Buffer) => {
      if (p.toString().endsWith("/keep.txt")) throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
      return openForHashing(p);
    };
    const report = await verifyCache({ ...loaded, cacheDir: cache }, { workers: 0, openFile });
    assert.equal(report.ok, false);
    assert.deepEqual(report.unreadable, [{ path: "keep.txt", error: "EIO: i/o error" }]);
    assert.deepEqual(report.vanished, []);
  });

  it("flags a record whose file list was edited without its manifest", async () => {
    const { cache, file } = await recorded("edited");
    const raw = JSON.parse(readFileSync(file, "utf8")) as { files: { path: string; sha256: string }[] };
    raw.files[0]!.sha256 = "f".repeat(64);
    writeFileSync(file, JSON.stringify(raw));
    writeFileSync(join(cache, "keep.txt"), "edited to match\n");
    const report = await verifyCache({ ...readRecord(file), cacheDir: cache });
    assert.equal(report.checks.record_consistent, false);
    assert.equal(report.ok, false);
  });

  it("checks a summary-only record (the evidence format without files) by its manifests", async () => {
    const { cache, loaded, file } = await recorded("summary");
    const { files: _f, skipped: _s, unreadable: _u, version: _v, ...summary } = loaded.record;
    writeFileSync(file, JSON.stringify(summary));
    const same = await verifyCache({ ...readRecord(file), cacheDir: cache });
    assert.equal(same.per_file, false);
    assert.equal(same.strength, "summary-only");
    assert.match(same.note ?? "", /rearranged tree with the same bytes .*can match/);
    assert.equal(same.ok, true);
    writeFileSync(join(cache, "keep.txt"), "changed\n");
    const changed = await verifyCache({ ...readRecord(file), cacheDir: cache });
    assert.equal(changed.ok, false);
    assert.deepEqual(changed.changed, [], "without a file list no file can be named");
    assert.equal(changed.checks.sha256_manifest.ok, false);
  });
});
