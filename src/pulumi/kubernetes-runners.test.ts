// Component tests: KubernetesRunners under Pulumi mocks, recording what it registers.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, type Registered } from "../../test/pulumi-mocks.ts";
import type { GhRunnerFleetInput } from "../model/gh-runner.ts";

let registered: Registered[] = [];

before(async () => {
  ({ registered } = await recordingMocks("component-test"));
});


const fleet: GhRunnerFleetInput = {
  namespace: "ci",
  githubRepo: "acme/app",
  codexConfig: { enabled: true, configToml: 'model = "o3"\n' },
  runners: [
    {
      name: "codex",
      image: "ghcr.io/acme/codex:1.2.3",
      env: [{ name: "ACTIONS_RUNNER_INPUT_TOKEN", secretKeyRef: { name: "runner-secret", key: "token" } }],
      volumes: [{ claimName: "codex-home", mountPath: "/home/runner" }],
      configFiles: [{ configMap: "codex-config", key: "config.toml", mountPath: "/home/runner/.codex/config.toml" }],
    },
    { name: "gemini", image: "ghcr.io/acme/gemini:1.2.3", replicas: 2 },
  ],
};
/** The fleet in namespace `ns`: object names are unique per program, and the tests share one. */
const inNamespace = (ns: string): GhRunnerFleetInput => ({ ...fleet, namespace: ns });

