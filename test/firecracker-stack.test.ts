// The gh-runners-firecracker stack run offline with its Pulumi.dev.yaml (one controller, an untrusted
// scale set in Firecracker and a trusted one with dind): strict schemas for every object (the
// PodMonitor included), the ARC CRD, metrics within ARC's documented list, unique names, the
// isolation and privilege audit, the generated README checklist, the node bootstrap script.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderStack } from "../src/offline/render-stack.ts";
import { auditableObjects, formatAuditChecklist } from "../src/cli/audit.ts";
import { auditFleet } from "../src/audit/fleet-audit.ts";
import { createSchemaLoader } from "../src/audit/schema/schema-loader.ts";
import { crdSchemas, withCrdSchemas } from "../src/audit/schema/crd-schemas.ts";
import { validateDocuments } from "../src/audit/schema/validate-documents.ts";
import { withBundledArcCrds } from "../src/audit/schema/bundled-schemas.ts";
import { exportedArcMetricNames } from "../src/render/kubernetes/arc-metrics.ts";
import { ARC_DOCUMENTED_METRICS } from "../src/model/arc-metrics.ts";
import { ARC_CRDS, editedStackConfig, KUBERNETES_SCHEMAS, REPO } from "./helpers.ts";
import { needs, requireTool } from "./validators.ts";

const STACK = join(REPO, "infra/pulumi/gh-runners-firecracker");
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };
const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });

