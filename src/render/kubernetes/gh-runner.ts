/**
 * The GitHub forge's part of a runner Deployment, by registration mode: `actions-runner-input` (the
 * actions runner's `config.sh` reads every flag from `ACTIONS_RUNNER_INPUT_*` variables, the token
 * from a Secret), `image` (the image registers itself; nothing is added) or `jit` (a minter container
 * hands the runner one just-in-time configuration per job: `gh-runner-jit.ts`); plus the fleet's
 * config payloads as ConfigMaps. The pod itself is the shared substrate's (`runner-deployment.ts`),
 * secret files included. The registration token stays a variable (`ACTIONS_RUNNER_INPUT_TOKEN`):
 * `config.sh` reads it from its environment or command line only, never from a file.
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, EnvVar } from "kubernetes-types/core/v1.js";
import type { ResolvedGhRunnerFleet, ResolvedRunner } from "../../model/gh-runner.ts";
import { type ForgePodPart, runnerDeployment, userEnv } from "./runner-deployment.ts";
import { jitPodPart, jitScriptsConfigMap } from "./gh-runner-jit.ts";

export interface GhRunnerDocuments {
  readonly configMaps: readonly ConfigMap[];
  readonly deployments: readonly Deployment[];
}

export function renderGhRunnerFleet(fleet: ResolvedGhRunnerFleet): GhRunnerDocuments {
  return {
    configMaps: [...fleet.configPayloads.map((p): ConfigMap => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: p.objectName, namespace: fleet.namespace, ...(Object.keys(p.labels).length > 0 ? { labels: { ...p.labels } } : {}), ...(p.annotations === undefined ? {} : { annotations: { ...p.annotations } }) },
      data: { ...p.files },
    })), ...jitScriptsConfigMap(fleet)],
    deployments: fleet.runners.map((r) => runnerDeployment(fleet.namespace, r, forgePart(fleet, r))),
  };
}

/** What the runner's registration mode adds to its pod. */
function forgePart(fleet: ResolvedGhRunnerFleet, r: ResolvedRunner): ForgePodPart {
  if (r.jit !== undefined) return jitPodPart(r, r.jit);
  return { env: runnerEnv(fleet, r), ...(r.command === undefined ? {} : { command: r.command }), ...(r.args === undefined ? {} : { args: r.args }) };
}

/** The environment a runner registers with (`config.sh` reads `ACTIONS_RUNNER_INPUT_*`). */
export function runnerEnv(fleet: ResolvedGhRunnerFleet, r: ResolvedRunner): EnvVar[] {
  // The image registers itself from its own variables: the user's, exactly as written.
  if (r.registration !== "actions-runner-input" || fleet.registrationUrl === undefined) return userEnv(r.env);
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
  env.push(...userEnv(r.env));
  return env;
}
