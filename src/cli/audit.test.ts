// `runner-fleet audit` on manifests: bad input is exit 2 with one message naming file, line, key
// path and fix (never a crash or a stack trace), List exports are read, long outputs are cut on a
// terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./output.ts";
import { DEFAULT_CLUSTER_NETWORK, auditDocuments, formatAuditReport, runAudit } from "./audit.ts";
import { parseYamlDocuments } from "../audit/schema/read-documents.ts";

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
