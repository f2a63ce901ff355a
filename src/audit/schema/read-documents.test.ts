import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InputError, listInputFiles, parseJsonDocument, parseYamlDocuments, readDocuments } from "./read-documents.ts";

function tempTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "manifests-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

test("a directory is searched recursively for .yaml, .yml and .json files, sorted, skipping dot-folders", async () => {
  const root = tempTree({
    "b.yaml": "",
    "a/z.yml": "",
    "a/c.json": "{}",
    "README.md": "",
    "values.toml": "",
    ".git/config.yaml": "",
    "UPPER.YAML": "",
  });
  try {
    const files = await listInputFiles([root]);
    assert.deepEqual(files.map((f) => path.relative(root, f)), ["UPPER.YAML", "a/c.json", "a/z.yml", "b.yaml"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a missing path or a directory without manifests is an input error that says what to pass", async () => {
  await assert.rejects(listInputFiles(["does/not/exist.yaml"]), (e: unknown) => e instanceof InputError && e.message.startsWith("does/not/exist.yaml: no such file") && /existing manifest file/.test(e.fix));
  const root = tempTree({ "notes.txt": "" });
  try {
    await assert.rejects(listInputFiles([root]), (e: unknown) => e instanceof InputError && e.message.includes("no .yaml, .yml or .json files") && /directory that holds manifests/.test(e.fix));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("multi-document YAML keeps each document's position and first line; empty documents are left out", () => {
  const docs = parseYamlDocuments("m.yaml", "# header\n---\na: 1\n---\n# nothing here\n---\nb: 2\n---\n");
  assert.deepEqual(docs.map((d) => [d.index, d.line, d.doc]), [[0, 3, { a: 1 }], [2, 7, { b: 2 }]]);
});

test("duplicate keys are syntax errors with their line and a fix", () => {
  const [doc] = parseYamlDocuments("d.yaml", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n");
  assert.equal(doc!.doc, undefined);
  assert.equal(doc!.syntaxError?.line, 3);
  assert.match(doc!.syntaxError?.message ?? "", /Map keys must be unique \(line 3, column 1\)/);
  assert.match(doc!.syntaxError?.fix ?? "", /remove or rename the repeated key/);
});

test("YAML 1.1 octal modes read as kubectl reads them", () => {
  const [doc] = parseYamlDocuments("o.yaml", "defaultMode: 0644\n");
  assert.deepEqual(doc!.doc, { defaultMode: 0o644 });
});

test("a JSON syntax error names its line", () => {
  const doc = parseJsonDocument("bad.json", "{\n  \"apiVersion\": \"v1\",\n}\n");
  assert.equal(doc.syntaxError?.line, 3);
  assert.match(doc.syntaxError?.message ?? "", /^JSON syntax error: /);
  assert.match(doc.syntaxError?.fix ?? "", /correct the JSON/);
});

test("readDocuments reads YAML and JSON files in the listed order", async () => {
  const root = tempTree({ "b.json": "{\"kind\": \"X\"}", "a.yaml": "kind: P\n---\nkind: Q\n" });
  try {
    const docs = await readDocuments([root]);
    assert.deepEqual(docs.map((d) => [path.basename(d.file), d.index, d.format, d.doc]), [
      ["a.yaml", 0, "yaml", { kind: "P" }],
      ["a.yaml", 1, "yaml", { kind: "Q" }],
      ["b.json", 0, "json", { kind: "X" }],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
