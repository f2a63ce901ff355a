/**
 * Reads the aws-firecracker-runners stack configuration: the runner profile (`runner`, checked by
 * `resolveAwsRunnerProfile`), the labels, trust and group of the named profile in the runner
 * profiles file (`config/runner-isolation.yaml`, the one source of labels and trust), the account
 * and region, and the network and fleet options. Every problem is reported at once, each under
 * the key a user sets; nothing is created before the whole configuration is valid.
 *
 * Every check is the model's (`model/aws/`): this reader only reads the settings and the profiles
 * file and imports no component.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AWS_RUNNER_DEFAULTS, AWS_RUNNER_FLEET_DEFAULTS, AWS_STACK_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type AwsRunnerProfile, resolveAwsRunnerProfile } from "../model/aws-runner.ts";
import { type AwsScope, resolveAwsScope } from "../model/aws-scope.ts";
import { type AwsRunnerFleetOptions, awsRunnerFleetIssues } from "../model/aws/fleet.ts";
import { type AwsRunnerIamOptions, awsRunnerIamIssues } from "../model/aws/iam.ts";
import { type ResolvedAwsRunnerNetworkOptions, resolveAwsRunnerNetworkOptions } from "../model/aws/network.ts";
import { secretIdBrokerIssues } from "../model/aws/secret-id-broker.ts";
import { allowedAccountIssues, availabilityZoneRegionIssues, awsRunnerProfileEntryIssues, awsRunnerProfileInput, type AwsStackBrokerOptions, awsTagIssues, invalidProfilesFileIssue, privateRouteSettingIssues, privateRoutesOf, profilesFileIssue, secretIdBrokerSettingIssues } from "../model/aws/stack.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { type RunnerProfile } from "../model/profile-schema.ts";
import { parseProfiles } from "../model/profiles.ts";
import { isRecord } from "../model/refine.ts";
import { readSettings, requireSettings, type SettingsSpec, type StackSettingsSource } from "../model/stack-settings.ts";
import { modelIssues, pulumiSettings } from "./stack-settings.ts";

const fleetDefaults = AWS_RUNNER_FLEET_DEFAULTS;

/**
 * The settings of the aws-firecracker-runners stack, and the provider settings it reads. Each
 * `default` is the model's (`AWS_STACK_DEFAULTS`, `AWS_RUNNER_FLEET_DEFAULTS`); Pulumi.yaml
 * declares the same.
 */
export const AWS_STACK_SETTINGS: SettingsSpec = {
  accountId: { kind: "string", maxLength: 12 },
  profile: { kind: "string", maxLength: 100, default: AWS_STACK_DEFAULTS.profile },
  profilesFile: { kind: "string", maxLength: 4096, default: AWS_STACK_DEFAULTS.profilesFile },
  natSubnetCidr: { kind: "string", maxLength: 64 },
  availabilityZone: { kind: "string", maxLength: 64 },
  /** CloudWatch Logs retention; the allowed values are checked by the model (`logRetentionIssues`). */
  logRetentionDays: { kind: "integer", min: 1, max: 3653, default: fleetDefaults.logRetentionDays },
  instanceRefresh: { kind: "boolean", default: fleetDefaults.instanceRefresh },
  lifecycleHooks: { kind: "boolean", default: fleetDefaults.lifecycleHooks },
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

export interface AwsRunnerStackConfig {
  /** The resolved runner profile, labels and trust from the profiles file. */
  readonly profile: AwsRunnerProfile;
  readonly scope: AwsScope;
  /** The entry of the profiles file the runners serve. */
  readonly runnerProfile: RunnerProfile;
  readonly network: ResolvedAwsRunnerNetworkOptions;
  readonly iam: AwsRunnerIamOptions;
  readonly fleet: AwsRunnerFleetOptions & { readonly instanceRefresh: boolean; readonly lifecycleHooks: boolean };
  /** Options of the secret-id broker (created when `fleet.lifecycleHooks` is on). */
  readonly broker: AwsStackBrokerOptions;
  /** Extra tags on every resource. */
  readonly tags: Readonly<Record<string, string>>;
}

const stringOr = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);

/** The profiles file's entry `name`, read from disk; its problems and the file's own go to `issues`. */
function readRunnerProfileEntry(file: string, setting: string, name: string, issues: ConfigIssue[]): RunnerProfile | undefined {
  if (!existsSync(file)) {
    issues.push(profilesFileIssue(file, "missing"));
    return undefined;
  }
  if (!statSync(file).isFile()) {
    issues.push(profilesFileIssue(file, "not-a-file"));
    return undefined;
  }
  try {
    // Bytes, so that the profiles reader checks the encoding and size before anything else.
    const found = awsRunnerProfileEntryIssues(parseProfiles(readFileSync(file), file), name, file);
    issues.push(...found.issues);
    return found.entry;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(invalidProfilesFileIssue(setting, e.issues));
    return undefined;
  }
}

/**
 * Reads and validates the aws-firecracker-runners stack configuration. Throws {@link ConfigError}
 * with every problem (stack key paths such as `runner.egress.allow[0].cidrs[0]`); no message
 * quotes a secret.
 */
