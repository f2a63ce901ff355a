/**
 * Renders an ARC scale set fenced in Kata + Firecracker microVMs: the two ARC Helm releases'
 * values (chart 0.14.2), kata-deploy's values, the `kata-fc` RuntimeClass, the namespaces with
 * Pod Security labels, and NetworkPolicies that only ever allow: default deny, DNS, public HTTPS.
 */
import type { Namespace, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { RuntimeClass } from "kubernetes-types/node/v1.js";
import { NON_PUBLIC_RANGES, type ResolvedArcScaleSet } from "../../model/arc-scale-set.ts";
import { isCidr, parseCidr, cidrContains, type Cidr } from "../../model/cidr.ts";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "./security-context.ts";
import { fenceNetworkPolicies } from "./network-fence.ts";

/** Official OCI charts of actions-runner-controller. */
export const ARC_CHARTS = {
  controller: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller",
  scaleSet: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
} as const;
export const KATA_DEPLOY_CHART = "oci://ghcr.io/kata-containers/kata-deploy-charts/kata-deploy";
/** Helm release name of the controller; the chart names its service account `<release>-gha-rs-controller`. */
export const ARC_CONTROLLER_RELEASE = "arc";

/** Secret values the caller supplies (e.g. Pulumi secrets); rendering only places them. */
export interface ArcCredentialValues<T = unknown> {
  readonly githubToken?: T;
  readonly appPrivateKey?: T;
}

export interface HelmReleaseDoc {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Record<string, unknown>;
}

export interface ArcDocuments {
  readonly namespaces: readonly Namespace[];
  /** The credentials Secret, unless an existing Secret is referenced. */
  readonly credentialsSecret?: Record<string, unknown>;
  readonly runtimeClass?: RuntimeClass;
  readonly kataDeploy?: HelmReleaseDoc;
  readonly controller: HelmReleaseDoc;
  readonly scaleSet: HelmReleaseDoc;
  readonly networkPolicies: readonly NetworkPolicy[];
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

/** The runner pod template handed to the scale-set chart (`template`); the container is named `runner`. */
export function runnerPodTemplate(s: ResolvedArcScaleSet): PodTemplateSpec {
  const hardening = {
    runAsUser: s.runAsUser,
    runAsGroup: s.runAsGroup,
    fsGroup: s.runAsGroup,
    // The runner writes its registration and diagnostics under /home/runner; the microVM is the boundary.
    relax: { writableRootFilesystem: true },
  };
  const container = {
    name: "runner",
    image: s.runnerImage,
    command: ["/home/runner/run.sh"],
    resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
    securityContext: s.privileged ? { ...hardenedContainerSecurityContext(hardening), privileged: true, allowPrivilegeEscalation: true } : hardenedContainerSecurityContext(hardening),
  };
  return {
    spec: {
      ...(s.useFirecracker ? { runtimeClassName: s.kata.runtimeClassName } : {}),
      ...(s.hostNetwork ? { hostNetwork: true } : {}),
      automountServiceAccountToken: false,
      securityContext: hardenedPodSecurityContext(hardening),
      restartPolicy: "Never",
      containers: [container],
    },
  };
}

/** Name of the Secret holding the scale set's GitHub credentials (ours, or the existing one). */
export function githubConfigSecretName(s: ResolvedArcScaleSet): string {
  return s.credentials.kind === "existingSecret" ? s.credentials.secretName : `${s.scaleSetName}-github-config`;
}

/**
 * The credentials Secret for a PAT or a GitHub App, in the keys ARC reads (`github_token`, or
 * `github_app_id`, `github_app_installation_id`, `github_app_private_key`). None for an existing Secret.
 */
export function githubCredentialsSecret<T>(s: ResolvedArcScaleSet, secrets: ArcCredentialValues<T>): Record<string, unknown> | undefined {
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
    metadata: { name: githubConfigSecretName(s), namespace: s.runnerNamespace, labels: { "app.kubernetes.io/part-of": "runner-fleet" } },
    type: "Opaque",
    stringData,
  };
}

/**
 * Values for the gha-runner-scale-set chart; every key exists in the chart's values.yaml. The
 * credentials are always a Secret name, so the values themselves hold no secret.
 */
export function scaleSetValues(s: ResolvedArcScaleSet): Record<string, unknown> {
  return {
    githubConfigUrl: s.githubConfigUrl,
    githubConfigSecret: githubConfigSecretName(s),
    minRunners: s.minRunners,
    maxRunners: s.maxRunners,
    ...(s.runnerGroup === undefined ? {} : { runnerGroup: s.runnerGroup }),
    runnerScaleSetName: s.scaleSetName,
    scaleSetLabels: [...s.runnerLabels],
    controllerServiceAccount: { namespace: s.controllerNamespace, name: `${ARC_CONTROLLER_RELEASE}-gha-rs-controller` },
    template: runnerPodTemplate(s),
  };
}

/** Values for the gha-runner-scale-set-controller chart. */
export function controllerValues(s: ResolvedArcScaleSet): Record<string, unknown> {
  return {
    replicaCount: 1,
    flags: { logLevel: "info", logFormat: "json", watchSingleNamespace: s.runnerNamespace },
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
}

/** Values for the kata-deploy chart: the Firecracker shim only, images on the devmapper snapshotter. */
export function kataDeployValues(s: ResolvedArcScaleSet): Record<string, unknown> {
  return {
    image: { reference: "quay.io/kata-containers/kata-deploy", tag: s.kata.version },
    k8sDistribution: "k3s",
    nodeSelector: { ...s.kata.nodeSelector },
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

export function kataRuntimeClass(s: ResolvedArcScaleSet): RuntimeClass {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: s.kata.runtimeClassName },
    handler: s.kata.runtimeClassName,
    overhead: { podFixed: { ...s.kata.overhead } },
    scheduling: { nodeSelector: { ...s.kata.nodeSelector } },
  };
}

/** Ranges excluded from HTTPS egress: non-public ranges plus cluster CIDRs they do not already cover. */
export function egressExceptions(s: ResolvedArcScaleSet): string[] {
  const base = NON_PUBLIC_RANGES.map((r) => parseCidr(r)).filter(isCidr);
  const out: Cidr[] = [...base];
  for (const text of [s.podCidr, s.serviceCidr, ...s.nodeCidrs]) {
    const c = parseCidr(text);
    if (isCidr(c) && c.family === "ipv4" && !out.some((o) => cidrContains(o, c))) out.push(c);
  }
  return out.map((c) => c.text);
}

export function runnerNetworkPolicies(s: ResolvedArcScaleSet): NetworkPolicy[] {
  return fenceNetworkPolicies({ namespace: s.runnerNamespace, podSelector: {}, namePrefix: "", dns: s.dns, except: egressExceptions(s) });
}

export function renderArcScaleSet<T>(s: ResolvedArcScaleSet, secrets: ArcCredentialValues<T> = {}): ArcDocuments {
  const credentialsSecret = githubCredentialsSecret(s, secrets);
  const ns = (name: string, labels: Record<string, string>): Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } });
  return {
    namespaces: [
      // The controller creates listener pods here from its own defaults: enforce baseline, warn on restricted.
      ns(s.controllerNamespace, podSecurityLabels("baseline")),
      ns(s.runnerNamespace, podSecurityLabels(s.privileged || s.hostNetwork ? "privileged" : "restricted")),
    ],
    ...(credentialsSecret ? { credentialsSecret } : {}),
    ...(s.useFirecracker
      ? {
          runtimeClass: kataRuntimeClass(s),
          kataDeploy: { name: "kata-deploy", namespace: s.kata.namespace, chart: KATA_DEPLOY_CHART, version: s.kata.version, values: kataDeployValues(s) },
        }
      : {}),
    controller: { name: ARC_CONTROLLER_RELEASE, namespace: s.controllerNamespace, chart: ARC_CHARTS.controller, version: s.chartVersion, values: controllerValues(s) },
    scaleSet: { name: s.scaleSetName, namespace: s.runnerNamespace, chart: ARC_CHARTS.scaleSet, version: s.chartVersion, values: scaleSetValues(s) },
    networkPolicies: runnerNetworkPolicies(s),
  };
}
