import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveGhRunnerFleet } from "../../model/gh-runner.ts";
import { renderGhRunnerFleet } from "../../render/kubernetes/gh-runner.ts";
import { profilesFromResources, profilesFromStacks, type RenderedResourceLike } from "./fleet-profiles.ts";

const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

function deployment(name: string, vars: Record<string, string>, extra: { replicas?: number; runtimeClassName?: string; arch?: string } = {}): RenderedResourceLike {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name,
    custom: true,
    inputs: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "runners" },
      spec: {
        ...(extra.replicas === undefined ? {} : { replicas: extra.replicas }),
        template: {
          spec: {
            ...(extra.runtimeClassName === undefined ? {} : { runtimeClassName: extra.runtimeClassName }),
            ...(extra.arch === undefined ? {} : { nodeSelector: { "kubernetes.io/arch": extra.arch } }),
            containers: [{ name: "runner", image: "runner:2.329.0", env: [{ name: "ACTIONS_RUNNER_INPUT_URL", value: "https://github.com/o/r" }, ...env(vars)] }],
          },
        },
      },
    },
  };
}

test("a runner Deployment becomes a persistent, trusted profile with the runner's implicit labels", () => {
  const { profiles, issues } = profilesFromResources([deployment("codex-gh-runner", { ACTIONS_RUNNER_INPUT_LABELS: "codex, agents" }, { replicas: 2 })], "infra/pulumi/gh-runner");
  assert.deepEqual(issues, []);
  assert.deepEqual(profiles, [{
    name: "codex-gh-runner",
    description: "rendered from infra/pulumi/gh-runner (Deployment codex-gh-runner)",
    forge: "github",
    labels: ["self-hosted", "linux", "x64", "codex", "agents"],
    trust: "trusted",
    fenced: false,
    ephemeral: false,
    substrate: "kubernetes-deployment",
    runnerGroup: "Default",
    maxParallelPerJob: 2,
    maxConcurrentPerWorkflow: 2,
  }]);
});

test("ephemeral runners under a Kata RuntimeClass are fenced and untrusted; arm64 nodes give arm64", () => {
  const [p] = profilesFromResources([deployment("fc", { ACTIONS_RUNNER_INPUT_LABELS: "firecracker", ACTIONS_RUNNER_INPUT_EPHEMERAL: "true", ACTIONS_RUNNER_INPUT_RUNNERGROUP: "forks" }, { runtimeClassName: "kata-fc", arch: "arm64" })], "s").profiles;
  assert.deepEqual(p!.labels, ["self-hosted", "linux", "arm64", "firecracker"]);
  assert.equal(p!.ephemeral, true);
  assert.equal(p!.fenced, true);
  assert.equal(p!.trust, "untrusted");
  assert.equal(p!.runnerGroup, "forks");
  assert.equal(p!.maxParallelPerJob, 1, "a Deployment without replicas runs one pod");
  const [ephemeralOnly] = profilesFromResources([deployment("e", { ACTIONS_RUNNER_INPUT_EPHEMERAL: "true" })], "s").profiles;
  assert.equal(ephemeralOnly!.trust, "trusted", "ephemeral containers without a microVM are not for outsiders");
  assert.deepEqual(ephemeralOnly!.labels, ["self-hosted", "linux", "x64"]);
});

test("--no-default-labels drops the implicit labels", () => {
  const [p] = profilesFromResources([deployment("n", { ACTIONS_RUNNER_INPUT_LABELS: "only", ACTIONS_RUNNER_INPUT_NO_DEFAULT_LABELS: "true" })], "s").profiles;
  assert.deepEqual(p!.labels, ["only"]);
});

test("other resources, stopped runners and component resources serve no jobs", () => {
  const web = deployment("web", {});
  (web.inputs["spec"] as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0]!.env = [{ name: "PORT", value: "80" }];
  const { profiles, issues } = profilesFromResources(
    [
      web,
      deployment("stopped", { ACTIONS_RUNNER_INPUT_LABELS: "x" }, { replicas: 0 }),
      { type: "kubernetes:core/v1:ConfigMap", name: "c", inputs: { data: { ACTIONS_RUNNER_INPUT_LABELS: "x" } } },
      { type: "runner-fleet:index:KubernetesRunners", name: "k", custom: false, inputs: {} },
    ],
    "s",
  );
  assert.deepEqual(profiles, []);
  assert.deepEqual(issues, []);
});

