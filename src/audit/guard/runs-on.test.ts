import { test } from "node:test";
import assert from "node:assert/strict";
import { expandMatrix } from "./matrix.ts";
import { resolveRunsOn } from "./runs-on.ts";

const labelsOf = (runsOn: unknown, matrix: unknown = undefined) =>
  resolveRunsOn(runsOn, expandMatrix(matrix)).map((t) => (t.kind === "labels" ? { labels: t.labels, group: t.group, context: t.context } : { unresolvable: t.expression, reason: t.reason }));

test("the three literal forms", () => {
  assert.deepEqual(labelsOf("codex"), [{ labels: ["codex"], group: undefined, context: "" }]);
  assert.deepEqual(labelsOf(["self-hosted", "codex"]), [{ labels: ["self-hosted", "codex"], group: undefined, context: "" }]);
  assert.deepEqual(labelsOf({ group: "release", labels: "build-fips" }), [{ labels: ["build-fips"], group: "release", context: "" }]);
  assert.deepEqual(labelsOf({ group: "release" }), [{ labels: [], group: "release", context: "" }]);
  assert.deepEqual(resolveRunsOn(undefined, expandMatrix(undefined)), []);
});

test("matrix values: whole, embedded, inside lists, nested, and as whole label lists", () => {
  assert.deepEqual(labelsOf("${{ matrix.os }}", { os: ["a", "b"] }).map((t) => ("labels" in t ? t.labels : t)), [["a"], ["b"]]);
  assert.deepEqual(labelsOf("pool-${{ matrix.n }}", { n: [1] }).map((t) => ("labels" in t ? t.labels : t)), [["pool-1"]]);
  assert.deepEqual(labelsOf(["self-hosted", "${{ matrix.pool }}"], { pool: ["codex"] }).map((t) => ("labels" in t ? t.labels : t)), [["self-hosted", "codex"]]);
  assert.deepEqual(labelsOf("${{ matrix.cfg.runner }}", { cfg: [{ runner: "codex" }] }).map((t) => ("labels" in t ? t.labels : t)), [["codex"]]);
  assert.deepEqual(labelsOf("${{ matrix['os'] }}", { os: ["a"] }).map((t) => ("labels" in t ? t.labels : t)), [["a"]]);
  assert.deepEqual(labelsOf("${{ matrix.runner }}", { runner: [["self-hosted", "codex"]] }).map((t) => ("labels" in t ? t.labels : t)), [["self-hosted", "codex"]]);
  assert.deepEqual(labelsOf("${{ matrix.runner }}", { include: [{ runner: { group: "release", labels: ["build-fips"] } }] }), [{ labels: ["build-fips"], group: "release", context: 'matrix.runner={"group":"release","labels":["build-fips"]}' }]);
});

test("combinations that ask for the same labels are one target", () => {
  const targets = resolveRunsOn("${{ matrix.os }}", expandMatrix({ os: ["codex"], node: [20, 22, 24] }));
  assert.equal(targets.length, 1);
  assert.deepEqual(targets[0]!.kind === "labels" && targets[0]!.combinations, [0, 1, 2]);
});

test("everything else is unresolvable, with the reason", () => {
  assert.deepEqual(labelsOf("${{ inputs.runner }}"), [{ unresolvable: "${{ inputs.runner }}", reason: "only matrix values are known before the run" }]);
  assert.deepEqual(labelsOf("${{ matrix.os }}"), [{ unresolvable: "${{ matrix.os }}", reason: "the job has no static strategy.matrix to take it from" }]);
  assert.deepEqual(labelsOf("${{ matrix.arch }}", { os: ["a"] }), [{ unresolvable: "${{ matrix.arch }}", reason: "the matrix combination has no value for arch" }]);
  assert.deepEqual(labelsOf("${{ matrix.os }}", { os: ["${{ vars.OS }}"] }), [{ unresolvable: "${{ matrix.os }}", reason: 'its matrix value is itself an expression ("${{ vars.OS }}")' }]);
  const [dynamic] = labelsOf("${{ matrix.os }}", "${{ fromJSON(x) }}");
  assert.ok(dynamic && "reason" in dynamic);
  assert.match(dynamic.reason, /strategy.matrix is only known at run time \(\$\{\{ fromJSON\(x\) \}\}\)/);
  assert.deepEqual(labelsOf(["self-hosted", "${{ matrix.os == 'a' && 'x' || 'y' }}"], { os: ["a"] }).map((t) => "reason" in t), [true]);
});
