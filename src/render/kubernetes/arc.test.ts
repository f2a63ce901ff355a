// Render tests for the ARC scale set: values checked against the 0.14.2 charts' values.yaml, the
// AutoscalingRunnerSet they produce checked against the ARC CRD, every object against strict schemas.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveArcScaleSet, type ArcScaleSetInput } from "../../model/arc-scale-set.ts";
import { arcControllerFor } from "../../model/arc-fleet.ts";
import { ConfigError } from "../../model/issues.ts";
import { autoscalingRunnerSetFromValues, controllerValues, renderArcScaleSet, scaleSetValues } from "./index.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { crdSchemas, withCrdSchemas } from "../../audit/schema/crd-schemas.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { ARC_CRDS, KUBERNETES_SCHEMAS, TEST_REFERENCE } from "../../../test/helpers.ts";

const ARC = join(TEST_REFERENCE, "arc-0.14.2");
const base: ArcScaleSetInput = { githubScope: "acme", credentials: { kind: "pat" }, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };

/**
 * Key paths a chart's values.yaml documents, active or commented out (`# key:` lines), e.g.
 * `githubConfigSecret.github_app_id`, `flags.watchSingleNamespace`.
 */
function documentedKeys(valuesYaml: string): Set<string> {
  const keys = new Set<string>();
  const stack: { indent: number; key: string }[] = [];
  for (const line of valuesYaml.split("\n")) {
    const m = /^( *)(# ?)?( *)([A-Za-z_][\w-]*):(\s|$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length + m[3]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), m[4]!].join(".");
    keys.add(path);
    stack.push({ indent, key: m[4]! });
  }
  return keys;
}

/** Leaf-ish key paths of our values, stopping at Kubernetes objects the chart passes through. */
function valuePaths(values: Record<string, unknown>, opaque: readonly string[], prefix = ""): string[] {
  return Object.entries(values).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if (opaque.includes(p) || v === null || typeof v !== "object" || Array.isArray(v)) return [p];
    return [p, ...valuePaths(v as Record<string, unknown>, opaque, p)];
  });
}

describe("ARC values against the 0.14.2 charts", () => {
  const s = resolveArcScaleSet({ ...base, runnerGroup: "untrusted" });
  it("every scale-set value we pass is documented in gha-runner-scale-set/values.yaml", () => {
    const documented = documentedKeys(readFileSync(join(ARC, "charts/gha-runner-scale-set/values.yaml"), "utf8"));
    const ours = valuePaths(scaleSetValues(s), ["template", "listenerMetrics.counters", "listenerMetrics.gauges", "listenerMetrics.histograms"]);
    assert.ok(ours.includes("scaleSetLabels") && ours.includes("template") && ours.includes("listenerMetrics.gauges"));
    for (const p of ours) assert.ok(documented.has(p), `${p} is not a value of gha-runner-scale-set 0.14.2`);
  });
  it("every controller value we pass is documented in gha-runner-scale-set-controller/values.yaml", () => {
    const documented = documentedKeys(readFileSync(join(ARC, "charts/gha-runner-scale-set-controller/values.yaml"), "utf8"));
    const ours = valuePaths(controllerValues(arcControllerFor([s])), ["podSecurityContext", "securityContext"]);
    assert.ok(ours.includes("metrics.controllerManagerAddr") && ours.includes("metrics.listenerAddr") && ours.includes("metrics.listenerEndpoint"), "metrics are on by default");
    for (const p of ours) assert.ok(documented.has(p), `${p} is not a value of gha-runner-scale-set-controller 0.14.2`);
  });
  it("the runner container is named runner and runs in the kata-fc RuntimeClass", () => {
    const spec = (scaleSetValues(s)["template"] as { spec: { runtimeClassName: string; containers: { name: string }[] } }).spec;
    assert.equal(spec.runtimeClassName, "kata-fc");
    assert.deepEqual(spec.containers.map((c) => c.name), ["runner"]);
  });
  it("the AutoscalingRunnerSet the values produce validates against the ARC CRD, strictly", async () => {
    const crds = crdSchemas(readFileSync(join(ARC_CRDS, "actions.github.com_autoscalingrunnersets.yaml"), "utf8"), "ARC CRD");
    const loader = withCrdSchemas(crds, undefined);
    const ars = autoscalingRunnerSetFromValues(scaleSetValues(s), { name: s.scaleSetName, namespace: s.runnerNamespace, version: "0.14.2" });
    assert.deepEqual((ars["spec"] as { runnerScaleSetLabels: string[] }).runnerScaleSetLabels, ["self-hosted", "linux", "x64", "firecracker"]);
    const [ok] = await validateDocuments([{ file: "ars", index: 0, doc: ars }], loader);
    assert.deepEqual(ok!.errors, []);
    // The check has teeth: a misspelled field is refused by the strict CRD schema.
    const bad = structuredClone(ars) as { spec: Record<string, unknown> };
    bad.spec["minRunner"] = 1;
    const [ko] = await validateDocuments([{ file: "ars", index: 0, doc: bad }], loader);
    assert.equal(ko!.valid, false);
    assert.match(JSON.stringify(ko!.errors), /minRunner/);
  });
});

