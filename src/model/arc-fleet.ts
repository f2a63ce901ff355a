/**
 * An ARC fleet: one controller with its cluster-wide parts (controller namespace, kata-deploy and
 * the RuntimeClass, the runner namespaces and their fences, metrics) and any number of scale sets.
 * The fleet form is the single scale-set form plus `scaleSets`: top-level keys are shared by every
 * scale set (each entry may override the per-scale-set ones); without `scaleSets` the top level is
 * the one scale set.
 */
import { ConfigError, type ConfigIssue } from "./issues.ts";
import { visible } from "./did-you-mean.ts";
import { ARC_DEFAULTS, type ResolvedArcScaleSet, resolveArcScaleSet } from "./arc-scale-set.ts";
import type { ResolvedArcMetrics } from "./arc-metrics.ts";

/** Keys of the cluster and the controller: set once at the top level, never per scale set. */
export const ARC_CLUSTER_KEYS = ["podCidr", "serviceCidr", "nodeCidrs", "controllerNamespace", "kata", "metrics"] as const;

/** Scale sets one controller manages in one program. */
export const MAX_SCALE_SETS = 50;

export type PodSecurityLevelName = "restricted" | "baseline" | "privileged";

export interface ArcRunnerNamespace {
  readonly name: string;
  /** The Pod Security level enforced: the loosest any of its scale sets needs. */
  readonly podSecurity: PodSecurityLevelName;
}

/** The cluster-wide part of an ARC installation, shared by its scale sets. */
export interface ResolvedArcController {
  readonly controllerNamespace: string;
  readonly chartVersion: string;
  /** Whether any scale set runs in Firecracker microVMs (kata-deploy and the RuntimeClass are installed). */
  readonly useFirecracker: boolean;
  readonly kata: ResolvedArcScaleSet["kata"];
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
  readonly dns: ResolvedArcScaleSet["dns"];
  readonly metrics: ResolvedArcMetrics;
  readonly runnerNamespaces: readonly ArcRunnerNamespace[];
}

export interface ResolvedArcFleet {
  readonly controller: ResolvedArcController;
  readonly scaleSets: readonly ResolvedArcScaleSet[];
}

/** The Pod Security level a scale set's runner pods need. */
export function podSecurityNeeded(s: ResolvedArcScaleSet): PodSecurityLevelName {
  return s.privileged || s.hostNetwork || s.containerMode?.type === "dind" ? "privileged" : "restricted";
}

const LOOSENESS: readonly PodSecurityLevelName[] = ["restricted", "baseline", "privileged"];

