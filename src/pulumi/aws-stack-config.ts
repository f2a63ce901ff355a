/**
 * Reads the aws-firecracker-runners stack configuration: the runner profile (`runner`, checked by
 * `resolveAwsRunnerProfile`), the labels, trust and group of the named profile in the runner
 * profiles file (`config/runner-isolation.yaml`, the one source of labels and trust), the account
 * and region, and the network and fleet options. Every problem is reported at once, each under
 * the key a user sets; nothing is created before the whole configuration is valid.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AWS_RUNNER_DEFAULTS, type AwsRunnerProfile, type AwsScope, ConfigError, type ConfigIssue, type SettingsSpec, type StackSettingsSource, readSettings, requireSettings, resolveAwsRunnerProfile, resolveAwsScope } from "../model/index.ts";
import { parseProfiles, type RunnerProfile } from "../model/profiles.ts";
import { type AwsPrivateRoute, type ResolvedAwsRunnerNetworkOptions, resolveAwsRunnerNetworkOptions } from "./aws-runner-network.ts";
import { awsRunnerFleetIssues } from "./aws-runner-fleet.ts";
import { awsRunnerIamIssues } from "./aws-runner-iam.ts";
import { type SecretIdBrokerArgs, secretIdBrokerIssues } from "./aws-secret-id-broker.ts";
import { modelIssues, pulumiSettings } from "./stack-settings.ts";

/** AWS limits on tags (User Guide, "Tag naming limits and requirements"). */
export const AWS_TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

/** The settings of the aws-firecracker-runners stack, and the provider settings it reads. */
export const AWS_STACK_SETTINGS: SettingsSpec = {
  accountId: { kind: "string", maxLength: 12 },
  profile: { kind: "string", maxLength: 100 },
  profilesFile: { kind: "string", maxLength: 4096 },
  natSubnetCidr: { kind: "string", maxLength: 64 },
  availabilityZone: { kind: "string", maxLength: 64 },
  /** CloudWatch Logs retention; the allowed values are checked by the fleet. */
  logRetentionDays: { kind: "integer", min: 1, max: 3653 },
  instanceRefresh: { kind: "boolean" },
  lifecycleHooks: { kind: "boolean" },
  ebsKmsKeyId: { kind: "string", maxLength: 2048 },
  permissionsBoundaryArn: { kind: "string", maxLength: 2048 },
  runner: { kind: "mapping" },
  /** A route table holds at most 50 routes by default (VPC quotas). */
  privateRoutes: { kind: "list", maxItems: 50 },
  secretIdBroker: { kind: "mapping" },
  tags: { kind: "mapping" },
  "aws:region": { kind: "string", maxLength: 64 },
  "aws:allowedAccountIds": { kind: "list", maxItems: 100 },
  "vault:address": { kind: "string", maxLength: 2048 },
  "vault:token": { kind: "secret" },
  "aws:accessKey": { kind: "secret" },
  "aws:secretKey": { kind: "secret" },
  "aws:token": { kind: "secret" },
};

/** Keys of one `privateRoutes` entry. */
const ROUTE_KEYS = ["destinationCidrBlock", "transitGatewayId", "vpcPeeringConnectionId"] as const;

/** Keys of `secretIdBroker` (the rest of the broker follows from the profile). */
const BROKER_KEYS = { wrapTtlSeconds: "number", vaultAwsAuthMount: "string", vaultIamServerId: "string", stsEndpoint: "string", stsRegion: "string" } as const;

/** Profile keys that come from the runner profiles file, never from the stack's `runner`. */
const FROM_PROFILES_FILE = { labels: "labels", trustLevel: "trust", runnerGroup: "runnerGroup" } as const;

/** Defaults of the stack's own keys (Pulumi.yaml declares the same values). */
export const AWS_STACK_DEFAULTS = {
  /** Runner profile of `config/runner-isolation.yaml` whose labels and trust the runners take. */
  profile: "aws-fips",
  /** The profiles file, relative to the stack directory. */
  profilesFile: "../../../config/runner-isolation.yaml",
} as const;

