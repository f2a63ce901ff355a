/**
 * `KubernetesRunners`: runners of any forge as plain Kubernetes Deployments — GitHub Actions runners
 * (`forge` unset or "github") or forgejo-runner (`forge: forgejo`). Renders the fleet with the same
 * pure renderer the CLI uses and creates its ConfigMaps, one Deployment per runner and, for fenced
 * fleets, the NetworkPolicies around them. Secrets, PersistentVolumeClaims and the namespace are
 * referenced only, so `pulumi destroy` can never delete them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { type KubernetesFleetInput, type ResolvedKubernetesFleet, kubernetesRunnerPools, resolveKubernetesFleet } from "../model/kubernetes-fleet.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { renderKubernetesFleet } from "../render/kubernetes/kubernetes-fleet.ts";
import { claimObjectNames } from "./object-names.ts";

export interface KubernetesRunnersArgs {
  /**
   * The fleet description (validated; every problem is reported before anything is created), or a
   * fleet already resolved by `resolveKubernetesFleet` or a stack reader, taken as it is.
   */
  readonly fleet: KubernetesFleetInput | ResolvedKubernetesFleet;
  /**
   * Adopt objects that already run in the cluster (Pulumi `import`) instead of creating them, so
   * the first `pulumi up` neither fails nor recreates them. Remove it after the first `up`.
   * @default false
   */
  readonly adoptExisting?: boolean;
}

export class KubernetesRunners extends pulumi.ComponentResource {
  /** Stable type token of this component. */
  static readonly TYPE = "runner-fleet:kubernetes:KubernetesRunners";

  /** The validated fleet with every default applied. */
  readonly fleet: ResolvedKubernetesFleet;
  readonly configMaps: readonly k8s.core.v1.ConfigMap[];
  readonly deployments: readonly k8s.apps.v1.Deployment[];
  readonly networkPolicies: readonly k8s.networking.v1.NetworkPolicy[];
  /** Names of the runner Deployments. */
  readonly deploymentNames: pulumi.Output<string[]>;
  /** One pool per Deployment: what `runs-on` matches, how many runners, their isolation. */
  readonly pools: readonly RunnerPool[];

  constructor(name: string, args: KubernetesRunnersArgs, opts?: pulumi.ComponentResourceOptions) {
    const fleet = resolveKubernetesFleet(args.fleet);
    const docs = renderKubernetesFleet(fleet);
    claimObjectNames(`component ${KubernetesRunners.TYPE} "${name}"`, [...docs.configMaps, ...docs.networkPolicies, ...docs.deployments]);
    super(KubernetesRunners.TYPE, name, {}, opts);
    this.fleet = fleet;
    this.pools = kubernetesRunnerPools(fleet);
    const adopt = (ns: string, objName: string): pulumi.CustomResourceOptions =>
      args.adoptExisting ? { parent: this, import: `${ns}/${objName}` } : { parent: this };
    this.configMaps = docs.configMaps.map((cm) => {
      const n = cm.metadata?.name ?? "";
      return new k8s.core.v1.ConfigMap(n, cm as k8s.core.v1.ConfigMapArgs, adopt(fleet.namespace, n));
    });
    // The fence goes up before any runner starts.
    this.networkPolicies = docs.networkPolicies.map((p) => {
      const n = p.metadata?.name ?? "";
      return new k8s.networking.v1.NetworkPolicy(n, p as k8s.networking.v1.NetworkPolicyArgs, adopt(fleet.namespace, n));
    });
    this.deployments = docs.deployments.map((d) => {
      const n = d.metadata?.name ?? "";
      return new k8s.apps.v1.Deployment(n, d as k8s.apps.v1.DeploymentArgs, { ...adopt(fleet.namespace, n), dependsOn: [...this.configMaps, ...this.networkPolicies] });
    });
    this.deploymentNames = pulumi.output(this.deployments.map((d) => d.metadata.name));
    this.registerOutputs({ deploymentNames: this.deploymentNames, pools: this.pools });
  }
}
