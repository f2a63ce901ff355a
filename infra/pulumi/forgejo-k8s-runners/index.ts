// The forgejo-k8s-runners stack: forgejo-runner pods as Kubernetes Deployments, all from stack config.
import { KubernetesRunners, readForgejoK8sStackConfig } from "runner-fleet/kubernetes";

const { fleet, adoptExisting } = readForgejoK8sStackConfig();
const runners = new KubernetesRunners("forgejo-k8s-runners", { fleet, adoptExisting });

export const namespace = runners.fleet.namespace;
export const deployments = runners.deploymentNames;
/** What workflows can target, and how many runners serve it (`runner-fleet guard --fleet` reads it). */
export const runnerPools = runners.pools;
