/**
 * The Forgejo runner VM model for the libvirt substrate: one KVM guest on a libvirt host that runs
 * forgejo-runner with Docker, registered with one Forgejo scope. What a user writes (input), how it
 * is validated (every problem at once, each with its key path and fix), and the resolved form with
 * every default applied and every derived path computed once. Secrets never enter the model: the
 * registration token is handed to the cloud-init renderer separately.
 */
import { z } from "zod";
import ipaddr from "ipaddr.js";
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";

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

/** Host directory where the cloud-init sources and the domain XML of a VM are staged. */
export const FORGEJO_VM_STAGING_ROOT = "/var/lib/runner-fleet";

/** Download URL of a forgejo-runner release binary for linux-amd64. */
export function forgejoRunnerUrl(version: string): string {
  return `https://code.forgejo.org/forgejo/runner/releases/download/v${version}/forgejo-runner-${version}-linux-amd64`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
const SHA256 = /^[a-f0-9]{64}$/;
const VERSION = /^\d+\.\d+\.\d+$/;
const FORGE_NAME = /^[A-Za-z0-9_][-A-Za-z0-9_.]{0,99}$/;
const LABEL_NAME = /^[^\s,:]{1,256}$/;

const custom = (message: string, fix: string) => ({ code: "custom" as const, message, params: { fix } });

/** A string checked by `problem`, which returns the message and fix of the first problem, if any. */
const checked = (problem: (v: string) => [message: string, fix: string] | undefined) =>
  z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue(custom(p[0], p[1]));
  });

const wholeAtLeast = (min: number, fix: string) =>
  z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < min) ctx.addIssue(custom(`${v} is not a whole number of ${min} or more`, fix));
  });

const isIpAddress = (v: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(v) || (v.includes(":") && ipaddr.IPv6.isValid(v));

const hostAddress = checked((v) =>
  isIpAddress(v) || HOSTNAME.test(v)
    ? undefined
    : [`"${v}" is not a hostname or IP address`, 'give the libvirt host\'s DNS name or address without user, port or scheme, e.g. "kvm1.lan" or "192.168.1.10"']);

/** Returns why `v` is not a usable http(s) base URL, if it is not. */
function urlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return "is not a URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return `uses ${u.protocol} instead of https: or http:`;
  if (u.username !== "" || u.password !== "") return "contains credentials";
  if (u.search !== "" || u.hash !== "") return "has a query or fragment";
  return undefined;
}

const forgeAddress = checked((v) => {
  const p = urlProblem(v);
  return p ? [p, 'give the base URL of the Forgejo instance, e.g. "https://forgejo.example.com" (no credentials, query or fragment)'] : undefined;
});

const SCOPE_FIX = 'write "instance" (site-wide runner, needs an admin token), "org/<organisation>" or "repo/<owner>/<repository>"';
const scope = checked((v) => (parseScope(v) ? undefined : [`"${v}" is not a runner scope`, SCOPE_FIX]));

const sha256 = (what: string) => checked((v) => (SHA256.test(v) ? undefined : ["is not a SHA-256 digest (64 lower-case hex digits)", `copy the SHA-256 of ${what} from its publisher's checksum file`]));

const label = checked((v) => {
  const p = parseRunnerLabel(v);
  return typeof p === "string" ? [`"${v}" ${p}`, 'write each label as "<name>:docker://<image:tag>" or "<name>:host"; names have no commas, colons or whitespace, and images are pinned by tag or digest'] : undefined;
});

const ipv4Cidr = checked((v) => {
  if (v === "") return undefined;
  const p = cidrProblem(v);
  return p ? [`"${v}" ${p}`, 'write the VM\'s address and prefix length, e.g. "192.168.1.15/24", or "" for DHCP'] : undefined;
});

const ipv4 = (what: string) => checked((v) => (ipaddr.IPv4.isValidFourPartDecimal(v) ? undefined : [`"${v}" is not an IPv4 address`, `give ${what} as a dotted IPv4 address, e.g. "192.168.1.1"`]));
const dnsServer = checked((v) => (isIpAddress(v) ? undefined : [`"${v}" is not an IP address`, 'give each DNS server as an IP address, e.g. "192.168.1.1" or "2001:db8::53"']));

