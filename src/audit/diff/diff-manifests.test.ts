import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../model/issues.ts";
import { diffManifests } from "./diff-manifests.ts";
import type { DriftReport, FieldDrift } from "./drift-report.ts";
import type { KubeObject } from "./kube-object.ts";
import { edited, loadFixture, runnerDeployment } from "../../../test/fixtures/diff/objects.ts";

/** The field differences of the only changed object. */
function fieldsOf(report: DriftReport): readonly FieldDrift[] {
  assert.equal(report.changed.length, 1, JSON.stringify(report, null, 2));
  return report.changed[0]!.fields;
}

function diffOne(desired: KubeObject, actual: KubeObject): readonly FieldDrift[] {
  const report = diffManifests([desired], [actual]);
  return report.drift ? fieldsOf(report) : [];
}

test("identical objects: no drift, every object matched", () => {
  const objects = loadFixture("stack-objects.yaml");
  const report = diffManifests(objects, structuredClone(objects));
  assert.equal(report.drift, false);
  assert.deepEqual(report.summary, { desired: 3, actual: 3, matched: 3, changed: 0, onlyDesired: 0, onlyActual: 0 });
  assert.deepEqual([report.changed, report.onlyDesired, report.onlyActual], [[], [], []]);
});

test("reordered containers, env, volumes and volumeMounts are the same object (matched by merge key)", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    const pod = d.spec.template.spec;
    pod.containers.reverse();
    const runner = pod.containers.find((c: { name: string }) => c.name === "runner");
    runner.env.reverse();
    runner.volumeMounts.reverse();
    pod.volumes.reverse();
    pod.tolerations.reverse();
  });
  assert.deepEqual(diffOne(desired, actual), []);
});

test("changed image, label value, replicas and env value: each reported at its path, actual -> desired", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    d.metadata.labels.team = "platform";
    d.spec.replicas = 3;
    d.spec.template.spec.containers[0].image = "ghcr.io/actions/actions-runner:2.330.0";
    d.spec.template.spec.containers[0].env[1].value = "a";
    d.spec.template.spec.containers.reverse();
  });
  assert.deepEqual(diffOne(desired, actual), [
    { path: "metadata.labels.team", change: "changed", desired: "ci", actual: "platform" },
    { path: "spec.replicas", change: "changed", desired: 2, actual: 3 },
    {
      path: "spec.template.spec.containers[name=runner].image",
      change: "changed",
      desired: "ghcr.io/actions/actions-runner:2.331.0",
      actual: "ghcr.io/actions/actions-runner:2.330.0",
    },
    { path: "spec.template.spec.containers[name=runner].env[name=ACTIONS_RUNNER_INPUT_LABELS].value", change: "changed", desired: "a,b", actual: "a" },
  ]);
});

test("items of keyed lists and fields present on one side only are reported as such", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    d.spec.template.spec.containers[0].env.push({ name: "RUNNER_DEBUG", value: "1" });
    d.spec.template.spec.containers[0].env.splice(0, 1);
    delete d.metadata.labels.team;
  });
  assert.deepEqual(diffOne(desired, actual), [
    { path: "metadata.labels.team", change: "only-desired", desired: "ci" },
    {
      path: "spec.template.spec.containers[name=runner].env[name=ACTIONS_RUNNER_INPUT_URL]",
      change: "only-desired",
      desired: { name: "ACTIONS_RUNNER_INPUT_URL", value: "https://github.com/acme" },
    },
    { path: "spec.template.spec.containers[name=runner].env[name=RUNNER_DEBUG]", change: "only-actual", actual: { name: "RUNNER_DEBUG", value: "1" } },
  ]);
});

test("the order of lists without merge keys matters; tolerations are a set", () => {
  const desired = runnerDeployment();
  const reorderedArgs = edited(desired, (d) => d.spec.template.spec.containers[0].args.reverse());
  assert.deepEqual(diffOne(desired, reorderedArgs), [
    {
      path: "spec.template.spec.containers[name=runner].args[0]",
      change: "changed",
      desired: "--once",
      actual: "a,b",
    },
    {
      path: "spec.template.spec.containers[name=runner].args[2]",
      change: "changed",
      desired: "a,b",
      actual: "--once",
    },
  ]);
  const changedToleration = edited(desired, (d) => (d.spec.template.spec.tolerations[1].effect = "NoExecute"));
  const [f] = diffOne(desired, changedToleration);
  assert.equal(f?.path, "spec.template.spec.tolerations");
  assert.equal(f?.change, "changed");
});

