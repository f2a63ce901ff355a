/**
 * Bytes read from a file, checked before they are taken as text: byte-order marks (UTF-8, UTF-16,
 * UTF-32), UTF-16 without a mark, NUL bytes (binary files) and bytes that are not UTF-8, each
 * found at its line and column. Every reader of files people give (profiles files, stack
 * settings, manifests, provenance records) asks here and words the answer for its own file.
 */

/** Why bytes are not UTF-8 text, with where it shows. */
export type BytesProblem =
  | { readonly kind: "utf-32" }
  /** UTF-16 text: with a byte-order mark, or ASCII text with a NUL beside every character. */
  | { readonly kind: "utf-16"; readonly encoding: "utf-16le" | "utf-16be"; readonly marked: boolean }
  /** A NUL byte, as binary files hold. */
  | { readonly kind: "nul"; readonly offset: number; readonly line: number; readonly column: number }
  /** A byte that starts no UTF-8 character (overlong forms and surrogates included). */
  | { readonly kind: "not-utf-8"; readonly offset: number; readonly line: number; readonly column: number; readonly byte: number };

export type Utf8Text = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: BytesProblem };

/** 1-based line and column of byte `index` in `bytes`. */
export function bytePosition(bytes: Uint8Array, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < index; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** Index of the first byte that breaks UTF-8 (overlong forms, surrogates and cut sequences included), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n > bytes.length - 1) return i;
    for (let k = 1; k <= n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const b1 = bytes[i + 1]!;
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

/** Whether the first characters read as printable ASCII in UTF-16, with the NUL half at `zero` (1 little-endian, 0 big-endian). */
function asciiAsUtf16(bytes: Uint8Array, zero: 0 | 1): boolean {
  const units = Math.min(16, Math.floor(bytes.length / 2));
  if (units === 0) return false;
  for (let u = 0; u < units; u++) {
    const c = bytes[2 * u + 1 - zero]!;
    if (bytes[2 * u + zero] !== 0 || !(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f))) return false;
  }
  return true;
}

/** The UTF-16 or UTF-32 form of `bytes`, from a byte-order mark or (UTF-16) from ASCII text with NULs beside it, or undefined. */
function wideForm(bytes: Uint8Array): BytesProblem | undefined {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) return { kind: "utf-32" };
  if (b0 === 0xff && b1 === 0xfe) return { kind: "utf-16", encoding: "utf-16le", marked: true };
  if (b0 === 0xfe && b1 === 0xff) return { kind: "utf-16", encoding: "utf-16be", marked: true };
  if (asciiAsUtf16(bytes, 1)) return { kind: "utf-16", encoding: "utf-16le", marked: false };
  if (asciiAsUtf16(bytes, 0)) return { kind: "utf-16", encoding: "utf-16be", marked: false };
  return undefined;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * `bytes` as UTF-8 text (a UTF-8 byte-order mark dropped), or the first reason they are not:
 * UTF-32, UTF-16, a NUL byte, or a byte that is not UTF-8, in that order.
 */
export function utf8Text(bytes: Uint8Array): Utf8Text {
  const wide = wideForm(bytes);
  if (wide !== undefined) return { ok: false, problem: wide };
  const nul = bytes.indexOf(0);
  if (nul !== -1) return { ok: false, problem: { kind: "nul", offset: nul, ...bytePosition(bytes, nul) } };
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    const offset = Math.max(0, firstInvalidUtf8(bytes));
    return { ok: false, problem: { kind: "not-utf-8", offset, ...bytePosition(bytes, offset), byte: bytes[offset] ?? 0 } };
  }
}

/** The fix for text in another encoding: convert it with iconv (`FILE` stands for the file's name). */
export const iconvFix = (from: string): string => `save it as UTF-8, e.g. iconv -f ${from} -t UTF-8 FILE > FILE.new && mv FILE.new FILE`;

/** Text of a file's bytes, or why they are not UTF-8 text (at which line) and how to fix that. */
export type DecodedText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly line: number; readonly message: string; readonly fix: string };

/**
 * Decodes a file's bytes as UTF-8 text (a UTF-8 byte-order mark is dropped). UTF-16 and UTF-32
 * text, binary files (NUL bytes) and bytes that are not UTF-8 are told apart, each with its fix
 * (`FILE` in a fix stands for the file's name); `binaryFix` says what to pass instead of a binary
 * file.
 */
export function decodeText(bytes: Uint8Array, binaryFix = "pass the text file instead"): DecodedText {
  const read = utf8Text(bytes);
  if (read.ok) return read;
  const p = read.problem;
  switch (p.kind) {
    case "utf-32":
      return { ok: false, line: 1, message: "is UTF-32 text (it starts with a UTF-32 byte-order mark), not UTF-8", fix: iconvFix("UTF-32") };
    case "utf-16":
      return { ok: false, line: 1, message: p.marked ? "is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8" : "looks like UTF-16 text (every other byte is NUL), not UTF-8", fix: iconvFix("UTF-16") };
    case "nul":
      return { ok: false, line: p.line, message: `is not text: it holds a NUL byte (line ${p.line}), as binary files do`, fix: binaryFix };
    case "not-utf-8":
      return { ok: false, line: p.line, message: `is not valid UTF-8 (line ${p.line} holds a byte that is not), so it is not the text file expected`, fix: `${iconvFix("LATIN1")} (or the encoding it was written in), or ${binaryFix}` };
  }
}
