/**
 * What a runner machine is made of, whatever the forge and whatever delivers it: the runner user,
 * packages, files, checksum-verified downloads, first-boot steps and the runner service. A forge
 * produces one {@link RunnerGuest} (Forgejo: forgejo-runner with its config and registration;
 * GitHub: the actions runner with a just-in-time configuration); one renderer turns it into
 * cloud-init user-data (`render/cloud-init/user-data.ts`). The shape of the machine that runs it
 * is a {@link VmShape}, which the domain XML renderer takes without knowing the forge.
 */
import type { VmNetwork } from "./vm-network.ts";

/** The unprivileged account the runner runs as. */
export interface GuestUser {
  readonly name: string;
  readonly uid: number;
  readonly gecos: string;
  readonly home: string;
}

/** A file written at first boot, root-owned. `secret` files hold a credential (or its `[secret]` stand-in). */
export interface GuestFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: "0600" | "0644" | "0700" | "0755";
  readonly secret?: boolean;
}

/**
 * A release downloaded at first boot and installed only when its SHA-256 matches: a single
 * executable (`binary`, installed at `dest`) or a gzip tarball extracted into `dest`, owned by `owner`.
 */
export interface GuestDownload {
  readonly name: string;
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  readonly kind: "binary" | "tar.gz";
  readonly dest: string;
  /** Owner of an extracted tarball's files. @default root */
  readonly owner?: string;
  /** Path of the installer script written for this download. */
  readonly installer: string;
}

/**
 * What the guest does when the runner service's main process ends:
 * - `restart`: the runner is a daemon; systemd restarts it after a failure;
 * - `power-off`: the runner took its one job (or failed); the machine powers off, and the
 *   substrate replaces it.
 */
export type GuestServiceExit = "restart" | "power-off";

/** The runner service (a systemd unit), run as the runner user with the hardening the renderer adds. */
export interface GuestService {
  /** Unit file name, e.g. `forgejo-runner.service`. */
  readonly unit: string;
  readonly description: string;
  readonly documentation: string;
  /** Header comment of the unit file. */
  readonly comment: string;
  /** Main process, as argv; the first word is an absolute path. */
  readonly execStart: readonly string[];
  /** Commands run as root before the main process (`ExecStartPre=+`). */
  readonly execStartPreAsRoot?: readonly (readonly string[])[];
  /** Commands run as root when the main process has ended, before the exit action (`ExecStopPost=+`). */
  readonly execStopPostAsRoot?: readonly (readonly string[])[];
  readonly user: string;
  readonly supplementaryGroups?: readonly string[];
  readonly workingDirectory: string;
  readonly environment?: readonly string[];
  /** Units started before it and required by it (e.g. `docker.service`). */
  readonly requires?: readonly string[];
  /** Started only when this path exists. */
  readonly conditionPathExists?: string;
  /** A directory under /run owned by the user, removed when the service stops. */
  readonly runtimeDirectory?: string;
  readonly onExit: GuestServiceExit;
}

export interface RunnerGuest {
  /** The hostname; when absent, the seed's meta-data (`local-hostname`) names the machine. */
  readonly hostname?: string;
  readonly user: GuestUser;
  /** Distribution packages to install. */
  readonly packages: readonly string[];
  /** Services enabled and started before anything else (`systemctl enable --now`). */
  readonly enableServices: readonly string[];
  readonly downloads: readonly GuestDownload[];
  readonly files: readonly GuestFile[];
  /** First-boot commands as root, after the downloads are installed and before the service starts. */
  readonly setup: readonly (readonly string[])[];
  readonly service: GuestService;
}

/** The machine a guest runs on, as a libvirt domain needs it: no forge in sight. */
export interface VmShape {
  /** Domain name (a DNS label). */
  readonly name: string;
  /** What runs on it, in the domain's comment and description, e.g. "Forgejo runner". */
  readonly title: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly disk: { readonly overlay: string; readonly seedIso: string };
  readonly network: { readonly bridge: string };
}

/** Where a guest is addressed on its network: the NoCloud network-config's input. */
export type GuestNetwork = VmNetwork;
