/** Every default, minimum and maximum of the Forgejo VM model, and where forgejo-runner releases are downloaded. */

/** Every default of the Forgejo VM model. The docs quote these values; a test checks that they agree. */
export const FORGEJO_VM_DEFAULTS = {
  /** SSH user on the libvirt host. Every host command needs root; for another user they run under `sudo -n`. */
  hostUser: "root",
  /** libvirt storage pool that holds the base image, the overlay disk and the seed ISO. */
  pool: "default",
  /** Target directory of that pool (the `default` pool's directory on Debian and Ubuntu). */
  poolPath: "/var/lib/libvirt/images",
  /** Host bridge the VM's virtio NIC is plugged into. */
  bridge: "br0",
  /** Install the k3s FORWARD fix (a systemd timer that keeps bridged traffic accepted). */
  firewallFix: true,
  /** How the stack obtains the registration token: the Forgejo HTTP API. */
  tokenSource: "api",
  /** Plain `http://` forge addresses are refused (loopback excepted): the API token would travel in clear. */
  allowInsecureHttp: false,
  /** Interface address in CIDR form; empty means DHCP. */
  ipCidr: "",
  /** Extra DNS servers (required when the address is static). */
  dns: [] as readonly string[],
  /** Virtual CPUs. */
  cpus: 2,
  /** Guest memory in MiB. */
  memoryMiB: 4096,
  /** Size of the VM's overlay disk in GiB. */
  diskGiB: 40,
  /** Ubuntu 24.04 (noble) server cloud image, release 20250704, pinned by its SHA-256 from the release's SHA256SUMS. */
  baseImage: {
    url: "https://cloud-images-archive.ubuntu.com/releases/noble/release-20250704/ubuntu-24.04-server-cloudimg-amd64.img",
    sha256: "f1652d29d497fb7c623433705c9fca6525d1311b11294a0f495eed55c7639d1f",
  },
  /** Runner labels: one Docker label on a pinned image. */
  labels: ["fenced:docker://node:22.12.0-bookworm"] as readonly string[],
  /** Jobs the runner runs at once. */
  capacity: 1,
  /** forgejo-runner release and the SHA-256 of its `linux-amd64` binary. */
  runnerVersion: "12.6.4",
  runnerSha256: "fe83c5d5fffbbb81f2f8d93f4638d098ad9c08b77aa6b5035856ae9643d25684",
} as const;

/** Minimums below which Ubuntu 24.04 plus Docker does not boot or run jobs reliably. */
export const FORGEJO_VM_MINIMUMS = { memoryMiB: 1024, diskGiB: 10, cpus: 1, capacity: 1 } as const;

/**
 * Maximums above which a value is a typo rather than a plan: more jobs than one VM should share,
 * more vCPUs, memory (1 TiB) or disk (16 TiB) than a single libvirt host sensibly gives one guest.
 */
export const FORGEJO_VM_MAXIMUMS = { memoryMiB: 1_048_576, diskGiB: 16_384, cpus: 128, capacity: 64 } as const;

/** Download URL of a forgejo-runner release binary for linux-amd64. */
export function forgejoRunnerUrl(version: string): string {
  return `https://code.forgejo.org/forgejo/runner/releases/download/v${version}/forgejo-runner-${version}-linux-amd64`;
}
