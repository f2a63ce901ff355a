// The render index: read tolerantly, and never naming a file outside its folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RENDER_SUMMARY_FILE, readRenderSummary, renderedFiles, resourceFiles } from "./render-summary.ts";

const folder = (content: string) => {
  const dir = mkdtempSync(join(tmpdir(), "render-summary-"));
  writeFileSync(join(dir, RENDER_SUMMARY_FILE), content);
  return dir;
};

test("no index, a damaged one or one without a resource list is no index", () => {
  assert.equal(readRenderSummary(mkdtempSync(join(tmpdir(), "render-summary-"))), undefined);
  assert.equal(readRenderSummary(folder("{not json")), undefined);
  assert.equal(readRenderSummary(folder('{"resources": 3}')), undefined);
});

test("the files it names, resources and embedded documents, never a path out of the folder", () => {
  const summary = readRenderSummary(folder(JSON.stringify({
    resources: [
      { type: "kubernetes:apps/v1:Deployment", name: "a", file: "deployment-a.yaml" },
      { type: "command:remote:Command", name: "b", file: "command-b.json", embedded: [{ field: "create", file: "command-b.create.sh" }] },
      { type: "x", name: "evil", file: "../../etc/passwd", embedded: [{ field: "f", file: "/etc/shadow" }] },
      { type: "pulumi:providers:kubernetes", name: "p" },
    ],
    outputs: { clusterNetwork: { podCidr: "10.42.0.0/16" } },
  })));
  assert.ok(summary);
  assert.deepEqual(renderedFiles(summary), ["deployment-a.yaml", "command-b.json", "command-b.create.sh"]);
  assert.deepEqual(resourceFiles(summary, /\.ya?ml$/), ["deployment-a.yaml"]);
  assert.deepEqual(resourceFiles(summary, /\.json$/), ["command-b.json"]);
  assert.deepEqual(summary.outputs, { clusterNetwork: { podCidr: "10.42.0.0/16" } });
});
