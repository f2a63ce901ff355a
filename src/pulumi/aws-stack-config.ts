/**
 * Reads the aws-firecracker-runners stack configuration: the runner profile (`runner`, checked by
 * `resolveAwsRunnerProfile`), the labels, trust and group of the named profile in the runner
 * profiles file (`config/runner-isolation.yaml`, the one source of labels and trust), the account
 * and region, and the network and fleet options. Every problem is reported at once, each under
 * the key a user sets; nothing is created before the whole configuration is valid.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AWS_RUNNER_DEFAULTS, type AwsRunnerProfile, type AwsScope, ConfigError, type ConfigIssue, resolveAwsRunnerProfile, resolveAwsScope } from "../model/index.ts";
import { parseProfiles, type RunnerProfile } from "../model/profiles.ts";
import { type AwsPrivateRoute, type ResolvedAwsRunnerNetworkOptions, resolveAwsRunnerNetworkOptions } from "./aws-runner-network.ts";
import { awsRunnerFleetIssues } from "./aws-runner-fleet.ts";
import { awsRunnerIamIssues } from "./aws-runner-iam.ts";
import { type SecretIdBrokerArgs, secretIdBrokerIssues } from "./aws-secret-id-broker.ts";
import { refuseUnknownKeys } from "./stack-config.ts";

/** Scalar keys (typed in Pulumi.yaml) and structured keys (validated here) of the stack. */
const AWS_STACK_SCALAR_KEYS = ["accountId", "profile", "profilesFile", "natSubnetCidr", "availabilityZone", "logRetentionDays", "instanceRefresh", "lifecycleHooks", "ebsKmsKeyId", "permissionsBoundaryArn"] as const;
const AWS_STACK_STRUCTURED_KEYS = ["runner", "privateRoutes", "secretIdBroker", "tags"] as const;

/** Keys of `secretIdBroker` (the rest of the broker follows from the profile). */
const BROKER_KEYS = { wrapTtlSeconds: "number", vaultAwsAuthMount: "string", vaultIamServerId: "string", stsEndpoint: "string", stsRegion: "string" } as const;

/** Profile keys that come from the runner profiles file, never from the stack's `runner`. */
const FROM_PROFILES_FILE = { labels: "labels", trustLevel: "trust", runnerGroup: "runnerGroup" } as const;

/** Provider settings that hold credentials: accepted only as secrets. */
const PROVIDER_SECRET_KEYS = ["vault:token", "aws:accessKey", "aws:secretKey", "aws:token"] as const;

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

function structured(config: pulumi.Config, key: string, issues: ConfigIssue[]): unknown {
  const raw = config.get(key);
  if (raw === undefined || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    issues.push({ path: key, message: "is not structured data", fix: `write ${key} as a YAML value in the stack file, or set it with \`pulumi config set --path '${key}...'\`` });
    return undefined;
  }
}

/** True when the full config key was given as a secret (`isConfigSecret` is missing from the SDK's types). */
function isSecretSetting(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? true;
}

const stringOr = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);

const optionalString = (config: pulumi.Config, key: string): string | undefined => {
  const v = config.get(key);
  return v === undefined || v === "" ? undefined : v;
};

