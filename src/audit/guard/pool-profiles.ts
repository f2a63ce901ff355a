/**
 * Runner profiles from the runner pools a stack program exports as `runnerPools` (one
 * {@link RunnerPool} per Deployment, scale set, VM or Auto Scaling group, computed by the
 * components from the resolved model). The export is a program's output, so it is read as input:
 * every value is checked, and every problem is an issue naming the stack, the key path and the
 * fix, never an exception.
 */
import { credentialKind } from "../../model/credential-shape.ts";
import { FORGE_KINDS, FORGES, MAX_RUNNER_LABELS, runsOnLabelIssues, type ForgeKind } from "../../model/forge.ts";
import { describeValue, inputExcerpt } from "../../model/input-excerpt.ts";
import type { ConfigIssue } from "../../model/issues.ts";
import { PROFILE_DEFAULTS, PROFILE_LIMITS, type RunnerProfile } from "../../model/profile-schema.ts";
import { isRecord, wholeNumberProblem } from "../../model/refine.ts";
import { combinationIssues, SUBSTRATE_KINDS, type Isolation, type PoolRegistration, type RunnerPool, type SubstrateKind } from "../../model/substrate.ts";

/** The stack output that lists a program's runner pools. */
export const RUNNER_POOLS_OUTPUT = "runnerPools";

/** Whether each isolation fences a job in its own microVM or VM (every isolation listed). */
const FENCED: { readonly [I in Isolation]: boolean } = { container: false, microvm: true, vm: true };
const ISOLATIONS = Object.keys(FENCED) as Isolation[];

/** Characters of a pool's name (a DNS subdomain's limit). */
const NAME_LENGTH = 253;

const unreachable = (x: never): never => {
  throw new Error(`unhandled ${String(x)}`);
};

/** What `guard --fleet` knows of each substrate's pools. */
export interface SubstrateFacts {
  /** What one pool is, in messages. */
  readonly noun: string;
  /** Whether the rendered resources show the pool too (so the two can be compared). */
  readonly rendered: boolean;
  /** What to raise for more runners. */
  readonly more: string;
}

export function substrateFacts(kind: SubstrateKind): SubstrateFacts {
  switch (kind) {
    case "kubernetes-deployment":
      return { noun: "Deployment", rendered: true, more: "its replicas" };
    case "arc-scale-set":
      return { noun: "runner scale set", rendered: true, more: "maxRunners of the scale set" };
    case "libvirt-vm":
      return { noun: "libvirt VM", rendered: false, more: "the number of runner VMs" };
    case "ec2":
      return { noun: "Auto Scaling group", rendered: false, more: "the group's maximum size" };
    default:
      return unreachable(kind);
  }
}

export interface PoolsRead {
  readonly pools: { readonly index: number; readonly pool: RunnerPool }[];
  readonly issues: ConfigIssue[];
}

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === "string" && (values as readonly string[]).includes(v);

/** Why a name or label from a program cannot be shown or used, or undefined. */
function textProblem(v: string, max: number): { message: string; fix: string } | undefined {
  if (v === "") return { message: "is empty", fix: "export the name the runners are deployed under" };
  if (v.length > max) return { message: `is ${v.length} characters long, more than ${max}`, fix: `export a name of at most ${max} characters` };
  const kind = credentialKind(v);
  if (kind !== undefined) return { message: `looks like a secret (${kind}), so it is not shown here`, fix: "export the runner's name and labels, never a credential; if it was a real credential, revoke it" };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v)) return { message: "holds a control character", fix: "export the name as plain text" };
  return undefined;
}

/**
 * The runner pools of one stack's `runnerPools` output, checked: a list of at most
 * {@link PROFILE_LIMITS}.profiles pools, each with a name, a forge, a substrate that hosts that
 * forge, the forge's labels, whole-number budgets (`min` ≤ `max`, equal for fixed substrates), a
 * boolean `oneJob` and an isolation. Keys the guard does not read are ignored. `source` names the
 * stack in the issues.
 */
export function readRunnerPools(value: unknown, source: string): PoolsRead {
  const at = `${source}: ${RUNNER_POOLS_OUTPUT}`;
  const issues: ConfigIssue[] = [];
  const pools: { index: number; pool: RunnerPool }[] = [];
  const fix = "export runnerPools as the stack's components compute them (for example `export const runnerPools = runners.runnerPools`)";
  if (!Array.isArray(value)) {
    issues.push({ path: at, message: `must be a list of runner pools, not ${describeValue(value)}`, fix });
    return { pools, issues };
  }
  if (value.length > PROFILE_LIMITS.profiles) {
    issues.push({ path: at, message: `lists ${value.length} pools, more than the ${PROFILE_LIMITS.profiles} the guard reads`, fix: `${fix}; a fleet of more than ${PROFILE_LIMITS.profiles} pools is not one the guard checks` });
    return { pools, issues };
  }
  value.forEach((item: unknown, index) => {
    const pool = readPool(item, `${at}[${index}]`, issues);
    if (pool !== undefined) pools.push({ index, pool });
  });
  return { pools, issues };
}