test("container ports are keyed by containerPort and protocol; protocol TCP is the default", () => {
  const desired = runnerDeployment();
  const tcpSpelledOut = edited(desired, (d) => (d.spec.template.spec.containers[0].ports[0].protocol = "TCP"));
  assert.deepEqual(diffOne(desired, tcpSpelledOut), []);
  const udp = edited(desired, (d) => (d.spec.template.spec.containers[0].ports[0].protocol = "UDP"));
  assert.deepEqual(
    diffOne(desired, udp).map((f) => [f.path, f.change]),
    [
      ["spec.template.spec.containers[name=runner].ports[containerPort=9102]", "only-desired"],
      ["spec.template.spec.containers[name=runner].ports[containerPort=9102,protocol=UDP]", "only-actual"],
    ],
  );
});

test("objects on one side only: would be created / not managed by the stack", () => {
  const [configMap, secret, deployment] = loadFixture("stack-objects.yaml") as [KubeObject, KubeObject, KubeObject];
  const legacy: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "legacy", namespace: "runners" }, data: { a: "b" } };
  const report = diffManifests([configMap, secret, deployment], [configMap, deployment, legacy]);
  assert.equal(report.drift, true);
  assert.deepEqual(report.onlyDesired, [{ object: { apiVersion: "v1", kind: "Secret", namespace: "runners", name: "gh-runner-a-token" } }]);
  assert.deepEqual(report.onlyActual, [{ object: { apiVersion: "v1", kind: "ConfigMap", namespace: "runners", name: "legacy" } }]);
  assert.deepEqual(report.changed, []);
  assert.equal(report.summary.matched, 2);
});

test("managedOnly: objects only in the manifest are still listed but are not drift; changed and created objects are", () => {
  const [configMap, secret, deployment] = loadFixture("stack-objects.yaml") as [KubeObject, KubeObject, KubeObject];
  const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "runners" } };
  const report = diffManifests([configMap, secret, deployment], [namespace, configMap, secret, deployment], { managedOnly: true });
  assert.equal(report.drift, false);
  assert.equal(report.managedOnly, true);
  assert.deepEqual(report.onlyActual, [{ object: { apiVersion: "v1", kind: "Namespace", name: "runners" } }]);
  assert.deepEqual(report.summary, { desired: 3, actual: 4, matched: 3, changed: 0, onlyDesired: 0, onlyActual: 1 });
  // Without the option the same input is drift.
  assert.deepEqual([diffManifests([configMap, secret, deployment], [namespace, configMap, secret, deployment]).drift, diffManifests([deployment], [deployment]).managedOnly], [true, false]);
  // What the stack manages still drifts: a changed field, an object only in the stack.
  const scaled = edited(deployment, (d) => (d.spec.replicas = 5));
  assert.equal(diffManifests([configMap, secret, deployment], [namespace, configMap, secret, scaled], { managedOnly: true }).drift, true);
  assert.equal(diffManifests([configMap, secret, deployment], [namespace, configMap, deployment], { managedOnly: true }).drift, true);
});

test("a namespace must match exactly; a missing one is pointed out, not assumed", () => {
  const desired = edited(runnerDeployment(), (d) => delete d.metadata.namespace);
  const report = diffManifests([desired], [runnerDeployment()]);
  assert.equal(report.summary.matched, 0);
  assert.equal(report.onlyDesired[0]?.object.namespace, undefined);
  assert.match(report.onlyDesired[0]?.note ?? "", /the manifest has the same Deployment with namespace "runners", this one has no metadata\.namespace; .*set metadata\.namespace explicitly/);
  assert.match(report.onlyActual[0]?.note ?? "", /the stack has the same Deployment with no namespace, this one has namespace "runners"/);
});

