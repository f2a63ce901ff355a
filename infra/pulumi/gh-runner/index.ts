// The gh-runner stack: everything comes from stack config; there is no per-runner code here.
import { KubernetesRunners, readGhRunnerStackConfig } from "runner-fleet/kubernetes";

const { fleet, adoptExisting } = readGhRunnerStackConfig();
const runners = new KubernetesRunners("gh-runner", { fleet, adoptExisting });

export const namespace = runners.fleet.namespace;
export const deployments = runners.deploymentNames;
export const runnerPools = runners.pools;
