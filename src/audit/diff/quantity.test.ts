import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuantity, roundUpToMilli, sameQuantity } from "./quantity.ts";

test("spellings of one amount are the same quantity", () => {
  const same: [unknown, unknown][] = [
    ["1", 1],
    ["1000m", "1"],
    ["0.5", "500m"],
    [0.5, "500m"],
    ["1Gi", "1024Mi"],
    ["1Gi", 1073741824],
    ["1k", "1000"],
    ["1e3", "1k"],
    ["1E3", 1000],
    ["2M", "2000k"],
    ["1.5Gi", "1536Mi"],
    ["100n", "0.1u"],
    [".5", "0.5"],
    ["+1", "1"],
    ["1E", "1000P"],
  ];
  for (const [a, b] of same) assert.ok(sameQuantity(a, b), `${String(a)} = ${String(b)}`);
});

test("different amounts, binary vs decimal suffixes, and non-quantities are not the same", () => {
  const different: [unknown, unknown][] = [
    ["1", "1001m"],
    ["1Gi", "1G"],
    ["1Ki", "1k"],
    ["1m", "1M"],
    ["1", "one"],
    ["1", true],
    ["", "0"],
    ["1 Gi", "1Gi"],
  ];
  for (const [a, b] of different) assert.equal(sameQuantity(a, b), false, `${String(a)} != ${String(b)}`);
});

test("parseQuantity gives exact reduced fractions and refuses what the API refuses", () => {
  assert.deepEqual(parseQuantity("250m"), { numerator: 1n, denominator: 4n });
  assert.deepEqual(parseQuantity("-1.5k"), { numerator: -1500n, denominator: 1n });
  assert.deepEqual(parseQuantity("1Ki"), { numerator: 1024n, denominator: 1n });
  for (const bad of ["1.2.3", "1KiB", "Gi", "1e", "0x10", "1e1000", null, {}, Number.NaN]) assert.equal(parseQuantity(bad), undefined, String(bad));
});

test("ResourceList values are rounded up to milli units as the API server stores them", () => {
  const q = parseQuantity("0.0001");
  assert.ok(q !== undefined);
  assert.deepEqual(roundUpToMilli(q), { numerator: 1n, denominator: 1000n });
  assert.ok(sameQuantity("0.0001", "1m", { roundUpToMilli: true }));
  assert.equal(sameQuantity("0.0001", "1m"), false);
});
