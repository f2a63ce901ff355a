import { test } from "node:test";
import assert from "node:assert/strict";
import { peakDemand, transitiveNeeds } from "./workflow-budget.ts";
import { parseWorkflow } from "./workflow.ts";

const jobsOf = (yaml: string) => parseWorkflow({ path: "w.yml", text: `on: push\njobs:\n${yaml}` }).workflow!.jobs;

test("needs are followed transitively", () => {
  const needs = transitiveNeeds(jobsOf("  a: {}\n  b: { needs: a }\n  c: { needs: [b] }\n"));
  assert.deepEqual([...needs.get("c")!].sort(), ["a", "b"]);
  assert.deepEqual([...needs.get("a")!], []);
});

test("the peak is the heaviest set of jobs not ordered by needs", () => {
  const needs = transitiveNeeds(jobsOf("  a: {}\n  b: { needs: a }\n  c: {}\n  d: { needs: c }\n"));
  const peak = peakDemand([{ id: "a", demand: 1 }, { id: "b", demand: 3 }, { id: "c", demand: 2 }, { id: "d", demand: 1 }], needs);
  assert.equal(peak.total, 5);
  assert.deepEqual(peak.jobs.sort(), ["b", "c"]);
});

test("a chain never adds up", () => {
  const needs = transitiveNeeds(jobsOf("  a: {}\n  b: { needs: a }\n  c: { needs: b }\n"));
  assert.equal(peakDemand([{ id: "a", demand: 2 }, { id: "b", demand: 2 }, { id: "c", demand: 2 }], needs).total, 2);
});