function readPool(item: unknown, at: string, issues: ConfigIssue[]): RunnerPool | undefined {
  const before = issues.length;
  const add = (path: string, message: string, fix: string) => issues.push({ path: `${at}${path}`, message, fix });
  if (!isRecord(item)) {
    add("", `must be a runner pool (a mapping of name, forge, substrate, labels, min, max, oneJob, isolation), not ${describeValue(item)}`, "export one mapping per pool, as the components' runnerPools give them");
    return undefined;
  }
  const { name, forge, substrate, labels, min, max, oneJob, isolation, registration } = item;
  if (typeof name !== "string") add(".name", `must be a string, not ${describeValue(name)}`, "export the name the pool's runners are deployed under");
  else {
    const p = textProblem(name, NAME_LENGTH);
    if (p !== undefined) add(".name", p.message, p.fix);
  }
  if (!isOneOf(FORGE_KINDS, forge)) add(".forge", typeof forge === "string" ? `"${inputExcerpt(forge, 40)}" is not a forge` : `must be a string, not ${describeValue(forge)}`, `export one of: ${FORGE_KINDS.join(", ")}`);
  if (!isOneOf(SUBSTRATE_KINDS, substrate)) add(".substrate", typeof substrate === "string" ? `"${inputExcerpt(substrate, 40)}" is not a substrate` : `must be a string, not ${describeValue(substrate)}`, `export one of: ${SUBSTRATE_KINDS.join(", ")}`);
  if (isOneOf(FORGE_KINDS, forge) && isOneOf(SUBSTRATE_KINDS, substrate)) for (const i of combinationIssues(substrate, forge, `${at}.forge`)) issues.push(i);
  readLabels(labels, isOneOf(FORGE_KINDS, forge) ? forge : undefined, `${at}.labels`, issues);
  for (const [key, v] of [["min", min], ["max", max]] as const) {
    const problem = typeof v === "number" ? wholeNumberProblem(v, 0, PROFILE_LIMITS.budget) : `must be a number, not ${describeValue(v)}`;
    if (problem !== undefined) add(`.${key}`, problem, `export ${key} as a whole number of runners from 0 to ${PROFILE_LIMITS.budget}`);
  }
  if (typeof oneJob !== "boolean") add(".oneJob", `must be true or false, not ${describeValue(oneJob)}`, "export oneJob: true when each runner takes one job and is then replaced, else false");
  if (!isOneOf(ISOLATIONS, isolation)) add(".isolation", typeof isolation === "string" ? `"${inputExcerpt(isolation, 40)}" is not an isolation` : `must be a string, not ${describeValue(isolation)}`, `export one of: ${ISOLATIONS.join(", ")}`);
  const where = registration === undefined ? undefined : readRegistration(registration, `${at}.registration`, issues);
  if (issues.length > before) return undefined;
  const pool = { name, forge, substrate, labels, min, max, oneJob, isolation, ...(where === undefined ? {} : { registration: where }) } as RunnerPool;
  if (pool.min > pool.max) add(".min", `${pool.min} is more than max (${pool.max})`, "export min no larger than max");
  for (const i of substrateIssues(pool, at)) issues.push(i);
  return issues.length > before ? undefined : pool;
}

/** Where a pool's runners register: an http(s) URL without credentials, and optional scope and version strings. */
function readRegistration(value: unknown, at: string, issues: ConfigIssue[]): PoolRegistration | undefined {
  const fix = "export registration as the components compute it ({ url, scope?, version? }), or leave it out";
  if (!isRecord(value)) {
    issues.push({ path: at, message: `must be a mapping of url, scope and version, not ${describeValue(value)}`, fix });
    return undefined;
  }
  const { url, scope, version } = value;
  const before = issues.length;
  if (typeof url !== "string") issues.push({ path: `${at}.url`, message: `must be a string, not ${describeValue(url)}`, fix: "export the URL the runners register with, e.g. https://github.com/acme" });
  else if (credentialKind(url) !== undefined) issues.push({ path: `${at}.url`, message: `looks like a secret (${credentialKind(url)}), so it is not shown here`, fix: "export the forge's URL, never a credential; if it was a real credential, revoke it" });
  else {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    // A user name or password in it is caught above (credentialKind knows URLs with credentials).
    if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) issues.push({ path: `${at}.url`, message: `"${inputExcerpt(url, 80)}" is not an http(s) URL`, fix: "export the URL the runners register with, e.g. https://github.com/acme or https://code.example.org" });
  }
  for (const [key, v] of [["scope", scope], ["version", version]] as const) {
    if (v === undefined) continue;
    if (typeof v !== "string") issues.push({ path: `${at}.${key}`, message: `must be a string, not ${describeValue(v)}`, fix });
    else {
      const p = textProblem(v, 200);
      if (p !== undefined) issues.push({ path: `${at}.${key}`, message: p.message, fix });
    }
  }
  if (issues.length > before || typeof url !== "string") return undefined;
  return { url, ...(typeof scope === "string" ? { scope } : {}), ...(typeof version === "string" ? { version } : {}) };
}