/** The controller that serves `sets` (all resolved against the same cluster keys). */
export function arcControllerFor(sets: readonly ResolvedArcScaleSet[]): ResolvedArcController {
  const first = sets[0];
  if (first === undefined) throw new ConfigError([{ path: "scaleSets", message: "is empty", fix: "declare at least one scale set" }], "ARC fleet configuration");
  const namespaces = new Map<string, PodSecurityLevelName>();
  for (const s of sets) {
    const need = podSecurityNeeded(s);
    const had = namespaces.get(s.runnerNamespace) ?? "restricted";
    namespaces.set(s.runnerNamespace, LOOSENESS.indexOf(need) > LOOSENESS.indexOf(had) ? need : had);
  }
  return {
    controllerNamespace: first.controllerNamespace,
    chartVersion: first.chartVersion,
    useFirecracker: sets.some((s) => s.useFirecracker),
    kata: first.kata,
    podCidr: first.podCidr,
    serviceCidr: first.serviceCidr,
    nodeCidrs: first.nodeCidrs,
    dns: first.dns,
    metrics: first.metrics,
    runnerNamespaces: [...namespaces].map(([name, podSecurity]) => ({ name, podSecurity })),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Validates a fleet and applies every default; throws {@link ConfigError} with every problem, each
 * at the key path the user wrote (`scaleSets[1].containerMode.type`, or a top-level key).
 */
export function resolveArcFleet(input: unknown): ResolvedArcFleet {
  if (!isRecord(input)) throw new ConfigError([{ path: "", message: "is not a mapping", fix: "write the fleet as a mapping of settings" }], "ARC fleet configuration");
  const { scaleSets, ...top } = input;
  if (scaleSets === undefined) {
    const single = resolveArcScaleSet(top);
    return { controller: arcControllerFor([single]), scaleSets: [single] };
  }
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(scaleSets) || scaleSets.length === 0 || scaleSets.length > MAX_SCALE_SETS) {
    throw new ConfigError([{ path: "scaleSets", message: Array.isArray(scaleSets) ? `lists ${scaleSets.length} scale sets` : "is not a list", fix: `list 1 to ${MAX_SCALE_SETS} scale sets, each a mapping with its own scaleSetName` }], "ARC fleet configuration");
  }
  if ("scaleSetName" in top) issues.push({ path: "scaleSetName", message: "is set at the top level together with scaleSets", fix: "give each entry of scaleSets its own scaleSetName and remove the top-level one" });
  const resolved: ResolvedArcScaleSet[] = [];
  const topSeen = new Set<string>();
  scaleSets.forEach((entry: unknown, i) => {
    const at = `scaleSets[${i}]`;
    if (!isRecord(entry)) {
      issues.push({ path: at, message: "is not a mapping", fix: "write each scale set as a mapping with at least scaleSetName" });
      return;
    }
    for (const k of ARC_CLUSTER_KEYS) {
      if (k in entry) issues.push({ path: `${at}.${k}`, message: "is a setting of the cluster and the controller, shared by every scale set", fix: `set ${k} once at the top level and remove it from ${at}` });
    }
    if (typeof entry["scaleSetName"] !== "string") issues.push({ path: `${at}.scaleSetName`, message: "is missing", fix: `name the scale set, e.g. scaleSetName: ${ARC_DEFAULTS.scaleSetName}-${i + 1}` });
    // Keys as written and as issue paths spell them (invisible characters made visible).
    const own = new Set(Object.keys(entry).flatMap((k) => [k, visible(k)]));
    const merged: Record<string, unknown> = { ...top, ...Object.fromEntries(Object.entries(entry).filter(([k]) => !(ARC_CLUSTER_KEYS as readonly string[]).includes(k))) };
    try {
      resolved.push(resolveArcScaleSet(merged));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const issue of e.issues) {
        // The first segment of the path: a key of this entry (a misspelled one included) is reported under it.
        const key = /^[^.[]+/.exec(issue.path)?.[0] ?? "";
        if (own.has(key) || key === "containerMode" || key === "trust") issues.push({ ...issue, path: `${at}.${issue.path}` });
        else if (!topSeen.has(`${issue.path}\n${issue.message}`)) {
          topSeen.add(`${issue.path}\n${issue.message}`);
          issues.push(issue);
        }
      }
    }
  });
  issues.push(...fleetIssues(resolved, scaleSets));
  if (issues.length > 0) throw new ConfigError(issues, "ARC fleet configuration");
  return { controller: arcControllerFor(resolved), scaleSets: resolved };
}

/** Index of each resolved set in `scaleSets` (entries that failed are skipped). */
function entryIndex(entries: readonly unknown[], name: string): number {
  return entries.findIndex((e) => isRecord(e) && e["scaleSetName"] === name);
}

/**
 * Checks across scale sets: names unique (workflows target them by name), and no untrusted scale set
 * in a namespace whose Pod Security level another set loosens to privileged.
 */
function fleetIssues(sets: readonly ResolvedArcScaleSet[], entries: readonly unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!isRecord(e) || typeof e["scaleSetName"] !== "string") return;
    const first = seen.get(e["scaleSetName"]);
    if (first !== undefined) issues.push({ path: `scaleSets[${i}].scaleSetName`, message: `repeats scaleSets[${first}].scaleSetName ("${e["scaleSetName"]}")`, fix: "give each scale set its own scaleSetName: runs-on and the scale set's Kubernetes objects are named after it" });
    else seen.set(e["scaleSetName"], i);
  });
  for (const s of sets) {
    if (podSecurityNeeded(s) !== "privileged") continue;
    const exposed = sets.find((o) => o !== s && o.runnerNamespace === s.runnerNamespace && o.trust === "untrusted");
    if (exposed === undefined) continue;
    const i = entryIndex(entries, s.scaleSetName);
    issues.push({
      path: `scaleSets[${i}].runnerNamespace`,
      message: `"${s.runnerNamespace}" also holds the untrusted scale set ${exposed.scaleSetName}, and this scale set's privileged pods would loosen the namespace's Pod Security to privileged for it too`,
      fix: `give scaleSets[${i}] its own runnerNamespace (e.g. "${s.runnerNamespace}-${s.trust}")`,
    });
  }
  if (sets.some((s) => s.runnerNamespace === s.controllerNamespace)) {
    const s = sets.find((x) => x.runnerNamespace === x.controllerNamespace)!;
    issues.push({ path: `scaleSets[${entryIndex(entries, s.scaleSetName)}].runnerNamespace`, message: `is the controller namespace "${s.controllerNamespace}"`, fix: "run runners in a namespace of their own, apart from the controller and listeners" });
  }
  return issues;
}
