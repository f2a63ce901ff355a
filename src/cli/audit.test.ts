// `runner-fleet audit` on manifests: bad input is exit 2 with one message naming file, line, key
// path and fix (never a crash or a stack trace), List exports are read, long outputs are cut on a
// terminal, credentials in environment variables are warnings that never change the exit code
// (the gh-runner stack through bin/runner-fleet.js: run `npm run build` first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./output.ts";
import { DEFAULT_CLUSTER_NETWORK, auditDocuments, formatAuditChecklist, formatAuditReport, runAudit } from "./audit.ts";
import { parseYamlDocuments } from "../audit/schema/read-documents.ts";
import { GH_RUNNER_STACK, editedStackConfig } from "../../test/helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
process.chdir(repoRoot);
const fixture = (name: string) => `test/fixtures/audit/${name}`;
const flags = { nodeCidr: [], nodeAddress: [], format: "table" as const };
const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

/** The usage error `work` ends with, checked against every pattern. */
async function usageError(work: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  let message = "";
  await assert.rejects(work, (e: unknown) => {
    assert.ok(e instanceof CliError, String(e));
    assert.equal(e.exitCode, EXIT.usage);
    message = e.message;
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
  return message;
}

function tempFile(name: string, content: string | Uint8Array): { file: string; done: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rf-audit-"));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("containers that are not a list: exit 2 naming file:line, document, object, key path and fix", async () => {
  await usageError(
    () => runAudit(fixture("malformed/containers-not-a-list.yaml"), flags),
    /^test\/fixtures\/audit\/malformed\/containers-not-a-list\.yaml: 1 object cannot be audited, because fields the audit reads have the wrong type:\n/,
    /containers-not-a-list\.yaml:15: document 1 \(Deployment ci\/runner\): spec\.template\.spec\.containers: must be a list, not a mapping\. Fix: write a list \(YAML `- item` entries, or \[a, b\]\)/,
  );
});

test("every wrong-typed field the audit reads is named, with its line: templates, policies, security settings", async () => {
  const message = await usageError(() => runAudit(fixture("malformed/wrong-types.yaml"), flags), /3 objects cannot be audited/);
  const lines = message.split("\n").slice(1);
  const expected = [
    /:13: document 1 \(CronJob ci\/gc\): spec\.jobTemplate\.spec\.template: must be a mapping, not a string\. Fix: write a mapping/,
    /:22: document 2 \(NetworkPolicy ci\/allow-web\): spec\.ingress: must be a list, not a mapping\. Fix: write a list/,
    /:27: document 2 \(NetworkPolicy ci\/allow-web\): spec\.egress\[0\]\.to\[0\]\.ipBlock: must be a mapping, not a string\. Fix: write a mapping/,
    /:28: document 2 \(NetworkPolicy ci\/allow-web\): spec\.egress\[0\]\.ports: must be a list, not an integer\. Fix: write a list/,
    /:37: document 3 \(Pod ci\/build\): spec\.securityContext\.runAsUser: must be an integer, not a string\. Fix: write the number without quotes/,
    /:42: document 3 \(Pod ci\/build\): spec\.containers\[0\]\.securityContext\.privileged: must be true or false, not a string\. Fix: write true or false without quotes/,
    /:43: document 3 \(Pod ci\/build\): spec\.containers\[0\]\.securityContext\.capabilities: must be a mapping, not a list\. Fix: write a mapping/,
  ];
  assert.equal(lines.length, expected.length, message);
  expected.forEach((re, i) => assert.match(lines[i] ?? "", re));
});

test("a kind: List export is audited item by item; a bad item is named as items[i] with its line", async () => {
  await usageError(
    () => runAudit(fixture("malformed/list-of-objects.yaml"), flags),
    /list-of-objects\.yaml:20: document 1, items\[1\] \(Pod ci\/runner\): spec\.containers\[0\]\.ports: must be a list, not a mapping/,
  );
  const { file, done } = tempFile("list.yaml", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: runner, namespace: ci}\n    spec:\n      containers: [{name: runner, image: ghcr.io/actions/actions-runner:2.329.0}]\n");
  try {
    const report = await runAudit(file, flags);
    assert.deepEqual(report.kubernetes?.isolation.runnerPods, ["ci/Pod/runner"]);
  } finally {
    done();
  }
});

test("unreadable manifests are exit 2 with the file, the line and the fix: syntax, alias bombs, nesting, binary, empty", async () => {
  const bomb = ["kind: Pod", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["bomb.yaml", `${bomb.join("\n")}\n`, /bomb\.yaml:1: YAML aliases \(\*name\) are used too often.*\. Fix: write the repeated parts out/],
    ["deep.yaml", `kind: Pod\nspec: ${"[".repeat(3000)}${"]".repeat(3000)}\n`, /deep\.yaml:2: the document nests more than 200 levels deep\. Fix: /],
    ["binary.yaml", Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00]), /binary\.yaml:1:4: is not a text file \(it holds a NUL byte there\)\. Fix: pass a YAML or JSON manifest/],
    ["empty.yaml", "", /empty\.yaml: holds no documents \(it is empty, or only comments\)\. Fix: /],
    ["notes.yaml", "- just\n- a list\n", /notes\.yaml: its 1 document is no Kubernetes object \(none has a kind\), so there is nothing to audit\. Fix: pass manifests of Kubernetes objects/],
    ["syntax.yaml", "kind: Pod\nmetadata:\n  name: a\n  name: b\n", /syntax\.yaml:4: YAML syntax error: Map keys must be unique \(line 4, column 3\)\. Fix: remove or rename the repeated key/],
  ];
  for (const [name, content, pattern] of cases) {
    const { file, done } = tempFile(name, content);
    try {
      await usageError(() => runAudit(file, flags), pattern);
    } finally {
      done();
    }
  }
});

