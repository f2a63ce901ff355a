import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fixtureFiles, shellBlake3Manifest, shellSha256, shellSha256Manifest, tempDir, writeTree } from "../../test/provenance/fixture.ts";
import { openForHashing } from "./batch-reader.ts";
import { digestTree, type TreeDigest } from "./digest-tree.ts";
import { decodePath, encodePath } from "./path-encoding.ts";
import { needs, requireTool } from "../../test/validators.ts";

const text = (d: TreeDigest) => ({
  files: d.files.map((f) => ({ path: encodePath(f.rel), size: f.size, sha256: f.sha256 })),
  skipped: d.skipped.map((s) => ({ path: encodePath(s.rel), kind: s.kind, target: s.target ? encodePath(s.target) : undefined })),
  unreadable: d.unreadable.map((u) => ({ path: encodePath(u.rel), error: u.error })),
  totalBytes: d.totalBytes,
  sha256Manifest: d.sha256Manifest,
  blake3Manifest: d.blake3Manifest,
});

describe("digestTree", () => {
  const files = fixtureFiles();
  const dir = tempDir("digest");
  writeTree(dir, files);
  const expectedSha = shellSha256Manifest(dir);
  // Computed by the first test that needs it: b3sum may be missing (see test/validators.ts).
  let expectedBlake: string | undefined;
  after(() => rmSync(dir, { recursive: true }));

  for (const workers of [0, 2]) {
    it(`matches sha256sum and b3sum computed by shell pipelines (${workers} workers)`, needs("b3sum"), async () => {
      requireTool("b3sum");
      expectedBlake ??= shellBlake3Manifest(dir);
      const d = await digestTree(dir, { workers });
      assert.equal(d.sha256Manifest, expectedSha);
      assert.equal(d.blake3Manifest, expectedBlake);
      assert.equal(d.files.length, files.length);
      assert.equal(d.totalBytes, files.reduce((n, f) => n + f.content.length, 0));
      for (const name of ["big/large.bin", "a/B.txt", "empty"]) {
        const entry = d.files.find((f) => f.rel.toString() === name);
        assert.equal(entry?.sha256, shellSha256(join(dir, name)), name);
      }
    });
  }

  it("lists files in byte order of their paths, as LC_ALL=C sort does", async () => {
    const d = await digestTree(dir, { workers: 0 });
    const sorted = execFileSync("bash", ["-c", "find . -type f | sed 's|^\\./||' | LC_ALL=C sort"], { cwd: dir, encoding: "utf8" }).trim().split("\n");
    assert.deepEqual(d.files.map((f) => f.rel.toString()), sorted);
    assert.deepEqual(d.files.slice(0, 3).map((f) => f.rel.toString()), ["Z.txt", "a-b/c.txt", "a.txt"]);
  });

  it("gives the same digest whatever order the files were created in", async () => {
    const reversed = tempDir("digest-rev");
    writeTree(reversed, [...files].reverse());
    const [a, b] = [await digestTree(dir, { workers: 0 }), await digestTree(reversed, { workers: 2 })];
    assert.deepEqual(text(b), text(a));
    rmSync(reversed, { recursive: true });
  });

  it("lists symbolic links without following them, so loops cannot hang", async () => {
    const d0 = tempDir("links");
    writeTree(d0, [{ path: "sub/real.txt", content: Buffer.from("real\n") }]);
    symlinkSync("self", join(d0, "self"));
    symlinkSync("..", join(d0, "sub/up"));
    symlinkSync(".", join(d0, "sub/here"));
    symlinkSync(join(d0, "sub/real.txt"), join(d0, "link-to-file"));
    const d = await digestTree(d0);
    assert.deepEqual(d.files.map((f) => f.rel.toString()), ["sub/real.txt"]);
    assert.deepEqual(
      d.skipped.map((s) => [s.rel.toString(), s.kind, s.target?.toString()]),
      [
        ["link-to-file", "symlink", join(d0, "sub/real.txt")],
        ["self", "symlink", "self"],
        ["sub/here", "symlink", "."],
        ["sub/up", "symlink", ".."],
      ],
    );
    assert.equal(d.sha256Manifest, shellSha256Manifest(d0));
    rmSync(d0, { recursive: true });
  });

  it("skips a FIFO without opening it for a blocking read", async () => {
    const d0 = tempDir("fifo");
    writeTree(d0, [{ path: "f.txt", content: Buffer.from("x") }]);
    execFileSync("mkfifo", [join(d0, "pipe")]);
    const d = await digestTree(d0);
    assert.deepEqual(d.skipped.map((s) => [s.rel.toString(), s.kind]), [["pipe", "fifo"]]);
    assert.equal(d.files.length, 1);
    rmSync(d0, { recursive: true });
  });

  it("hashes a non-UTF-8 file name with its exact bytes and encodes it losslessly", needs("b3sum"), async () => {
    requireTool("b3sum");
    const d0 = tempDir("bytes");
    const raw = Buffer.concat([Buffer.from("bad-"), Buffer.from([0xff, 0xfe, 0x25]), Buffer.from(".bin")]);
    writeTree(d0, [
      { path: raw, content: Buffer.from("latin-1 name\n") },
      { path: "good.txt", content: Buffer.from("ok\n") },
    ]);
    const d = await digestTree(d0);
    assert.equal(d.sha256Manifest, shellSha256Manifest(d0));
    assert.equal(d.blake3Manifest, shellBlake3Manifest(d0));
    const entry = d.files.find((f) => Buffer.compare(f.rel, raw) === 0);
    assert.ok(entry, "the file is listed under its raw bytes");
    const encoded = encodePath(entry.rel);
    assert.deepEqual(encoded, { path: "bad-%FF%FE%25.bin", path_base64: raw.toString("base64") });
    assert.ok(decodePath(encoded).equals(raw));
    assert.deepEqual(encodePath(Buffer.from("good.txt")), { path: "good.txt" });
    rmSync(d0, { recursive: true });
  });

  it("reports a file that cannot be opened and leaves it out of both manifests", needs("b3sum"), async () => {
    requireTool("b3sum");
    const d0 = tempDir("unreadable");
    writeTree(d0, [
      { path: "a.txt", content: Buffer.from("a\n") },
      { path: "locked/secret.key", content: Buffer.from("nope\n") },
      { path: "z.txt", content: Buffer.from("z\n") },
    ]);
    const openFile = (p: Buffer) => {
      if (p.toString().endsWith("/secret.key")) throw Object.assign(new Error(`EACCES: permission denied, open '${p.toString()}'`), { code: "EACCES" });
      return openForHashing(p);
    };
    const d = await digestTree(d0, { workers: 0, openFile });
    assert.deepEqual(d.unreadable.map((u) => [u.rel.toString(), u.error]), [["locked/secret.key", "EACCES: permission denied"]]);
    assert.deepEqual(d.files.map((f) => f.rel.toString()), ["a.txt", "z.txt"]);
    rmSync(join(d0, "locked"), { recursive: true });
    assert.equal(d.sha256Manifest, shellSha256Manifest(d0));
    assert.equal(d.blake3Manifest, shellBlake3Manifest(d0));
    rmSync(d0, { recursive: true });
  });

  it("records an empty directory as no files, with the digests of empty input", async () => {
    const d0 = tempDir("empty");
    mkdirSync(join(d0, "only/dirs"), { recursive: true });
    const d = await digestTree(d0);
    assert.equal(d.files.length, 0);
    assert.equal(d.sha256Manifest, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(d.blake3Manifest, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    rmSync(d0, { recursive: true });
  });

  it("refuses the open seam with worker threads, which cannot use it", async () => {
    await assert.rejects(digestTree(dir, { workers: 2, openFile: openForHashing }), /openFile is only honoured with workers: 0/);
  });
});
