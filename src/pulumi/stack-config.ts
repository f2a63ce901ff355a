/**
 * Reads the Kubernetes stacks' settings (gh-runner, forgejo-k8s-runners, gh-runners-firecracker) into the plain model
 * through the one settings reader. Keys that decide which resources exist are plain data; secrets
 * are read as Pulumi secrets and never enter the model.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ARC_DEFAULTS, type ArcScaleSetInput, resolveArcScaleSet } from "../model/arc-scale-set.ts";
import { FORGEJO_K8S_DEFAULTS, GH_RUNNER_DEFAULTS } from "../model/defaults.ts";
import { MAX_EXTRA_EGRESS } from "../model/extra-egress.ts";
import type { ForgeKind } from "../model/forge.ts";
import type { ResolvedForgejoK8sFleet } from "../model/forgejo-k8s.ts";
import type { ResolvedGhRunnerFleet } from "../model/gh-runner.ts";
import { type ResolvedKubernetesFleet, resolveKubernetesFleet } from "../model/kubernetes-fleet.ts";
import { type ConfigIssue } from "../model/issues.ts";
import { type SettingsSpec, type StackSettingsSource, readSettings, requireSettings } from "../model/stack-settings.ts";
import { modelIssues, pulumiSettings, secretSetting } from "./stack-settings.ts";

/** Runner descriptions one Kubernetes stack reads (each a Deployment of up to MAX_REPLICAS pods). */
export const MAX_FLEET_RUNNERS = 1000;

/** The settings of the gh-runner stack. */
export const GH_RUNNER_SETTINGS: SettingsSpec = {
  namespace: { kind: "string", maxLength: 63 },
  githubRepo: { kind: "string", maxLength: 140 },
  githubUrl: { kind: "string", maxLength: 2048, default: GH_RUNNER_DEFAULTS.githubUrl },
  allowInsecureHttp: { kind: "boolean", default: GH_RUNNER_DEFAULTS.allowInsecureHttp },
  networkPolicies: { kind: "boolean", default: GH_RUNNER_DEFAULTS.networkPolicies },
  extraEgress: { kind: "list", maxItems: MAX_EXTRA_EGRESS },
  runners: { kind: "list", maxItems: MAX_FLEET_RUNNERS },
  codexConfig: { kind: "mapping" },
  configMaps: { kind: "list", maxItems: 50 },
  adoptExisting: { kind: "boolean", default: GH_RUNNER_DEFAULTS.adoptExisting },
  githubToken: { kind: "secret" },
};

export interface GhRunnerStackConfig {
  /** The fleet, validated with every default applied: `KubernetesRunners` takes it as it is. */
  readonly fleet: ResolvedGhRunnerFleet;
  readonly adoptExisting: boolean;
  /** The GitHub token, as a Pulumi secret; used only to check registrations, never deployed. */
  readonly githubToken: pulumi.Output<string> | undefined;
}

/** Picks the model's keys out of the read settings. */
function pick(values: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (values[k] !== undefined && values[k] !== "") out[k] = values[k];
  return out;
}

/**
 * Reads the gh-runner stack's settings. Every problem (unknown keys, kinds, the fleet's own
 * problems, secrets in plain text) is reported at once, never quoting a secret.
 */
export function readGhRunnerStackConfig(source: StackSettingsSource = pulumiSettings()): GhRunnerStackConfig {
  const { values, issues } = readSettings(source, GH_RUNNER_SETTINGS);
  const fleet = pick(values, ["namespace", "githubRepo", "githubUrl", "allowInsecureHttp", "networkPolicies", "extraEgress", "runners", "codexConfig", "configMaps"]);
  let resolved: ResolvedKubernetesFleet | undefined;
  issues.push(...modelIssues(() => (resolved = resolveKubernetesFleet(fleet)), issues));
  requireSettings(issues, `${source.project} stack configuration`);
  return {
    fleet: resolvedFleet(resolved, "github"),
    adoptExisting: values["adoptExisting"] === true,
    githubToken: secretSetting(source, "githubToken"),
  };
}