describe("KubernetesRunners component", async () => {
  const { KubernetesRunners } = await import("./kubernetes-runners.ts");

  it("registers one ConfigMap per payload and one Deployment per runner, parented to the component, with stable names", async () => {
    registered.length = 0;
    const c = new KubernetesRunners("fleet", { fleet });
    const urns = await Promise.all([c.urn, ...c.configMaps.map((r) => r.urn), ...c.deployments.map((r) => r.urn)].map(promiseOf));
    assert.equal(urns[0], "urn:pulumi:test::component-test::runner-fleet:kubernetes:KubernetesRunners::fleet");
    assert.deepEqual(urns.slice(1), [
      "urn:pulumi:test::component-test::runner-fleet:kubernetes:KubernetesRunners$kubernetes:core/v1:ConfigMap::codex-config-gh-runner",
      "urn:pulumi:test::component-test::runner-fleet:kubernetes:KubernetesRunners$kubernetes:apps/v1:Deployment::codex-gh-runner",
      "urn:pulumi:test::component-test::runner-fleet:kubernetes:KubernetesRunners$kubernetes:apps/v1:Deployment::gemini-gh-runner",
    ]);
    assert.deepEqual(await promiseOf(c.deploymentNames), ["codex-gh-runner", "gemini-gh-runner"]);
    const types = registered.map((r) => r.type).sort();
    const policy = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    assert.deepEqual(types, ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:ConfigMap", policy, policy, policy, KubernetesRunners.TYPE]);
  });

  it("never creates a Secret, a PersistentVolumeClaim or a Namespace", async () => {
    registered.length = 0;
    const c = new KubernetesRunners("refs-only", { fleet: inNamespace("refs") });
    await Promise.all(c.deployments.map((d) => promiseOf(d.urn)));
    assert.ok(registered.length > 0);
    for (const r of registered) assert.doesNotMatch(r.type, /Secret|PersistentVolumeClaim|Namespace/);
    const codex = registered.find((r) => r.name === "codex-gh-runner")!;
    const spec = (codex.inputs["spec"] as { template: { spec: { volumes: { persistentVolumeClaim?: { claimName: string } }[] } } }).template.spec;
    assert.deepEqual(spec.volumes.filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim!.claimName), ["codex-home"]);
  });

  it("sets metadata.name explicitly so Pulumi adds no random suffix", async () => {
    registered.length = 0;
    const c = new KubernetesRunners("named", { fleet: inNamespace("named") });
    await Promise.all(c.deployments.map((d) => promiseOf(d.urn)));
    for (const r of registered.filter((x) => x.type.startsWith("kubernetes:"))) {
      assert.equal((r.inputs["metadata"] as { name: string }).name, r.name);
      assert.equal((r.inputs["metadata"] as { namespace: string }).namespace, "named");
    }
  });

  it("adoptExisting imports the running objects by namespace/name", async () => {
    const imports: Record<string, string | undefined> = {};
    const c = new KubernetesRunners("adopt", { fleet: inNamespace("adopt"), adoptExisting: true }, {
      transformations: [(a) => { imports[a.name] = (a.opts as pulumi.CustomResourceOptions).import as string | undefined; return undefined; }],
    });
    await Promise.all(c.deployments.map((d) => promiseOf(d.urn)));
    assert.equal(imports["codex-gh-runner"], "adopt/codex-gh-runner");
    assert.equal(imports["codex-config-gh-runner"], "adopt/codex-config-gh-runner");
  });

  it("refuses bad config before registering anything", () => {
    registered.length = 0;
    assert.throws(
      () => new KubernetesRunners("bad", { fleet: { ...fleet, runners: [{ name: "x", image: "busybox:latest" }] } }),
      (e: Error) => e.name === "ConfigError" && /runners\[0\]\.image/.test(e.message),
    );
    assert.equal(registered.filter((r) => r.name === "bad").length, 0);
  });

  it("a Forgejo fleet: a ConfigMap and a Deployment per runner behind three NetworkPolicies, pools, and no Secret", async () => {
    registered.length = 0;
    const c = new KubernetesRunners("forgejo", {
      fleet: { forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", replicas: 2, labels: ["k8s:host", "small:host"] }] },
    });
    await Promise.all(c.deployments.map((d) => promiseOf(d.urn)));
    assert.deepEqual(registered.map((r) => `${r.type}::${r.name}`).sort(), [
      "kubernetes:apps/v1:Deployment::build-forgejo-runner",
      "kubernetes:core/v1:ConfigMap::build-forgejo-runner-config",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::forgejo-runner-allow-dns-egress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::forgejo-runner-allow-https-egress-public",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::forgejo-runner-default-deny-all",
      `${KubernetesRunners.TYPE}::forgejo`,
    ]);
    assert.equal(c.fleet.forge, "forgejo");
    assert.deepEqual(c.pools, [{ name: "build-forgejo-runner", forge: "forgejo", substrate: "kubernetes-deployment", labels: ["k8s", "small"], min: 2, max: 2, oneJob: false, isolation: "container", registration: { url: "https://code.example.com" } }]);
  });

  it("a GitHub fleet's pools carry GitHub's implicit labels", () => {
    const c = new KubernetesRunners("pools", { fleet: inNamespace("pools") });
    assert.deepEqual(c.pools.map((p) => [p.name, p.labels, p.min, p.oneJob]), [["codex-gh-runner", ["self-hosted", "linux", "x64"], 1, false], ["gemini-gh-runner", ["self-hosted", "linux", "x64"], 2, false]]);
    assert.equal(c.networkPolicies.length, 3, "GitHub fleets are fenced unless networkPolicies is false");
  });
});

describe("object names are unique across the runner components of a program", async () => {
  const { KubernetesRunners } = await import("./kubernetes-runners.ts");
  it("a second component rendering a Deployment of the same name and namespace is refused before anything is registered", async () => {
    new KubernetesRunners("first", { fleet: inNamespace("dup") });
    const before = registered.length;
    assert.throws(
      () => new KubernetesRunners("second", { fleet: { ...inNamespace("dup"), codexConfig: { enabled: false }, runners: [fleet.runners[1]!] } }),
      (e: Error) => {
        assert.match(e.message, /component runner-fleet:kubernetes:KubernetesRunners "second": Deployment dup\/gemini-gh-runner: is also rendered by component runner-fleet:kubernetes:KubernetesRunners "first"/);
        assert.match(e.message, /Fix: give the runners of one component other names, or run them in another namespace/);
        return true;
      },
    );
    await new Promise((r) => setImmediate(r));
    assert.ok(registered.every((r) => r.name !== "second"), "nothing of the refused component is registered");
    assert.ok(registered.length >= before);
  });
  it("the same runner names in another namespace are other objects", () => {
    new KubernetesRunners("production", { fleet: inNamespace("production") });
    assert.doesNotThrow(() => new KubernetesRunners("staging", { fleet: inNamespace("staging") }));
  });
});
