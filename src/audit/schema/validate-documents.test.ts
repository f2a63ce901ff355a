import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseYamlDocuments, readDocuments } from "./read-documents.ts";
import { type SchemaLoader, createSchemaLoader } from "./schema-loader.ts";
import { type ValidationResult, validateDocuments } from "./validate-documents.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const fixtures = path.join(repoRoot, "test/fixtures/validate");
const referenceSchemas = `${KUBERNETES_SCHEMAS}/`;
const loader = createSchemaLoader({ locations: [referenceSchemas], kubernetesVersion: "1.32.2", cwd: repoRoot });

async function validateFixture(name: string, opts = {}): Promise<ValidationResult[]> {
  return validateDocuments(await readDocuments([path.join(fixtures, name)]), loader, opts);
}

function errorText(result: ValidationResult): string[] {
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

test("a valid ConfigMap and Deployment pass against the 1.32.2 strict schemas", async () => {
  const results = await validateFixture("valid.yaml");
  assert.deepEqual(
    results.map((r) => [r.index, r.kind, r.name, r.valid, r.errors.length]),
    [
      [0, "ConfigMap", "runner-config", true, 0],
      [1, "Deployment", "runner", true, 0],
    ],
  );
  assert.match(results[1]!.schema ?? "", /v1\.32\.2-standalone-strict\/deployment-apps-v1\.json$/);
});

test("misspelled fields fail, each named with its path, its line and the likely intended field", async () => {
  const [result] = await validateFixture("unknown-field.yaml");
  assert.equal(result!.valid, false);
  assert.deepEqual(errorText(result!), [
    "spec.replica: unknown field \"replica\"",
    "spec.template.spec.containers[0].imagePullPolicyy: unknown field \"imagePullPolicyy\"",
  ]);
  assert.deepEqual(result!.errors.map((e) => e.line), [6, 18]);
  assert.match(result!.errors[0]!.fix, /did you mean "replicas"\?/);
  assert.match(result!.errors[1]!.fix, /did you mean "imagePullPolicy"\?/);
});

test("a wrong type fails at its path, saying which type is expected", async () => {
  const [result] = await validateFixture("wrong-type.yaml");
  assert.equal(result!.valid, false);
  assert.deepEqual(errorText(result!), ["spec.replicas: must be integer, got string"]);
  assert.match(result!.errors[0]!.fix, /integer without quotes/);
  // The rejected value itself is never echoed (it could be a secret).
  assert.doesNotMatch(JSON.stringify(result), /two/);
});

test("a missing required field fails, naming the field and where it belongs", async () => {
  const [result] = await validateFixture("missing-required.yaml");
  assert.equal(result!.valid, false);
  assert.deepEqual(errorText(result!), ["spec.template.spec.containers[0].name: missing required field \"name\""]);
  assert.match(result!.errors[0]!.fix, /^add "name": Name of the container/);
  assert.equal(result!.errors[0]!.line, 15);
});

test("a kind without a schema is an error naming kind, apiVersion and where it looked, unless ignored", async () => {
  const [result] = await validateFixture("unknown-kind.yaml");
  assert.equal(result!.valid, false);
  const [error] = result!.errors;
  assert.match(error!.message, /^no schema for kind RunnerPool apiVersion example\.com\/v1alpha1 in .*v1\.32\.2-standalone-strict\/runnerpool-example-v1alpha1\.json$/);
  assert.match(error!.fix, /--schema-location/);
  assert.match(error!.fix, /--ignore-missing-schemas/);

  const [ignored] = await validateFixture("unknown-kind.yaml", { ignoreMissingSchemas: true });
  assert.equal(ignored!.valid, true);
  assert.match(ignored!.skipped ?? "", /no schema for kind RunnerPool/);
});

test("a YAML syntax error is reported with its line, and the other documents of the file are still checked", async () => {
  const results = await validateFixture("syntax-error.yaml");
  assert.deepEqual(results.map((r) => [r.index, r.valid]), [[0, true], [1, false]]);
  const [error] = results[1]!.errors;
  assert.equal(error!.line, 14);
  assert.match(error!.message, /^YAML syntax error: .*\(line 14, column 3\)$/);
  assert.match(error!.fix, /correct the YAML/);
});

test("kind: List is expanded into one result per item; JSON that is not a Kubernetes object is skipped with a note", async () => {
  const results = await validateDocuments(await readDocuments([path.join(fixtures, "list.json"), path.join(fixtures, "not-kubernetes.json")]), loader);
  assert.deepEqual(results.map((r) => [r.file.endsWith("list.json"), r.item, r.kind, r.valid]), [
    [true, 0, "ServiceAccount", true],
    [true, 1, "Namespace", false],
    [false, undefined, undefined, true],
  ]);
  assert.deepEqual(errorText(results[1]!), ["spek: unknown field \"spek\""]);
  assert.equal(results[2]!.skipped, "not a Kubernetes object (no apiVersion and kind)");
});

test("List items in YAML point at their own lines", async () => {
  const text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n    date: {}\n";
  const results = await validateDocuments(parseYamlDocuments("list.yaml", text), loader);
  assert.deepEqual(results.map((r) => [r.item, r.line, r.valid]), [[0, 4, true], [1, 7, false]]);
  assert.deepEqual(results[1]!.errors.map((e) => [e.path, e.line]), [["date", 10]]);
  assert.match(results[1]!.errors[0]!.fix, /did you mean "data"\?/);
});

test("YAML is read as kubectl reads it (YAML 1.1): an unquoted yes is a boolean where a string is required", async () => {
  const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  labels:\n    \"app.kubernetes.io/part-of\": yes\ndata:\n  enabled: \"yes\"\n";
  const [result] = await validateDocuments(parseYamlDocuments("flags.yaml", text), loader);
  assert.deepEqual(errorText(result!), ["metadata.labels[\"app.kubernetes.io/part-of\"]: must be string, got boolean"]);
  assert.match(result!.errors[0]!.fix, /quote the value/);
  assert.equal(result!.errors[0]!.line, 6);
});

test("documents without apiVersion or kind in YAML are errors that say what to add", async () => {
  const results = await validateDocuments(parseYamlDocuments("x.yaml", "metadata:\n  name: x\n---\n- a\n- b\n"), loader);
  assert.deepEqual(results[0]!.errors.map((e) => [e.path, e.message]), [
    ["apiVersion", "missing required field \"apiVersion\""],
    ["kind", "missing required field \"kind\""],
  ]);
  assert.match(results[0]!.errors[1]!.fix, /kind: Deployment/);
  assert.match(results[1]!.errors[0]!.message, /is a list, not a Kubernetes object/);
});

test("int-or-string fields accept both forms and name both types when neither fits", async () => {
  const doc = (maxSurge: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  strategy: {rollingUpdate: {maxSurge: ${maxSurge}}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: "busybox:1.37.0"}]}\n`;
  const results = await validateDocuments([...parseYamlDocuments("a.yaml", doc("1")), ...parseYamlDocuments("b.yaml", doc("25%")), ...parseYamlDocuments("c.yaml", doc("[1]"))], loader);
  assert.deepEqual(results.map((r) => r.valid), [true, true, false]);
  assert.deepEqual(errorText(results[2]!), ["spec.strategy.rollingUpdate.maxSurge: must be string or integer, got array"]);
});

test("a 32-bit field rejects numbers out of range", async () => {
  const text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - port: 99999999999\n";
  const [result] = await validateDocuments(parseYamlDocuments("s.yaml", text), loader);
  assert.deepEqual(errorText(result!), ["spec.ports[0].port: must be a 32-bit integer"]);
});

test("each kind's schema is looked up and compiled once per loader", async () => {
  const calls: string[] = [];
  const counting: SchemaLoader = {
    load(apiVersion, kind) {
      calls.push(`${apiVersion} ${kind}`);
      return loader.load(apiVersion, kind);
    },
  };
  const docs = await readDocuments([path.join(fixtures, "valid.yaml"), path.join(fixtures, "wrong-type.yaml"), path.join(fixtures, "unknown-field.yaml")]);
  await validateDocuments(docs, counting);
  await validateDocuments(docs, counting);
  assert.deepEqual(calls.sort(), ["apps/v1 Deployment", "v1 ConfigMap"]);
});

test("several locations are tried in order, so CRD schemas can live in their own folder", async () => {
  const crds = mkdtempSync(path.join(os.tmpdir(), "crd-schemas-"));
  try {
    mkdirSync(path.join(crds, "pools"));
    writeFileSync(
      path.join(crds, "pools", "runnerpool_v1alpha1.json"),
      JSON.stringify({
        type: "object",
        required: ["spec"],
        properties: {
          apiVersion: { type: "string" },
          kind: { type: "string" },
          metadata: { type: "object" },
          spec: { type: "object", additionalProperties: false, properties: { size: { type: "integer", format: "int32" } } },
        },
      }),
    );
    const both = createSchemaLoader({ locations: [referenceSchemas, path.join(crds, "pools/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")], cwd: repoRoot });
    const docs = await readDocuments([path.join(fixtures, "unknown-kind.yaml"), path.join(fixtures, "valid.yaml")]);
    const results = await validateDocuments(docs, both);
    assert.deepEqual(results.map((r) => [r.kind, r.valid]), [["RunnerPool", true], ["ConfigMap", true], ["Deployment", true]]);
    assert.equal(results[0]!.schema, path.join(crds, "pools", "runnerpool_v1alpha1.json"));

    const bad = parseYamlDocuments("pool.yaml", readFileSync(path.join(fixtures, "unknown-kind.yaml"), "utf8").replace("size: 3", "size: 3\n  sise: 4"));
    const [result] = await validateDocuments(bad, both);
    assert.deepEqual(errorText(result!), ["spec.sise: unknown field \"sise\""]);
    assert.match(result!.errors[0]!.fix, /did you mean "size"\?/);
  } finally {
    rmSync(crds, { recursive: true, force: true });
  }
});
