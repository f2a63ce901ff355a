/**
 * Reads the github-libvirt-runners stack's settings through the one settings reader: the pool's
 * keys (the GitHub VM model's input, key for key), the secret `githubToken`, the optional
 * `libvirtHostKey`, and the SSH key path from the environment (`RUNNER_SSH_KEY_PATH`), so that no
 * key path or key ever sits in a stack file. Every problem is reported at once.
 */
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { deployTimePlaceholder } from "../model/deploy-time.ts";
import { GITHUB_LIBVIRT_DEFAULTS as D, GITHUB_LIBVIRT_MAXIMUMS as MAX, GITHUB_LIBVIRT_MINIMUMS as MIN } from "../model/github-vm-defaults.ts";
import { resolveGithubVmPool } from "../model/github-vm.ts";
import { checkSshKeyPath } from "../model/ssh-key-path.ts";
import { type SettingsSpec, type StackSettingsSource, readSettings, requireSettings } from "../model/stack-settings.ts";
import { RUNNER_SSH_KEY_PATH_ENV, hostKeyIssues } from "./foundation-runners-config.ts";
import { modelIssues, pulumiSettings, secretSetting } from "./stack-settings.ts";

/** The settings of the github-libvirt-runners stack; every default is the model's. */
export const GITHUB_LIBVIRT_SETTINGS: SettingsSpec = {
  libvirtHost: { kind: "string", maxLength: 253 },
  libvirtUser: { kind: "string", maxLength: 32, default: D.libvirtUser },
  pool: { kind: "string", maxLength: 64, default: D.pool },
  poolPath: { kind: "string", maxLength: 1024, default: D.poolPath },
  bridge: { kind: "string", maxLength: 15, default: D.bridge },
  firewallFix: { kind: "boolean", default: D.firewallFix },
  githubUrl: { kind: "string", maxLength: 2048, default: D.githubUrl },
  allowInsecureHttp: { kind: "boolean", default: D.allowInsecureHttp },
  githubScope: { kind: "string", maxLength: 200 },
  runnerGroupId: { kind: "integer", min: MIN.runnerGroupId, max: MAX.runnerGroupId, default: D.runnerGroupId },
  runnerLabels: { kind: "list", maxItems: 100 },
  slots: { kind: "integer", min: MIN.slots, max: MAX.slots, default: D.slots },
  slotPrefix: { kind: "string", maxLength: 40, default: D.slotPrefix },
  cpus: { kind: "integer", min: MIN.cpus, max: MAX.cpus, default: D.cpus },
  memoryMiB: { kind: "integer", min: MIN.memoryMiB, max: MAX.memoryMiB, default: D.memoryMiB },
  diskGiB: { kind: "integer", min: MIN.diskGiB, max: MAX.diskGiB, default: D.diskGiB },
  dns: { kind: "list", maxItems: 8 },
  baseImage: { kind: "mapping" },
  runnerVersion: { kind: "string", maxLength: 32, default: D.runnerVersion },
  runnerSha256: { kind: "string", maxLength: 64, default: D.runnerSha256 },
  docker: { kind: "boolean", default: D.docker },
  refillSeconds: { kind: "integer", min: MIN.refillSeconds, max: MAX.refillSeconds, default: D.refillSeconds },
  githubToken: { kind: "secret", maxLength: 1024 },
  /** One OpenSSH public key line; the largest (RSA 16384) is under 3 KiB. */
  libvirtHostKey: { kind: "string", maxLength: 8192, default: "" },
};

const MODEL_KEYS = Object.keys(GITHUB_LIBVIRT_SETTINGS).filter((k) => k !== "githubToken" && k !== "libvirtHostKey");

export interface GithubLibvirtStackConfig {
  /** The pool with `sshKeyPath` filled from the environment, ready for `GitHubLibvirtRunners`. */
  readonly pool: Record<string, unknown>;
  readonly githubToken: pulumi.Output<string>;
  readonly hostKey: string | undefined;
}

export interface GithubLibvirtEnvironment {
  /** Value of `RUNNER_SSH_KEY_PATH`. */
  readonly sshKeyPath: string | undefined;
  /** Reads the key file. @default readFileSync(path, "utf8") */
  readonly readKey?: (path: string) => string;
}

/** Reads the stack settings and the environment; throws a `ConfigError` listing every problem. */
export function readGithubLibvirtStackConfig(env: GithubLibvirtEnvironment, source: StackSettingsSource = pulumiSettings()): GithubLibvirtStackConfig {
  const { values, secrets, issues } = readSettings(source, GITHUB_LIBVIRT_SETTINGS);
  const pool: Record<string, unknown> = {};
  // A Pulumi.yaml default of "" (or a value the CLI hands over as "") means "unset".
  for (const key of MODEL_KEYS) if (values[key] !== undefined && values[key] !== "") pool[key] = values[key];

  if (source.keys().includes(`${source.project}:sshKeyPath`)) {
    issues.push({ path: "sshKeyPath", message: "is set in the stack settings", fix: `remove it (\`pulumi config rm sshKeyPath\`); the key path comes from the environment variable ${RUNNER_SSH_KEY_PATH_ENV}` });
  }
  // An offline render needs no key: the connection gets a marked placeholder instead.
  const fromEnv = env.sshKeyPath?.trim() ?? "";
  const keyPath = fromEnv || deployTimePlaceholder(RUNNER_SSH_KEY_PATH_ENV, "the SSH login to the libvirt host") || "";
  if (keyPath === "") {
    issues.push({ path: RUNNER_SSH_KEY_PATH_ENV, message: "is not set", fix: `export ${RUNNER_SSH_KEY_PATH_ENV}=<path of the private key that logs in to libvirtHost> before running pulumi` });
  } else if (fromEnv !== "") {
    const read = env.readKey ?? ((p: string) => readFileSync(p, "utf8"));
    for (const issue of checkSshKeyPath(keyPath, read)) issues.push({ ...issue, path: RUNNER_SSH_KEY_PATH_ENV });
  }
  pool["sshKeyPath"] = keyPath === "" ? "unset" : keyPath;

  issues.push(...modelIssues(() => resolveGithubVmPool(pool), issues).filter((i) => i.path !== "sshKeyPath"));
  if (!secrets.has("githubToken") && issues.every((i) => i.path !== "githubToken")) {
    issues.push({ path: "githubToken", message: "is not set", fix: "run `pulumi config set --secret githubToken <token>` with a fine-grained token that may manage the scope's self-hosted runners (repository Administration or organization Self-hosted runners: read and write)" });
  }
  const hostKey = typeof values["libvirtHostKey"] === "string" ? values["libvirtHostKey"].trim() : "";
  issues.push(...hostKeyIssues(hostKey));
  requireSettings(issues, `${source.project} stack configuration`);
  const githubToken = secretSetting(source, "githubToken");
  if (githubToken === undefined) throw new Error("unreachable: githubToken was checked");
  return { pool, githubToken, hostKey: hostKey === "" ? undefined : hostKey };
}
