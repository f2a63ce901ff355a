import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { resolveForgejoVm } from "../model/forgejo-vm.ts";
import type { ConfigError } from "../model/issues.ts";
import { renderShellScript } from "../render/scripts/shell.ts";
import { exporterTokenFile, forgejoExporterDeleteScript, forgejoExporterInstallScript, forgejoExporterOptionsOf, forgejoJobMetricsIssues } from "./forgejo-job-metrics.ts";
import { needs, requireTool } from "../../test/validators.ts";

const vm = resolveForgejoVm(parse(readFileSync(join(import.meta.dirname, "../../test/fixtures/libvirt/forgejo-vm.yaml"), "utf8")));

test("the exporter takes the VM's own forge, scope and label names, the VM's name as its pool", () => {
  const o = forgejoExporterOptionsOf(vm, {});
  assert.equal(o.pool, vm.vm.name);
  assert.equal(o.forgeUrl, vm.forge.address);
  assert.deepEqual(o.scope, vm.forge.scope);
  assert.deepEqual(o.labels, vm.runner.labels.map((l) => l.name));
  assert.ok(o.labels.every((l) => !l.includes(":")), "label names only, without their ':docker://' part");
});

test("bad repositories are reported under jobMetrics, with the fix", () => {
  const issues = forgejoJobMetricsIssues(vm, { repositories: ["acme/app", "not a repo"] });
  assert.deepEqual(issues.map((i) => i.path), ["jobMetrics.repositories.1"]);
  assert.match(issues[0]?.fix ?? "", /owner\/name/);
  assert.deepEqual(forgejoJobMetricsIssues(vm, { repositories: ["acme/app"] }), []);
});

test("a token with whitespace is refused without being quoted; a good one becomes the file's one line", () => {
  assert.equal(exporterTokenFile("abc123"), "abc123\n");
  for (const bad of ["", "  ", "abc 123", "abc\n123"]) {
    assert.throws(() => exporterTokenFile(bad), (e: ConfigError) => e.issues[0]?.path === "jobMetrics.readToken" && !e.message.includes("abc") && /pulumi config set --secret forgeReadToken/.test(e.issues[0]?.fix ?? ""));
  }
});

test("the install and delete scripts pass shellcheck", needs("shellcheck"), () => {
  requireTool("shellcheck");
  const o = forgejoExporterOptionsOf(vm, {});
  for (const script of [forgejoExporterInstallScript(o), forgejoExporterDeleteScript(o)]) {
    const r = spawnSync("shellcheck", ["--shell=sh", "-"], { input: renderShellScript(script), encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});
