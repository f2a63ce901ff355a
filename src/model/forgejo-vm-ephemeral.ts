/**
 * One-job (ephemeral) Forgejo runners on the libvirt substrate: the keys that turn a Forgejo VM
 * into a pool of VM slots, their checks, and the resolved pool. With `runner.ephemeral: true` the
 * host keeps up to `runner.slots` VMs: for each empty slot it registers an ephemeral runner through
 * Forgejo's API (15 or later: `POST .../actions/runners` with `{name, description, ephemeral: true}`),
 * boots a fresh overlay of the base image whose seed carries that runner's uuid and token, and the
 * guest's `forgejo-runner one-job` takes exactly one job and powers the VM off; Forgejo deletes the
 * runner, and the host destroys the VM and its overlay before it refills the slot.
 *
 * Trust: `runner.trust` says who may send jobs. An `untrusted` runner (the default of an ephemeral
 * one) must be ephemeral; a persistent runner for untrusted jobs needs the named opt-out
 * `runner.allowPersistentUntrusted: true`.
 */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";
import { isRecord } from "./refine.ts";
import { RELEASE_VERSION, checked, wholeBetween } from "./libvirt-host.ts";
import { FORGEJO_VM_STAGING_ROOT } from "./forgejo-vm-paths.ts";
import type { ForgejoRunnerScope } from "./forgejo-scope.ts";

/** Who may send jobs to a runner: `untrusted` runners take jobs that outsiders can trigger. */
export const FORGEJO_VM_TRUST_LEVELS = ["trusted", "untrusted"] as const;
export type ForgejoVmTrust = (typeof FORGEJO_VM_TRUST_LEVELS)[number];

/** Every default of the ephemeral mode; the docs quote these values and a test checks that they agree. */
export const FORGEJO_EPHEMERAL_DEFAULTS = {
  /** Persistent runners stay the default: one VM that takes job after job. */
  ephemeral: false,
  /** The trust of an ephemeral pool: untrusted until declared otherwise. */
  ephemeralTrust: "untrusted" as ForgejoVmTrust,
  /** The trust of a persistent runner: trusted (the labels it carries must see trusted jobs only). */
  persistentTrust: "trusted" as ForgejoVmTrust,
  /** A persistent runner never takes untrusted jobs unless this named opt-out is set. */
  allowPersistentUntrusted: false,
  /** VM slots, each running at most one job at a time: the pool's maximum concurrency. */
  slots: 2,
  /** Seconds between two refills of empty slots: a refused registration is retried no sooner. */
  refillSeconds: 60,
} as const;

export const FORGEJO_EPHEMERAL_MINIMUMS = { slots: 1, refillSeconds: 10 } as const;
export const FORGEJO_EPHEMERAL_MAXIMUMS = { slots: 64, refillSeconds: 86_400 } as const;

/** The first Forgejo release whose API registers runners (`POST .../actions/runners`, `ephemeral`). */
export const FORGEJO_EPHEMERAL_MIN_FORGE = "15.0.0";
/** The first forgejo-runner release whose `one-job` takes `--url`, `--uuid`, `--token-url` and `--label`. */
export const FORGEJO_EPHEMERAL_MIN_RUNNER = "12.8.0";

/** The keys added to `runner` (spread into the Forgejo VM schema). */
export const forgejoEphemeralRunnerFields = {
  /** One job per VM: each job gets a fresh runner, registered through the API, in a fresh VM. @default false */
  ephemeral: z.boolean({ error: "must be true or false" }).optional(),
  /** `trusted` or `untrusted`. @default "untrusted" when ephemeral, "trusted" otherwise */
  trust: z.enum(FORGEJO_VM_TRUST_LEVELS, { error: 'must be "trusted" or "untrusted"' }).optional(),
  /** Named opt-out: let a persistent runner take untrusted jobs. @default false */
  allowPersistentUntrusted: z.boolean({ error: "must be true or false" }).optional(),
  /** VM slots of an ephemeral pool (its maximum concurrency). @default 2 */
  slots: wholeBetween(FORGEJO_EPHEMERAL_MINIMUMS.slots, FORGEJO_EPHEMERAL_MAXIMUMS.slots, "set runner.slots to 1 or more", `set runner.slots to at most ${FORGEJO_EPHEMERAL_MAXIMUMS.slots}; more parallel jobs need another host`).optional(),
  /** Seconds between refills of empty slots. @default 60 */
  refillSeconds: wholeBetween(FORGEJO_EPHEMERAL_MINIMUMS.refillSeconds, FORGEJO_EPHEMERAL_MAXIMUMS.refillSeconds, "set runner.refillSeconds to 10 or more (a refused registration is retried no sooner)", "set runner.refillSeconds to at most 86400 (a day)").optional(),
};

