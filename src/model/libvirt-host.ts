/**
 * Checks every libvirt-VM model shares, written once: checked strings with a fix, whole numbers
 * within bounds, the libvirt host's address, SSH user, storage pool and bridge, SHA-256 pins and
 * a pinned base image. Each reports its problem with a fix; the models name the key paths.
 */
import { z } from "./zod.ts";
import { HOSTNAME, baseUrlProblem, isRecord } from "./refine.ts";
import type { ConfigIssue } from "./issues.ts";
import { isIpAddress } from "./vm-network.ts";
import { strictObject } from "./zod-issues.ts";

const SHA256 = /^[a-f0-9]{64}$/;
/** A release version as MAJOR.MINOR.PATCH. */
export const RELEASE_VERSION = /^\d+\.\d+\.\d+$/;

export const custom = (message: string, fix: string) => ({ code: "custom" as const, message, params: { fix } });

/** A string checked by `problem`, which returns the message and fix of the first problem, if any. */
export const checked = (problem: (v: string) => [message: string, fix: string] | undefined) =>
  z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue(custom(p[0], p[1]));
  });

/** A whole number from `min` to `max`; `lowFix` is the fix below the range (or for a fraction), `highFix` above it. */
export const wholeBetween = (min: number, max: number, lowFix: string, highFix: string) =>
  z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < min) ctx.addIssue(custom(`${v} is not a whole number of ${min} or more`, lowFix));
    else if (v > max) ctx.addIssue(custom(`${v} is more than the maximum of ${max}`, highFix));
  });

/** A name of digits and dots only is meant as an IPv4 address, and must be a valid one. */
const DOTTED_NUMBERS = /^[0-9.]+$/;
/** The libvirt host: a hostname or an IP address. */
export const hostAddress = checked((v) =>
  isIpAddress(v) || (HOSTNAME.test(v) && !DOTTED_NUMBERS.test(v))
    ? undefined
    : [`"${v}" is not a hostname or IP address`, 'give the libvirt host\'s DNS name or address without user, port or scheme, e.g. "kvm1.lan" or "192.168.1.10"']);

/** The SSH login on the libvirt host. */
export const hostUser = checked((v) => (/^[a-z_][a-z0-9_-]{0,31}$/.test(v) ? undefined : [`"${v}" is not a user name`, 'give a POSIX user name such as "root" or "ubuntu"']));
/** A libvirt storage pool's name. */
export const poolName = checked((v) => (/^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$/.test(v) ? undefined : [`"${v}" is not a pool name`, "give the name of an existing libvirt storage pool (virsh pool-list)"]));
/** A storage pool's target directory. */
export const poolPath = checked((v) => (/^\/[-A-Za-z0-9_./]*$/.test(v) && !v.split("/").includes("..") ? undefined : [`"${v}" is not an absolute path of plain characters`, "give the pool's <target><path> (virsh pool-dumpxml <pool>)"]));
/** A Linux bridge on the host. */
export const bridgeName = checked((v) => (/^[A-Za-z0-9][-A-Za-z0-9_.]{0,14}$/.test(v) ? undefined : [`"${v}" is not an interface name`, "give the name of an existing Linux bridge on the host (ip -br link show type bridge), at most 15 characters"]));

/** A SHA-256 digest of `what`. */
export const sha256Digest = (what: string) => checked((v) => (SHA256.test(v) ? undefined : ["is not a SHA-256 digest (64 lower-case hex digits)", `copy the SHA-256 of ${what} from its publisher's checksum file`]));

/** A DNS server's address. */
export const dnsServer = checked((v) => (isIpAddress(v) ? undefined : [`"${v}" is not an IP address`, 'give each DNS server as an IP address, e.g. "192.168.1.1" or "2001:db8::53"']));