const baseImage = strictObject({
  /** Download URL of a qcow2 cloud image. */
  url: checked((v) => {
    const p = urlProblem(v);
    return p ? [p, "give the https URL of a qcow2 cloud image, pinned to a dated release directory"] : undefined;
  }).optional(),
  /** SHA-256 of the image; a URL without it is refused. */
  sha256: sha256("the image (the release's SHA256SUMS)").optional(),
});

export const forgejoVmSchema = strictObject({
  host: strictObject({
    /** The libvirt host: hostname or IP address. Required. */
    address: hostAddress,
    /** SSH user. @default "root" */
    user: checked((v) => (/^[a-z_][a-z0-9_-]{0,31}$/.test(v) ? undefined : [`"${v}" is not a user name`, 'give a POSIX user name such as "root" or "ubuntu"'])).optional(),
    /** Path of the SSH private key (the stack fills it from RUNNER_SSH_KEY_PATH). Required. */
    sshKeyPath: checked((v) => (v.trim() === "" ? ["is empty", "set RUNNER_SSH_KEY_PATH to the private key that logs in to the libvirt host"] : undefined)),
    /** libvirt storage pool. @default "default" */
    pool: checked((v) => (/^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$/.test(v) ? undefined : [`"${v}" is not a pool name`, "give the name of an existing libvirt storage pool (virsh pool-list)"])).optional(),
    /** Target directory of the pool. @default "/var/lib/libvirt/images" */
    poolPath: checked((v) => (/^\/[-A-Za-z0-9_./]*$/.test(v) && !v.split("/").includes("..") ? undefined : [`"${v}" is not an absolute path of plain characters`, "give the pool's <target><path> (virsh pool-dumpxml <pool>)"])).optional(),
    /** Host bridge for the VM's NIC. @default "br0" */
    bridge: checked((v) => (/^[A-Za-z0-9][-A-Za-z0-9_.]{0,14}$/.test(v) ? undefined : [`"${v}" is not an interface name`, "give the name of an existing Linux bridge on the host (ip -br link show type bridge), at most 15 characters"])).optional(),
    /** Install the k3s FORWARD fix on the host. @default true */
    firewallFix: z.boolean({ error: "must be true or false" }).optional(),
  }),
  forge: strictObject({
    /** Base URL of the Forgejo instance. Required. */
    address: forgeAddress,
    /** `instance`, `org/<name>` or `repo/<owner>/<name>`. Required. */
    scope,
    /** Where the stack gets the registration token: `api` (HTTP API) or `ssh` (`forgejo actions generate-runner-token` on the forge host). @default "api" */
    tokenSource: z.enum(["api", "ssh"]).optional(),
  }),
  vm: strictObject({
    /** Domain name, guest hostname and runner name: a DNS label. Required. */
    name: checked((v) => (DNS_LABEL.test(v) ? undefined : [`"${v}" is not a DNS label`, 'use 1-63 lower-case letters, digits and "-", starting and ending with a letter or digit'])),
    /** Static interface address in CIDR form; "" for DHCP. @default "" */
    ipCidr: ipv4Cidr.optional(),
    /** Default gateway; required with a static address. */
    gateway: ipv4("the default gateway").optional(),
    /** DNS servers; required with a static address. @default [] */
    dns: z.array(dnsServer, { error: "must be a list of IP addresses" }).optional(),
    /** Virtual CPUs. @default 2 */
    cpus: wholeAtLeast(FORGEJO_VM_MINIMUMS.cpus, "set vm.cpus to 1 or more").optional(),
    /** Memory in MiB. @default 4096 */
    memoryMiB: wholeAtLeast(FORGEJO_VM_MINIMUMS.memoryMiB, "set vm.memoryMiB to 1024 or more (Ubuntu 24.04 with Docker needs at least 1 GiB; 4096 is the default)").optional(),
    /** Overlay disk size in GiB. @default 40 */
    diskGiB: wholeAtLeast(FORGEJO_VM_MINIMUMS.diskGiB, "set vm.diskGiB to 10 or more (the base image alone is 3.5 GiB, and job images need room)").optional(),
    /** Base cloud image. @default Ubuntu 24.04 release 20250704 */
    baseImage: baseImage.optional(),
  }),
  runner: strictObject({
    /** Runner labels. @default ["fenced:docker://node:22.12.0-bookworm"] */
    labels: z.array(label, { error: "must be a list of labels" }).optional(),
    /** Concurrent jobs. @default 1 */
    capacity: wholeAtLeast(FORGEJO_VM_MINIMUMS.capacity, "set runner.capacity to 1 or more (1 keeps jobs from sharing the VM)").optional(),
    /** forgejo-runner release, e.g. "12.6.4". @default "12.6.4" */
    version: checked((v) => (VERSION.test(v) ? undefined : [`"${v}" is not a release version`, 'give a forgejo-runner release as MAJOR.MINOR.PATCH without "v", e.g. "12.6.4"'])).optional(),
    /** SHA-256 of the release's linux-amd64 binary; required whenever version is set. */
    sha256: sha256("forgejo-runner-<version>-linux-amd64 (the release's .sha256 file)").optional(),
  }).optional(),
});

