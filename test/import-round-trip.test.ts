// `runner-fleet import` against real public runner manifests (test/fixtures/import/SOURCES.md):
// import, then render the gh-runner stack with the written settings and `diff --against` the
// original: no drift. What the settings cannot express is listed by path, exit 1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { REPO } from "./helpers.ts";

const CORPUS = join(REPO, "test/fixtures/import");
const STACK = join(REPO, "infra/pulumi/gh-runner");
const files = readdirSync(CORPUS).filter((f) => f.endsWith(".yaml")).sort();
const tmp = mkdtempSync(join(tmpdir(), "rf-import-"));

const cli = (args: string[], input?: string) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8", ...(input === undefined ? {} : { input }) });

/** Files whose Deployments name no namespace are applied with `kubectl apply -n ci`: the diff reads them so. */
function namespaced(file: string): { path: string; args: string[] } {
  const text = readFileSync(join(CORPUS, file), "utf8");
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, any> | null); // eslint-disable-line @typescript-eslint/no-explicit-any
  const runner = docs.find((d) => d?.["kind"] === "Deployment");
  if (runner?.["metadata"]?.["namespace"] !== undefined) return { path: join(CORPUS, file), args: [] };
  const kinds = new Set(["Deployment", "ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount"]);
  const out = docs.filter((d) => d !== null).map((d) => (kinds.has(String(d["kind"])) && d["metadata"]["namespace"] === undefined ? { ...d, metadata: { ...d["metadata"], namespace: "ci" } } : d));
  const path = join(tmp, `ns-${file}`);
  writeFileSync(path, out.map((d) => stringify(d)).join("---\n"));
  return { path, args: ["--namespace", "ci"] };
}

/** Gaps the importer must report, and why the settings cannot express them. */
const EXPECTED_GAPS: Readonly<Record<string, RegExp>> = {
  // A literal credential-named value in env: the model only takes it from a Secret.
  "02-officeos-co-officeos-github-runner.yaml": /env\[7\]\.value: is a literal value for ACCESS_TOKEN/,
  "14-Ni0406-Uptime_monitor-github-runner.yaml": /env\[1\]\.value: is a literal value for RUNNER_TOKEN/,
  // A `<youracrname>` placeholder is not an image reference.
  "16-torivara-tf-aks-github-runners-runner.yaml": /runners\[0\]\.image: image "<youracrname>.azurecr.io\/myoung34\/github-runner:latest" has a malformed repository/,
};

describe("import round trip over real public runner manifests", () => {
  const reproduced: string[] = [];
  for (const file of files) {
    it(`${file}: import, render, diff --against the original`, () => {
      const original = namespaced(file);
      const settings = join(tmp, `Pulumi.${file}`);
      const imported = cli(["import", join(CORPUS, file), "--out", settings, ...original.args]);
      const gap = EXPECTED_GAPS[file];
      if (gap !== undefined) {
        assert.equal(imported.status, 1, imported.stderr);
        assert.match(imported.stderr, gap);
        assert.match(imported.stderr, /cannot be expressed; the settings reproduce everything else/);
        return;
      }
      assert.equal(imported.status, 0, imported.stderr);
      assert.doesNotMatch(imported.stderr, /cannot express/);
      const diff = cli(["diff", STACK, "--config-file", settings, "--against", original.path, "--managed-only"]);
      assert.equal(diff.status, 0, `${diff.stdout}\n${diff.stderr}`);
      assert.match(diff.stdout, /no drift: \d+ objects? match/);
      reproduced.push(file);
    });
  }
  it("reproduces at least 10 files of at least 4 kinds of image, with sidecars and config maps", () => {
    assert.ok(reproduced.length >= 10, `only ${reproduced.length} reproduced`);
    const text = reproduced.map((f) => readFileSync(join(CORPUS, f), "utf8")).join("\n");
    for (const image of [/actions\/actions-runner|actions-runner/, /summerwind\/actions-runner/, /myoung34\/github-runner/, /image: (?!.*(myoung34|summerwind|actions\/))\S*runner/]) assert.match(text, image);
    assert.match(text, /-dind/);
    assert.match(text, /configMapKeyRef|configMapRef/);
  });
  it("our own baseline deploy/gh-runner round-trips, hardened defaults kept (no relaxation)", () => {
    const baseline = join(REPO, "deploy/gh-runner/deployment.yaml");
    const settings = join(tmp, "Pulumi.baseline.yaml");
    const imported = cli(["import", baseline, "--out", settings]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.doesNotMatch(readFileSync(settings, "utf8"), /relax:/);
    const diff = cli(["diff", STACK, "--config-file", settings, "--against", baseline]);
    assert.equal(diff.status, 0, diff.stdout);
    assert.match(diff.stdout, /no drift: 3 objects match/);
  });
});
