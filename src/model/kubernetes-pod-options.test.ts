// The settings real runner Deployments carry: each rendered exactly as written and left out when
// unset; registration through the image's own variables; every bad value named by its key path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { resolveForgejoK8sFleet } from "./forgejo-k8s.ts";
import { renderGhRunnerFleet } from "../render/kubernetes/gh-runner.ts";
import { forgejoRunnerDeployment } from "../render/kubernetes/forgejo-runner.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over }) as GhRunnerFleetInput;
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

/** The one Deployment a fleet of one runner renders. */
function deployment(over: Record<string, unknown> = {}, fleetOver: Record<string, unknown> = {}) {
  const d = renderGhRunnerFleet(resolveGhRunnerFleet(fleet({ runners: [runner(over)], ...fleetOver }))).deployments[0]!;
  const pod = d.spec!.template.spec!;
  return { d, pod, container: pod.containers[0]! };
}

describe("settings runner-fleet has no opinion on: rendered as written, left out when unset", () => {
  it("unset: no strategy, service account, priority, runtime class, DNS policy, pull secrets, grace period or envFrom", () => {
    const { d, pod, container } = deployment();
    assert.equal(d.spec!.strategy, undefined);
    for (const key of ["serviceAccountName", "priorityClassName", "runtimeClassName", "dnsPolicy", "imagePullSecrets", "terminationGracePeriodSeconds"] as const) assert.equal(pod[key], undefined, key);
    assert.equal(container.envFrom, undefined);
  });

  it("set: each is rendered exactly as written", () => {
    const { d, pod, container } = deployment({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "0%" } },
      serviceAccountName: "runner",
      priorityClassName: "ci-low",
      runtimeClassName: "gvisor",
      dnsPolicy: "Default",
      imagePullSecrets: ["ghcr-pull"],
      terminationGracePeriodSeconds: 3600,
      envFrom: [{ secretRef: { name: "runner-env" } }, { configMapRef: { name: "runner-config", optional: true }, prefix: "CFG_" }],
    });
    assert.deepEqual(d.spec!.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "0%" } });
    assert.deepEqual([pod.serviceAccountName, pod.priorityClassName, pod.runtimeClassName, pod.dnsPolicy, pod.terminationGracePeriodSeconds], ["runner", "ci-low", "gvisor", "Default", 3600]);
    assert.deepEqual(pod.imagePullSecrets, [{ name: "ghcr-pull" }]);
    assert.deepEqual(container.envFrom, [{ secretRef: { name: "runner-env" } }, { configMapRef: { name: "runner-config", optional: true }, prefix: "CFG_" }]);
    // The hardened defaults still apply.
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  });

  it("env sources as written under valueFrom: Secret and ConfigMap keys, pod and resource fields", () => {
    const { container } = deployment({
      env: [
        { name: "A", value: "1" },
        { name: "B", secretKeyRef: { name: "s", key: "k", optional: true } },
        { name: "C", configMapKeyRef: { name: "cm", key: "k" } },
        { name: "D", fieldRef: { fieldPath: "spec.nodeName" } },
        { name: "E", resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
      ],
    });
    assert.deepEqual(container.env!.filter((e) => /^[A-E]$/.test(e.name)), [
      { name: "A", value: "1" },
      { name: "B", valueFrom: { secretKeyRef: { name: "s", key: "k", optional: true } } },
      { name: "C", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } },
      { name: "D", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "E", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    ]);
  });

  it("a config file's volume name and read-only flag as written; by default the payload's name, read-only", () => {
    const codex = { codexConfig: { enabled: true, configToml: 'model = "o3"\n' } };
    const file = { configMap: "codex-config", key: "config.toml", mountPath: "/home/runner/.codex/config.toml" };
    const plain = deployment({ configFiles: [file] }, codex);
    assert.deepEqual(plain.container.volumeMounts!.find((m) => m.mountPath === file.mountPath), { name: "codex-config", mountPath: file.mountPath, subPath: "config.toml", readOnly: true });
    const written = deployment({ configFiles: [{ ...file, volumeName: "codex", readOnly: false }] }, codex);
    assert.deepEqual(written.container.volumeMounts!.find((m) => m.mountPath === file.mountPath), { name: "codex", mountPath: file.mountPath, subPath: "config.toml" });
    assert.deepEqual(written.pod.volumes!.find((v) => v.name === "codex"), { name: "codex", configMap: { name: "codex-config-gh-runner" } });
  });

  it("Forgejo runners take the same settings", () => {
    const f = resolveForgejoK8sFleet({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", strategy: { type: "Recreate" }, serviceAccountName: "forgejo-runner" }] });
    const d = forgejoRunnerDeployment(f, f.runners[0]!);
    assert.deepEqual(d.spec!.strategy, { type: "Recreate" });
    assert.equal(d.spec!.template.spec!.serviceAccountName, "forgejo-runner");
  });
});

describe("registration: image — the image registers itself from its own variables", () => {
  const env = [{ name: "RUNNER_NAME_PREFIX", value: "k8s" }, { name: "ACCESS_TOKEN", secretKeyRef: { name: "gh", key: "pat" } }, { name: "ACTIONS_RUNNER_INPUT_URL", value: "https://github.com/acme" }];
  it("nothing is injected: the environment is the user's, exactly; no githubRepo needed; no work emptyDir unless workDir is set", () => {
    const { container, pod } = deployment({ registration: "image", env }, { githubRepo: undefined });
    assert.deepEqual(container.env, [{ name: "RUNNER_NAME_PREFIX", value: "k8s" }, { name: "ACCESS_TOKEN", valueFrom: { secretKeyRef: { name: "gh", key: "pat" } } }, { name: "ACTIONS_RUNNER_INPUT_URL", value: "https://github.com/acme" }]);
    assert.deepEqual(pod.volumes!.map((v) => v.name), ["tmp"]);
    assert.ok(deployment({ registration: "image", workDir: "/runner/_work" }).pod.volumes!.some((v) => v.name === "work"));
  });
  it("the default still injects ACTIONS_RUNNER_INPUT_* and refuses setting them by hand", () => {
    assert.equal(deployment().container.env![0]!.name, "ACTIONS_RUNNER_INPUT_URL");
    expectIssue(fleet({ runners: [runner({ env: [{ name: "ACTIONS_RUNNER_INPUT_LABELS", value: "x" }] })] }), "runners[0].env[0].name", /set by runner-fleet from labels/, /registration: image/);
  });
});

describe("bad values of the new settings name their key path and the fix", () => {
  it("strategy of an unknown type, and a rolling update that can never replace a pod", () => {
    expectIssue(fleet({ runners: [runner({ strategy: { type: "BlueGreen" } })] }), "runners[0].strategy", /must be \{ type: Recreate \} or \{ type: RollingUpdate/, /one of the forms/);
    expectIssue(fleet({ runners: [runner({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } })] }), "runners[0].strategy.rollingUpdate", /both to 0/, /at least one of them be above 0/);
  });
  it("object names that are not DNS subdomains", () => {
    for (const key of ["serviceAccountName", "priorityClassName", "runtimeClassName"]) {
      expectIssue(fleet({ runners: [runner({ [key]: "Not_A_Name" })] }), `runners[0].${key}`, /not a DNS-1123 subdomain/, /lower-case letters/);
    }
    expectIssue(fleet({ runners: [runner({ imagePullSecrets: ["ok", "BAD"] })] }), "runners[0].imagePullSecrets[1]", /not a DNS-1123 subdomain/, /image pull Secret/);
  });
  it("dnsPolicy None (it needs a dnsConfig) and a grace period over a week", () => {
    expectIssue(fleet({ runners: [runner({ dnsPolicy: "None" })] }), "runners[0].dnsPolicy", /one of: ClusterFirst, ClusterFirstWithHostNet, Default/, /use one of/);
    expectIssue(fleet({ runners: [runner({ terminationGracePeriodSeconds: 700_000 })] }), "runners[0].terminationGracePeriodSeconds", /at most 604800/, /within the allowed range/);
  });
  it("envFrom with both or neither source, and env with two sources", () => {
    expectIssue(fleet({ runners: [runner({ envFrom: [{ prefix: "X_" }] })] }), "runners[0].envFrom[0]", /exactly one of configMapRef or secretRef/, /one source per entry/);
    expectIssue(fleet({ runners: [runner({ env: [{ name: "X", fieldRef: { fieldPath: "metadata.name" }, configMapKeyRef: { name: "c", key: "k" } }] })] }), "runners[0].env[0]", /exactly one of value, secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef/, /secretKeyRef/);
    expectIssue(fleet({ runners: [runner({ env: [{ name: "X", resourceFieldRef: { resource: "cpu" } }] })] }), "runners[0].env[0].resourceFieldRef.resource", /limits\.<resource> or requests\.<resource>/, /./);
  });
  it("config file volume name that is not a DNS label", () => {
    expectIssue(fleet({ codexConfig: { enabled: true, configToml: "a = 1\n" }, runners: [runner({ configFiles: [{ configMap: "codex-config", key: "config.toml", mountPath: "/x", volumeName: "No" }] })] }), "runners[0].configFiles[0].volumeName", /not a DNS-1123 label/, /volume name/);
  });
  it("registration: image with settings it would ignore, and no githubRepo for a runner that needs it", () => {
    const issues = issuesOf(fleet({ runners: [runner({ registration: "image", runnerGroup: "g", replace: false })] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["runners[0].replace", "runners[0].runnerGroup"]);
    for (const i of issues) assert.match(i.message, /no effect with registration: image/);
    expectIssue(fleet({ githubRepo: undefined }), "githubRepo", /runners\[0\] registers through ACTIONS_RUNNER_INPUT_URL/, /registration: image/);
    expectIssue(fleet({ runners: [runner({ registration: "oidc" })] }), "runners[0].registration", /one of: actions-runner-input, image, jit/, /use one of/);
  });
});

describe("the runner container's command, arguments, probes and lifecycle hooks: as written", () => {
  const probes = {
    livenessProbe: { exec: { command: ["pgrep", "-f", "Runner.Listener"] }, initialDelaySeconds: 30, periodSeconds: 60 },
    readinessProbe: { httpGet: { path: "/health", port: "http", scheme: "HTTP" }, failureThreshold: 3 },
    startupProbe: { tcpSocket: { port: 8080 } },
    lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", "./config.sh remove --token \"$TOKEN\""] } }, postStart: { sleep: { seconds: 5 } } },
  };
  it("unset: none of them; set: each rendered exactly, the hardened security context kept", () => {
    const plain = deployment().container;
    for (const key of ["command", "args", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] as const) assert.equal(plain[key], undefined, key);
    const { container } = deployment({ command: ["/bin/bash", "-c"], args: ["./config.sh --unattended && ./run.sh"], ...probes });
    assert.deepEqual(container.command, ["/bin/bash", "-c"]);
    assert.deepEqual(container.args, ["./config.sh --unattended && ./run.sh"]);
    for (const [key, value] of Object.entries(probes)) assert.deepEqual(container[key as keyof typeof probes], value, key);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  });
  it("Forgejo runners take probes and hooks too", () => {
    const f = resolveForgejoK8sFleet({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", livenessProbe: probes.livenessProbe }] });
    assert.deepEqual(forgejoRunnerDeployment(f, f.runners[0]!).spec!.template.spec!.containers[0]!.livenessProbe, probes.livenessProbe);
  });
  it("bad values name their key path and the fix", () => {
    expectIssue(fleet({ runners: [runner({ livenessProbe: { periodSeconds: 10 } })] }), "runners[0].livenessProbe", /exactly one of exec, httpGet, tcpSocket, grpc/, /one action/);
    expectIssue(fleet({ runners: [runner({ lifecycle: { preStop: { exec: { command: [] } } } })] }), "runners[0].lifecycle.preStop.exec.command", /at least the program to run/, /./);
    expectIssue(fleet({ runners: [runner({ readinessProbe: { httpGet: { port: 70000 } } })] }), "runners[0].readinessProbe.httpGet.port", /port number \(1-65535\) or a port name/, /./);
    expectIssue(fleet({ runners: [runner({ startupProbe: { tcpSocket: { port: 1 }, periodSeconds: 0 } })] }), "runners[0].startupProbe.periodSeconds", /must be/, /allowed range/);
    expectIssue(fleet({ runners: [runner({ command: [] })] }), "runners[0].command", /at least the program to run/, /./);
    expectIssue(fleet({ runners: [runner({ args: "run.sh" })] }), "runners[0].args", /must be an? array/, /array/);
  });
});

describe("labels, annotations and selector of a runner's objects", () => {
  it("by default app: <object name> and the recommended app.kubernetes.io labels; the selector stays app: <object name>", () => {
    const { d } = deployment();
    const recommended = { "app.kubernetes.io/name": "gh-runner", "app.kubernetes.io/instance": "build-gh-runner", "app.kubernetes.io/component": "runner", "app.kubernetes.io/part-of": "runner-fleet" };
    assert.deepEqual(d.metadata!.labels, { app: "build-gh-runner", ...recommended });
    assert.deepEqual(d.spec!.selector.matchLabels, { app: "build-gh-runner" });
    assert.deepEqual(d.spec!.template.metadata, { labels: { app: "build-gh-runner", ...recommended } });
    assert.equal(d.metadata!.annotations, undefined);
  });
  it("as written: each object's own labels and annotations, the selector as given (an unfenced fleet: the fence selects by app)", () => {
    const { d } = deployment({
      metadata: { labels: { "app.kubernetes.io/name": "github-runner" }, annotations: { owner: "platform" } },
      podMetadata: { labels: { "app.kubernetes.io/name": "github-runner", tier: "ci" }, annotations: { "prometheus.io/scrape": "false" } },
      selector: { "app.kubernetes.io/name": "github-runner" },
    }, { networkPolicies: false });
    assert.deepEqual(d.metadata!.labels, { "app.kubernetes.io/name": "github-runner" });
    assert.deepEqual(d.metadata!.annotations, { owner: "platform" });
    assert.deepEqual(d.spec!.selector.matchLabels, { "app.kubernetes.io/name": "github-runner" });
    assert.deepEqual(d.spec!.template.metadata, { labels: { "app.kubernetes.io/name": "github-runner", tier: "ci" }, annotations: { "prometheus.io/scrape": "false" } });
  });
  it("pods that the selector would not select, invalid label keys, and a fenced fleet whose pods lack the app label", () => {
    expectIssue(fleet({ runners: [runner({ podMetadata: { labels: { tier: "ci" } } })] }), "runners[0].podMetadata.labels", /selects its pods by app: build-gh-runner, which the pod labels lack/, /add app: build-gh-runner to podMetadata\.labels/);
    expectIssue(fleet({ runners: [runner({ selector: { role: "runner" }, podMetadata: { labels: { role: "other" } } })] }), "runners[0].selector.role", /give another value/, /select by labels the pods carry/);
    expectIssue(fleet({ runners: [runner({ metadata: { labels: { "bad key!": "x" } } })] }), "runners[0].metadata.labels.bad key!", /not a valid label key/, /prefix/);
    expectIssue(fleet({ networkPolicies: true, runners: [runner({ selector: { role: "runner" }, podMetadata: { labels: { role: "runner" } } })] }), "runners[0].podMetadata.labels", /lacks app: build-gh-runner, by which the fleet's NetworkPolicies select its pods/, /networkPolicies: false/);
  });
});