test("objects are matched by API group, not version", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => (d.apiVersion = "apps/v1beta2"));
  const report = diffManifests([desired], [actual]);
  assert.equal(report.drift, false);
  const otherGroup = edited(desired, (d) => (d.apiVersion = "extensions/v1beta1"));
  assert.equal(diffManifests([desired], [otherGroup]).summary.matched, 0);
});

test("a kubectl export (server-set fields, defaults, tool annotations, other order) shows no drift", () => {
  const report = diffManifests(loadFixture("stack-objects.yaml"), loadFixture("kubectl-export.yaml"));
  assert.deepEqual(report.changed, []);
  assert.equal(report.drift, false);
  assert.equal(report.summary.matched, 3);
});

test("server defaults are ignored only when the other side leaves the field out", () => {
  const desired = runnerDeployment();
  const exported = edited(desired, (d) => {
    const pod = d.spec.template.spec;
    Object.assign(pod, { dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30, securityContext: {} });
    Object.assign(d.spec, { progressDeadlineSeconds: 600, revisionHistoryLimit: 10, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } } });
    for (const c of pod.containers) Object.assign(c, { terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "IfNotPresent" });
    pod.containers[1].resources = {};
    pod.containers[0].ports[0].protocol = "TCP";
    pod.volumes[1] = { name: "tmp" }; // a volume without a source is an emptyDir
  });
  assert.deepEqual(diffOne(desired, exported), []);
  // The same holds the other way round: the stack spells out a default the manifest omits.
  assert.deepEqual(diffOne(exported, desired), []);
});

test("a defaulted field whose value differs from the default is drift, with the default shown", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    d.spec.template.spec.terminationGracePeriodSeconds = 60;
    d.spec.template.spec.containers[0].imagePullPolicy = "Always"; // the default for a pinned tag is IfNotPresent
    d.spec.strategy = { type: "Recreate" };
  });
  assert.deepEqual(diffOne(desired, actual), [
    { path: "spec.template.spec.containers[name=runner].imagePullPolicy", change: "only-actual", actual: "Always", serverDefault: "IfNotPresent" },
    { path: "spec.template.spec.terminationGracePeriodSeconds", change: "only-actual", actual: 60, serverDefault: 30 },
    { path: "spec.strategy", change: "only-actual", actual: { type: "Recreate" } },
  ]);
  // A value the stack sets explicitly is compared like any other.
  const explicit = edited(desired, (d) => (d.spec.template.spec.terminationGracePeriodSeconds = 30));
  assert.deepEqual(diffOne(explicit, actual).find((f) => f.path.endsWith("terminationGracePeriodSeconds")), {
    path: "spec.template.spec.terminationGracePeriodSeconds",
    change: "changed",
    desired: 30,
    actual: 60,
  });
});

test("an empty list is the same as none; an empty map only where the API says so", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    d.spec.template.spec.imagePullSecrets = [];
    d.spec.template.spec.containers[1].env = [];
  });
  assert.deepEqual(diffOne(desired, actual), []);
  // `emptyDir: {}` is a volume source: a volume with another source and an emptyDir differs.
  const both = edited(desired, (d) => (d.spec.template.spec.volumes[0].emptyDir = {}));
  assert.deepEqual(diffOne(desired, both), [{ path: "spec.template.spec.volumes[name=home].emptyDir", change: "only-actual", actual: {} }]);
});

test("server-set metadata, status and tool annotations are never compared", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    Object.assign(d.metadata, { uid: "u-1", resourceVersion: "9", generation: 4, creationTimestamp: "2025-01-01T00:00:00Z", managedFields: [{ manager: "kubectl" }], selfLink: "/x" });
    d.metadata.annotations = {
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "deployment.kubernetes.io/revision": "4",
      "pulumi.com/patchForce": "true",
    };
    d.metadata.labels["app.kubernetes.io/managed-by"] = "pulumi";
    d.spec.template.metadata.creationTimestamp = null;
    d.status = { replicas: 2 };
  });
  assert.deepEqual(diffOne(desired, actual), []);
  // Other managers in the label are drift: the object is owned by something else.
  const helm = edited(actual, (d) => (d.metadata.labels["app.kubernetes.io/managed-by"] = "Helm"));
  assert.deepEqual(diffOne(desired, helm), [
    { path: 'metadata.labels["app.kubernetes.io/managed-by"]', change: "only-actual", actual: "Helm", serverDefault: "pulumi" },
  ]);
});