export type ForgejoVmInput = z.input<typeof forgejoVmSchema>;

export type ForgejoScope =
  | { readonly kind: "instance" }
  | { readonly kind: "org"; readonly org: string }
  | { readonly kind: "repo"; readonly owner: string; readonly repo: string };

/** Parses `instance`, `org/<name>` or `repo/<owner>/<name>`. */
export function parseScope(v: string): ForgejoScope | undefined {
  if (v === "instance") return { kind: "instance" };
  const parts = v.split("/");
  if (parts.length === 2 && parts[0] === "org" && FORGE_NAME.test(parts[1] ?? "")) return { kind: "org", org: parts[1] ?? "" };
  if (parts.length === 3 && parts[0] === "repo" && FORGE_NAME.test(parts[1] ?? "") && FORGE_NAME.test(parts[2] ?? "")) {
    return { kind: "repo", owner: parts[1] ?? "", repo: parts[2] ?? "" };
  }
  return undefined;
}

/** Forgejo API path (below `/api/v1`) that hands out a registration token for a scope (GET; token in the `token` header). */
export function registrationTokenApiPath(s: ForgejoScope): string {
  switch (s.kind) {
    case "instance":
      return "/api/v1/admin/runners/registration-token";
    case "org":
      return `/api/v1/orgs/${encodeURIComponent(s.org)}/actions/runners/registration-token`;
    case "repo":
      return `/api/v1/repos/${encodeURIComponent(s.owner)}/${encodeURIComponent(s.repo)}/actions/runners/registration-token`;
  }
}

/** `--scope` value of the server CLI `forgejo actions generate-runner-token` ("" for the instance). */
export function generateTokenCliScope(s: ForgejoScope): string {
  switch (s.kind) {
    case "instance":
      return "";
    case "org":
      return s.org;
    case "repo":
      return `${s.owner}/${s.repo}`;
  }
}

export type RunnerLabel =
  | { readonly name: string; readonly kind: "docker"; readonly image: string }
  | { readonly name: string; readonly kind: "host" };

/** Parses a runner label; returns the reason when it is malformed. */
export function parseRunnerLabel(v: string): RunnerLabel | string {
  const colon = v.indexOf(":");
  const name = colon < 0 ? v : v.slice(0, colon);
  if (!LABEL_NAME.test(name)) return "has an empty name or one with a comma, colon or whitespace";
  if (colon < 0) return 'has no execution kind (":docker://<image>" or ":host")';
  const rest = v.slice(colon + 1);
  if (rest === "host") return { name, kind: "host" };
  if (!rest.startsWith("docker://")) return `uses "${rest.split(":")[0] ?? rest}" instead of docker:// or host`;
  const image = rest.slice("docker://".length);
  const parsed = parseImage(image);
  if (typeof parsed === "string") return `has an image that ${parsed} (${PIN_IMAGE_FIX})`;
  return { name, kind: "docker", image };
}

