// The committed audit views of the Kubernetes stacks (infra/pulumi/<stack>/audit/matrix.html and
// topology.mmd) are what `scripts/render-audit-views.ts` renders from the stacks today, and each
// topology is a flowchart Mermaid's parser accepts, showing the stack's forge and isolation layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseFlowchart } from "./mermaid-parser.ts";

const ROOT = resolve(import.meta.dirname, "..");
const STACKS = ["gh-runner", "gh-runners-firecracker", "forgejo-k8s-runners"];

test("scripts/render-audit-views.ts --check: the committed views are up to date", () => {
  const r = spawnSync(process.execPath, ["scripts/render-audit-views.ts", "--check"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("each stack's topology parses, with its forge, its namespaces and the runners' RuntimeClass", async () => {
  const views = new Map<string, Awaited<ReturnType<typeof parseFlowchart>>>();
  for (const stack of STACKS) views.set(stack, await parseFlowchart(readFileSync(join(ROOT, "infra/pulumi", stack, "audit/topology.mmd"), "utf8")));
  const texts = (stack: string) => [...views.get(stack)!.vertices.values()].map((v) => v.text);
  assert.ok(texts("gh-runner").includes("GitHub (forge)"));
  assert.ok(texts("forgejo-k8s-runners").includes("Forgejo (forge)"));
  const firecracker = views.get("gh-runners-firecracker")!;
  assert.ok(texts("gh-runners-firecracker").some((t) => t.startsWith("scale set arc-firecracker<br>RuntimeClass kata-fc")), "the Firecracker scale set runs under kata-fc");
  assert.ok(firecracker.subgraphs.some((s) => s.title === "namespace arc-runners<br>Pod Security enforce=restricted"));
});
