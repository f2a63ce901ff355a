/**
 * The pod of a GitHub runner with `registration: jit`: the runner container starts through a small
 * wrapper, and a `jit-minter` container beside it mints one just-in-time configuration per job from
 * the credential in an existing Secret, which only the minter mounts. The configuration passes
 * through a file in an in-memory emptyDir (mode 0400, the runner's uid), never through the pod spec.
 * Why two containers rather than an init container: see `render/scripts/github-jit.ts`.
 */
import type { ConfigMap, Container, EnvVar, SecurityContext, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import type { ResolvedGhRunnerFleet, ResolvedRunner } from "../../model/gh-runner.ts";
import { GH_RUNNER_JIT_DEFAULTS, JIT_POD_NAMES, type ResolvedJit } from "../../model/gh-runner-jit.ts";
import { JIT_CREDENTIAL_FILES, JIT_MINT_SCRIPT, JIT_POD_PATHS, JIT_RUN_SCRIPT, JIT_SCRIPT_FILES } from "../scripts/github-jit.ts";
import { hardenedContainerSecurityContext } from "./security-context.ts";
import { type ForgePodPart, userEnv } from "./runner-deployment.ts";

const V = JIT_POD_NAMES.volumes;

/** The ConfigMap with the two scripts, when a runner of the fleet registers just in time. */
export function jitScriptsConfigMap(fleet: ResolvedGhRunnerFleet): ConfigMap[] {
  if (!fleet.runners.some((r) => r.jit !== undefined)) return [];
  return [{
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: JIT_POD_NAMES.configMap, namespace: fleet.namespace, labels: { "app.kubernetes.io/name": "gh-runner", "app.kubernetes.io/component": "jit-scripts", "app.kubernetes.io/part-of": "runner-fleet" } },
    data: { [JIT_SCRIPT_FILES.mint]: JIT_MINT_SCRIPT, [JIT_SCRIPT_FILES.run]: JIT_RUN_SCRIPT },
  }];
}

/** The uid and gid the runner container runs as: the minter writes the hand-over file as the same user. */
function runnerIdentity(r: ResolvedRunner): { runAsUser: number; runAsGroup: number } {
  return { runAsUser: r.written.container?.runAsUser ?? r.runAsUser, runAsGroup: r.written.container?.runAsGroup ?? r.runAsGroup };
}

/** The minter's own security context: hardened whatever the runner relaxes, non-root, as the runner's user. */
function minterSecurityContext(r: ResolvedRunner): SecurityContext {
  return {
    ...hardenedContainerSecurityContext({ runAsUser: r.runAsUser, runAsGroup: r.runAsGroup, fsGroup: r.fsGroup }),
    runAsNonRoot: true,
    ...runnerIdentity(r),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

const scriptsMount: VolumeMount = { name: V.scripts, mountPath: JIT_POD_PATHS.scriptsDir, readOnly: true };
const handOverMount: VolumeMount = { name: V.handOver, mountPath: JIT_POD_PATHS.handOverDir };

/** The Secret's keys as the files the minter reads. */
function credentialItems(j: ResolvedJit): { key: string; path: string }[] {
  return (Object.keys(JIT_CREDENTIAL_FILES) as (keyof typeof JIT_CREDENTIAL_FILES)[]).flatMap((k) => {
    const key = j.keys[k];
    return key === undefined ? [] : [{ key, path: JIT_CREDENTIAL_FILES[k] }];
  });
}

function minterContainer(r: ResolvedRunner, j: ResolvedJit): Container {
  const request = { runner_group_id: j.runnerGroupId, labels: [...j.labels], work_folder: j.workFolder };
  const env: EnvVar[] = [
    { name: "GITHUB_API_URL", value: j.apiUrl },
    { name: "JIT_RUNNERS_PATH", value: j.runnersPath },
    { name: "JIT_AUTH", value: j.auth },
    { name: "JIT_CREDENTIALS_DIR", value: JIT_POD_PATHS.credentialsDir },
    { name: "JIT_REQUEST", value: JSON.stringify(request) },
    ...(j.tokenRequest === undefined ? [] : [{ name: "JIT_TOKEN_REQUEST", value: JSON.stringify(j.tokenRequest) }]),
    { name: "RUNNER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "JIT_DIR", value: JIT_POD_PATHS.handOverDir },
    { name: "JIT_STATE_DIR", value: JIT_POD_PATHS.stateDir },
  ];
  return {
    name: JIT_POD_NAMES.container,
    image: j.image,
    imagePullPolicy: r.imagePullPolicy,
    command: ["/bin/sh", JIT_POD_PATHS.mintScript, "serve"],
    env,
    resources: structuredClone(GH_RUNNER_JIT_DEFAULTS.resources) as Container["resources"] & object,
    securityContext: minterSecurityContext(r),
    volumeMounts: [
      scriptsMount,
      handOverMount,
      { name: V.state, mountPath: JIT_POD_PATHS.stateDir },
      { name: V.credentials, mountPath: JIT_POD_PATHS.credentialsDir, readOnly: true },
    ],
  };
}

/** What `registration: jit` adds to the runner's pod: the wrapper as command, the minter, the volumes. */
export function jitPodPart(r: ResolvedRunner, j: ResolvedJit): Omit<ForgePodPart, "env"> & { env: EnvVar[] } {
  const memory = (sizeLimit: string): NonNullable<Volume["emptyDir"]> => ({ medium: "Memory", sizeLimit });
  return {
    command: ["/bin/sh", JIT_POD_PATHS.runScript],
    env: [
      { name: "JIT_DIR", value: JIT_POD_PATHS.handOverDir },
      { name: "JIT_RUN_SCRIPT", value: j.runScript },
      ...userEnv(r.env),
    ],
    containers: [minterContainer(r, j)],
    volumes: [
      { name: V.scripts, configMap: { name: JIT_POD_NAMES.configMap, defaultMode: 0o444 } },
      { name: V.handOver, emptyDir: memory("1Mi") },
      { name: V.state, emptyDir: memory("1Mi") },
      // Group-readable: the files belong to root and the pod's fsGroup; the minter is not root.
      { name: V.credentials, secret: { secretName: j.secretName, items: credentialItems(j), defaultMode: 0o440 } },
    ],
    volumeMounts: [scriptsMount, handOverMount],
  };
}
