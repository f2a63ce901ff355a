/**
 * The Forgejo runner VM model for the libvirt substrate: one KVM guest on a libvirt host that runs
 * forgejo-runner with Docker, registered with one Forgejo scope. What a user writes (input), how it
 * is validated (every problem at once, each with its key path and fix), and the resolved form with
 * every default applied and every derived path computed once. Secrets never enter the model: the
 * registration token is handed to the cloud-init renderer separately.
 *
 * The pieces live in their own files and are re-exported here: defaults (`forgejo-vm-defaults.ts`),
 * the scope (`forgejo-scope.ts`), labels (`runner-label.ts`), the guest network (`vm-network.ts`),
 * host paths (`forgejo-vm-paths.ts`) and the SSH key check (`ssh-key-path.ts`); the checks every
 * libvirt-VM model shares (host, pool, bridge, pins) are in `libvirt-host.ts`.
 */
import { z } from "./zod.ts";
import ipaddr from "ipaddr.js";
import { FORGEJO_VM_DEFAULTS, FORGEJO_VM_MAXIMUMS, FORGEJO_VM_MINIMUMS, forgejoRunnerUrl } from "./forgejo-vm-defaults.ts";
import { type ForgejoVmPaths, forgejoVmPaths } from "./forgejo-vm-paths.ts";
import { type ForgejoRunnerScope, formatForgejoRunnerScope, parseForgejoRunnerScope } from "./forgejo-scope.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { RUNNER_LABEL_FIX, type RunnerLabel, formatRunnerLabel, parseRunnerLabel } from "./runner-label.ts";
import { VM_IP_CIDR_FIX, type VmNetwork, interfaceCidrProblem, resolveVmNetwork, vmNetworkIssues } from "./vm-network.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";
import { DNS1123_LABEL, baseUrlProblem, isRecord } from "./refine.ts";
import {
  RELEASE_VERSION, baseImagePairIssues, baseImageSchema, checked, custom, dnsServer, hostAddress, hostUser, libvirtHostFields, type ResolvedLibvirtHost, resolveLibvirtHost, releasePairIssues, sha256Digest, wholeBetween,
} from "./libvirt-host.ts";
import type { VmShape } from "./runner-guest.ts";
import { FORGES } from "./forge.ts";
import type { RunnerPool } from "./substrate.ts";
import {
  FORGEJO_EPHEMERAL_DEFAULTS, type ForgejoVmTrust, type ResolvedForgejoEphemeralPool, ephemeralIssues, forgeVersionField, forgejoEphemeralRunnerFields, resolveForgejoEphemeralPool,
} from "./forgejo-vm-ephemeral.ts";

export * from "./forgejo-vm-defaults.ts";
export * from "./forgejo-vm-paths.ts";
export * from "./forgejo-scope.ts";
export * from "./runner-label.ts";
export * from "./vm-network.ts";
export * from "./ssh-key-path.ts";
export * from "./forgejo-vm-ephemeral.ts";

const SUBJECT = "Forgejo VM configuration";

const forgeAddress = checked((v) => {
  const p = baseUrlProblem(v);
  return p ? [p, 'give the base URL of the Forgejo instance, e.g. "https://forgejo.example.com" (no credentials, query or fragment)'] : undefined;
});

/** `forge.scope`, checked by the one scope parser (`forgejo-scope.ts`); every problem it finds is reported. */
const scope = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  try {
    parseForgejoRunnerScope(v);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) ctx.addIssue(custom(issue.message, issue.fix));
  }
});

const label = checked((v) => {
  const p = parseRunnerLabel(v);
  return typeof p === "string" ? [`"${v}" ${p}`, RUNNER_LABEL_FIX] : undefined;
});

const ipv4Cidr = checked((v) => {
  if (v === "") return undefined;
  const p = interfaceCidrProblem(v);
  return p ? [`"${v}" ${p}`, VM_IP_CIDR_FIX] : undefined;
});

