/**
 * Writes a record: its JSON, the canonical bytes and raw signature that `openssl` verifies, and
 * one line of the output directory's ledger.
 */
import { appendFileSync, mkdtempSync, rmdirSync, writeFileSync } from "node:fs";
import { makeDirectory } from "../io/make-directory.ts";
import { join } from "node:path";
import { canonicalRecordBytes } from "./canonical.ts";
import type { ProvenanceRecord } from "./record.ts";

/** The ledger every record appends one line to, in the output directory. */
export const LEDGER_FILE = "provenance.ndjson";

export interface WrittenRecord {
  /** `<output>/<stage>-<yyyymmddThhmmss.sssZ>.json` (`-2`, `-3`, ... before `.json` if taken). */
  readonly record: string;
  readonly ledger: string;
  /** `<record without .json>.canonical.json`: the exact bytes signed (signed records only). */
  readonly canonical?: string;
  /** `<record without .json>.sig`: the raw signature bytes (signed records only). */
  readonly signature?: string;
}

/** The output directory could not be created or written; `code` is the system error code (e.g. `EACCES`). */
export class RecordWriteError extends Error {
  readonly code: string;
  /** The directory or file that could not be created or written. */
  readonly path: string;
  constructor(path: string, cause: unknown) {
    const err = cause as NodeJS.ErrnoException;
    const code = err.code ?? "EIO";
    super(`${/^[A-Z0-9]+: [^,]*/.exec(err.message)?.[0] ?? `${code}: ${String(cause)}`}`);
    this.name = "RecordWriteError";
    this.code = code;
    this.path = path;
  }
}

/**
 * Creates `outputDir` if missing and checks that a file can be created in it (by making and removing
 * an empty directory), so that an unusable output fails before any hashing. Throws {@link RecordWriteError}.
 */
export function prepareOutputDir(outputDir: string): void {
  try {
    makeDirectory(outputDir);
    rmdirSync(mkdtempSync(join(outputDir, ".write-check-")));
  } catch (e) {
    throw new RecordWriteError(outputDir, e);
  }
}

/** The ledger's line for a record: its summary, without the per-entry lists. */
export function ledgerLine(record: ProvenanceRecord, recordFile: string): string {
  const { files: _files, skipped, unreadable, signature, ...summary } = record;
  return JSON.stringify({
    ...summary,
    skipped_count: skipped.length,
    unreadable_count: unreadable.length,
    ...(signature ? { signature } : {}),
    record_file: recordFile,
  }) + "\n";
}

/** Writes `record` into `outputDir` (created if missing) and appends its ledger line. Throws {@link RecordWriteError}. */
export function writeRecord(record: ProvenanceRecord, outputDir: string): WrittenRecord {
  let current = outputDir;
  try {
    return writeRecordFiles(record, outputDir, (p) => (current = p));
  } catch (e) {
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string") throw new RecordWriteError(current, e);
    throw e;
  }
}

function writeRecordFiles(record: ProvenanceRecord, outputDir: string, at: (path: string) => string): WrittenRecord {
  makeDirectory(outputDir);
  const stamp = record.recorded_at.replace(/[-:]/g, "");
  const body = JSON.stringify(record, null, 2) + "\n";
  let base = `${record.stage}-${stamp}`;
  for (let n = 2; ; n++) {
    try {
      writeFileSync(at(join(outputDir, `${base}.json`)), body, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      base = `${record.stage}-${stamp}-${n}`;
    }
  }
  const written: { -readonly [K in keyof WrittenRecord]: WrittenRecord[K] } = { record: join(outputDir, `${base}.json`), ledger: join(outputDir, LEDGER_FILE) };
  if (record.signature) {
    written.canonical = join(outputDir, `${base}.canonical.json`);
    written.signature = join(outputDir, `${base}.sig`);
    writeFileSync(at(written.canonical), canonicalRecordBytes(record));
    writeFileSync(at(written.signature), Buffer.from(record.signature.value, "base64"));
  }
  appendFileSync(at(written.ledger), ledgerLine(record, `${base}.json`));
  return written;
}
