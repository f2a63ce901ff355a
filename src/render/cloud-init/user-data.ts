/**
 * The one renderer of a guest description (`RunnerGuest`, whatever its forge) into `#cloud-config`
 * user-data, serialised with `yaml`. Every guest also gets the QEMU guest agent (the libvirt
 * substrate talks to it). It writes the guest's files and one installer per checksum-verified
 * download, creates the runner user (and no `default` user), runs the first-boot steps under
 * `set -eu`, and starts the runner service.
 *
 * Secrets live only in the guest's `secret` files: render a guest built with the real credential
 * (a secret document) or with {@link REDACTED} in its place (safe to show).
 */
import { Document, isSeq } from "yaml";
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import type { RunnerGuest } from "../../model/runner-guest.ts";
import { downloadInstallScript } from "../scripts/guest-downloads.ts";
import { checkRegistrationToken, forgejoGuest, REDACTED } from "../scripts/runner-guest.ts";
import { renderShellScript } from "../scripts/shell.ts";
import { guestServiceUnit, renderSystemdUnit } from "../scripts/systemd.ts";

export { checkRegistrationToken, REDACTED };

/** The guest agent every libvirt guest runs. */
export const GUEST_AGENT = { package: "qemu-guest-agent", unit: "qemu-guest-agent.service" } as const;

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
  /** Absent when the seed's meta-data names the machine (`local-hostname`). */
  readonly hostname?: string;
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
  readonly runcmd: readonly ["set -eu", ...(string | readonly string[])[]];
}

/** Top-level keys {@link cloudConfig} may write (cloud-init does not flag unknown ones itself). */
export const CLOUD_CONFIG_KEYS: readonly (keyof CloudConfig)[] = [
  "hostname", "preserve_hostname", "manage_etc_hosts", "disable_root", "ssh_pwauth", "users",
  "package_update", "package_upgrade", "packages", "write_files", "runcmd",
];

/**
 * The cloud-config document of a guest. `write_files` runs before `users`, so every file is owned
 * by root; the runner reads what it needs through permissions or the service's root steps.
 */
/** Powers the machine off when the first-boot commands fail (a failed download or install). */
export const FIRST_BOOT_FAILURE_POWERS_OFF = [
  'first_boot_ended() { status=$?; if [ "$status" -ne 0 ]; then echo "runner-fleet: first boot failed (exit $status); powering off" >&2; systemctl poweroff; fi; }',
  "trap first_boot_ended EXIT",
] as const;

export function guestCloudConfig(guest: RunnerGuest): CloudConfig {
  const file = (path: string, content: string, permissions: string): CloudConfigFile => ({ path, content, owner: "root:root", permissions });
  const u = guest.user;
  return {
    ...(guest.hostname === undefined ? {} : { hostname: guest.hostname }),
    preserve_hostname: false,
    manage_etc_hosts: true,
    disable_root: true,
    ssh_pwauth: false,
    users: [{ name: u.name, uid: u.uid, gecos: u.gecos, homedir: u.home, shell: "/bin/bash", lock_passwd: true }],
    package_update: true,
    package_upgrade: false,
    packages: [...guest.packages, GUEST_AGENT.package],
    write_files: [
      ...guest.downloads.map((d) => file(d.installer, renderShellScript(downloadInstallScript(d)), "0700")),
      ...guest.files.filter((f) => f.secret !== true).map((f) => file(f.path, f.content, f.permissions)),
      file(`/etc/systemd/system/${guest.service.unit}`, renderSystemdUnit(guestServiceUnit(guest.service)), "0644"),
      ...guest.files.filter((f) => f.secret === true).map((f) => file(f.path, f.content, f.permissions)),
    ],
    runcmd: [
      "set -eu",
      // A one-job machine that cannot start its runner gives its slot back instead of idling.
      ...(guest.service.onExit === "power-off" ? FIRST_BOOT_FAILURE_POWERS_OFF : []),
      ...guest.enableServices.map((s) => ["systemctl", "enable", "--now", s]),
      // A static unit: udev starts it when the virtio channel appears; starting it here covers a late install.
      ["systemctl", "start", GUEST_AGENT.unit],
      ...guest.downloads.map((d) => [d.installer]),
      ...guest.setup.map((argv) => [...argv]),
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", guest.service.unit],
    ],
  };
}

/** Serialises a cloud-config document, each runcmd argv on one line as it reads in a shell. */
export function serialiseCloudConfig(doc: CloudConfig): string {
  const yaml = new Document(doc);
  const runcmd = yaml.get("runcmd");
  if (isSeq(runcmd)) for (const item of runcmd.items) if (isSeq(item)) item.flow = true;
  return `#cloud-config\n${yaml.toString({ lineWidth: 0 })}`;
}

/** The user-data of a guest description. */
export function renderGuestUserData(guest: RunnerGuest): string {
  return serialiseCloudConfig(guestCloudConfig(guest));
}

/**
 * The cloud-config document of a Forgejo runner VM. `registrationToken` is written only to the
 * root-only token file; pass {@link REDACTED} (via {@link renderUserDataRedacted}) for output that may be shown.
 */
export function cloudConfig(vm: ResolvedForgejoVm, registrationToken: string): CloudConfig {
  return guestCloudConfig(forgejoGuest(vm, registrationToken));
}

/** User-data with the real token: a secret document. */
export function renderUserData(vm: ResolvedForgejoVm, registrationToken: string): string {
  checkRegistrationToken(registrationToken);
  return renderGuestUserData(forgejoGuest(vm, registrationToken));
}

/** User-data with the token replaced by {@link REDACTED}: safe to print, diff and store. */
export function renderUserDataRedacted(vm: ResolvedForgejoVm): string {
  return renderGuestUserData(forgejoGuest(vm, REDACTED));
}
