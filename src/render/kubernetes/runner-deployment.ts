/**
 * The Kubernetes Deployment substrate's renderer, whatever the forge: one apps/v1 Deployment per
 * runner with the hardened pod (one security-context builder), its claims, config files and emptyDir
 * scratch, secret files, resources and scheduling. The forge part adds the runner's environment,
 * command, init containers and volumes (`gh-runner.ts`, `forgejo-runner.ts`). Secrets and
 * PersistentVolumeClaims are only referenced, never rendered.
 */
import type { Deployment, DeploymentStrategy } from "kubernetes-types/apps/v1.js";
import type { Container, ContainerPort, EnvFromSource, EnvVar, EnvVarSource, PodSpec, ResourceRequirements, SecurityContext, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import type { ResolvedEnvVar, ResolvedRunnerPod } from "../../model/kubernetes-runner.ts";
import type { InitContainer, SidecarContainer } from "../../model/kubernetes-containers.ts";
import { SECRET_FILE_MODE } from "../../model/kubernetes-secret-files.ts";
import { automountServiceAccountToken, containerSecurityContext, podSecurityContext, type WrittenSecurity } from "./security-context.ts";

/** What the forge adds to the shared runner pod. */
export interface ForgePodPart {
  /** The runner container's environment (registration variables, then the user's). */
  readonly env: readonly EnvVar[];
  /** The runner container's command, when the image's entrypoint is not the one to run. */
  readonly command?: readonly string[];
  /** Arguments of the command (or of the image's entrypoint). */
  readonly args?: readonly string[];
  /** Containers that run before the runner (registration). */
  readonly initContainers?: readonly Container[];
  /** Volumes besides the pod's claims, config files and scratch. */
  readonly volumes?: readonly Volume[];
  /** Mounts of the runner container besides the pod's own. */
  readonly volumeMounts?: readonly VolumeMount[];
  /** Containers beside the runner that the forge part runs (before the user's sidecars). */
  readonly containers?: readonly Container[];
}

/** The user's variables as written: plain values, or one source each under `valueFrom`. */
export function userEnv(env: readonly ResolvedEnvVar[]): EnvVar[] {
  return env.map((e): EnvVar => {
    const { name, value, ...sources } = structuredClone(e);
    return value !== undefined ? { name, value } : { name, valueFrom: sources as EnvVarSource };
  });
}

/** The pod's claims, config-file ConfigMaps (each once) and emptyDir scratch volumes. */
export function podVolumes(r: ResolvedRunnerPod): Volume[] {
  return [
    ...r.claims.map((c): Volume => ({ name: c.volumeName, persistentVolumeClaim: { claimName: c.claimName, ...(c.readOnly ? { readOnly: true } : {}) } })),
    ...[...new Map(r.configFiles.map((f) => [f.volumeName, f])).values()].map((f): Volume => ({ name: f.volumeName, configMap: { name: f.configMapName } })),
    ...r.scratch.map((s): Volume => ({ name: s.volumeName, emptyDir: {} })),
    ...r.extraVolumes.map((v) => structuredClone(v) as Volume),
  ];
}

/** The runner container's mounts of the pod's volumes. */
export function podVolumeMounts(r: ResolvedRunnerPod): VolumeMount[] {
  return [
    ...r.claims.map((c): VolumeMount => ({ name: c.volumeName, mountPath: c.mountPath, ...(c.readOnly ? { readOnly: true } : {}), ...(c.subPath === undefined ? {} : { subPath: c.subPath }) })),
    ...r.configFiles.map((f): VolumeMount => ({ name: f.volumeName, mountPath: f.mountPath, subPath: f.key, ...(f.readOnly ? { readOnly: true } : {}) })),
    ...r.scratch.map((s): VolumeMount => ({ name: s.volumeName, mountPath: s.mountPath })),
    ...r.extraVolumeMounts.map((m) => structuredClone(m) as VolumeMount),
  ];
}

/**
 * The runner's secret files: one `secret` volume per Secret and directory, its keys as files of mode
 * 0400 (the kubelet makes them group-owned by the pod's fsGroup and adds group read: 0440).
 */
export function secretFileVolumes(r: ResolvedRunnerPod): Volume[] {
  return r.secretFiles.map((s): Volume => ({ name: s.volumeName, secret: { secretName: s.secretName, items: s.items.map((i) => ({ key: i.key, path: i.path })), defaultMode: SECRET_FILE_MODE } }));
}

/** The runner container's read-only mounts of its secret files' directories (the runner's only: not sidecars, not init containers). */
export function secretFileMounts(r: ResolvedRunnerPod): VolumeMount[] {
  return r.secretFiles.map((s): VolumeMount => ({ name: s.volumeName, mountPath: s.mountPath, readOnly: true }));
}

/** The runner's resources as the container takes them. */
export function runnerContainerResources(r: ResolvedRunnerPod): { resources?: ResourceRequirements } {
  return r.resources === undefined ? {} : { resources: structuredClone(r.resources) as ResourceRequirements };
}

/** The pod settings rendered as written, each only when set. */
function podOptions(r: ResolvedRunnerPod): Partial<PodSpec> {
  const o = r.options;
  return {
    ...(o.serviceAccountName === undefined ? {} : { serviceAccountName: o.serviceAccountName }),
    ...(o.priorityClassName === undefined ? {} : { priorityClassName: o.priorityClassName }),
    ...(o.runtimeClassName === undefined ? {} : { runtimeClassName: o.runtimeClassName }),
    ...(o.dnsPolicy === undefined ? {} : { dnsPolicy: o.dnsPolicy }),
    ...(o.imagePullSecrets === undefined ? {} : { imagePullSecrets: o.imagePullSecrets.map((name) => ({ name })) }),
    ...(o.terminationGracePeriodSeconds === undefined ? {} : { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds }),
    ...(o.restartPolicy === undefined ? {} : { restartPolicy: o.restartPolicy }),
  };
}

/** The runner's security settings as the one builder takes them. */
function writtenSecurity(r: ResolvedRunnerPod): WrittenSecurity {
  return { asWritten: r.relax.securityAsWritten, ...(structuredClone(r.written) as Omit<WrittenSecurity, "asWritten">) };
}

/** A sidecar or init container as written, its security context over the hardened defaults. */
function extraContainer(r: ResolvedRunnerPod, c: SidecarContainer | InitContainer): Container {
  const { securityContext, env, ...rest } = structuredClone(c);
  const sc = containerSecurityContext(r, { asWritten: r.relax.securityAsWritten, ...(securityContext === undefined ? {} : { container: securityContext as SecurityContext }) });
  return { ...(rest as unknown as Container), ...(env === undefined ? {} : { env: userEnv(env) }), ...(sc === undefined ? {} : { securityContext: sc }) };
}

export function runnerDeployment(namespace: string, r: ResolvedRunnerPod, forge: ForgePodPart): Deployment {
  const { deployment, pod, selector } = structuredClone(r.objectMeta);
  const initContainers = [...(forge.initContainers ?? []), ...r.initContainers.map((c) => extraContainer(r, c))];
  const written = writtenSecurity(r);
  const podSc = podSecurityContext(r, written);
  const runnerSc = containerSecurityContext(r, written);
  const volumeMounts = [...podVolumeMounts(r), ...secretFileMounts(r), ...(forge.volumeMounts ?? [])];
  const volumes = [...podVolumes(r), ...secretFileVolumes(r), ...(forge.volumes ?? [])];
  const envFrom = (r.options.envFrom ?? []).map((e) => structuredClone(e) as EnvFromSource);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: r.objectName, namespace, ...deployment },
    spec: {
      replicas: r.replicas,
      ...(r.options.strategy === undefined ? {} : { strategy: structuredClone(r.options.strategy) as DeploymentStrategy }),
      selector: { matchLabels: selector },
      template: {
        metadata: pod,
        spec: {
          ...automountServiceAccountToken(written),
          ...podOptions(r),
          ...(structuredClone(r.scheduling) as Partial<PodSpec>),
          ...(podSc === undefined ? {} : { securityContext: podSc }),
          ...(Object.keys(r.nodeSelector).length > 0 ? { nodeSelector: { ...r.nodeSelector } } : {}),
          ...(r.tolerations.length > 0 ? { tolerations: r.tolerations.map((t) => ({ ...t })) } : {}),
          ...(initContainers.length > 0 ? { initContainers: initContainers.map((c) => ({ ...c })) } : {}),
          containers: [
            {
              name: r.containerName,
              image: r.image,
              imagePullPolicy: r.imagePullPolicy,
              ...(r.workingDir === undefined ? {} : { workingDir: r.workingDir }),
              ...(r.ports === undefined ? {} : { ports: structuredClone(r.ports) as unknown as ContainerPort[] }),
              ...(forge.command === undefined ? {} : { command: [...forge.command] }),
              ...(forge.args === undefined ? {} : { args: [...forge.args] }),
              ...(forge.env.length > 0 ? { env: [...forge.env] } : {}),
              ...(envFrom.length > 0 ? { envFrom } : {}),
              ...runnerContainerResources(r),
              ...(structuredClone(r.container) as Partial<Container>),
              ...(runnerSc === undefined ? {} : { securityContext: runnerSc }),
              ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
            },
            ...(forge.containers ?? []).map((c) => structuredClone(c)),
            ...r.sidecars.map((c) => extraContainer(r, c)),
          ],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  };
}
