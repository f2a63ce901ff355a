/**
 * The hardened AWS EC2 runner profile: ephemeral GitHub runners on EC2 instances that can run
 * Firecracker microVMs, in a private subnet whose egress is an explicit allowlist, with an
 * instance role limited to the runner's own SSM parameters, logs, metrics and ECR repositories,
 * and a Vault AppRole whose secret ids are single-use and delivered response-wrapped.
 *
 * What a user writes (input), how it is validated (every problem at once, each naming its key
 * path and the fix) and the resolved form with every default applied.
 */
import { z } from "./zod.ts";
import { AWS_EGRESS_MODES, AWS_JIT_CONFIG_MINTERS, AWS_RUNNER_DEFAULTS, AWS_RUNNER_TRUST_LEVELS, type AwsEgressMode, type AwsRunnerTrustLevel } from "./aws-runner-defaults.ts";
import { type AwsEgressRule, resolveEgressAllowlist, resolveSshAllowedCidrs } from "./aws-runner-egress.ts";
import { type AwsGithubRegistration, GITHUB_MAX_RUNNER_GROUP_ID, resolveGithubRegistration } from "./aws/github-registration.ts";
import { type AwsKvmSource, kvmSource } from "./aws/kvm.ts";
import { cidrContains, isCidr, parseCidr } from "./cidr.ts";
import { forgeLabelIssues } from "./forge.ts";
import { duplicateIssues } from "./refine.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";

export * from "./aws-runner-defaults.ts";
export * from "./aws-runner-egress.ts";
export * from "./aws-scope.ts";
export * from "./cidr.ts";
export * from "./aws/index.ts";
export * from "./aws/kvm.ts";
export * from "./aws/github-registration.ts";

// ---------------------------------------------------------------- input schema

const custom = (ctx: z.RefinementCtx, message: string, fix: string, path?: PropertyKey[]) =>
  ctx.addIssue({ code: "custom", message, params: { fix }, ...(path ? { path } : {}) });

const cidr = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  const c = parseCidr(v);
  if (!isCidr(c)) custom(ctx, c.problem, c.fix);
});

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const name = (what: string, max = 63) =>
  z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    if (!NAME.test(v) || v.length > max) custom(ctx, `"${v}" is not a name of lower-case letters, digits and "-" (at most ${max} characters)`, `rename it, e.g. "${what}"`);
  });

const httpsUrl = (example: string) =>
  z.string({ error: "must be a string" }).superRefine((v, ctx) => {
    let ok = false;
    try {
      const u = new URL(v);
      ok = u.protocol === "https:" && u.username === "" && u.password === "" && u.search === "" && u.hash === "";
    } catch { /* reported below */ }
    if (!ok) custom(ctx, "is not an https URL without credentials, query or fragment", `give the URL, e.g. "${example}"`);
  });

const SSM_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
const ssmName = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  if (!SSM_NAME.test(v) || v.endsWith("/") || v.includes("//") || /^\/(aws|ssm)/i.test(v)) {
    custom(ctx, `"${v}" is not a hierarchical SSM parameter name`, 'write it as "/ci-intel/runner/<name>": a leading "/", letters, digits, "_", ".", "-", no trailing "/" and no "aws"/"ssm" prefix');
  }
});

const ECR_REPO_ARN = /^arn:aws(-cn|-us-gov)?:ecr:[a-z]{2}(-[a-z]+)+-\d:\d{12}:repository\/[a-z0-9]+(?:[._\-/][a-z0-9]+)*$/;
const ecrArn = z.string({ error: "must be a string" }).superRefine((v, ctx) => {
  if (!ECR_REPO_ARN.test(v)) custom(ctx, `"${v}" is not the ARN of one ECR repository`, 'list each repository by its full ARN, e.g. "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base" (no wildcards)');
});

/** A Vault duration: seconds as a number, or text such as "900", "900s", "15m", "1h30m". */
const duration = z.union([z.number(), z.string()], { error: 'must be a duration such as "15m" or a number of seconds' });