describe("gh-runners-firecracker stack (offline, Pulumi.dev.yaml)", async () => {
  const rendered = await renderStack(STACK, { stack: "dev" });
  const objects = auditableObjects(rendered);

  it("renders one controller, two scale sets, kata-fc, a PodMonitor and each runner namespace's fence", () => {
    assert.deepEqual(rendered.resources.map((r) => `${r.type}::${r.name}`).sort(), [
      "kubernetes:core/v1:Namespace::arc-arc-runners",
      "kubernetes:core/v1:Namespace::arc-arc-runners-trusted",
      "kubernetes:core/v1:Namespace::arc-arc-systems",
      "kubernetes:core/v1:Secret::arc-firecracker-github-config",
      "kubernetes:core/v1:Secret::arc-trusted-dind-github-config",
      "kubernetes:helm.sh/v3:Release::arc-controller",
      "kubernetes:helm.sh/v3:Release::arc-firecracker-scale-set",
      "kubernetes:helm.sh/v3:Release::arc-kata-deploy",
      "kubernetes:helm.sh/v3:Release::arc-trusted-dind-scale-set",
      "kubernetes:monitoring.coreos.com/v1:PodMonitor::arc-arc-metrics",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-allow-dns-egress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-allow-https-egress-public",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-default-deny-all",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-trusted-allow-dns-egress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-trusted-allow-https-egress-public",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-runners-trusted-default-deny-all",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::arc-arc-systems-allow-metrics-scrape",
      "kubernetes:node.k8s.io/v1:RuntimeClass::arc-kata-fc",
      "runner-fleet:kubernetes:ArcController::arc",
      "runner-fleet:kubernetes:GitHubRunnerScaleSet::arc-firecracker",
      "runner-fleet:kubernetes:GitHubRunnerScaleSet::arc-trusted-dind",
    ]);
    const releases = rendered.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const r of releases.filter((x) => x.name !== "arc-kata-deploy")) {
      assert.match(String(r.inputs["chart"]), /^oci:\/\/ghcr\.io\/actions\/actions-runner-controller-charts\/gha-runner-scale-set(-controller)?$/);
      assert.equal(r.inputs["version"], "0.14.2");
    }
    assert.equal(releases.filter((r) => String(r.inputs["chart"]).endsWith("-controller")).length, 1, "one controller");
    assert.match(String(releases.find((r) => r.name === "arc-kata-deploy")!.inputs["version"]), /^\d+\.\d+\.\d+$/);
    assert.deepEqual(rendered.outputs["runsOn"], ["arc-firecracker", "arc-trusted-dind"]);
  });

  it("two scale sets never collide: unique URNs and unique Kubernetes object names", () => {
    const urns = rendered.resources.map((r) => `${r.type}::${r.name}`);
    assert.equal(new Set(urns).size, urns.length);
    const named = objects.map((o) => `${String(o["apiVersion"])}|${String(o["kind"])}|${String((o["metadata"] as { namespace?: string })?.namespace ?? "")}|${String((o["metadata"] as { name?: string })?.name)}`);
    const releases = rendered.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => `release|${String(r.inputs["namespace"])}|${String(r.inputs["name"])}`);
    const all = [...named, ...releases];
    assert.equal(new Set(all).size, all.length, all.join("\n"));
  });

  it("metrics are set, the PodMonitor passes the strict prometheus-operator schema, and every exported series is one ARC documents", async () => {
    const controller = rendered.resources.find((r) => r.name === "arc-controller")!;
    assert.deepEqual((controller.inputs["values"] as Record<string, unknown>)["metrics"], { controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" });
    for (const name of ["arc-firecracker-scale-set", "arc-trusted-dind-scale-set"]) {
      const values = rendered.resources.find((r) => r.name === name)!.inputs["values"] as { listenerMetrics: { gauges: Record<string, unknown> } };
      assert.ok("gha_desired_runners" in values.listenerMetrics.gauges, name);
    }
    const monitor = objects.find((o) => o["kind"] === "PodMonitor")!;
    const strict = withBundledArcCrds(createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" }));
    const [result] = await validateDocuments([{ file: "stack", index: 0, doc: monitor }], strict);
    assert.deepEqual(result!.errors, []);
    // Strict: a field the operator does not know is refused.
    const typo = structuredClone(monitor) as { spec: { podMetricsEndpoints: Record<string, unknown>[] } };
    typo.spec.podMetricsEndpoints[0]!["paht"] = "/metrics";
    const [ko] = await validateDocuments([{ file: "stack", index: 0, doc: typo }], strict);
    assert.match(JSON.stringify(ko!.errors), /paht/);
    const documented = new Set(ARC_DOCUMENTED_METRICS.flatMap((m) => (m.type === "histogram" ? ["_bucket", "_sum", "_count"].map((x) => `${m.name}${x}`) : [m.name])));
    const exported = exportedArcMetricNames(rendered.resources);
    assert.ok(exported.includes("gha_controller_running_listeners") && exported.includes("gha_idle_runners"), exported.join());
    assert.deepEqual(exported.filter((n) => !documented.has(n)), []);
  });

  it("every Kubernetes object passes strict schemas and both AutoscalingRunnerSets pass the ARC CRD", async () => {
    const crds = crdSchemas(readFileSync(join(ARC_CRDS, "actions.github.com_autoscalingrunnersets.yaml"), "utf8"), "ARC CRD");
    const loader = withCrdSchemas(crds, withBundledArcCrds(createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" })));
    const results = await validateDocuments(objects.map((doc, index) => ({ file: "stack", index, doc })), loader);
    assert.equal(results.length, 16);
    assert.equal(results.filter((r) => r.kind === "AutoscalingRunnerSet").length, 2);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("the audit passes every claim, from the rendered policies", () => {
    const audit = auditFleet(objects, NETWORK);
    assert.equal(audit.isolation.runnerPods.length, 2);
    assert.equal(audit.isolation.claims.length, 18);
    for (const c of audit.isolation.claims) assert.ok(c.pass, `${c.claim}: ${c.responsible.join("; ")}`);
    assert.deepEqual(audit.podSecurity.map((p) => [p.pod, p.level]), [["arc-runners/AutoscalingRunnerSet/arc-firecracker", "restricted"], ["arc-runners-trusted/AutoscalingRunnerSet/arc-trusted-dind", "privileged"]]);
    assert.ok(audit.pass);
  });

  it("the audit flags dind only where allowed: accepted on the trusted scale set, refused were it untrusted", () => {
    const audit = auditFleet(objects, NETWORK);
    const modes = audit.podSecurity.map((p) => [p.pod, p.containerModes.map((m) => `${m.mode}:${m.trust}:${m.allowed}`)]);
    assert.deepEqual(modes, [["arc-runners/AutoscalingRunnerSet/arc-firecracker", []], ["arc-runners-trusted/AutoscalingRunnerSet/arc-trusted-dind", ["dind:trusted:true"]]]);
    const relabelled = structuredClone(objects) as Record<string, unknown>[];
    const dind = relabelled.find((o) => o["kind"] === "AutoscalingRunnerSet" && (o["metadata"] as { name: string }).name === "arc-trusted-dind") as { spec: { template: { metadata: { labels: Record<string, string> } } } };
    dind.spec.template.metadata.labels["runner-fleet/trust-level"] = "untrusted";
    const refused = auditFleet(relabelled as typeof objects, NETWORK);
    assert.equal(refused.pass, false);
    assert.match(JSON.stringify(refused.podSecurity[1]!.hardening), /containerMode dind \(privileged container dind\) on an untrusted scale set outside a microVM/);
  });

  it("the stack refuses dind on the untrusted scale set at config time, naming the key and the fix", async () => {
    const file = editedStackConfig(STACK, "dev", (c) => {
      const sets = c["gh-runners-firecracker:scaleSets"] as Record<string, unknown>[];
      sets[1]!["trust"] = "untrusted";
    });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: file }), (e: Error) => /scaleSets\[1\]\.containerMode\.type: dind on an untrusted scale set outside a microVM .*Fix: set useFirecracker: true/.test(e.message));
    const dup = editedStackConfig(STACK, "dev", (c) => {
      const sets = c["gh-runners-firecracker:scaleSets"] as Record<string, unknown>[];
      sets[1]!["scaleSetName"] = "arc-firecracker";
    });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: dup }), (e: Error) => /scaleSets\[1\]\.scaleSetName: repeats scaleSets\[0\]\.scaleSetName/.test(e.message));
    const port = editedStackConfig(STACK, "dev", (c) => { c["gh-runners-firecracker:metrics"] = { port: 80 }; });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: port }), (e: Error) => /metrics\.port: 80 is not a port from 1024 to 65535\. Fix: set metrics\.port/.test(e.message));
  });

  it("the single-scale-set form of the settings stays valid", async () => {
    const file = editedStackConfig(STACK, "dev", (c) => {
      delete c["gh-runners-firecracker:scaleSets"];
      c["gh-runners-firecracker:scaleSetName"] = "solo";
    });
    const r = await renderStack(STACK, { stack: "dev", configFile: file });
    assert.deepEqual(r.outputs["runsOn"], ["solo"]);
    assert.equal(r.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release").length, 3);
  });

  it("`runner-fleet audit` on the stack exits 0; on the flawed homelab policies exits 1 naming the policies", () => {
    const ok = cli("audit", "infra/pulumi/gh-runners-firecracker");
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /audit: every claim holds/);
    const bad = cli("audit", "test/fixtures/audit/claims/homelab-flawed.yaml", "--pod-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16", "--node-cidr", "192.168.1.0/24", "--json");
    assert.equal(bad.status, 1);
    const report = JSON.parse(bad.stdout) as { kubernetes: { isolation: { claims: { claim: string; pass: boolean; responsible: string[] }[] } } };
    const failed = (id: string) => report.kubernetes.isolation.claims.find((c) => c.claim === id)!;
    for (const id of ["kubernetes-service-unreachable", "node-apiserver-unreachable", "metadata-unreachable", "other-namespace-pods-unreachable", "unreachable-from-other-namespaces"]) assert.equal(failed(id).pass, false, id);
    assert.match(failed("kubernetes-service-unreachable").responsible.join(" "), /deny-metadata/);
    assert.match(failed("metadata-unreachable").responsible.join(" "), /deny-service-cidr/);
    assert.match(failed("node-apiserver-unreachable").responsible.join(" "), /deny-(metadata|service-cidr)/);
  });

  it("the README's security checklist is the audit's own output", () => {
    const readme = readFileSync(join(STACK, "README.md"), "utf8");
    const section = /<!-- audit-checklist:begin -->\n([\s\S]*?)<!-- audit-checklist:end -->/.exec(readme);
    assert.ok(section, "README.md has no generated checklist section");
    assert.equal(section[1], formatAuditChecklist(auditFleet(objects, NETWORK)), "regenerate it with `npm run docs:checklist`");
  });

  it("a decrypted PAT reaches only the credentials Secret, as a secret, and is masked", async () => {
    const canary = "ghp_CANARYdecryptedFirecracker0123";
    const r = await renderStack(STACK, { stack: "dev", secretValues: { githubToken: canary } });
    assert.ok(!JSON.stringify(r).includes(canary));
    const secret = r.resources.find((x) => x.type === "kubernetes:core/v1:Secret")!;
    assert.deepEqual(secret.inputs["stringData"], { github_token: "[secret]" });
    const values = r.resources.find((x) => x.name === "arc-firecracker-scale-set")!.inputs["values"] as Record<string, unknown>;
    assert.equal(values["githubConfigSecret"], "arc-firecracker-github-config", "chart values carry only the Secret's name");
  });

  it("refuses bad config naming the key, and never prints the token", async () => {
    const canary = "ghp_CANARYfc0123456789";
    const file = editedStackConfig(STACK, "dev", (c) => {
      c["gh-runners-firecracker:minRunners"] = 9;
      c["gh-runners-firecracker:githubToken"] = canary;
    });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: file }), (e: Error) => /githubToken: is set in plain text but must be a secret/.test(e.message) && !e.message.includes(canary));
    const file2 = editedStackConfig(STACK, "dev", (c) => { (c["gh-runners-firecracker:scaleSets"] as Record<string, unknown>[])[0]!["minRunners"] = 9; });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: file2 }), (e: Error) => /scaleSets\[0\]\.minRunners: 9 is greater than maxRunners \(5\)\. Fix: set minRunners to at most maxRunners/.test(e.message));
    const secure = editedStackConfig(STACK, "dev", (c) => { c["gh-runners-firecracker:githubToken"] = { secure: `v1:${canary}` }; });
    const out = mkdtempSync(join(tmpdir(), "rf-fc-"));
    const r = cli("render", "infra/pulumi/gh-runners-firecracker", "--config-file", secure, "--out", out);
    assert.equal(r.status, 0, r.stderr);
    const all = readdirSync(out).map((f) => readFileSync(join(out, f), "utf8")).join("\n") + r.stdout + r.stderr;
    assert.ok(!all.includes(canary));
    assert.match(all, /github_token: "\[secret\]"/);
  });
});

