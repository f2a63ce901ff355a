// The package's entry points load only the Pulumi SDKs they need, as a consumer sees them: each
// program runs as a child process against the built dist/ (needs `npm run build`), resolving
// `runner-fleet/<entry>` through the package's exports map from a stack of this repository, with
// a module hook that records every `@pulumi/*` package the process loads (ESM and CommonJS alike).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./helpers.ts";

/** Registered with `--import` before anything else loads; prints what was loaded when the process exits. */
const HOOK = `
import { registerHooks } from "node:module";
import { writeSync } from "node:fs";
const seen = new Set();
let zodFiles = 0;
registerHooks({
  load(url, context, next) {
    const m = /\\/node_modules\\/(@pulumi\\/[^/]+)\\//.exec(url);
    if (m) seen.add(m[1]);
    if (url.includes("/node_modules/zod/")) zodFiles++;
    return next(url, context);
  },
});
process.on("exit", () => writeSync(2, "\\nLOADED " + JSON.stringify([...seen].sort()) + "\\nZOD FILES " + zodFiles + "\\n"));
`;
const HOOK_URL = `data:text/javascript,${encodeURIComponent(HOOK)}`;

/** A stack of this repository that depends on runner-fleet: `runner-fleet/...` resolves as for any consumer. */
const CONSUMER = join(REPO, "infra/pulumi/gh-runner");

interface Loaded { readonly code: number | null; readonly pulumi: readonly string[]; readonly zodFiles: number; readonly stdout: string; readonly stderr: string }

function run(args: readonly string[], cwd: string): Loaded {
  const r = spawnSync(process.execPath, ["--import", HOOK_URL, ...args], { cwd, encoding: "utf8" });
  const line = /\nLOADED (\[.*\])\n/.exec(r.stderr)?.[1];
  assert.ok(line !== undefined, `the module hook reported nothing:\n${r.stderr}`);
  return { code: r.status, pulumi: JSON.parse(line) as string[], zodFiles: Number(/\nZOD FILES (\d+)\n/.exec(r.stderr)?.[1] ?? "-1"), stdout: r.stdout, stderr: r.stderr };
}

/** Imports `specifier` from the consumer stack and reports the file it resolved to and the SDKs loaded. */
function importEntry(specifier: string): Loaded & { resolved: string } {
  const program = `const url = import.meta.resolve(${JSON.stringify(specifier)}); const mod = await import(url); process.stdout.write(JSON.stringify({ url, exports: Object.keys(mod).length }));`;
  const r = run(["--input-type=module", "-e", program], CONSUMER);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { url: string; exports: number };
  assert.ok(out.exports > 0, `${specifier} exports nothing`);
  return { ...r, resolved: out.url };
}

const built = existsSync(join(REPO, "dist/entries/kubernetes.js"));
const needsBuild = built ? {} : { skip: "build the package first (npm run build)" };

describe("entry points load only the Pulumi SDKs they need", needsBuild, () => {
  it("runner-fleet/kubernetes: @pulumi/kubernetes, never @pulumi/aws, @pulumi/vault or @pulumi/command", () => {
    const r = importEntry("runner-fleet/kubernetes");
    assert.match(r.resolved, /\/dist\/entries\/kubernetes\.js$/, "resolved through the exports map to the built entry");
    assert.deepEqual(r.pulumi, ["@pulumi/kubernetes", "@pulumi/pulumi"]);
  });

  it("runner-fleet/libvirt: @pulumi/command, never @pulumi/aws, @pulumi/vault or @pulumi/kubernetes", () => {
    const r = importEntry("runner-fleet/libvirt");
    assert.match(r.resolved, /\/dist\/entries\/libvirt\.js$/);
    assert.deepEqual(r.pulumi, ["@pulumi/command", "@pulumi/pulumi"]);
  });

  it("runner-fleet/aws: @pulumi/aws and @pulumi/vault, never @pulumi/command or @pulumi/kubernetes", () => {
    const r = importEntry("runner-fleet/aws");
    assert.match(r.resolved, /\/dist\/entries\/aws\.js$/);
    assert.deepEqual(r.pulumi, ["@pulumi/aws", "@pulumi/pulumi", "@pulumi/vault"]);
  });

  it("runner-fleet/model: no @pulumi package at all", () => {
    const r = importEntry("runner-fleet/model");
    assert.match(r.resolved, /\/dist\/entries\/model\.js$/);
    assert.deepEqual(r.pulumi, []);
  });

  it("runner-fleet (the root) still exports everything, and so loads every SDK", () => {
    const r = importEntry("runner-fleet");
    assert.match(r.resolved, /\/dist\/index\.js$/);
    assert.deepEqual(r.pulumi, ["@pulumi/aws", "@pulumi/command", "@pulumi/kubernetes", "@pulumi/pulumi", "@pulumi/vault"]);
  });

  it("runner-fleet --help loads no @pulumi package", () => {
    const r = run([join(REPO, "bin/runner-fleet.js"), "--help"], REPO);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\brender\b/);
    assert.deepEqual(r.pulumi, []);
  });

  it("runner-fleet validate <dir> loads no @pulumi package", () => {
    const r = run([join(REPO, "bin/runner-fleet.js"), "validate", "deploy/gh-runner"], REPO);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\b3 valid, 0 invalid/);
    assert.deepEqual(r.pulumi, []);
  });
});

describe("the built package loads zod as one module (npm run build bundles it)", needsBuild, () => {
  it("runner-fleet/model validates with zod without loading any file of the zod package", () => {
    const program = `const m = await import("runner-fleet/model"); try { m.resolveKubernetesFleet({ namespace: "ci", githubRepo: "o/r", runners: [{ name: "a", replicas: "two" }] }); } catch (e) { process.stdout.write(e.message); }`;
    const r = run(["--input-type=module", "-e", program], CONSUMER);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /runners\[0\]\.replicas/);
    assert.equal(r.zodFiles, 0);
  });
});