/** One allowed egress destination. */
const egressRule = strictObject({
  /** Rule name, used in the security group rule's description. */
  name: name("container-registry"),
  /** IPv4/IPv6 CIDR blocks of the destination (give these or `prefixListId`). */
  cidrs: z.array(cidr).optional(),
  /** A managed prefix list holding the destination's blocks (give this or `cidrs`). */
  prefixListId: z.string().regex(/^pl-[0-9a-f]{8,17}$/, { error: 'must be a prefix list id such as "pl-0123456789abcdef0"' }).optional(),
  /** Destination port. @default 443 */
  port: z.number({ error: (iss) => (iss.code === "invalid_type" ? "must be a number" : undefined) }).int({ error: "must be a whole port number" }).min(1, { error: "must be a TCP/UDP port from 1 to 65535" }).max(65535, { error: "must be a TCP/UDP port from 1 to 65535" }).optional(),
  /** `tcp` or `udp` (NTP is udp 123). @default "tcp" */
  protocol: z.string({ error: "must be a string" }).optional(),
});

const amiSchema = strictObject({
  /** A fixed image id. */
  id: z.string().regex(/^ami-[0-9a-f]{8,17}$/, { error: 'must be an AMI id such as "ami-0123456789abcdef0"' }).optional(),
  /** Name pattern of the image to look up (the most recent match wins). */
  nameFilter: z.string().min(1).optional(),
  /** Accounts that may own the looked-up image: 12-digit ids or "self". */
  owners: z.array(z.string().regex(/^(\d{12}|self)$/, { error: 'must be a 12-digit account id or "self"' })).optional(),
});

/**
 * Instances one fleet may run: the default EC2 On-Demand quota of a new account is far below this;
 * a larger fleet needs a quota increase and belongs in several fleets.
 */
export const MAX_AWS_FLEET_SIZE = 1000;
const count = z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0 or more" }).max(MAX_AWS_FLEET_SIZE, { error: `must be at most ${MAX_AWS_FLEET_SIZE} (split larger fleets, and raise the EC2 quota)` });

export const awsRunnerProfileSchema = strictObject({
  /** @default "ci-intel-runner" */
  name: name("ci-intel-runner", 52).optional(),
  /** @default "untrusted" */
  trustLevel: z.enum(AWS_RUNNER_TRUST_LEVELS).optional(),
  /** Where runners register (`config.sh --url`): an organisation, repository or enterprise URL. */
  githubUrl: httpsUrl("https://github.com/acme"),
  /** Runner group name (from the runner profiles file); unset is the Default group. */
  runnerGroup: z.string().min(1).optional(),
  /** `runner_group_id` of the JIT request: the group's number (1 is Default). @default 1 */
  runnerGroupId: z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < 1 || v > GITHUB_MAX_RUNNER_GROUP_ID) custom(ctx, `${v} is not a runner group id (a whole number, 1 or more)`, "give the number at the end of the group's settings URL (.../settings/actions/runner-groups/<id>); 1 is the Default group");
  }).optional(),
  /** Who mints the JIT configuration: "instance" (at boot, through Vault) or "broker" (the launch hook's function). @default "instance" */
  jitConfigMintedBy: z.enum(AWS_JIT_CONFIG_MINTERS).optional(),
  /** @default ["self-hosted","build-fips","linux"] */
  labels: z.array(z.string({ error: "must be a string" })).optional(),
  /** @default "10.42.0.0/16" */
  vpcCidr: cidr.optional(),
  /** @default "10.42.10.0/24" */
  subnetCidr: cidr.optional(),
  egress: strictObject({
    /** @default "endpoints" */
    mode: z.enum(AWS_EGRESS_MODES).optional(),
    /** The only destinations the runners may reach besides the VPC endpoints. */
    /** At most 60: a security group holds 60 outbound rules by default (VPC quota "Inbound or outbound rules per security group"). */
    allow: z.array(egressRule, { error: "must be a list of egress rules" }).max(60, { error: "lists more than 60 rules, the default limit of outbound rules per security group" }),
  }),
  ssh: strictObject({ /** @default [] */ allowedCidrs: z.array(cidr).optional() }).optional(),
  /** @default false */
  sessionManager: z.boolean().optional(),
  ecr: strictObject({
    /** @default [] */
    pullRepositoryArns: z.array(ecrArn).optional(),
    /** @default [] */
    pushRepositoryArns: z.array(ecrArn).optional(),
  }).optional(),
  /** @default "c8i.2xlarge" */
  instanceType: z.string().optional(),
  /** @default { nameFilter: "ci-intel-runner-*", owners: ["self"] } */
  ami: amiSchema.optional(),
  /** @default { min: 0, max: 4, desired: 1 } */
  capacity: strictObject({ min: count.optional(), max: count.optional(), desired: count.optional() }).optional(),
  /** @default 100 */
  rootVolumeGiB: z.number().int().min(8).max(16384).optional(),
  /** @default "/ci-intel/runner" */
  logGroupName: z.string().regex(/^[\w\-/.#]{1,512}$/, { error: "must be a CloudWatch Logs group name" }).optional(),
  /** @default "CI/IntelRunner" */
  metricNamespace: z.string().regex(/^[^:$][^:]{0,254}$/, { error: "must be a CloudWatch namespace (no ':' and not starting with '$')" }).refine((v) => !v.startsWith("AWS/"), { error: 'must not start with "AWS/"' }).optional(),
  ssm: strictObject({
    path: ssmName.optional(),
    roleId: ssmName.optional(),
    wrappedSecretId: ssmName.optional(),
    jitConfig: ssmName.optional(),
    /** Customer-managed KMS key of the SecureString parameters; unset means the AWS-managed aws/ssm key. */
    kmsKeyArn: z.string().regex(/^arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[0-9a-f-]{36}$/, { error: 'must be a KMS key ARN such as "arn:aws:kms:eu-west-1:123456789012:key/<uuid>"' }).optional(),
  }).optional(),
  vault: strictObject({
    /** Vault server URL; the runner subnet must reach it (list it in egress.allow). */
    address: httpsUrl("https://vault.internal.example:8200"),
    githubTokenPath: z.string().regex(/^[a-z0-9][\w\-/]*[\w-]$/i, { error: 'must be a Vault path such as "github/token"' }).optional(),
    kvPath: z.string().regex(/^[a-z0-9][\w\-/]*(\/\*)?$/i, { error: 'must be a Vault path such as "kv/data/ci/intel/*"' }).optional(),
    policyName: name("ci-runner").optional(),
    approle: strictObject({
      mountPath: z.string().regex(/^[a-z0-9][\w-]*$/i, { error: 'must be a mount path such as "approle"' }).optional(),
      secretIdTtl: duration.optional(),
      /** Vault's 0 (unlimited) is refused: a secret id that logs in forever is a standing credential. */
      secretIdNumUses: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more (0 would be unlimited)" }).max(100, { error: "must be at most 100" }).optional(),
      tokenTtl: duration.optional(),
      tokenMaxTtl: duration.optional(),
    }).optional(),
  }),
});

