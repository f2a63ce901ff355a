/**
 * The canonical form of a record, the bytes a signature covers: the record without its
 * `signature` field, as JSON with every object's keys sorted (by UTF-16 code units) and no
 * whitespace, UTF-8 encoded. Strings and numbers are written as ECMAScript `JSON.stringify` writes
 * them; for the values a record holds (strings, non-negative integers) this is RFC 8785 (JCS).
 */
import type { ProvenanceRecord } from "./record.ts";

/** JSON with sorted object keys and no whitespace. Keys must not look like array indices. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    // fromEntries defines own properties, so even a key named __proto__ stays an ordinary key.
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** The bytes that are signed: the canonical JSON of `record` without `signature`. */
export function canonicalRecordBytes(record: ProvenanceRecord): Buffer {
  const { signature: _signature, ...unsigned } = record;
  return Buffer.from(canonicalJson(unsigned), "utf8");
}
