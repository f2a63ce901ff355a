/** Makes the provenance record of a cache directory, signed when a key is given. */
import { canonicalRecordBytes } from "./canonical.ts";
import { digestTree, type DigestOptions } from "./digest-tree.ts";
import { buildRecord, type ProvenanceRecord } from "./record.ts";
import { signBytes, type LoadedKey } from "./signing.ts";

export interface RecordCacheInput {
  /** Pipeline stage name; used in the record's file name, so letters, digits, `.`, `_`, `-`. */
  readonly stage: string;
  /** Absolute path of the cache directory (an existing directory). */
  readonly cacheDir: string;
  /** Private key to sign the canonical record with; unsigned when absent. */
  readonly signingKey?: LoadedKey;
  /** Time to record as `recorded_at`. @default the time the listing starts */
  readonly now?: Date;
}

export async function recordCache(input: RecordCacheInput, options: DigestOptions = {}): Promise<ProvenanceRecord> {
  const recordedAt = input.now ?? new Date();
  const digest = await digestTree(input.cacheDir, options);
  const record = buildRecord(input.stage, input.cacheDir, digest, recordedAt);
  return input.signingKey ? { ...record, signature: signBytes(canonicalRecordBytes(record), input.signingKey) } : record;
}
