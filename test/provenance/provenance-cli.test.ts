// End to end: `runner-fleet provenance record|verify` as processes, checked against coreutils,
// b3sum and openssl run as separate processes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { shellBlake3Manifest, shellSha256Manifest, tempDir, writeTree, type FixtureFile } from "./fixture.ts";
import { available, needs, requireTool, type ValidatorName } from "../validators.ts";

const ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));

function cli(args: readonly string[], options: { wrap?: readonly string[]; cwd?: string } = {}): SpawnSyncReturns<string> {
  const [cmd, ...pre] = [...(options.wrap ?? []), process.execPath];
  return spawnSync(cmd!, [...pre, ENTRY, "provenance", ...args], { encoding: "utf8", ...(options.cwd ? { cwd: options.cwd } : {}) });
}

function treeFiles(): FixtureFile[] {
  return [
    { path: "a.txt", content: Buffer.from("alpha\n") },
    { path: "b/c.txt", content: Buffer.from("charlie\n") },
    { path: "b/large.bin", content: randomBytes(2 * 1024 * 1024 + 3) },
    { path: Buffer.concat([Buffer.from("b/raw-"), Buffer.from([0xe9]), Buffer.from(".txt")]), content: Buffer.from("latin-1 name\n") },
    { path: "empty", content: Buffer.alloc(0) },
  ];
}

interface RecordJson {
  stage: string;
  recorded_at: string;
  cache_dir: string;
  file_count: number;
  total_bytes: number;
  sha256_manifest: string;
  blake3_manifest: string;
  files: { path: string; path_base64?: string; size: number; sha256: string }[];
  unreadable: { path: string; error: string }[];
  signature?: { algorithm: string; value: string; public_key_sha256: string };
}

