import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "../../render/kubernetes/security-context.ts";
import { checkPodSecurity, podSecurityOfObjects, strictestLevel } from "./check-pod-security.ts";
import type { PodSecurityFinding } from "./types.ts";

/** A pod template that meets Restricted and every hardening check. */
function compliant(): PodTemplateSpec {
  const resources = { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } };
  const securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
  return {
    metadata: { labels: { app: "runner" } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [{ name: "init", image: "docker.io/library/busybox:1.37.0", resources, securityContext: { ...securityContext } }],
      containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", resources, securityContext: { ...securityContext, capabilities: { drop: ["ALL"] } }, ports: [{ containerPort: 8080 }] }],
      volumes: [{ name: "work", emptyDir: {} }],
    },
  };
}

type Spec = NonNullable<PodTemplateSpec["spec"]>;
const runner = (t: PodTemplateSpec) => t.spec!.containers[0]!;
const paths = (fs: readonly PodSecurityFinding[]) => fs.map((f) => `${f.control}: ${f.path}`);

interface Case {
  readonly name: string;
  readonly mutate: (t: PodTemplateSpec) => void;
  /** Expected baseline findings as `control: path`. */
  readonly baseline: readonly string[];
  /** Expected restricted findings as `control: path`. */
  readonly restricted: readonly string[];
}

