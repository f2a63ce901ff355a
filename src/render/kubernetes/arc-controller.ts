/**
 * The cluster-wide part of an ARC installation, rendered once for any number of scale sets: the
 * controller's Helm release (chart 0.14.2, metrics on), kata-deploy and the `kata-fc` RuntimeClass
 * when a scale set uses Firecracker, the controller and runner namespaces with Pod Security labels,
 * each runner namespace's fence (default deny, DNS, public HTTPS), and the metrics scrape objects.
 */
import type { Namespace, Service } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import { NON_PUBLIC_RANGES } from "../../model/arc-scale-set.ts";
import type { ResolvedArcController } from "../../model/arc-fleet.ts";
import { isCidr, parseCidr, cidrContains, type Cidr } from "../../model/cidr.ts";
import { fenceNetworkPolicies } from "./network-fence.ts";
import { arcMetricsDocuments, controllerMetricsValues, controllerScrapeValues } from "./arc-metrics.ts";

/** Official OCI charts of actions-runner-controller. */
export const ARC_CHARTS = {
  controller: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller",
  scaleSet: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
} as const;
export const KATA_DEPLOY_CHART = "oci://ghcr.io/kata-containers/kata-deploy-charts/kata-deploy";
/** Helm release name of the controller; the chart names its service account `<release>-gha-rs-controller`. */
export const ARC_CONTROLLER_RELEASE = "arc";

export interface HelmReleaseDoc {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Record<string, unknown>;
}

export interface ArcControllerDocuments {
  readonly namespaces: readonly Namespace[];
  readonly runtimeClass?: RuntimeClass;
  readonly kataDeploy?: HelmReleaseDoc;
  readonly controller: HelmReleaseDoc;
  /** The fence of every runner namespace, then the metrics ingress policy of the controller namespace. */
  readonly networkPolicies: readonly NetworkPolicy[];
  /** PodMonitor/ServiceMonitor (monitoring.coreos.com/v1), per the metrics setting. */
  readonly monitors: readonly Record<string, unknown>[];
  readonly services: readonly Service[];
}

/** Pod Security labels: enforce the level the runner pods meet; audit and warn restricted. */
export function podSecurityLabels(enforce: "restricted" | "baseline" | "privileged"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "v1.32",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
}

/** The service account the controller chart creates, which each scale set's chart binds. */
export function controllerServiceAccount(c: ResolvedArcController): { namespace: string; name: string } {
  return { namespace: c.controllerNamespace, name: `${ARC_CONTROLLER_RELEASE}-gha-rs-controller` };
}

/** Values for the gha-runner-scale-set-controller chart (metrics on unless turned off). */
export function controllerValues(c: ResolvedArcController): Record<string, unknown> {
  const only = c.runnerNamespaces.length === 1 ? c.runnerNamespaces[0]?.name : undefined;
  return {
    replicaCount: 1,
    flags: { logLevel: "info", logFormat: "json", ...(only === undefined ? {} : { watchSingleNamespace: only }) },
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    ...controllerMetricsValues(c.metrics),
    ...controllerScrapeValues(c.metrics),
  };
}

/** Values for the kata-deploy chart: the Firecracker shim only, images on the devmapper snapshotter. */
export function kataDeployValues(c: Pick<ResolvedArcController, "kata">): Record<string, unknown> {
  return {
    image: { reference: "quay.io/kata-containers/kata-deploy", tag: c.kata.version },
    k8sDistribution: "k3s",
    nodeSelector: { ...c.kata.nodeSelector },
    env: {
      shims: "fc",
      defaultShim: "fc",
      // We create the kata-fc RuntimeClass ourselves, with pod overhead and a node selector.
      createRuntimeClasses: "false",
      createDefaultRuntimeClass: "false",
      snapshotterHandlerMapping: "fc:devmapper",
    },
  };
}

export function kataRuntimeClass(c: Pick<ResolvedArcController, "kata">): RuntimeClass {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: c.kata.runtimeClassName },
    handler: c.kata.runtimeClassName,
    overhead: { podFixed: { ...c.kata.overhead } },
    scheduling: { nodeSelector: { ...c.kata.nodeSelector } },
  };
}

/** Ranges excluded from HTTPS egress: non-public ranges plus cluster CIDRs they do not already cover. */
export function egressExceptions(c: Pick<ResolvedArcController, "podCidr" | "serviceCidr" | "nodeCidrs">): string[] {
  const base = NON_PUBLIC_RANGES.map((r) => parseCidr(r)).filter(isCidr);
  const out: Cidr[] = [...base];
  for (const text of [c.podCidr, c.serviceCidr, ...c.nodeCidrs]) {
    const parsed = parseCidr(text);
    if (isCidr(parsed) && parsed.family === "ipv4" && !out.some((o) => cidrContains(o, parsed))) out.push(parsed);
  }
  return out.map((x) => x.text);
}

/** The fence of one runner namespace: every pod in it, default deny, DNS and public HTTPS only. */
export function runnerNamespaceFence(c: ResolvedArcController, namespace: string): NetworkPolicy[] {
  return fenceNetworkPolicies({ namespace, podSelector: {}, namePrefix: "", dns: c.dns, except: egressExceptions(c) });
}

const ns = (name: string, labels: Record<string, string>): Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } });

export function renderArcController(c: ResolvedArcController): ArcControllerDocuments {
  const metrics = arcMetricsDocuments(c.metrics, c.controllerNamespace);
  return {
    namespaces: [
      // The controller creates listener pods here from its own defaults: enforce baseline, warn on restricted.
      ns(c.controllerNamespace, podSecurityLabels("baseline")),
      ...c.runnerNamespaces.map((r) => ns(r.name, podSecurityLabels(r.podSecurity))),
    ],
    ...(c.useFirecracker
      ? {
          runtimeClass: kataRuntimeClass(c),
          kataDeploy: { name: "kata-deploy", namespace: c.kata.namespace, chart: KATA_DEPLOY_CHART, version: c.kata.version, values: kataDeployValues(c) },
        }
      : {}),
    controller: { name: ARC_CONTROLLER_RELEASE, namespace: c.controllerNamespace, chart: ARC_CHARTS.controller, version: c.chartVersion, values: controllerValues(c) },
    networkPolicies: [...c.runnerNamespaces.flatMap((r) => runnerNamespaceFence(c, r.name)), ...metrics.networkPolicies],
    monitors: metrics.monitors,
    services: metrics.services,
  };
}
