/**
 * `GitHubRunnerScaleSet`: one actions-runner-controller scale set (chart 0.14.2) whose ephemeral
 * runners start from zero, in Kata + Firecracker microVMs by default, inside the fence of their
 * namespace. It references an {@link ArcController}; without one it declares its own (the
 * one-scale-set form). Child Pulumi names and the Kubernetes names of its own objects (Helm release,
 * Secret, NetworkPolicy, kubernetes-mode RBAC) derive from the component's name, so any number of
 * scale sets live in one program. Everything is rendered by the pure renderer the audit checks.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { type ArcScaleSetInput, type ResolvedArcScaleSet, arcRunnerPools, resolveArcScaleSet } from "../model/arc-scale-set.ts";
import { arcControllerFor, podSecurityNeeded } from "../model/arc-fleet.ts";
import { ConfigError } from "../model/issues.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { renderArcScaleSetOnly } from "../render/kubernetes/arc.ts";
import { ArcController, helmRelease } from "./arc-controller.ts";
import { claimObjectNames } from "./object-names.ts";

export interface GitHubRunnerScaleSetArgs {
  /** The scale set description (validated; every problem is reported before anything is created). Give this or `settings`. */
  readonly config?: ArcScaleSetInput;
  /** The scale set already resolved (e.g. an entry of `resolveArcFleet(...).scaleSets`). Give this or `config`. */
  readonly settings?: ResolvedArcScaleSet;
  /** The controller the scale set runs under. @default one of its own, named `<name>-controller` */
  readonly controller?: ArcController;
  /** The PAT, when `credentials.kind` is `pat`; wrapped as a Pulumi secret. */
  readonly githubToken?: pulumi.Input<string>;
  /** The GitHub App private key (PEM), when `credentials.kind` is `app`; wrapped as a Pulumi secret. */
  readonly appPrivateKey?: pulumi.Input<string>;
}

/** A component name that keeps every derived Kubernetes name within 63 characters. */
const COMPONENT_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