/** The settings of the gh-runners-firecracker stack. */
export const ARC_SETTINGS: SettingsSpec = {
  githubScope: { kind: "string", maxLength: 200 },
  githubUrl: { kind: "string", maxLength: 2048, default: ARC_DEFAULTS.githubUrl },
  allowInsecureHttp: { kind: "boolean", default: ARC_DEFAULTS.allowInsecureHttp },
  credentials: { kind: "mapping" },
  minRunners: { kind: "integer", min: 0, max: 10_000, default: ARC_DEFAULTS.minRunners },
  maxRunners: { kind: "integer", min: 1, max: 10_000, default: ARC_DEFAULTS.maxRunners },
  scaleSetName: { kind: "string", maxLength: 45, default: ARC_DEFAULTS.scaleSetName },
  runnerGroup: { kind: "string", maxLength: 100 },
  runnerLabels: { kind: "list", maxItems: 100, default: ARC_DEFAULTS.runnerLabels },
  useFirecracker: { kind: "boolean", default: ARC_DEFAULTS.useFirecracker },
  runnerImage: { kind: "string", maxLength: 512, default: ARC_DEFAULTS.runnerImage },
  resources: { kind: "mapping" },
  podCidr: { kind: "string", maxLength: 64 },
  serviceCidr: { kind: "string", maxLength: 64 },
  nodeCidrs: { kind: "list", maxItems: 256 },
  firecrackerNodes: { kind: "list", maxItems: 1000, default: ARC_DEFAULTS.firecrackerNodes },
  githubToken: { kind: "secret" },
  githubAppPrivateKey: { kind: "secret" },
};

const ARC_MODEL_KEYS = ["githubScope", "githubUrl", "allowInsecureHttp", "credentials", "minRunners", "maxRunners", "scaleSetName", "runnerGroup", "runnerLabels", "useFirecracker", "runnerImage", "resources", "podCidr", "serviceCidr", "nodeCidrs"] as const;

