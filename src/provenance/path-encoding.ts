/**
 * How a path (relative to the cache directory) appears in a record. File names are bytes; most are
 * UTF-8 and appear as plain text. A name that is not valid UTF-8 keeps its exact bytes in
 * `path_base64`, and `path` then holds a readable, lossless percent-escaped form.
 */
import { isUtf8 } from "node:buffer";

export interface EncodedPath {
  /** The path as UTF-8 text; for a non-UTF-8 name, its percent-escaped form (see {@link percentEscape}). */
  readonly path: string;
  /** The exact bytes of the path, base64; present only when they are not valid UTF-8. */
  readonly path_base64?: string;
}

/** An encoded path as read back from a record file (absent and `undefined` fields alike). */
export interface EncodedPathInput {
  readonly path: string;
  readonly path_base64?: string | undefined;
}

/** Encodes raw path bytes for a record. */
export function encodePath(raw: Uint8Array): EncodedPath {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (isUtf8(buf)) return { path: buf.toString("utf8") };
  return { path: percentEscape(buf), path_base64: buf.toString("base64") };
}

/** The exact bytes of an encoded path: `path_base64` when present, else the UTF-8 bytes of `path`. */
export function decodePath(p: EncodedPathInput): Buffer {
  return p.path_base64 !== undefined ? Buffer.from(p.path_base64, "base64") : Buffer.from(p.path, "utf8");
}

/** A string that stands for the path bytes one to one, usable as a Map key (latin1: one char per byte). */
export function pathKey(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
}

/**
 * Keeps printable ASCII except `%` and writes every other byte as `%XX` (upper-case hex), e.g. the
 * bytes `bad-\xff.bin` become `bad-%FF.bin`. Lossless: `%` itself becomes `%25`.
 */
export function percentEscape(raw: Uint8Array): string {
  let out = "";
  for (const byte of raw) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
