/** `runner-fleet provenance record|verify`: signed provenance records of CI cache directories. */
import { closeSync, constants, fstatSync, openSync, opendirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { TreeReadError } from "../provenance/hash-files.ts";
import { prepareOutputDir, RecordWriteError, writeRecord, type WrittenRecord } from "../provenance/write-record.ts";
import { recordCache } from "../provenance/record-cache.ts";
import type { ProvenanceRecord } from "../provenance/record.ts";
import { KeyError, loadSigningKey, loadVerifyingKey, type LoadedKey } from "../provenance/signing.ts";
import { verifyCache, type SignatureStatus, type VerifyReport } from "../provenance/verify-cache.ts";
import { credentialKind } from "../model/credential-shape.ts";
import { inputExcerpt } from "../model/input-excerpt.ts";
import { CliError, EXIT, printJson, table } from "./output.ts";

/** Stage names become part of file names. */
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const DEFAULT_OUTPUT = "provenance";

function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new InvalidArgumentError("must be a whole number from 0 to 64 (0 hashes on the main thread)");
  return n;
}

/** Resolves `--cache-dir`: it must exist and be a directory (a symbolic link to one is followed). */
function cacheDirectory(dir: string): string {
  const abs = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code === "ENOENT" ? `--cache-dir ${dir}: no such directory. Fix: pass the directory the cache was restored to or saved from` : `--cache-dir ${dir}: cannot be read (${code}). Fix: pass a directory this user can read`,
    );
  }
  if (!isDir) throw new CliError(`--cache-dir ${dir}: is not a directory. Fix: pass the cache's directory, not a file in it`);
  try {
    opendirSync(abs).closeSync();
  } catch (e) {
    throw new CliError(`--cache-dir ${dir}: cannot be listed (${(e as NodeJS.ErrnoException).code}). Fix: run as a user that can read the whole cache`);
  }
  return abs;
}

/** The real path of `p`, resolving through its nearest existing ancestor when `p` does not exist yet. */
function realPathOf(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPathOf(parent), basename(abs));
  }
}

/** The CLI error for an --output directory that cannot be created or written. */
function outputError(flagValue: string, e: RecordWriteError): CliError {
  const where = e.path === resolve(flagValue) ? "" : ` (at ${e.path})`;
  const fix =
    e.code === "EACCES" || e.code === "EPERM" || e.code === "EROFS"
      ? `pass an --output directory this user can write, or give this user write access to ${flagValue} (or to its parent, if it does not exist yet)`
      : e.code === "EEXIST" || e.code === "ENOTDIR"
        ? "pass an --output path that is a directory, or does not exist yet (it is created)"
        : "pass an --output directory on a file system with space that this user can write";
  return new CliError(`--output ${flagValue}: the record cannot be written there${where}: ${e.message}. Fix: ${fix}`);
}

/** Largest key file read: PEM keys are a few hundred bytes. */
const KEY_FILE_BYTES = 64 << 10;

/**
 * Reads a small regular file named by `flag`: a directory, FIFO or device is named, never read or
 * waited on, and a file larger than `maxBytes` is refused before it is read.
 */
function readSmallFile(flag: string, file: string, maxBytes: number, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" || code === "ENOTDIR" ? `${flag} ${file}: no such file. Fix: pass the path of ${what}` : `${flag} ${file}: cannot be read (${code}). Fix: pass the path of ${what} this user can read`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new CliError(`${flag} ${file}: is a directory. Fix: pass the path of ${what}, not of its directory`);
    if (!st.isFile()) throw new CliError(`${flag} ${file}: is ${st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "a device"}, not a file, so it was not read. Fix: pass the path of ${what}`);
    if (st.size > maxBytes) throw new CliError(`${flag} ${file}: is ${st.size} bytes, more than ${what} can be (${maxBytes} bytes), so it was not read. Fix: pass the path of ${what}`);
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${flag} ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Fix: pass the path of ${what}`);
  } finally {
    closeSync(fd);
  }
}

function loadKey(flag: string, file: string, load: (pem: Buffer) => LoadedKey): LoadedKey {
  const pem = readSmallFile(flag, file, KEY_FILE_BYTES, "a PEM key file");
  try {
    return load(pem);
  } catch (e) {
    if (e instanceof KeyError) throw new CliError(`${flag} ${file}: ${e.message}. Fix: ${e.fix}`);
    throw e;
  }
}

const shortHex = (hex: string) => `${hex.slice(0, 16)}…`;

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(2)} ${units[u]} (${n} bytes)`;
}