/** An SSH target as `npm run bootstrap:firecracker-nodes` takes it: `[user@]host`. */
const SSH_TARGET = /^(?:[a-z_][a-z0-9_-]{0,31}@)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** Problems of `firecrackerNodes`: SSH targets, each once. */
export function firecrackerNodeIssues(nodes: unknown): ConfigIssue[] {
  if (!Array.isArray(nodes)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  nodes.forEach((n, i) => {
    const path = `firecrackerNodes[${i}]`;
    if (typeof n !== "string" || !SSH_TARGET.test(n) || n.length > 255) {
      issues.push({ path, message: typeof n === "string" ? "is not an SSH target" : "must be text", fix: 'write each node as "[user@]host", e.g. "root@k3s-node-1.lan"' });
      return;
    }
    const first = seen.get(n);
    if (first !== undefined) issues.push({ path, message: `repeats firecrackerNodes[${first}]`, fix: "list each node once" });
    else seen.set(n, i);
  });
  return issues;
}

export interface ArcStackConfig {
  readonly config: ArcScaleSetInput;
  readonly githubToken: pulumi.Output<string> | undefined;
  readonly appPrivateKey: pulumi.Output<string> | undefined;
}

/** Reads the gh-runners-firecracker stack's settings into the scale-set model plus its secrets. */
export function readArcStackConfig(source: StackSettingsSource = pulumiSettings()): ArcStackConfig {
  const { values, issues } = readSettings(source, ARC_SETTINGS);
  const config = pick(values, ARC_MODEL_KEYS);
  issues.push(...firecrackerNodeIssues(values["firecrackerNodes"]));
  issues.push(...modelIssues(() => resolveArcScaleSet(config), issues));
  requireSettings(issues, `${source.project} stack configuration`);
  return {
    config: config as ArcScaleSetInput,
    githubToken: secretSetting(source, "githubToken"),
    appPrivateKey: secretSetting(source, "githubAppPrivateKey"),
  };
}

/** The settings of the forgejo-k8s-runners stack. */
export const FORGEJO_K8S_SETTINGS: SettingsSpec = {
  namespace: { kind: "string", maxLength: 63 },
  forgejoUrl: { kind: "string", maxLength: 2048 },
  allowInsecureHttp: { kind: "boolean", default: FORGEJO_K8S_DEFAULTS.allowInsecureHttp },
  registrationSecretName: { kind: "string", maxLength: 253, default: FORGEJO_K8S_DEFAULTS.registrationSecret.name },
  registrationSecretKey: { kind: "string", maxLength: 253, default: FORGEJO_K8S_DEFAULTS.registrationSecret.key },
  networkPolicies: { kind: "boolean", default: FORGEJO_K8S_DEFAULTS.networkPolicies },
  forgeCidrs: { kind: "list", maxItems: 20, default: FORGEJO_K8S_DEFAULTS.forgeCidrs },
  extraEgress: { kind: "list", maxItems: MAX_EXTRA_EGRESS },
  runners: { kind: "list", maxItems: MAX_FLEET_RUNNERS },
  adoptExisting: { kind: "boolean", default: FORGEJO_K8S_DEFAULTS.adoptExisting },
};

export interface ForgejoK8sStackConfig {
  /** The fleet, validated with every default applied: `KubernetesRunners` takes it as it is. */
  readonly fleet: ResolvedForgejoK8sFleet;
  readonly adoptExisting: boolean;
}

/** Model key paths under `registrationSecret` and the settings that set them. */
const REGISTRATION_SECRET_SETTINGS: Readonly<Record<string, string>> = { "registrationSecret.name": "registrationSecretName", "registrationSecret.key": "registrationSecretKey" };

/**
 * Reads the forgejo-k8s-runners stack's settings into the Forgejo fleet model. Every problem
 * (unknown keys, kinds, the fleet's own problems) is reported at once, under the key a user sets.
 */
export function readForgejoK8sStackConfig(source: StackSettingsSource = pulumiSettings()): ForgejoK8sStackConfig {
  const { values, issues } = readSettings(source, FORGEJO_K8S_SETTINGS);
  const fleet: Record<string, unknown> = { forge: "forgejo", ...pick(values, ["namespace", "forgejoUrl", "allowInsecureHttp", "networkPolicies", "forgeCidrs", "extraEgress", "runners"]) };
  const name = values["registrationSecretName"];
  const key = values["registrationSecretKey"];
  if ((name !== undefined && name !== "") || (key !== undefined && key !== "")) {
    fleet["registrationSecret"] = { name: name || FORGEJO_K8S_DEFAULTS.registrationSecret.name, key: key || FORGEJO_K8S_DEFAULTS.registrationSecret.key };
  }
  let resolved: ResolvedKubernetesFleet | undefined;
  const remapped = modelIssues(() => (resolved = resolveKubernetesFleet(fleet)), []).map((i) => ({ ...i, path: REGISTRATION_SECRET_SETTINGS[i.path] ?? i.path }));
  const covered = (p: string) => issues.some((r) => p === r.path || p.startsWith(`${r.path}.`) || p.startsWith(`${r.path}[`));
  issues.push(...remapped.filter((i) => !covered(i.path)));
  requireSettings(issues, `${source.project} stack configuration`);
  return { fleet: resolvedFleet(resolved, "forgejo"), adoptExisting: values["adoptExisting"] === true };
}

/** The fleet a reader resolved, once its problems (if any) have been thrown. */
function resolvedFleet<F extends ForgeKind>(fleet: ResolvedKubernetesFleet | undefined, forge: F): Extract<ResolvedKubernetesFleet, { forge: F }> {
  if (fleet?.forge !== forge) throw new Error(`the ${forge} fleet was not resolved`);
  return fleet as Extract<ResolvedKubernetesFleet, { forge: F }>;
}
