/**
 * GitHub Actions runners in libvirt VMs, one job per VM: a pool of VM slots on one libvirt host
 * that the host keeps filled. For each empty slot the host mints a just-in-time runner
 * configuration (`generate-jitconfig`), boots a fresh overlay of a pinned base image with it, and
 * the guest's runner takes exactly one job and powers the VM off. The GitHub credential stays on
 * the host; no guest ever sees it. GitHub Enterprise Server is the same forge at another base URL.
 *
 * The input is the stack's settings, key for key, so every problem names the key a user sets.
 */
import { z } from "./zod.ts";
import { FORGES, forgeLabelIssues } from "./forge.ts";
import { GITHUB_LIBVIRT_DEFAULTS as D, GITHUB_LIBVIRT_MAXIMUMS as MAX, GITHUB_LIBVIRT_MINIMUMS as MIN, GITHUB_VM_OS_LABELS, actionsRunnerUrl } from "./github-vm-defaults.ts";
import { githubBaseUrl, insecureGithubUrlIssues } from "./github-url.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { FORGEJO_VM_STAGING_ROOT, baseImagePath } from "./forgejo-vm-paths.ts";
import {
  RELEASE_VERSION, baseImagePairIssues, baseImageSchema, checked, dnsServer, hostAddress, hostUser, libvirtHostFields, type ResolvedLibvirtHost, resolveLibvirtHost, releasePairIssues, sha256Digest, wholeBetween,
} from "./libvirt-host.ts";
import { DNS1123_LABEL, isRecord } from "./refine.ts";
import type { RunnerPool } from "./substrate.ts";
import type { VmShape } from "./runner-guest.ts";
import type { VmNetwork } from "./vm-network.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";

export * from "./github-vm-defaults.ts";

const SUBJECT = "GitHub libvirt runners configuration";

/** Where the runners register: a repository, an organisation or an enterprise. */
export type GithubRunnerScope =
  | { readonly kind: "repo"; readonly owner: string; readonly repo: string }
  | { readonly kind: "org"; readonly org: string }
  | { readonly kind: "enterprise"; readonly enterprise: string };

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const ENTERPRISE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,253}[A-Za-z0-9])?$/;
const SCOPE_FIX = 'write an organisation ("acme"), a repository ("acme/app") or an enterprise ("enterprises/acme") as they appear in GitHub URLs';

/** Parses `githubScope`; returns the reason when it is not a scope. */
export function parseGithubRunnerScope(v: string): GithubRunnerScope | string {
  const parts = v.split("/");
  if (parts[0] === "enterprises" && parts.length === 2) {
    const e = parts[1] ?? "";
    return ENTERPRISE.test(e) ? { kind: "enterprise", enterprise: e } : `"${v}" does not name an enterprise by its slug`;
  }
  if (parts.length === 1) return OWNER.test(v) ? { kind: "org", org: v } : `"${v}" is not a GitHub organisation name`;
  if (parts.length === 2) {
    const [owner = "", repo = ""] = parts;
    if (!OWNER.test(owner)) return `"${owner}" is not a GitHub owner name`;
    if (!REPO.test(repo) || repo === "." || repo === "..") return `"${repo}" is not a GitHub repository name`;
    return { kind: "repo", owner, repo };
  }
  return `"${v}" is neither "org", "org/repo" nor "enterprises/<name>"`;
}

/** The API path of the scope's runners, e.g. `/repos/acme/app/actions/runners`. */
export function githubRunnersPath(scope: GithubRunnerScope): string {
  switch (scope.kind) {
    case "repo":
      return `/repos/${scope.owner}/${scope.repo}/actions/runners`;
    case "org":
      return `/orgs/${scope.org}/actions/runners`;
    case "enterprise":
      return `/enterprises/${scope.enterprise}/actions/runners`;
  }
}

/** The URL a runner of `scope` is configured with: `<base>/<org>`, `<base>/<owner>/<repo>` or `<base>/enterprises/<slug>`. */
export function githubConfigUrl(baseUrl: string, scope: GithubRunnerScope): string {
  const base = baseUrl.replace(/\/+$/, "");
  switch (scope.kind) {
    case "repo":
      return `${base}/${scope.owner}/${scope.repo}`;
    case "org":
      return `${base}/${scope.org}`;
    case "enterprise":
      return `${base}/enterprises/${scope.enterprise}`;
  }
}