describe("ARC objects against strict Kubernetes schemas", () => {
  it("namespaces, secret, RuntimeClass and NetworkPolicies are valid", async () => {
    const docs = renderArcScaleSet(resolveArcScaleSet(base), { githubToken: "[secret]" });
    const objects = [...docs.namespaces, docs.credentialsSecret, docs.runtimeClass, ...docs.networkPolicies];
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const results = await validateDocuments(objects.map((doc, index) => ({ file: "arc", index, doc })), loader);
    assert.equal(results.length, 8);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });
  it("NetworkPolicies: default deny both ways with explicit policyTypes, DNS over UDP and TCP, public HTTPS only", () => {
    const [deny, dns, https] = renderArcScaleSet(resolveArcScaleSet({ ...base, podCidr: "10.244.0.0/16", serviceCidr: "172.20.0.0/16", nodeCidrs: ["203.0.113.0/24"] })).networkPolicies;
    assert.deepEqual(deny!.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    assert.deepEqual(dns!.spec?.egress?.[0]?.ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    const block = https!.spec?.egress?.[0]?.to?.[0]?.ipBlock;
    assert.equal(block?.cidr, "0.0.0.0/0");
    // Cluster CIDRs already inside a private range are not repeated; a public node range is added.
    assert.deepEqual(block?.except, ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "203.0.113.0/24"]);
    assert.deepEqual(https!.spec?.egress?.[0]?.ports, [{ protocol: "TCP", port: 443 }]);
  });
  it("an existing Secret is referenced, not created", () => {
    const docs = renderArcScaleSet(resolveArcScaleSet({ ...base, credentials: { kind: "existingSecret", secretName: "arc-github-app" } }));
    assert.equal(docs.credentialsSecret, undefined);
    assert.equal(docs.scaleSet.values["githubConfigSecret"], "arc-github-app");
  });
  it("useFirecracker: false renders no RuntimeClass, no kata-deploy and no runtimeClassName", () => {
    const docs = renderArcScaleSet(resolveArcScaleSet({ ...base, useFirecracker: false }));
    assert.equal(docs.runtimeClass, undefined);
    assert.equal(docs.kataDeploy, undefined);
    assert.equal((docs.scaleSet.values["template"] as { spec: Record<string, unknown> }).spec["runtimeClassName"], undefined);
  });
});

describe("ARC scale set model: bad config is refused with key path and fix", () => {
  const refuse = (input: unknown, path: string, message: RegExp, fix: RegExp) => {
    assert.throws(() => resolveArcScaleSet(input), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const issue = e.issues.find((i) => i.path === path);
      assert.ok(issue, `no issue at ${path}: ${JSON.stringify(e.issues)}`);
      assert.match(issue.message, message);
      assert.match(issue.fix, fix);
      return true;
    });
  };
  it("minRunners > maxRunners", () => refuse({ ...base, minRunners: 6, maxRunners: 5 }, "minRunners", /6 is greater than maxRunners \(5\)/, /at most maxRunners/));
  it("negative counts", () => refuse({ ...base, maxRunners: -1 }, "maxRunners", /not a whole number from 0 to 10000/, /set maxRunners to a whole number from 0 to 10000/));
  it("counts beyond one scale set", () => refuse({ ...base, maxRunners: 1e12 }, "maxRunners", /1000000000000 is not a whole number from 0 to 10000/, /several scale sets/));
  it("overlapping pod, service and node networks", () => {
    refuse({ ...base, serviceCidr: base.podCidr }, "serviceCidr", /overlaps podCidr/, /distinct from its pod CIDR/);
    refuse({ ...base, nodeCidrs: ["10.42.1.0/24"] }, "nodeCidrs[0]", /overlaps podCidr/, /outside podCidr/);
  });
  it("a plain-http GitHub URL without the named opt-in", () => refuse({ ...base, githubUrl: "http://ghes.example.com" }, "githubUrl", /plain http/, /allowInsecureHttp: true/));
  it("a request above its limit", () => refuse({ ...base, resources: { requests: { cpu: "4" }, limits: { cpu: "2" } } }, "resources.requests.cpu", /more than resources\.limits\.cpu/, /requests\.cpu <= limits\.cpu/));
  it("a scope that is neither org nor org/repo", () => refuse({ ...base, githubScope: "a/b/c" }, "githubScope", /neither "org" nor "org\/repo"/, /organisation/));
  it("labels empty", () => refuse({ ...base, runnerLabels: [] }, "runnerLabels", /is empty/, /at least one label/));
  it("a label over 256 characters", () => refuse({ ...base, runnerLabels: ["x".repeat(257)] }, "runnerLabels[0]", /longer than 255 characters/, /1-255 characters/));
  it("a label of exactly 256 characters, which ARC refuses", () => refuse({ ...base, runnerLabels: ["x".repeat(256)] }, "runnerLabels[0]", /longer than 255 characters/, /1-255 characters/));
  it("a duplicated label", () => refuse({ ...base, runnerLabels: ["linux", "linux"] }, "runnerLabels[1]", /listed twice/, /once/));
  it("an invalid CIDR", () => refuse({ ...base, podCidr: "10.42.0.0/33" }, "podCidr", /not a CIDR block/, /prefix length/));
  it("a CIDR with host bits set", () => refuse({ ...base, nodeCidrs: ["192.168.1.7/24"] }, "nodeCidrs[0]", /host bits set/, /192\.168\.1\.0\/24/));
  it("a literal token where a secret is required, never quoted", () => {
    assert.throws(() => resolveArcScaleSet({ ...base, credentials: { kind: "pat", token: "ghp_CANARY123" } }), (e: Error) => {
      assert.match(e.message, /credentials\.token: is a literal secret in plain configuration\. Fix: .*--secret githubToken/);
      assert.ok(!e.message.includes("CANARY"));
      return true;
    });
  });
  it("Firecracker together with hostNetwork", () => refuse({ ...base, relax: { hostNetwork: true } }, "relax.hostNetwork", /cannot be combined with useFirecracker/, /remove relax\.hostNetwork/));
  it("Firecracker together with privileged", () => refuse({ ...base, relax: { privileged: true } }, "relax.privileged", /block devices/, /remove relax\.privileged/));
  it("an unpinned runner image", () => refuse({ ...base, runnerImage: "ghcr.io/actions/actions-runner:latest" }, "runnerImage", /floating tag latest/, /pin the image/));
  it("defaults are the documented ones", () => {
    const s = resolveArcScaleSet(base);
    assert.deepEqual([s.minRunners, s.maxRunners, s.scaleSetName, s.useFirecracker], [0, 5, "arc-firecracker", true]);
    assert.deepEqual(s.runnerLabels, ["self-hosted", "linux", "x64", "firecracker"]);
    assert.equal(s.githubConfigUrl, "https://github.com/acme");
  });
});
