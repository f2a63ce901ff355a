/**
 * Reads a stack's configuration into the plain model. Keys that decide which resources exist
 * are plain data; secrets are read as Pulumi secrets and never enter the model.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type GhRunnerFleetInput } from "../model/index.ts";

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
 * Reads the gh-runner stack config. `githubToken` is declared `secret: true` in Pulumi.yaml, so
 * both the Pulumi CLI and the offline render refuse it in plain text.
 */
export function readGhRunnerStackConfig(config: pulumi.Config = new pulumi.Config()): GhRunnerStackConfig {
  refuseUnknownKeys(config.name, [...GH_RUNNER_KEYS, ...GH_RUNNER_SECRET_KEYS]);
  const fleet: Record<string, unknown> = {};
  for (const key of GH_RUNNER_KEYS) {
    if (key === "adoptExisting") continue;
    const raw = config.get(key);
    if (raw === undefined) continue;
    fleet[key] = key === "runners" || key === "codexConfig" ? parseJson(raw, key) : raw;
  }
  return {
    fleet: fleet as GhRunnerFleetInput,
    adoptExisting: config.getBoolean("adoptExisting") ?? false,
    githubToken: config.getSecret("githubToken"),
  };
}

function parseJson(raw: string, key: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError([{ path: key, message: "is not structured data", fix: `set it as a YAML list/object in the stack file, or with \`pulumi config set --path '${key}...'\`` }], "gh-runner stack configuration");
  }
}

/** Refuses stack settings of this project that the program does not read (typos, stale keys). */
export function refuseUnknownKeys(project: string, known: readonly string[]): void {
  const prefix = `${project}:`;
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length))
    .filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((k) => ({ path: k, message: `is not a configuration key of project ${project}`, fix: `remove it (\`pulumi config rm ${k}\`) or correct its spelling; known keys: ${known.join(", ")}` })),
      `${project} stack configuration`,
    );
  }
}