/** Formats a label back the way forgejo-runner reads it. */
export const formatRunnerLabel = (l: RunnerLabel): string => (l.kind === "host" ? `${l.name}:host` : `${l.name}:docker://${l.image}`);

function cidrProblem(v: string): string | undefined {
  const slash = v.indexOf("/");
  if (slash < 0) return "has no prefix length (/1 to /32)";
  const addr = v.slice(0, slash);
  const prefix = v.slice(slash + 1);
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr)) return "does not start with a dotted IPv4 address";
  if (!/^\d{1,2}$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > 32) return "has a prefix length outside 1-32";
  const n = Number(prefix);
  if (n <= 30) {
    if (ipaddr.IPv4.networkAddressFromCIDR(v).toString() === addr) return "is the network address of its subnet, not a host address";
    if (ipaddr.IPv4.broadcastAddressFromCIDR(v).toString() === addr) return "is the broadcast address of its subnet, not a host address";
  }
  return undefined;
}

export type VmNetwork =
  | { readonly kind: "dhcp"; readonly dns: readonly string[] }
  | { readonly kind: "static"; readonly cidr: string; readonly address: string; readonly prefixLength: number; readonly gateway: string; readonly dns: readonly string[] };

/** Files on the libvirt host that belong to one VM. The base image is shared and never deleted. */
export interface ForgejoVmPaths {
  /** Verified base image in the pool, named after its URL and digest so that versions never collide. */
  readonly baseImage: string;
  /** The VM's qcow2 overlay, backed by the base image. */
  readonly overlay: string;
  /** The NoCloud seed ISO (volume label `cidata`). */
  readonly seedIso: string;
  /** Directory holding the staged cloud-init sources and domain XML. */
  readonly stagingDir: string;
  readonly userData: string;
  readonly networkConfig: string;
  readonly metaData: string;
  readonly domainXml: string;
}

