// ARC fleet: metrics (values, scrape objects against strict prometheus-operator schemas, exported
// names within ARC's documented list), container modes (rendered templates against the ARC CRD,
// audited by trust level), and bad fleet input refused with key path and fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveArcScaleSet, type ArcScaleSetInput } from "../../model/arc-scale-set.ts";
import { ARC_CONTAINER_MODE_DEFAULTS } from "../../model/arc-container-mode.ts";
import { ARC_DOCUMENTED_METRICS, ARC_METRICS_DEFAULTS } from "../../model/arc-metrics.ts";
import { resolveArcFleet } from "../../model/arc-fleet.ts";
import { ConfigError } from "../../model/issues.ts";
import { autoscalingRunnerSetFromValues, exportedArcMetricNames, renderArcController, renderArcScaleSet } from "./index.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { withBundledArcCrds } from "../../audit/schema/bundled-schemas.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { auditFleet } from "../../audit/fleet-audit.ts";
import type { KubeObject } from "../../audit/network/types.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const base: ArcScaleSetInput = { githubScope: "acme", credentials: { kind: "pat" }, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };
const loader = () => withBundledArcCrds(createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" }));
/** Every series ARC documents (histograms as their three series). */
const DOCUMENTED = new Set(ARC_DOCUMENTED_METRICS.flatMap((m) => (m.type === "histogram" ? ["_bucket", "_sum", "_count"].map((x) => `${m.name}${x}`) : [m.name])));

/** The Kubernetes objects of a single scale set, with the AutoscalingRunnerSet its chart derives. */
function objectsOf(input: ArcScaleSetInput): KubeObject[] {
  const s = resolveArcScaleSet(input);
  const d = renderArcScaleSet(s, { githubToken: "[secret]" });
  const ars = autoscalingRunnerSetFromValues(d.scaleSet.values, { name: d.scaleSet.name, namespace: d.scaleSet.namespace, version: "0.14.2" });
  return [...d.namespaces, ...d.networkPolicies, ...(d.role ? [d.role, d.roleBinding, d.serviceAccount] : []), ars] as KubeObject[];
}

describe("ARC metrics", () => {
  it("are on by default: controller and listener endpoints, every documented listener metric, a PodMonitor", () => {
    const d = renderArcScaleSet(resolveArcScaleSet(base));
    assert.deepEqual(d.controller.values["metrics"], { controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" });
    assert.deepEqual(d.monitors.map((m) => m["kind"]), ["PodMonitor"]);
    const names = exportedArcMetricNames([d.controller, d.scaleSet]);
    assert.ok(names.includes("gha_controller_running_ephemeral_runners") && names.includes("gha_job_startup_duration_seconds_bucket"), names.join());
    assert.deepEqual(names.filter((n) => !DOCUMENTED.has(n)), [], "everything rendered is documented by ARC 0.14.2");
    assert.equal(names.length, DOCUMENTED.size, "the default exports every documented series");
  });

  it("exported names follow the rendered configuration: a chosen subset, or nothing when metrics are off", () => {
    const some = renderArcScaleSet(resolveArcScaleSet({ ...base, metrics: { listenerMetrics: ["gha_busy_runners", "gha_job_execution_duration_seconds"] } }));
    assert.deepEqual(exportedArcMetricNames([some.controller, some.scaleSet]).filter((n) => !n.startsWith("gha_controller_")), ["gha_busy_runners", "gha_job_execution_duration_seconds_bucket", "gha_job_execution_duration_seconds_count", "gha_job_execution_duration_seconds_sum"]);
    const off = renderArcScaleSet(resolveArcScaleSet({ ...base, metrics: { enabled: false } }));
    assert.deepEqual(exportedArcMetricNames([off.controller, off.scaleSet]), []);
    assert.equal(off.controller.values["metrics"], undefined);
    assert.deepEqual([off.monitors.length, off.services.length], [0, 0]);
  });

  for (const scrape of ["podMonitor", "serviceMonitor"] as const) {
    it(`the ${scrape} and its objects pass strict schemas; a misspelled field is refused`, async () => {
      const d = renderArcController(resolveArcFleet({ ...base, metrics: { scrape, monitorLabels: { release: "kube-prometheus-stack" } } }).controller);
      const docs = [...d.monitors, ...d.services, ...d.networkPolicies];
      const results = await validateDocuments(docs.map((doc, index) => ({ file: "m", index, doc })), loader());
      assert.ok(results.some((r) => r.kind === (scrape === "podMonitor" ? "PodMonitor" : "ServiceMonitor")));
      for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
      const bad = structuredClone(d.monitors[0]!) as { spec: Record<string, unknown> };
      bad.spec["namespaceSelectr"] = {};
      const [ko] = await validateDocuments([{ file: "m", index: 0, doc: bad }], loader());
      assert.match(JSON.stringify(ko!.errors), /namespaceSelectr/);
    });
  }

  it("annotations: scrape annotations on the controller and listener pods, no monitor; Prometheus alone reaches the port", () => {
    const d = renderArcScaleSet(resolveArcScaleSet({ ...base, metrics: { scrape: "annotations", port: 9102, prometheus: { namespace: "obs", podLabels: { app: "prom" } } } }));
    assert.equal(d.monitors.length, 0);
    assert.deepEqual(d.controller.values["podAnnotations"], { "prometheus.io/scrape": "true", "prometheus.io/port": "9102", "prometheus.io/path": "/metrics" });
    assert.deepEqual((d.scaleSet.values["listenerTemplate"] as { metadata: unknown }).metadata, { annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9102", "prometheus.io/path": "/metrics" } });
    const policy = d.networkPolicies.find((p) => p.metadata?.name === "allow-metrics-scrape")!;
    assert.deepEqual(policy.spec?.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "obs" } }, podSelector: { matchLabels: { app: "prom" } } }], ports: [{ protocol: "TCP", port: 9102 }] }]);
  });
});

