// Stack tests: the infra/pulumi/gh-runner program run offline with its Pulumi.dev.yaml.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

describe("gh-runner stack (offline, Pulumi.dev.yaml)", async () => {
  const base = await render();
  const baseObjects = objectsOf(base);

  it("creates exactly the ConfigMap and the two Deployments, inside the component", () => {
    assert.deepEqual([...baseObjects.keys()].sort(), ["ConfigMap/codex-config-gh-runner", "Deployment/codex-gh-runner", "Deployment/gemini-gh-runner"]);
    assert.deepEqual(base.resources.map((r) => `${r.type}::${r.name}`), [
      "runner-fleet:kubernetes:KubernetesRunners::gh-runner",
      "kubernetes:apps/v1:Deployment::codex-gh-runner",
      "kubernetes:apps/v1:Deployment::gemini-gh-runner",
      "kubernetes:core/v1:ConfigMap::codex-config-gh-runner",
    ]);
    assert.deepEqual(base.outputs["deployments"], ["codex-gh-runner", "gemini-gh-runner"]);
  });

  it("reproduces deploy/gh-runner/deployment.yaml exactly", () => {
    const manifest = parseAllDocuments(readFileSync(join(REPO, "deploy/gh-runner/deployment.yaml"), "utf8")).map((d) => d.toJS() as Obj).filter(Boolean);
    const expected = byId(manifest);
    assert.deepEqual([...expected.keys()].sort(), [...baseObjects.keys()].sort());
    for (const [id, obj] of expected) assert.deepEqual(changedPaths(obj, baseObjects.get(id)), [], id);
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

  it("adding a third runner adds exactly one Deployment and leaves the others unchanged", async () => {
    const r = objectsOf(await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => {
      (c["gh-runner:runners"] as Runners).push({ name: "opencode", image: "ghcr.io/my-reforge-ai/gh-runner-opencode:2.329.0", labels: ["opencode"], volumes: [{ claimName: "opencode-home", mountPath: "/home/runner" }] });
    })));
    assert.deepEqual([...r.keys()].sort(), [...baseObjects.keys(), "Deployment/opencode-gh-runner"].sort());
    for (const [id, obj] of baseObjects) assert.deepEqual(changedPaths(obj, r.get(id)), [], id);
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
    assert.deepEqual([...r.keys()].sort(), ["ConfigMap/codex-config-gh-runner", "ConfigMap/github-jit-gh-runner", "Deployment/codex-gh-runner", "Deployment/gemini-gh-runner"]);
    for (const id of ["ConfigMap/codex-config-gh-runner", "Deployment/gemini-gh-runner"]) assert.deepEqual(changedPaths(baseObjects.get(id), r.get(id)), [], id);
    const spec = r.get("Deployment/codex-gh-runner")!["spec"].template.spec;
    assert.deepEqual((spec.containers as Obj[]).map((c) => c["name"]), ["runner", "jit-minter"]);
    assert.deepEqual((spec.volumes as Obj[]).filter((v) => v["secret"]).map((v) => v["secret"].secretName), ["github-runner-app"]);
    assert.doesNotMatch(JSON.stringify(spec), /ACTIONS_RUNNER_INPUT_/);
  });

  it("networkPolicies: true adds the three fence policies around the runner pods, leaves every other object unchanged, and every isolation claim holds", async () => {
    const fenced = await render(editedStackConfig(GH_RUNNER_STACK, "dev", (c) => { c["gh-runner:networkPolicies"] = true; }));
    const r = objectsOf(fenced);
    assert.deepEqual([...r.keys()].filter((k) => k.startsWith("NetworkPolicy/")).sort(), [
      "NetworkPolicy/gh-runner-allow-dns-egress",
      "NetworkPolicy/gh-runner-allow-https-egress-public",
      "NetworkPolicy/gh-runner-default-deny-all",
    ]);
    for (const [id, obj] of baseObjects) assert.deepEqual(changedPaths(obj, r.get(id)), [], id);
    const audit = auditFleet(auditableObjects(fenced), { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] });
    assert.ok(audit.isolation.pass, "every isolation claim holds");
  });
});
