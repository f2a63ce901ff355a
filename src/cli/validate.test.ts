import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KUBERNETES_SCHEMAS } from "../../test/helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const schemas = `${KUBERNETES_SCHEMAS}/`;
const fixture = (name: string) => `test/fixtures/validate/${name}`;

/** A program with only the validate command, handling errors the way src/cli/main.ts does. */
const HARNESS = `
import { Command, CommanderError } from "commander";
import { validateCommand } from "./src/cli/validate.ts";
import { CliError } from "./src/cli/output.ts";
const program = new Command("runner-fleet").exitOverride();
program.addCommand(validateCommand());
try {
  await program.parseAsync(process.argv.slice(1), { from: "user" });
} catch (e) {
  if (e instanceof CliError) { process.stderr.write("runner-fleet: " + e.message + "\\n"); process.exitCode = e.exitCode; }
  else if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else throw e;
}
`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function validate(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--input-type=module", "-e", HARNESS, "validate", ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

test("valid manifests: a table, the summary line, exit 0", async () => {
  const run = await validate(fixture("valid.yaml"), "--schema-location", schemas, "--kubernetes-version", "1.32.2");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^FILE\s+DOC\s+KIND\/NAME\s+RESULT\s+ERROR$/m);
  assert.match(run.stdout, /^test\/fixtures\/validate\/valid\.yaml:14\s+1\s+Deployment\/runner\s+valid$/m);
  assert.match(run.stdout, /^2 valid, 0 invalid$/m);
});

test("a directory with problems: one row per problem naming path and fix, exit 1", async () => {
  const run = await validate(fixture(""), "--schema-location", schemas);
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stdout,
    /^test\/fixtures\/validate\/unknown-field\.yaml:18\s+0\s+Deployment\/runner\s+invalid\s+spec\.template\.spec\.containers\[0\]\.imagePullPolicyy: unknown field "imagePullPolicyy"\. Fix: did you mean "imagePullPolicy"\?/m,
  );
  assert.match(run.stdout, /wrong-type\.yaml:6 .* spec\.replicas: must be integer, got string\. Fix: /);
  assert.match(run.stdout, /missing-required\.yaml:15 .* spec\.template\.spec\.containers\[0\]\.name: missing required field "name"\. Fix: add "name"/);
  assert.match(run.stdout, /syntax-error\.yaml:14 .* \(document\): YAML syntax error: /);
  assert.match(run.stdout, /not-kubernetes\.json:1 .* skipped\s+not a Kubernetes object/);
  assert.match(run.stdout, /^4 valid, 6 invalid, 1 skipped$/m);
});

test("--json prints the summary and every result", async () => {
  const run = await validate(fixture("unknown-field.yaml"), fixture("valid.yaml"), "--schema-location", schemas, "--json");
  assert.equal(run.code, 1, run.stderr);
  const out = JSON.parse(run.stdout) as { summary: unknown; results: { file: string; kind: string; valid: boolean; errors: { path: string; message: string; fix: string; line: number }[] }[] };
  assert.deepEqual(out.summary, { valid: 2, invalid: 1, skipped: 0 });
  assert.deepEqual(out.results.map((r) => [r.file, r.kind, r.valid]), [
    [fixture("unknown-field.yaml"), "Deployment", false],
    [fixture("valid.yaml"), "ConfigMap", true],
    [fixture("valid.yaml"), "Deployment", true],
  ]);
  assert.deepEqual(out.results[0]!.errors.map((e) => e.path), ["spec.replica", "spec.template.spec.containers[0].imagePullPolicyy"]);
});

test("--ignore-missing-schemas turns unknown kinds into skipped results, exit 0", async () => {
  const strictRun = await validate(fixture("unknown-kind.yaml"), "--schema-location", schemas);
  assert.equal(strictRun.code, 1);
  assert.match(strictRun.stdout, /no schema for kind RunnerPool apiVersion example\.com\/v1alpha1 in /);
  const run = await validate(fixture("unknown-kind.yaml"), "--schema-location", schemas, "--ignore-missing-schemas");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /RunnerPool\/pool\s+skipped\s+no schema for kind RunnerPool/);
  assert.match(run.stdout, /^0 valid, 0 invalid, 1 skipped$/m);
});

test("usage errors exit 2 with a message that says how to fix them", async () => {
  const missing = await validate("test/fixtures/validate/nope.yaml", "--schema-location", schemas);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /test\/fixtures\/validate\/nope\.yaml: no such file or directory\. Fix: /);
  assert.equal(missing.stdout, "");

  const badDir = await validate(fixture("valid.yaml"), "--schema-location", "./no-schemas-here");
  assert.equal(badDir.code, 2);
  assert.match(badDir.stderr, /schema location "\.\/no-schemas-here": directory .* does not exist\. Fix: /);

  const badTemplate = await validate(fixture("valid.yaml"), "--schema-location", "./x/{{ .Kind }}.json");
  assert.equal(badTemplate.code, 2);
  assert.match(badTemplate.stderr, /unknown variable \{\{ \.Kind \}\}\. Fix: use only /);

  const badVersion = await validate(fixture("valid.yaml"), "--schema-location", schemas, "--kubernetes-version", "1.32");
  assert.equal(badVersion.code, 2);
  assert.match(badVersion.stderr, /Fix: pass --kubernetes-version as MAJOR\.MINOR\.PATCH/);
});

/** Removes every `additionalProperties: false`, as the non-strict schemas of kubernetes-json-schema do. */
function loosen(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(loosen);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === "additionalProperties" && v === false)).map(([k, v]) => [k, loosen(v)]));
}

test("--no-strict uses the non-strict schemas; repeated --schema-location flags are tried in order", async () => {
  const loose = mkdtempSync(path.join(os.tmpdir(), "loose-schemas-"));
  try {
    mkdirSync(path.join(loose, "v1.32.2-standalone"));
    const strictFile = path.resolve(repoRoot, schemas, "v1.32.2-standalone-strict/deployment-apps-v1.json");
    writeFileSync(path.join(loose, "v1.32.2-standalone/deployment-apps-v1.json"), JSON.stringify(loosen(JSON.parse(readFileSync(strictFile, "utf8")))));

    const strict = await validate(fixture("unknown-field.yaml"), "--schema-location", loose, "--schema-location", schemas);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /unknown field "replica"/);

    const run = await validate(fixture("unknown-field.yaml"), "--schema-location", loose, "--schema-location", schemas, "--no-strict");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^1 valid, 0 invalid$/m);
  } finally {
    rmSync(loose, { recursive: true, force: true });
  }
});

test("a URL template with --cache-dir downloads once; the next run works offline", async () => {
  const root = path.resolve(repoRoot, schemas);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    requests.push(urlPath);
    const file = path.join(root, path.normalize(urlPath));
    if (!file.startsWith(root + path.sep) || !existsSync(file)) res.writeHead(404).end();
    else createReadStream(file).pipe(res.writeHead(200));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
  const location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  try {
    const online = await validate(fixture("valid.yaml"), "--schema-location", location, "--cache-dir", cacheDir);
    assert.equal(online.code, 0, online.stderr);
    assert.equal(requests.length, 2);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const offline = await validate(fixture("valid.yaml"), fixture("wrong-type.yaml"), "--schema-location", location, "--cache-dir", cacheDir);
    assert.equal(offline.code, 1, offline.stderr);
    assert.match(offline.stdout, /spec\.replicas: must be integer/);
    assert.match(offline.stdout, /^2 valid, 1 invalid$/m);
  } finally {
    if (server.listening) server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