/** `forge.version`: the Forgejo release the forge runs, as MAJOR.MINOR.PATCH. */
export const forgeVersionField = checked((v) => (RELEASE_VERSION.test(v) ? undefined : [`"${v}" is not a release version`, 'give the forge\'s Forgejo version as MAJOR.MINOR.PATCH, e.g. "15.0.1" (GET /api/v1/version shows it)']));

/** Compares two MAJOR.MINOR.PATCH versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** One VM slot of an ephemeral pool: a domain that holds at most one runner at a time. */
export interface ForgejoVmSlot {
  readonly name: string;
  readonly overlay: string;
  readonly seedIso: string;
  readonly metaData: string;
  readonly domainXml: string;
}

/** The resolved pool of an ephemeral Forgejo VM. */
export interface ResolvedForgejoEphemeralPool {
  /** The pool's name (`vm.name`); slots are `<name>-1` … `<name>-<slots>`. */
  readonly name: string;
  readonly slots: readonly ForgejoVmSlot[];
  readonly refillSeconds: number;
  /** `POST` here registers a runner (RegisterRunnerOptions → RegisterRunnerResponse). */
  readonly registerUrl: string;
  readonly paths: {
    readonly stagingDir: string;
    readonly userData: string;
    readonly networkConfig: string;
    /** Root-only (0600): the `Authorization` header with the Forgejo API token. */
    readonly authHeader: string;
    /** Registers one ephemeral runner: `register <name> <out-dir>`. */
    readonly registerScript: string;
    readonly fillScript: string;
    readonly fillService: string;
    readonly fillTimer: string;
  };
}

/** The API path of a scope's runners (Forgejo 15): `POST` registers, `DELETE <path>/<id>` removes one. */
export function forgejoRunnersApiPath(scope: ForgejoRunnerScope): string {
  const seg = encodeURIComponent;
  switch (scope.kind) {
    case "instance":
      return "/api/v1/admin/actions/runners";
    case "org":
      return `/api/v1/orgs/${seg(scope.org)}/actions/runners`;
    case "repo":
      return `/api/v1/repos/${seg(scope.owner)}/${seg(scope.repo)}/actions/runners`;
    case "user":
      return "/api/v1/user/actions/runners";
  }
}

/** The API token scope that lets `POST .../actions/runners` register a runner in a scope. */
export function forgejoRegisterTokenScope(scope: ForgejoRunnerScope): "write:admin" | "write:organization" | "write:repository" | "write:user" {
  switch (scope.kind) {
    case "instance":
      return "write:admin";
    case "org":
      return "write:organization";
    case "repo":
      return "write:repository";
    case "user":
      return "write:user";
  }
}

