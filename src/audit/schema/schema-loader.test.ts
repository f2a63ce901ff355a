import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { readDocuments } from "./read-documents.ts";
import { SchemaLoadError, cacheFileFor, createSchemaLoader, defaultCacheDir } from "./schema-loader.ts";
import { SchemaLocationError } from "./schema-location.ts";
import { validateDocuments } from "./validate-documents.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const fixtures = path.join(repoRoot, "test/fixtures/validate");
const schemaRoot = KUBERNETES_SCHEMAS;

/** Serves the reference schema folder on 127.0.0.1, recording each requested path. */
async function serveSchemas(): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    requests.push(urlPath);
    if (urlPath.startsWith("/fail/")) {
      res.writeHead(503).end("unavailable");
      return;
    }
    if (urlPath.startsWith("/garbage/")) {
      res.writeHead(200).end("<html>not a schema</html>");
      return;
    }
    const file = path.join(schemaRoot, path.normalize(urlPath));
    if (!file.startsWith(schemaRoot + path.sep) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, requests };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test("a URL template downloads each schema once into the cache; a second run works with the server stopped", async () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
  const { server, base, requests } = await serveSchemas();
  const template = `${base}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  try {
    const docs = await readDocuments([path.join(fixtures, "valid.yaml"), path.join(fixtures, "wrong-type.yaml")]);
    const first = await validateDocuments(docs, createSchemaLoader({ locations: [template], cacheDir }));
    assert.deepEqual(first.map((r) => r.valid), [true, true, false]);
    assert.deepEqual(requests.sort(), ["/v1.32.2-standalone-strict/configmap-v1.json", "/v1.32.2-standalone-strict/deployment-apps-v1.json"]);
    const deploymentUrl = `${base}/v1.32.2-standalone-strict/deployment-apps-v1.json`;
    assert.equal(first[1]!.schema, deploymentUrl);
    assert.ok(existsSync(cacheFileFor(cacheDir, deploymentUrl)));

    await stop(server);
    const second = await validateDocuments(docs, createSchemaLoader({ locations: [template], cacheDir }));
    assert.deepEqual(second.map((r) => [r.valid, r.errors.map((e) => e.path)]), [[true, []], [true, []], [false, ["spec.replicas"]]]);
    assert.equal(requests.length, 2);

    // A kind that was never downloaded cannot be fetched now: the error names the URL and the way out.
    const missing = createSchemaLoader({ locations: [template], cacheDir });
    await assert.rejects(missing.load("v1", "Secret"), (e: unknown) => e instanceof SchemaLoadError && e.message.includes(`${base}/v1.32.2-standalone-strict/secret-v1.json`) && /--schema-location/.test(e.fix));
  } finally {
    if (server.listening) await stop(server);
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a plain URL gets the standard layout; a 404 falls through to the next location and nothing is cached for it", async () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
  const { server, base, requests } = await serveSchemas();
  try {
    const loader = createSchemaLoader({ locations: [`${base}/crds/{{ .ResourceKind }}.json`, base], cacheDir });
    const found = await loader.load("apps/v1", "Deployment");
    assert.ok(found.found);
    assert.equal(found.source, `${base}/v1.32.2-standalone-strict/deployment-apps-v1.json`);
    assert.deepEqual(requests, ["/crds/deployment.json", "/v1.32.2-standalone-strict/deployment-apps-v1.json"]);
    assert.equal(readdirSync(cacheDir).length, 1);

    const none = await loader.load("example.com/v1", "Pool");
    assert.deepEqual(none, { found: false, tried: [`${base}/crds/pool.json`, `${base}/v1.32.2-standalone-strict/pool-example-v1.json`] });
  } finally {
    await stop(server);
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a failed download or a response that is not JSON stops the run, naming the URL; nothing is cached", async () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
  const { server, base } = await serveSchemas();
  try {
    const failing = createSchemaLoader({ locations: [`${base}/fail/{{ .ResourceKind }}.json`], cacheDir });
    await assert.rejects(failing.load("v1", "ConfigMap"), (e: unknown) => e instanceof SchemaLoadError && e.message.includes(`${base}/fail/configmap.json (HTTP 503)`) && /local directory/.test(e.fix));
    const garbage = createSchemaLoader({ locations: [`${base}/garbage/{{ .ResourceKind }}.json`], cacheDir });
    await assert.rejects(garbage.load("v1", "ConfigMap"), (e: unknown) => e instanceof SchemaLoadError && e.message.includes(`${base}/garbage/configmap.json is not valid JSON`));
    assert.deepEqual(readdirSync(cacheDir), []);
  } finally {
    await stop(server);
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("a local location that does not exist is rejected before anything is read", () => {
  assert.throws(
    () => createSchemaLoader({ locations: ["./no-such-schemas"], cwd: repoRoot }),
    (e: unknown) => e instanceof SchemaLocationError && e.message.includes(path.join(repoRoot, "no-such-schemas")) && /existing directory/.test(e.fix),
  );
  assert.throws(() => createSchemaLoader({ locations: [schemaRoot], kubernetesVersion: "latest" }), SchemaLocationError);
});

test("--no-strict looks in the non-strict folder", async () => {
  const loader = createSchemaLoader({ locations: [schemaRoot], strict: false });
  const lookup = await loader.load("v1", "ConfigMap");
  assert.deepEqual(lookup, { found: false, tried: [path.join(schemaRoot, "v1.32.2-standalone/configmap-v1.json")] });
});

test("the download cache defaults to $XDG_CACHE_HOME/runner-fleet/schemas, else ~/.cache/runner-fleet/schemas", () => {
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/var/cache/me" }), "/var/cache/me/runner-fleet/schemas");
  assert.equal(defaultCacheDir({}), path.join(os.homedir(), ".cache", "runner-fleet", "schemas"));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "relative/path" }), path.join(os.homedir(), ".cache", "runner-fleet", "schemas"));
});

test("without locations the bundled schemas answer, offline", async () => {
  const offline: typeof fetch = () => Promise.reject(new Error("no download may happen"));
  const lookup = await createSchemaLoader({ fetch: offline }).load("apps/v1", "Deployment");
  assert.ok(lookup.found);
  assert.equal(lookup.source, path.join(schemaRoot, "v1.32.2-standalone-strict/deployment-apps-v1.json"));
});

test("a Kubernetes version that is not bundled needs a schema location, and the error says so", () => {
  assert.throws(() => createSchemaLoader({ kubernetesVersion: "1.29.0" }), (e: Error) => {
    assert.match(e.message, /no schemas for Kubernetes 1\.29\.0 are bundled \(bundled: 1\.32\.2\)/);
    assert.match(e.message, /Fix: pass --schema-location/);
    return true;
  });
});

test("\"default\" is the public repository, read from the cache when the schema is there", async () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "schema-cache-"));
  try {
    const url = "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.32.2-standalone-strict/configmap-v1.json";
    writeFileSync(cacheFileFor(cacheDir, url), readFileSync(path.join(schemaRoot, "v1.32.2-standalone-strict/configmap-v1.json")));
    const offline: typeof fetch = () => Promise.reject(new Error("the cache should have been used"));
    const lookup = await createSchemaLoader({ locations: ["default"], cacheDir, fetch: offline }).load("v1", "ConfigMap");
    assert.ok(lookup.found);
    assert.equal(lookup.source, url);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