describe("container modes", () => {
  it("dind: a pinned, privileged docker daemon as a native sidecar on a Unix socket; the scale set validates against the ARC CRD", async () => {
    const objects = objectsOf({ ...base, trust: "trusted", useFirecracker: false, containerMode: { type: "dind" } });
    const ars = objects.at(-1)! as { spec: { template: { spec: { initContainers: { name: string; image: string; restartPolicy?: string; securityContext: { privileged?: boolean } }[]; containers: { env: { name: string; value: string }[] }[] } } } };
    const dind = ars.spec.template.spec.initContainers.find((c) => c.name === "dind")!;
    assert.deepEqual([dind.image, dind.restartPolicy, dind.securityContext.privileged], [ARC_CONTAINER_MODE_DEFAULTS.dockerImage, "Always", true]);
    assert.deepEqual(ars.spec.template.spec.containers[0]!.env.find((e) => e.name === "DOCKER_HOST"), { name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" });
    const results = await validateDocuments(objects.map((doc, index) => ({ file: "dind", index, doc })), loader());
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("the audit accepts dind on a trusted scale set and refuses the same pod marked untrusted", () => {
    const objects = objectsOf({ ...base, trust: "trusted", useFirecracker: false, containerMode: { type: "dind" } });
    const ok = auditFleet(objects, NETWORK);
    const pod = ok.podSecurity[0]!;
    assert.deepEqual([pod.level, pod.containerModes.map((m) => [m.mode, m.allowed]), pod.restricted.length, pod.accepted.length > 0], ["privileged", [["dind", true]], 0, true]);
    assert.ok(ok.pass);
    const untrusted = structuredClone(objects) as { kind?: string; spec?: { template: { metadata: { labels: Record<string, string> } } } }[];
    untrusted.find((o) => o.kind === "AutoscalingRunnerSet")!.spec!.template.metadata.labels["runner-fleet/trust-level"] = "untrusted";
    const ko = auditFleet(untrusted as KubeObject[], NETWORK);
    assert.equal(ko.pass, false);
    const refused = ko.podSecurity[0]!.hardening.find((f) => f.control === "Container Mode");
    assert.match(refused?.message ?? "", /containerMode dind .* on an untrusted scale set outside a microVM/);
    assert.match(refused?.fix ?? "", /set useFirecracker: true, or mark the profile trust: trusted/);
  });

  it("dind in a Firecracker microVM is allowed for an untrusted scale set", () => {
    const audit = auditFleet(objectsOf({ ...base, containerMode: { type: "dind" } }), NETWORK);
    assert.deepEqual(audit.podSecurity[0]!.containerModes.map((m) => [m.mode, m.microVm, m.allowed]), [["dind", true, true]]);
  });

  it("kubernetes: the work volume claim, the Role over pods, pods/exec, pods/log, jobs and secrets, reported by the audit", async () => {
    const objects = objectsOf({ ...base, trust: "trusted", useFirecracker: false, scaleSetName: "kube", containerMode: { type: "kubernetes", workVolumeClaim: { storageClassName: "local-path", storage: "5Gi" } } });
    const ars = objects.at(-1)! as { spec: { template: { spec: { serviceAccountName: string; volumes: { ephemeral: { volumeClaimTemplate: { spec: unknown } } }[] } } } };
    assert.equal(ars.spec.template.spec.serviceAccountName, "kube-kube-mode");
    assert.deepEqual(ars.spec.template.spec.volumes[0]!.ephemeral.volumeClaimTemplate.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", resources: { requests: { storage: "5Gi" } } });
    const results = await validateDocuments(objects.map((doc, index) => ({ file: "kube", index, doc })), loader());
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
    const audit = auditFleet(objects, NETWORK);
    assert.deepEqual(audit.roleGrants.map((g) => [g.role, g.allowed]), [["arc-runners/kube-kube-mode", true]]);
    assert.deepEqual(audit.roleGrants[0]!.rules, ["pods: get, list, create, delete", "pods/exec: get, create", "pods/log: get, list, watch", "jobs: get, list, create, delete", "secrets: get, list, create, delete"]);
    // The runner reaches the API server: the isolation claim says so, it is not hidden.
    assert.equal(audit.isolation.claims.find((c) => c.claim === "kubernetes-service-unreachable")!.pass, false);
    // The same objects marked untrusted: the role grant and the token are refused.
    const untrusted = structuredClone(objects) as { kind?: string; spec?: { template: { metadata: { labels: Record<string, string> } } } }[];
    untrusted.find((o) => o.kind === "AutoscalingRunnerSet")!.spec!.template.metadata.labels["runner-fleet/trust-level"] = "untrusted";
    const ko = auditFleet(untrusted as KubeObject[], NETWORK);
    assert.deepEqual(ko.roleGrants.map((g) => g.allowed), [false]);
    assert.match(ko.roleGrants[0]!.message, /holds Role arc-runners\/kube-kube-mode .* on an untrusted scale set outside a microVM: set useFirecracker: true/);
    assert.ok(ko.podSecurity[0]!.hardening.some((f) => f.control === "Service Account Token"), "the token is no longer accepted");
  });
});

describe("bad ARC input is refused with key path and fix", () => {
  const refuse = (resolve: () => unknown, path: string, message: RegExp, fix: RegExp) => {
    assert.throws(resolve, (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const issue = e.issues.find((i) => i.path === path);
      assert.ok(issue, `no issue at ${path}: ${JSON.stringify(e.issues)}`);
      assert.match(issue.message, message);
      assert.match(issue.fix, fix);
      return true;
    });
  };
  it("a container mode on an untrusted scale set outside a microVM", () => {
    refuse(() => resolveArcScaleSet({ ...base, useFirecracker: false, containerMode: { type: "dind" } }), "containerMode.type", /dind on an untrusted scale set outside a microVM/, /set useFirecracker: true.*trust: trusted/);
    refuse(() => resolveArcScaleSet({ ...base, useFirecracker: false, containerMode: { type: "kubernetes" } }), "containerMode.type", /Role over pods, pods\/exec/, /useFirecracker: true/);
  });
  it("an unpinned docker image and an unknown mode", () => {
    refuse(() => resolveArcScaleSet({ ...base, containerMode: { type: "dind", dockerImage: "docker:dind" } }), "containerMode.dockerImage", /docker:dind/, /pin the image/);
    refuse(() => resolveArcScaleSet({ ...base, containerMode: { type: "podman" } }), "containerMode.type", /dind.*kubernetes/, /.+/);
  });
  it("bad metrics settings", () => {
    refuse(() => resolveArcScaleSet({ ...base, metrics: { port: 80 } }), "metrics.port", /80 is not a port from 1024 to 65535/, /unprivileged port such as 8080/);
    refuse(() => resolveArcScaleSet({ ...base, metrics: { scrape: "servicemonitor" } }), "metrics.scrape", /podMonitor, serviceMonitor, annotations/, /.+/);
    refuse(() => resolveArcScaleSet({ ...base, metrics: { listenerMetrics: ["gha_queue_depth"] } }), "metrics.listenerMetrics[0]", /not a listener metric ARC 0\.14\.2 documents/, /gha_assigned_jobs/);
    refuse(() => resolveArcScaleSet({ ...base, metrics: { path: "metrics" } }), "metrics.path", /not an absolute URL path/, /"\/metrics"/);
    refuse(() => resolveArcScaleSet({ ...base, metrics: { enabled: false, scrape: "podMonitor" } }), "metrics.enabled", /yet scrape or listenerMetrics are set/, /remove metrics\.scrape/);
    refuse(() => resolveArcScaleSet({ ...base, metrics: { prometheus: { podLabels: {} } } }), "metrics.prometheus.podLabels", /is empty/, /Prometheus pods' labels/);
  });
  it("duplicate scale-set names, cluster keys per scale set, a top-level name beside scaleSets", () => {
    const fleet = (scaleSets: unknown[], top: Record<string, unknown> = {}) => () => resolveArcFleet({ ...base, ...top, scaleSets });
    refuse(fleet([{ scaleSetName: "a" }, { scaleSetName: "a" }]), "scaleSets[1].scaleSetName", /repeats scaleSets\[0\]\.scaleSetName \("a"\)/, /its own scaleSetName/);
    refuse(fleet([{ scaleSetName: "a", podCidr: "10.1.0.0/16" }]), "scaleSets[0].podCidr", /setting of the cluster/, /set podCidr once at the top level/);
    refuse(fleet([{ scaleSetName: "a" }], { scaleSetName: "b" }), "scaleSetName", /together with scaleSets/, /its own scaleSetName/);
    refuse(fleet([{ scaleSetName: "a", minRunners: 9 }]), "scaleSets[0].minRunners", /greater than maxRunners/, /at most maxRunners/);
    refuse(fleet([{ runnerLabels: ["x"] }]), "scaleSets[0].scaleSetName", /is missing/, /name the scale set/);
  });
  it("a container mode on an untrusted scale set of a fleet, and a privileged set beside an untrusted one", () => {
    refuse(() => resolveArcFleet({ ...base, scaleSets: [{ scaleSetName: "a", useFirecracker: false, containerMode: { type: "dind" } }] }), "scaleSets[0].containerMode.type", /untrusted scale set outside a microVM/, /useFirecracker: true/);
    refuse(
      () => resolveArcFleet({ ...base, scaleSets: [{ scaleSetName: "fc" }, { scaleSetName: "dind", trust: "trusted", useFirecracker: false, containerMode: { type: "dind" } }] }),
      "scaleSets[1].runnerNamespace",
      /also holds the untrusted scale set fc/,
      /its own runnerNamespace/,
    );
  });
  it("defaults are the documented ones", () => {
    const s = resolveArcScaleSet(base);
    assert.equal(s.trust, "untrusted");
    assert.equal(s.containerMode, undefined);
    assert.deepEqual([s.metrics.enabled, s.metrics.scrape, s.metrics.port, s.metrics.path], [true, "podMonitor", 8080, "/metrics"]);
    assert.deepEqual(s.metrics.listenerMetrics, ARC_METRICS_DEFAULTS.listenerMetrics);
    assert.deepEqual(resolveArcScaleSet({ ...base, containerMode: { type: "kubernetes" } }).containerMode, { type: "kubernetes", workVolumeClaim: { accessModes: ["ReadWriteOnce"], storage: "1Gi" } });
    assert.deepEqual(resolveArcScaleSet({ ...base, containerMode: { type: "dind" } }).containerMode, { type: "dind", dockerImage: "docker:28.3.3-dind", dockerGroupId: 123 });
  });
});

describe("ARC fleet: keys of a scale set entry", () => {
  it("an unknown or misspelt key of an entry is reported under that entry, invisible characters shown", () => {
    const fleet = (entry: Record<string, unknown>) => () => resolveArcFleet({ ...base, scaleSets: [{ scaleSetName: "a" }, { scaleSetName: "b", ...entry }] } as never);
    assert.throws(fleet({ zzlegacy_setting: 1 }), (e: ConfigError) => e.issues.some((i) => i.path === "scaleSets[1].zzlegacy_setting" && i.fix !== undefined));
    assert.throws(fleet({ "tru\u200Bst": "trusted" }), (e: ConfigError) => e.issues.some((i) => i.path === "scaleSets[1].tru\\u{200B}st"));
  });
});
