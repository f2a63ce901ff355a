// CLI end-to-end: `runner-fleet` run as a subprocess, as a user runs it (needs `npm run build`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { editedStackConfig, GH_RUNNER_STACK, KUBERNETES_SCHEMAS, REPO } from "./helpers.ts";

const SCHEMAS = KUBERNETES_SCHEMAS;

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), "rf-cli-"));
const readAll = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");

describe("runner-fleet CLI", () => {
  it("--help lists the commands and exits 0", () => {
    const r = cli("--help");
    assert.equal(r.code, 0);
    for (const c of ["render", "validate", "diff"]) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  });

  it("an unknown command exits 2", () => {
    const r = cli("deploy");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });

  it("render writes exactly the ConfigMap, the two Deployments, the three fence policies, and a summary", () => {
    const out = tmp();
    const r = cli("render", "infra/pulumi/gh-runner", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["configmap-codex-config-gh-runner.yaml", "deployment-codex-gh-runner.yaml", "deployment-gemini-gh-runner.yaml", "networkpolicy-gh-runner-allow-dns-egress.yaml", "networkpolicy-gh-runner-allow-https-egress-public.yaml", "networkpolicy-gh-runner-default-deny-all.yaml", "render-summary.json"]);
    assert.match(r.stdout, /kubernetes:apps\/v1:Deployment\s+codex-gh-runner\s+deployment-codex-gh-runner\.yaml/);
    assert.match(r.stdout, /6 resources of gh-runner \(stack dev\) written/);
  });

  it("render again into the same folder: files of the earlier render it no longer writes are removed, others kept", () => {
    const out = tmp();
    writeFileSync(join(out, "notes.txt"), "mine\n");
    assert.equal(cli("render", "infra/pulumi/gh-runner", "--out", out).code, 0);
    const fewer = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      c["gh-runner:runners"] = (c["gh-runner:runners"] as { name: string }[]).filter((r) => r.name === "codex");
    });
    const r = cli("render", "infra/pulumi/gh-runner", "--config-file", fewer, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["configmap-codex-config-gh-runner.yaml", "deployment-codex-gh-runner.yaml", "networkpolicy-gh-runner-allow-dns-egress.yaml", "networkpolicy-gh-runner-allow-https-egress-public.yaml", "networkpolicy-gh-runner-default-deny-all.yaml", "notes.txt", "render-summary.json"]);
  });

  it("render --json prints the summary as data", () => {
    const r = cli("render", "infra/pulumi/gh-runner", "--out", tmp(), "--json");
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { resources: { name: string; file?: string }[] };
    assert.deepEqual(data.resources.filter((x) => x.file).map((x) => x.name).sort(), ["codex-config-gh-runner", "codex-gh-runner", "gemini-gh-runner", "gh-runner-allow-dns-egress", "gh-runner-allow-https-egress-public", "gh-runner-default-deny-all"]);
  });

  it("everything the stack renders passes strict schema validation", () => {
    const out = tmp();
    assert.equal(cli("render", "infra/pulumi/gh-runner", "--out", out).code, 0);
    const r = cli("validate", out, "--schema-location", SCHEMAS, "--kubernetes-version", "1.32.2");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /6 valid, 0 invalid/);
  });

  it("a manifest with a misspelled field fails validation, naming the field", () => {
    const dir = tmp();
    const manifest = readFileSync(join(REPO, "deploy/gh-runner/deployment.yaml"), "utf8").replace("imagePullPolicy: IfNotPresent", "imagePullPolicyy: IfNotPresent");
    writeFileSync(join(dir, "bad.yaml"), manifest);
    const r = cli("validate", join(dir, "bad.yaml"), "--schema-location", SCHEMAS);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /spec\.template\.spec\.containers\[0\]\.imagePullPolicyy: unknown field/);
    assert.match(r.stdout, /2 valid, 1 invalid/);
  });

  it("diff against deploy/gh-runner/deployment.yaml: its objects match, the fence policies would be created", () => {
    const r = cli("diff", "infra/pulumi/gh-runner", "--against", "deploy/gh-runner/deployment.yaml");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^drift: 3 would be created, 3 unchanged$/m);
    assert.equal(r.stdout.split("\n").filter((l) => /^\+ networking\.k8s\.io\/v1 NetworkPolicy my-reforge-ai\/gh-runner-/.test(l)).length, 3);
    const open = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:networkPolicies"] = false; });
    const unfenced = cli("diff", "infra/pulumi/gh-runner", "--config-file", open, "--against", "deploy/gh-runner/deployment.yaml");
    assert.equal(unfenced.code, 0, unfenced.stdout + unfenced.stderr);
    assert.match(unfenced.stdout, /no drift: 3 objects match/);
  });

  it("diff exits 1 on drift and names the field", () => {
    const dir = tmp();
    writeFileSync(join(dir, "live.yaml"), readFileSync(join(REPO, "deploy/gh-runner/deployment.yaml"), "utf8").replace("gh-runner-gemini:2.329.0", "gh-runner-gemini:2.328.0"));
    const r = cli("diff", "infra/pulumi/gh-runner", "--against", join(dir, "live.yaml"));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /gemini-gh-runner/);
    assert.match(r.stdout, /containers\[name=runner\]\.image/);
  });

  it("bad config: exit 2, the key and the fix named, nothing rendered", () => {
    const out = tmp();
    const file = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      const runners = c["gh-runner:runners"] as Record<string, unknown>[];
      runners[0]!["image"] = "ghcr.io/my-reforge-ai/gh-runner-codex:latest";
      runners[1]!["name"] = "codex";
    });
    const r = cli("render", "infra/pulumi/gh-runner", "--config-file", file, "--out", out);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /runners\[0\]\.image: image "ghcr\.io\/my-reforge-ai\/gh-runner-codex:latest" uses the floating tag latest\. Fix: pin the image/);
    assert.match(r.stderr, /runners\[1\]\.name: "codex" is already the name of runners\[0\]\. Fix: give every runner a unique name/);
    assert.deepEqual(readdirSync(out), []);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });

  it("a missing stack directory is a usage error", () => {
    const r = cli("render", "infra/pulumi/does-not-exist");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /infra\/pulumi\/does-not-exist: no such directory\. Fix: pass the directory of a Pulumi project/);
    const notAStack = cli("render", "docs");
    assert.equal(notAStack.code, 2);
    assert.match(notAStack.stderr, /docs\/Pulumi\.yaml: does not exist\. Fix: pass the directory of a Pulumi project/);
    const aFile = cli("guard", "--fleet", "README.md", "examples");
    assert.equal(aFile.code, 2);
    assert.match(aFile.stderr, /README\.md: is a file, not a Pulumi project directory\. Fix: pass the directory of a Pulumi project/);
  });

  it("conflicting output flags and a missing --config-file are usage errors that say how to fix them", () => {
    const both = cli("validate", "deploy/gh-runner", "--json", "--format", "table");
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--json and --format table ask for different outputs\. Fix: give one of them/);
    const same = cli("validate", "deploy/gh-runner", "--format", "json");
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(JSON.parse(same.stdout), JSON.parse(cli("validate", "deploy/gh-runner", "--json").stdout));
    const missing = cli("render", "infra/pulumi/gh-runner", "--config-file", "no-such-settings.yaml");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-settings\.yaml: does not exist\. Fix: pass --config-file with an existing stack settings file/);
  });

  it("a canary secret never appears in rendered files, output or errors", () => {
    const canary = "CANARY-7f3a9c1e-secret";
    const out = tmp();
    const secure = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:githubToken"] = { secure: `v1:${canary}` }; });
    const r = cli("render", "infra/pulumi/gh-runner", "--config-file", secure, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const d = cli("diff", "infra/pulumi/gh-runner", "--config-file", secure, "--against", "deploy/gh-runner/deployment.yaml");
    for (const text of [r.stdout, r.stderr, readAll(out), d.stdout, d.stderr]) assert.ok(!text.includes(canary));
    const plain = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:githubToken"] = canary; });
    const p = cli("render", "infra/pulumi/gh-runner", "--config-file", plain, "--out", tmp());
    assert.equal(p.code, 2);
    assert.match(p.stderr, /githubToken: is set in plain text but must be a secret/);
    assert.ok(!(p.stdout + p.stderr).includes(canary));
  });
});