export interface AwsRunnerStackConfig {
  /** The resolved runner profile, labels and trust from the profiles file. */
  readonly profile: AwsRunnerProfile;
  readonly scope: AwsScope;
  /** The entry of the profiles file the runners serve. */
  readonly runnerProfile: RunnerProfile;
  readonly network: ResolvedAwsRunnerNetworkOptions;
  readonly iam: { readonly permissionsBoundaryArn?: string };
  readonly fleet: { readonly logRetentionDays?: number; readonly instanceRefresh: boolean; readonly lifecycleHooks: boolean; readonly ebsKmsKeyId?: string };
  /** Options of the secret-id broker (created when `fleet.lifecycleHooks` is on). */
  readonly broker: Pick<SecretIdBrokerArgs, keyof typeof BROKER_KEYS>;
  /** Extra tags on every resource. */
  readonly tags: Readonly<Record<string, string>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

const stringOr = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);

function readRunnerProfileEntry(file: string, name: string, issues: ConfigIssue[]): RunnerProfile | undefined {
  if (!existsSync(file)) {
    issues.push({ path: "profilesFile", message: `${file} does not exist`, fix: `point profilesFile at the runner profiles file (default ${AWS_STACK_DEFAULTS.profilesFile}, relative to the stack directory)` });
    return undefined;
  }
  if (!statSync(file).isFile()) {
    issues.push({ path: "profilesFile", message: `${file} is not a file`, fix: `point profilesFile at the runner profiles file itself (default ${AWS_STACK_DEFAULTS.profilesFile}, relative to the stack directory)` });
    return undefined;
  }
  // Bytes, so that the profiles reader checks the encoding and size before anything else.
  const profiles = parseProfiles(readFileSync(file), file);
  const entry = profiles.find((p) => p.name === name);
  if (entry === undefined) {
    const ec2 = profiles.filter((p) => p.substrate === "ec2").map((p) => p.name);
    issues.push({ path: "profile", message: `"${name}" is not a profile of ${file}`, fix: ec2.length > 0 ? `use one of its ec2 profiles: ${ec2.join(", ")}` : `add an ec2 profile named "${name}" to ${file}` });
    return undefined;
  }
  if (entry.substrate !== "ec2") {
    issues.push({ path: "profile", message: `"${name}" runs on substrate ${entry.substrate}, not ec2`, fix: "name a profile whose substrate is ec2" });
  }
  if (!entry.ephemeral) {
    issues.push({ path: "profile", message: `"${name}" says ephemeral: false, but every EC2 runner takes one job and is terminated`, fix: `set ephemeral: true for "${name}" in ${file}` });
  }
  if (entry.forge !== "github") {
    issues.push({ path: "profile", message: `"${name}" registers with ${entry.forge}; the EC2 runners register with GitHub`, fix: "name a GitHub profile" });
  }
  return entry;
}

/**
 * Reads and validates the aws-firecracker-runners stack configuration. Throws {@link ConfigError}
 * with every problem (stack key paths such as `runner.egress.allow[0].cidrs[0]`); no message
 * quotes a secret.
 */