const ipv4 = (what: string) => checked((v) => (ipaddr.IPv4.isValidFourPartDecimal(v) ? undefined : [`"${v}" is not an IPv4 address`, `give ${what} as a dotted IPv4 address, e.g. "192.168.1.1"`]));

const text = z.string({ error: "must be a string" });

/**
 * How to reach the forge host when `forge.tokenSource` is `ssh`. Only the shapes are checked here;
 * the values are checked by the SSH minting code (`src/forge/forgejo-token-ssh.ts`), which reports
 * its problems under the same keys. See docs/forgejo-token.md for every option and its default.
 */
const forgeSsh = strictObject({
  /** The forge host. Required. */
  host: text,
  /** The SSH login on the forge host. Required. */
  user: text,
  /** Private key for that login. @default host.sshKeyPath (RUNNER_SSH_KEY_PATH) */
  keyPath: text.optional(),
  /** @default 22 */
  port: z.number({ error: "must be a port number" }).int({ error: "must be a whole port number" }).min(1, { error: "must be a TCP port from 1 to 65535" }).max(65535, { error: "must be a TCP port from 1 to 65535" }).optional(),
  /** A known_hosts file holding the forge host's key. @default ssh's own */
  knownHostsPath: text.optional(),
  /** The account Forgejo runs as (adds `sudo -n -u <it> --`). @default unset */
  forgejoUser: text.optional(),
  /** Forgejo's app.ini on the forge host. @default Forgejo's own */
  configPath: text.optional(),
  /** The forgejo executable. @default "forgejo" */
  forgejoBinary: text.optional(),
  /** The Forgejo account for the `user` scope. */
  scopeUser: text.optional(),
});