test("messages about malformed objects never quote a credential", async () => {
  const { file, done } = tempFile("secret.yaml", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${TOKEN}\n  namespace: ci\nspec:\n  containers:\n    ${TOKEN}: 1\n`);
  try {
    const message = await usageError(() => runAudit(file, flags), /\[credential-shaped value\]/);
    assert.ok(!message.includes(TOKEN), message);
  } finally {
    done();
  }
});

test("the process: exit 2, one message, no stack trace unless --debug", async () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--input-type=module", "-e", 'import { main } from "./src/cli/main.ts"; process.exitCode = await main(process.argv.slice(1));', ...args], { cwd: repoRoot }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });
  const plain = await run("audit", fixture("malformed/containers-not-a-list.yaml"));
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /^runner-fleet: test\/fixtures\/audit\/malformed\/containers-not-a-list\.yaml: 1 object cannot be audited/);
  assert.doesNotMatch(plain.stderr, /\n\s+at /, "no stack trace");
  const debug = await run("audit", fixture("malformed/containers-not-a-list.yaml"), "--debug");
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /\n\s+at /, "a stack trace with --debug");
});

test("on a terminal, long tables and failure lists show the first 50 and count the rest", async () => {
  const pods = Array.from({ length: 120 }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ci}\nspec:\n  containers: [{name: app, image: "nginx:latest"}]\n`).join("");
  const result = await auditDocuments("many.yaml", parseYamlDocuments("many.yaml", pods), DEFAULT_CLUSTER_NETWORK);
  assert.ok(result.kubernetes);
  const report = { target: "many.yaml", kubernetes: result.kubernetes, failures: Array.from({ length: 300 }, (_, i) => `failure ${i}`), notes: [], pass: false };
  const shown = formatAuditReport(report, 200, 50);
  assert.match(shown, /^… and 70 more rows \(120 in all\): use --json for all of them$/m);
  assert.match(shown, /^ {2}… and 250 more problems \(300 in all\): use --json for all of them$/m);
  assert.doesNotMatch(shown, /failure 50\b/);
  const all = formatAuditReport(report, 200, Number.POSITIVE_INFINITY);
  assert.match(all, /failure 299/);
  assert.doesNotMatch(all, /more rows/);
});

test("credentials in environment variables: a Warnings table, a note on the verdict, a field in --json, a noted checklist line; the verdict is unchanged", async () => {
  const report = await runAudit("test/fixtures/import/01-pytorch-ci-infra-runner-deployment.yaml", flags);
  const warnings = report.kubernetes?.credentialWarnings ?? [];
  assert.deepEqual(warnings.map((w) => [w.pod, w.container, w.variable, w.secret, w.key, w.path]), [
    ["default/Deployment/github-runner", "runner", "RUNNER_TOKEN", "github-runner-secret", "runner-token", "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef"],
  ]);
  assert.ok(report.failures.every((f) => !/RUNNER_TOKEN|secretKeyRef/.test(f)), "a warning is not a failure");
  const text = formatAuditReport(report, 400, Number.POSITIVE_INFINITY);
  assert.match(text, /^Warnings: credentials in environment variables \(1 warning; warnings do not fail the audit\)$/m);
  assert.match(text, /^POD +CONTAINER +VARIABLE +FROM +FIELD +WARNING *$/m);
  assert.match(text, /default\/Deployment\/github-runner +runner +RUNNER_TOKEN +Secret github-runner-secret key runner-token +spec\.template\.spec\.containers\[0\]\.env\[1\]\.valueFrom\.secretKeyRef +RUNNER_TOKEN holds key runner-token [\s\S]*?Fix: mount it as a file/);
  assert.match(text, /^audit: FAILED \(\d+ problems?; 1 warning, which does not fail the audit: see Warnings\)$/m);
  const checklist = formatAuditChecklist(report.kubernetes!);
  assert.match(checklist, /^- \[ \] Pod template `default\/Deployment\/github-runner` passes no credential as an environment variable \(warning, does not fail the audit; 1 warning\): `RUNNER_TOKEN` \(Secret `github-runner-secret`, key `runner-token`\) in container `runner`\. Fix: mount them as files/m);
  // Without warnings, neither the table nor a checklist line.
  const clean = await runAudit("test/fixtures/import/11-sfiligoi-nrp-runners-unifrac-runner-deployment.yaml", flags);
  assert.deepEqual(clean.kubernetes?.credentialWarnings, []);
  assert.doesNotMatch(formatAuditReport(clean, 400, Number.POSITIVE_INFINITY), /Warnings/);
  assert.doesNotMatch(formatAuditChecklist(clean.kubernetes!), /environment variable/);
});