export interface ResolvedForgejoVm {
  readonly host: {
    readonly address: string;
    readonly user: string;
    readonly sshKeyPath: string;
    readonly pool: string;
    readonly poolPath: string;
    readonly bridge: string;
    readonly firewallFix: boolean;
  };
  readonly forge: {
    /** Base URL without a trailing slash. */
    readonly address: string;
    readonly scope: ForgejoScope;
    readonly tokenSource: "api" | "ssh";
    /** API path of the registration-token endpoint for the scope. */
    readonly registrationTokenApiPath: string;
    /** `--scope` of `forgejo actions generate-runner-token`. */
    readonly generateTokenCliScope: string;
  };
  readonly vm: {
    readonly name: string;
    readonly network: VmNetwork;
    readonly cpus: number;
    readonly memoryMiB: number;
    readonly diskGiB: number;
    readonly baseImage: { readonly url: string; readonly sha256: string };
    readonly paths: ForgejoVmPaths;
  };
  readonly runner: {
    readonly labels: readonly RunnerLabel[];
    readonly capacity: number;
    readonly version: string;
    readonly sha256: string;
    readonly downloadUrl: string;
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Checks that span keys: pins that come in pairs, and the parts of a static address. They run on
 * the raw input next to the per-key schema, so that every problem is reported at once; each only
 * fires when the keys it compares are individually well-formed (those are reported by the schema).
 */
function crossKeyIssues(input: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const vm = obj(obj(input)["vm"]);
  const image = obj(vm["baseImage"]);
  if ("baseImage" in vm) {
    if (image["url"] !== undefined && image["sha256"] === undefined) {
      issues.push({ path: "vm.baseImage.sha256", message: "is missing: an image URL without a checksum is refused", fix: "add the image's SHA-256 from the release's SHA256SUMS file next to vm.baseImage.url" });
    }
    if (image["url"] === undefined && image["sha256"] !== undefined) {
      issues.push({ path: "vm.baseImage.url", message: "is missing while vm.baseImage.sha256 is set", fix: "give the URL the checksum belongs to, or remove vm.baseImage to use the default image" });
    }
  }
  const runner = obj(obj(input)["runner"]);
  if (runner["version"] !== undefined && runner["sha256"] === undefined) {
    issues.push({ path: "runner.sha256", message: "is missing while runner.version is set", fix: "add the SHA-256 of forgejo-runner-<version>-linux-amd64 from the release's .sha256 file" });
  }
  if (runner["version"] === undefined && runner["sha256"] !== undefined) {
    issues.push({ path: "runner.version", message: "is missing while runner.sha256 is set", fix: "give the release version the checksum belongs to" });
  }
  const cidr = str(vm["ipCidr"]);
  if (cidr !== undefined && cidr !== "" && cidrProblem(cidr) === undefined) {
    const gateway = vm["gateway"];
    if (gateway === undefined) {
      issues.push({ path: "vm.gateway", message: "is missing while vm.ipCidr sets a static address", fix: 'give the default gateway of the subnet, e.g. "192.168.1.1", or set vm.ipCidr to "" for DHCP' });
    } else if (typeof gateway === "string" && ipaddr.IPv4.isValidFourPartDecimal(gateway)) {
      const [net, len] = ipaddr.IPv4.parseCIDR(cidr);
      if (!ipaddr.IPv4.parse(gateway).match(net, len)) {
        issues.push({ path: "vm.gateway", message: `${gateway} is outside the subnet of vm.ipCidr (${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${len})`, fix: "give a gateway inside the VM's subnet, or correct the prefix length of vm.ipCidr" });
      } else if (gateway === cidr.slice(0, cidr.indexOf("/"))) {
        issues.push({ path: "vm.gateway", message: "is the VM's own address", fix: "give the router's address as the gateway" });
      }
    }
    if (!Array.isArray(vm["dns"]) || vm["dns"].length === 0) {
      issues.push({ path: "vm.dns", message: "is empty while vm.ipCidr sets a static address", fix: 'list at least one DNS server, e.g. ["192.168.1.1"]' });
    }
  } else if ((cidr === undefined || cidr === "") && vm["gateway"] !== undefined) {
    issues.push({ path: "vm.gateway", message: "is set while the VM uses DHCP (vm.ipCidr is empty)", fix: "remove vm.gateway, or set vm.ipCidr to a static address" });
  }
  return issues;
}

/**
 * Validates a Forgejo VM description and applies every default. Throws {@link ConfigError} listing
 * every problem (key path, what is wrong, how to fix it); nothing is rendered from bad input.
 */
export function resolveForgejoVm(input: unknown): ResolvedForgejoVm {
  const parsed = forgejoVmSchema.safeParse(input, { reportInput: true });
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error)), ...crossKeyIssues(input)];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues, "Forgejo VM configuration");
  const { host, forge, vm } = parsed.data;
  const runner = parsed.data.runner ?? {};
  const d = FORGEJO_VM_DEFAULTS;
  const scopeValue = parseScope(forge.scope);
  if (!scopeValue) throw new ConfigError([{ path: "forge.scope", message: "is not a runner scope", fix: SCOPE_FIX }], "Forgejo VM configuration");

  const labels = (runner.labels ?? d.labels).map((l) => parseRunnerLabel(l)).filter((l): l is RunnerLabel => typeof l !== "string");
  const dup = new Map<string, number>();
  labels.forEach((l, i) => {
    const prev = dup.get(l.name);
    if (prev !== undefined) issues.push({ path: `runner.labels[${i}]`, message: `repeats the label name "${l.name}" of runner.labels[${prev}]`, fix: "give every label its own name" });
    else dup.set(l.name, i);
  });
  if (labels.length === 0) issues.push({ path: "runner.labels", message: "is empty", fix: 'list at least one label, e.g. ["fenced:docker://node:22.12.0-bookworm"], or remove the key for the default' });
  if (issues.length > 0) throw new ConfigError(issues, "Forgejo VM configuration");

  const dns = vm.dns ?? [...d.dns];
  const cidr = vm.ipCidr ?? d.ipCidr;
  const network: VmNetwork =
    cidr === ""
      ? { kind: "dhcp", dns }
      : { kind: "static", cidr, address: cidr.slice(0, cidr.indexOf("/")), prefixLength: Number(cidr.slice(cidr.indexOf("/") + 1)), gateway: vm.gateway ?? "", dns };
  const image = vm.baseImage?.url !== undefined && vm.baseImage.sha256 !== undefined ? { url: vm.baseImage.url, sha256: vm.baseImage.sha256 } : { ...d.baseImage };
  const version = runner.version ?? d.runnerVersion;
  const poolPath = (host.poolPath ?? d.poolPath).replace(/\/+$/, "") || "/";
  return {
    host: {
      address: host.address,
      user: host.user ?? d.hostUser,
      sshKeyPath: host.sshKeyPath,
      pool: host.pool ?? d.pool,
      poolPath,
      bridge: host.bridge ?? d.bridge,
      firewallFix: host.firewallFix ?? d.firewallFix,
    },
    forge: {
      address: forge.address.replace(/\/+$/, ""),
      scope: scopeValue,
      tokenSource: forge.tokenSource ?? d.tokenSource,
      registrationTokenApiPath: registrationTokenApiPath(scopeValue),
      generateTokenCliScope: generateTokenCliScope(scopeValue),
    },
    vm: {
      name: vm.name,
      network,
      cpus: vm.cpus ?? d.cpus,
      memoryMiB: vm.memoryMiB ?? d.memoryMiB,
      diskGiB: vm.diskGiB ?? d.diskGiB,
      baseImage: image,
      paths: forgejoVmPaths(vm.name, poolPath, image),
    },
    runner: {
      labels,
      capacity: runner.capacity ?? d.capacity,
      version,
      sha256: runner.sha256 ?? d.runnerSha256,
      downloadUrl: forgejoRunnerUrl(version),
    },
  };
}