export function readAwsRunnerStackConfig(source: StackSettingsSource = pulumiSettings()): AwsRunnerStackConfig {
  const project = source.project;
  const subject = `${project} stack configuration`;
  const { values, issues } = readSettings(source, AWS_STACK_SETTINGS);
  const text = (key: string): string | undefined => {
    const v = values[key];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const provider = (fullKey: string): string | undefined => {
    const v = source.get(fullKey);
    return v === undefined || v === "" || issues.some((i) => i.path === fullKey) ? undefined : v;
  };

  // Account and region: IAM ARNs are built from them.
  const region = provider("aws:region");
  const accountId = text("accountId") ?? "";
  let scope: AwsScope | undefined;
  if (region === undefined && !issues.some((i) => i.path === "aws:region")) {
    issues.push({ path: "aws:region", message: "is required and not set", fix: "run `pulumi config set aws:region <region>`, e.g. eu-west-1" });
  } else if (region !== undefined) {
    try {
      scope = resolveAwsScope({ region, accountId });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues.map((i) => ({ ...i, path: i.path === "region" ? "aws:region" : i.path })));
    }
  }
  const allowedRaw = provider("aws:allowedAccountIds");
  let allowed: unknown;
  try {
    allowed = allowedRaw === undefined ? undefined : JSON.parse(allowedRaw);
  } catch {
    allowed = undefined;
  }
  const badAccount = Array.isArray(allowed) ? allowed.findIndex((a) => !(typeof a === "string" || typeof a === "number") || !/^\d{12}$/.test(String(a))) : -1;
  if (badAccount >= 0) {
    issues.push({ path: `aws:allowedAccountIds[${badAccount}]`, message: "is not a 12-digit AWS account id", fix: 'list account ids as quoted 12-digit strings, e.g. ["123456789012"]' });
  } else if (Array.isArray(allowed) && scope !== undefined && !allowed.map(String).includes(scope.accountId)) {
    issues.push({ path: "aws:allowedAccountIds", message: `does not include accountId ${scope.accountId}, so the provider would refuse to deploy`, fix: "make aws:allowedAccountIds and accountId name the same account" });
  }

  // Labels, trust and group come from the runner profiles file.
  const profileName = text("profile") ?? AWS_STACK_DEFAULTS.profile;
  const profilesFileSetting = text("profilesFile") ?? AWS_STACK_DEFAULTS.profilesFile;
  const profilesFile = resolve(process.cwd(), profilesFileSetting);
  let entry: RunnerProfile | undefined;
  try {
    entry = readRunnerProfileEntry(profilesFile, profileName, issues);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const first = e.issues[0];
    issues.push({
      path: "profilesFile",
      message: `points at ${profilesFileSetting}, which is not a valid runner profiles file (${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}${first === undefined ? "" : `, first: ${first.path}: ${first.message}`})`,
      fix: `point profilesFile at the runner profiles file (default ${AWS_STACK_DEFAULTS.profilesFile}), or fix that file (check it with \`runner-fleet guard --profiles ${profilesFileSetting}\`)`,
    });
  }

  // The runner profile.
  const runner = values["runner"];
  let profile: AwsRunnerProfile | undefined;
  if (issues.some((i) => i.path === "runner")) {
    // reported by the reader
  } else if (runner === undefined) {
    issues.push({ path: "runner", message: "is required and not set", fix: "describe the runners under runner: { githubUrl, egress: { allow: [...] }, vault: { address } } in the stack file (see README.md)" });
  } else if (!isObject(runner)) {
    issues.push({ path: "runner", message: "is not a mapping", fix: "write runner as a mapping of profile keys (see README.md)" });
  } else {
    for (const [key, from] of Object.entries(FROM_PROFILES_FILE)) {
      if (key in runner) issues.push({ path: `runner.${key}`, message: `comes from profile "${profileName}" of the runner profiles file (its ${from}), not from the stack`, fix: `remove runner.${key}; change ${from} of "${profileName}" in the profiles file instead` });
    }
    const providerVault = provider("vault:address");
    const vaultAddress = providerVault !== undefined && /^https:\/\/[^\s]+$/.test(providerVault) ? providerVault : undefined;
    if (providerVault !== undefined && vaultAddress === undefined) issues.push({ path: "vault:address", message: "is not an https URL", fix: 'give the Vault server\'s https URL, e.g. "https://vault.internal.example:8200"' });
    const vaultInput = isObject(runner["vault"]) ? runner["vault"] : undefined;
    const input: Record<string, unknown> = {
      ...runner,
      ...(vaultAddress !== undefined && (vaultInput === undefined || vaultInput["address"] === undefined) ? { vault: { ...vaultInput, address: vaultAddress } } : {}),
      ...(entry === undefined ? {} : { labels: [...entry.labels], trustLevel: entry.trust, ...(entry.runnerGroup === undefined || entry.runnerGroup === "Default" ? {} : { runnerGroup: entry.runnerGroup }) }),
    };
    for (const key of Object.keys(FROM_PROFILES_FILE)) if (entry === undefined || key in runner) delete input[key];
    issues.push(...modelIssues(() => (profile = resolveAwsRunnerProfile(input)), issues, "runner"));
  }

  // Network, IAM and fleet options.
  const routes = values["privateRoutes"] ?? [];
  issues.push(...routeIssues(routes));
  const natSubnetCidr = text("natSubnetCidr");
  const availabilityZone = text("availabilityZone");
  if (availabilityZone !== undefined && region !== undefined && /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(availabilityZone) && availabilityZone.slice(0, -1) !== region) {
    issues.push({ path: "availabilityZone", message: `is a zone of ${availabilityZone.slice(0, -1)}, not of aws:region ${region}`, fix: `give a zone of ${region}, e.g. "${region}a", or leave it unset` });
  }
  // Checked even when the profile has problems (against its blocks as given), so every problem shows at once.
  const d = AWS_RUNNER_DEFAULTS;
  const blocks = profile ?? { vpcCidr: stringOr(isObject(runner) ? runner["vpcCidr"] : undefined, d.vpcCidr), subnetCidr: stringOr(isObject(runner) ? runner["subnetCidr"] : undefined, d.subnetCidr) };
  const routeList = Array.isArray(routes) && routes.every(isObject) && routes.every((r) => Object.entries(r).every(([k, v]) => (ROUTE_KEYS as readonly string[]).includes(k) && typeof v === "string")) ? (routes as unknown as AwsPrivateRoute[]) : [];
  let network: ResolvedAwsRunnerNetworkOptions | undefined;
  try {
    network = resolveAwsRunnerNetworkOptions(blocks, { ...(natSubnetCidr === undefined ? {} : { natSubnetCidr }), ...(availabilityZone === undefined ? {} : { availabilityZone }), privateRoutes: routeList });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  const permissionsBoundaryArn = text("permissionsBoundaryArn");
  const ebsKmsKeyId = text("ebsKmsKeyId");
  const logRetentionDays = typeof values["logRetentionDays"] === "number" ? values["logRetentionDays"] : undefined;
  issues.push(...awsRunnerIamIssues({ ...(permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn }) }));
  issues.push(...awsRunnerFleetIssues({ ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }), ...(logRetentionDays === undefined ? {} : { logRetentionDays }) }));

  const brokerInput = values["secretIdBroker"] ?? {};
  const broker: Record<string, unknown> = {};
  if (!isObject(brokerInput)) issues.push({ path: "secretIdBroker", message: "is not a mapping", fix: `write secretIdBroker as a mapping of ${Object.keys(BROKER_KEYS).join(", ")}` });
  else {
    for (const [k, v] of Object.entries(brokerInput)) {
      const type = (BROKER_KEYS as Record<string, string>)[k];
      if (type === undefined) issues.push({ path: `secretIdBroker.${k}`, message: "is not a key of the secret-id broker", fix: `remove it; known keys: ${Object.keys(BROKER_KEYS).join(", ")}` });
      else if (typeof v !== type) issues.push({ path: `secretIdBroker.${k}`, message: `is not a ${type}`, fix: type === "number" ? "write a number of seconds, e.g. 300" : "quote the value" });
      else broker[k] = v;
    }
    if (profile !== undefined) issues.push(...secretIdBrokerIssues({ profile, ...broker }).map((i) => ({ ...i, path: `secretIdBroker.${i.path}` })));
  }

  const tags = values["tags"] ?? {};
  if (isObject(tags)) issues.push(...tagIssues(tags));

  requireSettings(issues, subject);
  if (profile === undefined || scope === undefined || entry === undefined || network === undefined) {
    throw new ConfigError([{ path: "", message: "is incomplete", fix: "see the problems above" }], subject);
  }
  return {
    profile,
    scope,
    runnerProfile: entry,
    network,
    iam: permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn },
    fleet: {
      ...(logRetentionDays === undefined ? {} : { logRetentionDays }),
      instanceRefresh: values["instanceRefresh"] !== false,
      lifecycleHooks: values["lifecycleHooks"] !== false,
      ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }),
    },
    broker: broker as AwsRunnerStackConfig["broker"],
    tags: tags as Record<string, string>,
  };
}

