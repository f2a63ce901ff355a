// Bad records: each is one ConfigError that names the file and the key path (or line and column)
// and says how to fix it; nothing in it crashes, stalls or is quoted back.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { tempDir } from "../../test/provenance/fixture.ts";
import { ConfigError } from "../model/issues.ts";
import { reportRows } from "../cli/provenance.ts";
import { checkJson } from "./json-input.ts";
import { parseRecord, readRecord, RECORD_LIMITS } from "./read-record.ts";
import { verifyCache } from "./verify-cache.ts";

const base = {
  version: 1,
  stage: "build",
  recorded_at: "2025-01-01T00:00:00.000Z",
  cache_dir: "/cache",
  file_count: 1,
  total_bytes: 6,
  sha256_manifest: "0".repeat(64),
  blake3_manifest: "0".repeat(64),
  files: [{ path: "a.txt", size: 6, sha256: "a".repeat(64) }],
  skipped: [{ path: "link", kind: "symlink", target: { path: "../elsewhere" } }],
  unreadable: [],
};

/** The ConfigError of `text`, after checking it names the file and that every problem has a fix. */
function refused(text: string | Buffer) {
  const started = Date.now();
  let error: unknown;
  try {
    parseRecord(Buffer.isBuffer(text) ? text : Buffer.from(text), "rec.json");
  } catch (e) {
    error = e;
  }
  assert.ok(Date.now() - started < 3000, "refused quickly");
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.match(error.message, /^provenance record rec\.json has \d+ problems?(; the first \d+ are listed)?:\n/);
  for (const i of error.issues) assert.ok(i.fix.length > 15, JSON.stringify(i));
  return error;
}

const edited = (edit: (r: Record<string, unknown> & typeof base) => void) => {
  const r = structuredClone(base) as Record<string, unknown> & typeof base;
  edit(r);
  return JSON.stringify(r);
};

