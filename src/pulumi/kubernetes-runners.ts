/**
 * `KubernetesRunners`: GitHub Actions runners as plain Kubernetes Deployments. Renders the fleet
 * with the same pure renderer the CLI uses and creates one ConfigMap per config payload and one
 * Deployment per runner. Secrets, PersistentVolumeClaims and the namespace are referenced only,
 * so `pulumi destroy` can never delete them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { type GhRunnerFleetInput, type ResolvedGhRunnerFleet, resolveGhRunnerFleet } from "../model/index.ts";
import { renderGhRunnerFleet } from "../render/index.ts";

export interface KubernetesRunnersArgs {
  /** The fleet description (validated; every problem is reported before anything is created). */
  readonly fleet: GhRunnerFleetInput;
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
  readonly fleet: ResolvedGhRunnerFleet;
  readonly configMaps: readonly k8s.core.v1.ConfigMap[];
  readonly deployments: readonly k8s.apps.v1.Deployment[];
  /** Names of the runner Deployments. */
  readonly deploymentNames: pulumi.Output<string[]>;

  constructor(name: string, args: KubernetesRunnersArgs, opts?: pulumi.ComponentResourceOptions) {
    const fleet = resolveGhRunnerFleet(args.fleet);
    super(KubernetesRunners.TYPE, name, {}, opts);
    this.fleet = fleet;
    const docs = renderGhRunnerFleet(fleet);
    const adopt = (ns: string, objName: string): pulumi.CustomResourceOptions =>
      args.adoptExisting ? { parent: this, import: `${ns}/${objName}` } : { parent: this };
    this.configMaps = docs.configMaps.map((cm) => {
      const n = cm.metadata?.name ?? "";
      return new k8s.core.v1.ConfigMap(n, cm as k8s.core.v1.ConfigMapArgs, adopt(fleet.namespace, n));
    });
    this.deployments = docs.deployments.map((d) => {
      const n = d.metadata?.name ?? "";
      return new k8s.apps.v1.Deployment(n, d as k8s.apps.v1.DeploymentArgs, { ...adopt(fleet.namespace, n), dependsOn: [...this.configMaps] });
    });
    this.deploymentNames = pulumi.output(this.deployments.map((d) => d.metadata.name));
    this.registerOutputs({ deploymentNames: this.deploymentNames });
  }
}