/** Problems of `privateRoutes`: each entry a mapping of the route keys, each destination once. */
function routeIssues(routes: unknown): ConfigIssue[] {
  if (!Array.isArray(routes)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  routes.forEach((r, i) => {
    if (!isObject(r)) {
      issues.push({ path: `privateRoutes[${i}]`, message: "is not a route", fix: "write each route as { destinationCidrBlock, transitGatewayId | vpcPeeringConnectionId }" });
      return;
    }
    for (const k of Object.keys(r)) {
      if (!(ROUTE_KEYS as readonly string[]).includes(k)) issues.push({ path: `privateRoutes[${i}].${k}`, message: "is not a key of a route", fix: `remove it; a route has ${ROUTE_KEYS.join(", ")}` });
    }
    for (const k of ROUTE_KEYS) {
      if (r[k] !== undefined && typeof r[k] !== "string") issues.push({ path: `privateRoutes[${i}].${k}`, message: "must be text", fix: k === "destinationCidrBlock" ? 'give one CIDR block, e.g. "10.20.0.0/16"; add one route per block' : "give the id as text, e.g. tgw-0123456789abcdef0" });
    }
    const dest = r["destinationCidrBlock"];
    if (typeof dest === "string") {
      const first = seen.get(dest);
      if (first !== undefined) issues.push({ path: `privateRoutes[${i}].destinationCidrBlock`, message: `repeats privateRoutes[${first}]`, fix: "route each destination once" });
      else seen.set(dest, i);
    }
  });
  return issues;
}

/** Problems of `tags` against AWS's tag limits. */
function tagIssues(tags: Record<string, unknown>): ConfigIssue[] {
  const { maxTags, maxKeyLength, maxValueLength } = AWS_TAG_LIMITS;
  const entries = Object.entries(tags);
  // The stack adds its own tags (Name and the runner-fleet tags) besides these.
  if (entries.length > maxTags - 5) return [{ path: "tags", message: `has ${entries.length} tags; AWS allows ${maxTags} per resource and the stack sets 5 of its own`, fix: `keep at most ${maxTags - 5} tags` }];
  const issues: ConfigIssue[] = [];
  for (const [k, v] of entries) {
    const path = `tags.${k.length > 40 ? `${k.slice(0, 40)}…` : k}`;
    if (typeof v !== "string") issues.push({ path, message: "is not text", fix: "quote the tag value" });
    else if (k.length === 0 || k.length > maxKeyLength) issues.push({ path, message: `has a key of ${k.length} characters; AWS allows 1-${maxKeyLength}`, fix: "shorten the tag key" });
    else if (v.length > maxValueLength) issues.push({ path, message: `has a value of ${v.length} characters; AWS allows at most ${maxValueLength}`, fix: "shorten the tag value" });
    else if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(k) || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(v)) issues.push({ path, message: "uses characters AWS does not allow in tags", fix: "use letters, digits, spaces and _ . : / = + - @ only" });
    else if (k.toLowerCase().startsWith("aws:")) issues.push({ path, message: 'uses the reserved prefix "aws:"', fix: "rename the tag" });
  }
  return issues;
}
