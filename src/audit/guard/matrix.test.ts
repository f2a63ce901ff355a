import { test } from "node:test";
import assert from "node:assert/strict";
import { expandMatrix } from "./matrix.ts";

const combos = (m: unknown) => {
  const r = expandMatrix(m);
  assert.equal(r.kind, "static");
  return r.kind === "static" ? r.combinations : [];
};

test("no matrix, and the product of listed values", () => {
  assert.deepEqual(expandMatrix(undefined), { kind: "none" });
  assert.deepEqual(combos({ os: ["a", "b"], node: [20, 22] }), [
    { os: "a", node: 20 },
    { os: "a", node: 22 },
    { os: "b", node: 20 },
    { os: "b", node: 22 },
  ]);
});

test("exclude removes partial matches", () => {
  assert.deepEqual(combos({ os: ["a", "b"], node: [20, 22], exclude: [{ os: "b", node: 20 }, { os: "c" }] }), [
    { os: "a", node: 20 },
    { os: "a", node: 22 },
    { os: "b", node: 22 },
  ]);
});

test("include extends the combinations it does not contradict, or adds a new one (as GitHub documents)", () => {
  const m = {
    fruit: ["apple", "pear"],
    animal: ["cat", "dog"],
    include: [{ color: "green" }, { color: "pink", animal: "cat" }, { fruit: "apple", shape: "circle" }, { fruit: "banana" }, { fruit: "banana", animal: "cat" }],
  };
  assert.deepEqual(combos(m), [
    { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
    { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
    { fruit: "pear", animal: "cat", color: "pink" },
    { fruit: "pear", animal: "dog", color: "green" },
    { fruit: "banana" },
    { fruit: "banana", animal: "cat" },
  ]);
});

test("a matrix made only of include entries has one combination per entry", () => {
  assert.deepEqual(combos({ include: [{ runner: "a" }, { runner: "b" }] }), [{ runner: "a" }, { runner: "b" }]);
});

test("expressions make the matrix dynamic", () => {
  assert.deepEqual(expandMatrix("${{ fromJSON(needs.plan.outputs.matrix) }}"), { kind: "dynamic", expression: "${{ fromJSON(needs.plan.outputs.matrix) }}" });
  assert.equal(expandMatrix({ os: "${{ fromJSON(inputs.os) }}" }).kind, "dynamic");
  assert.equal(expandMatrix({ os: ["a"], include: "${{ fromJSON(inputs.extra) }}" }).kind, "dynamic");
});
