/**
 * Writes a record: its JSON, the canonical bytes and raw signature that `openssl` verifies, and
 * one line of the output directory's ledger.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
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

/** Writes `record` into `outputDir` (created if missing) and appends its ledger line. */
export function writeRecord(record: ProvenanceRecord, outputDir: string): WrittenRecord {
  mkdirSync(outputDir, { recursive: true });
  const stamp = record.recorded_at.replace(/[-:]/g, "");
  const body = JSON.stringify(record, null, 2) + "\n";
  let base = `${record.stage}-${stamp}`;
  for (let n = 2; ; n++) {
    try {
      writeFileSync(join(outputDir, `${base}.json`), body, { flag: "wx" });
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
    writeFileSync(written.canonical, canonicalRecordBytes(record));
    writeFileSync(written.signature, Buffer.from(record.signature.value, "base64"));
  }
  appendFileSync(written.ledger, ledgerLine(record, `${base}.json`));
  return written;
}