export function resolveForgejoEphemeralPool(name: string, poolPath: string, forgeAddress: string, scope: ForgejoRunnerScope, slots: number, refillSeconds: number): ResolvedForgejoEphemeralPool {
  const stagingDir = `${FORGEJO_VM_STAGING_ROOT}/${name}`;
  const unit = `runner-fleet-${name}-fill`;
  return {
    name,
    slots: Array.from({ length: slots }, (_, k): ForgejoVmSlot => {
      const slot = `${name}-${k + 1}`;
      return { name: slot, overlay: `${poolPath}/${slot}.qcow2`, seedIso: `${poolPath}/${slot}-seed.iso`, metaData: `${stagingDir}/${slot}/meta-data`, domainXml: `${stagingDir}/${slot}/domain.xml` };
    }),
    refillSeconds,
    registerUrl: `${forgeAddress}${forgejoRunnersApiPath(scope)}`,
    paths: {
      stagingDir,
      userData: `${stagingDir}/user-data`,
      networkConfig: `${stagingDir}/network-config`,
      authHeader: `/etc/runner-fleet/${name}/forgejo-auth-header`,
      registerScript: `/usr/local/sbin/runner-fleet-${name}-register`,
      fillScript: `/usr/local/sbin/${unit}`,
      fillService: `${unit}.service`,
      fillTimer: `${unit}.timer`,
    },
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isRecord(v) ? v : {});

/**
 * The checks of the ephemeral mode across keys, on the raw input: the forge's and the runner's
 * versions, what a pool of slots cannot have (a static address, capacity above 1, SSH minting), the
 * keys that only apply to a pool, and the trust rule. `defaultRunnerVersion` is the model's default release.
 */
export function ephemeralIssues(input: unknown, defaultRunnerVersion: string): ConfigIssue[] {
  const forge = obj(obj(input)["forge"]);
  const vm = obj(obj(input)["vm"]);
  const runner = obj(obj(input)["runner"]);
  const ephemeral = runner["ephemeral"] === true;
  const issues: ConfigIssue[] = [];
  if (ephemeral) {
    const version = forge["version"];
    if (version === undefined) {
      issues.push({ path: "forge.version", message: "is missing while runner.ephemeral is true", fix: `set forge.version to the forge's Forgejo version (GET /api/v1/version), ${FORGEJO_EPHEMERAL_MIN_FORGE} or later: ephemeral runners are registered through the API Forgejo 15 added` });
    } else if (typeof version === "string" && RELEASE_VERSION.test(version) && compareVersions(version, FORGEJO_EPHEMERAL_MIN_FORGE) < 0) {
      issues.push({ path: "forge.version", message: `is ${version}; ephemeral runners need Forgejo ${FORGEJO_EPHEMERAL_MIN_FORGE} or later (the API that registers them)`, fix: "upgrade the forge to Forgejo 15 or later and set forge.version, or set runner.ephemeral: false (persistent runners, for trusted jobs only)" });
    }
    const runnerVersion = runner["version"] ?? defaultRunnerVersion;
    if (typeof runnerVersion === "string" && RELEASE_VERSION.test(runnerVersion) && compareVersions(runnerVersion, FORGEJO_EPHEMERAL_MIN_RUNNER) < 0) {
      issues.push({
        path: "runner.version",
        message: `is ${runnerVersion}${runner["version"] === undefined ? " (the default)" : ""}; one-job runners need forgejo-runner ${FORGEJO_EPHEMERAL_MIN_RUNNER} or later (one-job --url, --uuid, --token-url)`,
        fix: `set runner.version to a forgejo-runner release ${FORGEJO_EPHEMERAL_MIN_RUNNER} or later and runner.sha256 to the SHA-256 of its forgejo-runner-<version>-linux-amd64 (the release's .sha256 file)`,
      });
    }
    if (forge["tokenSource"] === "ssh") {
      issues.push({ path: "forge.tokenSource", message: 'is "ssh", but ephemeral runners are registered through the API', fix: 'use forge.tokenSource "api" (the default) with forgeApiToken, or set runner.ephemeral: false' });
    }
    if (typeof vm["ipCidr"] === "string" && vm["ipCidr"] !== "") {
      issues.push({ path: "vm.ipCidr", message: "sets a static address, but an ephemeral pool runs several VMs at once", fix: 'remove vm.ipCidr (or set it to "") so that every slot gets its address by DHCP' });
    }
    if (typeof runner["capacity"] === "number" && runner["capacity"] !== 1) {
      issues.push({ path: "runner.capacity", message: `is ${runner["capacity"]}, but a one-job runner takes exactly one job`, fix: "remove runner.capacity; raise runner.slots for more parallel jobs" });
    }
    if (typeof vm["name"] === "string" && vm["name"].length > 60) {
      issues.push({ path: "vm.name", message: "is longer than 60 characters; slots are named <vm.name>-<n>", fix: "shorten vm.name to at most 60 characters" });
    }
  } else {
    for (const key of ["slots", "refillSeconds"] as const) {
      if (runner[key] !== undefined) issues.push({ path: `runner.${key}`, message: "only applies when runner.ephemeral is true", fix: `set runner.ephemeral: true, or remove runner.${key}` });
    }
    const trust = runner["trust"] ?? FORGEJO_EPHEMERAL_DEFAULTS.persistentTrust;
    if (trust === "untrusted" && runner["allowPersistentUntrusted"] !== true) {
      issues.push({
        path: runner["ephemeral"] === false ? "runner.ephemeral" : "runner.trust",
        message: "a persistent runner is marked untrusted: a job from an outsider could leave code behind for the next job",
        fix: "set runner.ephemeral: true (one fresh VM per job); only if you accept the risk, set runner.allowPersistentUntrusted: true",
      });
    }
  }
  return issues;
}
