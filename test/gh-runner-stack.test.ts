// Stack tests: the infra/pulumi/gh-runner program run offline with its Pulumi.dev.yaml.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { kubernetesObjects, renderStack, type RenderedStack } from "../src/offline/render-stack.ts";
import { changedPaths, editedStackConfig, GH_RUNNER_STACK, REPO } from "./helpers.ts";
import { auditableObjects } from "../src/cli/audit.ts";
import { auditFleet } from "../src/audit/fleet-audit.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const byId = (objs: Obj[]) => new Map(objs.map((o) => [`${o["kind"]}/${o["metadata"].name}`, o]));
const render = (configFile?: string) => renderStack(GH_RUNNER_STACK, configFile ? { stack: "dev", configFile } : { stack: "dev" });
const objectsOf = (r: RenderedStack) => byId(kubernetesObjects(r) as Obj[]);
type Runners = Obj[];
const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] };
/** The objects of deploy/gh-runner/deployment.yaml, the hand-written baseline. */
const BASELINE = ["ConfigMap/codex-config-gh-runner", "Deployment/codex-gh-runner", "Deployment/gemini-gh-runner"];
/** The fence the stack adds around the runner pods by default. */
const FENCE = ["NetworkPolicy/gh-runner-allow-dns-egress", "NetworkPolicy/gh-runner-allow-https-egress-public", "NetworkPolicy/gh-runner-default-deny-all"];
const MCP = { name: "mcp", cidr: "10.0.5.10/32", ports: [{ port: 8443, protocol: "TCP" }] };

/** Asserts that rendering refuses with an issue at `path` whose message and fix match. */
async function refuses(file: string, path: string, message: RegExp, fix: RegExp): Promise<void> {
  await assert.rejects(render(file), (e: Error) => {
    assert.equal(e.name, "ConfigError", e.message);
    const line = e.message.split("\n").find((l) => l.includes(`${path}: `));
    assert.ok(line, `no issue at ${path} in:\n${e.message}`);
    assert.match(line, message);
    assert.match(line.slice(line.indexOf("Fix: ")), fix);
    return true;
  });
}