test("quantities compare as amounts: 1 = \"1\" = \"1000m\", 2Gi = 2048Mi; different amounts are drift", () => {
  const desired = runnerDeployment();
  const same = edited(desired, (d) => {
    d.spec.template.spec.containers[0].resources = { requests: { cpu: "1000m", memory: "2048Mi" }, limits: { cpu: "2", memory: "4096Mi" } };
  });
  assert.deepEqual(diffOne(desired, same), []);
  const different = edited(desired, (d) => (d.spec.template.spec.containers[0].resources.requests.cpu = "1500m"));
  assert.deepEqual(diffOne(desired, different), [
    { path: "spec.template.spec.containers[name=runner].resources.requests.cpu", change: "changed", desired: "1", actual: "1500m" },
  ]);
  // Quantities only where the API has them: "1" and 1 elsewhere are different values.
  const replicasAsText = edited(desired, (d) => (d.spec.replicas = "2"));
  assert.equal(diffOne(desired, replicasAsText)[0]?.path, "spec.replicas");
});

test("a [secret] placeholder is not compared and never reveals the other side's value", () => {
  const token = "ghs_ThisIsTheLiveTokenValue";
  const desired = edited(runnerDeployment(), (d) => {
    d.spec.template.spec.containers[0].env.push({ name: "RUNNER_TOKEN", value: "[secret]" });
    d.spec.template.spec.containers[0].args = ["--token", "[secret]"];
  });
  const actual = edited(desired, (d) => {
    d.spec.template.spec.containers[0].env[3].value = token;
    d.spec.template.spec.containers[0].args = ["--token", token, "--once"];
  });
  const report = diffManifests([desired], [actual]);
  assert.doesNotMatch(JSON.stringify(report), new RegExp(token));
  assert.deepEqual(report.uncomparedSecrets.map((s) => s.path), ["spec.template.spec.containers[name=runner].env[name=RUNNER_TOKEN].value"]);
  assert.deepEqual(fieldsOf(report), [{ path: "spec.template.spec.containers[name=runner].args", change: "changed", desired: ["--token", "[secret]"], actual: "[secret]" }]);
});

test("Secret data is compared but never printed; stringData counts as base64 data", () => {
  const secret = (data: Record<string, string>, key: "data" | "stringData" = "data"): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "t", namespace: "runners" },
    [key]: data,
  });
  assert.deepEqual(diffOne(secret({ url: "https://x" }, "stringData"), secret({ url: "aHR0cHM6Ly94" })), []);
  const report = diffManifests([secret({ url: "https://x", extra: "[secret]" }, "stringData")], [secret({ url: "aHR0cHM6Ly95", other: "c2VjcmV0" })]);
  assert.doesNotMatch(JSON.stringify(report), /aHR0cHM6Ly95|c2VjcmV0|https:\/\/x/);
  assert.deepEqual(fieldsOf(report), [
    { path: "data.url", change: "changed", desired: "[secret]", actual: "[secret]" },
    { path: "data.extra", change: "only-desired", desired: "[secret]" },
    { path: "data.other", change: "only-actual", actual: "[secret]" },
  ]);
});

test("derived defaults: Service targetPort = port, allocated clusterIP, NetworkPolicy policyTypes", () => {
  const service: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "m", namespace: "runners" }, spec: { selector: { app: "a" }, ports: [{ port: 9102 }] } };
  const liveService = edited(service, (s) => {
    Object.assign(s.spec, { type: "ClusterIP", clusterIP: "10.0.0.7", clusterIPs: ["10.0.0.7"], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", sessionAffinity: "None", internalTrafficPolicy: "Cluster" });
    s.spec.ports = [{ port: 9102, protocol: "TCP", targetPort: 9102 }];
  });
  assert.deepEqual(diffOne(service, liveService), []);
  const otherTarget = edited(liveService, (s) => (s.spec.ports[0].targetPort = 8080));
  assert.deepEqual(diffOne(service, otherTarget), [{ path: "spec.ports[port=9102].targetPort", change: "only-actual", actual: 8080, serverDefault: 9102 }]);
  // A stack that asks for a headless service does not get a cluster IP.
  const headless = edited(service, (s) => (s.spec.clusterIP = "None"));
  assert.equal(diffOne(headless, liveService)[0]?.path, "spec.clusterIP");

  const policy: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "egress", namespace: "runners" },
    spec: { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] },
  };
  const livePolicy = edited(policy, (p) => {
    p.spec.policyTypes = ["Ingress", "Egress"];
    p.spec.egress[0].ports[0].protocol = "TCP";
  });
  assert.deepEqual(diffOne(policy, livePolicy), []);
  const ingressOnly = edited(livePolicy, (p) => (p.spec.policyTypes = ["Ingress"]));
  assert.deepEqual(diffOne(policy, ingressOnly), [{ path: "spec.policyTypes", change: "only-actual", actual: ["Ingress"], serverDefault: ["Ingress", "Egress"] }]);
});