function readLabels(labels: unknown, forge: ForgeKind | undefined, at: string, issues: ConfigIssue[]): void {
  const fix = "export the label names a job's runs-on matches, the forge's implicit labels included";
  if (!Array.isArray(labels)) {
    issues.push({ path: at, message: `must be a list of labels, not ${describeValue(labels)}`, fix });
    return;
  }
  if (labels.length > MAX_RUNNER_LABELS) {
    issues.push({ path: at, message: `lists ${labels.length} labels, more than ${MAX_RUNNER_LABELS}`, fix: `keep at most ${MAX_RUNNER_LABELS} labels per runner` });
    return;
  }
  if (labels.length === 0) {
    issues.push({ path: at, message: "lists no labels, so no job can ask for these runners", fix: "export the labels the runners register with, the forge's implicit labels included" });
    return;
  }
  const before = issues.length;
  labels.forEach((l: unknown, i) => {
    if (typeof l !== "string") issues.push({ path: `${at}[${i}]`, message: `must be a string, not ${describeValue(l)}`, fix });
    // Longer labels are refused by the forge's rules below, without being quoted.
    else if (l.length <= 256 && credentialKind(l) !== undefined) issues.push({ path: `${at}[${i}]`, message: `looks like a secret (${credentialKind(l)}), so it is not shown here`, fix: "export the runner's labels, never a credential; if it was a real credential, revoke it" });
  });
  if (issues.length === before && forge !== undefined) for (const i of runsOnLabelIssues(forge, labels as string[], at)) issues.push(i);
}

/** What each substrate's pools must be beyond their shape. */
function substrateIssues(pool: RunnerPool, at: string): ConfigIssue[] {
  switch (pool.substrate) {
    case "kubernetes-deployment":
    case "libvirt-vm":
      // A fixed number of runners: the minimum is the maximum.
      return pool.min === pool.max ? [] : [{ path: `${at}.max`, message: `${pool.max} differs from min (${pool.min}), but a ${substrateFacts(pool.substrate).noun} runs a fixed number of runners`, fix: "export min and max as the same number of runners" }];
    case "arc-scale-set":
      return pool.oneJob ? [] : [{ path: `${at}.oneJob`, message: "is false, but every runner of an ARC scale set takes one job and is then replaced", fix: "export oneJob: true for scale sets" }];
    case "ec2":
      return [];
    default:
      return unreachable(pool.substrate);
  }
}

/** Labels once each, the first of those that are the same under `key` kept. */
export function dedupeLabels(labels: readonly string[], key: (label: string) => string): string[] {
  const seen = new Set<string>();
  return labels.filter((l) => {
    const k = key(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The profile of one checked pool, or undefined when it can run no runner (`max` 0). Fenced when
 * its isolation is a microVM or a VM; untrusted only when it is also one job per runner; both
 * budgets are `max`; labels are the names workflows ask for (a Forgejo label's name, without its
 * `:docker://…` or `:host`).
 */
export function poolProfile(pool: RunnerPool, source: string): RunnerProfile | undefined {
  if (pool.max < 1) return undefined;
  const fenced = FENCED[pool.isolation];
  const forge = FORGES[pool.forge];
  const base = {
    name: pool.name,
    description: `rendered from ${source} (${substrateFacts(pool.substrate).noun} ${pool.name})`,
    forge: pool.forge,
    labels: dedupeLabels(pool.labels.map((l) => forge.labelName(l)), (l) => forge.labelKey(l)),
    trust: pool.oneJob && fenced ? ("untrusted" as const) : ("trusted" as const),
    fenced,
    ephemeral: pool.oneJob,
    substrate: pool.substrate,
    maxParallelPerJob: pool.max,
    maxConcurrentPerWorkflow: pool.max,
  };
  switch (pool.forge) {
    case "github":
      return { ...base, runnerGroup: PROFILE_DEFAULTS.runnerGroup };
    case "forgejo":
      // Forgejo has no runner groups.
      return base;
    default:
      return unreachable(pool.forge);
  }
}