describe("gh-runner stack (offline, Pulumi.dev.yaml)", async () => {
  const base = await render();
  const baseObjects = objectsOf(base);

  it("creates exactly the ConfigMap, the two Deployments and the three fence policies, inside the component", () => {
    assert.deepEqual([...baseObjects.keys()].sort(), [...BASELINE, ...FENCE]);
    assert.deepEqual(base.resources.map((r) => `${r.type}::${r.name}`), [
      "runner-fleet:kubernetes:KubernetesRunners::gh-runner",
      "kubernetes:apps/v1:Deployment::codex-gh-runner",
      "kubernetes:apps/v1:Deployment::gemini-gh-runner",
      "kubernetes:core/v1:ConfigMap::codex-config-gh-runner",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::gh-runner-allow-dns-egress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::gh-runner-allow-https-egress-public",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::gh-runner-default-deny-all",
    ]);
    assert.deepEqual(base.outputs["deployments"], ["codex-gh-runner", "gemini-gh-runner"]);
  });

  it("reproduces the Deployments and the ConfigMap of deploy/gh-runner/deployment.yaml exactly, and adds only the three fence policies around their pods", () => {
    const manifest = parseAllDocuments(readFileSync(join(REPO, "deploy/gh-runner/deployment.yaml"), "utf8")).map((d) => d.toJS() as Obj).filter(Boolean);
    const expected = byId(manifest);
    assert.deepEqual([...expected.keys()].sort(), BASELINE);
    for (const [id, obj] of expected) assert.deepEqual(changedPaths(obj, baseObjects.get(id)), [], id);
    assert.deepEqual([...baseObjects.keys()].filter((id) => !expected.has(id)).sort(), FENCE);
    for (const id of FENCE) {
      assert.deepEqual(baseObjects.get(id)!["spec"].podSelector, { matchExpressions: [{ key: "app", operator: "In", values: ["codex-gh-runner", "gemini-gh-runner"] }] }, id);
      assert.equal(baseObjects.get(id)!["metadata"].namespace, "my-reforge-ai", id);
    }
  });

  it("the fence denies ingress, and allows egress to DNS and to public addresses on 443 only", () => {
    assert.deepEqual(baseObjects.get("NetworkPolicy/gh-runner-default-deny-all")!["spec"].policyTypes, ["Ingress", "Egress"]);
    assert.equal(baseObjects.get("NetworkPolicy/gh-runner-default-deny-all")!["spec"].ingress, undefined);
    assert.deepEqual(baseObjects.get("NetworkPolicy/gh-runner-allow-dns-egress")!["spec"].egress[0].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    assert.deepEqual(baseObjects.get("NetworkPolicy/gh-runner-allow-https-egress-public")!["spec"].egress, [
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"] } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });

  it("the rendered stack passes every isolation claim of the fleet audit, for both runners", () => {
    const audit = auditFleet(auditableObjects(base), NETWORK);
    assert.deepEqual(audit.isolation.runnerPods, ["my-reforge-ai/Deployment/codex-gh-runner", "my-reforge-ai/Deployment/gemini-gh-runner"]);
    assert.equal(audit.isolation.claims.length, 18);
    for (const c of audit.isolation.claims) assert.ok(c.pass, `${c.pod} ${c.claim}: ${c.responsible.join("; ")}`);
    assert.ok(audit.isolation.pass);
  });

  it("runner-fleet audit passes on the stack with no flags; diff against the baseline names the three policies a first up would create", () => {
    const a = cli("audit", "infra/pulumi/gh-runner");
    assert.equal(a.status, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /audit: every claim holds/);
    const d = cli("diff", "infra/pulumi/gh-runner", "--against", "deploy/gh-runner/deployment.yaml");
    assert.equal(d.status, 1, d.stdout + d.stderr);
    const created = d.stdout.split("\n").filter((l) => l.startsWith("+ ")).map((l) => /NetworkPolicy my-reforge-ai\/(\S+): only in stack/.exec(l)?.[1]);
    assert.deepEqual(created, FENCE.map((id) => id.replace("NetworkPolicy/", "")));
    assert.match(d.stdout, /^drift: 3 would be created, 3 unchanged$/m);
  });

  it("changing the namespace changes only metadata.namespace of every object", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:namespace"] = "runners-2"; })));
    for (const [id, obj] of baseObjects) assert.deepEqual(changedPaths(obj, r.get(id)), ["metadata.namespace"], id);
  });

  it("changing one runner's image changes only that container image", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { (c["gh-runner:runners"] as Runners)[1]!["image"] = "ghcr.io/my-reforge-ai/gh-runner-gemini:2.330.0"; })));
    assert.deepEqual(changedPaths(baseObjects.get("Deployment/gemini-gh-runner"), r.get("Deployment/gemini-gh-runner")), ["spec.template.spec.containers[0].image"]);
    assert.deepEqual(changedPaths(baseObjects.get("Deployment/codex-gh-runner"), r.get("Deployment/codex-gh-runner")), []);
    assert.equal(r.get("Deployment/gemini-gh-runner")!["spec"].template.spec.containers[0].image, "ghcr.io/my-reforge-ai/gh-runner-gemini:2.330.0");
  });

  it("changing labels changes only the runner's label variable", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { (c["gh-runner:runners"] as Runners)[0]!["labels"] = ["codex", "gpu"]; })));
    const codex = r.get("Deployment/codex-gh-runner")!;
    const env = codex["spec"].template.spec.containers[0].env as Obj[];
    const i = env.findIndex((e) => e["name"] === "ACTIONS_RUNNER_INPUT_LABELS");
    assert.deepEqual(changedPaths(baseObjects.get("Deployment/codex-gh-runner"), codex), [`spec.template.spec.containers[0].env[${i}].value`]);
    assert.equal(env[i]!["value"], "codex,gpu");
  });

  it("changing replicas changes only spec.replicas", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { (c["gh-runner:runners"] as Runners)[0]!["replicas"] = 3; })));
    assert.deepEqual(changedPaths(baseObjects.get("Deployment/codex-gh-runner"), r.get("Deployment/codex-gh-runner")), ["spec.replicas"]);
    assert.equal(r.get("Deployment/codex-gh-runner")!["spec"].replicas, 3);
  });

  it("adding a third runner adds exactly one Deployment, which the fence selects too, and leaves the others unchanged", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      (c["gh-runner:runners"] as Runners).push({ name: "opencode", image: "ghcr.io/my-reforge-ai/gh-runner-opencode:2.329.0", labels: ["opencode"], volumes: [{ claimName: "opencode-home", mountPath: "/home/runner" }] });
    })));
    assert.deepEqual([...r.keys()].sort(), [...baseObjects.keys(), "Deployment/opencode-gh-runner"].sort());
    for (const [id, obj] of baseObjects) assert.deepEqual(changedPaths(obj, r.get(id)), FENCE.includes(id) ? ["spec.podSelector.matchExpressions[0].values[2]"] : [], id);
    for (const id of FENCE) assert.deepEqual(r.get(id)!["spec"].podSelector.matchExpressions[0].values, ["codex-gh-runner", "gemini-gh-runner", "opencode-gh-runner"], id);
    const opencode = r.get("Deployment/opencode-gh-runner")!;
    assert.equal(opencode["spec"].template.spec.volumes[0].persistentVolumeClaim.claimName, "opencode-home");
  });

  it("refuses an unknown stack setting, naming it", async () => {
    const file = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:runnerz"] = []; });
    await assert.rejects(render(file), (e: Error) => e.name === "ConfigError" && /runnerz: is not a setting of gh-runner\. Fix: did you mean runners\?/s.test(e.message));
  });

  it("refuses a githubToken in plain text without quoting it", async () => {
    const file = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:githubToken"] = "ghp_CANARYplaintext123"; });
    await assert.rejects(render(file), (e: Error) => /githubToken: is set in plain text but must be a secret \(its value is not shown\)\. Fix: .*pulumi config set --secret githubToken/.test(e.message) && !e.message.includes("CANARY"));
  });

  it("reports unknown keys together with the fleet's own problems", async () => {
    const file = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      c["gh-runner:namspace"] = "x";
      (c["gh-runner:runners"] as Runners)[0]!["replcias"] = 2;
    });
    await assert.rejects(render(file), (e: Error) => /namspace: is not a setting of gh-runner\. Fix: did you mean namespace\?/.test(e.message) && /runners\[0\]\.replcias: is not a known key .*Fix: did you mean replicas\?/.test(e.message));
  });

  it("a secret githubToken, handed over decrypted as the Pulumi CLI does, appears nowhere in the render", async () => {
    const canary = "ghp_CANARYdecrypted0123456789abcdef";
    const r = await renderStack(GH_RUNNER_STACK, { stack: "dev", secretValues: { githubToken: canary } });
    assert.ok(r.resources.length > 0);
    assert.ok(!JSON.stringify(r).includes(canary));
  });

  it("refuses a missing githubRepo and bad runner config before rendering anything", async () => {
    const file = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      delete c["gh-runner:githubRepo"];
      (c["gh-runner:runners"] as Runners)[0]!["replicas"] = -1;
    });
    await assert.rejects(render(file), (e: Error) => /githubRepo: is not set, and runners\[0\] registers through ACTIONS_RUNNER_INPUT_URL, which needs it\. Fix: set githubRepo/.test(e.message) && /runners\[0\]\.replicas: -1/.test(e.message));
    const file2 = editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { (c["gh-runner:runners"] as Runners)[0]!["replicas"] = -1; });
    await assert.rejects(render(file2), (e: Error) => /runners\[0\]\.replicas: -1 is not a whole number/.test(e.message));
  });

  it("registration: jit on one runner adds the scripts ConfigMap and the minter to that Deployment only; the credential Secret is only referenced", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      const codex = (c["gh-runner:runners"] as Runners)[0]!;
      codex["registration"] = "jit";
      codex["jit"] = { secretName: "github-runner-app", auth: "app" };
      codex["env"] = (codex["env"] as Obj[]).filter((e) => e["name"] !== "ACTIONS_RUNNER_INPUT_TOKEN");
    })));
    assert.deepEqual([...r.keys()].sort(), ["ConfigMap/codex-config-gh-runner", "ConfigMap/github-jit-gh-runner", "Deployment/codex-gh-runner", "Deployment/gemini-gh-runner", ...FENCE]);
    for (const id of ["ConfigMap/codex-config-gh-runner", "Deployment/gemini-gh-runner"]) assert.deepEqual(changedPaths(baseObjects.get(id), r.get(id)), [], id);
    const spec = r.get("Deployment/codex-gh-runner")!["spec"].template.spec;
    assert.deepEqual((spec.containers as Obj[]).map((c) => c["name"]), ["runner", "jit-minter"]);
    assert.deepEqual((spec.volumes as Obj[]).filter((v) => v["secret"]).map((v) => v["secret"].secretName), ["github-runner-app"]);
    assert.doesNotMatch(JSON.stringify(spec), /ACTIONS_RUNNER_INPUT_/);
  });

  it("networkPolicies: false, the opt-out, renders no NetworkPolicy, leaves every other object unchanged, and the audit names what the pods then reach", async () => {
    const open = await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:networkPolicies"] = false; }));
    const r = objectsOf(open);
    assert.deepEqual([...r.keys()].sort(), BASELINE);
    for (const id of BASELINE) assert.deepEqual(changedPaths(baseObjects.get(id), r.get(id)), [], id);
    const failed = new Set(auditFleet(auditableObjects(open), NETWORK).isolation.claims.filter((c) => !c.pass).map((c) => c.claim));
    assert.deepEqual([...failed].sort(), ["kubernetes-service-unreachable", "metadata-unreachable", "node-apiserver-unreachable", "node-kubelet-unreachable", "other-namespace-pods-unreachable", "unreachable-from-other-namespaces"]);
  });

  it("extraEgress adds one policy per entry, named after it, that opens its block on its ports; every other object and every isolation claim unchanged", async () => {
    const rendered = await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:extraEgress"] = [MCP]; }));
    const r = objectsOf(rendered);
    assert.deepEqual([...r.keys()].sort(), [...BASELINE, "NetworkPolicy/gh-runner-allow-egress-mcp", ...FENCE].sort());
    for (const [id, obj] of baseObjects) assert.deepEqual(changedPaths(obj, r.get(id)), [], id);
    const mcp = r.get("NetworkPolicy/gh-runner-allow-egress-mcp")!;
    assert.deepEqual(mcp["spec"], {
      podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["codex-gh-runner", "gemini-gh-runner"] }] },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.5.10/32" } }], ports: [{ protocol: "TCP", port: 8443 }] }],
    });
    const audit = auditFleet(auditableObjects(rendered), NETWORK);
    for (const c of audit.isolation.claims) assert.ok(c.pass, `${c.pod} ${c.claim}: ${c.responsible.join("; ")}`);
  });

  it("the extraEgress example commented out in Pulumi.dev.yaml is valid: uncommented, it adds gh-runner-allow-egress-mcp", async () => {
    const text = readFileSync(join(GH_RUNNER_STACK, "Pulumi.dev.yaml"), "utf8");
    const uncommented = text.replace(/^ {2}# (gh-runner:extraEgress:| {2}- \{ name: mcp, .*)$/gm, "  $1");
    assert.equal(uncommented.split("\n").length, text.split("\n").length);
    assert.notEqual(uncommented, text, "the example is in Pulumi.dev.yaml");
    const file = join(mkdtempSync(join(tmpdir(), "rf-gh-runner-")), "Pulumi.dev.yaml");
    writeFileSync(file, uncommented);
    const r = objectsOf(await render(file));
    assert.deepEqual([...r.keys()].filter((id) => !baseObjects.has(id)), ["NetworkPolicy/gh-runner-allow-egress-mcp"]);
    assert.deepEqual(r.get("NetworkPolicy/gh-runner-allow-egress-mcp")!["spec"].egress, [{ to: [{ ipBlock: { cidr: "10.0.5.10/32" } }], ports: [{ protocol: "TCP", port: 8443 }] }]);
  });

  it("refuses extraEgress with networkPolicies: false, and a bad entry, naming the key and the fix", async () => {
    await refuses(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:networkPolicies"] = false; c["gh-runner:extraEgress"] = [MCP]; }),
      "extraEgress", /lists destinations while networkPolicies is false/, /remove extraEgress, or remove networkPolicies: false/);
    await refuses(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:extraEgress"] = [{ ...MCP, cidr: "10.0.5.10", ports: [{ port: 70000 }] }]; }),
      "extraEgress[0].cidr", /"10\.0\.5\.10" is not a CIDR block/, /one address is a \/32/);
    await refuses(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:extraEgress"] = [{ ...MCP, ports: [{ port: 70000 }] }]; }),
      "extraEgress[0].ports[0].port", /more than the maximum of 65535/, /1 to 65535/);
  });

  it("refuses, with the fence on, a runner whose pods lack app: <Deployment name>, naming the label and the opt-out", async () => {
    await refuses(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      const codex = (c["gh-runner:runners"] as Runners)[0]!;
      codex["selector"] = { app: "codex-gh-runner" };
      codex["podMetadata"] = { labels: { app: "codex" } };
    }), "runners[0].selector.app", /selects its pods by app: codex-gh-runner, which the pod labels give another value/, /add app: codex-gh-runner to podMetadata\.labels/);
    await refuses(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      const codex = (c["gh-runner:runners"] as Runners)[0]!;
      codex["selector"] = { role: "codex" };
      codex["podMetadata"] = { labels: { role: "codex" } };
    }), "runners[0].podMetadata.labels", /lacks app: codex-gh-runner, by which the fleet's NetworkPolicies select its pods/, /add app: codex-gh-runner to podMetadata\.labels, or set networkPolicies: false/);
  });
});
