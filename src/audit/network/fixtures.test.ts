/**
 * One fixture per NetworkPolicy semantic rule (test/fixtures/audit/network/*.yaml): the objects,
 * the verdicts they must produce, and the policy findings they must raise (none unless listed).
 * The Kubernetes objects in every audit fixture are also checked against the strict upstream
 * schemas (and the ARC CRD) so a typo cannot make a fixture test something other than it says.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import { parse, parseAllDocuments } from "yaml";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { networkPoliciesFrom, namespacesFrom } from "./policy-model.ts";
import { networkPolicyFindings } from "./network-policy-findings.ts";
import { egressVerdict, ingressVerdict } from "./verdict.ts";
import type { Endpoint, KubeObject, Peer, PodEndpoint, PodRef } from "./types.ts";
import { ARC_CRDS, KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const fixtureDir = path.join(repoRoot, "test/fixtures/audit/network");
const schemaDir = path.join(KUBERNETES_SCHEMAS, "v1.32.2-standalone-strict");
const arcCrdDir = ARC_CRDS;
const claimsDir = path.join(repoRoot, "test/fixtures/audit/claims");

interface Expectation {
  readonly egress?: { readonly pod: PodRef; readonly to: Endpoint };
  readonly ingress?: { readonly pod: PodEndpoint; readonly from: Peer };
  readonly allowed: boolean;
  readonly isolated?: boolean;
  readonly policies?: readonly string[];
}

interface Fixture {
  readonly rule: string;
  readonly objects: readonly KubeObject[];
  readonly expect: readonly Expectation[];
  readonly findings?: readonly { severity: string; path: string; policy?: string }[];
}

const files = readdirSync(fixtureDir).filter((f) => f.endsWith(".yaml")).sort();

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
formatsPlugin.default(ajv);
ajv.addFormat("int32", true).addFormat("int64", true);
const validators = new Map<string, ValidateFunction>();
const SCHEMA_FILES: Readonly<Record<string, string>> = {
  NetworkPolicy: "networkpolicy-networking-v1.json",
  Namespace: "namespace-v1.json",
  Deployment: "deployment-apps-v1.json",
};
const schemaFor = (kind: string): ValidateFunction => {
  let validate = validators.get(kind);
  if (validate !== undefined) return validate;
  if (kind === "AutoscalingRunnerSet") {
    const crd = parse(readFileSync(path.join(arcCrdDir, "actions.github.com_autoscalingrunnersets.yaml"), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: object } }[] } };
    validate = ajv.compile(crd.spec.versions[0]!.schema.openAPIV3Schema);
  } else {
    const file = SCHEMA_FILES[kind];
    assert.ok(file, `fixtures may only hold ${[...Object.keys(SCHEMA_FILES), "AutoscalingRunnerSet"].join(", ")}; found ${kind}`);
    const { $schema: _ignored, ...schema } = JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")) as Record<string, unknown>;
    validate = ajv.compile(schema);
  }
  validators.set(kind, validate);
  return validate;
};
const assertValidObject = (file: string, o: KubeObject) => {
  const validate = schemaFor(o.kind ?? "");
  assert.ok(validate(o), `${file}: ${o.kind} ${o.metadata?.name} violates the schema: ${ajv.errorsText(validate.errors)}`);
};

describe("claims fixtures are valid Kubernetes objects", () => {
  for (const file of readdirSync(claimsDir).filter((f) => f.endsWith(".yaml")).sort()) {
    it(file, () => {
      const docs = parseAllDocuments(readFileSync(path.join(claimsDir, file), "utf8")).map((d) => d.toJS() as KubeObject);
      assert.ok(docs.length >= 4);
      for (const o of docs) assertValidObject(file, o);
    });
  }
});

describe("NetworkPolicy semantics, one fixture per rule", () => {
  it("has the fixtures the audit docs promise", () => {
    for (const name of [
      "policy-types-omitted-without-egress", "policy-types-omitted-with-egress", "egress-empty-list-without-policy-types",
      "empty-pod-selector", "wildcard-selects-nothing", "namespace-and-pod-selector-and", "namespace-or-pod-selector",
      "except-inside-cidr", "ports-protocol-endport", "empty-rule", "egress-empty-denies-all", "union-of-policies", "named-port",
    ]) assert.ok(files.includes(`${name}.yaml`), `missing fixture ${name}.yaml`);
  });

  for (const file of files) {
    const fixture = parse(readFileSync(path.join(fixtureDir, file), "utf8")) as Fixture;
    it(file, () => {
      for (const o of fixture.objects) assertValidObject(file, o);
      const policies: NetworkPolicy[] = networkPoliciesFrom(fixture.objects);
      const namespaces = namespacesFrom(fixture.objects);
      assert.ok(fixture.expect.length > 0, `${file} has no expectations`);
      fixture.expect.forEach((e, i) => {
        const v = e.egress
          ? egressVerdict(e.egress.pod, e.egress.to, policies, namespaces)
          : ingressVerdict(e.ingress!.pod, e.ingress!.from, policies, namespaces);
        const label = `${file} expect[${i}]: ${v.reason}`;
        assert.equal(v.allowed, e.allowed, label);
        if (e.isolated !== undefined) assert.equal(v.isolated, e.isolated, label);
        if (e.policies !== undefined) assert.deepEqual(v.policies, e.policies, label);
        assert.ok(v.reason.length > 0);
      });
      const findings = networkPolicyFindings(fixture.objects).map((f) => ({ severity: f.severity, path: f.path, policy: f.policy }));
      const expected = fixture.findings ?? [];
      assert.equal(findings.length, expected.length, `${file}: findings ${JSON.stringify(findings)}`);
      expected.forEach((want, i) => {
        assert.equal(findings[i]?.severity, want.severity);
        assert.equal(findings[i]?.path, want.path);
        if (want.policy !== undefined) assert.equal(findings[i]?.policy, want.policy);
      });
    });
  }
});