function recordCommand(): Command {
  return new Command("record")
    .exitOverride()
    .description(
      "Hash every regular file of a cache directory (SHA-256 each, plus tree-wide SHA-256 and BLAKE3 manifests) and write a provenance record, signed with --sign. Symbolic links are listed, never followed. Exit 1 when some file could not be read (the record is still written, listing it).",
    )
    .requiredOption("--stage <name>", "pipeline stage that records the cache, e.g. restore or build (letters, digits, '.', '_', '-')")
    .requiredOption("--cache-dir <dir>", "cache directory to record")
    .option("--output <dir>", "directory for the record files and the provenance.ndjson ledger", DEFAULT_OUTPUT)
    .option("--sign <key.pem>", "sign the record with this Ed25519 or ECDSA P-256 private key (PEM)")
    .option("--jobs <n>", "worker threads that read and hash files (default: one per CPU, at most 8; none for trees under 16 MiB)", parseJobs)
    .option("--json", "print the record's summary and the files written as JSON")
    .action(async (opts: { stage: string; cacheDir: string; output: string; sign?: string; jobs?: number; json?: boolean }) => {
      const secret = opts.stage.length <= 200 ? credentialKind(opts.stage) : undefined;
      if (secret !== undefined) {
        throw new CliError(`--stage: looks like a secret (${secret}), so it is not shown here; the stage name is written into the record and its file name. Fix: use a name such as restore, build or test-linux, and revoke the credential if it was real`);
      }
      if (!STAGE_NAME.test(opts.stage)) {
        throw new CliError(`--stage ${JSON.stringify(inputExcerpt(opts.stage, 100))}: must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit. Fix: use a name such as restore, build or test-linux`);
      }
      const cacheDir = cacheDirectory(opts.cacheDir);
      const realCache = realpathSync(cacheDir);
      const realOutput = realPathOf(opts.output);
      if (realOutput === realCache || realOutput.startsWith(realCache + sep)) {
        throw new CliError(`--output ${opts.output}: lies inside --cache-dir ${opts.cacheDir}, so records would change the cache they describe. Fix: pass an --output directory outside the cache`);
      }
      const signingKey = opts.sign === undefined ? undefined : loadKey("--sign", opts.sign, loadSigningKey);
      try {
        prepareOutputDir(resolve(opts.output));
      } catch (e) {
        if (e instanceof RecordWriteError) throw outputError(opts.output, e);
        throw e;
      }
      let record: ProvenanceRecord;
      try {
        record = await recordCache({ stage: opts.stage, cacheDir, ...(signingKey ? { signingKey } : {}) }, opts.jobs === undefined ? {} : { workers: opts.jobs });
      } catch (e) {
        if (e instanceof TreeReadError) throw new CliError(e.message);
        throw e;
      }
      let written: WrittenRecord;
      try {
        written = writeRecord(record, resolve(opts.output));
      } catch (e) {
        if (e instanceof RecordWriteError) throw outputError(opts.output, e);
        throw e;
      }
      for (const u of record.unreadable) process.stderr.write(`runner-fleet: cannot read ${cell(u.path)}: ${cell(u.error, 500)}\n`);
      if (record.unreadable.length > 0) process.exitCode = EXIT.findings;
      const { files: _files, ...summary } = record;
      if (opts.json) {
        printJson({ ...summary, written });
        return;
      }
      const rel = (p: string) => relative(process.cwd(), p) || ".";
      const kinds = new Map<string, number>();
      for (const s of record.skipped) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
      const rows: [string, string][] = [
        ["sha256_manifest", record.sha256_manifest],
        ["blake3_manifest", record.blake3_manifest],
      ];
      if (record.skipped.length > 0) rows.push(["skipped", `${record.skipped.length} (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}): listed, not read`]);
      if (record.unreadable.length > 0) rows.push(["unreadable", `${record.unreadable.length} (listed above; not in the manifests)`]);
      if (record.signature) rows.push(["signature", `${record.signature.algorithm}, public key sha256 ${shortHex(record.signature.public_key_sha256)}`]);
      rows.push(["record", rel(written.record)], ["ledger", rel(written.ledger)]);
      if (written.canonical && written.signature) rows.push(["signed bytes", rel(written.canonical)], ["signature file", rel(written.signature)]);
      process.stdout.write(`Recorded stage ${record.stage}: ${record.file_count} file${record.file_count === 1 ? "" : "s"}, ${formatBytes(record.total_bytes)} in ${cacheDir}\n`);
      process.stdout.write(rows.map(([k, v]) => `  ${k.padEnd(18)}${v}`).join("\n") + "\n");
    });
}

const SIGNATURE_TEXT: Record<SignatureStatus, string> = {
  valid: "valid",
  invalid: "INVALID: the record was altered after it was signed",
  "wrong-key": "WRONG KEY: the record was signed with another key than --pub",
  unsigned: "none",
  unchecked: "not checked: the record is signed; pass --pub to check it",
};

/**
 * Text from a cache or a record as a table cell: control characters escaped (no terminal escape
 * sequences, one line per row) and at most `max` characters. Paths are not redacted: caches are
 * full of names that look like tokens (40-hex content hashes), and they are what the user must find.
 */
export function cell(text: string, max = 4096): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The rows of the verify table, built by plain loops over the report's lists (a report of a
 * 300,000-file cache has as many rows: nothing here spreads them into arguments or recurses).
 */