/** The host paths of a VM (see {@link ForgejoVmPaths}). */
export function forgejoVmPaths(
  name: string,
  poolPath: string,
  image: { readonly url: string; readonly sha256: string },
  stagingRoot: string = FORGEJO_VM_STAGING_ROOT,
): ForgejoVmPaths {
  const file = new URL(image.url).pathname.split("/").pop() ?? "";
  const stem = file.replace(/\.(img|qcow2)$/, "").replace(/[^A-Za-z0-9._-]/g, "-") || "base";
  const stagingDir = `${stagingRoot}/${name}`;
  return {
    baseImage: `${poolPath}/${stem}-${image.sha256.slice(0, 12)}.qcow2`,
    overlay: `${poolPath}/${name}.qcow2`,
    seedIso: `${poolPath}/${name}-seed.iso`,
    stagingDir,
    userData: `${stagingDir}/user-data`,
    networkConfig: `${stagingDir}/network-config`,
    metaData: `${stagingDir}/meta-data`,
    domainXml: `${stagingDir}/domain.xml`,
  };
}

/**
 * Checks that `host.sshKeyPath` names a readable private key. The read function is injected so
 * that the model stays free of I/O: pass `(p) => readFileSync(p, "utf8")`. The key is never quoted.
 */
export function checkSshKeyPath(path: string, read: (path: string) => string | Uint8Array): ConfigIssue[] {
  const at = "host.sshKeyPath";
  if (path.trim() === "") return [{ path: at, message: "is empty", fix: "set RUNNER_SSH_KEY_PATH to the private key that logs in to the libvirt host" }];
  let text: string;
  try {
    const raw = read(path);
    text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return [{ path: at, message: `${path} cannot be read${typeof code === "string" ? ` (${code})` : ""}`, fix: "point RUNNER_SSH_KEY_PATH at an existing private key file readable by the user running Pulumi" }];
  }
  if (/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+) AAAA/.test(text.trimStart())) {
    return [{ path: at, message: `${path} holds a public key`, fix: "point RUNNER_SSH_KEY_PATH at the private half (the file without .pub)" }];
  }
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/m.test(text)) {
    return [{ path: at, message: `${path} is not an OpenSSH or PEM private key`, fix: "point RUNNER_SSH_KEY_PATH at a private key file (it starts with -----BEGIN ... PRIVATE KEY-----)" }];
  }
  return [];
}
