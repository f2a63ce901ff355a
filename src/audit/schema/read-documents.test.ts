import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InputError, READ_LIMITS, fileDocuments, listInputFiles, parseJsonDocument, parseYamlDocuments, readDocuments, streamDocuments } from "./read-documents.ts";

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

// ---- hostile input: never a crash, never a wrong acceptance, never an echoed secret ----

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const bytesOf = (text: string) => Buffer.from(text, "utf8");
/** The one problem of a single broken document, with the fix it names. */
function problemOf(name: string, bytes: Uint8Array): { line?: number; message: string; fix: string } {
  const docs = [...fileDocuments(name, bytes)];
  const broken = docs.find((d) => d.syntaxError);
  assert.ok(broken?.syntaxError, `${name}: no broken document in ${JSON.stringify(docs.map((d) => d.doc))}`);
  return { ...(broken.syntaxError.line === undefined ? {} : { line: broken.syntaxError.line }), message: broken.syntaxError.message, fix: broken.syntaxError.fix };
}
function inputError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    for (const p of patterns) assert.match(e.message, p);
    assert.match(e.message, /\. Fix: \S/);
    return true;
  });
}

test("an alias bomb is a broken document with its line and a fix, and the other documents are still read", () => {
  const bomb = ["apiVersion: v1", "kind: ConfigMap", "a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  const docs = parseYamlDocuments("bomb.yaml", `kind: First\n---\n${bomb.join("\n")}\n---\nkind: Last\n`);
  assert.deepEqual(docs.map((d) => [d.index, d.line, (d.doc as { kind?: string } | undefined)?.kind ?? "broken"]), [[0, 1, "First"], [1, 3, "broken"], [2, 16, "Last"]]);
  assert.match(docs[1]!.syntaxError!.message, /YAML aliases \(\*name\) are used too often: more than 100 alias uses/);
  assert.match(docs[1]!.syntaxError!.fix, /write the repeated parts out/);
});

test("an alias that contains itself is refused, not followed forever", () => {
  const { message, fix, line } = problemOf("loop.yaml", bytesOf("kind: Pod\nspec: &s\n  containers: [*s]\n"));
  assert.equal(line, 1);
  assert.match(message, /an alias refers to a node that contains it/);
  assert.match(fix, /write the repeated part out/);
});

test("3,000 levels of nesting (2,000 in block style, 4 MiB of indentation) are refused with the line and a fix; 150 levels are read", () => {
  for (const text of [`a: ${"[".repeat(3000)}${"]".repeat(3000)}\n`, `${Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")} 1\n`, `x: 1\n---\nb: ${"{a: ".repeat(5000)}1${"}".repeat(5000)}\n`]) {
    const { message, fix, line } = problemOf("deep.yaml", bytesOf(text));
    assert.match(message, /the document nests more than 200 levels deep/);
    assert.match(fix, /look for runaway brackets or indentation/);
    assert.ok(line !== undefined && line >= 1);
  }
  const [ok] = parseYamlDocuments("ok.yaml", `a: ${"[".repeat(150)}1${"]".repeat(150)}\n`);
  assert.equal(ok!.syntaxError, undefined);
});

test("a document above the size or token limit is refused before it is parsed", () => {
  const big = `kind: ConfigMap\ndata:\n  x: "${"y".repeat(READ_LIMITS.documentBytes)}"\n`;
  const size = problemOf("big.yaml", bytesOf(`kind: A\n---\n${big}`));
  assert.equal(size.line, 3);
  assert.match(size.message, /the document is 4\.0 MiB, above the 4\.0 MiB limit for one document/);
  assert.match(size.fix, /split it into several documents/);
  const tokens = problemOf("flow.yaml", bytesOf(`a: [${"1,".repeat(600_000)}1]\n`));
  assert.match(tokens.message, /more than 500,000 YAML tokens/);
});

test("binary files, UTF-32 and broken UTF-8 are input errors naming file, line and column; UTF-16 is decoded", () => {
  inputError(() => [...fileDocuments("bin.yaml", Uint8Array.from([0x6b, 0x3a, 0x0a, 0x01, 0x00, 0xff]))], /^bin\.yaml:2:2: is not a text file \(it holds a NUL byte there\)/, /Fix: pass a YAML or JSON manifest/);
  inputError(() => [...fileDocuments("latin1.yaml", Uint8Array.from([...bytesOf("a: 1\nb: caf"), 0xe9, 0x0a]))], /^latin1\.yaml:2:7: is not UTF-8 text \(byte 0xe9/, /Fix: save the file as UTF-8/);
  inputError(() => [...fileDocuments("u32.yaml", Uint8Array.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]))], /is UTF-32 text/, /Fix: convert it to UTF-8/);
  inputError(() => [...fileDocuments("ctl.yaml", bytesOf("a: 1\nb: x\u0007y\n"))], /^ctl\.yaml:2:5: holds the control character U\+0007/, /Fix: remove it/);
  const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ü\n";
  for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]), Buffer.from(text, "utf16le")]) {
    const [doc] = [...fileDocuments("utf16.yaml", bytes)];
    assert.deepEqual(doc?.doc, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ü" } });
  }
  const be = Buffer.from(text, "utf16le");
  for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
  assert.equal(([...fileDocuments("be.yaml", Buffer.concat([Buffer.from([0xfe, 0xff]), be]))][0]?.doc as { kind: string }).kind, "ConfigMap");
});

