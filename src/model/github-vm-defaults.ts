/** Every default, minimum and maximum of the GitHub-runners-in-libvirt-VMs model, and where actions/runner releases are downloaded. */
import { FORGES } from "./forge.ts";
import { FORGEJO_VM_DEFAULTS, FORGEJO_VM_MAXIMUMS, FORGEJO_VM_MINIMUMS } from "./forgejo-vm-defaults.ts";

/**
 * Every default of the GitHub libvirt model. The stack's Pulumi.yaml and settings spec quote these
 * values; a test checks that they agree. Host, image and VM size defaults are those of every
 * libvirt runner VM (the Forgejo model's).
 */
export const GITHUB_LIBVIRT_DEFAULTS = {
  /** SSH user on the libvirt host (another user runs every host command under `sudo -n`). */
  libvirtUser: FORGEJO_VM_DEFAULTS.hostUser,
  pool: FORGEJO_VM_DEFAULTS.pool,
  poolPath: FORGEJO_VM_DEFAULTS.poolPath,
  bridge: FORGEJO_VM_DEFAULTS.bridge,
  firewallFix: FORGEJO_VM_DEFAULTS.firewallFix,
  /** github.com; set the base URL of a GitHub Enterprise Server instead (its API is `<url>/api/v3`). */
  githubUrl: "https://github.com",
  /** Plain `http://` URLs are refused: the token and the JIT configurations would travel in clear. */
  allowInsecureHttp: false,
  /** The `Default` runner group (id 1). */
  runnerGroupId: 1,
  /** VM slots kept filled, each with one runner for one job. */
  slots: 2,
  /** Slot (domain) names are `<slotPrefix>-1` … `<slotPrefix>-<slots>`. */
  slotPrefix: "gh-vm",
  cpus: FORGEJO_VM_DEFAULTS.cpus,
  memoryMiB: FORGEJO_VM_DEFAULTS.memoryMiB,
  diskGiB: FORGEJO_VM_DEFAULTS.diskGiB,
  /** Extra DNS servers handed to the DHCP-configured guests. */
  dns: [] as readonly string[],
  baseImage: FORGEJO_VM_DEFAULTS.baseImage,
  /** actions/runner release and the SHA-256 of its `linux-x64` tarball. */
  runnerVersion: "2.329.0",
  runnerSha256: "194f1e1e4bd02f80b7e9633fc546084d8d4e19f3928a324d512ea53430102e1d",
  /** Docker in the guest, reachable by the runner (the VM, used for one job, is the fence). */
  docker: true,
  /** Seconds between two refills of empty slots: a refused JIT request is retried no sooner. */
  refillSeconds: 60,
} as const;

export const GITHUB_LIBVIRT_MINIMUMS = { ...FORGEJO_VM_MINIMUMS, slots: 1, refillSeconds: 10, runnerGroupId: 1 } as const;
/** More slots than one host sensibly runs at once, or a refill interval longer than a day, is a typo. */
export const GITHUB_LIBVIRT_MAXIMUMS = { ...FORGEJO_VM_MAXIMUMS, slots: 64, refillSeconds: 86_400, runnerGroupId: 2_147_483_647 } as const;

/** The labels the runner adds itself on Linux x64; sent with every JIT request, so workflows may target them. */
export const GITHUB_VM_OS_LABELS: readonly string[] = [...FORGES.github.implicitLabels, "x64"];

/** Download URL of an actions/runner release tarball for linux-x64. */
export function actionsRunnerUrl(version: string): string {
  return `https://github.com/actions/runner/releases/download/v${version}/actions-runner-linux-x64-${version}.tar.gz`;
}
