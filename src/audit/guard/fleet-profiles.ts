/**
 * Runner profiles computed from rendered stacks, so the guard checks workflows against what is
 * deployed rather than against a hand-written list. A stack program that exports `runnerPools`
 * gives one profile per pool, whatever its substrate (`pool-profiles.ts`). For programs that do
 * not (library users' own), the profiles are read from the rendered resources instead, and where
 * both exist they must agree:
 * - `kubernetes:apps/v1:Deployment` whose containers register a GitHub runner
 *   (`ACTIONS_RUNNER_INPUT_*` env): labels from `ACTIONS_RUNNER_INPUT_LABELS` plus the runner's
 *   implicit `self-hosted`, `linux` and architecture label; `ACTIONS_RUNNER_INPUT_EPHEMERAL: "true"`
 *   marks it ephemeral; budgets are its replica count.
 * - an ARC runner scale set (`gha-runner-scale-set` Helm release, or an `AutoscalingRunnerSet`):
 *   labels are the scale set name and `scaleSetLabels`; always ephemeral; budgets are `maxRunners`.
 * A runner counts as fenced when its pod runs under a Kata/Firecracker RuntimeClass, and as
 * untrusted only when it is both ephemeral and fenced.
 */
import type { ConfigIssue } from "../../model/issues.ts";
import { FORGES } from "../../model/forge.ts";
import { inputExcerpt } from "../../model/input-excerpt.ts";
import type { RunnerProfile } from "../../model/profile-schema.ts";
import type { RunnerPool } from "../../model/substrate.ts";
import { profileSetIssues } from "../../model/profile-set.ts";
import { isRecord } from "../../model/refine.ts";
import { dedupeLabels, poolProfile, readRunnerPools, RUNNER_POOLS_OUTPUT, substrateFacts, type PoolsRead } from "./pool-profiles.ts";