test("runner-fleet audit infra/pulumi/gh-runner lists the credentials it passes as variables, and the warnings leave the exit code alone", async () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ["bin/runner-fleet.js", "audit", "infra/pulumi/gh-runner", ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, COLUMNS: "400" } }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
  const expected = [
    ["my-reforge-ai/Deployment/codex-gh-runner", "ACTIONS_RUNNER_INPUT_TOKEN", "github-runner-config", "runner-token"],
    ["my-reforge-ai/Deployment/codex-gh-runner", "OPENAI_API_KEY", "github-runner-config", "openai-api-key"],
    ["my-reforge-ai/Deployment/codex-gh-runner", "GITHUB_PERSONAL_ACCESS_TOKEN", "github-mcp-credentials", "github-token"],
    ["my-reforge-ai/Deployment/gemini-gh-runner", "ACTIONS_RUNNER_INPUT_TOKEN", "github-runner-config", "runner-token"],
    ["my-reforge-ai/Deployment/gemini-gh-runner", "GEMINI_API_KEY", "github-runner-config", "gemini-api-key"],
    ["my-reforge-ai/Deployment/gemini-gh-runner", "GITHUB_PERSONAL_ACCESS_TOKEN", "github-mcp-credentials", "github-token"],
  ];
  // The stack as committed: whatever its claims say, the exit code follows them, not the warnings.
  const json = await run("--json");
  const data = JSON.parse(json.stdout) as { pass: boolean; failures: string[]; kubernetes: { credentialWarnings: { pod: string; variable: string; secret: string; key: string }[] } };
  assert.deepEqual(data.kubernetes.credentialWarnings.map((w) => [w.pod, w.variable, w.secret, w.key]), expected);
  assert.equal(json.code, data.pass ? 0 : 1, json.stderr);
  assert.ok(data.failures.every((f) => !/secretKeyRef|environment variable/.test(f)), data.failures.join("\n"));
  // Fenced, every claim holds: exit 0 with the six warnings in the table and on the verdict line.
  const fenced = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:networkPolicies"] = true; });
  const table = await run("--config-file", fenced);
  assert.equal(table.code, 0, table.stdout + table.stderr);
  assert.match(table.stdout, /^Warnings: credentials in environment variables \(6 warnings; warnings do not fail the audit\)$/m);
  for (const [pod, variable, secret, key] of expected) assert.match(table.stdout, new RegExp(`${pod} +runner +${variable} +Secret ${secret} key ${key} +spec\\.template\\.spec\\.containers\\[0\\]\\.env\\[\\d+\\]\\.valueFrom\\.secretKeyRef`));
  assert.match(table.stdout, /^audit: every claim holds \(6 warnings, which do not fail the audit: see Warnings\)$/m);
});

test("a NetworkPolicy the API server would refuse fails the audit, naming the policy, the field and the fix", async () => {
  const { readFileSync } = await import("node:fs");
  const refused = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-metrics, namespace: ci }
spec:
  podSelector: {}
  policyTypes: [egress]
`;
  const { file, done } = tempFile("refused.yaml", readFileSync(fixture("claims/fenced-correct.yaml"), "utf8") + refused);
  try {
    const report = await runAudit(file, { ...flags, nodeCidr: ["203.0.113.0/24"] });
    assert.equal(report.pass, false);
    assert.ok(report.kubernetes?.isolation.claims.every((c) => c.pass), "the claims themselves hold");
    const line = report.failures.find((f) => f.startsWith("NetworkPolicy ci/allow-metrics: spec.policyTypes[0]: "));
    assert.ok(line, report.failures.join("\n"));
    assert.match(line, /Fix: /);
  } finally {
    done();
  }
});
