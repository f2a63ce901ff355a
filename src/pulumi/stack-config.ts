/**
 * Reads a stack's configuration into the plain model. Keys that decide which resources exist
 * are plain data; secrets are read as Pulumi secrets and never enter the model.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ArcScaleSetInput, ConfigError, type ConfigIssue, type GhRunnerFleetInput, resolveGhRunnerFleet } from "../model/index.ts";

/** Configuration keys of the gh-runner stack (besides the secret `githubToken`). */
const GH_RUNNER_KEYS = ["namespace", "githubRepo", "githubUrl", "runners", "codexConfig", "adoptExisting"] as const;
const GH_RUNNER_SECRET_KEYS = ["githubToken"] as const;

export interface GhRunnerStackConfig {
  readonly fleet: GhRunnerFleetInput;
  readonly adoptExisting: boolean;
  /** The GitHub token, as a Pulumi secret; used only to check registrations, never deployed. */
  readonly githubToken: pulumi.Output<string> | undefined;
}

/**
 * Reads the gh-runner stack config. The optional `githubToken` is refused in plain text (never
 * quoted); unknown keys are reported together with every problem of the fleet.
 */
export function readGhRunnerStackConfig(config: pulumi.Config = new pulumi.Config()): GhRunnerStackConfig {
  const subject = "gh-runner stack configuration";
  const unknown = unknownKeyIssues(config.name, [...GH_RUNNER_KEYS, ...GH_RUNNER_SECRET_KEYS]);
  const fleet: Record<string, unknown> = {};
  for (const key of GH_RUNNER_KEYS) {
    if (key === "adoptExisting") continue;
    const raw = config.get(key);
    if (raw === undefined) continue;
    fleet[key] = key === "runners" || key === "codexConfig" ? parseJson(raw, key) : raw;
  }
  if (unknown.length > 0) {
    // Report unknown keys together with every problem of the fleet itself.
    let modelIssues: readonly ConfigIssue[] = [];
    try {
      resolveGhRunnerFleet(fleet);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      modelIssues = e.issues;
    }
    throw new ConfigError([...unknown, ...modelIssues], subject);
  }
  return {
    fleet: fleet as GhRunnerFleetInput,
    adoptExisting: config.getBoolean("adoptExisting") ?? false,
    githubToken: optionalSecret(config, "githubToken", subject),
  };
}

function parseJson(raw: string, key: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError([{ path: key, message: "is not structured data", fix: `set it as a YAML value of the right type in the stack file, or with \`pulumi config set --path '${key}...'\`` }], "stack configuration");
  }
}

/** Stack settings of this project that the program does not read (typos, stale keys), as issues. */
export function unknownKeyIssues(project: string, known: readonly string[]): ConfigIssue[] {
  const prefix = `${project}:`;
  return Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length))
    .filter((k) => !known.includes(k))
    .map((k) => ({ path: k, message: `is not a configuration key of project ${project}`, fix: `remove it (\`pulumi config rm ${k}\`) or correct its spelling; known keys: ${known.join(", ")}` }));
}

/** Refuses stack settings of this project that the program does not read. */
export function refuseUnknownKeys(project: string, known: readonly string[]): void {
  const issues = unknownKeyIssues(project, known);
  if (issues.length > 0) throw new ConfigError(issues, `${project} stack configuration`);
}

/**
 * True when the stack setting `key` of this project was given as a secret. (`isConfigSecret` is
 * part of the SDK's runtime but missing from its type declarations.)
 */
function isSecretSetting(config: pulumi.Config, key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(`${config.name}:${key}`) ?? true;
}

/** Reads an optional secret setting, refusing it when it was set in plain text (never quoting it). */
export function optionalSecret(config: pulumi.Config, key: string, subject: string): pulumi.Output<string> | undefined {
  if (config.get(key) === undefined) return undefined;
  if (!isSecretSetting(config, key)) {
    throw new ConfigError([{ path: key, message: "is set in plain text but must be a secret", fix: `run \`pulumi config rm ${key}\` and then \`pulumi config set --secret ${key} <value>\`` }], subject);
  }
  return config.getSecret(key);
}

const ARC_KEYS = ["githubScope", "githubUrl", "credentials", "minRunners", "maxRunners", "scaleSetName", "runnerGroup", "runnerLabels", "useFirecracker", "runnerImage", "resources", "podCidr", "serviceCidr", "nodeCidrs"] as const;
const ARC_STRUCTURED = new Set(["credentials", "runnerLabels", "resources", "nodeCidrs", "minRunners", "maxRunners", "useFirecracker"]);

export interface ArcStackConfig {
  readonly config: ArcScaleSetInput;
  readonly githubToken: pulumi.Output<string> | undefined;
  readonly appPrivateKey: pulumi.Output<string> | undefined;
}

/** Reads the gh-runners-firecracker stack config into the scale-set model plus its secrets. */
export function readArcStackConfig(config: pulumi.Config = new pulumi.Config()): ArcStackConfig {
  refuseUnknownKeys(config.name, [...ARC_KEYS, "githubToken", "githubAppPrivateKey", "firecrackerNodes"]);
  const subject = `${config.name} stack configuration`;
  const out: Record<string, unknown> = {};
  for (const key of ARC_KEYS) {
    const raw = config.get(key);
    if (raw === undefined || raw === "") continue;
    out[key] = ARC_STRUCTURED.has(key) ? parseJson(raw, key) : raw;
  }
  return {
    config: out as ArcScaleSetInput,
    githubToken: optionalSecret(config, "githubToken", subject),
    appPrivateKey: optionalSecret(config, "githubAppPrivateKey", subject),
  };
}