test("ignore: paths given are not compared (e.g. replicas owned by an autoscaler)", () => {
  const desired = runnerDeployment();
  const actual = edited(desired, (d) => {
    d.spec.replicas = 7;
    d.metadata.labels.team = "platform";
  });
  const report = diffManifests([desired], [actual], { ignore: ["spec.replicas"] });
  assert.deepEqual(fieldsOf(report).map((f) => f.path), ["metadata.labels.team"]);
  assert.equal(diffManifests([desired], [actual], { ignore: ["spec", "metadata.labels"] }).drift, false);
});

test("inputs that are not objects, or the same object twice, are rejected with their position and a fix", () => {
  const d = runnerDeployment();
  assert.throws(
    () => diffManifests([d, { apiVersion: "v1", kind: "ConfigMap", metadata: {} } as unknown as KubeObject], [d, d]),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => [i.path, i.message]),
        [
          ["desired[1]", "has no metadata.name"],
          ["actual[1]", "is apps/v1 Deployment runners/gh-runner-a again (also actual[0])"],
        ],
      );
      assert.ok(e.issues.every((i) => i.fix.length > 0));
      return true;
    },
  );
});

test("two namespaces: each side's note names both, and the fix is one namespace for both sides", () => {
  const desired = edited(runnerDeployment(), (d) => (d.metadata.namespace = "ci"));
  const report = diffManifests([desired], [runnerDeployment()]);
  assert.match(report.onlyDesired[0]?.note ?? "", /the manifest has the same Deployment with namespace "runners", this one has namespace "ci"; .*give both sides one namespace \(the stack's namespace setting/);
  assert.match(report.onlyActual[0]?.note ?? "", /the stack has the same Deployment with namespace "ci", this one has namespace "runners"/);
});

test("a value that means what leaving the field out means is not drift, on either side; a different one is", () => {
  const bare = runnerDeployment();
  const spelled = edited(bare, (d) => {
    const pod = d.spec.template.spec;
    pod.hostNetwork = false;
    pod.securityContext = { ...pod.securityContext, runAsNonRoot: false };
    const runner = pod.containers.find((c: { name: string }) => c.name === "runner");
    delete runner.securityContext?.readOnlyRootFilesystem;
    runner.securityContext = { ...runner.securityContext, privileged: false, readOnlyRootFilesystem: false };
    runner.volumeMounts = runner.volumeMounts.map((m: object) => ({ ...m, readOnly: false }));
    runner.stdin = false;
    runner.tty = false;
  });
  const stripped = edited(spelled, (d) => {
    const runner = d.spec.template.spec.containers.find((c: { name: string }) => c.name === "runner");
    delete runner.securityContext.readOnlyRootFilesystem;
    delete runner.securityContext.privileged;
    runner.volumeMounts = runner.volumeMounts.map(({ readOnly: _, ...m }: { readOnly?: boolean }) => m);
  });
  assert.deepEqual(diffOne(spelled, stripped), []);
  assert.deepEqual(diffOne(stripped, spelled), []);
  // true is not what absence means: drift, with the meaning of absence shown.
  const privileged = edited(stripped, (d) => (d.spec.template.spec.containers.find((c: { name: string }) => c.name === "runner").securityContext.privileged = true));
  const fields = diffOne(privileged, stripped);
  assert.equal(fields.length, 1);
  assert.match(fields[0]!.path, /securityContext\.privileged$/);
});