export const forgejoVmSchema = strictObject({
  host: strictObject({
    /** The libvirt host: hostname or IP address. Required. */
    address: hostAddress,
    /** SSH user. @default "root" */
    user: hostUser.optional(),
    ...libvirtHostFields,
  }),
  forge: strictObject({
    /** Base URL of the Forgejo instance. Required. */
    address: forgeAddress,
    /**
     * Accept a plain `http://` address on a host other than loopback: the owner-scoped API token
     * then travels unencrypted. Only for a forge on a trusted network. @default false
     */
    allowInsecureHttp: z.boolean({ error: "must be true or false" }).optional(),
    /** `instance`, `user`, `org/<name>` or `repo/<owner>/<name>`. Required. */
    scope,
    /** Where the stack gets the registration token: `api` (HTTP API) or `ssh` (`forgejo actions generate-runner-token` on the forge host). @default "api" */
    tokenSource: z.enum(["api", "ssh"]).optional(),
    /** The forge host's SSH access; required with `tokenSource: ssh`, refused otherwise. */
    ssh: forgeSsh.optional(),
    /** The forge's Forgejo version, e.g. "15.0.1"; required with `runner.ephemeral: true` (15 or later). */
    version: forgeVersionField.optional(),
  }),
  vm: strictObject({
    /** Domain name, guest hostname and runner name: a DNS label. Required. */
    name: checked((v) => (DNS1123_LABEL.test(v) && v.length <= 63 ? undefined : [`"${v}" is not a DNS label`, 'use 1-63 lower-case letters, digits and "-", starting and ending with a letter or digit'])),
    /** Static interface address in CIDR form; "" for DHCP. @default "" */
    ipCidr: ipv4Cidr.optional(),
    /** Default gateway; required with a static address. */
    gateway: ipv4("the default gateway").optional(),
    /** DNS servers; required with a static address. @default [] */
    dns: z.array(dnsServer, { error: "must be a list of IP addresses" }).max(8, { error: "lists more than 8 servers (resolvers use the first 3)" }).optional(),
    /** Virtual CPUs. @default 2 */
    cpus: wholeBetween(FORGEJO_VM_MINIMUMS.cpus, FORGEJO_VM_MAXIMUMS.cpus, "set vm.cpus to 1 or more", `set vm.cpus to at most ${FORGEJO_VM_MAXIMUMS.cpus}, and no more than the host's own cores (nproc)`).optional(),
    /** Memory in MiB. @default 4096 */
    memoryMiB: wholeBetween(FORGEJO_VM_MINIMUMS.memoryMiB, FORGEJO_VM_MAXIMUMS.memoryMiB, "set vm.memoryMiB to 1024 or more (Ubuntu 24.04 with Docker needs at least 1 GiB; 4096 is the default)", `set vm.memoryMiB to at most ${FORGEJO_VM_MAXIMUMS.memoryMiB} (1 TiB); the value is in MiB, e.g. 8192 for 8 GiB`).optional(),
    /** Overlay disk size in GiB. @default 40 */
    diskGiB: wholeBetween(FORGEJO_VM_MINIMUMS.diskGiB, FORGEJO_VM_MAXIMUMS.diskGiB, "set vm.diskGiB to 10 or more (the base image alone is 3.5 GiB, and job images need room)", `set vm.diskGiB to at most ${FORGEJO_VM_MAXIMUMS.diskGiB} (16 TiB); the value is in GiB, e.g. 60`).optional(),
    /** Base cloud image. @default Ubuntu 24.04 release 20250704 */
    baseImage: baseImageSchema.optional(),
  }),
  runner: strictObject({
    /** Runner labels. @default ["fenced:docker://node:22.12.0-bookworm"] */
    labels: z.array(label, { error: "must be a list of labels" }).max(100, { error: "lists more than 100 labels" }).optional(),
    /** Concurrent jobs. @default 1 */
    capacity: wholeBetween(FORGEJO_VM_MINIMUMS.capacity, FORGEJO_VM_MAXIMUMS.capacity, "set runner.capacity to 1 or more (1 keeps jobs from sharing the VM)", `set runner.capacity to at most ${FORGEJO_VM_MAXIMUMS.capacity}; for more parallel jobs, add VMs rather than sharing one`).optional(),
    /** forgejo-runner release, e.g. "12.6.4". @default "12.6.4" */
    version: checked((v) => (RELEASE_VERSION.test(v) ? undefined : [`"${v}" is not a release version`, 'give a forgejo-runner release as MAJOR.MINOR.PATCH without "v", e.g. "12.6.4"'])).optional(),
    /** SHA-256 of the release's linux-amd64 binary; required whenever version is set. */
    sha256: sha256Digest("forgejo-runner-<version>-linux-amd64 (the release's .sha256 file)").optional(),
    ...forgejoEphemeralRunnerFields,
  }).optional(),
});

export type ForgejoVmInput = z.input<typeof forgejoVmSchema>;

/** SSH access to the forge host for `tokenSource: ssh`, as the SSH minting code takes it. */
export interface ResolvedForgejoSsh {
  readonly host: string;
  readonly user: string;
  /** `forge.ssh.keyPath`, or the libvirt host's key when unset. */
  readonly keyPath: string;
  readonly port?: number;
  readonly knownHostsPath?: string;
  readonly forgejoUser?: string;
  readonly configPath?: string;
  readonly forgejoBinary?: string;
  readonly scopeUser?: string;
}

export interface ResolvedForgejoVm {
  readonly host: ResolvedLibvirtHost;
  readonly forge: {
    /** Base URL without a trailing slash. */
    readonly address: string;
    readonly scope: ForgejoRunnerScope;
    readonly tokenSource: "api" | "ssh";
    /** Whether a plain `http://` address on a host other than loopback was accepted knowingly (`forge.allowInsecureHttp`). */
    readonly allowInsecureHttp: boolean;
    /** Present exactly when `tokenSource` is `ssh`. */
    readonly ssh?: ResolvedForgejoSsh;
    /** `forge.version`, when set. */
    readonly version?: string;
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
    /** Who may send jobs (`runner.trust`). */
    readonly trust: ForgejoVmTrust;
    /** Present exactly when `runner.ephemeral` is true: the pool of one-job VM slots. */
    readonly ephemeral?: ResolvedForgejoEphemeralPool;
  };
}