/** The REST API base of a GitHub base URL: api.github.com for github.com, `<url>/api/v3` for GitHub Enterprise Server. */
export function githubApiUrl(baseUrl: string): string {
  const url = baseUrl.replace(/\/+$/, "");
  return url === "https://github.com" ? "https://api.github.com" : `${url}/api/v3`;
}

const n = (key: string, min: number, max: number, low: string) => wholeBetween(min, max, `set ${key} to ${min} or more${low}`, `set ${key} to at most ${max}`);

export const githubVmPoolSchema = strictObject({
  /** The libvirt host: hostname or IP address. Required. */
  libvirtHost: hostAddress,
  /** @default "root" */
  libvirtUser: hostUser.optional(),
  ...libvirtHostFields,
  /** @default "https://github.com" */
  githubUrl: githubBaseUrl.optional(),
  /** @default false */
  allowInsecureHttp: z.boolean({ error: "must be true or false" }).optional(),
  /** `org`, `org/repo` or `enterprises/<name>`. Required. */
  githubScope: checked((v) => {
    const s = parseGithubRunnerScope(v);
    return typeof s === "string" ? [s, SCOPE_FIX] : undefined;
  }),
  /** @default 1 (the Default group) */
  runnerGroupId: n("runnerGroupId", MIN.runnerGroupId, MAX.runnerGroupId, " (the id from the runner group's settings URL; 1 is Default)").optional(),
  /** Labels of the pool, besides self-hosted, linux and x64. Required: at least one. */
  runnerLabels: z.array(z.string({ error: "must be a string" }), { error: "must be a list of labels" }),
  /** @default 2 */
  slots: n("slots", MIN.slots, MAX.slots, "").optional(),
  /** @default "gh-vm" */
  slotPrefix: checked((v) => (DNS1123_LABEL.test(v) && v.length <= 40 ? undefined : [`"${v}" is not a DNS label of at most 40 characters`, 'use lower-case letters, digits and "-", e.g. "gh-vm" (slots are named <slotPrefix>-1, -2, ...)'])).optional(),
  /** @default 2 */
  cpus: n("cpus", MIN.cpus, MAX.cpus, "").optional(),
  /** @default 4096 */
  memoryMiB: n("memoryMiB", MIN.memoryMiB, MAX.memoryMiB, " (Ubuntu 24.04 with Docker needs at least 1 GiB)").optional(),
  /** @default 40 */
  diskGiB: n("diskGiB", MIN.diskGiB, MAX.diskGiB, " (the base image alone is 3.5 GiB)").optional(),
  /** @default [] */
  dns: z.array(dnsServer, { error: "must be a list of IP addresses" }).max(8, { error: "lists more than 8 servers (resolvers use the first 3)" }).optional(),
  /** @default Ubuntu 24.04 release 20250704 */
  baseImage: baseImageSchema.optional(),
  /** actions/runner release, e.g. "2.329.0". @default "2.329.0" */
  runnerVersion: checked((v) => (RELEASE_VERSION.test(v) ? undefined : [`"${v}" is not a release version`, 'give an actions/runner release as MAJOR.MINOR.PATCH without "v", e.g. "2.329.0"'])).optional(),
  /** SHA-256 of actions-runner-linux-x64-<version>.tar.gz; required whenever runnerVersion is set. */
  runnerSha256: sha256Digest("actions-runner-linux-x64-<version>.tar.gz (the release notes list it)").optional(),
  /** @default true */
  docker: z.boolean({ error: "must be true or false" }).optional(),
  /** @default 60 */
  refillSeconds: n("refillSeconds", MIN.refillSeconds, MAX.refillSeconds, " (a refused request is retried no sooner)").optional(),
});

export type GithubVmPoolInput = z.input<typeof githubVmPoolSchema>;

/** One VM slot: a domain that holds at most one runner at a time. */
export interface GithubVmSlot {
  readonly name: string;
  readonly overlay: string;
  readonly seedIso: string;
  readonly metaData: string;
  readonly domainXml: string;
}