describe("parseRecord", () => {
  it("accepts a well-formed record, a UTF-8 byte-order mark, and a link target outside the cache", () => {
    assert.equal(parseRecord(Buffer.from(JSON.stringify(base)), "rec.json").record.files?.length, 1);
    assert.equal(parseRecord(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(base))]), "rec.json").record.stage, "build");
  });

  it("JSON that does not parse is named by line and column, never quoted", () => {
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const cases: [string, RegExp, string][] = [
      ["", /is not JSON \(line 1, column 1: is empty/, "(root)"],
      [`{\n  "stage": ${token}\n}`, /is not JSON \(line 2, column 12: expected a value/, "stage"],
      ['{"files": [{"path": "a"}, }', /is not JSON \(line 1, column 27: expected a value/, "files[1]"],
      ['{"stage": "a\nb"}', /line 1, column 13: a string holds a control character/, "stage"],
      ['{"stage": "\\x"}', /an invalid escape/, "stage"],
      ['{"a": 1} trailing', /has more text after the JSON value ends/, "(root)"],
      ['{"a": 01}', /expected , or \}/, "a"],
      ['{"a": "unclosed', /a string is not closed before the end of the file/, "a"],
    ];
    for (const [text, message, path] of cases) {
      const e = refused(text);
      assert.match(e.message, message);
      assert.equal(e.issues[0]!.path || "(root)", path);
      assert.ok(!e.message.includes("0123456789abcdefghij"), e.message);
      assert.match(e.issues[0]!.fix, /pass the \.json file that `runner-fleet provenance record` wrote/);
    }
  });

  it("a repeated key is refused at its key path (JSON.parse would keep the last one silently)", () => {
    const e = refused('{"stage": "build", "files": [{"path": "a", "size": 1, "path": "b"}], "stage": "other"}');
    assert.deepEqual(e.issues.map((i) => i.path), ["files[0].path", "stage"]);
    assert.match(e.issues[0]!.message, /repeats a key of the same object.*\(line 1, column 55\)/);
    assert.match(e.issues[0]!.fix, /keep the key once/);
    assert.equal(refused('{"a\\u0062": 1, "ab": 2}').issues[0]!.path, "ab", "escaped keys are compared decoded");
  });

  it("deep nesting is refused at the depth limit, without recursion", () => {
    for (const text of ["[".repeat(100_000) + "]".repeat(100_000), `{"x": ${'{"a": '.repeat(5000)}1${"}".repeat(5000)}}`]) {
      const e = refused(text);
      assert.match(e.message, new RegExp(`nests objects and lists deeper than ${RECORD_LIMITS.depth} levels`));
    }
  });

  it("bytes that are not UTF-8 JSON text are refused for what they are", () => {
    assert.match(refused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(base), "utf16le")])).message, /line 1: is UTF-16 text/);
    assert.match(refused(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])).message, /is not text: it holds a NUL byte .* Fix: pass the \.json file .*not the \.sig file/);
    assert.match(refused(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])).message, /is not valid UTF-8/);
  });

  it("a top-level list, string or number is named as such", () => {
    assert.match(refused("[1, 2]").message, /\(root\): is a list at the top, not a JSON object\. Fix: .*the ledger \(provenance\.ndjson\) holds one summary per line/);
    assert.match(refused('"text"').message, /is a string at the top/);
    assert.match(refused("null").message, /is null \(an empty value\) at the top/);
  });

  it("wrong types at every key are refused at their key paths, saying what the record holds instead", () => {
    const e = refused(edited((r) => Object.assign(r, { stage: 5, file_count: "1", files: {}, skipped: [{ path: 1, kind: "symlink" }], signature: [] })));
    const at = (p: string) => e.issues.find((i) => i.path === p)?.message;
    assert.equal(at("stage"), "must be a string, not a number");
    assert.equal(at("file_count"), "must be a number, not a string");
    assert.equal(at("files"), "must be a list, not a JSON object");
    assert.equal(at("skipped[0].path"), "must be a string, not a number");
    assert.equal(at("signature"), "must be a JSON object, not a list");
    assert.match(refused(edited((r) => Object.assign(r, { total_bytes: 2 ** 60 }))).message, /total_bytes: must be <=9007199254740991/);
    assert.match(refused(edited((r) => Object.assign(r, { sha256_manifest: "ABC" }))).message, /sha256_manifest: must be 64 lower-case hex digits/);
  });

  it("huge values are refused with their limit, and never quoted", () => {
    const e = refused(edited((r) => Object.assign(r, { stage: "a".repeat(5_000_000) })));
    assert.match(e.message, /stage: must have <=256 characters/);
    assert.ok(e.message.length < 2000);
    assert.match(refused(edited((r) => (r.files[0]!.path = "p/".repeat(40_000) + "x"))).message, /files\[0\]\.path: must have <=65536 characters/);
  });

  it("paths that leave the cache, repeat, or disagree with their bytes are refused", () => {
    const bad: [string, RegExp][] = [
      ["../etc/passwd", /has a "\.\." component/],
      ["a/../../b", /has a "\.\." component/],
      ["/etc/passwd", /is absolute/],
      ["", /is empty/],
      ["a//b", /has an empty component/],
      ["./a", /has a "\." component/],
      ["a\u0000b", /holds a NUL byte/],
    ];
    for (const [path, message] of bad) {
      const e = refused(edited((r) => (r.files[0]!.path = path)));
      assert.equal(e.issues[0]!.path, "files[0].path");
      assert.match(e.issues[0]!.message, message);
      assert.match(e.issues[0]!.fix, /relative to the cache directory/);
    }
    const twice = refused(edited((r) => r.files.push({ ...r.files[0]! })));
    assert.match(twice.message, /files\[1\]\.path: names the same entry as files\[0\]\.path/);
    const asLink = refused(edited((r) => (r.skipped[0]!.path = "a.txt")));
    assert.match(asLink.message, /skipped\[0\]\.path: names the same entry as files\[0\]\.path/);
    const spoofed = refused(edited((r) => Object.assign(r.files[0]!, { path: "innocent.txt", path_base64: Buffer.from("evil-\xff", "latin1").toString("base64") })));
    assert.match(spoofed.message, /files\[0\]\.path: does not match path_base64/);
    const utf8 = refused(edited((r) => Object.assign(r.files[0]!, { path_base64: Buffer.from("a.txt").toString("base64") })));
    assert.match(utf8.message, /files\[0\]\.path_base64: holds bytes that are valid UTF-8/);
  });

  it("credential-shaped keys are not quoted", () => {
    const e = refused(edited((r) => Object.assign(r.files[0]!, { ghp_0123456789abcdefghijABCDEFGHIJ012345: 1 })));
    assert.ok(!e.message.includes("0123456789abcdefghij"));
    assert.match(e.message, /files\[0\]\["\[credential-shaped value\]"\]: is not a known key/);
    const url = refused(edited((r) => Object.assign(r.files[0]!, { "https://ci:s3cr3tPassw0rdValue@example.com": 1 })));
    assert.ok(!url.message.includes("s3cr3tPassw0rdValue"), url.message);
  });

  it("thousands of problems are listed up to a limit and counted", () => {
    const e = refused(edited((r) => (r.files = Array.from({ length: 5000 }, () => ({ path: 1, size: "x", sha256: 2 }) as never))));
    assert.ok(e.message.length < 100_000);
    assert.match(e.message, /^provenance record rec\.json has 15000 problems; the first 50 are listed:\n/);
    assert.equal(e.issues.length, 50);
  });
});

