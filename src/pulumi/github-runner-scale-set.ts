/**
 * `GitHubRunnerScaleSet`: an actions-runner-controller scale set (charts 0.14.2) whose ephemeral
 * runners start from zero in Kata + Firecracker microVMs, fenced by NetworkPolicies that only
 * allow DNS and public HTTPS. Everything is rendered by the pure renderer the audit checks.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { type ArcScaleSetInput, type ResolvedArcScaleSet, arcRunnerPools, resolveArcScaleSet } from "../model/arc-scale-set.ts";
import { ConfigError } from "../model/issues.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { type HelmReleaseDoc, renderArcScaleSet } from "../render/kubernetes/arc.ts";

export interface GitHubRunnerScaleSetArgs {
  /** The scale set description (validated; every problem is reported before anything is created). */
  readonly config: ArcScaleSetInput;
  /** The PAT, when `config.credentials.kind` is `pat`; wrapped as a Pulumi secret. */
  readonly githubToken?: pulumi.Input<string>;
  /** The GitHub App private key (PEM), when `config.credentials.kind` is `app`; wrapped as a Pulumi secret. */
  readonly appPrivateKey?: pulumi.Input<string>;
}

export class GitHubRunnerScaleSet extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:kubernetes:GitHubRunnerScaleSet";

  readonly settings: ResolvedArcScaleSet;
  readonly namespaces: readonly k8s.core.v1.Namespace[];
  /** The GitHub credentials Secret (PAT or App), absent when an existing Secret is referenced. */
  readonly credentialsSecret?: k8s.core.v1.Secret;
  readonly runtimeClass?: k8s.node.v1.RuntimeClass;
  readonly kataDeploy?: k8s.helm.v3.Release;
  readonly controller: k8s.helm.v3.Release;
  readonly scaleSet: k8s.helm.v3.Release;
  readonly networkPolicies: readonly k8s.networking.v1.NetworkPolicy[];
  /** What workflows put in `runs-on`. */
  readonly runsOn: string[];
  /** The scale set as a runner pool: labels `runs-on` matches, min/max runners, one job each, isolation. */
  readonly pools: readonly RunnerPool[];

  constructor(name: string, args: GitHubRunnerScaleSetArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveArcScaleSet(args.config);
    const missing = settings.credentials.kind === "pat" && args.githubToken === undefined ? "githubToken" : settings.credentials.kind === "app" && args.appPrivateKey === undefined ? "githubAppPrivateKey" : undefined;
    if (missing) {
      throw new ConfigError([{ path: missing, message: `is required for credentials.kind ${settings.credentials.kind}`, fix: `run \`pulumi config set --secret ${missing} <value>\`, or use credentials: { kind: existingSecret, secretName }` }], "ARC scale set configuration");
    }
    super(GitHubRunnerScaleSet.TYPE, name, {}, opts);
    this.settings = settings;
    const docs = renderArcScaleSet(settings, {
      ...(args.githubToken === undefined ? {} : { githubToken: pulumi.secret(args.githubToken) }),
      ...(args.appPrivateKey === undefined ? {} : { appPrivateKey: pulumi.secret(args.appPrivateKey) }),
    });
    const child = { parent: this };
    this.namespaces = docs.namespaces.map((n) => new k8s.core.v1.Namespace(n.metadata?.name ?? "", n as k8s.core.v1.NamespaceArgs, child));
    if (docs.credentialsSecret) {
      const meta = docs.credentialsSecret["metadata"] as { name: string };
      this.credentialsSecret = new k8s.core.v1.Secret(meta.name, docs.credentialsSecret as k8s.core.v1.SecretArgs, { ...child, dependsOn: [...this.namespaces] });
    }
    const release = (doc: HelmReleaseDoc, dependsOn: pulumi.Resource[]) =>
      new k8s.helm.v3.Release(doc.name, { name: doc.name, namespace: doc.namespace, chart: doc.chart, version: doc.version, values: doc.values, createNamespace: false, atomic: true }, { ...child, dependsOn });
    if (docs.runtimeClass && docs.kataDeploy) {
      this.kataDeploy = release(docs.kataDeploy, []);
      this.runtimeClass = new k8s.node.v1.RuntimeClass(docs.runtimeClass.metadata?.name ?? "", docs.runtimeClass as k8s.node.v1.RuntimeClassArgs, { ...child, dependsOn: [this.kataDeploy] });
    }
    this.networkPolicies = docs.networkPolicies.map((p) => new k8s.networking.v1.NetworkPolicy(p.metadata?.name ?? "", p as k8s.networking.v1.NetworkPolicyArgs, { ...child, dependsOn: [...this.namespaces] }));
    this.controller = release(docs.controller, [...this.namespaces]);
    // Runners only start once the fence is up: policies first, then the scale set.
    this.scaleSet = release(docs.scaleSet, [this.controller, ...this.networkPolicies, ...(this.runtimeClass ? [this.runtimeClass] : []), ...(this.credentialsSecret ? [this.credentialsSecret] : [])]);
    this.runsOn = [settings.scaleSetName];
    this.pools = arcRunnerPools(settings);
    this.registerOutputs({ runsOn: this.runsOn, runnerNamespace: settings.runnerNamespace, pools: this.pools });
  }
}

/** The cluster a scale set runs on: its provider and the CIDRs the egress rules exclude. */
export interface ClusterInfo {
  readonly provider?: k8s.Provider;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
}

/** Convenience: a scale set on `cluster` with `config` (cluster CIDRs taken from `cluster`). */
export function createGitHubRunners(
  cluster: ClusterInfo,
  config: Omit<ArcScaleSetInput, "podCidr" | "serviceCidr" | "nodeCidrs"> & Pick<GitHubRunnerScaleSetArgs, "githubToken" | "appPrivateKey">,
  name = "github-runners",
): GitHubRunnerScaleSet {
  const { githubToken, appPrivateKey, ...rest } = config;
  return new GitHubRunnerScaleSet(
    name,
    {
      config: { ...rest, podCidr: cluster.podCidr, serviceCidr: cluster.serviceCidr, nodeCidrs: [...cluster.nodeCidrs] },
      ...(githubToken === undefined ? {} : { githubToken }),
      ...(appPrivateKey === undefined ? {} : { appPrivateKey }),
    },
    cluster.provider ? { providers: { kubernetes: cluster.provider } } : {},
  );
}
