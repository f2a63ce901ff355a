/**
 * Checks a cache directory against a record: which entries changed, appeared or vanished, whether
 * both manifests still match, and (given a public key) whether the record's signature holds.
 */
import { digestTree, type DigestOptions } from "./digest-tree.ts";
import { sha256Manifest } from "./manifest.ts";
import { decodePath, encodePath, pathKey, type EncodedPath, type EncodedPathInput } from "./path-encoding.ts";
import type { RecordInput } from "./read-record.ts";
import type { UnreadableRecord } from "./record.ts";
import type { EntryKind } from "./scan-tree.ts";
import { checkSignature, type LoadedKey, type SignatureAlgorithm } from "./signing.ts";

/** An entry that exists under the same path in the record and in the cache, with other contents. */
export type ChangedEntry = EncodedPath &
  (
    | { readonly kind: "file"; readonly recorded: { readonly size: number; readonly sha256: string }; readonly actual: { readonly size: number; readonly sha256: string } }
    | { readonly kind: "symlink"; readonly recorded: { readonly target: string }; readonly actual: { readonly target: string } }
  );

/** An entry present on one side only. A renamed file is one vanished and one appeared entry. */
export interface EntryRef extends EncodedPath {
  readonly kind: EntryKind;
}

export interface ValueCheck<T> {
  readonly recorded: T;
  readonly actual: T;
  readonly ok: boolean;
}

/**
 * - `valid`: the signature holds for the given key.
 * - `invalid`: it does not: the record was altered after signing.
 * - `wrong-key`: the record was signed with another key (or algorithm) than the one given.
 * - `unsigned`: the record has no signature (a failure only when a key was given).
 * - `unchecked`: the record is signed but no key was given to check it with.
 */
export type SignatureStatus = "valid" | "invalid" | "wrong-key" | "unsigned" | "unchecked";

export interface VerifyReport {
  /** True when nothing differs and the signature, if a key was given, is valid. */
  readonly ok: boolean;
  readonly stage: string;
  readonly recorded_at: string;
  readonly cache_dir: string;
  /** False for summary-only records (no `files`): only the manifests could be compared. */
  readonly per_file: boolean;
  /**
   * How much a match proves. `per-file`: every file's path, size and SHA-256 was compared with the
   * record's list. `summary-only`: only the manifests, count and total were, and those cannot tell
   * apart two trees whose names and contents are arranged differently (see {@link SUMMARY_ONLY_NOTE}).
   */
  readonly strength: VerifyStrength;
  /** For a summary-only record: what a match does not prove, and what to do about it. */
  readonly note?: string;
  readonly changed: ChangedEntry[];
  readonly appeared: EntryRef[];
  readonly vanished: EntryRef[];
  /** Entries of the cache that could not be read now. */
  readonly unreadable: UnreadableRecord[];
  readonly checks: {
    /** The record's own manifest, count and total agree with its file list. */
    readonly record_consistent: boolean;
    readonly file_count: ValueCheck<number>;
    readonly total_bytes: ValueCheck<number>;
    readonly sha256_manifest: ValueCheck<string>;
    readonly blake3_manifest: ValueCheck<string>;
  };
  readonly signature: {
    readonly status: SignatureStatus;
    readonly ok: boolean;
    readonly algorithm?: SignatureAlgorithm;
    readonly public_key_sha256?: string;
  };
}

export type VerifyStrength = "per-file" | "summary-only";

/**
 * Why a summary-only match is weaker. The SHA-256 manifest concatenates path, hex digest and size
 * with no separators and the BLAKE3 manifest covers contents only (both fixed by the evidence
 * format), so different trees can give the same manifests, e.g. files `a` (empty) and `b` against
 * one file named `a` + SHA-256 of nothing + `0b`.
 */
export const SUMMARY_ONLY_NOTE =
  "the record has no per-file list (summary-only), so only its manifests, file count and total size were compared. " +
  "These manifests do not separate path, digest and size, so a rearranged tree with the same bytes (files renamed, merged or split so that names and contents line up the same way) can match. " +
  "Keep full records (as runner-fleet provenance record writes them, with their files list) and verify against those: then every file's path, size and SHA-256 is checked.";

export interface VerifyInput {
  readonly record: RecordInput;
  /** The record's canonical bytes (see `readRecord`). */
  readonly canonical: Buffer;
  /** The directory to check (need not be the record's `cache_dir`). */
  readonly cacheDir: string;
  /** Public key to check the signature with; when given, an unsigned record fails. */
  readonly verifyingKey?: LoadedKey;
}

interface Entry {
  readonly encoded: EncodedPath;
  readonly kind: EntryKind;
  readonly size?: number;
  readonly sha256?: string;
  readonly target?: EncodedPathInput;
}
/** Entries by {@link pathKey} of their path. */
type Side = Map<string, Entry>;