type Obj = Record<string, unknown>;

/**
 * True for hosts that never leave this machine, where plain http exposes nothing. The same rule
 * as the token client's (`isLoopbackHost` in src/forge/forge-url.ts; a test keeps them in step).
 */
export function isLoopbackForgeHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** The `forge.address` issue of a plain-http address on a non-loopback host without `forge.allowInsecureHttp: true`. */
function insecureHttpIssues(forge: Obj): ConfigIssue[] {
  const address = forge["address"];
  if (typeof address !== "string" || forge["allowInsecureHttp"] === true || baseUrlProblem(address) !== undefined) return [];
  const url = new URL(address);
  if (url.protocol !== "http:" || isLoopbackForgeHost(url.hostname)) return [];
  return [{
    path: "forge.address",
    message: "uses plain http: the owner-scoped API token, the registration token and the runner's own traffic would travel unencrypted",
    fix: "use the forge's https:// address; only for a forge on a trusted network, set forge.allowInsecureHttp: true knowingly",
  }];
}
const obj = (v: unknown): Obj => (isRecord(v) ? v : {});

/**
 * Checks that span keys: pins that come in pairs, the token source and its settings, and the parts
 * of a static address. They run on the raw input next to the per-key schema, so that every problem
 * is reported at once; each only fires when the keys it compares are individually well-formed.
 */
function crossKeyIssues(input: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const vm = obj(obj(input)["vm"]);
  if ("baseImage" in vm) issues.push(...baseImagePairIssues(vm["baseImage"], "vm.baseImage"));
  const runner = obj(obj(input)["runner"]);
  issues.push(...releasePairIssues(runner["version"], runner["sha256"], { version: "runner.version", sha256: "runner.sha256" }, "forgejo-runner-<version>-linux-amd64 from the release's .sha256 file"));
  const forge = obj(obj(input)["forge"]);
  if (forge["tokenSource"] === "ssh" && forge["ssh"] === undefined) {
    issues.push({ path: "forge.ssh", message: 'is missing while forge.tokenSource is "ssh"', fix: "give forge.ssh.host and forge.ssh.user (the login that may run forgejo on the forge host), or use tokenSource api" });
  }
  if (forge["tokenSource"] !== "ssh" && forge["ssh"] !== undefined) {
    issues.push({ path: "forge.ssh", message: 'only applies when forge.tokenSource is "ssh"', fix: 'set forge.tokenSource to "ssh", or remove forge.ssh' });
  }
  return [...issues, ...insecureHttpIssues(forge), ...vmNetworkIssues(vm), ...ephemeralIssues(input, FORGEJO_VM_DEFAULTS.runnerVersion)];
}