function readRunnerProfileEntry(file: string, name: string, issues: ConfigIssue[]): RunnerProfile | undefined {
  if (!existsSync(file)) {
    issues.push({ path: "profilesFile", message: `${file} does not exist`, fix: `point profilesFile at the runner profiles file (default ${AWS_STACK_DEFAULTS.profilesFile}, relative to the stack directory)` });
    return undefined;
  }
  const profiles = parseProfiles(readFileSync(file, "utf8"), file);
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
export function readAwsRunnerStackConfig(config: pulumi.Config = new pulumi.Config()): AwsRunnerStackConfig {
  const project = config.name;
  const subject = `${project} stack configuration`;
  const issues: ConfigIssue[] = [];
  try {
    refuseUnknownKeys(project, [...AWS_STACK_SCALAR_KEYS, ...AWS_STACK_STRUCTURED_KEYS]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }

  for (const key of PROVIDER_SECRET_KEYS) {
    const [ns, k] = key.split(":") as [string, string];
    if (new pulumi.Config(ns).get(k) !== undefined && !isSecretSetting(key)) {
      issues.push({ path: key, message: "is set in plain text but must be a secret", fix: `run \`pulumi config rm ${key}\` and then \`pulumi config set --secret ${key} <value>\`, or use the provider's environment variables` });
    }
  }

  // Account and region: IAM ARNs are built from them.
  const awsConfig = new pulumi.Config("aws");
  const region = awsConfig.get("region");
  const accountId = config.get("accountId") ?? "";
  let scope: AwsScope | undefined;
  if (region === undefined) {
    issues.push({ path: "aws:region", message: "is required and not set", fix: "run `pulumi config set aws:region <region>`, e.g. eu-west-1" });
  } else {
    try {
      scope = resolveAwsScope({ region, accountId });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues.map((i) => ({ ...i, path: i.path === "region" ? "aws:region" : i.path })));
    }
  }
  const allowed = structured(awsConfig, "allowedAccountIds", issues);
  if (Array.isArray(allowed) && scope !== undefined && !allowed.map(String).includes(scope.accountId)) {
    issues.push({ path: "aws:allowedAccountIds", message: `does not include accountId ${scope.accountId}, so the provider would refuse to deploy`, fix: "make aws:allowedAccountIds and accountId name the same account" });
  }

  // Labels, trust and group come from the runner profiles file.
  const profileName = config.get("profile") ?? AWS_STACK_DEFAULTS.profile;
  const profilesFileSetting = config.get("profilesFile") ?? AWS_STACK_DEFAULTS.profilesFile;
  const profilesFile = resolve(process.cwd(), profilesFileSetting);
  let entry: RunnerProfile | undefined;
  try {
    entry = readRunnerProfileEntry(profilesFile, profileName, issues);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues.map((i) => ({ ...i, path: `${profilesFileSetting}: ${i.path}` })));
  }

  // The runner profile.
  const runner = structured(config, "runner", issues);
  let profile: AwsRunnerProfile | undefined;
  if (runner === undefined) {
    issues.push({ path: "runner", message: "is required and not set", fix: "describe the runners under runner: { githubUrl, egress: { allow: [...] }, vault: { address } } in the stack file (see README.md)" });
  } else if (!isObject(runner)) {
    issues.push({ path: "runner", message: "is not a mapping", fix: "write runner as a mapping of profile keys (see README.md)" });
  } else {
    for (const [key, from] of Object.entries(FROM_PROFILES_FILE)) {
      if (key in runner) issues.push({ path: `runner.${key}`, message: `comes from profile "${profileName}" of the runner profiles file (its ${from}), not from the stack`, fix: `remove runner.${key}; change ${from} of "${profileName}" in the profiles file instead` });
    }
    const vaultAddress = new pulumi.Config("vault").get("address");
    const vaultInput = isObject(runner["vault"]) ? runner["vault"] : undefined;
    const input: Record<string, unknown> = {
      ...runner,
      ...(vaultAddress !== undefined && (vaultInput === undefined || vaultInput["address"] === undefined) ? { vault: { ...vaultInput, address: vaultAddress } } : {}),
      ...(entry === undefined ? {} : { labels: [...entry.labels], trustLevel: entry.trust, ...(entry.runnerGroup === undefined || entry.runnerGroup === "Default" ? {} : { runnerGroup: entry.runnerGroup }) }),
    };
    for (const key of Object.keys(FROM_PROFILES_FILE)) if (entry === undefined || key in runner) delete input[key];
    try {
      profile = resolveAwsRunnerProfile(input);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues.map((i) => ({ ...i, path: i.path === "" ? "runner" : `runner.${i.path}` })));
    }
  }

  // Network, IAM and fleet options.
  const routes = structured(config, "privateRoutes", issues) ?? [];
  if (!Array.isArray(routes) || !routes.every(isObject)) issues.push({ path: "privateRoutes", message: "is not a list of routes", fix: "write privateRoutes as a list of { destinationCidrBlock, transitGatewayId | vpcPeeringConnectionId }" });
  const natSubnetCidr = optionalString(config, "natSubnetCidr");
  const availabilityZone = optionalString(config, "availabilityZone");
  // Checked even when the profile has problems (against its blocks as given), so every problem shows at once.
  const d = AWS_RUNNER_DEFAULTS;
  const blocks = profile ?? { vpcCidr: stringOr(isObject(runner) ? runner["vpcCidr"] : undefined, d.vpcCidr), subnetCidr: stringOr(isObject(runner) ? runner["subnetCidr"] : undefined, d.subnetCidr) };
  const routeList = Array.isArray(routes) && routes.every(isObject) ? (routes as unknown as AwsPrivateRoute[]) : [];
  let network: ResolvedAwsRunnerNetworkOptions | undefined;
  try {
    network = resolveAwsRunnerNetworkOptions(blocks, { ...(natSubnetCidr === undefined ? {} : { natSubnetCidr }), ...(availabilityZone === undefined ? {} : { availabilityZone }), privateRoutes: routeList });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  const permissionsBoundaryArn = optionalString(config, "permissionsBoundaryArn");
  const ebsKmsKeyId = optionalString(config, "ebsKmsKeyId");
  const logRetentionDays = config.getNumber("logRetentionDays");
  issues.push(...awsRunnerIamIssues({ ...(permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn }) }));
  issues.push(...awsRunnerFleetIssues({ ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }), ...(logRetentionDays === undefined ? {} : { logRetentionDays }) }));

  const brokerInput = structured(config, "secretIdBroker", issues) ?? {};
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

  const tags = structured(config, "tags", issues) ?? {};
  if (!isObject(tags)) issues.push({ path: "tags", message: "is not a mapping", fix: "write tags as key: value pairs" });
  else for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== "string") issues.push({ path: `tags.${k}`, message: "is not a string", fix: "quote the tag value" });
    else if (k.toLowerCase().startsWith("aws:")) issues.push({ path: `tags.${k}`, message: 'uses the reserved prefix "aws:"', fix: "rename the tag" });
  }

  if (issues.length > 0 || profile === undefined || scope === undefined || entry === undefined || network === undefined) {
    throw new ConfigError(issues.length > 0 ? issues : [{ path: "", message: "is incomplete", fix: "see the problems above" }], subject);
  }
  return {
    profile,
    scope,
    runnerProfile: entry,
    network,
    iam: permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn },
    fleet: {
      ...(logRetentionDays === undefined ? {} : { logRetentionDays }),
      instanceRefresh: config.getBoolean("instanceRefresh") ?? true,
      lifecycleHooks: config.getBoolean("lifecycleHooks") ?? true,
      ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }),
    },
    broker: broker as AwsRunnerStackConfig["broker"],
    tags: tags as Record<string, string>,
  };
}
