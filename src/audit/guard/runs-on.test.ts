import { test } from "node:test";
import assert from "node:assert/strict";
import { expandMatrix } from "./matrix.ts";
import { resolveRunsOn } from "./runs-on.ts";
import { generalContext, resolveMatrix } from "./static-context.ts";

/** As the guard does: the matrix with its expressions evaluated, expanded, then runs-on per combination. */
const labelsOf = (runsOn: unknown, matrix: unknown = undefined) =>
  resolveRunsOn(runsOn, expandMatrix(resolveMatrix(matrix, generalContext({ events: new Map(), inputs: {} }, undefined)))).map((t) => (t.kind === "labels" ? { labels: t.labels, group: t.group, context: t.context } : { unresolvable: t.expression, reason: t.reason }));

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

test("expressions are evaluated as GitHub does; what is not known before the run is unresolvable, with the reason", () => {
  assert.deepEqual(labelsOf("${{ inputs.runner }}"), [{ unresolvable: "${{ inputs.runner }}", reason: "inputs.runner is not known before the run" }]);
  assert.deepEqual(resolveRunsOn("${{ inputs.runner }}", expandMatrix(undefined), { events: new Map(), inputs: { runner: "codex" } }).map((t) => t.kind === "labels" && t.labels), [["codex"]]);
  assert.deepEqual(labelsOf("${{ matrix.os }}"), [{ unresolvable: "${{ matrix.os }}", reason: "it comes out empty (a matrix or input value that is not set)" }]);
  assert.deepEqual(labelsOf("${{ matrix.arch }}", { os: ["a"] }), [{ unresolvable: "${{ matrix.arch }}", reason: "it comes out empty (a matrix or input value that is not set)" }]);
  assert.deepEqual(labelsOf("${{ matrix.os }}", { os: ["${{ vars.OS }}"] }), [{ unresolvable: "${{ matrix.os }}", reason: "${{ vars.OS }} is not known before the run" }]);
  const [dynamic] = labelsOf("${{ matrix.os }}", "${{ fromJSON(x) }}");
  assert.ok(dynamic && "reason" in dynamic);
  assert.match(dynamic.reason, /strategy.matrix is only known at run time \(\$\{\{ fromJSON\(x\) \}\}\)/);
  assert.deepEqual(labelsOf(["self-hosted", "${{ matrix.os == 'a' && 'x' || 'y' }}"], { os: ["a", "b"] }).map((t) => ("labels" in t ? t.labels : t)), [["self-hosted", "x"], ["self-hosted", "y"]]);
  assert.deepEqual(labelsOf("${{ matrix.os.runs-on[matrix.arch.matrix] }}", { os: [{ "runs-on": ["a", "b"] }], arch: [{ matrix: 1 }] }).map((t) => ("labels" in t ? t.labels : t)), [["b"]], "nested matrix objects and indexes");
  assert.deepEqual(labelsOf("${{ fromJSON('[\"self-hosted\",\"gpu\"]') }}").map((t) => ("labels" in t ? t.labels : t)), [["self-hosted", "gpu"]]);
});
