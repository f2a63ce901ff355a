/**
 * The aws-firecracker-runners stack's own checks, on settings already read by the one settings
 * reader (`stack-settings.ts`): which runner profile the runners serve, the account the provider
 * may deploy to, the zone against the region, `privateRoutes`, `secretIdBroker` and `tags`. Each
 * returns its problems under the stack key a user sets; `src/pulumi/aws-stack-config.ts` reads
 * the files and calls these, creating nothing.
 */
import { AWS_STACK_DEFAULTS } from "../aws-runner-defaults.ts";
import type { ConfigIssue } from "../issues.ts";
import type { RunnerProfile } from "../profile-schema.ts";
import { isRecord } from "../refine.ts";
import type { AwsPrivateRoute } from "./network.ts";
import { AWS_AVAILABILITY_ZONE } from "./network.ts";
import type { SecretIdBrokerOptions } from "./secret-id-broker.ts";

/** AWS limits on tags (User Guide, "Tag naming limits and requirements"). */
export const AWS_TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;
/** Tags the stack sets itself on every resource (Name and the runner-fleet tags). */
const OWN_TAGS = 5;

/** Keys of one `privateRoutes` entry. */
export const AWS_ROUTE_KEYS = ["destinationCidrBlock", "transitGatewayId", "vpcPeeringConnectionId"] as const;

/** Keys of the stack's `secretIdBroker` and their types (the rest of the broker follows from the profile). */
export const AWS_STACK_BROKER_KEYS = { wrapTtlSeconds: "number", vaultAwsAuthMount: "string", vaultIamServerId: "string", stsEndpoint: "string", stsRegion: "string" } as const;
export type AwsStackBrokerOptions = Pick<SecretIdBrokerOptions, keyof typeof AWS_STACK_BROKER_KEYS>;

/** Profile keys that come from the runner profiles file, never from the stack's `runner`, with the profile field they come from. */
export const AWS_FROM_PROFILES_FILE = { labels: "labels", trustLevel: "trust", runnerGroup: "runnerGroup" } as const;

/** Why the profiles file's entry `name` cannot give the EC2 runners their labels and trust (issues at `profile`). */
export function awsRunnerProfileEntryIssues(profiles: readonly RunnerProfile[], name: string, file: string): { readonly entry?: RunnerProfile; readonly issues: ConfigIssue[] } {
  const entry = profiles.find((p) => p.name === name);
  if (entry === undefined) {
    const ec2 = profiles.filter((p) => p.substrate === "ec2").map((p) => p.name);
    return { issues: [{ path: "profile", message: `"${name}" is not a profile of ${file}`, fix: ec2.length > 0 ? `use one of its ec2 profiles: ${ec2.join(", ")}` : `add an ec2 profile named "${name}" to ${file}` }] };
  }
  const issues: ConfigIssue[] = [];
  if (entry.substrate !== "ec2") issues.push({ path: "profile", message: `"${name}" runs on substrate ${entry.substrate}, not ec2`, fix: "name a profile whose substrate is ec2" });
  if (!entry.ephemeral) issues.push({ path: "profile", message: `"${name}" says ephemeral: false, but every EC2 runner takes one job and is terminated`, fix: `set ephemeral: true for "${name}" in ${file}` });
  if (entry.forge !== "github") issues.push({ path: "profile", message: `"${name}" registers with ${entry.forge}; the EC2 runners register with GitHub`, fix: "name a GitHub profile" });
  return { entry, issues };
}

/** The profiles file is missing or not a file (issue at `profilesFile`). */
export function profilesFileIssue(file: string, kind: "missing" | "not-a-file"): ConfigIssue {
  return kind === "missing"
    ? { path: "profilesFile", message: `${file} does not exist`, fix: `point profilesFile at the runner profiles file (default ${AWS_STACK_DEFAULTS.profilesFile}, relative to the stack directory)` }
    : { path: "profilesFile", message: `${file} is not a file`, fix: `point profilesFile at the runner profiles file itself (default ${AWS_STACK_DEFAULTS.profilesFile}, relative to the stack directory)` };
}

/** The profiles file cannot be read as runner profiles (issue at `profilesFile`, naming the first problem). */
export function invalidProfilesFileIssue(setting: string, problems: readonly ConfigIssue[]): ConfigIssue {
  const first = problems[0];
  return {
    path: "profilesFile",
    message: `points at ${setting}, which is not a valid runner profiles file (${problems.length} problem${problems.length === 1 ? "" : "s"}${first === undefined ? "" : `, first: ${first.path}: ${first.message}`})`,
    fix: `point profilesFile at the runner profiles file (default ${AWS_STACK_DEFAULTS.profilesFile}), or fix that file (check it with \`runner-fleet guard --profiles ${setting}\`)`,
  };
}

/**
 * The runner profile input: the stack's `runner` with the labels, trust and group of the profiles
 * file's entry and the provider's `vault:address` when `runner.vault.address` is not given.
 * Reports `runner.<key>` for keys that belong to the profiles file.
 */
