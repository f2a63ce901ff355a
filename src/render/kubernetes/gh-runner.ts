/**
 * Renders a resolved gh-runner fleet to Kubernetes objects: one ConfigMap per config payload
 * and one apps/v1 Deployment per runner, with stable names. Secrets and PersistentVolumeClaims
 * are only referenced, never rendered.
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, EnvVar, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import type { ResolvedGhRunnerFleet, ResolvedRunner } from "../../model/index.ts";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "./security-context.ts";

export interface GhRunnerDocuments {
  readonly configMaps: readonly ConfigMap[];
  readonly deployments: readonly Deployment[];
}

export function renderGhRunnerFleet(fleet: ResolvedGhRunnerFleet): GhRunnerDocuments {
  return {
    configMaps: fleet.configPayloads.map((p) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: p.objectName, namespace: fleet.namespace, labels: { app: p.objectName } },
      data: { ...p.files },
    })),
    deployments: fleet.runners.map((r) => renderRunnerDeployment(fleet, r)),
  };
}

/** The environment a runner registers with (`config.sh` reads `ACTIONS_RUNNER_INPUT_*`). */
export function runnerEnv(fleet: ResolvedGhRunnerFleet, r: ResolvedRunner): EnvVar[] {
  const env: EnvVar[] = [
    { name: "ACTIONS_RUNNER_INPUT_URL", value: fleet.registrationUrl },
    { name: "ACTIONS_RUNNER_INPUT_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ];
  if (r.labels.length > 0) env.push({ name: "ACTIONS_RUNNER_INPUT_LABELS", value: r.labels.join(",") });
  if (r.runnerGroup !== undefined) env.push({ name: "ACTIONS_RUNNER_INPUT_RUNNERGROUP", value: r.runnerGroup });
  env.push({ name: "ACTIONS_RUNNER_INPUT_WORK", value: r.workDir });
  if (r.ephemeral) env.push({ name: "ACTIONS_RUNNER_INPUT_EPHEMERAL", value: "true" });
  if (r.replace) env.push({ name: "ACTIONS_RUNNER_INPUT_REPLACE", value: "true" });
  if (r.disableUpdates) env.push({ name: "ACTIONS_RUNNER_INPUT_DISABLEUPDATE", value: "true" });
  for (const e of r.env) {
    env.push(e.secretKeyRef ? { name: e.name, valueFrom: { secretKeyRef: { ...e.secretKeyRef } } } : { name: e.name, value: e.value ?? "" });
  }
  return env;
}

function renderRunnerDeployment(fleet: ResolvedGhRunnerFleet, r: ResolvedRunner): Deployment {
  const labels = { app: r.objectName };
  const volumes: Volume[] = [
    ...r.claims.map((c): Volume => ({ name: c.volumeName, persistentVolumeClaim: { claimName: c.claimName, ...(c.readOnly ? { readOnly: true } : {}) } })),
    ...[...new Map(r.configFiles.map((f) => [f.volumeName, f])).values()].map((f): Volume => ({ name: f.volumeName, configMap: { name: f.configMapName } })),
    ...r.scratch.map((s): Volume => ({ name: s.volumeName, emptyDir: {} })),
  ];
  const volumeMounts: VolumeMount[] = [
    ...r.claims.map((c): VolumeMount => ({ name: c.volumeName, mountPath: c.mountPath, ...(c.readOnly ? { readOnly: true } : {}), ...(c.subPath === undefined ? {} : { subPath: c.subPath }) })),
    ...r.configFiles.map((f): VolumeMount => ({ name: f.volumeName, mountPath: f.mountPath, subPath: f.key, readOnly: true })),
    ...r.scratch.map((s): VolumeMount => ({ name: s.volumeName, mountPath: s.mountPath })),
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: r.objectName, namespace: fleet.namespace, labels },
    spec: {
      replicas: r.replicas,
      // Runner homes live on ReadWriteOnce claims: the old pod must stop before the new one mounts.
      strategy: { type: "Recreate" },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: hardenedPodSecurityContext(r),
          ...(Object.keys(r.nodeSelector).length > 0 ? { nodeSelector: { ...r.nodeSelector } } : {}),
          ...(r.tolerations.length > 0 ? { tolerations: r.tolerations.map((t) => ({ ...t })) } : {}),
          containers: [
            {
              name: "runner",
              image: r.image,
              imagePullPolicy: r.imagePullPolicy,
              env: runnerEnv(fleet, r),
              ...(r.resources === undefined ? {} : { resources: structuredClone(r.resources) as Record<string, Record<string, string>> }),
              securityContext: hardenedContainerSecurityContext(r),
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}