const cases: readonly Case[] = [
  // Baseline controls (they also fail Restricted).
  { name: "HostProcess on the pod", mutate: (t) => { t.spec!.securityContext!.windowsOptions = { hostProcess: true }; },
    baseline: ["HostProcess: spec.securityContext.windowsOptions.hostProcess"], restricted: ["HostProcess: spec.securityContext.windowsOptions.hostProcess"] },
  { name: "HostProcess on an init container", mutate: (t) => { t.spec!.initContainers![0]!.securityContext!.windowsOptions = { hostProcess: true }; },
    baseline: ["HostProcess: spec.initContainers[0].securityContext.windowsOptions.hostProcess"], restricted: ["HostProcess: spec.initContainers[0].securityContext.windowsOptions.hostProcess"] },
  { name: "host namespaces", mutate: (t) => { Object.assign(t.spec as Spec, { hostNetwork: true, hostPID: true, hostIPC: true }); },
    baseline: ["Host Namespaces: spec.hostNetwork", "Host Namespaces: spec.hostPID", "Host Namespaces: spec.hostIPC"],
    restricted: ["Host Namespaces: spec.hostNetwork", "Host Namespaces: spec.hostPID", "Host Namespaces: spec.hostIPC"] },
  { name: "host namespaces set to false", mutate: (t) => { Object.assign(t.spec as Spec, { hostNetwork: false, hostPID: false, hostIPC: false }); }, baseline: [], restricted: [] },
  { name: "privileged container", mutate: (t) => { runner(t).securityContext!.privileged = true; },
    baseline: ["Privileged Containers: spec.containers[0].securityContext.privileged"], restricted: ["Privileged Containers: spec.containers[0].securityContext.privileged"] },
  { name: "capability beyond the baseline list", mutate: (t) => { runner(t).securityContext!.capabilities!.add = ["SYS_ADMIN"]; },
    baseline: ["Capabilities: spec.containers[0].securityContext.capabilities.add[0]"], restricted: ["Capabilities: spec.containers[0].securityContext.capabilities.add[0]"] },
  { name: "capability in the baseline list but not NET_BIND_SERVICE", mutate: (t) => { runner(t).securityContext!.capabilities!.add = ["NET_BIND_SERVICE", "CHOWN"]; },
    baseline: [], restricted: ["Capabilities: spec.containers[0].securityContext.capabilities.add[1]"] },
  { name: "hostPath volume", mutate: (t) => { t.spec!.volumes!.push({ name: "docker-sock", hostPath: { path: "/var/run/docker.sock" } }); },
    baseline: ["HostPath Volumes: spec.volumes[1].hostPath"], restricted: ["Volume Types: spec.volumes[1].hostPath"] },
  { name: "hostPort", mutate: (t) => { runner(t).ports = [{ containerPort: 8080, hostPort: 8080 }, { containerPort: 9090, hostPort: 0 }]; },
    baseline: ["Host Ports: spec.containers[0].ports[0].hostPort"], restricted: ["Host Ports: spec.containers[0].ports[0].hostPort"] },
  { name: "AppArmor unconfined (fields and annotation)", mutate: (t) => {
    t.spec!.securityContext!.appArmorProfile = { type: "Unconfined" };
    runner(t).securityContext!.appArmorProfile = { type: "RuntimeDefault" };
    t.metadata!.annotations = { "container.apparmor.security.beta.kubernetes.io/runner": "unconfined", "container.apparmor.security.beta.kubernetes.io/init": "runtime/default" };
  }, baseline: ["AppArmor: spec.securityContext.appArmorProfile.type", 'AppArmor: metadata.annotations["container.apparmor.security.beta.kubernetes.io/runner"]'],
    restricted: ["AppArmor: spec.securityContext.appArmorProfile.type", 'AppArmor: metadata.annotations["container.apparmor.security.beta.kubernetes.io/runner"]'] },
  { name: "SELinux type, user and role", mutate: (t) => {
    t.spec!.securityContext!.seLinuxOptions = { type: "container_engine_t" };
    runner(t).securityContext!.seLinuxOptions = { type: "spc_t", user: "system_u", role: "system_r" };
  }, baseline: ["SELinux: spec.containers[0].securityContext.seLinuxOptions.type", "SELinux: spec.containers[0].securityContext.seLinuxOptions.user", "SELinux: spec.containers[0].securityContext.seLinuxOptions.role"],
    restricted: ["SELinux: spec.containers[0].securityContext.seLinuxOptions.type", "SELinux: spec.containers[0].securityContext.seLinuxOptions.user", "SELinux: spec.containers[0].securityContext.seLinuxOptions.role"] },
  { name: "unmasked /proc", mutate: (t) => { runner(t).securityContext!.procMount = "Unmasked"; },
    baseline: ["/proc Mount Type: spec.containers[0].securityContext.procMount"], restricted: ["/proc Mount Type: spec.containers[0].securityContext.procMount"] },
  { name: "seccomp Unconfined on a container", mutate: (t) => { runner(t).securityContext!.seccompProfile = { type: "Unconfined" }; },
    baseline: ["Seccomp: spec.containers[0].securityContext.seccompProfile.type"], restricted: ["Seccomp: spec.containers[0].securityContext.seccompProfile.type"] },
  { name: "unsafe sysctl (v1.32 safe ones pass)", mutate: (t) => { t.spec!.securityContext!.sysctls = [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }, { name: "kernel.msgmax", value: "65536" }]; },
    baseline: ["Sysctls: spec.securityContext.sysctls[1].name"], restricted: ["Sysctls: spec.securityContext.sysctls[1].name"] },
  // Restricted-only controls.
  { name: "volume type outside the restricted list", mutate: (t) => { t.spec!.volumes!.push({ name: "cache", nfs: { server: "nas", path: "/cache" } }); },
    baseline: [], restricted: ["Volume Types: spec.volumes[1].nfs"] },
  { name: "volume without a source (defaulted to emptyDir) and allowed types", mutate: (t) => {
    t.spec!.volumes!.push({ name: "scratch" }, { name: "cfg", configMap: { name: "cfg" } }, { name: "claim", persistentVolumeClaim: { claimName: "home" } }, { name: "tok", projected: { sources: [] } });
  }, baseline: [], restricted: [] },
  { name: "allowPrivilegeEscalation unset or true", mutate: (t) => { delete runner(t).securityContext!.allowPrivilegeEscalation; t.spec!.initContainers![0]!.securityContext!.allowPrivilegeEscalation = true; },
    baseline: [], restricted: ["Privilege Escalation: spec.initContainers[0].securityContext.allowPrivilegeEscalation", "Privilege Escalation: spec.containers[0].securityContext.allowPrivilegeEscalation"] },
  { name: "runAsNonRoot unset everywhere", mutate: (t) => { delete t.spec!.securityContext!.runAsNonRoot; },
    baseline: [], restricted: ["Running as Non-root: spec.initContainers[0].securityContext.runAsNonRoot", "Running as Non-root: spec.containers[0].securityContext.runAsNonRoot"] },
  { name: "runAsNonRoot false on the pod, true on the containers", mutate: (t) => {
    t.spec!.securityContext!.runAsNonRoot = false;
    runner(t).securityContext!.runAsNonRoot = true;
    t.spec!.initContainers![0]!.securityContext!.runAsNonRoot = true;
  }, baseline: [], restricted: ["Running as Non-root: spec.securityContext.runAsNonRoot"] },
  { name: "runAsUser 0", mutate: (t) => { t.spec!.securityContext!.runAsUser = 0; runner(t).securityContext!.runAsUser = 0; },
    baseline: [], restricted: ["Running as Non-root user: spec.securityContext.runAsUser", "Running as Non-root user: spec.containers[0].securityContext.runAsUser"] },
  { name: "seccomp unset on the pod: every container must set it", mutate: (t) => {
    delete t.spec!.securityContext!.seccompProfile;
    runner(t).securityContext!.seccompProfile = { type: "Localhost", localhostProfile: "runner.json" };
  }, baseline: [], restricted: ["Seccomp: spec.initContainers[0].securityContext.seccompProfile.type"] },
  { name: "capabilities not dropped", mutate: (t) => { delete runner(t).securityContext!.capabilities; },
    baseline: [], restricted: ["Capabilities: spec.containers[0].securityContext.capabilities.drop"] },
  { name: "Windows pods skip privilege escalation, seccomp and capabilities", mutate: (t) => {
    t.spec!.os = { name: "windows" };
    delete t.spec!.securityContext!.seccompProfile;
    delete runner(t).securityContext!.allowPrivilegeEscalation;
    delete runner(t).securityContext!.capabilities;
  }, baseline: [], restricted: [] },
];

