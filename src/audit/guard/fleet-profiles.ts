/**
 * Runner profiles computed from a rendered stack's resources, so the guard checks workflows
 * against what is deployed rather than against a hand-written list:
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
import { inputExcerpt, profileSetIssues, type RunnerProfile } from "../../model/profiles.ts";
import { isRecord } from "./workflow.ts";

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
/** Labels the runner adds itself unless registered with `--no-default-labels`. */
const IMPLICIT = ["self-hosted", "linux"];

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function dedupe(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  return labels.filter((l) => {
    const k = l.toLowerCase();
    if (l === "" || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

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
      labels: dedupe(noDefaults ? extra : [...IMPLICIT, arch, ...extra]),
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
    labels: dedupe([name, ...labels]),
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

/**
 * The profiles of several rendered stacks together, checked as one fleet (unique names, no
 * label set shared between trusted and untrusted runners).
 */
export function profilesFromStacks(stacks: readonly { source: string; resources: readonly RenderedResourceLike[] }[]): FleetProfiles {
  const profiles: RunnerProfile[] = [];
  const issues: ConfigIssue[] = [];
  for (const s of stacks) {
    const r = profilesFromResources(s.resources, s.source);
    for (const p of r.profiles) profiles.push(p);
    for (const i of r.issues) issues.push(i);
  }
  for (const i of profileSetIssues(profiles, (i) => `profile "${inputExcerpt(profiles[i]?.name ?? String(i), 80)}" (${inputExcerpt(profiles[i]?.description ?? "", 200)})`)) issues.push(i);
  return { profiles, issues };
}
