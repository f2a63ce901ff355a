/**
 * The runner pod template of an ARC scale set (the chart's `template`), hardened, with its
 * container mode rendered here rather than by the chart: the 0.14.2 chart's `containerMode` would
 * replace the template's containers with an unpinned `docker:dind` and create a Role we could
 * neither pin nor audit. We render what the chart would (same volumes, mounts, variables: see
 * `charts/gha-runner-scale-set/templates/_helpers.tpl` at 0.14.2) and leave `containerMode` unset,
 * as the chart's values.yaml asks for customised modes.
 *
 * dind in 0.14.2 speaks to dockerd over a Unix socket on a pod-local emptyDir (`dind-sock` at
 * /var/run); no TCP port is opened, so there is no TLS to set up between runner and daemon.
 */
import type { Container, EnvVar, PodTemplateSpec, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import type { Role, RoleBinding } from "kubernetes-types/rbac/v1.js";
import type { ResolvedArcScaleSet } from "../../model/arc-scale-set.ts";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "./security-context.ts";

/** Pod label naming the scale set a runner pod belongs to (NetworkPolicies select by it). */
export const SCALE_SET_LABEL = "runner-fleet/scale-set";
/** Pod label with the scale set's trust level; the audit reads it from the rendered template. */
export const TRUST_LABEL = "runner-fleet/trust-level";

const WORK: VolumeMount = { name: "work", mountPath: "/home/runner/_work" };
const DIND_SOCK: VolumeMount = { name: "dind-sock", mountPath: "/var/run" };

/** Name of the kubernetes-mode ServiceAccount, Role and RoleBinding of the scale set `name`. */
export const kubeModeName = (name: string): string => `${name}-kube-mode`;

function hardening(s: ResolvedArcScaleSet) {
  // The runner writes its registration and diagnostics under /home/runner; the microVM is the boundary.
  return { runAsUser: s.runAsUser, runAsGroup: s.runAsGroup, fsGroup: s.runAsGroup, relax: { writableRootFilesystem: true } };
}

/** The privileged docker daemon of dind, as a native sidecar (Kubernetes >= 1.29), root inside its container. */
function dindContainers(s: ResolvedArcScaleSet, image: string, gid: number): Container[] {
  const resources = { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } };
  return [
    {
      name: "init-dind-externals",
      image: s.runnerImage,
      command: ["cp"],
      args: ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"],
      volumeMounts: [{ name: "dind-externals", mountPath: "/home/runner/tmpDir" }],
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      securityContext: hardenedContainerSecurityContext(hardening(s)),
    },
    {
      name: "dind",
      image,
      args: ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"],
      env: [{ name: "DOCKER_GROUP_GID", value: String(gid) }],
      restartPolicy: "Always",
      startupProbe: { exec: { command: ["docker", "info"] }, initialDelaySeconds: 0, failureThreshold: 24, periodSeconds: 5 },
      resources,
      // dockerd needs root and a privileged container; the pod-level runAsNonRoot would refuse it otherwise.
      securityContext: { privileged: true, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, allowPrivilegeEscalation: true },
      volumeMounts: [WORK, DIND_SOCK, { name: "dind-externals", mountPath: "/home/runner/externals" }],
    },
  ];
}