describe("Pod Security Standards v1.32, one case per control", () => {
  it("the compliant template meets restricted with no hardening findings", () => {
    const r = checkPodSecurity(compliant());
    assert.deepEqual([r.baseline, r.restricted, r.hardening], [[], [], []]);
    assert.equal(strictestLevel(compliant()), "restricted");
  });

  for (const c of cases) {
    it(c.name, () => {
      const t = compliant();
      c.mutate(t);
      const r = checkPodSecurity(t);
      assert.deepEqual(paths(r.baseline), c.baseline, "baseline");
      assert.deepEqual(paths(r.restricted), c.restricted, "restricted");
      for (const f of [...r.baseline, ...r.restricted]) {
        assert.ok(f.message.length > 0 && f.fix.length > 0, `${f.path} needs a message and a fix`);
      }
    });
  }

  it("says what to set", () => {
    const t = compliant();
    delete runner(t).securityContext!.allowPrivilegeEscalation;
    const [f] = checkPodSecurity(t).restricted;
    assert.equal(f?.path, "spec.containers[0].securityContext.allowPrivilegeEscalation");
    assert.equal(f?.fix, "set allowPrivilegeEscalation: false");
    assert.equal(f?.level, "restricted");
  });

  it("strictestLevel is the loosest level the findings allow", () => {
    const baselineOnly = compliant();
    runner(baselineOnly).securityContext!.capabilities!.add = ["CHOWN"];
    assert.equal(strictestLevel(baselineOnly), "baseline");
    const privileged = compliant();
    runner(privileged).securityContext!.privileged = true;
    assert.equal(strictestLevel(privileged), "privileged");
    assert.equal(strictestLevel({ spec: { containers: [{ name: "c", image: "nginx:1.27.3" }] } }), "baseline", "an unhardened default pod meets baseline");
  });

  it("the project's hardened security contexts meet restricted", () => {
    const h = { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 };
    const t: PodTemplateSpec = { spec: { securityContext: hardenedPodSecurityContext(h), containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", securityContext: hardenedContainerSecurityContext(h) }] } };
    assert.equal(strictestLevel(t), "restricted");
    const relaxed: PodTemplateSpec = { spec: { securityContext: hardenedPodSecurityContext({ ...h, relax: { unconfinedSeccomp: true } }), containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", securityContext: hardenedContainerSecurityContext(h) }] } };
    assert.equal(strictestLevel(relaxed), "privileged", "an unconfined seccomp profile fails baseline");
  });
});

describe("hardening checks beyond the standards", () => {
  it("flags floating and untagged images; tags and digests pass", () => {
    const t = compliant();
    runner(t).image = "ghcr.io/actions/actions-runner:latest";
    t.spec!.initContainers![0]!.image = "busybox";
    t.spec!.ephemeralContainers = [{ name: "debug", image: "busybox@sha256:" + "a".repeat(64) }];
    const r = checkPodSecurity(t);
    assert.deepEqual(r.hardening.map((f) => [f.path, f.message]), [
      ["spec.initContainers[0].image", '"busybox" has no tag or digest'],
      ["spec.containers[0].image", '"ghcr.io/actions/actions-runner:latest" uses the floating tag latest'],
    ]);
    assert.ok(r.hardening.every((f) => /pin the image/.test(f.fix)));
  });

  it("requires cpu and memory requests and limits", () => {
    const t = compliant();
    runner(t).resources = { requests: { memory: "1Gi" } };
    assert.deepEqual(checkPodSecurity(t).hardening.map((f) => [f.path, f.message]), [
      ["spec.containers[0].resources.requests", "has no cpu request"],
      ["spec.containers[0].resources.limits", "has no cpu or memory limit"],
    ]);
  });

  it("requires automountServiceAccountToken: false", () => {
    const t = compliant();
    delete t.spec!.automountServiceAccountToken;
    const [f] = checkPodSecurity(t).hardening;
    assert.equal(f?.path, "spec.automountServiceAccountToken");
    assert.match(f?.fix ?? "", /set automountServiceAccountToken: false/);
  });
});

describe("pod templates inside objects", () => {
  it("prefixes paths with the template's place in the object", () => {
    const t = compliant();
    runner(t).securityContext!.privileged = true;
    const [result] = podSecurityOfObjects([
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "runner", namespace: "ci" }, spec: { selector: {}, template: t } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ignored" } },
    ]);
    assert.equal(result?.pod, "ci/Deployment/runner");
    assert.equal(result?.level, "privileged");
    assert.deepEqual(result?.baseline.map((f) => f.path), ["spec.template.spec.containers[0].securityContext.privileged"]);
  });

  it("reads CronJob templates and bare Pods", () => {
    const results = podSecurityOfObjects([
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "gc", namespace: "ci" }, spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [] } } } } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ci" }, spec: { hostIPC: true, containers: [] } },
    ]);
    assert.deepEqual(results.map((r) => r.baseline.map((f) => f.path)), [["spec.jobTemplate.spec.template.spec.hostPID"], ["spec.hostIPC"]]);
  });
});
