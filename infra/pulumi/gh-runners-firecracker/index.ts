// The gh-runners-firecracker stack: an ARC scale set in Firecracker microVMs, all from stack config.
import { GitHubRunnerScaleSet, readArcStackConfig } from "runner-fleet/kubernetes";

const { config, githubToken, appPrivateKey } = readArcStackConfig();
const runners = new GitHubRunnerScaleSet("github-runners", {
  config,
  ...(githubToken ? { githubToken } : {}),
  ...(appPrivateKey ? { appPrivateKey } : {}),
});

export const runsOn = runners.runsOn;
export const runnerNamespace = runners.settings.runnerNamespace;
// The audit (`runner-fleet audit`) reads these to probe the API server, nodes and other pods.
export const clusterNetwork = {
  podCidr: runners.settings.podCidr,
  serviceCidr: runners.settings.serviceCidr,
  nodeCidrs: runners.settings.nodeCidrs,
};
export const runnerPools = runners.pools;