export interface ResolvedGithubVmPool {
  /** The same shape as the Forgejo VM's host, so host-side helpers serve both. */
  readonly host: ResolvedLibvirtHost;
  readonly github: {
    readonly url: string;
    readonly apiUrl: string;
    readonly allowInsecureHttp: boolean;
    readonly scope: GithubRunnerScope;
    readonly runnerGroupId: number;
    /** `POST` here mints a JIT configuration. */
    readonly jitConfigUrl: string;
    /** The scope's runners; `DELETE <runnersUrl>/<id>` removes one. */
    readonly runnersUrl: string;
  };
  readonly runner: {
    /** The configured labels. */
    readonly labels: readonly string[];
    /** Every label of a runner, sent with each JIT request: the OS labels, then the configured ones. */
    readonly jitLabels: readonly string[];
    readonly version: string;
    readonly sha256: string;
    readonly downloadUrl: string;
    readonly docker: boolean;
  };
  readonly vm: { readonly cpus: number; readonly memoryMiB: number; readonly diskGiB: number; readonly network: VmNetwork; readonly baseImage: { readonly url: string; readonly sha256: string } };
  readonly pool: {
    readonly name: string;
    readonly slots: readonly GithubVmSlot[];
    readonly refillSeconds: number;
    readonly paths: {
      readonly baseImage: string;
      readonly stagingDir: string;
      readonly userData: string;
      readonly networkConfig: string;
      /** Root-only (0600): the `Authorization` header with the GitHub token. */
      readonly authHeader: string;
      readonly fillScript: string;
      readonly fillService: string;
      readonly fillTimer: string;
    };
  };
}

function labelIssues(labels: unknown): ConfigIssue[] {
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) return [];
  const issues = forgeLabelIssues("github", labels, "runnerLabels");
  if (labels.length === 0) issues.push({ path: "runnerLabels", message: "is empty", fix: 'list at least one label of this pool, e.g. ["fenced-vm"]: workflows target it with runs-on, and no other pool should carry it' });
  const os = new Set<string>(GITHUB_VM_OS_LABELS);
  labels.forEach((l, i) => {
    if (os.has(FORGES.github.labelKey(l))) issues.push({ path: `runnerLabels[${i}]`, message: `"${l}" is added to every runner already`, fix: `remove it: ${GITHUB_VM_OS_LABELS.join(", ")} come with every runner of this pool` });
  });
  return issues;
}

/**
 * A stack's Pulumi.yaml declares both pins with their defaults, so a new `runnerVersion` alone
 * arrives with the default release's digest: refused, so the download is never checked against
 * the wrong digest.
 */
function defaultDigestIssues(version: unknown, sha256: unknown): ConfigIssue[] {
  if (typeof version !== "string" || version === D.runnerVersion || sha256 !== D.runnerSha256) return [];
  return [{ path: "runnerSha256", message: `is the digest of the default release ${D.runnerVersion}, not of runnerVersion ${version}`, fix: `set runnerSha256 to the SHA-256 of actions-runner-linux-x64-${version}.tar.gz (the release notes list it)` }];
}

function crossKeyIssues(input: unknown): ConfigIssue[] {
  const i = isRecord(input) ? input : {};
  const url = typeof i["githubUrl"] === "string" ? i["githubUrl"] : undefined;
  let insecure: ConfigIssue[] = [];
  try {
    insecure = insecureGithubUrlIssues(url, i["allowInsecureHttp"] === true);
  } catch {
    // a malformed URL is reported by the schema
  }
  return [
    ...baseImagePairIssues(i["baseImage"], "baseImage"),
    ...releasePairIssues(i["runnerVersion"], i["runnerSha256"], { version: "runnerVersion", sha256: "runnerSha256" }, "actions-runner-linux-x64-<version>.tar.gz (the release notes list it)"),
    ...defaultDigestIssues(i["runnerVersion"], i["runnerSha256"]),
    ...insecure,
    ...labelIssues(i["runnerLabels"]),
  ];
}

/**
 * Validates the pool and applies every default. Throws {@link ConfigError} listing every problem
 * (key path, what is wrong, how to fix it).
 */
