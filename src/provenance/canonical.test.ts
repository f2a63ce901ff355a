import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, canonicalRecordBytes } from "./canonical.ts";
import type { ProvenanceRecord } from "./record.ts";

describe("canonical JSON", () => {
  it("sorts keys at every depth, keeps array order and writes no whitespace", () => {
    assert.equal(canonicalJson({ b: 1, a: [{ z: "x y", y: 2 }, 3], A: { d: null, c: true } }), '{"A":{"c":true,"d":null},"a":[{"y":2,"z":"x y"},3],"b":1}');
  });

  it("keeps a key named __proto__ as an ordinary key", () => {
    assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}')), '{"__proto__":{"x":1},"b":1}');
  });

  it("leaves the signature out of the signed bytes", () => {
    const record = {
      version: 1,
      stage: "build",
      recorded_at: "2025-01-01T00:00:00.000Z",
      cache_dir: "/c",
      file_count: 0,
      total_bytes: 0,
      sha256_manifest: "0".repeat(64),
      blake3_manifest: "1".repeat(64),
      files: [],
      skipped: [],
      unreadable: [],
      signature: { algorithm: "ed25519", value: "AA==", public_key_sha256: "2".repeat(64) },
    } satisfies ProvenanceRecord;
    const bytes = canonicalRecordBytes(record).toString("utf8");
    assert.ok(!bytes.includes("signature"));
    assert.ok(bytes.startsWith('{"blake3_manifest":"1111'));
    assert.equal(JSON.stringify(JSON.parse(bytes)).length, bytes.length);
  });
});
