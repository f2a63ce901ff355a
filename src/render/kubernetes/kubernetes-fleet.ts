/**
 * Renders a Kubernetes Deployment fleet of either forge: its ConfigMaps, one Deployment per runner
 * and, when the fleet is fenced, the NetworkPolicies around its pods. The forge decides the
 * ConfigMaps and each pod's registration (an exhaustive switch); the substrate part is shared.
 */
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { NON_PUBLIC_RANGES } from "../../model/arc-scale-set.ts";
import { FORGEJO_K8S_SUFFIX, GH_RUNNER_SUFFIX, KUBERNETES_RUNNER_DEFAULTS } from "../../model/defaults.ts";
import { type ResolvedKubernetesFleet, unknownForge } from "../../model/kubernetes-fleet.ts";
import { renderGhRunnerFleet } from "./gh-runner.ts";
import { forgejoRunnerConfigMap, forgejoRunnerDeployment } from "./forgejo-runner.ts";
import { fenceNetworkPolicies } from "./network-fence.ts";

export interface KubernetesFleetDocuments {
  readonly configMaps: readonly ConfigMap[];
  readonly deployments: readonly Deployment[];
  readonly networkPolicies: readonly NetworkPolicy[];
}

/** The fence around the fleet's runner pods (selected by their `app` labels) with its extra egress, or none. */
function fleetNetworkPolicies(fleet: ResolvedKubernetesFleet, suffix: string): NetworkPolicy[] {
  if (!fleet.networkPolicies) return [];
  return fenceNetworkPolicies({
    namespace: fleet.namespace,
    podSelector: { matchExpressions: [{ key: "app", operator: "In", values: fleet.runners.map((r) => r.objectName) }] },
    namePrefix: `${suffix.replace(/^-/, "")}-`,
    dns: { namespace: KUBERNETES_RUNNER_DEFAULTS.dnsNamespace, podLabels: KUBERNETES_RUNNER_DEFAULTS.dnsPodLabels },
    except: NON_PUBLIC_RANGES,
    ...(fleet.forge === "forgejo" && fleet.forgeEgress !== undefined ? { forge: fleet.forgeEgress } : {}),
    extraEgress: fleet.extraEgress,
  });
}

export function renderKubernetesFleet(fleet: ResolvedKubernetesFleet): KubernetesFleetDocuments {
  switch (fleet.forge) {
    case "github": {
      const docs = renderGhRunnerFleet(fleet);
      return { ...docs, networkPolicies: fleetNetworkPolicies(fleet, GH_RUNNER_SUFFIX) };
    }
    case "forgejo":
      return {
        configMaps: fleet.runners.map((r) => forgejoRunnerConfigMap(fleet, r)),
        deployments: fleet.runners.map((r) => forgejoRunnerDeployment(fleet, r)),
        networkPolicies: fleetNetworkPolicies(fleet, FORGEJO_K8S_SUFFIX),
      };
    default:
      return unknownForge(fleet);
  }
}