export type AwsRunnerProfileInput = z.input<typeof awsRunnerProfileSchema>;

// ---------------------------------------------------------------- resolved profile

/** How the launch template finds its image. */
export type AwsAmiSelector =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "lookup"; readonly nameFilter: string; readonly owners: readonly string[] };

export interface AwsVaultAppRole {
  readonly mountPath: string;
  readonly roleName: string;
  readonly secretIdTtlSeconds: number;
  readonly secretIdNumUses: number;
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
}

export interface AwsRunnerProfile {
  readonly name: string;
  /** IAM role (and instance profile) name: `<name>-role`. */
  readonly roleName: string;
  readonly trustLevel: AwsRunnerTrustLevel;
  readonly githubUrl: string;
  readonly runnerGroup?: string;
  readonly labels: readonly string[];
  /** Just-in-time registration: who mints it, where, with which group and labels. */
  readonly github: AwsGithubRegistration;
  readonly vpcCidr: string;
  readonly subnetCidr: string;
  readonly egress: { readonly mode: AwsEgressMode; readonly allow: readonly AwsEgressRule[] };
  readonly sshAllowedCidrs: readonly string[];
  readonly sessionManager: boolean;
  readonly ecr: { readonly pullRepositoryArns: readonly string[]; readonly pushRepositoryArns: readonly string[] };
  readonly instanceType: string;
  readonly kvm: AwsKvmSource;
  readonly ami: AwsAmiSelector;
  readonly capacity: { readonly min: number; readonly max: number; readonly desired: number };
  readonly rootVolumeGiB: number;
  readonly logGroupName: string;
  readonly metricNamespace: string;
  readonly ssm: { readonly path: string; readonly roleId: string; readonly wrappedSecretId: string; readonly jitConfig: string; readonly kmsKeyArn?: string };
  readonly vault: {
    readonly address: string;
    readonly githubTokenPath: string;
    readonly kvPath: string;
    readonly policyName: string;
    readonly approle: AwsVaultAppRole;
  };
}

