/**
 * Reads the foundation-runners stack's settings: the structured keys `host`, `forge`, `vm` and
 * `runner` (the Forgejo VM model), the secret `forgeApiToken`, the optional `libvirtHostKey`, and
 * the SSH key path from the environment (`RUNNER_SSH_KEY_PATH`), so that no key path or key ever
 * sits in a stack file. Every problem is reported at once.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigIssue, checkSshKeyPath, deployTimePlaceholder, resolveForgejoVm } from "../model/index.ts";
import { optionalSecret, refuseUnknownKeys } from "./stack-config.ts";

/** The environment variable that names the SSH private key for the libvirt host. */
export const RUNNER_SSH_KEY_PATH_ENV = "RUNNER_SSH_KEY_PATH";

/** Structured settings (objects; Pulumi.yaml cannot declare their shape, so the model checks them). */
const STRUCTURED_KEYS = ["host", "forge", "vm", "runner"] as const;
const KEYS = [...STRUCTURED_KEYS, "forgeApiToken", "libvirtHostKey"] as const;
/** An SSH public key as `ssh-keyscan` prints it, without the host name: `<type> <base64> [comment]`. */
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) AAAA[A-Za-z0-9+/]+={0,2}( [^\n]*)?$/;

export interface FoundationRunnersStackConfig {
  /** The VM description with `host.sshKeyPath` filled from the environment, ready for `LibvirtRunnerVm`. */
  readonly vm: Record<string, unknown>;
  /** The Forgejo access token (a Pulumi secret), when set. */
  readonly forgeApiToken: pulumi.Output<string> | undefined;
  /** The libvirt host's SSH public key, when set. */
  readonly hostKey: string | undefined;
}

export interface FoundationRunnersEnvironment {
  /** Value of `RUNNER_SSH_KEY_PATH`. */
  readonly sshKeyPath: string | undefined;
  /** Reads the key file. @default readFileSync(path, "utf8") */
  readonly readKey?: (path: string) => string;
}

function structured(config: pulumi.Config, key: string, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  const raw = config.get(key);
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  issues.push({ path: key, message: "is not an object of settings", fix: `set it as a YAML mapping in the stack file, or key by key with \`pulumi config set --path ${key}.<name> <value>\`` });
  return undefined;
}

/**
 * Reads the stack settings and the environment. Throws a {@link ConfigError} listing every problem:
 * unknown keys first (on their own), then the model, the SSH key and the API token together.
 */
export function readFoundationRunnersStackConfig(env: FoundationRunnersEnvironment, config: pulumi.Config = new pulumi.Config()): FoundationRunnersStackConfig {
  refuseUnknownKeys(config.name, KEYS);
  const subject = `${config.name} stack configuration`;
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  for (const key of STRUCTURED_KEYS) {
    const value = structured(config, key, issues);
    if (value !== undefined) input[key] = value;
  }

  const host = { ...((input["host"] as Record<string, unknown> | undefined) ?? {}) };
  if ("sshKeyPath" in host) {
    issues.push({ path: "host.sshKeyPath", message: "is set in the stack settings", fix: `remove it (\`pulumi config rm --path host.sshKeyPath\`); the key path comes from the environment variable ${RUNNER_SSH_KEY_PATH_ENV}` });
  }
  // An offline render needs no key: the connection gets a marked placeholder instead.
  const keyPath = env.sshKeyPath?.trim() || deployTimePlaceholder(RUNNER_SSH_KEY_PATH_ENV, "the SSH login to the libvirt host") || "";
  if (keyPath === "") {
    issues.push({ path: RUNNER_SSH_KEY_PATH_ENV, message: "is not set", fix: `export ${RUNNER_SSH_KEY_PATH_ENV}=<path of the private key that logs in to host.address> before running pulumi` });
  } else if (keyPath !== env.sshKeyPath?.trim()) {
    // the deploy-time placeholder: nothing to read
  } else {
    const read = env.readKey ?? ((p: string) => readFileSync(p, "utf8"));
    for (const issue of checkSshKeyPath(keyPath, read)) issues.push({ ...issue, path: RUNNER_SSH_KEY_PATH_ENV });
  }
  host["sshKeyPath"] = keyPath === "" ? "unset" : keyPath;
  input["host"] = host;

  let tokenSource: unknown = "api";
  try {
    tokenSource = resolveForgejoVm(input).forge.tokenSource;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // A missing key path is reported once, under the environment variable.
    issues.push(...e.issues.filter((i) => i.path !== "host.sshKeyPath"));
    tokenSource = (input["forge"] as { tokenSource?: unknown } | undefined)?.tokenSource ?? "api";
  }

  let forgeApiToken: pulumi.Output<string> | undefined;
  try {
    forgeApiToken = optionalSecret(config, "forgeApiToken", subject);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (tokenSource === "api" && forgeApiToken === undefined && issues.every((i) => i.path !== "forgeApiToken")) {
    issues.push({ path: "forgeApiToken", message: 'is not set while forge.tokenSource is "api"', fix: "run `pulumi config set --secret forgeApiToken <token>` with a Forgejo access token (docs/forgejo-token.md lists the scope it needs), or mint over SSH (forge.tokenSource: ssh)" });
  }
  if (tokenSource === "ssh" && forgeApiToken !== undefined) {
    issues.push({ path: "forgeApiToken", message: 'is set while forge.tokenSource is "ssh"', fix: "remove it (`pulumi config rm forgeApiToken`), or use forge.tokenSource: api" });
  }
  const hostKey = config.get("libvirtHostKey") ?? "";
  if (hostKey !== "" && !HOST_KEY.test(hostKey.trim())) {
    issues.push({ path: "libvirtHostKey", message: "is not an SSH public host key", fix: "give the host's key as `<type> <base64>`, e.g. the output of `ssh-keyscan -t ed25519 <host.address>` without the leading host name (compare its fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host)" });
  }
  if (issues.length > 0) throw new ConfigError(issues, subject);
  return { vm: input, forgeApiToken, hostKey: hostKey === "" ? undefined : hostKey.trim() };
}
