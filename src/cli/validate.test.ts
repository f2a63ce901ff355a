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

// ---- hostile input: never a crash, never a wrong acceptance, never an echoed secret ----

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

/** Writes files into a fresh directory; returns the paths and a cleanup. */
function temp(files: Record<string, string | Uint8Array>): { path: (name: string) => string; done: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rf-validate-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { path: (name) => path.join(dir, name), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n";

test("a file that holds no documents is bad input: exit 2, the file named, and the fix", async () => {
  const t = temp({ "empty.yaml": "", "comments.yaml": "# nothing yet\n" });
  try {
    for (const name of ["empty.yaml", "comments.yaml"]) {
      const run = await validate(t.path(name));
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`${name}: holds no documents \\(it is empty, or only comments\\)\\. Fix: pass a manifest that holds at least one Kubernetes object`));
      assert.equal(run.stdout, "");
    }
  } finally {
    t.done();
  }
});

test("binary, UTF-32 and non-UTF-8 files are bad input naming file:line:column; UTF-16 manifests are read", async () => {
  const t = temp({
    "archive.yaml": Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x12]),
    "latin1.yaml": Uint8Array.from([...Buffer.from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf"), 0xe9, 0x0a]),
    "utf16.yaml": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CONFIGMAP, "utf16le")]),
  });
  try {
    const binary = await validate(t.path("archive.yaml"));
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /archive\.yaml:1:4: is not a text file \(it holds a NUL byte there\)\. Fix: pass a YAML or JSON manifest/);
    const latin1 = await validate(t.path("latin1.yaml"));
    assert.equal(latin1.code, 2);
    assert.match(latin1.stderr, /latin1\.yaml:4:12: is not UTF-8 text \(byte 0xe9 there starts no UTF-8 character\)\. Fix: save the file as UTF-8/);
    const utf16 = await validate(t.path("utf16.yaml"));
    assert.equal(utf16.code, 0, utf16.stderr);
    assert.match(utf16.stdout, /^1 valid, 0 invalid$/m);
  } finally {
    t.done();
  }
});

test("an alias bomb, deep nesting and a garbage kind are invalid documents with their line and fix; the others are still validated", async () => {
  const bomb = ["apiVersion: v1", "kind: ConfigMap", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  const t = temp({ "hostile.yaml": `${CONFIGMAP}---\n${bomb.join("\n")}\n---\nkind: ConfigMap\ndata: ${"[".repeat(3000)}${"]".repeat(3000)}\n---\napiVersion: v1\nkind: ../../../etc/${"x".repeat(300)}\nmetadata: {name: x}\n` });
  try {
    const run = await validate(t.path("hostile.yaml"));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /hostile\.yaml:1 +0 +ConfigMap\/settings +valid/);
    assert.match(run.stdout, /hostile\.yaml:8 +1 +- +invalid +\(document\): YAML aliases \(\*name\) are used too often: more than 100 alias uses.*\. Fix: write the repeated parts out/);
    assert.match(run.stdout, /hostile\.yaml:22 +2 +- +invalid +\(document\): the document nests more than 200 levels deep\. Fix: /);
    assert.match(run.stdout, /hostile\.yaml:25 +3 +.* +invalid +kind: "\.\.\/\.\.\/\.\.\/etc\/x+…" is not a kind name\. Fix: write the kind in CamelCase/);
    assert.match(run.stdout, /^1 valid, 3 invalid$/m);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  } finally {
    t.done();
  }
});

test("a --crd file that cannot be read as a CRD is bad input naming file, line and field", async () => {
  const t = temp({ "crd.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: pools.example.com}\nspec:\n  group: example.com\n  names: {kind: Pool}\n  versions: served\n", "bin.yaml": Uint8Array.from([0, 1, 2]) });
  try {
    const bad = await validate(fixture("valid.yaml"), "--crd", t.path("crd.yaml"));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /crd\.yaml:7: spec\.versions must be a list\. Fix: pass a CustomResourceDefinition YAML file/);
    const binary = await validate(fixture("valid.yaml"), "--crd", t.path("bin.yaml"));
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /bin\.yaml:1:1: is not a text file/);
  } finally {
    t.done();
  }
});

test("no output and no error message quotes a credential from the input", async () => {
  const t = temp({ "secret.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  ${TOKEN}: 1\n---\nkind: ConfigMap\nmetadata: [${TOKEN}\n`, "secret.json": `{"apiVersion": "v1", "kind": ${TOKEN}}` });
  try {
    for (const args of [[t.path("secret.yaml")], [t.path("secret.yaml"), "--json"], [t.path("secret.json")]]) {
      const run = await validate(...args);
      assert.equal(run.code, 1, run.stderr);
      assert.ok(!(run.stdout + run.stderr).includes(TOKEN), run.stdout + run.stderr);
    }
  } finally {
    t.done();
  }
});

test("on a terminal, a long result table shows the problems first and counts what it leaves out", async () => {
  const { resultsTable } = await import("./validate.ts");
  const valid = Array.from({ length: 200 }, (_, i) => ({ file: "m.yaml", index: i, line: i * 5 + 1, kind: "ConfigMap", name: `c${i}`, valid: true, errors: [] }));
  const invalid = Array.from({ length: 60 }, (_, i) => ({ file: "m.yaml", index: 200 + i, kind: "Pod", name: `p${i}`, valid: false, errors: [{ path: "spec", message: "missing", fix: "add it", line: 2000 + i }] }));
  const out = resultsTable([...valid, ...invalid], 200, 50);
  assert.doesNotMatch(out, /\bvalid\b +$/m, "valid rows are left out first");
  assert.match(out, /m\.yaml:2049 +249 +Pod\/p49 +invalid/);
  assert.doesNotMatch(out, /Pod\/p50\b/);
  assert.match(out, /^… and 10 more rows \(60 in all\): use --json for all of them$/m);
  assert.match(out, /^\(200 valid objects not listed: use --json for every result\)$/m);
  const all = resultsTable([...valid, ...invalid], Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  assert.equal(all.trimEnd().split("\n").length, 2 + 260);
});