/** A resource of a rendered stack (the shape `renderStack` records). */
export interface RenderedResourceLike {
  readonly type: string;
  readonly name: string;
  readonly custom?: boolean;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface FleetProfiles {
  readonly profiles: RunnerProfile[];
  /** Runners whose labels or budgets cannot be read from the rendered documents. */
  readonly issues: ConfigIssue[];
}

/** RuntimeClass names that put each pod in its own microVM. */
const FENCED_RUNTIME = /kata|firecracker/i;
const ENV = "ACTIONS_RUNNER_INPUT_";

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function fromDeployment(r: RenderedResourceLike, source: string, issues: ConfigIssue[]): RunnerProfile[] {
  const inputs = rec(r.inputs);
  const metadata = rec(inputs["metadata"]);
  const spec = rec(inputs["spec"]);
  const podSpec = rec(rec(spec["template"])["spec"]);
  const name = typeof metadata["name"] === "string" ? metadata["name"] : String(r.name);
  const where = `${source}: Deployment ${inputExcerpt(name, 80)}`;
  const out: RunnerProfile[] = [];
  for (const c of list(podSpec["containers"]).map(rec)) {
    const env = list(c["env"]).map(rec);
    if (!env.some((e) => typeof e["name"] === "string" && e["name"].startsWith(ENV))) continue;
    const get = (key: string) => env.find((e) => e["name"] === ENV + key);
    const literal = (key: string): string | undefined => {
      const e = get(key);
      return typeof e?.["value"] === "string" && e["value"] !== "[secret]" ? e["value"] : undefined;
    };
    const labelsVar = get("LABELS");
    if (labelsVar !== undefined && literal("LABELS") === undefined) {
      issues.push({
        path: `${where}, container ${inputExcerpt(String(c["name"]), 80)}, env ${ENV}LABELS`,
        message: "is not a literal value (it comes from a reference or a secret), so the runner's labels cannot be read",
        fix: `set the runner's labels in the stack config (runners[].labels) so that ${ENV}LABELS is rendered as a plain value`,
      });
      continue;
    }
    // Kubernetes' default when the Deployment does not set a number.
    const replicas = typeof spec["replicas"] === "number" ? spec["replicas"] : 1;
    if (!Number.isSafeInteger(replicas)) {
      issues.push({ path: `${where}: spec.replicas`, message: "is not a whole number, so the runner's budget is unknown", fix: "set the runner's replicas in the stack config to a whole number" });
      continue;
    }
    if (replicas < 1) continue; // a stopped runner serves no job
    const arch = rec(podSpec["nodeSelector"])["kubernetes.io/arch"] === "arm64" ? "arm64" : "x64";
    const noDefaults = literal("NO_DEFAULT_LABELS") === "true";
    const extra = (literal("LABELS") ?? "").split(",").map((l) => l.trim());
    const ephemeral = literal("EPHEMERAL") === "true";
    const fenced = typeof podSpec["runtimeClassName"] === "string" && FENCED_RUNTIME.test(podSpec["runtimeClassName"]);
    out.push({
      name: out.length === 0 ? name : `${name}-${inputExcerpt(String(c["name"]), 80)}`,
      description: `rendered from ${source} (Deployment ${name})`,
      forge: "github",
      labels: dedupeLabels((noDefaults ? extra : [...FORGES.github.implicitLabels, arch, ...extra]).filter((l) => l !== ""), FORGES.github.labelKey),
      trust: ephemeral && fenced ? "untrusted" : "trusted",
      fenced,
      ephemeral,
      substrate: "kubernetes-deployment",
      runnerGroup: literal("RUNNERGROUP") ?? "Default",
      maxParallelPerJob: replicas,
      maxConcurrentPerWorkflow: replicas,
    });
  }
  return out;
}

function fromScaleSet(kind: string, name: string, values: Record<string, unknown>, source: string, issues: ConfigIssue[]): RunnerProfile[] {
  const where = `${source}: ${kind} ${inputExcerpt(name, 80)}`;
  const maxRunners = values["maxRunners"];
  if (typeof maxRunners !== "number" || !Number.isSafeInteger(maxRunners) || maxRunners < 1) {
    issues.push({ path: `${where}: maxRunners`, message: "is not set to a whole number of 1 or more, so the scale set's runner budget is unknown", fix: "set maxRunners on the scale set" });
    return [];
  }
  const labels = list(values["scaleSetLabels"] ?? values["runnerScaleSetLabels"]).filter((l): l is string => typeof l === "string");
  const runtime = rec(rec(values["template"])["spec"])["runtimeClassName"];
  const fenced = typeof runtime === "string" && FENCED_RUNTIME.test(runtime);
  return [{
    name,
    description: `rendered from ${source} (${kind} ${name})`,
    forge: "github",
    labels: dedupeLabels([name, ...labels].filter((l) => l !== ""), FORGES.github.labelKey),
    trust: fenced ? "untrusted" : "trusted",
    fenced,
    ephemeral: true,
    substrate: "arc-scale-set",
    runnerGroup: typeof values["runnerGroup"] === "string" ? values["runnerGroup"] : "Default",
    maxParallelPerJob: maxRunners,
    maxConcurrentPerWorkflow: maxRunners,
  }];
}

/** The runner profiles of one rendered stack. `source` names the stack in messages. */
export function profilesFromResources(resources: readonly RenderedResourceLike[], source: string): FleetProfiles {
  const issues: ConfigIssue[] = [];
  const profiles: RunnerProfile[] = [];
  const add = (more: readonly RunnerProfile[]) => {
    for (const p of more) profiles.push(p);
  };
  for (const r of resources) {
    if (r.custom === false) continue;
    const inputs = rec(r.inputs);
    if (r.type === "kubernetes:apps/v1:Deployment") add(fromDeployment(r, source, issues));
    else if (r.type === "kubernetes:helm.sh/v3:Release" && typeof inputs["chart"] === "string" && inputs["chart"].endsWith("gha-runner-scale-set")) {
      const values = rec(inputs["values"]);
      const name = typeof values["runnerScaleSetName"] === "string" ? values["runnerScaleSetName"] : typeof inputs["name"] === "string" ? inputs["name"] : String(r.name);
      add(fromScaleSet("runner scale set", name, values, source, issues));
    } else if (r.type === "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet") {
      const spec = rec(inputs["spec"]);
      const metaName = rec(inputs["metadata"])["name"];
      const name = typeof spec["runnerScaleSetName"] === "string" ? spec["runnerScaleSetName"] : typeof metaName === "string" ? metaName : String(r.name);
      add(fromScaleSet("AutoscalingRunnerSet", name, spec, source, issues));
    }
  }
  return { profiles, issues };
}

/** One rendered stack: its resources, and the program's outputs when it has any. */
export interface RenderedStackLike {
  /** The stack in messages, e.g. `infra/pulumi/gh-runner (stack dev)`. */
  readonly source: string;
  readonly resources: readonly RenderedResourceLike[];
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/**
 * The runner profiles of one rendered stack: from its `runnerPools` output when it exports one
 * (checked against the Deployments and scale sets its resources render), else from its resources.
 */
export function profilesFromStack(stack: RenderedStackLike): FleetProfiles {
  const outputs: unknown = stack.outputs;
  const fromResources = profilesFromResources(stack.resources, stack.source);
  if (!isRecord(outputs) || outputs[RUNNER_POOLS_OUTPUT] === undefined) return fromResources;
  let read: PoolsRead;
  try {
    read = readRunnerPools(outputs[RUNNER_POOLS_OUTPUT], stack.source);
  } catch (e) {
    const why = inputExcerpt(String((e as Error | undefined)?.message ?? e), 200);
    return { profiles: [], issues: [{ path: `${stack.source}: ${RUNNER_POOLS_OUTPUT}`, message: `cannot be read (${why})`, fix: "export runnerPools as plain data: a list of the components' runner pools" }] };
  }
  if (read.issues.length > 0) return { profiles: [], issues: read.issues };
  const profiles: RunnerProfile[] = [];
  const issues: ConfigIssue[] = [];
  // Runners the resources show, by substrate and name; each is matched by one pool at most.
  const rendered = new Map(fromResources.profiles.map((p) => [`${p.substrate}/${p.name}`, p]));
  for (const { index, pool } of read.pools) {
    const profile = poolProfile(pool, stack.source);
    const facts = substrateFacts(pool.substrate);
    if (!readableFromResources(pool)) {
      if (profile !== undefined) profiles.push(profile);
      continue;
    }
    const key = `${pool.substrate}/${pool.name}`;
    const seen = rendered.get(key);
    rendered.delete(key);
    if (profile === undefined && seen === undefined) continue;
    const at = `${stack.source}: ${RUNNER_POOLS_OUTPUT}[${index}]`;
    const fix = "export runnerPools from the same resolved model the resources are rendered from (the components' runnerPools), so that both describe the same runners";
    if (profile === undefined) {
      issues.push({ path: `${at}.max`, message: `is 0, but the stack renders ${facts.noun} "${inputExcerpt(pool.name, 80)}" with runners (${seen!.maxParallelPerJob})`, fix });
      continue;
    }
    if (seen === undefined) {
      issues.push({ path: at, message: `is ${facts.noun} "${inputExcerpt(pool.name, 80)}", but the stack's rendered resources hold no runner ${facts.noun} of that name whose labels and budget can be read`, fix });
      continue;
    }
    const differences = profileDifferences(profile, seen);
    if (differences.length > 0) {
      issues.push({ path: at, message: `does not agree with the rendered ${facts.noun} "${inputExcerpt(pool.name, 80)}": ${differences.join("; ")}`, fix });
      continue;
    }
    // The resources also show the runner group, which pools do not carry.
    profiles.push(seen.runnerGroup === undefined || profile.forge !== "github" ? profile : { ...profile, runnerGroup: seen.runnerGroup });
  }
  for (const p of rendered.values()) {
    issues.push({
      path: `${stack.source}: ${RUNNER_POOLS_OUTPUT}`,
      message: `lists no pool for the rendered ${substrateFacts(p.substrate).noun} "${inputExcerpt(p.name, 80)}", which runs runners with the labels ${inputExcerpt(p.labels.join(", "), 200)}`,
      fix: "export runnerPools from the same resolved model the resources are rendered from (the components' runnerPools), so that every runner has its pool",
    });
  }
  return { profiles, issues };
}

/**
 * Whether the rendered resources show a pool's runners too, so that the two are compared: GitHub
 * runners of the substrates whose documents the guard reads (Deployments, scale sets).
 */
function readableFromResources(pool: RunnerPool): boolean {
  switch (pool.forge) {
    case "github":
      return substrateFacts(pool.substrate).rendered;
    case "forgejo":
      // A forgejo-runner's labels are in its own config file, not in the resources' fields.
      return false;
    default:
      return pool.forge satisfies never;
  }
}

/** How the profile of a pool and the profile its rendered resources give differ, in words. */
function profileDifferences(pool: RunnerProfile, rendered: RunnerProfile): string[] {
  const out: string[] = [];
  const set = (labels: readonly string[]) => [...new Set(labels.map((l) => l.toLowerCase()))].sort();
  const [a, b] = [set(pool.labels), set(rendered.labels)];
  if (a.join(",") !== b.join(",")) out.push(`labels ${inputExcerpt(a.join(", "), 200)} in the pool, ${inputExcerpt(b.join(", "), 200)} rendered`);
  if (pool.ephemeral !== rendered.ephemeral) out.push(`oneJob is ${pool.ephemeral} in the pool, but the rendered runners are ${rendered.ephemeral ? "" : "not "}ephemeral`);
  if (pool.fenced !== rendered.fenced) out.push(`the pool's isolation ${pool.fenced ? "fences" : "does not fence"} each job in a microVM or VM, but the rendered pods ${rendered.fenced ? "run under a Kata or Firecracker RuntimeClass" : "run in plain containers"}`);
  if (pool.maxParallelPerJob !== rendered.maxParallelPerJob) out.push(`max is ${pool.maxParallelPerJob} in the pool, ${rendered.maxParallelPerJob} rendered`);
  return out;
}

/**
 * The profiles of several rendered stacks together (each from its runner pools or its
 * resources, see {@link profilesFromStack}), checked as one fleet (unique names, no label set
 * shared between trusted and untrusted runners).
 */
export function profilesFromStacks(stacks: readonly RenderedStackLike[]): FleetProfiles {
  const profiles: RunnerProfile[] = [];
  const issues: ConfigIssue[] = [];
  for (const s of stacks) {
    const r = profilesFromStack(s);
    for (const p of r.profiles) profiles.push(p);
    for (const i of r.issues) issues.push(i);
  }
  for (const i of profileSetIssues(profiles, (i) => `profile "${inputExcerpt(profiles[i]?.name ?? String(i), 80)}" (${inputExcerpt(profiles[i]?.description ?? "", 200)})`)) issues.push(i);
  return { profiles, issues };
}