export class GitHubRunnerScaleSet extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:kubernetes:GitHubRunnerScaleSet";

  readonly settings: ResolvedArcScaleSet;
  /** The controller it runs under (its own in the one-scale-set form). */
  readonly arc: ArcController;
  /** The GitHub credentials Secret (PAT or App), absent when an existing Secret is referenced. */
  readonly credentialsSecret?: k8s.core.v1.Secret;
  readonly scaleSet: k8s.helm.v3.Release;
  /** kubernetes modes: the runner's ServiceAccount, Role and RoleBinding. */
  readonly rbac: readonly pulumi.CustomResource[];
  /** Policies of this scale set only (kubernetes modes: egress to the API server); the namespace fence is the controller's. */
  readonly networkPolicies: readonly k8s.networking.v1.NetworkPolicy[];
  /** What workflows put in `runs-on`. */
  readonly runsOn: string[];
  /** The scale set as a runner pool: labels `runs-on` matches, min/max runners, one job each, isolation. */
  readonly pools: readonly RunnerPool[];

  constructor(name: string, args: GitHubRunnerScaleSetArgs, opts?: pulumi.ComponentResourceOptions) {
    const fail = (path: string, message: string, fix: string) => new ConfigError([{ path, message, fix }], "ARC scale set configuration");
    if (!COMPONENT_NAME.test(name)) throw fail("name", `"${name.slice(0, 80)}" cannot name the scale set's Kubernetes objects`, "name the component with a DNS-1123 label of at most 40 characters, e.g. the scale set's name");
    if ((args.config === undefined) === (args.settings === undefined)) throw fail("config", args.config === undefined ? "is missing" : "is given together with settings", "pass either config (to validate) or settings (already resolved), not both");
    const settings = args.settings ?? resolveArcScaleSet(args.config);
    const missing = settings.credentials.kind === "pat" && args.githubToken === undefined ? "githubToken" : settings.credentials.kind === "app" && args.appPrivateKey === undefined ? "githubAppPrivateKey" : undefined;
    if (missing) throw fail(missing, `is required for credentials.kind ${settings.credentials.kind}`, `run \`pulumi config set --secret ${missing} <value>\`, or use credentials: { kind: existingSecret, secretName }`);
    const need = podSecurityNeeded(settings) === "privileged" ? "privileged" : "restricted";
    args.controller?.admit(name, settings, need);
    const docs = renderArcScaleSetOnly(settings, {
      ...(args.githubToken === undefined ? {} : { githubToken: pulumi.secret(args.githubToken) }),
      ...(args.appPrivateKey === undefined ? {} : { appPrivateKey: pulumi.secret(args.appPrivateKey) }),
    }, name);
    const owner = `component ${GitHubRunnerScaleSet.TYPE} "${name}"`;
    claimObjectNames(owner, [
      ...(docs.credentialsSecret ? [docs.credentialsSecret as { kind: string; metadata: { name: string; namespace: string } }] : []),
      ...docs.networkPolicies,
      ...(docs.role ? [docs.role, docs.roleBinding ?? {}, docs.serviceAccount ?? {}] : []),
      { kind: "helm.sh/Release", metadata: { name: docs.scaleSet.name, namespace: docs.scaleSet.namespace } },
      // The chart names the AutoscalingRunnerSet (and its listener, service accounts) after the scale set.
      { apiVersion: "actions.github.com/v1alpha1", kind: "AutoscalingRunnerSet", metadata: { name: settings.scaleSetName, namespace: settings.runnerNamespace } },
    ]);
    super(GitHubRunnerScaleSet.TYPE, name, {}, opts);
    this.settings = settings;
    const child = { parent: this };
    this.arc = args.controller ?? new ArcController(`${name}-controller`, { settings: arcControllerFor([settings]) }, child);
    const before = this.arc.dependenciesFor(settings.runnerNamespace);
    const ns = before.filter((r) => r instanceof k8s.core.v1.Namespace);
    if (docs.credentialsSecret) {
      this.credentialsSecret = new k8s.core.v1.Secret(`${name}-github-config`, docs.credentialsSecret as k8s.core.v1.SecretArgs, { ...child, dependsOn: ns });
    }
    this.networkPolicies = docs.networkPolicies.map((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${(p.metadata?.name ?? "").replace(`${name}-`, "")}`, p as k8s.networking.v1.NetworkPolicyArgs, { ...child, dependsOn: ns }));
    const rbac: pulumi.CustomResource[] = [];
    if (docs.serviceAccount && docs.role && docs.roleBinding) {
      rbac.push(
        new k8s.core.v1.ServiceAccount(`${name}-kube-mode`, docs.serviceAccount as k8s.core.v1.ServiceAccountArgs, { ...child, dependsOn: ns }),
        new k8s.rbac.v1.Role(`${name}-kube-mode`, docs.role as k8s.rbac.v1.RoleArgs, { ...child, dependsOn: ns }),
        new k8s.rbac.v1.RoleBinding(`${name}-kube-mode`, docs.roleBinding as k8s.rbac.v1.RoleBindingArgs, { ...child, dependsOn: ns }),
      );
    }
    this.rbac = rbac;
    // Runners only start once the fence is up: the namespace's policies first, then the scale set.
    this.scaleSet = helmRelease(`${name}-scale-set`, docs.scaleSet, { ...child, dependsOn: [...before, ...this.networkPolicies, ...rbac, ...(this.credentialsSecret ? [this.credentialsSecret] : [])] });
    this.runsOn = [settings.scaleSetName];
    this.pools = arcRunnerPools(settings);
    this.registerOutputs({ runsOn: this.runsOn, runnerNamespace: settings.runnerNamespace, pools: this.pools, trust: settings.trust });
  }
}

/** The cluster a scale set runs on: its provider and the CIDRs the egress rules exclude. */
export interface ClusterInfo {
  readonly provider?: k8s.Provider;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
}

/** Convenience: a scale set with its own controller on `cluster` (cluster CIDRs taken from `cluster`). */
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