/** A pinned qcow2 cloud image: URL and SHA-256, both or neither. */
export const baseImageSchema = strictObject({
  /** Download URL of a qcow2 cloud image. */
  url: checked((v) => {
    const p = baseUrlProblem(v);
    return p ? [p, "give the https URL of a qcow2 cloud image, pinned to a dated release directory"] : undefined;
  }).optional(),
  /** SHA-256 of the image; a URL without it is refused. */
  sha256: sha256Digest("the image (the release's SHA256SUMS)").optional(),
});

/** The issues of a base image given with only one of its URL and digest, at key path `at`. */
export function baseImagePairIssues(image: unknown, at: string): ConfigIssue[] {
  if (!isRecord(image)) return [];
  const issues: ConfigIssue[] = [];
  if (image["url"] !== undefined && image["sha256"] === undefined) {
    issues.push({ path: `${at}.sha256`, message: "is missing: an image URL without a checksum is refused", fix: `add the image's SHA-256 from the release's SHA256SUMS file next to ${at}.url` });
  }
  if (image["url"] === undefined && image["sha256"] !== undefined) {
    issues.push({ path: `${at}.url`, message: `is missing while ${at}.sha256 is set`, fix: `give the URL the checksum belongs to, or remove ${at} to use the default image` });
  }
  return issues;
}

/** A release pin: a version and its SHA-256 come together. */
export function releasePairIssues(version: unknown, sha256: unknown, at: { version: string; sha256: string }, what: string): ConfigIssue[] {
  if (version !== undefined && sha256 === undefined) return [{ path: at.sha256, message: `is missing while ${at.version} is set`, fix: `add the SHA-256 of ${what}` }];
  if (version === undefined && sha256 !== undefined) return [{ path: at.version, message: `is missing while ${at.sha256} is set`, fix: "give the release version the checksum belongs to" }];
  return [];
}

/**
 * The libvirt host's settings every VM model shares, besides its address and login (which each
 * model names its own way): the SSH key, the storage pool, the bridge and the FORWARD fix.
 */
export const libvirtHostFields = {
  /** Path of the SSH private key (the stack fills it from RUNNER_SSH_KEY_PATH). Required. */
  sshKeyPath: checked((v) => (v.trim() === "" ? ["is empty", "set RUNNER_SSH_KEY_PATH to the private key that logs in to the libvirt host"] : undefined)),
  /** libvirt storage pool. @default "default" */
  pool: poolName.optional(),
  /** Target directory of the pool. @default "/var/lib/libvirt/images" */
  poolPath: poolPath.optional(),
  /** Host bridge for the VMs' NICs. @default "br0" */
  bridge: bridgeName.optional(),
  /** Install the k3s FORWARD fix on the host. @default true */
  firewallFix: z.boolean({ error: "must be true or false" }).optional(),
};

/** The libvirt host as every VM model resolves it: its address and login, key, pool, bridge and FORWARD fix. */
export interface ResolvedLibvirtHost {
  readonly address: string;
  readonly user: string;
  readonly sshKeyPath: string;
  readonly pool: string;
  /** The pool's directory, without a trailing slash. */
  readonly poolPath: string;
  readonly bridge: string;
  readonly firewallFix: boolean;
}

/** Applies a model's host defaults to the host settings a user wrote. */
export function resolveLibvirtHost(
  h: { readonly address: string; readonly user?: string | undefined; readonly sshKeyPath: string; readonly pool?: string | undefined; readonly poolPath?: string | undefined; readonly bridge?: string | undefined; readonly firewallFix?: boolean | undefined },
  d: Omit<ResolvedLibvirtHost, "address" | "sshKeyPath">,
): ResolvedLibvirtHost {
  return {
    address: h.address,
    user: h.user ?? d.user,
    sshKeyPath: h.sshKeyPath,
    pool: h.pool ?? d.pool,
    poolPath: (h.poolPath ?? d.poolPath).replace(/\/+$/, "") || "/",
    bridge: h.bridge ?? d.bridge,
    firewallFix: h.firewallFix ?? d.firewallFix,
  };
}