test("labels that are not rendered as a literal are an issue naming the resource and the fix", () => {
  const r = deployment("hidden", {});
  const containers = (r.inputs["spec"] as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers;
  containers[0]!.env.push({ name: "ACTIONS_RUNNER_INPUT_LABELS", valueFrom: { configMapKeyRef: { name: "x", key: "labels" } } });
  const { profiles, issues } = profilesFromResources([r], "stack-a");
  assert.deepEqual(profiles, []);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, "stack-a: Deployment hidden, container runner, env ACTIONS_RUNNER_INPUT_LABELS");
  assert.match(issues[0]!.fix, /runners\[\]\.labels/);
});

test("an ARC scale set's labels are its name and scaleSetLabels; its budget is maxRunners", () => {
  const release = (values: Record<string, unknown>): RenderedResourceLike => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "arc",
    inputs: { chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set", name: "arc-firecracker", values },
  });
  const { profiles } = profilesFromResources([release({ scaleSetLabels: ["firecracker"], maxRunners: 6, template: { spec: { runtimeClassName: "kata-fc" } } })], "s");
  assert.deepEqual(profiles.map((p) => [p.name, p.labels, p.ephemeral, p.fenced, p.trust, p.substrate, p.maxParallelPerJob]), [
    ["arc-firecracker", ["arc-firecracker", "firecracker"], true, true, "untrusted", "arc-scale-set", 6],
  ]);
  const { issues } = profilesFromResources([release({})], "s");
  assert.equal(issues[0]!.path, "s: runner scale set arc-firecracker: maxRunners");
  assert.equal(issues[0]!.fix, "set maxRunners on the scale set");
  const controller = { ...release({ maxRunners: 1 }), inputs: { chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller" } };
  assert.deepEqual(profilesFromResources([controller], "s").profiles, []);
});

test("profiles of several stacks are checked as one fleet", () => {
  const trusted = deployment("persistent", { ACTIONS_RUNNER_INPUT_LABELS: "build" });
  const untrusted = deployment("forks", { ACTIONS_RUNNER_INPUT_LABELS: "build", ACTIONS_RUNNER_INPUT_EPHEMERAL: "true" }, { runtimeClassName: "kata-fc" });
  const { issues } = profilesFromStacks([{ source: "a", resources: [trusted] }, { source: "b", resources: [untrusted, deployment("persistent", {})] }]);
  assert.ok(issues.some((i) => /already the name of profile "persistent"/.test(i.message)), JSON.stringify(issues));
  assert.ok(issues.some((i) => /job aimed at "forks" can land on a trusted runner/.test(i.message)), JSON.stringify(issues));
});

test("the Deployments the gh-runner renderer produces read back as the runners' labels and budgets", () => {
  const fleet = resolveGhRunnerFleet({
    namespace: "ci",
    githubRepo: "my-org/my-repo",
    runners: [
      { name: "codex", image: "ghcr.io/my-org/gh-runner-codex:2.329.0", labels: ["codex"], replicas: 2 },
      { name: "gemini", image: "ghcr.io/my-org/gh-runner-gemini:2.329.0", labels: ["gemini"], ephemeral: true },
    ],
  });
  const resources = renderGhRunnerFleet(fleet).deployments.map((d): RenderedResourceLike => ({ type: "kubernetes:apps/v1:Deployment", name: d.metadata!.name!, inputs: d as unknown as Record<string, unknown> }));
  const { profiles, issues } = profilesFromStacks([{ source: "gh-runner", resources }]);
  assert.deepEqual(issues, []);
  assert.deepEqual(profiles.map((p) => [p.name, p.labels, p.ephemeral, p.maxParallelPerJob]), [
    ["codex-gh-runner", ["self-hosted", "linux", "x64", "codex"], false, 2],
    ["gemini-gh-runner", ["self-hosted", "linux", "x64", "gemini"], true, 1],
  ]);
});

test("rendered resources of any shape give profiles or issues, never an exception or a quoted token", () => {
  const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
  const odd: unknown[] = [null, 42, "text", [], { spec: null }, { spec: { template: { spec: { containers: [null, 1, { env: "x" }, { env: [null, { name: 5 }] }] } } } }];
  const resources: RenderedResourceLike[] = [
    ...odd.map((inputs, i) => ({ type: "kubernetes:apps/v1:Deployment", name: `odd-${i}`, inputs }) as unknown as RenderedResourceLike),
    ...odd.map((inputs, i) => ({ type: "kubernetes:helm.sh/v3:Release", name: `rel-${i}`, inputs: { chart: "oci://x/gha-runner-scale-set", values: inputs } }) as unknown as RenderedResourceLike),
    ...odd.map((spec, i) => ({ type: "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet", name: `ars-${i}`, inputs: { spec, metadata: spec } }) as unknown as RenderedResourceLike),
    deployment(token, { ACTIONS_RUNNER_INPUT_LABELS: `a,${token}` }, { replicas: 1.5 }),
    deployment("twice", { ACTIONS_RUNNER_INPUT_LABELS: "x" }),
    deployment("twice", { ACTIONS_RUNNER_INPUT_LABELS: "x" }),
  ];
  const { profiles, issues } = profilesFromStacks([{ source: "stack", resources }]);
  assert.ok(issues.length > 0);
  assert.ok(issues.some((i) => /spec\.replicas/.test(i.path) && /not a whole number/.test(i.message)));
  for (const i of issues) assert.ok(!JSON.stringify(i).includes("0123456789abcdefghij"), JSON.stringify(i));
  assert.ok(profiles.every((p) => Number.isSafeInteger(p.maxParallelPerJob)));
});

// ---------------------------------------------------------------------------------------------
// Stacks that export runnerPools

const ghPool = (name: string, labels: string[], over: Record<string, unknown> = {}) => ({ name, forge: "github", substrate: "kubernetes-deployment", labels: ["self-hosted", "linux", "x64", ...labels], min: 1, max: 1, oneJob: false, isolation: "container", ...over });

test("a stack without runnerPools keeps the profiles its resources give", () => {
  const resources = [deployment("codex-gh-runner", { ACTIONS_RUNNER_INPUT_LABELS: "codex" })];
  const plain = profilesFromStacks([{ source: "s", resources }]);
  assert.deepEqual(profilesFromStacks([{ source: "s", resources, outputs: { namespace: "runners" } }]), plain);
  assert.deepEqual(profilesFromStacks([{ source: "s", resources, outputs: { runnerPools: undefined } }]), plain);
  assert.deepEqual(plain.profiles.map((p) => p.name), ["codex-gh-runner"]);
});

test("runnerPools that agree with the rendered Deployments and scale sets give the profiles, with the rendered runner group", () => {
  const resources: RenderedResourceLike[] = [
    deployment("codex-gh-runner", { ACTIONS_RUNNER_INPUT_LABELS: "codex", ACTIONS_RUNNER_INPUT_RUNNERGROUP: "agents" }, { replicas: 2 }),
    { type: "kubernetes:helm.sh/v3:Release", name: "arc", inputs: { chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set", name: "arc-firecracker", values: { scaleSetLabels: ["firecracker"], maxRunners: 6, template: { spec: { runtimeClassName: "kata-fc" } } } } },
  ];
  const runnerPools = [
    ghPool("codex-gh-runner", ["codex"], { min: 2, max: 2 }),
    { name: "arc-firecracker", forge: "github", substrate: "arc-scale-set", labels: ["arc-firecracker", "Firecracker"], min: 0, max: 6, oneJob: true, isolation: "microvm" },
    { name: "forgejo-fenced", forge: "forgejo", substrate: "libvirt-vm", labels: ["fenced"], min: 1, max: 1, oneJob: false, isolation: "vm" },
    // Forgejo runners in a Deployment: their labels are in the runner's config file, not compared.
    { name: "forgejo-k8s", forge: "forgejo", substrate: "kubernetes-deployment", labels: ["k8s"], min: 2, max: 2, oneJob: false, isolation: "container" },
    { name: "aws-fips", forge: "github", substrate: "ec2", labels: ["self-hosted", "linux", "build-fips"], min: 0, max: 4, oneJob: true, isolation: "vm" },
  ];
  const { profiles, issues } = profilesFromStacks([{ source: "s", resources, outputs: { runnerPools } }]);
  assert.deepEqual(issues, []);
  assert.deepEqual(profiles.map((p) => [p.name, p.forge, p.substrate, p.trust, p.runnerGroup, p.maxConcurrentPerWorkflow]), [
    ["codex-gh-runner", "github", "kubernetes-deployment", "trusted", "agents", 2],
    ["arc-firecracker", "github", "arc-scale-set", "untrusted", "Default", 6],
    ["forgejo-fenced", "forgejo", "libvirt-vm", "trusted", undefined, 1],
    ["forgejo-k8s", "forgejo", "kubernetes-deployment", "trusted", undefined, 2],
    ["aws-fips", "github", "ec2", "untrusted", "Default", 4],
  ]);
});

test("runnerPools that disagree with the rendered resources are issues naming the pool, what differs and the fix", () => {
  const resources = [
    deployment("codex-gh-runner", { ACTIONS_RUNNER_INPUT_LABELS: "codex" }, { replicas: 2 }),
    deployment("gemini-gh-runner", { ACTIONS_RUNNER_INPUT_LABELS: "gemini" }),
    deployment("stopped", { ACTIONS_RUNNER_INPUT_LABELS: "x" }, { replicas: 0 }),
  ];
  const runnerPools = [
    ghPool("codex-gh-runner", ["codex", "gpu"], { min: 3, max: 3, oneJob: true, isolation: "microvm" }),
    ghPool("ghost", ["ghost"]),
    ghPool("stopped", ["x"], { min: 0, max: 0 }),
  ];
  const { profiles, issues } = profilesFromStacks([{ source: "stack-a", resources, outputs: { runnerPools } }]);
  assert.deepEqual(profiles, []);
  assert.deepEqual(issues.map((i) => i.path), ["stack-a: runnerPools[0]", "stack-a: runnerPools[1]", "stack-a: runnerPools"]);
  const [codex, ghost, gemini] = issues;
  assert.match(codex!.message, /does not agree with the rendered Deployment "codex-gh-runner": labels codex, gpu, linux, self-hosted, x64 in the pool, codex, linux, self-hosted, x64 rendered; oneJob is true in the pool, but the rendered runners are not ephemeral; the pool's isolation fences .*plain containers; max is 3 in the pool, 2 rendered/);
  assert.match(ghost!.message, /is Deployment "ghost", but the stack's rendered resources hold no runner Deployment of that name/);
  assert.match(gemini!.message, /lists no pool for the rendered Deployment "gemini-gh-runner"/);
  for (const i of issues) assert.match(i.fix, /export runnerPools from the same resolved model/);
});

test("a pool of 0 runners for a rendered Deployment with runners is a disagreement", () => {
  const { issues } = profilesFromStacks([{ source: "s", resources: [deployment("d", { ACTIONS_RUNNER_INPUT_LABELS: "x" })], outputs: { runnerPools: [ghPool("d", ["x"], { min: 0, max: 0 })] } }]);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, "s: runnerPools[0].max");
  assert.match(issues[0]!.message, /is 0, but the stack renders Deployment "d" with runners \(1\)/);
});

test("bad runnerPools are issues naming the stack; the stack's resources are not used instead", () => {
  const resources = [deployment("d", { ACTIONS_RUNNER_INPUT_LABELS: "x" })];
  const { profiles, issues } = profilesFromStacks([{ source: "infra/pulumi/x (stack dev)", resources, outputs: { runnerPools: [{ name: "d" }] } }]);
  assert.deepEqual(profiles, []);
  assert.deepEqual(issues.map((i) => i.path), ["forge", "substrate", "labels", "min", "max", "oneJob", "isolation"].map((k) => `infra/pulumi/x (stack dev): runnerPools[0].${k}`));
  const throwing = new Proxy([], { get: () => { throw new Error(`boom ${"ghp_0123456789abcdefghijABCDEFGHIJ012345"}`); } });
  const r = profilesFromStacks([{ source: "s", resources, outputs: { runnerPools: throwing } }]);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0]!.path, "s: runnerPools");
  assert.match(r.issues[0]!.message, /cannot be read/);
  assert.ok(!r.issues[0]!.message.includes("0123456789abcdefghij"));
});

test("pools of several stacks are checked as one fleet", () => {
  const a = { source: "a", resources: [], outputs: { runnerPools: [{ name: "vm", forge: "github", substrate: "libvirt-vm", labels: ["self-hosted", "linux", "build"], min: 1, max: 1, oneJob: false, isolation: "vm" }] } };
  const b = { source: "b", resources: [], outputs: { runnerPools: [{ name: "forks", forge: "github", substrate: "ec2", labels: ["self-hosted", "linux", "build"], min: 0, max: 2, oneJob: true, isolation: "vm" }] } };
  const { issues } = profilesFromStacks([a, b]);
  assert.ok(issues.some((i) => /job aimed at "forks" can land on a trusted runner/.test(i.message)), JSON.stringify(issues));
});