export function reportRows(report: VerifyReport): string[][] {
  const rows: string[][] = [];
  for (const c of report.changed) {
    const detail = c.kind === "file" ? `size ${c.recorded.size} -> ${c.actual.size}, sha256 ${shortHex(c.recorded.sha256)} -> ${shortHex(c.actual.sha256)}` : `target ${cell(c.recorded.target, 500)} -> ${cell(c.actual.target, 500)}`;
    rows.push(["changed", c.kind, cell(c.path), detail]);
  }
  for (const a of report.appeared) rows.push(["appeared", a.kind, cell(a.path), ""]);
  for (const v of report.vanished) rows.push(["vanished", v.kind, cell(v.path), ""]);
  for (const u of report.unreadable) rows.push(["unreadable", "", cell(u.path), cell(u.error, 500)]);
  return rows;
}

function printReport(report: VerifyReport): void {
  const rows = reportRows(report);
  if (rows.length > 0) process.stdout.write(table(["STATUS", "KIND", "PATH", "DETAIL"], rows) + "\n");
  if (report.note) process.stdout.write(`NOTE: ${report.note}\n`);
  const c = report.checks;
  const value = <T>(v: { recorded: T; actual: T; ok: boolean }, show: (x: T) => string = String) => (v.ok ? `ok (${show(v.actual)})` : `MISMATCH: recorded ${show(v.recorded)}, now ${show(v.actual)}`);
  const lines: [string, string][] = [
    ["record", `stage ${inputExcerpt(report.stage, 100)}, recorded ${report.recorded_at}${c.record_consistent ? "" : "; INCONSISTENT: its manifest, count or total does not match its own file list"}`],
    ["strength", report.strength === "per-file" ? "per-file: every file's path, size and SHA-256 checked" : "summary-only: manifests, count and total checked; no per-file list"],
    ["file_count", value(c.file_count)],
    ["total_bytes", value(c.total_bytes)],
    ["sha256_manifest", value(c.sha256_manifest, shortHex)],
    ["blake3_manifest", value(c.blake3_manifest, shortHex)],
    ["signature", `${SIGNATURE_TEXT[report.signature.status]}${report.signature.algorithm ? ` (${report.signature.algorithm}, public key sha256 ${shortHex(report.signature.public_key_sha256 ?? "")})` : ""}`],
  ];
  process.stdout.write(lines.map(([k, v]) => `  ${k.padEnd(18)}${v}`).join("\n") + "\n");
  const counts = [`${report.changed.length} changed`, `${report.appeared.length} appeared`, `${report.vanished.length} vanished`, `${report.unreadable.length} unreadable`];
  process.stdout.write(report.ok ? `MATCH: ${cell(report.cache_dir)} matches the record\n` : `MISMATCH: ${counts.join(", ")}\n`);
}

function verifyCommand(): Command {
  return new Command("verify")
    .exitOverride()
    .description(
      "Re-hash a cache directory and compare it with a record: files changed, appeared or vanished (a rename is one of each), both manifests, and the signature when --pub is given (then an unsigned record fails). Exit 0 on a match, 1 on any difference or bad signature, 2 on bad input.",
    )
    .requiredOption("--record <file>", "the record's .json file, as written by `provenance record`")
    .requiredOption("--cache-dir <dir>", "cache directory to check")
    .option("--pub <key.pem>", "public key (PEM) the record must be validly signed with")
    .option("--jobs <n>", "worker threads that read and hash files (default: one per CPU, at most 8; none for trees under 16 MiB)", parseJobs)
    .option("--json", "print the full report as JSON")
    .action(async (opts: { record: string; cacheDir: string; pub?: string; jobs?: number; json?: boolean }) => {
      const cacheDir = cacheDirectory(opts.cacheDir);
      // Loaded here, not at the top: its schema library costs `record` ~80 ms of start-up for nothing.
      const { readRecord } = await import("../provenance/read-record.ts");
      const loaded = readRecord(opts.record);
      const verifyingKey = opts.pub === undefined ? undefined : loadKey("--pub", opts.pub, loadVerifyingKey);
      let report: VerifyReport;
      try {
        report = await verifyCache({ ...loaded, cacheDir, ...(verifyingKey ? { verifyingKey } : {}) }, opts.jobs === undefined ? {} : { workers: opts.jobs });
      } catch (e) {
        if (e instanceof TreeReadError) throw new CliError(e.message);
        throw e;
      }
      if (opts.json) printJson(report);
      else printReport(report);
      if (!report.ok) process.exitCode = EXIT.findings;
    });
}

/**
 * The `provenance` command. Its subcommands throw commander's errors (exitOverride) rather than
 * exiting, so that the program's handler maps usage errors to exit code 2.
 */
export function provenanceCommand(): Command {
  return new Command("provenance")
    .exitOverride()
    .description("Record and verify signed provenance of CI cache directories (SHA-256 and BLAKE3 manifests, per-file digests, Ed25519 or ECDSA P-256 signatures checkable with openssl).")
    .addCommand(recordCommand())
    .addCommand(verifyCommand());
}