/** Records `cache` into `out` and returns the parsed --json output. */
function record(cache: string, out: string, extra: readonly string[] = []) {
  const r = cli(["record", "--stage", "build", "--cache-dir", cache, "--output", out, "--json", ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as RecordJson & { written: { record: string; ledger: string; canonical?: string; signature?: string } };
}

function verify(recordFile: string, cache: string, extra: readonly string[] = []) {
  const r = cli(["verify", "--record", recordFile, "--cache-dir", cache, "--json", ...extra]);
  return { status: r.status, stderr: r.stderr, report: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown> & { changed: { path: string }[]; appeared: { path: string }[]; vanished: { path: string }[]; signature: { status: string } }) : undefined };
}

describe("runner-fleet provenance", () => {
  let work = "";
  before(() => {
    work = tempDir("cli");
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const freshCache = (name: string) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeTree(dir, treeFiles());
    return dir;
  };

  it("record writes a record whose manifests equal sha256sum and b3sum pipelines, and a ledger line", needs("b3sum"), () => {
    requireTool("b3sum");
    const cache = freshCache("record");
    const out = join(work, "record-out");
    const result = record(cache, out);
    const onDisk = JSON.parse(readFileSync(result.written.record, "utf8")) as RecordJson;
    assert.match(result.written.record, /\/build-\d{8}T\d{6}\.\d{3}Z\.json$/);
    assert.match(onDisk.recorded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(onDisk.cache_dir, cache);
    assert.equal(onDisk.stage, "build");
    assert.equal(onDisk.file_count, 5);
    assert.equal(onDisk.total_bytes, treeFiles().reduce((n, f) => n + f.content.length, 0));
    assert.equal(onDisk.sha256_manifest, shellSha256Manifest(cache));
    assert.equal(onDisk.blake3_manifest, shellBlake3Manifest(cache));
    assert.deepEqual(onDisk.files.find((f) => f.path_base64), { path: "b/raw-%E9.txt", path_base64: Buffer.from("b/raw-\xe9.txt", "latin1").toString("base64"), size: 13, sha256: execFileSync("bash", ["-c", "sha256sum b/raw-*.txt"], { cwd: cache, encoding: "latin1" }).slice(0, 64) });
    const ledger = readFileSync(join(out, "provenance.ndjson"), "utf8").trim().split("\n");
    assert.equal(ledger.length, 1);
    const line = JSON.parse(ledger[0]!) as Record<string, unknown>;
    assert.equal(line["record_file"], result.written.record.split("/").pop());
    assert.equal(line["sha256_manifest"], onDisk.sha256_manifest);
    assert.equal(line["files"], undefined, "the ledger holds the summary, not the file list");

    record(cache, out, ["--jobs", "2"]);
    assert.equal(readFileSync(join(out, "provenance.ndjson"), "utf8").trim().split("\n").length, 2, "each record appends one line");
  });

  it("writes into ./provenance by default, and prints a summary without --json", () => {
    const cache = freshCache("default-output");
    const cwd = join(work, "default-cwd");
    mkdirSync(cwd);
    const r = cli(["record", "--stage", "restore", "--cache-dir", cache], { cwd });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Recorded stage restore: 5 files, 2\.00 MiB \(\d+ bytes\) in /);
    assert.match(r.stdout, /record {12}provenance\/restore-\d{8}T\d{6}\.\d{3}Z\.json\n/);
    assert.ok(existsSync(join(cwd, "provenance", "provenance.ndjson")));
  });

  it("verify matches an unchanged cache, and names a changed byte, a renamed file and a new file", () => {
    const cache = freshCache("verify");
    const { written } = record(cache, join(work, "verify-out"));
    const same = verify(written.record, cache);
    assert.equal(same.status, 0, same.stderr);
    assert.equal(same.report?.["ok"], true);

    const large = join(cache, "b/large.bin");
    const bytes = readFileSync(large);
    bytes[1_500_000] = bytes[1_500_000]! ^ 1;
    writeFileSync(large, bytes);
    const flipped = verify(written.record, cache, ["--jobs", "2"]);
    assert.equal(flipped.status, 1);
    assert.deepEqual(flipped.report?.changed.map((c) => c.path), ["b/large.bin"]);
    assert.deepEqual([flipped.report?.appeared, flipped.report?.vanished], [[], []]);
    const checks = flipped.report?.["checks"] as Record<string, { ok: boolean }>;
    assert.equal(checks["sha256_manifest"]?.ok, false);
    assert.equal(checks["blake3_manifest"]?.ok, false);
    assert.equal(checks["total_bytes"]?.ok, true, "a flipped byte keeps the size");

    writeFileSync(large, readFileSync(large).map((b, i) => (i === 1_500_000 ? b ^ 1 : b)));
    renameSync(join(cache, "a.txt"), join(cache, "renamed.txt"));
    writeFileSync(join(cache, "b/new.txt"), "new\n");
    const moved = verify(written.record, cache);
    assert.equal(moved.status, 1);
    assert.deepEqual(moved.report?.changed, []);
    assert.deepEqual(moved.report?.appeared.map((a) => a.path), ["b/new.txt", "renamed.txt"]);
    assert.deepEqual(moved.report?.vanished.map((v) => v.path), ["a.txt"]);

    const text = cli(["verify", "--record", written.record, "--cache-dir", cache]);
    assert.equal(text.status, 1);
    assert.match(text.stdout, /appeared\s+file\s+renamed\.txt/);
    assert.match(text.stdout, /vanished\s+file\s+a\.txt/);
    assert.match(text.stdout, /MISMATCH: 0 changed, 2 appeared, 1 vanished/);
  });

  for (const [name, genArgs, opensslVerify] of [
    ["Ed25519", ["-algorithm", "ed25519"], (pub: string, sig: string, data: string) => ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", data, "-sigfile", sig]],
    ["ECDSA P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], (pub: string, sig: string, data: string) => ["dgst", "-sha256", "-verify", pub, "-signature", sig, data]],
  ] as const) {
    it(`signs with an ${name} key so that stock openssl verifies the signature, and detects alteration`, needs("openssl", "python3"), () => {
      requireTool("openssl", "python3");
      const cache = freshCache(`sign-${name.replace(/\W/g, "")}`);
      const key = join(work, `${name.replace(/\W/g, "")}.pem`);
      const pub = join(work, `${name.replace(/\W/g, "")}.pub.pem`);
      execFileSync("openssl", ["genpkey", ...genArgs, "-out", key], { stdio: "pipe" });
      execFileSync("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
      const result = record(cache, join(work, `sign-out-${name.replace(/\W/g, "")}`), ["--sign", key]);
      const { canonical, signature } = result.written;
      assert.ok(canonical && signature && result.signature);
      assert.equal(result.signature.algorithm, name === "Ed25519" ? "ed25519" : "ecdsa-p256-sha256");

      // The signed bytes are the record without its signature, keys sorted, no whitespace.
      const pyCanonical = execFileSync("python3", ["-c", "import json,sys; r=json.load(open(sys.argv[1])); r.pop('signature'); sys.stdout.write(json.dumps(r, sort_keys=True, separators=(',',':'), ensure_ascii=False))", result.written.record]);
      assert.ok(readFileSync(canonical).equals(pyCanonical));
      assert.ok(readFileSync(signature).equals(Buffer.from(result.signature.value, "base64")));
      const fingerprint = execFileSync("bash", ["-c", `openssl pkey -pubin -in "${pub}" -outform DER | sha256sum | cut -c1-64`], { encoding: "utf8" }).trim();
      assert.equal(result.signature.public_key_sha256, fingerprint);

      const ok = spawnSync("openssl", opensslVerify(pub, signature, canonical), { encoding: "utf8" });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Verified OK|Signature Verified Successfully/);
      const good = verify(result.written.record, cache, ["--pub", pub]);
      assert.equal(good.status, 0, good.stderr);
      assert.equal(good.report?.signature.status, "valid");

      const altered = readFileSync(canonical, "utf8").replace('"stage":"build"', '"stage":"built"');
      writeFileSync(canonical, altered);
      const bad = spawnSync("openssl", opensslVerify(pub, signature, canonical), { encoding: "utf8" });
      assert.notEqual(bad.status, 0, "openssl refuses the altered bytes");

      const tampered = JSON.parse(readFileSync(result.written.record, "utf8")) as RecordJson;
      tampered.recorded_at = "2020-01-01T00:00:00.000Z";
      const tamperedFile = join(work, `tampered-${name.replace(/\W/g, "")}.json`);
      writeFileSync(tamperedFile, JSON.stringify(tampered));
      const refused = verify(tamperedFile, cache, ["--pub", pub]);
      assert.equal(refused.status, 1);
      assert.equal(refused.report?.signature.status, "invalid");

      const unchecked = cli(["verify", "--record", result.written.record, "--cache-dir", cache]);
      assert.equal(unchecked.status, 0, "without --pub the contents are checked, the signature is not");
      assert.match(unchecked.stdout, /signature\s+not checked: the record is signed; pass --pub to check it/);
    });
  }

  it("fails verification when --pub is given for an unsigned record or another key signed it", needs("openssl"), () => {
    requireTool("openssl");
    const cache = freshCache("keys");
    const mine = join(work, "mine.pem");
    const other = join(work, "other.pem");
    execFileSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", mine], { stdio: "pipe" });
    execFileSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", other], { stdio: "pipe" });
    const unsigned = record(cache, join(work, "keys-out"));
    const u = verify(unsigned.written.record, cache, ["--pub", mine]);
    assert.equal(u.status, 1);
    assert.equal(u.report?.signature.status, "unsigned");
    const signed = record(cache, join(work, "keys-out"), ["--sign", other]);
    const w = verify(signed.written.record, cache, ["--pub", mine]);
    assert.equal(w.status, 1);
    assert.equal(w.report?.signature.status, "wrong-key");
  });

  it("reports an unreadable file, still writes the record, and exits 1", () => {
    const cache = freshCache("unreadable");
    writeTree(cache, [{ path: "locked/secret.key", content: Buffer.from("secret\n") }]);
    chmodSync(join(cache, "locked/secret.key"), 0o000);
    // root reads mode-000 files; without the DAC override capabilities it cannot.
    const wrap = process.getuid?.() === 0 ? ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] : [];
    const out = join(work, "unreadable-out");
    const r = cli(["record", "--stage", "build", "--cache-dir", cache, "--output", out], { wrap });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot read locked\/secret\.key: EACCES: permission denied/);
    const [file] = readdirSync(out).filter((f) => f.endsWith(".json"));
    const onDisk = JSON.parse(readFileSync(join(out, file!), "utf8")) as RecordJson;
    assert.deepEqual(onDisk.unreadable, [{ path: "locked/secret.key", error: "EACCES: permission denied" }]);
    assert.equal(onDisk.file_count, 5);
    rmSync(join(cache, "locked"), { recursive: true });
    assert.equal(onDisk.sha256_manifest, shellSha256Manifest(cache), "the manifests leave the unreadable file out");
  });

  // root writes anywhere; without the DAC override capabilities it cannot.
  const unprivileged = process.getuid?.() === 0 ? ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] : [];

  it("an --output directory the user cannot write exits 2 before hashing, naming --output and the fix", () => {
    const cache = freshCache("unwritable");
    const parent = join(work, "read-only-parent");
    mkdirSync(join(parent, "existing"), { recursive: true });
    chmodSync(join(parent, "existing"), 0o555);
    chmodSync(parent, 0o555);
    try {
      for (const out of [join(parent, "new-dir"), join(parent, "existing")]) {
        const r = cli(["record", "--stage", "build", "--cache-dir", cache, "--output", out], { wrap: unprivileged });
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        assert.match(r.stderr, new RegExp(`^runner-fleet: --output ${out}: the record cannot be written there.*: EACCES: permission denied\\. Fix: pass an --output directory this user can write, or give this user write access to ${out}`));
        assert.equal(r.stdout, "");
      }
      assert.deepEqual(readdirSync(join(parent, "existing")), [], "nothing written, no probe left behind");
    } finally {
      chmodSync(parent, 0o755);
      chmodSync(join(parent, "existing"), 0o755);
    }
    const file = join(work, "output-is-a-file");
    writeFileSync(file, "");
    const r = cli(["record", "--stage", "build", "--cache-dir", cache, "--output", file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--output .*output-is-a-file: the record cannot be written there: ENOTDIR: .*\. Fix: pass an --output path that is a directory/);
  });

  it("verify of a summary-only record says plainly that a rearranged tree with the same bytes can match; a full record catches it", needs("b3sum"), () => {
    requireTool("b3sum");
    // Two different trees with equal manifests: the SHA-256 manifest has no separators between
    // path, digest and size, and BLAKE3 covers contents only (the evidence format fixes both).
    const emptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const original = join(work, "rearranged-a");
    const rearranged = join(work, "rearranged-b");
    mkdirSync(original);
    mkdirSync(rearranged);
    writeTree(original, [
      { path: "a", content: Buffer.alloc(0) },
      { path: "b", content: Buffer.from("bbb\n") },
      { path: `c${emptySha}0d`, content: Buffer.from("dd\n") },
    ]);
    writeTree(rearranged, [
      { path: `a${emptySha}0b`, content: Buffer.from("bbb\n") },
      { path: "c", content: Buffer.alloc(0) },
      { path: "d", content: Buffer.from("dd\n") },
    ]);
    assert.equal(shellSha256Manifest(rearranged), shellSha256Manifest(original));
    assert.equal(shellBlake3Manifest(rearranged), shellBlake3Manifest(original));

    const full = record(original, join(work, "rearranged-out"));
    const fullCheck = verify(full.written.record, rearranged);
    assert.equal(fullCheck.status, 1, "the per-file list names the difference");
    assert.equal(fullCheck.report?.["strength"], "per-file");
    assert.equal(fullCheck.report?.["note"], undefined);
    assert.deepEqual(fullCheck.report?.vanished.map((v) => v.path), ["a", "b", `c${emptySha}0d`]);

    const onDisk = JSON.parse(readFileSync(full.written.record, "utf8")) as Record<string, unknown>;
    for (const key of ["version", "files", "skipped", "unreadable"]) delete onDisk[key];
    const summaryFile = join(work, "summary-only.json");
    writeFileSync(summaryFile, JSON.stringify(onDisk));
    const summary = verify(summaryFile, rearranged);
    assert.equal(summary.status, 0, "exit codes are unchanged: the manifests match");
    assert.equal(summary.report?.["ok"], true);
    assert.equal(summary.report?.["strength"], "summary-only");
    assert.match(String(summary.report?.["note"]), /no per-file list \(summary-only\).* a rearranged tree with the same bytes .* can match\. Keep full records/);

    const text = cli(["verify", "--record", summaryFile, "--cache-dir", rearranged]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^NOTE: the record has no per-file list \(summary-only\).*a rearranged tree with the same bytes .*can match\./m);
    assert.match(text.stdout, /strength {10}summary-only: manifests, count and total checked; no per-file list/);
    assert.match(text.stdout, /MATCH: .* matches the record/);
    const fullText = cli(["verify", "--record", full.written.record, "--cache-dir", original]);
    assert.match(fullText.stdout, /strength {10}per-file: every file's path, size and SHA-256 checked/);
    assert.doesNotMatch(fullText.stdout, /NOTE:/);
  });

  describe("bad input exits 2 and says how to fix it", () => {
    const cases: [string, () => string[], RegExp][] = [
      ["a missing cache directory", () => ["record", "--stage", "build", "--cache-dir", join(work, "nope"), "--output", join(work, "o")], /--cache-dir .*nope: no such directory\. Fix: /],
      ["a cache directory that is a file", () => ["verify", "--record", join(work, "x.json"), "--cache-dir", join(work, "plain-file")], /--cache-dir .*plain-file: is not a directory\. Fix: /],
      ["a stage name that is not a file name", () => ["record", "--stage", "../up", "--cache-dir", work, "--output", join(work, "..", "o")], /--stage "\.\.\/up": must be .* Fix: /],
      ["an output directory inside the cache", () => ["record", "--stage", "build", "--cache-dir", work, "--output", join(work, "records")], /--output .*: lies inside --cache-dir .* Fix: pass an --output directory outside the cache/],
      ["an RSA signing key", () => ["record", "--stage", "build", "--cache-dir", join(work, "rsa-cache"), "--output", join(work, "rsa-out"), "--sign", join(work, "rsa.pem")], /--sign .*rsa\.pem: is a rsa key, which records cannot be signed with\. Fix: use an Ed25519 or ECDSA P-256 key/],
      ["a record that is not JSON", () => ["verify", "--record", join(work, "plain-file"), "--cache-dir", join(work, "rsa-cache")], /provenance record .*plain-file has 1 problem:\n {2}- \(root\): is not JSON .* Fix: pass the \.json file/],
      ["a record without its manifest", () => ["verify", "--record", join(work, "partial.json"), "--cache-dir", join(work, "rsa-cache")], /- sha256_manifest: is required\. Fix: set sha256_manifest/],
      ["a non-numeric --jobs", () => ["verify", "--record", join(work, "partial.json"), "--cache-dir", work, "--jobs", "many"], /--jobs .*must be a whole number from 0 to 64/],
    ];
    /** The cases that run a validator: the RSA key is made with openssl. */
    const uses: Partial<Record<string, ValidatorName[]>> = { "an RSA signing key": ["openssl"] };
    before(() => {
      writeFileSync(join(work, "plain-file"), "not json");
      mkdirSync(join(work, "rsa-cache"), { recursive: true });
      if (available("openssl")) execFileSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", join(work, "rsa.pem")], { stdio: "pipe" });
      writeFileSync(join(work, "partial.json"), JSON.stringify({ stage: "build", recorded_at: "2025-01-01T00:00:00.000Z", cache_dir: "/c", file_count: 0, total_bytes: 0, blake3_manifest: "0".repeat(64) }));
    });
    for (const [what, args, message] of cases) {
      const tools = uses[what] ?? [];
      it(what, needs(...tools), () => {
        requireTool(...tools);
        const r = cli(args());
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, message);
      });
    }
    it("hostile --record, --pub and --stage values exit 2 naming the file and the fix, without waiting or echoing", () => {
      const cache = join(work, "rsa-cache");
      const fifo = join(work, "record-fifo.json");
      spawnSync("mkfifo", [fifo]);
      const records = join(work, "records-dir");
      mkdirSync(records, { recursive: true });
      const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
      writeFileSync(join(work, "dup.json"), '{"stage": "build", "stage": "other"}');
      const summary = { stage: "build", recorded_at: "2025-01-01T00:00:00.000Z", cache_dir: "/c", file_count: 1, total_bytes: 0, sha256_manifest: "0".repeat(64), blake3_manifest: "0".repeat(64) };
      writeFileSync(join(work, "escape.json"), JSON.stringify({ ...summary, files: [{ path: "../../etc/passwd", size: 0, sha256: "0".repeat(64) }] }));
      writeFileSync(join(work, "summary.json"), JSON.stringify(summary));
      const cases: [string[], RegExp][] = [
        [["verify", "--record", records, "--cache-dir", cache], /provenance record .*records-dir has 1 problem:\n {2}- \(root\): is a directory, not a record file\. Fix: /],
        [["verify", "--record", fifo, "--cache-dir", cache], /record-fifo\.json has 1 problem:\n {2}- \(root\): is a FIFO, not a record file, so it was not read/],
        [["verify", "--record", join(work, "dup.json"), "--cache-dir", cache], /- stage: repeats a key of the same object.*\(line 1, column 20\)\. Fix: keep the key once/],
        [["verify", "--record", join(work, "escape.json"), "--cache-dir", cache], /- files\[0\]\.path: is not a path inside the cache: it has a "\.\." component\. Fix: /],
        [["verify", "--record", join(work, "summary.json"), "--cache-dir", cache, "--pub", records], /--pub .*records-dir: is a directory\. Fix: pass the path of a PEM key file, not of its directory/],
        [["verify", "--record", join(work, "summary.json"), "--cache-dir", cache, "--pub", fifo], /--pub .*record-fifo\.json: is a FIFO, not a file, so it was not read/],
        [["record", "--stage", token, "--cache-dir", cache, "--output", join(work, "token-out")], /--stage: looks like a secret \(a GitHub token\), so it is not shown here.*Fix: /],
        [["record", "--stage", `bad\u001b[2J${"x".repeat(500)}`, "--cache-dir", cache, "--output", join(work, "token-out")], /--stage "bad\\\\u001b\[2Jx+…": must be 1-100 letters/],
      ];
      for (const [args, message] of cases) {
        const r = spawnSync(process.execPath, [ENTRY, "provenance", ...args], { encoding: "utf8", timeout: 20_000 });
        assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message);
        assert.ok(!r.stderr.includes("0123456789abcdefghij"), r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      }
      assert.equal(existsSync(join(work, "token-out")), false);
    });

    it("verify of a 300,000-file record reports every vanished file as JSON without overflowing", () => {
      const files = Array.from({ length: 300_000 }, (_, i) => ({ path: `f${String(i).padStart(6, "0")}`, size: 0, sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" }));
      const file = join(work, "huge-record.json");
      writeFileSync(file, JSON.stringify({ stage: "build", recorded_at: "2025-01-01T00:00:00.000Z", cache_dir: "/c", file_count: files.length, total_bytes: 0, sha256_manifest: "0".repeat(64), blake3_manifest: "0".repeat(64), files }));
      const r = spawnSync(process.execPath, [ENTRY, "provenance", "verify", "--record", file, "--cache-dir", join(work, "rsa-cache"), "--json"], { encoding: "utf8", maxBuffer: 1 << 30 });
      assert.equal(r.status, 1, r.stderr);
      const report = JSON.parse(r.stdout) as { vanished: unknown[] };
      assert.equal(report.vanished.length, 300_000);
    });

    it("writes nothing when refusing", () => {
      assert.equal(existsSync(join(work, "rsa-out")), false);
      assert.equal(existsSync(join(work, "records")), false);
    });
  });
});
