/**
 * Reads the foundation-runners stack's settings: the structured keys `host`, `forge`, `vm` and
 * `runner` (the Forgejo VM model), the secret `forgeApiToken`, the optional secret `forgeReadToken`
 * (the job exporter's), the optional `libvirtHostKey`, and
 * the SSH key path from the environment (`RUNNER_SSH_KEY_PATH`), so that no key path or key ever
 * sits in a stack file. Every problem is reported at once.
 */
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { deployTimePlaceholder } from "../model/deploy-time.ts";
import { resolveForgejoVm } from "../model/forgejo-vm.ts";
import { type ConfigIssue } from "../model/issues.ts";
import { checkSshKeyPath } from "../model/ssh-key-path.ts";
import { type SettingsSpec, type StackSettingsSource, readSettings, requireSettings } from "../model/stack-settings.ts";
import { modelIssues, pulumiSettings, secretSetting } from "./stack-settings.ts";

/** The environment variable that names the SSH private key for the libvirt host. */
export const RUNNER_SSH_KEY_PATH_ENV = "RUNNER_SSH_KEY_PATH";

/** The settings of the foundation-runners stack. */
export const FOUNDATION_RUNNERS_SETTINGS: SettingsSpec = {
  host: { kind: "mapping" },
  forge: { kind: "mapping" },
  vm: { kind: "mapping" },
  runner: { kind: "mapping" },
  /** An optional pool of one-job runners on the same host and forge: `{forge: {version}, vm, runner}`. */
  ephemeralPool: { kind: "mapping" },
  forgeApiToken: { kind: "secret", maxLength: 1024 },
  /** A Forgejo token that reads the scope's Actions: turns on the host's job exporter (docs/monitoring.md). */
  forgeReadToken: { kind: "secret", maxLength: 1024 },
  /** One OpenSSH public key line; the largest (RSA 16384) is under 3 KiB. */
  libvirtHostKey: { kind: "string", maxLength: 8192, default: "" },
};
/** An SSH public key as `ssh-keyscan` prints it, without the host name: `<type> <base64> [comment]`. */
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) AAAA[A-Za-z0-9+/]+={0,2}( [^\n]*)?$/;

export interface FoundationRunnersStackConfig {
  /** The VM description with `host.sshKeyPath` filled from the environment, ready for `LibvirtRunnerVm`. */
  readonly vm: Record<string, unknown>;
  /**
   * The one-job pool's VM description (`ephemeralPool`), when set: the stack's host and forge with the
   * pool's `forge.version`, `vm` and `runner`; the FORWARD fix is left to the persistent VM.
   */
  readonly ephemeralVm: Record<string, unknown> | undefined;
  /** The Forgejo access token (a Pulumi secret), when set. */
  readonly forgeApiToken: pulumi.Output<string> | undefined;
  /** The read-only Forgejo token for the job exporter (a Pulumi secret), when set. */
  readonly forgeReadToken: pulumi.Output<string> | undefined;
  /** The libvirt host's SSH public key, when set. */
  readonly hostKey: string | undefined;
}

export interface FoundationRunnersEnvironment {
  /** Value of `RUNNER_SSH_KEY_PATH`. */
  readonly sshKeyPath: string | undefined;
  /** Reads the key file. @default readFileSync(path, "utf8") */
  readonly readKey?: (path: string) => string;
}

/**
 * Reads the stack settings and the environment. Throws a {@link ConfigError} listing every problem:
 * unknown keys first (on their own), then the model, the SSH key and the API token together.
 */
