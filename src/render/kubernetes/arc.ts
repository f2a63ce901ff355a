/**
 * Renders one ARC scale set (chart 0.14.2): its credentials Secret, the gha-runner-scale-set Helm
 * release's values (runner pod template, listener metrics), and what its container mode adds
 * (kubernetes mode: ServiceAccount, Role, RoleBinding and egress to the API server). Kubernetes
 * names derive from `name` (the scale set's component name), so scale sets never collide. The
 * cluster-wide part is `renderArcController` (arc-controller.ts); `renderArcScaleSet` renders both
 * for a single scale set.
 */
import type { Namespace, Service } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import type { Role, RoleBinding } from "kubernetes-types/rbac/v1.js";
import type { ResolvedArcScaleSet } from "../../model/arc-scale-set.ts";
import { arcControllerFor } from "../../model/arc-fleet.ts";
import { isCidr, parseCidr } from "../../model/cidr.ts";
import { ARC_CHARTS, ARC_CONTROLLER_RELEASE, type HelmReleaseDoc, renderArcController } from "./arc-controller.ts";
import { listenerMetricsValues } from "./arc-metrics.ts";
import { SCALE_SET_LABEL, kubeModeRbac, runnerPodTemplate } from "./arc-pod.ts";

export * from "./arc-controller.ts";
export * from "./arc-metrics.ts";
export * from "./arc-pod.ts";

/** Secret values the caller supplies (e.g. Pulumi secrets); rendering only places them. */
export interface ArcCredentialValues<T = unknown> {
  readonly githubToken?: T;
  readonly appPrivateKey?: T;
}

/** What one scale set adds to its controller. */
export interface ArcScaleSetDocuments {
  /** The credentials Secret, unless an existing Secret is referenced. */
  readonly credentialsSecret?: Record<string, unknown>;
  readonly scaleSet: HelmReleaseDoc;
  /** kubernetes and kubernetes-novolume modes: the runner's ServiceAccount, Role and RoleBinding. */
  readonly serviceAccount?: Record<string, unknown>;
  readonly role?: Role;
  readonly roleBinding?: RoleBinding;
  /** kubernetes modes: egress from this scale set's runners to the API server. */
  readonly networkPolicies: readonly NetworkPolicy[];
}

/** A single scale set with its own controller (the one-scale-set form). */
export interface ArcDocuments extends ArcScaleSetDocuments {
  readonly namespaces: readonly Namespace[];
  readonly runtimeClass?: RuntimeClass;
  readonly kataDeploy?: HelmReleaseDoc;
  readonly controller: HelmReleaseDoc;
  readonly monitors: readonly Record<string, unknown>[];
  readonly services: readonly Service[];
}

/** Name of the Secret holding the scale set's GitHub credentials (ours, or the existing one). */
export function githubConfigSecretName(s: ResolvedArcScaleSet, name: string = s.scaleSetName): string {
  return s.credentials.kind === "existingSecret" ? s.credentials.secretName : `${name}-github-config`;
}

/**
 * The credentials Secret for a PAT or a GitHub App, in the keys ARC reads (`github_token`, or
 * `github_app_id`, `github_app_installation_id`, `github_app_private_key`). None for an existing Secret.
 */
export function githubCredentialsSecret<T>(s: ResolvedArcScaleSet, secrets: ArcCredentialValues<T>, name: string = s.scaleSetName): Record<string, unknown> | undefined {
  const stringData =
    s.credentials.kind === "pat"
      ? { github_token: secrets.githubToken }
      : s.credentials.kind === "app"
        ? { github_app_id: String(s.credentials.appId), github_app_installation_id: String(s.credentials.installationId), github_app_private_key: secrets.appPrivateKey }
        : undefined;
  if (stringData === undefined) return undefined;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: githubConfigSecretName(s, name), namespace: s.runnerNamespace, labels: { "app.kubernetes.io/part-of": "runner-fleet" } },
    type: "Opaque",
    stringData,
  };
}

/**
 * Values for the gha-runner-scale-set chart; every key exists in the chart's values.yaml. The
 * credentials are always a Secret name, so the values themselves hold no secret.
 */
export function scaleSetValues(s: ResolvedArcScaleSet, name: string = s.scaleSetName): Record<string, unknown> {
  return {
    githubConfigUrl: s.githubConfigUrl,
    githubConfigSecret: githubConfigSecretName(s, name),
    minRunners: s.minRunners,
    maxRunners: s.maxRunners,
    ...(s.runnerGroup === undefined ? {} : { runnerGroup: s.runnerGroup }),
    runnerScaleSetName: s.scaleSetName,
    scaleSetLabels: [...s.runnerLabels],
    controllerServiceAccount: { namespace: s.controllerNamespace, name: `${ARC_CONTROLLER_RELEASE}-gha-rs-controller` },
    ...listenerMetricsValues(s.metrics),
    template: runnerPodTemplate(s, name),
  };
}

/** The first address of an IPv4 block (the `kubernetes` Service's usual ClusterIP), or the block itself. */
function firstAddress(cidr: string): string {
  const c = parseCidr(cidr);
  if (!isCidr(c) || c.family !== "ipv4") return cidr;
  const bytes = c.network.toByteArray();
  bytes[3] = (bytes[3] ?? 0) + 1;
  return `${bytes.join(".")}/32`;
}

/** kubernetes modes: the runner pods of this scale set reach the API server (Service on 443, nodes on 6443). */
function apiServerEgress(s: ResolvedArcScaleSet, name: string): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${name}-allow-apiserver-egress`, namespace: s.runnerNamespace, labels: { "app.kubernetes.io/part-of": "runner-fleet" } },
    spec: {
      podSelector: { matchLabels: { [SCALE_SET_LABEL]: s.scaleSetName } },
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: firstAddress(s.serviceCidr) } }], ports: [{ protocol: "TCP", port: 443 }] },
        { to: s.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 6443 }] },
      ],
    },
  };
}

/** The documents of one scale set; `name` (default: the scale set's name) prefixes its Kubernetes names. */
export function renderArcScaleSetOnly<T>(s: ResolvedArcScaleSet, secrets: ArcCredentialValues<T> = {}, name: string = s.scaleSetName): ArcScaleSetDocuments {
  const credentialsSecret = githubCredentialsSecret(s, secrets, name);
  const rbac = kubeModeRbac(s, name);
  return {
    ...(credentialsSecret ? { credentialsSecret } : {}),
    scaleSet: { name, namespace: s.runnerNamespace, chart: ARC_CHARTS.scaleSet, version: s.chartVersion, values: scaleSetValues(s, name) },
    ...(rbac ? { serviceAccount: rbac.serviceAccount, role: rbac.role, roleBinding: rbac.roleBinding } : {}),
    networkPolicies: rbac ? [apiServerEgress(s, name)] : [],
  };
}

/** A single scale set with its own controller: the controller's documents and the scale set's. */
export function renderArcScaleSet<T>(s: ResolvedArcScaleSet, secrets: ArcCredentialValues<T> = {}): ArcDocuments {
  const controller = renderArcController(arcControllerFor([s]));
  const own = renderArcScaleSetOnly(s, secrets);
  return { ...controller, ...own, networkPolicies: [...controller.networkPolicies, ...own.networkPolicies] };
}
