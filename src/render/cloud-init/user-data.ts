/**
 * The `#cloud-config` user-data of a Forgejo runner VM as a typed document, serialised with
 * `yaml`. It installs Docker and the QEMU guest agent, creates the `runner` user (uid 1000),
 * installs the checksum-verified forgejo-runner, registers it once with a token delivered in a
 * root-only file, and starts `forgejo-runner.service`.
 *
 * The registration token is the only secret. Callers either pass it (the result is a secret
 * document) or render the redacted form, where it is replaced by {@link REDACTED}.
 */
import { Document, isSeq } from "yaml";
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { ConfigError } from "../../model/issues.ts";
import { renderShellScript } from "../scripts/shell.ts";
import { GUEST, installRunnerScript, registerRunnerScript, runnerServiceUnit } from "../scripts/runner-guest.ts";
import { renderSystemdUnit } from "../scripts/systemd.ts";
import { renderForgejoRunnerConfig } from "./runner-config.ts";

/** Stands in for the registration token in offline renders. */
export const REDACTED = "[secret]";

export interface CloudConfigUser {
  readonly name: string;
  readonly uid: number;
  readonly gecos: string;
  readonly homedir: string;
  readonly shell: string;
  readonly lock_passwd: true;
}

export interface CloudConfigFile {
  readonly path: string;
  readonly content: string;
  readonly owner: string;
  readonly permissions: string;
}

/** The subset of cloud-config this project writes; every key is a documented cloud-init module key. */
export interface CloudConfig {
  readonly hostname: string;
  readonly preserve_hostname: false;
  readonly manage_etc_hosts: true;
  readonly disable_root: true;
  readonly ssh_pwauth: false;
  /** Only the runner user: listing `default` would create `ubuntu` with uid 1000 first. */
  readonly users: readonly CloudConfigUser[];
  readonly package_update: true;
  readonly package_upgrade: false;
  readonly packages: readonly string[];
  readonly write_files: readonly CloudConfigFile[];
  /**
   * cloud-init writes these into one `/bin/sh` script (a string verbatim, an argv quoted) whose exit
   * status is that of its last line, so the first line stops it at the first failing command.
   */
  readonly runcmd: readonly ["set -eu", ...(readonly string[])[]];
}

/** Top-level keys {@link cloudConfig} may write (cloud-init does not flag unknown ones itself). */
export const CLOUD_CONFIG_KEYS: readonly (keyof CloudConfig)[] = [
  "hostname", "preserve_hostname", "manage_etc_hosts", "disable_root", "ssh_pwauth", "users",
  "package_update", "package_upgrade", "packages", "write_files", "runcmd",
];

/** Refuses a token that is empty or could break out of its file; never quotes the token. */
export function checkRegistrationToken(token: string): void {
  if (token === "") throw new ConfigError([{ path: "registrationToken", message: "is empty", fix: "pass the Forgejo runner registration token of the configured scope" }], "cloud-init secrets");
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(token)) {
    throw new ConfigError([{ path: "registrationToken", message: "contains characters other than letters, digits, '.', '_' and '-'", fix: "pass the token exactly as Forgejo returns it, without whitespace or quotes" }], "cloud-init secrets");
  }
}

/**
 * The cloud-config document. `registrationToken` is written only to the root-only token file;
 * pass {@link REDACTED} (via {@link renderUserDataRedacted}) for output that may be shown.
 */
export function cloudConfig(vm: ResolvedForgejoVm, registrationToken: string): CloudConfig {
  if (registrationToken !== REDACTED) checkRegistrationToken(registrationToken);
  const script = (path: string, content: string): CloudConfigFile => ({ path, content, owner: "root:root", permissions: "0700" });
  return {
    hostname: vm.vm.name,
    preserve_hostname: false,
    manage_etc_hosts: true,
    disable_root: true,
    ssh_pwauth: false,
    users: [{ name: GUEST.runnerUser, uid: GUEST.runnerUid, gecos: "Forgejo runner", homedir: GUEST.runnerHome, shell: "/bin/bash", lock_passwd: true }],
    package_update: true,
    package_upgrade: false,
    packages: ["docker.io", "qemu-guest-agent"],
    write_files: [
      script(GUEST.installScript, renderShellScript(installRunnerScript(vm))),
      script(GUEST.registerScript, renderShellScript(registerRunnerScript(vm))),
      { path: GUEST.config, content: renderForgejoRunnerConfig(vm), owner: "root:root", permissions: "0644" },
      { path: GUEST.unitPath, content: renderSystemdUnit(runnerServiceUnit()), owner: "root:root", permissions: "0644" },
      { path: GUEST.tokenFile, content: registrationToken, owner: "root:root", permissions: "0600" },
    ],
    runcmd: [
      "set -eu",
      ["systemctl", "enable", "--now", "docker.service"],
      // A static unit: udev starts it when the virtio channel appears; starting it here covers a late install.
      ["systemctl", "start", "qemu-guest-agent.service"],
      [GUEST.installScript],
      [GUEST.registerScript],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", GUEST.unit],
    ],
  };
}

function serialise(doc: CloudConfig): string {
  const yaml = new Document(doc);
  // Each runcmd argv on one line, as it reads in a shell.
  const runcmd = yaml.get("runcmd");
  if (isSeq(runcmd)) for (const item of runcmd.items) if (isSeq(item)) item.flow = true;
  return `#cloud-config\n${yaml.toString({ lineWidth: 0 })}`;
}

/** User-data with the real token: a secret document. */
export function renderUserData(vm: ResolvedForgejoVm, registrationToken: string): string {
  checkRegistrationToken(registrationToken);
  return serialise(cloudConfig(vm, registrationToken));
}

/** User-data with the token replaced by {@link REDACTED}: safe to print, diff and store. */
export function renderUserDataRedacted(vm: ResolvedForgejoVm): string {
  return serialise(cloudConfig(vm, REDACTED));
}