export function resolveGithubVmPool(input: unknown): ResolvedGithubVmPool {
  const parsed = githubVmPoolSchema.safeParse(input, { reportInput: true });
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error)), ...crossKeyIssues(input)];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues, SUBJECT);
  const c = parsed.data;
  const scope = parseGithubRunnerScope(c.githubScope) as GithubRunnerScope;
  const url = (c.githubUrl ?? D.githubUrl).replace(/\/+$/, "");
  const apiUrl = githubApiUrl(url);
  const host = resolveLibvirtHost({ ...c, address: c.libvirtHost, user: c.libvirtUser }, { user: D.libvirtUser, pool: D.pool, poolPath: D.poolPath, bridge: D.bridge, firewallFix: D.firewallFix });
  const poolPathValue = host.poolPath;
  const image = c.baseImage?.url !== undefined && c.baseImage.sha256 !== undefined ? { url: c.baseImage.url, sha256: c.baseImage.sha256 } : { ...D.baseImage };
  const prefix = c.slotPrefix ?? D.slotPrefix;
  const stagingDir = `${FORGEJO_VM_STAGING_ROOT}/${prefix}`;
  const version = c.runnerVersion ?? D.runnerVersion;
  const slots = Array.from({ length: c.slots ?? D.slots }, (_, k): GithubVmSlot => {
    const name = `${prefix}-${k + 1}`;
    return { name, overlay: `${poolPathValue}/${name}.qcow2`, seedIso: `${poolPathValue}/${name}-seed.iso`, metaData: `${stagingDir}/${name}/meta-data`, domainXml: `${stagingDir}/${name}/domain.xml` };
  });
  const unit = `runner-fleet-${prefix}-fill`;
  return {
    host,
    github: {
      url,
      apiUrl,
      allowInsecureHttp: c.allowInsecureHttp ?? D.allowInsecureHttp,
      scope,
      runnerGroupId: c.runnerGroupId ?? D.runnerGroupId,
      jitConfigUrl: `${apiUrl}${githubRunnersPath(scope)}/generate-jitconfig`,
      runnersUrl: `${apiUrl}${githubRunnersPath(scope)}`,
    },
    runner: {
      labels: c.runnerLabels,
      jitLabels: [...GITHUB_VM_OS_LABELS, ...c.runnerLabels],
      version,
      sha256: c.runnerSha256 ?? D.runnerSha256,
      downloadUrl: actionsRunnerUrl(version),
      docker: c.docker ?? D.docker,
    },
    vm: {
      cpus: c.cpus ?? D.cpus,
      memoryMiB: c.memoryMiB ?? D.memoryMiB,
      diskGiB: c.diskGiB ?? D.diskGiB,
      network: { kind: "dhcp", dns: c.dns ?? [...D.dns] },
      baseImage: image,
    },
    pool: {
      name: prefix,
      slots,
      refillSeconds: c.refillSeconds ?? D.refillSeconds,
      paths: {
        baseImage: baseImagePath(poolPathValue, image),
        stagingDir,
        userData: `${stagingDir}/user-data`,
        networkConfig: `${stagingDir}/network-config`,
        authHeader: `/etc/runner-fleet/${prefix}/github-auth-header`,
        fillScript: `/usr/local/sbin/${unit}`,
        fillService: `${unit}.service`,
        fillTimer: `${unit}.timer`,
      },
    },
  };
}

/** The machine of one slot, as the domain XML renderer takes it. */
export function githubVmSlotShape(pool: ResolvedGithubVmPool, slot: GithubVmSlot): VmShape {
  return {
    name: slot.name,
    title: "GitHub Actions runner",
    cpus: pool.vm.cpus,
    memoryMiB: pool.vm.memoryMiB,
    disk: { overlay: slot.overlay, seedIso: slot.seedIso },
    network: { bridge: pool.host.bridge },
  };
}

/** The pool as workflows see it: every slot takes one job, then its VM is replaced. */
export function githubVmRunnerPool(pool: ResolvedGithubVmPool): RunnerPool {
  return { name: pool.pool.name, forge: "github", substrate: "libvirt-vm", labels: [...pool.runner.jitLabels], min: pool.pool.slots.length, max: pool.pool.slots.length, oneJob: true, isolation: "vm", registration: { url: githubConfigUrl(pool.github.url, pool.github.scope) } };
}
