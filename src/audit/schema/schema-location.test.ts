import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import {
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_SCHEMA_LOCATION,
  SchemaLocationError,
  STANDARD_LAYOUT,
  expandTemplate,
  normalizeKubernetesVersion,
  parseSchemaLocation,
  schemaTemplateData,
} from "./schema-location.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const schemaRoot = KUBERNETES_SCHEMAS;

test("template variables are computed as kubeconform computes them", () => {
  assert.deepEqual(schemaTemplateData("Deployment", "apps/v1", "1.32.2", true), {
    NormalizedKubernetesVersion: "v1.32.2",
    StrictSuffix: "-strict",
    ResourceKind: "deployment",
    ResourceAPIVersion: "v1",
    Group: "apps",
    KindSuffix: "-apps-v1",
  });
  const core = schemaTemplateData("ConfigMap", "v1", "1.32.2", false);
  assert.equal(core.KindSuffix, "-v1");
  assert.equal(core.StrictSuffix, "");
  assert.equal(core.Group, "v1");
  assert.equal(schemaTemplateData("ServiceMonitor", "monitoring.coreos.com/v1", "1.32.2", true).KindSuffix, "-monitoring-v1");
  assert.equal(schemaTemplateData("PodDisruptionBudget", "policy/v1", "master", true).NormalizedKubernetesVersion, "master");
});

test("a plain directory gets the kubernetes-json-schema layout, which matches the reference files", () => {
  const location = parseSchemaLocation(`${path.relative(repoRoot, schemaRoot)}/`, repoRoot);
  assert.equal(location.type, "file");
  assert.equal(location.template, path.join(schemaRoot, STANDARD_LAYOUT));
  for (const [kind, apiVersion] of [["Deployment", "apps/v1"], ["ConfigMap", "v1"], ["NetworkPolicy", "networking.k8s.io/v1"], ["PodMonitor", "monitoring.coreos.com/v1"], ["RoleBinding", "rbac.authorization.k8s.io/v1"]] as const) {
    const file = expandTemplate(location.template, schemaTemplateData(kind, apiVersion, DEFAULT_KUBERNETES_VERSION, true));
    assert.ok(existsSync(file), `${kind} ${apiVersion} -> ${file} should exist`);
  }
});

test("a location ending in json is a full template; URLs keep their scheme", () => {
  const local = parseSchemaLocation("/schemas/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json", "/elsewhere");
  assert.equal(local.template, "/schemas/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json");
  assert.equal(local.baseDir, "/schemas/");
  const url = parseSchemaLocation("https://example.test/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json");
  assert.equal(url.type, "http");
  assert.equal(
    expandTemplate(url.template, schemaTemplateData("PrometheusRule", "monitoring.coreos.com/v1", "1.32.2", true)),
    "https://example.test/schemas/monitoring.coreos.com/prometheusrule_v1.json",
  );
  assert.equal(parseSchemaLocation("http://127.0.0.1:8080/repo/").template, `http://127.0.0.1:8080/repo/${STANDARD_LAYOUT}`);
  assert.equal(parseSchemaLocation("file:///opt/schemas").template, `/opt/schemas/${STANDARD_LAYOUT}`);
});

test("\"default\" is the public kubeconform-format repository", () => {
  const location = parseSchemaLocation("default");
  assert.equal(location.template, DEFAULT_SCHEMA_LOCATION);
  assert.equal(
    expandTemplate(location.template, schemaTemplateData("Deployment", "apps/v1", "1.32.2", true)),
    "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.32.2-standalone-strict/deployment-apps-v1.json",
  );
});

test("an unknown template variable is rejected, naming the variable and the known ones", () => {
  assert.throws(
    () => parseSchemaLocation("/schemas/{{ .Kind }}.json"),
    (e: unknown) => e instanceof SchemaLocationError && /\{\{ \.Kind \}\}/.test(e.message) && /\{\{ \.ResourceKind \}\}/.test(e.fix),
  );
  assert.throws(() => parseSchemaLocation("/schemas/{{ lower .ResourceKind }}.json"), (e: unknown) => e instanceof SchemaLocationError && /\{\{ \.Name \}\}/.test(e.fix));
  assert.throws(() => parseSchemaLocation("ftp://example.test/schemas"), (e: unknown) => e instanceof SchemaLocationError && /http/.test(e.fix));
});

test("the Kubernetes version is MAJOR.MINOR.PATCH, with or without a leading v, or master", () => {
  assert.equal(normalizeKubernetesVersion("1.32.2"), "v1.32.2");
  assert.equal(normalizeKubernetesVersion("v1.30.0"), "v1.30.0");
  assert.equal(normalizeKubernetesVersion("master"), "master");
  assert.throws(() => normalizeKubernetesVersion("1.32"), (e: unknown) => e instanceof SchemaLocationError && /1\.32/.test(e.message) && /--kubernetes-version/.test(e.fix));
  assert.equal(DEFAULT_KUBERNETES_VERSION, "1.32.2");
});