function duplicateLabelIssues(labels: readonly RunnerLabel[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  labels.forEach((l, i) => {
    const prev = seen.get(l.name);
    if (prev !== undefined) issues.push({ path: `runner.labels[${i}]`, message: `repeats the label name "${l.name}" of runner.labels[${prev}]`, fix: "give every label its own name" });
    else seen.set(l.name, i);
  });
  if (labels.length === 0) issues.push({ path: "runner.labels", message: "is empty", fix: 'list at least one label, e.g. ["fenced:docker://node:22.12.0-bookworm"], or remove the key for the default' });
  return issues;
}

/** Copies the keys of `from` that are set, so that optional properties stay absent rather than undefined. */
function defined<T extends object>(from: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(from).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * Validates a Forgejo VM description and applies every default. Throws {@link ConfigError} listing
 * every problem (key path, what is wrong, how to fix it); nothing is rendered from bad input.
 */
export function resolveForgejoVm(input: unknown): ResolvedForgejoVm {
  const parsed = forgejoVmSchema.safeParse(input, { reportInput: true });
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error)), ...crossKeyIssues(input)];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues, SUBJECT);
  const { host, forge, vm } = parsed.data;
  const runner = parsed.data.runner ?? {};
  const d = FORGEJO_VM_DEFAULTS;

  const labels = (runner.labels ?? d.labels).map((l) => parseRunnerLabel(l)).filter((l): l is RunnerLabel => typeof l !== "string");
  issues.push(...duplicateLabelIssues(labels));
  if (issues.length > 0) throw new ConfigError(issues, SUBJECT);

  const image = vm.baseImage?.url !== undefined && vm.baseImage.sha256 !== undefined ? { url: vm.baseImage.url, sha256: vm.baseImage.sha256 } : { ...d.baseImage };
  const version = runner.version ?? d.runnerVersion;
  const resolvedHost = resolveLibvirtHost(host, { user: d.hostUser, pool: d.pool, poolPath: d.poolPath, bridge: d.bridge, firewallFix: d.firewallFix });
  const poolPath = resolvedHost.poolPath;
  const tokenSource = forge.tokenSource ?? d.tokenSource;
  const address = forge.address.replace(/\/+$/, "");
  const scope = parseForgejoRunnerScope(forge.scope);
  const e = FORGEJO_EPHEMERAL_DEFAULTS;
  const ephemeral = runner.ephemeral ?? e.ephemeral;
  return {
    host: resolvedHost,
    forge: {
      address,
      scope,
      tokenSource,
      allowInsecureHttp: forge.allowInsecureHttp ?? d.allowInsecureHttp,
      ...(forge.ssh === undefined ? {} : { ssh: { ...defined(forge.ssh), keyPath: forge.ssh.keyPath ?? host.sshKeyPath } }),
      ...(forge.version === undefined ? {} : { version: forge.version }),
    },
    vm: {
      name: vm.name,
      network: resolveVmNetwork(vm.ipCidr ?? d.ipCidr, vm.gateway, vm.dns ?? [...d.dns]),
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
      trust: runner.trust ?? (ephemeral ? e.ephemeralTrust : e.persistentTrust),
      ...(ephemeral ? { ephemeral: resolveForgejoEphemeralPool(vm.name, poolPath, address, scope, runner.slots ?? e.slots, runner.refillSeconds ?? e.refillSeconds) } : {}),
    },
  };
}

/** The machine of a resolved Forgejo VM, as the domain XML renderer takes it. */
export function forgejoVmShape(vm: ResolvedForgejoVm): VmShape {
  return {
    name: vm.vm.name,
    title: "Forgejo runner",
    cpus: vm.vm.cpus,
    memoryMiB: vm.vm.memoryMiB,
    disk: { overlay: vm.vm.paths.overlay, seedIso: vm.vm.paths.seedIso },
    network: { bridge: vm.host.bridge },
  };
}

/**
 * The VM as workflows see it, matched by its label names: one persistent runner, or (ephemeral) a
 * pool of slots whose runners each take one job and are then replaced.
 */
export function forgejoVmRunnerPool(vm: ResolvedForgejoVm): RunnerPool {
  const names = vm.runner.labels.map((l) => FORGES.forgejo.labelName(formatRunnerLabel(l)));
  const slots = vm.runner.ephemeral?.slots.length;
  return {
    name: vm.vm.name, forge: "forgejo", substrate: "libvirt-vm", labels: [...FORGES.forgejo.implicitLabels, ...names],
    min: slots ?? 1, max: slots ?? 1, oneJob: slots !== undefined, isolation: "vm",
    registration: { url: vm.forge.address, scope: formatForgejoRunnerScope(vm.forge.scope), ...(vm.forge.version === undefined ? {} : { version: vm.forge.version }) },
  };
}