test("a file given by name that holds no document is an input error; an empty file in a directory is a note", async () => {
  const root = tempTree({ "empty.yaml": "", "comments.yaml": "# nothing\n---\n", "dir/a.yaml": "kind: A\n", "dir/b.yaml": "", "none/x.yaml": "\n" });
  try {
    for (const name of ["empty.yaml", "comments.yaml"]) {
      await assert.rejects(readDocuments([path.join(root, name)]), (e: unknown) => e instanceof InputError && /holds no documents \(it is empty, or only comments\)\. Fix: pass a manifest that holds at least one Kubernetes object/.test(e.message));
    }
    const notes: string[] = [];
    assert.equal((await readDocuments([path.join(root, "dir")], notes)).length, 1);
    assert.deepEqual(notes, [`${path.join(root, "dir/b.yaml")}: holds no documents (it is empty, or only comments)`]);
    await assert.rejects(readDocuments([path.join(root, "none")]), (e: unknown) => e instanceof InputError && /none: its manifest files hold no documents/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a file above the size limit is refused before it is read", async () => {
  const root = tempTree({ "big.yaml": "kind: A\n".repeat(20) });
  try {
    const limits = { ...READ_LIMITS, fileBytes: 100 };
    await assert.rejects(readDocuments([path.join(root, "big.yaml")], [], limits), (e: unknown) => e instanceof InputError && /big\.yaml: is 160 bytes, above the 100 bytes limit for one manifest file\. Fix: split it/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("documents are streamed: the number of documents in one run is limited, not the memory", async () => {
  const root = tempTree({ "many.yaml": "---\nkind: A\n".repeat(50) });
  try {
    let n = 0;
    for await (const _doc of streamDocuments([path.join(root, "many.yaml")])) n++;
    assert.equal(n, 50);
    await assert.rejects(readDocuments([path.join(root, "many.yaml")], [], { ...READ_LIMITS, documents: 10 }), (e: unknown) => e instanceof InputError && /more than 10 documents in one run\. Fix: split the input/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error messages never quote a credential found in the input", () => {
  const json = parseJsonDocument("bad.json", `{"token": ${TOKEN}}`);
  assert.match(json.syntaxError?.message ?? "", /^JSON syntax error: Unexpected token/);
  assert.ok(!JSON.stringify(json).includes(TOKEN.slice(0, 12)));
  const yaml = parseYamlDocuments("bad.yaml", `a: [${TOKEN}\nb: 1\n`);
  assert.ok(yaml[0]?.syntaxError);
  assert.ok(!JSON.stringify(yaml).includes(TOKEN));
  inputError(() => [...fileDocuments(`${TOKEN}.yaml`, Uint8Array.from([0]))], /\[credential-shaped value\]\.yaml:1:1: is not a text file/);
});

test("YAML 1.1 timestamps are read as kubectl sends them, tagged values as plain JSON values", () => {
  const [doc] = parseYamlDocuments("t.yaml", "a: 2001-12-14\nb: 2024-01-31T10:20:30.5Z\nc: !!binary aGVsbG8=\nd: !!set {p, q}\n");
  assert.deepEqual(doc?.doc, { a: "2001-12-14T00:00:00Z", b: "2024-01-31T10:20:30.5Z", c: "aGVsbG8=", d: { p: null, q: null } });
});