export function readFoundationRunnersStackConfig(env: FoundationRunnersEnvironment, source: StackSettingsSource = pulumiSettings()): FoundationRunnersStackConfig {
  const subject = `${source.project} stack configuration`;
  const { values, secrets, issues } = readSettings(source, FOUNDATION_RUNNERS_SETTINGS);
  const input: Record<string, unknown> = {};
  for (const key of ["host", "forge", "vm", "runner"]) if (values[key] !== undefined) input[key] = values[key];

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

  // A missing key path is reported once, under the environment variable.
  const vmIssues = modelIssues(() => resolveForgejoVm(input), issues).filter((i) => i.path !== "host.sshKeyPath");
  issues.push(...vmIssues);
  const ephemeralVm = ephemeralPoolInput(values["ephemeralPool"], input, issues);
  const forge = input["forge"];
  const tokenSource = (forge !== null && typeof forge === "object" ? (forge as { tokenSource?: unknown }).tokenSource : undefined) ?? "api";
  const hasToken = secrets.has("forgeApiToken");
  if (tokenSource === "api" && !hasToken && issues.every((i) => i.path !== "forgeApiToken")) {
    issues.push({ path: "forgeApiToken", message: 'is not set while forge.tokenSource is "api"', fix: "run `pulumi config set --secret forgeApiToken <token>` with a Forgejo access token (docs/forgejo-token.md lists the scope it needs), or mint over SSH (forge.tokenSource: ssh)" });
  }
  if (tokenSource === "ssh" && hasToken) {
    issues.push({ path: "forgeApiToken", message: 'is set while forge.tokenSource is "ssh"', fix: "remove it (`pulumi config rm forgeApiToken`), or use forge.tokenSource: api" });
  }
  const hostKey = typeof values["libvirtHostKey"] === "string" ? values["libvirtHostKey"] : "";
  issues.push(...hostKeyIssues(hostKey));
  requireSettings(issues, subject);
  const forgeApiToken = hasToken ? secretSetting(source, "forgeApiToken") : undefined;
  const forgeReadToken = secrets.has("forgeReadToken") ? secretSetting(source, "forgeReadToken") : undefined;
  return { vm: input, ephemeralVm, forgeApiToken, forgeReadToken, hostKey: hostKey === "" ? undefined : hostKey.trim() };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The VM description of `ephemeralPool`, checked with the model: its own problems are reported
 * under `ephemeralPool.<key>`; those of the shared host and forge are reported once, by the main VM.
 */
function ephemeralPoolInput(pool: unknown, main: Record<string, unknown>, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  if (pool === undefined) return undefined;
  if (!isObject(pool)) {
    issues.push({ path: "ephemeralPool", message: "must be a mapping", fix: "give ephemeralPool as a mapping of forge (version), vm and runner, or remove it" });
    return undefined;
  }
  for (const key of Object.keys(pool).filter((k) => !["forge", "vm", "runner"].includes(k))) {
    issues.push({ path: `ephemeralPool.${key}`, message: "is not a setting of the pool", fix: "use forge (with version), vm and runner; the host and the rest of forge are the stack's" });
  }
  const forge = isObject(pool["forge"]) ? pool["forge"] : {};
  for (const key of Object.keys(forge).filter((k) => k !== "version")) {
    issues.push({ path: `ephemeralPool.forge.${key}`, message: "is shared with the stack's forge", fix: `set forge.${key} at the top level (the pool uses the stack's forge), or remove it here` });
  }
  const host = isObject(main["host"]) ? main["host"] : {};
  const input: Record<string, unknown> = {
    host: { ...host, firewallFix: false },
    forge: { ...(isObject(main["forge"]) ? main["forge"] : {}), ...forge },
    vm: pool["vm"],
    runner: pool["runner"],
  };
  const own = (p: string) => p.startsWith("vm") || p.startsWith("runner") || p === "forge.version" || p === "forge.tokenSource";
  issues.push(...modelIssues(() => resolveForgejoVm(input), issues).filter((i) => own(i.path)).map((i) => ({ ...i, path: `ephemeralPool.${i.path}` })));
  return input;
}

/** The `libvirtHostKey` issue of a value that is not an SSH public host key ("" is unset). */
export function hostKeyIssues(hostKey: string): ConfigIssue[] {
  if (hostKey === "" || (HOST_KEY.test(hostKey.trim()) && hostKeyBlobMatches(hostKey.trim()))) return [];
  return [{ path: "libvirtHostKey", message: "is not an SSH public host key", fix: "give the host's key as `<type> <base64>`, e.g. the output of `ssh-keyscan -t ed25519 <libvirt host>` without the leading host name (compare its fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host)" }];
}

/** Bytes of each fixed-size key blob (`ssh-ed25519`: type string + 32-byte key; ECDSA: type, curve, point). */
const BLOB_BYTES: Readonly<Record<string, number>> = { "ssh-ed25519": 51, "ecdsa-sha2-nistp256": 104, "ecdsa-sha2-nistp384": 136, "ecdsa-sha2-nistp521": 172 };

/** True when the base64 blob of an OpenSSH key line names the same key type and has that type's size. */
function hostKeyBlobMatches(line: string): boolean {
  const [type, b64] = line.split(" ");
  if (type === undefined || b64 === undefined) return false;
  const blob = Buffer.from(b64, "base64");
  if (blob.length < 4) return false;
  const typeLength = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + typeLength).toString("latin1") !== type) return false;
  const expected = BLOB_BYTES[type];
  // RSA keys vary with their size: 1024 to 16384 bits.
  return expected !== undefined ? blob.length === expected : blob.length >= 150 && blob.length <= 2100;
}
