import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodePath, encodePath, pathKey, percentEscape } from "./path-encoding.ts";

describe("path encoding", () => {
  it("keeps UTF-8 paths as plain text, without base64", () => {
    assert.deepEqual(encodePath(Buffer.from("dir/é ü.txt")), { path: "dir/é ü.txt" });
  });

  it("keeps the exact bytes of a non-UTF-8 path in path_base64 and escapes it readably in path", () => {
    const raw = Buffer.from([0x61, 0x2f, 0xc3, 0x28, 0x25, 0x20]);
    const encoded = encodePath(raw);
    assert.deepEqual(encoded, { path: "a/%C3(%25%20", path_base64: "YS/DKCUg" });
    assert.ok(decodePath(encoded).equals(raw));
  });

  it("percent-escapes losslessly: % itself is escaped", () => {
    assert.equal(percentEscape(Buffer.from("100%")), "100%25");
  });

  it("keys paths one character per byte, so keys sort in byte order", () => {
    const paths = [Buffer.from("é"), Buffer.from("z"), Buffer.from([0xff]), Buffer.from("Z")];
    const byKey = [...paths].sort((a, b) => (pathKey(a) < pathKey(b) ? -1 : 1));
    assert.deepEqual(byKey, [...paths].sort(Buffer.compare));
  });
});
