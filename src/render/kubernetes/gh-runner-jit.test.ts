// Render tests of registration: jit: strict Kubernetes schemas, Pod Security restricted, the
// credential Secret mounted in the minter only, the runner started through the wrapper, and no
// credential in the rendered documents.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.js";
import { resolveKubernetesFleet } from "../../model/kubernetes-fleet.ts";
import { CREDENTIAL_VALUE } from "../../model/credential-shape.ts";
import { renderKubernetesFleet } from "./index.ts";
import { JIT_MINT_SCRIPT, JIT_POD_PATHS, JIT_RUN_SCRIPT } from "../scripts/github-jit.ts";
import { checkPodSecurity } from "../../audit/pod-security/index.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const fleet = resolveKubernetesFleet({
  namespace: "ci",
  githubRepo: "acme/app",
  runners: [
    { name: "jit", image: "ghcr.io/actions/actions-runner:2.329.0", registration: "jit", labels: ["fenced"], jit: { secretName: "github-runner-app", auth: "app", runnerGroupId: 4 }, env: [{ name: "OPENAI_API_KEY", secretKeyRef: { name: "ai", key: "openai" } }], containerSecurityContext: { runAsUser: 1001, runAsGroup: 1001 } },
    { name: "pat", image: "ghcr.io/actions/actions-runner:2.329.0", registration: "jit", jit: { secretName: "github-pat", auth: "token", keys: { token: "pat" } } },
    { name: "classic", image: "ghcr.io/actions/actions-runner:2.329.0", env: [{ name: "ACTIONS_RUNNER_INPUT_TOKEN", secretKeyRef: { name: "reg", key: "token" } }] },
  ],
});
const docs = renderKubernetesFleet(fleet);
const [jit, pat, classic] = docs.deployments.map((d) => d.spec!.template.spec!);
const container = (spec: typeof jit, name: string): Container => spec!.containers.find((c) => c.name === name)!;

describe("registration: jit, rendered", () => {
  it("every object passes the strict Kubernetes schemas", async () => {
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const all = [...docs.configMaps, ...docs.deployments];
    const results = await validateDocuments(all.map((doc, index) => ({ file: "render", index, doc })), loader);
    assert.equal(results.length, 4);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("every pod template meets Pod Security restricted, the minter included", () => {
    for (const d of docs.deployments) {
      const result = checkPodSecurity(d.spec!.template);
      assert.deepEqual([...result.baseline, ...result.restricted], [], d.metadata?.name);
    }
  });

  it("one ConfigMap holds both scripts, whatever the number of JIT runners", () => {
    const scripts = docs.configMaps.filter((c) => c.metadata?.name === "github-jit-gh-runner");
    assert.equal(scripts.length, 1);
    assert.deepEqual(scripts[0]!.data, { "mint-jit.sh": JIT_MINT_SCRIPT, "run-jit.sh": JIT_RUN_SCRIPT });
  });

  it("the runner starts through the wrapper; only the minter mounts the credential Secret", () => {
    const runner = container(jit, "runner");
    assert.deepEqual(runner.command, ["/bin/sh", JIT_POD_PATHS.runScript]);
    assert.equal(runner.args, undefined);
    assert.deepEqual(runner.env?.map((e) => e.name), ["JIT_DIR", "JIT_RUN_SCRIPT", "OPENAI_API_KEY"]);
    const minter = container(jit, "jit-minter");
    assert.deepEqual(minter.command, ["/bin/sh", JIT_POD_PATHS.mintScript, "serve"]);
    const secretVolume = jit!.volumes!.find((v) => v.secret?.secretName === "github-runner-app")!;
    assert.deepEqual(secretVolume.secret!.items, [{ key: "github_app_id", path: "app-id" }, { key: "github_app_installation_id", path: "installation-id" }, { key: "github_app_private_key", path: "private-key" }]);
    const mounting = jit!.containers.filter((c) => c.volumeMounts?.some((m) => m.name === secretVolume.name)).map((c) => c.name);
    assert.deepEqual(mounting, ["jit-minter"]);
    assert.deepEqual(pat!.volumes!.find((v) => v.secret !== undefined)!.secret!.items, [{ key: "pat", path: "token" }]);
  });

  it("the hand-over directory is in memory and shared by the two containers; the minter runs as the runner's user", () => {
    const handOver = jit!.volumes!.find((v) => v.name === "jit")!;
    assert.deepEqual(handOver.emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
    for (const name of ["runner", "jit-minter"]) assert.ok(container(jit, name).volumeMounts!.some((m) => m.name === "jit" && m.mountPath === JIT_POD_PATHS.handOverDir), name);
    const sc = container(jit, "jit-minter").securityContext!;
    assert.deepEqual([sc.runAsUser, sc.runAsGroup], [1001, 1001]);
    assert.deepEqual([container(pat, "jit-minter").securityContext!.runAsUser], [1000]);
  });

  it("the JIT request and scope are the minter's environment; no credential and no registration variable anywhere", () => {
    const env = Object.fromEntries((container(jit, "jit-minter").env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual(JSON.parse(env["JIT_REQUEST"] as string), { runner_group_id: 4, labels: ["self-hosted", "linux", "x64", "fenced"], work_folder: "_work" });
    assert.equal(env["JIT_RUNNERS_PATH"], "/repos/acme/app/actions/runners");
    assert.deepEqual(env["RUNNER_NAME"], { fieldRef: { fieldPath: "metadata.name" } });
    const text = JSON.stringify([docs.deployments[0], docs.deployments[1]]);
    assert.doesNotMatch(text, /ACTIONS_RUNNER_INPUT_/);
    const values: string[] = [];
    JSON.stringify(docs, (_k, v: unknown) => (typeof v === "string" ? (values.push(v), v) : v));
    assert.deepEqual(values.filter((v) => CREDENTIAL_VALUE.test(v)), []);
  });

  it("the token-Secret mode renders as before, without the scripts or the minter", () => {
    assert.deepEqual(classic!.containers.map((c) => c.name), ["runner"]);
    assert.ok(classic!.containers[0]!.env!.some((e) => e.name === "ACTIONS_RUNNER_INPUT_URL"));
    const only = renderKubernetesFleet(resolveKubernetesFleet({ namespace: "ci", githubRepo: "acme/app", runners: [{ name: "classic", image: "ghcr.io/actions/actions-runner:2.329.0" }] }));
    assert.deepEqual(only.configMaps, []);
  });
});
