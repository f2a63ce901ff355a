/**
 * Reads a record file back, validated, for `verify`. The file is input from anywhere (a cache
 * restored from elsewhere, an artifact store), so every way it can be wrong is refused with one
 * {@link ConfigError} naming the file, the key path or line, and the fix; nothing in it is echoed
 * beyond short, redacted excerpts, and no size or shape of it can crash or stall the reader.
 */
import { isUtf8 } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { z } from "../model/zod.ts";
import { type ConfigIssue } from "../model/issues.ts";
import { describeValue, inputError, keyPathText } from "../model/input-excerpt.ts";
import { decodeText } from "../model/text-bytes.ts";
import { strictObject, zodIssues } from "../model/zod-issues.ts";
import { canonicalJson } from "./canonical.ts";
import { checkJson } from "./json-input.ts";
import { decodePath, pathKey, percentEscape, type EncodedPathInput } from "./path-encoding.ts";

/** Sizes past which a record is refused. A record of 1,000,000 files is about 150 MB. */
export const RECORD_LIMITS = {
  /** Bytes of the record file. */
  fileBytes: 256 << 20,
  /** Nesting of objects and lists (a record needs 4). */
  depth: 32,
  /** Characters of a path (percent-escaped paths are up to three times their bytes). */
  pathLength: 65_536,
  /** Characters of the stage name. */
  stageLength: 256,
  /** Characters of an error text. */
  errorLength: 4096,
  /** Characters of a base64 signature. */
  signatureLength: 1024,
} as const;

const hex64 = (what: string) => z.string().regex(/^[0-9a-f]{64}$/, { error: `must be 64 lower-case hex digits (${what})` });
const count = z.number().int().nonnegative();
const encodedPath = { path: z.string().max(RECORD_LIMITS.pathLength), path_base64: z.base64().max(RECORD_LIMITS.pathLength).optional() };
const kinds = ["symlink", "fifo", "socket", "block-device", "char-device", "unknown"] as const;

const recordSchema = z.object({
  version: z.literal(1).optional(),
  stage: z.string().min(1).max(RECORD_LIMITS.stageLength),
  recorded_at: z.iso.datetime(),
  cache_dir: z.string().max(RECORD_LIMITS.pathLength),
  file_count: count,
  total_bytes: count,
  sha256_manifest: hex64("SHA-256"),
  blake3_manifest: hex64("BLAKE3"),
  files: z.array(strictObject({ ...encodedPath, size: count, sha256: hex64("SHA-256") })).optional(),
  skipped: z.array(strictObject({ ...encodedPath, kind: z.enum(kinds), target: strictObject(encodedPath).optional() })).optional(),
  unreadable: z.array(strictObject({ ...encodedPath, error: z.string().max(RECORD_LIMITS.errorLength) })).optional(),
  signature: strictObject({ algorithm: z.enum(["ed25519", "ecdsa-p256-sha256"]), value: z.base64().max(RECORD_LIMITS.signatureLength), public_key_sha256: hex64("SHA-256") }).optional(),
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

const PASS_RECORD = "pass the .json file that `runner-fleet provenance record` wrote";
const EDITED = "this record was edited or made by another tool; record the cache again with `runner-fleet provenance record`";

/** Most problems turned into messages (a damaged 300,000-entry record can have that many). */
const MAX_ISSUES = 50;

/**
 * Reads the bytes of a record file: it must be a regular file (a directory, FIFO or device is
 * named, never read or waited on) no larger than {@link RECORD_LIMITS}.
 */
function readRecordBytes(file: string, fail: (issue: ConfigIssue) => never): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    if (code === "ENOENT" || code === "ENOTDIR") return fail({ path: "", message: "does not exist", fix: `${PASS_RECORD} (its name is <stage>-<time>.json in the --output directory)` });
    return fail({ path: "", message: `cannot be read (${code})`, fix: code === "EACCES" || code === "EPERM" ? "make it readable by the user running verify" : PASS_RECORD });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return fail({ path: "", message: "is a directory, not a record file", fix: `${PASS_RECORD}: one of the <stage>-<time>.json files in that directory` });
    if (!st.isFile()) return fail({ path: "", message: `is ${st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : "a device"}, not a record file, so it was not read`, fix: PASS_RECORD });
    if (st.size > RECORD_LIMITS.fileBytes) return fail({ path: "", message: `is ${st.size} bytes, more than a record may be (${RECORD_LIMITS.fileBytes} bytes), so it was not read`, fix: PASS_RECORD });
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof Error && e.name === "ConfigError") throw e;
    return fail({ path: "", message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, fix: PASS_RECORD });
  } finally {
    closeSync(fd);
  }
}

/** Why `raw` (a relative path's bytes) cannot name an entry inside the cache, or undefined. */
function badRelativePath(raw: Buffer): string | undefined {
  if (raw.length === 0) return "is empty";
  if (raw.includes(0)) return "holds a NUL byte, which no file name can";
  if (raw[0] === 0x2f) return "is absolute (it starts with /)";
  for (const part of raw.toString("latin1").split("/")) {
    if (part === "") return "has an empty component (// or a / at the end)";
    if (part === "." || part === "..") return `has a "${part}" component`;
  }
  return undefined;
}

/** Problems of one encoded path: `path` and `path_base64` must agree, as the writer makes them. */
function encodingIssue(p: EncodedPathInput, at: string): ConfigIssue | undefined {
  if (p.path_base64 === undefined) return undefined;
  const raw = decodePath(p);
  if (isUtf8(raw)) return { path: `${at}.path_base64`, message: "holds bytes that are valid UTF-8, which a record writes in path alone", fix: `drop path_base64 and keep path; ${EDITED}` };
  if (p.path !== percentEscape(raw)) return { path: `${at}.path`, message: "does not match path_base64 (it must be path_base64's bytes with %XX for every byte that is not printable ASCII)", fix: `correct path, or ${EDITED}` };
  return undefined;
}

