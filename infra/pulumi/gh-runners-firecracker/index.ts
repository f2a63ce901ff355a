// The gh-runners-firecracker stack: one ARC controller and its scale sets, all from stack config.
// Without `scaleSets` the top-level keys are the one scale set; with it, each entry is a scale set
// that inherits the top-level keys it does not set.
import { ArcController, GitHubRunnerScaleSet, readArcFleetStackConfig } from "runner-fleet/kubernetes";

const { fleet, githubToken, appPrivateKey } = readArcFleetStackConfig();
const arc = new ArcController("arc", { settings: fleet.controller });
const scaleSets = fleet.scaleSets.map(
  (settings) =>
    new GitHubRunnerScaleSet(settings.scaleSetName, {
      settings,
      controller: arc,
      ...(githubToken ? { githubToken } : {}),
      ...(appPrivateKey ? { appPrivateKey } : {}),
    }),
);

export const runsOn = scaleSets.flatMap((s) => s.runsOn);
export const runnerNamespaces = fleet.controller.runnerNamespaces.map((n) => n.name);
// The audit (`runner-fleet audit`) reads these to probe the API server, nodes and other pods.
export const clusterNetwork = {
  podCidr: fleet.controller.podCidr,
  serviceCidr: fleet.controller.serviceCidr,
  nodeCidrs: fleet.controller.nodeCidrs,
};
export const runnerPools = scaleSets.flatMap((s) => s.pools);
