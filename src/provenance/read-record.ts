/** Reads a record file back, validated, for `verify`. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { strictObject, zodIssues } from "../model/zod-issues.ts";
import { canonicalJson } from "./canonical.ts";

const hex64 = (what: string) => z.string().regex(/^[0-9a-f]{64}$/, { error: `must be 64 lower-case hex digits (${what})` });
const count = z.number().int().nonnegative();
const encodedPath = { path: z.string(), path_base64: z.base64().optional() };
const kinds = ["symlink", "fifo", "socket", "block-device", "char-device", "unknown"] as const;

const recordSchema = z.object({
  version: z.literal(1).optional(),
  stage: z.string().min(1),
  recorded_at: z.iso.datetime(),
  cache_dir: z.string(),
  file_count: count,
  total_bytes: count,
  sha256_manifest: hex64("SHA-256"),
  blake3_manifest: hex64("BLAKE3"),
  files: z.array(strictObject({ ...encodedPath, size: count, sha256: hex64("SHA-256") })).optional(),
  skipped: z.array(strictObject({ ...encodedPath, kind: z.enum(kinds), target: strictObject(encodedPath).optional() })).optional(),
  unreadable: z.array(strictObject({ ...encodedPath, error: z.string() })).optional(),
  signature: strictObject({ algorithm: z.enum(["ed25519", "ecdsa-p256-sha256"]), value: z.base64(), public_key_sha256: hex64("SHA-256") }).optional(),
});

/**
 * A record as read back. Records in the summary evidence format (no `files`, `skipped`,
 * `unreadable` or `version`) are accepted: their manifests can be checked, not their files.
 */
export type RecordInput = z.infer<typeof recordSchema>;

export interface LoadedRecord {
  readonly record: RecordInput;
  /** The exact bytes a signature over this record covers (see canonical.ts). */
  readonly canonical: Buffer;
}

/** Reads and validates a record file; every problem is reported at once with its key path. */
export function readRecord(file: string): LoadedRecord {
  const subject = `provenance record ${file}`;
  const fail = (issue: ConfigIssue): never => {
    throw new ConfigError([issue], subject);
  };
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    fail({ path: "", message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, fix: "pass the .json file that `runner-fleet provenance record` wrote" });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail({ path: "", message: `is not JSON (${(e as Error).message})`, fix: "pass the .json file that `runner-fleet provenance record` wrote, not the .ndjson ledger or the .sig file" });
  }
  const parsed = recordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), subject);
  // Signed bytes come from the record as written, so keys this version does not know stay covered.
  const { signature: _signature, ...unsigned } = raw as Record<string, unknown>;
  return { record: parsed.data, canonical: Buffer.from(canonicalJson(unsigned), "utf8") };
}