export function awsRunnerProfileInput(runner: Record<string, unknown>, entry: RunnerProfile | undefined, profileName: string, vaultAddress: string | undefined): { readonly input: Record<string, unknown>; readonly issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  for (const [key, from] of Object.entries(AWS_FROM_PROFILES_FILE)) {
    if (key in runner) issues.push({ path: `runner.${key}`, message: `comes from profile "${profileName}" of the runner profiles file (its ${from}), not from the stack`, fix: `remove runner.${key}; change ${from} of "${profileName}" in the profiles file instead` });
  }
  const vaultInput = isRecord(runner["vault"]) ? runner["vault"] : undefined;
  const input: Record<string, unknown> = {
    ...runner,
    ...(vaultAddress !== undefined && (vaultInput === undefined || vaultInput["address"] === undefined) ? { vault: { ...vaultInput, address: vaultAddress } } : {}),
    ...(entry === undefined ? {} : { labels: [...entry.labels], trustLevel: entry.trust, ...(entry.runnerGroup === undefined || entry.runnerGroup === "Default" ? {} : { runnerGroup: entry.runnerGroup }) }),
  };
  for (const key of Object.keys(AWS_FROM_PROFILES_FILE)) if (entry === undefined || key in runner) delete input[key];
  return { input, issues };
}

/** `aws:allowedAccountIds` (as Pulumi hands it: JSON text) against the stack's account. */
export function allowedAccountIssues(raw: string | undefined, accountId: string | undefined): ConfigIssue[] {
  let allowed: unknown;
  try {
    allowed = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(allowed)) return [];
  const bad = allowed.findIndex((a) => !(typeof a === "string" || typeof a === "number") || !/^\d{12}$/.test(String(a)));
  if (bad >= 0) return [{ path: `aws:allowedAccountIds[${bad}]`, message: "is not a 12-digit AWS account id", fix: 'list account ids as quoted 12-digit strings, e.g. ["123456789012"]' }];
  if (accountId !== undefined && !allowed.map(String).includes(accountId)) {
    return [{ path: "aws:allowedAccountIds", message: `does not include accountId ${accountId}, so the provider would refuse to deploy`, fix: "make aws:allowedAccountIds and accountId name the same account" }];
  }
  return [];
}

/** A well-formed zone of another region than `aws:region`. */
export function availabilityZoneRegionIssues(availabilityZone: string | undefined, region: string | undefined): ConfigIssue[] {
  if (availabilityZone === undefined || region === undefined || !AWS_AVAILABILITY_ZONE.test(availabilityZone) || availabilityZone.slice(0, -1) === region) return [];
  return [{ path: "availabilityZone", message: `is a zone of ${availabilityZone.slice(0, -1)}, not of aws:region ${region}`, fix: `give a zone of ${region}, e.g. "${region}a", or leave it unset` }];
}

/** Problems of `privateRoutes`: each entry a mapping of the route keys, each destination once. */
export function privateRouteSettingIssues(routes: unknown): ConfigIssue[] {
  if (!Array.isArray(routes)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  routes.forEach((r, i) => {
    if (!isRecord(r)) {
      issues.push({ path: `privateRoutes[${i}]`, message: "is not a route", fix: "write each route as { destinationCidrBlock, transitGatewayId | vpcPeeringConnectionId }" });
      return;
    }
    for (const k of Object.keys(r)) {
      if (!(AWS_ROUTE_KEYS as readonly string[]).includes(k)) issues.push({ path: `privateRoutes[${i}].${k}`, message: "is not a key of a route", fix: `remove it; a route has ${AWS_ROUTE_KEYS.join(", ")}` });
    }
    for (const k of AWS_ROUTE_KEYS) {
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

/** The routes of `privateRoutes` when every entry is well-formed, else none (the problems are reported by {@link privateRouteSettingIssues}). */
export function privateRoutesOf(routes: unknown): AwsPrivateRoute[] {
  const wellFormed = Array.isArray(routes) && routes.every((r) => isRecord(r) && Object.entries(r).every(([k, v]) => (AWS_ROUTE_KEYS as readonly string[]).includes(k) && typeof v === "string"));
  return wellFormed ? (routes as AwsPrivateRoute[]) : [];
}

/** The stack's `secretIdBroker` mapping: the known keys of the right type, and a problem for every other. */
export function secretIdBrokerSettingIssues(value: unknown): { readonly broker: AwsStackBrokerOptions; readonly issues: ConfigIssue[] } {
  const known = Object.keys(AWS_STACK_BROKER_KEYS).join(", ");
  if (!isRecord(value)) return { broker: {}, issues: [{ path: "secretIdBroker", message: "is not a mapping", fix: `write secretIdBroker as a mapping of ${known}` }] };
  const broker: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [k, v] of Object.entries(value)) {
    const type = (AWS_STACK_BROKER_KEYS as Record<string, string>)[k];
    if (type === undefined) issues.push({ path: `secretIdBroker.${k}`, message: "is not a key of the secret-id broker", fix: `remove it; known keys: ${known}` });
    else if (typeof v !== type) issues.push({ path: `secretIdBroker.${k}`, message: `is not a ${type}`, fix: type === "number" ? "write a number of seconds, e.g. 300" : "quote the value" });
    else broker[k] = v;
  }
  return { broker: broker as AwsStackBrokerOptions, issues };
}

/** Problems of `tags` against AWS's tag limits. */
export function awsTagIssues(tags: Record<string, unknown>): ConfigIssue[] {
  const { maxTags, maxKeyLength, maxValueLength } = AWS_TAG_LIMITS;
  const entries = Object.entries(tags);
  if (entries.length > maxTags - OWN_TAGS) return [{ path: "tags", message: `has ${entries.length} tags; AWS allows ${maxTags} per resource and the stack sets ${OWN_TAGS} of its own`, fix: `keep at most ${maxTags - OWN_TAGS} tags` }];
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
