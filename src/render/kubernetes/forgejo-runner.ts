/**
 * The Forgejo forge's part of a runner Deployment: forgejo-runner's `config.yaml` in a ConfigMap, an
 * init container that registers the pod once (token read from a mounted file of an existing Secret,
 * `.runner` written into the data emptyDir), and `forgejo-runner daemon` as the runner container.
 * The pod itself is the shared substrate's (`runner-deployment.ts`): Pod Security restricted.
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, Container, EnvVar, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import { FORGEJO_K8S_DEFAULTS } from "../../model/defaults.ts";
import { type ResolvedForgejoK8sFleet, type ResolvedForgejoRunner } from "../../model/forgejo-k8s.ts";
import { type ForgejoRunnerConfig, type ForgejoRunnerPlacement, forgejoRunnerConfigOf, renderForgejoRunnerConfigOf } from "../forgejo/runner-config.ts";
import { hardenedContainerSecurityContext } from "./security-context.ts";
import { podVolumeMounts, runnerDeployment, userEnv } from "./runner-deployment.ts";

/** Where the pod finds its configuration and its registration token. */
export const FORGEJO_POD_PATHS = {
  configDir: "/etc/forgejo-runner",
  configFile: "/etc/forgejo-runner/config.yaml",
  tokenDir: "/run/secrets/forgejo-runner",
  tokenFile: "/run/secrets/forgejo-runner/token",
} as const;

/** Volume names the Forgejo part adds to the pod. */
export { FORGEJO_POD_VOLUMES } from "../../model/forgejo-k8s.ts";
import { FORGEJO_POD_VOLUMES, FORGEJO_REGISTER_CONTAINER } from "../../model/forgejo-k8s.ts";

/** forgejo-runner's `config.yaml` of one runner pod: its files in the data emptyDir. */
const podPlacement = (r: ResolvedForgejoRunner): ForgejoRunnerPlacement => ({
  file: `${r.dataDir}/.runner`,
  capacity: r.capacity,
  labels: r.labels,
  cacheDir: `${r.dataDir}/cache`,
  workdirParent: `${r.dataDir}/work`,
  ...(r.dockerHost === undefined ? {} : { dockerHost: r.dockerHost }),
});

export const forgejoK8sRunnerConfig = (r: ResolvedForgejoRunner): ForgejoRunnerConfig => forgejoRunnerConfigOf(podPlacement(r));

export const renderForgejoK8sRunnerConfig = (r: ResolvedForgejoRunner): string => renderForgejoRunnerConfigOf(podPlacement(r), r.objectName);

/**
 * Registers the pod once: skipped when `.runner` exists (a restarted container keeps its emptyDir).
 * Every value comes from the environment or a file, so nothing from the description is parsed by
 * the shell; the token is on the command line only inside this container, for the moment of
 * registration, before any job can run.
 */
export const REGISTER_SCRIPT = [
  "set -eu",
  'if [ -s "$RUNNER_FILE" ]; then echo "runner-fleet: $RUNNER_NAME is registered already"; exit 0; fi',
  'if [ ! -s "$TOKEN_FILE" ]; then echo "runner-fleet: no registration token in $TOKEN_FILE" >&2; exit 1; fi',
  'token="$(cat "$TOKEN_FILE")"',
  'exec forgejo-runner register --no-interactive --config "$CONFIG_FILE" --instance "$FORGEJO_INSTANCE_URL" --token "$token" --name "$RUNNER_NAME" --labels "$RUNNER_LABELS"',
].join("\n");

function registerContainer(fleet: ResolvedForgejoK8sFleet, r: ResolvedForgejoRunner, mounts: readonly VolumeMount[]): Container {
  const env: EnvVar[] = [
    { name: "FORGEJO_INSTANCE_URL", value: fleet.instanceUrl },
    { name: "RUNNER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "RUNNER_LABELS", value: r.labels.join(",") },
    { name: "RUNNER_FILE", value: `${r.dataDir}/.runner` },
    { name: "CONFIG_FILE", value: FORGEJO_POD_PATHS.configFile },
    { name: "TOKEN_FILE", value: FORGEJO_POD_PATHS.tokenFile },
  ];
  return {
    name: FORGEJO_REGISTER_CONTAINER,
    image: r.image,
    imagePullPolicy: r.imagePullPolicy,
    command: ["/bin/sh", "-c", REGISTER_SCRIPT],
    env,
    resources: structuredClone(FORGEJO_K8S_DEFAULTS.registerResources) as Container["resources"] & object,
    securityContext: hardenedContainerSecurityContext(r),
    volumeMounts: [...mounts, { name: FORGEJO_POD_VOLUMES.registration, mountPath: FORGEJO_POD_PATHS.tokenDir, readOnly: true }],
  };
}

export function forgejoRunnerConfigMap(fleet: ResolvedForgejoK8sFleet, r: ResolvedForgejoRunner): ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: r.configMapName, namespace: fleet.namespace, labels: { app: r.objectName } },
    data: { "config.yaml": renderForgejoK8sRunnerConfig(r) },
  };
}

export function forgejoRunnerDeployment(fleet: ResolvedForgejoK8sFleet, r: ResolvedForgejoRunner): Deployment {
  const configMount: VolumeMount = { name: FORGEJO_POD_VOLUMES.config, mountPath: FORGEJO_POD_PATHS.configDir, readOnly: true };
  const volumes: Volume[] = [
    { name: FORGEJO_POD_VOLUMES.config, configMap: { name: r.configMapName } },
    // Group-readable: the files belong to root and the pod's fsGroup; the runner is not root.
    { name: FORGEJO_POD_VOLUMES.registration, secret: { secretName: fleet.registrationSecret.name, items: [{ key: fleet.registrationSecret.key, path: "token" }], defaultMode: 0o440 } },
  ];
  return runnerDeployment(fleet.namespace, r, {
    env: userEnv(r.env),
    command: ["forgejo-runner", "daemon", "--config", FORGEJO_POD_PATHS.configFile],
    initContainers: [registerContainer(fleet, r, [...podVolumeMounts(r), configMount])],
    volumes,
    volumeMounts: [configMount],
  });
}
