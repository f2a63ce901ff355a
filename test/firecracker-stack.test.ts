// The gh-runners-firecracker stack run offline with its Pulumi.dev.yaml: strict schemas, the ARC
// CRD, the isolation audit, the generated README checklist, the node bootstrap script.
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
import { ARC_CRDS, editedStackConfig, KUBERNETES_SCHEMAS, REPO } from "./helpers.ts";
import { needs, requireTool } from "./validators.ts";

const STACK = join(REPO, "infra/pulumi/gh-runners-firecracker");
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };
const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });

describe("gh-runners-firecracker stack (offline, Pulumi.dev.yaml)", async () => {
  const rendered = await renderStack(STACK, { stack: "dev" });
  const objects = auditableObjects(rendered);

  it("renders the namespaces, the credentials Secret, kata-fc, three Helm releases and three NetworkPolicies", () => {
    assert.deepEqual(rendered.resources.map((r) => `${r.type}::${r.name}`).sort(), [
      "kubernetes:core/v1:Namespace::arc-runners",
      "kubernetes:core/v1:Namespace::arc-systems",
      "kubernetes:core/v1:Secret::arc-firecracker-github-config",
      "kubernetes:helm.sh/v3:Release::arc",
      "kubernetes:helm.sh/v3:Release::arc-firecracker",
      "kubernetes:helm.sh/v3:Release::kata-deploy",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::allow-dns-egress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::allow-https-egress-public",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::default-deny-all",
      "kubernetes:node.k8s.io/v1:RuntimeClass::kata-fc",
      "runner-fleet:kubernetes:GitHubRunnerScaleSet::github-runners",
    ]);
    const releases = rendered.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const r of releases.filter((x) => x.name !== "kata-deploy")) {
      assert.match(String(r.inputs["chart"]), /^oci:\/\/ghcr\.io\/actions\/actions-runner-controller-charts\/gha-runner-scale-set(-controller)?$/);
      assert.equal(r.inputs["version"], "0.14.2");
    }
    assert.match(String(releases.find((r) => r.name === "kata-deploy")!.inputs["version"]), /^\d+\.\d+\.\d+$/);
    assert.deepEqual(rendered.outputs["runsOn"], ["arc-firecracker"]);
  });

  it("every Kubernetes object passes strict schemas and the AutoscalingRunnerSet passes the ARC CRD", async () => {
    const crds = crdSchemas(readFileSync(join(ARC_CRDS, "actions.github.com_autoscalingrunnersets.yaml"), "utf8"), "ARC CRD");
    const loader = withCrdSchemas(crds, createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" }));
    const results = await validateDocuments(objects.map((doc, index) => ({ file: "stack", index, doc })), loader);
    assert.equal(results.length, 8);
    assert.ok(results.some((r) => r.kind === "AutoscalingRunnerSet"));
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("the audit passes every claim, from the rendered policies", () => {
    const audit = auditFleet(objects, NETWORK);
    assert.equal(audit.isolation.runnerPods.length, 1);
    assert.equal(audit.isolation.claims.length, 9);
    for (const c of audit.isolation.claims) assert.ok(c.pass, `${c.claim}: ${c.responsible.join("; ")}`);
    assert.deepEqual(audit.podSecurity.map((p) => p.level), ["restricted"]);
    assert.ok(audit.pass);
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
    const values = r.resources.find((x) => x.name === "arc-firecracker")!.inputs["values"] as Record<string, unknown>;
    assert.equal(values["githubConfigSecret"], "arc-firecracker-github-config", "chart values carry only the Secret's name");
  });

  it("refuses bad config naming the key, and never prints the token", async () => {
    const canary = "ghp_CANARYfc0123456789";
    const file = editedStackConfig(STACK, "dev", (c) => {
      c["gh-runners-firecracker:minRunners"] = 9;
      c["gh-runners-firecracker:githubToken"] = canary;
    });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: file }), (e: Error) => /githubToken: is set in plain text but must be a secret/.test(e.message) && !e.message.includes(canary));
    const file2 = editedStackConfig(STACK, "dev", (c) => { c["gh-runners-firecracker:minRunners"] = 9; });
    await assert.rejects(renderStack(STACK, { stack: "dev", configFile: file2 }), (e: Error) => /minRunners: 9 is greater than maxRunners \(5\)\. Fix: set minRunners to at most maxRunners/.test(e.message));
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
