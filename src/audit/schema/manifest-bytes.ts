/**
 * The bytes of a manifest file as text, or one input error that names the file, the line and the
 * fix: files above the size limit, binary files, text that is not UTF-8 (UTF-16 with a byte order
 * mark, or detectable from its first bytes, is decoded), and control characters YAML forbids.
 * The limits keep any input, hostile or broken, from exhausting memory or time.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { utf8Text } from "../../model/text-bytes.ts";
import { InputError } from "../input-error.ts";

/** The limits every manifest reader enforces; each is far above what a Kubernetes manifest needs. */
export interface ReadLimits {
  /** Bytes of one file. */
  readonly fileBytes: number;
  /** Characters of one YAML document (the API server refuses requests above 3 MiB). */
  readonly documentBytes: number;
  /** YAML tokens (scalars, keys, brackets, indicators) of one document; checked for documents above 256 KiB. */
  readonly documentTokens: number;
  /** Characters of one JSON file (a single document). */
  readonly jsonBytes: number;
  /** Documents in one run (every file together). */
  readonly documents: number;
  /** Nesting levels of mappings and lists in one document. */
  readonly depth: number;
  /** Alias uses in one document, weighted as the yaml package counts them. */
  readonly aliases: number;
  /** Values of one document once its aliases are expanded. */
  readonly expandedValues: number;
}

const MiB = 1024 * 1024;

export const READ_LIMITS: ReadLimits = {
  fileBytes: 256 * MiB,
  documentBytes: 4 * MiB,
  documentTokens: 500_000,
  jsonBytes: 64 * MiB,
  documents: 1_000_000,
  depth: 200,
  aliases: 100,
  expandedValues: 1_000_000,
};

/**
 * Gives the memory of bytes read by {@link readBytes} or {@link readBytesSync} back at once, once
 * they are decoded, instead of when the garbage collector gets to them: a file of hundreds of MiB
 * would otherwise be held twice (bytes and text). Only for bytes the caller owns.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && bytes.byteLength > 64 * 1024 && typeof buffer.transfer === "function") buffer.transfer(0);
}

/** `12.3 MiB`, `900 KiB`, `12 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

const SPLIT_FIX = "split it into several files (a directory of manifests is read in order)";

function tooLarge(file: string, size: number | undefined, limits: ReadLimits): InputError {
  const what = size === undefined ? `is larger than ${formatSize(limits.fileBytes)}` : `is ${formatSize(size)}`;
  return new InputError(`${file}: ${what}, above the ${formatSize(limits.fileBytes)} limit for one manifest file`, SPLIT_FIX);
}

/**
 * Reads a whole file (or a file descriptor, such as 0 for standard input) without ever holding more
 * than the limit: a larger input is refused as soon as it is seen to be larger.
 */
export function readBytesSync(source: string | number, file: string, limits: ReadLimits = READ_LIMITS): Buffer {
  let fd: number;
  try {
    fd = typeof source === "number" ? source : openSync(source, "r");
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    // A regular file is read into one buffer of its size; a pipe in chunks until it ends.
    let size: number | undefined;
    try {
      const info = fstatSync(fd);
      if (info.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      if (info.isFile()) size = info.size;
    } catch (e) {
      if ((e as { code?: string }).code === "EISDIR") throw e;
    }
    if (size !== undefined && size > limits.fileBytes) throw tooLarge(file, size, limits);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(size !== undefined && total < size ? size - total : Math.min(total === 0 ? 4 * MiB : 64 * 1024, limits.fileBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as { code?: string }).code === "EAGAIN") continue;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > limits.fileBytes) throw tooLarge(file, undefined, limits);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    if (chunks.length > 1) for (const c of chunks) releaseBytes(c);
    return bytes;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannotRead(file, e);
  } finally {
    if (typeof source !== "number") closeSync(fd);
  }
}

/** Reads a whole file, refusing one above the limit before reading it. */
export async function readBytes(file: string, limits: ReadLimits = READ_LIMITS): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    const { size } = await handle.stat();
    if (size > limits.fileBytes) throw tooLarge(file, size, limits);
    const bytes = await handle.readFile();
    if (bytes.length > limits.fileBytes) throw tooLarge(file, bytes.length, limits);
    return bytes;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw cannotRead(file, e);
  } finally {
    await handle.close();
  }
}

function cannotRead(file: string, e: unknown): InputError {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return new InputError(`${file}: no such file`, "pass an existing manifest file");
  if (code === "EISDIR") return new InputError(`${file}: is a directory`, "pass a manifest file");
  return new InputError(`${file}: cannot be read (${code ?? (e as Error).message})`, "check the file's permissions, or pass another file");
}

/** Characters YAML does not allow in a stream (outside the printable set), other than tab, LF and CR. */
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

function textPosition(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: index - lineStart + 1 };
}

const NOT_TEXT_FIX = "pass a YAML or JSON manifest (text in UTF-8); if this is an archive or a compiled file, extract or render the manifests first";

/** UTF-16 text (YAML allows it), refusing broken surrogate pairs and NUL characters. */
function decodeUtf16(file: string, bytes: Uint8Array, encoding: "utf-16le" | "utf-16be"): string {
  if (bytes.length % 2 !== 0) throw new InputError(`${file}: looks like ${encoding.toUpperCase()} text but has an odd number of bytes`, "save the file again as UTF-8");
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${file}: is not valid ${encoding.toUpperCase()} text (it holds a broken surrogate pair)`, "save the file again as UTF-8");
  }
  if (text.includes("\u0000")) {
    const { line, col } = textPosition(text, text.indexOf("\u0000"));
    throw new InputError(`${file}:${line}:${col}: is not a text file (it holds a NUL character there)`, NOT_TEXT_FIX);
  }
  return text;
}

/**
 * The text of a manifest from its bytes. UTF-8 (with or without a byte order mark) is the norm;
 * UTF-16 is decoded (YAML allows it), UTF-32 and binary files are refused. YAML text must also be
 * free of the control characters YAML forbids.
 */
export function decodeManifest(file: string, bytes: Uint8Array, format: "yaml" | "json"): string {
  const read = utf8Text(bytes);
  let text: string;
  if (read.ok) text = read.text;
  else {
    const p = read.problem;
    switch (p.kind) {
      case "utf-32":
        throw new InputError(`${file}: is UTF-32 text, which runner-fleet does not read`, "convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8");
      case "nul":
        throw new InputError(`${file}:${p.line}:${p.column}: is not a text file (it holds a NUL byte there)`, NOT_TEXT_FIX);
      case "not-utf-8":
        throw new InputError(
          `${file}:${p.line}:${p.column}: is not UTF-8 text (byte 0x${p.byte.toString(16).padStart(2, "0")} there starts no UTF-8 character)`,
          "save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8), or pass a YAML or JSON manifest",
        );
      case "utf-16":
        text = decodeUtf16(file, bytes, p.encoding);
    }
  }
  if (format === "yaml") {
    const m = NON_PRINTABLE.exec(text);
    if (m) {
      const { line, col } = textPosition(text, m.index);
      const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      throw new InputError(
        `${file}:${line}:${col}: holds the control character ${code}, which YAML does not allow in a document`,
        `remove it, or write it as an escape ("\\u${code.slice(2).toLowerCase()}") inside a double-quoted string; if this is not a text file, pass a YAML or JSON manifest`,
      );
    }
  }
  return text;
}
