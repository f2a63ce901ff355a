/**
 * `ArcController`: the cluster-wide part of actions-runner-controller (chart 0.14.2), declared once
 * per program: the controller release with metrics on, kata-deploy and the `kata-fc` RuntimeClass,
 * the controller and runner namespaces, each runner namespace's fence, and the metrics scrape
 * objects. Any number of `GitHubRunnerScaleSet`s reference it. Child Pulumi names derive from the
 * component's name.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { type ResolvedArcController } from "../model/arc-fleet.ts";
import type { ResolvedArcScaleSet } from "../model/arc-scale-set.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { type HelmReleaseDoc, renderArcController } from "../render/kubernetes/arc-controller.ts";
import { claimObjectNames } from "./object-names.ts";

export interface ArcControllerArgs {
  /** The controller, resolved: `resolveArcFleet(config).controller`, or `arcControllerFor(scaleSets)`. */
  readonly settings: ResolvedArcController;
}

/** A Helm release from a rendered document, under `parent`. */
export function helmRelease(name: string, doc: HelmReleaseDoc, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(name, { name: doc.name, namespace: doc.namespace, chart: doc.chart, version: doc.version, values: doc.values, createNamespace: false, atomic: true }, opts);
}

export class ArcController extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:kubernetes:ArcController";

  readonly settings: ResolvedArcController;
  readonly namespaces: readonly k8s.core.v1.Namespace[];
  readonly runtimeClass?: k8s.node.v1.RuntimeClass;
  readonly kataDeploy?: k8s.helm.v3.Release;
  readonly controller: k8s.helm.v3.Release;
  /** Every runner namespace's fence, then the metrics ingress policy. */
  readonly networkPolicies: readonly k8s.networking.v1.NetworkPolicy[];
  /** PodMonitor or ServiceMonitor, per `metrics.scrape`. */
  readonly monitors: readonly k8s.apiextensions.CustomResource[];
  readonly services: readonly k8s.core.v1.Service[];
  readonly #fences = new Map<string, k8s.networking.v1.NetworkPolicy[]>();
  readonly #namespaceByName = new Map<string, k8s.core.v1.Namespace>();

  constructor(name: string, args: ArcControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.settings;
    const docs = renderArcController(c);
    claimObjectNames(`component ${ArcController.TYPE} "${name}"`, [...docs.namespaces, ...docs.networkPolicies, ...docs.services, ...(docs.monitors as { kind?: string }[]), { kind: "helm.sh/Release", metadata: { name: docs.controller.name, namespace: docs.controller.namespace } }]);
    super(ArcController.TYPE, name, {}, opts);
    this.settings = c;
    const child = { parent: this };
    this.namespaces = docs.namespaces.map((n) => {
      const r = new k8s.core.v1.Namespace(`${name}-${n.metadata?.name ?? ""}`, n as k8s.core.v1.NamespaceArgs, child);
      this.#namespaceByName.set(n.metadata?.name ?? "", r);
      return r;
    });
    const afterNamespaces = { ...child, dependsOn: [...this.namespaces] };
    if (docs.runtimeClass && docs.kataDeploy) {
      this.kataDeploy = helmRelease(`${name}-kata-deploy`, docs.kataDeploy, child);
      this.runtimeClass = new k8s.node.v1.RuntimeClass(`${name}-${docs.runtimeClass.metadata?.name ?? ""}`, docs.runtimeClass as k8s.node.v1.RuntimeClassArgs, { ...child, dependsOn: [this.kataDeploy] });
    }
    this.networkPolicies = docs.networkPolicies.map((p) => {
      const r = new k8s.networking.v1.NetworkPolicy(`${name}-${p.metadata?.namespace ?? ""}-${p.metadata?.name ?? ""}`, p as k8s.networking.v1.NetworkPolicyArgs, afterNamespaces);
      const ns = p.metadata?.namespace ?? "";
      this.#fences.set(ns, [...(this.#fences.get(ns) ?? []), r]);
      return r;
    });
    this.services = docs.services.map((s) => new k8s.core.v1.Service(`${name}-${s.metadata?.name ?? ""}`, s as k8s.core.v1.ServiceArgs, afterNamespaces));
    this.controller = helmRelease(`${name}-controller`, docs.controller, afterNamespaces);
    // The monitors' CRDs come with prometheus-operator; they describe the controller's pods.
    this.monitors = docs.monitors.map((m) => new k8s.apiextensions.CustomResource(`${name}-${String((m["metadata"] as { name?: string }).name)}`, m as k8s.apiextensions.CustomResourceArgs, { ...afterNamespaces, dependsOn: [...this.namespaces, this.controller] }));
    this.registerOutputs({ controllerNamespace: c.controllerNamespace, runnerNamespaces: c.runnerNamespaces.map((r) => r.name), metrics: c.metrics.enabled });
  }

  /**
   * Problems that keep `s` from running under this controller: its namespace is one the controller
   * manages, at a Pod Security level its pods meet, on the same cluster networks.
   */
  fitIssues(s: ResolvedArcScaleSet, podSecurity: "restricted" | "privileged"): ConfigIssue[] {
    const c = this.settings;
    const issues: ConfigIssue[] = [];
    const ns = c.runnerNamespaces.find((r) => r.name === s.runnerNamespace);
    if (ns === undefined) issues.push({ path: "runnerNamespace", message: `"${s.runnerNamespace}" is not a runner namespace of the controller (${c.runnerNamespaces.map((r) => r.name).join(", ")})`, fix: "use one of the controller's runner namespaces, or add it to the controller's runnerNamespaces" });
    else if (podSecurity === "privileged" && ns.podSecurity !== "privileged") issues.push({ path: "runnerNamespace", message: `"${s.runnerNamespace}" enforces Pod Security ${ns.podSecurity}, which refuses this scale set's privileged pods`, fix: `declare the namespace with podSecurity: privileged in the controller (arcControllerFor includes this scale set), or use another runnerNamespace` });
    if (s.controllerNamespace !== c.controllerNamespace) issues.push({ path: "controllerNamespace", message: `is "${s.controllerNamespace}", the controller's is "${c.controllerNamespace}"`, fix: "leave controllerNamespace unset on the scale set, or set it to the controller's" });
    if (s.podCidr !== c.podCidr || s.serviceCidr !== c.serviceCidr || s.nodeCidrs.join() !== c.nodeCidrs.join()) issues.push({ path: "podCidr", message: "the scale set's cluster networks differ from the controller's, whose fence excludes them", fix: "give the scale set the controller's podCidr, serviceCidr and nodeCidrs" });
    if (s.useFirecracker && !c.useFirecracker) issues.push({ path: "useFirecracker", message: "is true, but the controller installs no Kata runtime", fix: "build the controller from settings that include this scale set (arcControllerFor or resolveArcFleet)" });
    return issues;
  }

  /** Throws ConfigError naming the scale set when {@link fitIssues} finds problems. */
  admit(componentName: string, s: ResolvedArcScaleSet, podSecurity: "restricted" | "privileged"): void {
    const issues = this.fitIssues(s, podSecurity);
    if (issues.length > 0) throw new ConfigError(issues.map((i) => ({ ...i, path: `${componentName}.${i.path}` })), "ARC scale set configuration");
  }

  /** What a scale set in `namespace` waits for: its namespace, its fence, the controller and the RuntimeClass. */
  dependenciesFor(namespace: string): pulumi.Resource[] {
    const ns = this.#namespaceByName.get(namespace);
    return [...(ns ? [ns] : []), ...(this.#fences.get(namespace) ?? []), this.controller, ...(this.runtimeClass ? [this.runtimeClass] : [])];
  }
}