/** Checks a record's paths beyond their types: each names an entry inside the cache, once. */
function pathIssues(record: RecordInput): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, string>();
  const lists: [string, readonly (EncodedPathInput & { target?: EncodedPathInput | undefined })[] | undefined][] = [
    ["files", record.files],
    ["skipped", record.skipped],
    ["unreadable", record.unreadable],
  ];
  for (const [name, list] of lists) {
    for (let i = 0; i < (list?.length ?? 0); i++) {
      const entry = list![i]!;
      const at = `${name}[${i}]`;
      const encoding = encodingIssue(entry, at);
      if (encoding) {
        issues.push(encoding);
        continue;
      }
      const raw = decodePath(entry);
      const bad = badRelativePath(raw);
      if (bad !== undefined) {
        issues.push({ path: `${at}.path`, message: `is not a path inside the cache: it ${bad}`, fix: `a record lists paths relative to the cache directory, without . or .. components; ${EDITED}` });
        continue;
      }
      if (entry.target !== undefined) {
        const targetIssue = encodingIssue(entry.target, `${at}.target`);
        if (targetIssue) issues.push(targetIssue);
        else if (decodePath(entry.target).includes(0)) issues.push({ path: `${at}.target.path`, message: "holds a NUL byte, which no link target can", fix: EDITED });
      }
      if (name === "unreadable") continue;
      const key = pathKey(raw);
      const first = seen.get(key);
      if (first !== undefined) issues.push({ path: `${at}.path`, message: `names the same entry as ${first}.path`, fix: `list each entry once; ${EDITED}` });
      else seen.set(key, at);
    }
  }
  return issues;
}

const JSON_TYPES: Readonly<Record<string, string>> = { object: "a JSON object", array: "a list", string: "a string", number: "a number", boolean: "true or false" };

/** A wrong-type issue that also says what the record holds instead (never the value itself). */
function inJsonWords(issue: ConfigIssue, zi: z.core.$ZodIssue): ConfigIssue {
  if (zi.code !== "invalid_type" || !/^must be an? \w+$/.test(issue.message)) return issue;
  const expected = JSON_TYPES[zi.expected] ?? `a ${zi.expected}`;
  const input = (zi as { input?: unknown }).input;
  const got = input === null ? "null" : Array.isArray(input) ? "a list" : typeof input === "object" ? "a JSON object" : `a ${typeof input}`;
  return { path: issue.path, message: `must be ${expected}, not ${got}`, fix: `set ${issue.path || "it"} to ${expected}, as \`provenance record\` writes it; ${EDITED}` };
}

/**
 * Parses a record from its bytes; every problem is reported at once with its key path (or line
 * and column, for JSON that does not parse), in one {@link ConfigError}. `file` names it in the
 * message.
 */
export function parseRecord(bytes: Uint8Array, file: string): LoadedRecord {
  const subject = `provenance record ${file}`;
  const fail = (issue: ConfigIssue): never => {
    throw inputError([issue], subject);
  };
  if (bytes.byteLength > RECORD_LIMITS.fileBytes) fail({ path: "", message: `is ${bytes.byteLength} bytes, more than a record may be (${RECORD_LIMITS.fileBytes} bytes)`, fix: PASS_RECORD });
  const decoded = decodeText(bytes, `${PASS_RECORD}, not the .sig file or another binary file`);
  if (!decoded.ok) fail({ path: `line ${decoded.line}`, message: decoded.message, fix: decoded.fix.replace(/\bFILE\b/g, file) });
  const text = (decoded as { text: string }).text;
  const problems = checkJson(text, RECORD_LIMITS.depth);
  if (problems.length > 0) {
    throw inputError(
      problems.map((p) => ({
        path: p.path,
        message: p.message.startsWith("repeats a key") ? `${p.message} (line ${p.line}, column ${p.column})` : `is not JSON (line ${p.line}, column ${p.column}: ${p.message})`,
        fix: /repeats a key/.test(p.message) ? `keep the key once; ${EDITED}` : `${PASS_RECORD}, not the .ndjson ledger or the .sig file`,
      })),
      subject,
    );
  }
  const raw: unknown = JSON.parse(text);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    fail({ path: "", message: `is ${describeValue(raw)} at the top, not a JSON object`, fix: `${PASS_RECORD}; the ledger (provenance.ndjson) holds one summary per line, not records` });
  }
  const parsed = recordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const all = parsed.error.issues;
    const issues = all.slice(0, MAX_ISSUES).flatMap((zi) =>
      zodIssues(new z.ZodError([zi])).map((ci, k) => inJsonWords({ ...ci, path: keyPathText(zi.code === "unrecognized_keys" ? [...zi.path, zi.keys[k] ?? ""] : zi.path) }, zi)),
    );
    throw inputError(issues, subject, all.length);
  }
  const semantic = pathIssues(parsed.data);
  if (semantic.length > 0) throw inputError(semantic, subject);
  // Signed bytes come from the record as written, so keys this version does not know stay covered.
  const { signature: _signature, ...unsigned } = raw as Record<string, unknown>;
  return { record: parsed.data, canonical: Buffer.from(canonicalJson(unsigned), "utf8") };
}

/** Reads and validates a record file; see {@link parseRecord}. */
export function readRecord(file: string): LoadedRecord {
  const subject = `provenance record ${file}`;
  const bytes = readRecordBytes(file, (issue) => {
    throw inputError([issue], subject);
  });
  return parseRecord(bytes, file);
}