const check = <T>(recorded: T, actual: T): ValueCheck<T> => ({ recorded, actual, ok: recorded === actual });
const sameTarget = (a: EncodedPathInput | undefined, b: EncodedPathInput | undefined) => (a && b ? decodePath(a).equals(decodePath(b)) : a === b);

function compareSides(recorded: Side, actual: Side, unreadableNow: ReadonlySet<string>) {
  const changed: ChangedEntry[] = [];
  const appeared: EntryRef[] = [];
  const vanished: EntryRef[] = [];
  // Keys hold one character per path byte, so sorting them sorts paths by bytes.
  for (const key of [...new Set([...recorded.keys(), ...actual.keys()])].sort()) {
    const r = recorded.get(key);
    const a = actual.get(key);
    if (r && a && r.kind === a.kind) {
      if (r.kind === "file" && (r.size !== a.size || r.sha256 !== a.sha256)) {
        changed.push({ ...a.encoded, kind: "file", recorded: { size: r.size ?? 0, sha256: r.sha256 ?? "" }, actual: { size: a.size ?? 0, sha256: a.sha256 ?? "" } });
      } else if (r.kind === "symlink" && !sameTarget(r.target, a.target)) {
        changed.push({ ...a.encoded, kind: "symlink", recorded: { target: r.target?.path ?? "" }, actual: { target: a.target?.path ?? "" } });
      }
      continue;
    }
    if (r && !unreadableNow.has(key)) vanished.push({ ...r.encoded, kind: r.kind });
    if (a) appeared.push({ ...a.encoded, kind: a.kind });
  }
  return { changed, appeared, vanished };
}

/** Recomputes the digests of `cacheDir` and compares them with `record`. */
export async function verifyCache(input: VerifyInput, options: DigestOptions = {}): Promise<VerifyReport> {
  const { record } = input;
  const digest = await digestTree(input.cacheDir, options);

  const actual: Side = new Map();
  for (const f of digest.files) actual.set(pathKey(f.rel), { encoded: encodePath(f.rel), kind: "file", size: f.size, sha256: f.sha256 });
  for (const s of digest.skipped) actual.set(pathKey(s.rel), { encoded: encodePath(s.rel), kind: s.kind, ...(s.target ? { target: encodePath(s.target) } : {}) });
  const unreadable = digest.unreadable.map((u) => ({ ...encodePath(u.rel), error: u.error }));
  const unreadableNow = new Set(digest.unreadable.map((u) => pathKey(u.rel)));

  let diff: ReturnType<typeof compareSides> = { changed: [], appeared: [], vanished: [] };
  let consistent = true;
  if (record.files) {
    const manifestFiles = record.files.map((f) => ({ rel: decodePath(f), size: f.size, sha256: f.sha256 }));
    const recorded: Side = new Map();
    for (const f of manifestFiles) recorded.set(pathKey(f.rel), { encoded: encodePath(f.rel), kind: "file", size: f.size, sha256: f.sha256 });
    for (const s of record.skipped ?? []) recorded.set(pathKey(decodePath(s)), { encoded: encodePath(decodePath(s)), kind: s.kind, ...(s.target ? { target: s.target } : {}) });
    diff = compareSides(recorded, actual, unreadableNow);
    consistent =
      sha256Manifest(manifestFiles) === record.sha256_manifest &&
      record.file_count === record.files.length &&
      record.total_bytes === manifestFiles.reduce((n, f) => n + f.size, 0);
  }

  const checks = {
    record_consistent: consistent,
    file_count: check(record.file_count, digest.files.length),
    total_bytes: check(record.total_bytes, digest.totalBytes),
    sha256_manifest: check(record.sha256_manifest, digest.sha256Manifest),
    blake3_manifest: check(record.blake3_manifest, digest.blake3Manifest),
  };

  let status: SignatureStatus;
  if (!record.signature) status = "unsigned";
  else if (!input.verifyingKey) status = "unchecked";
  else status = checkSignature(input.canonical, record.signature, input.verifyingKey);
  const signatureOk = status === "valid" || (!input.verifyingKey && (status === "unsigned" || status === "unchecked"));
  const signature = {
    status,
    ok: signatureOk,
    ...(record.signature ? { algorithm: record.signature.algorithm, public_key_sha256: record.signature.public_key_sha256 } : {}),
  };

  const ok =
    signatureOk &&
    consistent &&
    Object.values(checks).every((c) => c === true || (typeof c === "object" && c.ok)) &&
    diff.changed.length + diff.appeared.length + diff.vanished.length + unreadable.length === 0;
  return { ok, stage: record.stage, recorded_at: record.recorded_at, cache_dir: input.cacheDir, per_file: record.files !== undefined, strength: record.files !== undefined ? "per-file" : "summary-only", ...(record.files !== undefined ? {} : { note: SUMMARY_ONLY_NOTE }), ...diff, unreadable, checks, signature };
}