/** Vault's default `max_lease_ttl`: 768 hours. */
const MAX_VAULT_TTL_SECONDS = 768 * 3600;

/** Seconds of a Vault duration ("15m", "900s", "1h30m", "900" or 900); undefined when malformed. */
export function durationSeconds(v: number | string): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) ? v : undefined;
  if (/^-?\d+$/.test(v)) return Number(v);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v === "") return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * Validates an AWS runner profile and applies every default. Throws {@link ConfigError} listing
 * every problem (key path, what is wrong, how to fix it); secret values are never part of a
 * profile, and no message quotes one.
 */
export function resolveAwsRunnerProfile(input: unknown): AwsRunnerProfile {
  const parsed = awsRunnerProfileSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), "AWS runner profile");
  const cfg = parsed.data;
  const d = AWS_RUNNER_DEFAULTS;
  const issues: ConfigIssue[] = [];
  const trustLevel = cfg.trustLevel ?? d.trustLevel;

  // Network: VPC and subnet.
  const vpcText = cfg.vpcCidr ?? d.vpcCidr;
  const subnetText = cfg.subnetCidr ?? d.subnetCidr;
  const vpc = parseCidr(vpcText);
  const subnet = parseCidr(subnetText);
  const at = (key: string, given: unknown) => (given === undefined ? `${key} (default ${key === "vpcCidr" ? vpcText : subnetText})` : key);
  for (const [key, c, given] of [["vpcCidr", vpc, cfg.vpcCidr], ["subnetCidr", subnet, cfg.subnetCidr]] as const) {
    if (isCidr(c) && (c.family !== "ipv4" || c.prefix < 16 || c.prefix > 28)) {
      issues.push({ path: at(key, given), message: `${c.text} is not an IPv4 block between /16 and /28`, fix: `give ${key} an IPv4 block of size /16 to /28, as AWS requires` });
    }
  }
  if (isCidr(vpc) && isCidr(subnet) && !cidrContains(vpc, subnet)) {
    issues.push({ path: at("subnetCidr", cfg.subnetCidr), message: `${subnet.text} does not lie inside vpcCidr ${vpc.text}`, fix: `choose a subnet inside ${vpc.text}, or widen vpcCidr to contain ${subnet.text}` });
  }

  // Egress allowlist and SSH sources.
  const allow = resolveEgressAllowlist(cfg.egress.allow, issues);
  const sshAllowedCidrs = resolveSshAllowedCidrs(cfg.ssh?.allowedCidrs ?? [], issues);

  // ECR.
  const pull = cfg.ecr?.pullRepositoryArns ?? [...d.ecrRepositoryArns];
  const push = cfg.ecr?.pushRepositoryArns ?? [...d.ecrRepositoryArns];
  for (const [list, key] of [[pull, "ecr.pullRepositoryArns"], [push, "ecr.pushRepositoryArns"]] as const) {
    issues.push(...duplicateIssues(list, (v) => v, (i) => `${key}[${i}]`, "this repository", "list each repository once"));
  }
  if (trustLevel === "untrusted" && push.length > 0) {
    issues.push({ path: "ecr.pushRepositoryArns", message: "grants image push to an untrusted profile, whose jobs could then publish poisoned images", fix: 'remove the push repositories, or push from a trusted profile (trustLevel: "trusted")' });
  }

  // Instance type and image.
  const instanceType = cfg.instanceType ?? d.instanceType;
  const kvm = kvmSource(instanceType);
  if (kvm === undefined) {
    issues.push({ path: "instanceType", message: `"${instanceType}" offers no /dev/kvm, so Firecracker cannot start`, fix: 'use a type with nested virtualization (c8i, m8i, r8i and their -flex variants, e.g. "c8i.2xlarge") or a bare-metal type (e.g. "c5.metal")' });
  }
  let ami: AwsAmiSelector = { kind: "lookup", nameFilter: d.ami.nameFilter, owners: [...d.ami.owners] };
  if (cfg.ami !== undefined) {
    const { id, nameFilter, owners } = cfg.ami;
    if (id !== undefined && (nameFilter !== undefined || owners !== undefined)) {
      issues.push({ path: "ami", message: "gives both an id and a lookup filter", fix: "give either ami: { id } or ami: { nameFilter, owners }" });
    } else if (id !== undefined) {
      ami = { kind: "id", id };
    } else if (nameFilter === undefined && owners === undefined) {
      issues.push({ path: "ami", message: "gives neither an id nor a lookup filter", fix: 'give ami: { id: "ami-..." } or ami: { nameFilter: "ci-intel-runner-*", owners: ["self"] }, or remove ami to use that default' });
    } else if (nameFilter === undefined || owners === undefined || owners.length === 0) {
      issues.push({ path: nameFilter === undefined ? "ami.nameFilter" : "ami.owners", message: nameFilter === undefined ? "is required with ami.owners" : "lists no owner, so any account's image could match", fix: nameFilter === undefined ? 'set ami.nameFilter, e.g. "ci-intel-runner-*"' : 'list the accounts that build the image, e.g. ["self"] or ["123456789012"]' });
    } else {
      ami = { kind: "lookup", nameFilter, owners };
    }
  }

  // Capacity.
  const capacity = { min: cfg.capacity?.min ?? d.capacity.min, max: cfg.capacity?.max ?? d.capacity.max, desired: cfg.capacity?.desired ?? d.capacity.desired };
  if (capacity.max < 1) issues.push({ path: "capacity.max", message: "is 0, so no runner can ever start", fix: "set capacity.max to 1 or more" });
  if (capacity.min > capacity.max) {
    issues.push({ path: "capacity.min", message: `${capacity.min} is more than capacity.max ${capacity.max}`, fix: "lower capacity.min or raise capacity.max so that min <= max" });
  } else if (capacity.desired < capacity.min || capacity.desired > capacity.max) {
    issues.push({ path: "capacity.desired", message: `${capacity.desired} lies outside [${capacity.min}, ${capacity.max}]`, fix: `set capacity.desired between capacity.min (${capacity.min}) and capacity.max (${capacity.max})` });
  }

  // Labels.
  const labels = cfg.labels ?? [...d.labels];
  if (labels.length === 0) issues.push({ path: "labels", message: "is empty, so no workflow can target the runners", fix: 'list the labels workflows use in runs-on, e.g. ["self-hosted", "build-fips", "linux"]' });
  // GitHub's own label rules (shape, and repeats compared without case).
  issues.push(...forgeLabelIssues("github", labels, "labels"));
  const github = resolveGithubRegistration({ githubUrl: cfg.githubUrl, labels, runnerGroup: cfg.runnerGroup, runnerGroupId: cfg.runnerGroupId, mintedBy: cfg.jitConfigMintedBy ?? d.jitConfigMintedBy }, d.runnerGroupId, issues);

  // SSM parameters.
  const ssm = {
    path: cfg.ssm?.path ?? d.ssm.path,
    roleId: cfg.ssm?.roleId ?? d.ssm.roleId,
    wrappedSecretId: cfg.ssm?.wrappedSecretId ?? d.ssm.wrappedSecretId,
    jitConfig: cfg.ssm?.jitConfig ?? d.ssm.jitConfig,
    ...(cfg.ssm?.kmsKeyArn === undefined ? {} : { kmsKeyArn: cfg.ssm.kmsKeyArn }),
  };
  for (const key of ["roleId", "wrappedSecretId", "jitConfig"] as const) {
    if (!ssm[key].startsWith(`${ssm.path}/`)) {
      issues.push({ path: `ssm.${key}`, message: `${ssm[key]} lies outside ssm.path ${ssm.path}, where the runner's parameters live`, fix: `name it ${ssm.path}/<name>, or change ssm.path` });
    } else if (key !== "roleId" && [ssm.roleId, ssm.wrappedSecretId, ssm.jitConfig].some((other) => other.startsWith(`${ssm[key]}/`) || ssm[key].startsWith(`${other}/`))) {
      issues.push({ path: `ssm.${key}`, message: `${ssm[key]} and another ssm parameter lie one inside the other`, fix: "give roleId, wrappedSecretId and jitConfig separate names side by side, e.g. <ssm.path>/wrapped-secret-id and <ssm.path>/jit-config" });
    } else if (key !== "roleId" && [ssm.roleId, ssm.wrappedSecretId, ssm.jitConfig].filter((other) => other === ssm[key]).length > 1) {
      issues.push({ path: `ssm.${key}`, message: `${ssm[key]} is the name of another ssm parameter too`, fix: "give roleId, wrappedSecretId and jitConfig names of their own, e.g. <ssm.path>/wrapped-secret-id and <ssm.path>/jit-config" });
    }
  }

  // Vault.
  const ar = cfg.vault.approle ?? {};
  const ttl = (key: "secretIdTtl" | "tokenTtl" | "tokenMaxTtl"): number => {
    const given = ar[key];
    const seconds = durationSeconds(given ?? d.vault.approle[key]);
    if (seconds === undefined) issues.push({ path: `vault.approle.${key}`, message: `"${String(given)}" is not a duration`, fix: 'write a duration such as "15m", "900s" or a number of seconds' });
    else if (seconds <= 0) issues.push({ path: `vault.approle.${key}`, message: `is ${seconds} seconds; it must be more than 0 (0 means "unlimited" to Vault)`, fix: 'give a short positive duration, e.g. "15m"' });
    else if (seconds > MAX_VAULT_TTL_SECONDS) issues.push({ path: `vault.approle.${key}`, message: `is ${seconds} seconds, more than Vault's default maximum lease (32 days)`, fix: 'give a short duration, e.g. "15m": runner credentials live for one job' });
    return seconds ?? 0;
  };
  const secretIdTtlSeconds = ttl("secretIdTtl");
  const tokenTtlSeconds = ttl("tokenTtl");
  const tokenMaxTtlSeconds = ttl("tokenMaxTtl");
  if (tokenTtlSeconds > 0 && tokenMaxTtlSeconds > 0 && tokenTtlSeconds > tokenMaxTtlSeconds) {
    issues.push({ path: "vault.approle.tokenTtl", message: `${tokenTtlSeconds}s is longer than vault.approle.tokenMaxTtl ${tokenMaxTtlSeconds}s`, fix: "shorten tokenTtl or lengthen tokenMaxTtl so that tokenTtl <= tokenMaxTtl" });
  }
  const secretIdNumUses = ar.secretIdNumUses ?? d.vault.approle.secretIdNumUses;
  if (trustLevel === "untrusted" && secretIdNumUses !== 1) {
    issues.push({ path: "vault.approle.secretIdNumUses", message: `is ${secretIdNumUses}; an untrusted profile's secret id must log in exactly once`, fix: "set vault.approle.secretIdNumUses to 1" });
  } else if (secretIdNumUses < 0) {
    issues.push({ path: "vault.approle.secretIdNumUses", message: `is ${secretIdNumUses}`, fix: "set vault.approle.secretIdNumUses to 1 (one login per secret id)" });
  }

  if (issues.length > 0 || github === undefined) throw new ConfigError(issues, "AWS runner profile");
  const name = cfg.name ?? d.name;
  return {
    name,
    roleName: `${name}-role`,
    trustLevel,
    githubUrl: cfg.githubUrl.replace(/\/+$/, ""),
    ...(cfg.runnerGroup === undefined ? {} : { runnerGroup: cfg.runnerGroup }),
    labels,
    github,
    vpcCidr: isCidr(vpc) ? vpc.text : vpcText,
    subnetCidr: isCidr(subnet) ? subnet.text : subnetText,
    egress: { mode: cfg.egress.mode ?? d.egressMode, allow },
    sshAllowedCidrs,
    sessionManager: cfg.sessionManager ?? d.sessionManager,
    ecr: { pullRepositoryArns: pull, pushRepositoryArns: push },
    instanceType,
    kvm: kvm ?? "bare-metal",
    ami,
    capacity,
    rootVolumeGiB: cfg.rootVolumeGiB ?? d.rootVolumeGiB,
    logGroupName: cfg.logGroupName ?? d.logGroupName,
    metricNamespace: cfg.metricNamespace ?? d.metricNamespace,
    ssm,
    vault: {
      address: cfg.vault.address.replace(/\/+$/, ""),
      githubTokenPath: cfg.vault.githubTokenPath ?? d.vault.githubTokenPath,
      kvPath: cfg.vault.kvPath ?? d.vault.kvPath,
      policyName: cfg.vault.policyName ?? d.vault.policyName,
      approle: { mountPath: ar.mountPath ?? d.vault.approle.mountPath, roleName: name, secretIdTtlSeconds, secretIdNumUses, tokenTtlSeconds, tokenMaxTtlSeconds },
    },
  };
}