describe("readRecord", () => {
  const work = tempDir("read-record");
  after(() => rmSync(work, { recursive: true, force: true }));

  it("a directory, a FIFO and a missing file are named, never read or waited on", () => {
    const dir = join(work, "records");
    mkdirSync(dir);
    const fifo = join(work, "fifo.json");
    spawnSync("mkfifo", [fifo]);
    const cases: [string, RegExp][] = [
      [dir, /\(root\): is a directory, not a record file\. Fix: .*one of the <stage>-<time>\.json files in that directory/],
      [fifo, /is a FIFO, not a record file, so it was not read/],
      [join(work, "missing.json"), /does not exist\. Fix: pass the \.json file/],
    ];
    for (const [file, message] of cases) {
      assert.throws(() => readRecord(file), (e: Error) => e.name === "ConfigError" && e.message.includes(file) && message.test(e.message));
    }
  });

  it("a record of 300,000 files is read, verified and turned into rows without overflowing the stack", async () => {
    const files = Array.from({ length: 300_000 }, (_, i) => ({ path: `d${i % 100}/f${String(i).padStart(6, "0")}.bin`, size: i, sha256: (i % 16).toString(16).repeat(64) }));
    const file = join(work, "big.json");
    writeFileSync(file, JSON.stringify({ ...base, files, skipped: [], file_count: files.length }, null, 2));
    const cache = join(work, "empty-cache");
    mkdirSync(cache);
    const loaded = readRecord(file);
    const report = await verifyCache({ ...loaded, cacheDir: cache }, { workers: 0 });
    assert.equal(report.vanished.length, 300_000);
    assert.equal(report.ok, false);
    const rows = reportRows(report);
    assert.equal(rows.length, 300_000);
    assert.deepEqual(rows[0], ["vanished", "file", "d0/f000000.bin", ""]);
  });
});

describe("checkJson", () => {
  it("accepts what JSON.parse accepts", () => {
    for (const text of ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"],"b":{}}', "[]", " 0 ", '"\\/"']) {
      JSON.parse(text);
      assert.deepEqual(checkJson(text, 32), [], text);
    }
  });

  it("refuses what JSON.parse refuses", () => {
    for (const text of ["{", "[1,]", "{'a':1}", "tru", "01", "1.", "-", '"\\u12"', "NaN", "[1 2]", '{"a" 1}']) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      assert.ok(checkJson(text, 32).length > 0, text);
    }
  });
});