export function readAwsRunnerStackConfig(source: StackSettingsSource = pulumiSettings()): AwsRunnerStackConfig {
  const subject = `${source.project} stack configuration`;
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
  issues.push(...allowedAccountIssues(provider("aws:allowedAccountIds"), scope?.accountId));

  // Labels, trust and group come from the runner profiles file.
  const profileName = text("profile") ?? AWS_STACK_DEFAULTS.profile;
  const profilesFileSetting = text("profilesFile") ?? AWS_STACK_DEFAULTS.profilesFile;
  const entry = readRunnerProfileEntry(resolve(process.cwd(), profilesFileSetting), profilesFileSetting, profileName, issues);

  // The runner profile.
  const runner = values["runner"];
  let profile: AwsRunnerProfile | undefined;
  if (issues.some((i) => i.path === "runner")) {
    // reported by the reader
  } else if (runner === undefined) {
    issues.push({ path: "runner", message: "is required and not set", fix: "describe the runners under runner: { githubUrl, egress: { allow: [...] }, vault: { address } } in the stack file (see README.md)" });
  } else if (!isRecord(runner)) {
    issues.push({ path: "runner", message: "is not a mapping", fix: "write runner as a mapping of profile keys (see README.md)" });
  } else {
    const providerVault = provider("vault:address");
    const vaultAddress = providerVault !== undefined && /^https:\/\/[^\s]+$/.test(providerVault) ? providerVault : undefined;
    if (providerVault !== undefined && vaultAddress === undefined) issues.push({ path: "vault:address", message: "is not an https URL", fix: 'give the Vault server\'s https URL, e.g. "https://vault.internal.example:8200"' });
    const { input, issues: inputIssues } = awsRunnerProfileInput(runner, entry, profileName, vaultAddress);
    issues.push(...inputIssues);
    issues.push(...modelIssues(() => (profile = resolveAwsRunnerProfile(input)), issues, "runner"));
  }

  // Network, IAM and fleet options.
  const routes = values["privateRoutes"] ?? [];
  issues.push(...privateRouteSettingIssues(routes));
  const natSubnetCidr = text("natSubnetCidr");
  const availabilityZone = text("availabilityZone");
  issues.push(...availabilityZoneRegionIssues(availabilityZone, region));
  // Checked even when the profile has problems (against its blocks as given), so every problem shows at once.
  const d = AWS_RUNNER_DEFAULTS;
  const blocks = profile ?? { vpcCidr: stringOr(isRecord(runner) ? runner["vpcCidr"] : undefined, d.vpcCidr), subnetCidr: stringOr(isRecord(runner) ? runner["subnetCidr"] : undefined, d.subnetCidr) };
  let network: ResolvedAwsRunnerNetworkOptions | undefined;
  try {
    network = resolveAwsRunnerNetworkOptions(blocks, { ...(natSubnetCidr === undefined ? {} : { natSubnetCidr }), ...(availabilityZone === undefined ? {} : { availabilityZone }), privateRoutes: privateRoutesOf(routes) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  const permissionsBoundaryArn = text("permissionsBoundaryArn");
  const ebsKmsKeyId = text("ebsKmsKeyId");
  const logRetentionDays = typeof values["logRetentionDays"] === "number" ? values["logRetentionDays"] : undefined;
  issues.push(...awsRunnerIamIssues({ ...(permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn }) }));
  issues.push(...awsRunnerFleetIssues({ ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }), ...(logRetentionDays === undefined ? {} : { logRetentionDays }) }));

  const { broker, issues: brokerIssues } = secretIdBrokerSettingIssues(values["secretIdBroker"] ?? {});
  issues.push(...brokerIssues);
  if (profile !== undefined && brokerIssues.every((i) => i.path !== "secretIdBroker")) issues.push(...secretIdBrokerIssues({ profile, ...broker }).map((i) => ({ ...i, path: `secretIdBroker.${i.path}` })));

  // A broker-minted JIT configuration is written at the launch hook: without the hooks no runner could start.
  if (profile?.github.mintedBy === "broker" && values["lifecycleHooks"] === false) {
    issues.push({ path: "lifecycleHooks", message: "is false, but runner.jitConfigMintedBy is broker: the broker mints each runner's JIT configuration at the launch hook", fix: "set lifecycleHooks to true, or runner.jitConfigMintedBy to instance" });
  }

  const tags = values["tags"] ?? {};
  if (isRecord(tags)) issues.push(...awsTagIssues(tags));

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
      instanceRefresh: typeof values["instanceRefresh"] === "boolean" ? values["instanceRefresh"] : fleetDefaults.instanceRefresh,
      lifecycleHooks: typeof values["lifecycleHooks"] === "boolean" ? values["lifecycleHooks"] : fleetDefaults.lifecycleHooks,
      ...(ebsKmsKeyId === undefined ? {} : { ebsKmsKeyId }),
    },
    broker,
    tags: tags as Record<string, string>,
  };
}
