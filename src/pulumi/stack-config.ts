/**
 * Reads the Kubernetes stacks' settings (gh-runner, gh-runners-firecracker) into the plain model
 * through the one settings reader. Keys that decide which resources exist are plain data; secrets
 * are read as Pulumi secrets and never enter the model.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type ArcScaleSetInput, type GhRunnerFleetInput, type ConfigIssue, type SettingsSpec, type StackSettingsSource, readSettings, requireSettings, resolveArcScaleSet, resolveGhRunnerFleet } from "../model/index.ts";
import { modelIssues, pulumiSettings, secretSetting } from "./stack-settings.ts";

/** The settings of the gh-runner stack. */
export const GH_RUNNER_SETTINGS: SettingsSpec = {
  namespace: { kind: "string", maxLength: 63 },
  githubRepo: { kind: "string", maxLength: 140 },
  githubUrl: { kind: "string", maxLength: 2048 },
  allowInsecureHttp: { kind: "boolean" },
  runners: { kind: "list", maxItems: 200 },
  codexConfig: { kind: "mapping" },
  adoptExisting: { kind: "boolean" },
  githubToken: { kind: "secret" },
};

export interface GhRunnerStackConfig {
  readonly fleet: GhRunnerFleetInput;
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
  const fleet = pick(values, ["namespace", "githubRepo", "githubUrl", "allowInsecureHttp", "runners", "codexConfig"]);
  issues.push(...modelIssues(() => resolveGhRunnerFleet(fleet), issues));
  requireSettings(issues, `${source.project} stack configuration`);
  return {
    fleet: fleet as GhRunnerFleetInput,
    adoptExisting: values["adoptExisting"] === true,
    githubToken: secretSetting(source, "githubToken"),
  };
}

/** The settings of the gh-runners-firecracker stack. */
export const ARC_SETTINGS: SettingsSpec = {
  githubScope: { kind: "string", maxLength: 200 },
  githubUrl: { kind: "string", maxLength: 2048 },
  allowInsecureHttp: { kind: "boolean" },
  credentials: { kind: "mapping" },
  minRunners: { kind: "integer", min: 0, max: 10_000 },
  maxRunners: { kind: "integer", min: 1, max: 10_000 },
  scaleSetName: { kind: "string", maxLength: 45 },
  runnerGroup: { kind: "string", maxLength: 100 },
  runnerLabels: { kind: "list", maxItems: 100 },
  useFirecracker: { kind: "boolean" },
  runnerImage: { kind: "string", maxLength: 512 },
  resources: { kind: "mapping" },
  podCidr: { kind: "string", maxLength: 64 },
  serviceCidr: { kind: "string", maxLength: 64 },
  nodeCidrs: { kind: "list", maxItems: 256 },
  firecrackerNodes: { kind: "list", maxItems: 1000 },
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