describe("Firecracker node bootstrap", () => {
  const script = join(STACK, "scripts/bootstrap-firecracker-node.sh");
  it("passes shellcheck, including the pool attach script it installs", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const r = spawnSync("shellcheck", [script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
    const body = /<<ATTACH\n([\s\S]*?)\nATTACH/.exec(readFileSync(script, "utf8"))![1]!
      .replace(/\\\$/g, "$")
      .replace(/\$\{POOL_NAME\}/g, "devpool")
      .replace(/\$\{POOL_DIR\}/g, "/var/lib/containerd/devmapper");
    const dir = mkdtempSync(join(tmpdir(), "rf-sc-"));
    writeFileSync(join(dir, "attach.sh"), body);
    const a = spawnSync("shellcheck", ["-s", "bash", join(dir, "attach.sh")], { encoding: "utf8" });
    assert.equal(a.status, 0, a.stdout);
  });
  it("passes the pool settings set locally on to each node, and explains itself with --help", () => {
    const r = spawnSync(process.execPath, [join(STACK, "scripts/bootstrap-firecracker-nodes.ts"), "--dry-run"], { cwd: REPO, encoding: "utf8", env: { ...process.env, POOL_DATA_GIB: "200" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sudo env POOL_DATA_GIB=200 bash -s/);
    const h = spawnSync(process.execPath, [join(STACK, "scripts/bootstrap-firecracker-nodes.ts"), "--help"], { cwd: REPO, encoding: "utf8" });
    assert.equal(h.status, 0);
    assert.match(h.stdout, /usage: npm run bootstrap:firecracker-nodes/);
    const bad = spawnSync(process.execPath, [join(STACK, "scripts/bootstrap-firecracker-nodes.ts"), "--bogus"], { cwd: REPO, encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  });
  it("`npm run bootstrap:firecracker-nodes -- --dry-run` targets the hosts named in config", () => {
    const r = spawnSync(process.execPath, [join(STACK, "scripts/bootstrap-firecracker-nodes.ts"), "--dry-run"], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /==> root@k3s-node-1\.lan: ssh -o BatchMode=yes -o ConnectTimeout=10 root@k3s-node-1\.lan sudo bash -s < .*bootstrap-firecracker-node\.sh/);
  });
});