/** Variables, mounts and volumes of the runner for its container mode. */
function modeParts(s: ResolvedArcScaleSet, name: string): { env: EnvVar[]; mounts: VolumeMount[]; volumes: Volume[]; initContainers: Container[]; serviceAccountName?: string } {
  const mode = s.containerMode;
  const podName: EnvVar = { name: "ACTIONS_RUNNER_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };
  const requireJobContainer: EnvVar = { name: "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", value: "true" };
  switch (mode?.type) {
    case undefined:
      return { env: [], mounts: [], volumes: [], initContainers: [] };
    case "dind":
      return {
        env: [{ name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" }, { name: "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", value: "120" }],
        mounts: [WORK, DIND_SOCK],
        volumes: [{ name: "work", emptyDir: {} }, { name: "dind-sock", emptyDir: {} }, { name: "dind-externals", emptyDir: {} }],
        initContainers: dindContainers(s, mode.dockerImage, mode.dockerGroupId),
      };
    case "kubernetes": {
      const c = mode.workVolumeClaim;
      const claim = { accessModes: [...c.accessModes], ...(c.storageClassName === undefined ? {} : { storageClassName: c.storageClassName }), resources: { requests: { storage: c.storage } } };
      return {
        env: [{ name: "ACTIONS_RUNNER_CONTAINER_HOOKS", value: "/home/runner/k8s/index.js" }, podName, requireJobContainer],
        mounts: [WORK],
        volumes: [{ name: "work", ephemeral: { volumeClaimTemplate: { spec: claim } } }],
        initContainers: [],
        serviceAccountName: kubeModeName(name),
      };
    }
    case "kubernetes-novolume":
      return {
        env: [{ name: "ACTIONS_RUNNER_CONTAINER_HOOKS", value: "/home/runner/k8s-novolume/index.js" }, podName, requireJobContainer, { name: "ACTIONS_RUNNER_IMAGE", value: s.runnerImage }],
        mounts: [],
        volumes: [],
        initContainers: [],
        serviceAccountName: kubeModeName(name),
      };
  }
}

/**
 * The runner pod template handed to the scale-set chart (`template`); the runner container is
 * named `runner`. `name` names the kubernetes-mode ServiceAccount (the scale set's component name).
 */
export function runnerPodTemplate(s: ResolvedArcScaleSet, name: string = s.scaleSetName): PodTemplateSpec {
  const h = hardening(s);
  const parts = modeParts(s, name);
  const container: Container = {
    name: "runner",
    image: s.runnerImage,
    command: ["/home/runner/run.sh"],
    ...(parts.env.length > 0 ? { env: parts.env } : {}),
    resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
    securityContext: s.privileged ? { ...hardenedContainerSecurityContext(h), privileged: true, allowPrivilegeEscalation: true } : hardenedContainerSecurityContext(h),
    ...(parts.mounts.length > 0 ? { volumeMounts: parts.mounts } : {}),
  };
  const kubeMode = parts.serviceAccountName !== undefined;
  return {
    metadata: { labels: { [SCALE_SET_LABEL]: s.scaleSetName, [TRUST_LABEL]: s.trust } },
    spec: {
      ...(s.useFirecracker ? { runtimeClassName: s.kata.runtimeClassName } : {}),
      ...(s.hostNetwork ? { hostNetwork: true } : {}),
      ...(kubeMode ? { serviceAccountName: parts.serviceAccountName } : {}),
      // The container hooks of kubernetes mode call the API with the pod's token; no other mode gets one.
      automountServiceAccountToken: kubeMode,
      securityContext: hardenedPodSecurityContext(h),
      restartPolicy: "Never",
      ...(parts.initContainers.length > 0 ? { initContainers: parts.initContainers } : {}),
      containers: [container],
      ...(parts.volumes.length > 0 ? { volumes: parts.volumes } : {}),
    },
  };
}

/**
 * The ServiceAccount, Role and RoleBinding of kubernetes mode, with the rules the 0.14.2 chart's
 * `kube_mode_role.yaml` grants (jobs only with a work volume): a privilege the audit reports.
 */
export function kubeModeRbac(s: ResolvedArcScaleSet, name: string): { serviceAccount: Record<string, unknown>; role: Role; roleBinding: RoleBinding } | undefined {
  const mode = s.containerMode?.type;
  if (mode !== "kubernetes" && mode !== "kubernetes-novolume") return undefined;
  const metadata = { name: kubeModeName(name), namespace: s.runnerNamespace, labels: { "app.kubernetes.io/part-of": "runner-fleet", [SCALE_SET_LABEL]: s.scaleSetName, [TRUST_LABEL]: s.trust } };
  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata },
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
        { apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list", "watch"] },
        ...(mode === "kubernetes" ? [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "create", "delete"] }] : []),
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "create", "delete"] },
      ],
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: kubeModeName(name) },
      subjects: [{ kind: "ServiceAccount", name: kubeModeName(name), namespace: s.runnerNamespace }],
    },
  };
}
