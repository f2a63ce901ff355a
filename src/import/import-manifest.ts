/**
 * `import`: the gh-runner stack settings that reproduce a manifest's runner Deployments and the
 * ConfigMaps they use. Every runner is checked by the model and rendered back, and the rendering is
 * compared with the manifest field by field (as `diff` does): what the settings cannot reproduce
 * is a gap, listed by object and field path, never dropped in silence. Secrets and claims are only
 * referenced by name; a Secret's values are never read.
 */
import { compareObjects, withoutServerFields } from "../audit/diff/compare-objects.ts";
import { inDefaultNamespace, type KubeObject } from "../audit/diff/kube-object.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { InputError } from "../audit/input-error.ts";
import { isRecord } from "../model/refine.ts";
import { resolveGhRunnerFleet, type ResolvedGhRunnerFleet } from "../model/gh-runner.ts";
import { GH_RUNNER_SUFFIX } from "../model/defaults.ts";
import { renderGhRunnerFleet } from "../render/kubernetes/gh-runner.ts";
import { type ImportGap, isRunnerDeployment, runnerFromDeployment } from "./runner-from-deployment.ts";

export type { ImportGap } from "./runner-from-deployment.ts";

export interface ImportResult {
  /** The fleet's settings (the gh-runner stack's keys, without the project prefix). */
  readonly settings: Record<string, unknown>;
  readonly gaps: readonly ImportGap[];
  /** What was left alone and why (other objects, Secrets referenced by name). */
  readonly notes: readonly string[];
  /** Whether the settings passed the model's checks; settings that did not are never written. */
  readonly checked: boolean;
}

/** The default-deny policy of the gh-runner stack's fence: a manifest that holds it is fenced already. */
const FENCE_POLICY = `${GH_RUNNER_SUFFIX.replace(/^-/, "")}-default-deny-all`;

const ref = (o: KubeObject) => `${o.kind} ${o.metadata.namespace === undefined ? "" : `${o.metadata.namespace}/`}${o.metadata.name}`;

/** A runner name for Deployment `name`: its name without `-gh-runner`, short enough for the model, unique. */
function runnerName(name: string, taken: Set<string>): string {
  const base = name.replace(/-gh-runner$/, "").slice(0, 53).replace(/[^a-z0-9]+$/, "") || "runner";
  let n = base;
  for (let i = 2; taken.has(n); i++) n = `${base.slice(0, 50)}-${i}`;
  taken.add(n);
  return n;
}

/** The settings that reproduce `objects`' runner Deployments; `namespace` for objects that name none. */
export function importManifest(objects: readonly KubeObject[], opts: { namespace?: string } = {}): ImportResult {
  const stripped = objects.map(withoutServerFields).map((o) => inDefaultNamespace(o, opts.namespace));
  for (const o of stripped) {
    const containers = (o as { spec?: { template?: { spec?: { containers?: unknown } } } }).spec?.template?.spec?.containers;
    if (o.kind === "Deployment" && !(Array.isArray(containers) && containers.every(isRecord))) throw new InputError(`${ref(o)}: spec.template.spec.containers is not a list of containers`, "write each container as a mapping under containers: - { name, image, ... }");
  }
  const runners = stripped.filter((o) => o.kind === "Deployment" && o.apiVersion === "apps/v1" && isRunnerDeployment(o));
  if (runners.length === 0) throw new InputError("the manifest holds no runner Deployment (an apps/v1 Deployment with a container whose image, name or variables say runner)", "pass the manifest of your runner Deployments, e.g. kubectl get deploy,cm -n <namespace> -o yaml");
  const namespaces = [...new Set(runners.map((d) => d.metadata.namespace ?? opts.namespace))];
  if (namespaces.includes(undefined)) throw new InputError("a runner Deployment names no namespace", "pass --namespace <namespace>, the namespace the manifest is applied in (kubectl apply -n)");
  if (namespaces.length > 1) throw new InputError(`the runner Deployments are in ${namespaces.length} namespaces (${namespaces.join(", ")}); one stack manages one namespace`, "import each namespace's Deployments separately");
  const namespace = namespaces[0]!;
  const gaps: ImportGap[] = [];
  const notes: string[] = [];
  const taken = new Set<string>();
  const cmNames = new Set<string>();
  const runnerSettings = runners.map((d) => {
    const imported = runnerFromDeployment(d as unknown as Record<string, unknown>, runnerName(d.metadata.name, taken), (path, reason) => gaps.push({ object: ref(d), path, reason }));
    for (const c of imported.configMaps) cmNames.add(c);
    return imported.runner;
  });
  const inNamespace = (o: KubeObject) => (o.metadata.namespace ?? namespace) === namespace;
  const configMaps = stripped.filter((o) => o.kind === "ConfigMap" && inNamespace(o) && cmNames.has(o.metadata.name)).map((o) => {
    const { data, binaryData, immutable, metadata } = o as KubeObject & { data?: unknown; binaryData?: unknown; immutable?: unknown };
    if (binaryData !== undefined) gaps.push({ object: ref(o), path: "binaryData", reason: "binary files are not a ConfigMap setting runner-fleet renders" });
    if (immutable !== undefined) gaps.push({ object: ref(o), path: "immutable", reason: "is not a ConfigMap setting runner-fleet renders" });
    return { name: metadata.name, data: isRecord(data) ? data : {}, ...(metadata.labels === undefined ? {} : { labels: metadata.labels }), ...(metadata.annotations === undefined ? {} : { annotations: metadata.annotations }) };
  });
  for (const o of stripped) {
    if (runners.includes(o) || configMaps.some((c) => o.kind === "ConfigMap" && c.name === o.metadata.name && inNamespace(o))) continue;
    // A Secret contributes its name and its keys only; its values are never read.
    const { data, stringData } = o as KubeObject & { data?: unknown; stringData?: unknown };
    const keys = [data, stringData].flatMap((d) => (isRecord(d) ? Object.keys(d) : []));
    notes.push(o.kind === "Secret" ? `${ref(o)}: referenced by name, never copied (keys: ${keys.join(", ") || "none"})` : o.kind === "PersistentVolumeClaim" ? `${ref(o)}: referenced by claimName, never copied` : `${ref(o)}: not a runner Deployment or a ConfigMap it uses; left alone`);
  }
  // The stack fences its runner pods by default; runners that run unfenced are imported as they run
  // (`networkPolicies: false`), so that adopting them changes nothing. Removing it adds the fence.
  const fenced = stripped.some((o) => o.kind === "NetworkPolicy" && inNamespace(o) && o.metadata.name === FENCE_POLICY);
  const settings: Record<string, unknown> = { namespace, ...(fenced ? {} : { networkPolicies: false }), runners: runnerSettings, ...(configMaps.length > 0 ? { configMaps } : {}) };
  // Manifest fields whose setting was already reported (`runners[0].env[1].value` is the field of that variable).
  const covered: string[] = [];
  const resolved = resolveReporting(settings, runners, gaps, covered);
  if (resolved !== undefined) compareRendered(resolved, stripped, gaps, covered);
  return { settings, gaps, notes, checked: resolved !== undefined };
}

/** Resolves the settings; a runner that does not meet the hardened defaults is written as is (relax.securityAsWritten), and what the model refuses becomes a gap and is left out. */
function resolveReporting(settings: Record<string, unknown>, deployments: readonly KubeObject[], gaps: ImportGap[], covered: string[]): ResolvedGhRunnerFleet | undefined {
  const runners = settings["runners"] as Record<string, unknown>[];
  const removed = new Set<string>();
  for (let attempt = 0; attempt < 50; attempt++) {
    let issues: readonly ConfigIssue[];
    try {
      const fleet = resolveGhRunnerFleet(settings);
      // A hardened rendering that differs from the manifest's security settings: write them as they are.
      const desired = renderGhRunnerFleet(fleet).deployments;
      const loose = runners.findIndex((r, i) => !asWritten(r) && securityDiffers(desired[i] as unknown as KubeObject, deployments[i]!));
      if (loose < 0) return fleet;
      setAsWritten(runners[loose]!);
      continue;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues = e.issues;
    }
    const security = issues.find((i) => /^runners\[\d+\]\.(securityContext|containerSecurityContext|automountServiceAccountToken|sidecars\[\d+\]\.securityContext|initContainers\[\d+\]\.securityContext)/.test(i.path) && /weakens/.test(i.message));
    const r = security === undefined ? undefined : runners[Number(/^runners\[(\d+)\]/.exec(security.path)![1])];
    if (r !== undefined && !asWritten(r)) {
      setAsWritten(r);
      continue;
    }
    // A required setting left out for an earlier problem: that problem was reported; nothing renders.
    if (issues.some((i) => removed.has(i.path))) return undefined;
    for (const i of issues) {
      gaps.push(gapOf(i, settings, deployments));
      const field = manifestPath(i.path, settings);
      if (field !== undefined) covered.push(field);
    }
    for (const i of issues) removed.add(i.path);
    // The last list items first, so that removing one does not shift the next.
    const order = [...issues].sort((a, b) => b.path.localeCompare(a.path, "en", { numeric: true }));
    if (!order.every((i) => leaveOut(settings, i.path))) return undefined;
  }
  return undefined;
}

const asWritten = (r: Record<string, unknown>) => isRecord(r["relax"]) && r["relax"]["securityAsWritten"] === true;
const setAsWritten = (r: Record<string, unknown>) => void (r["relax"] = { ...(isRecord(r["relax"]) ? r["relax"] : {}), securityAsWritten: true });

function securityDiffers(desired: KubeObject, actual: KubeObject): boolean {
  return compareObjects(desired, actual).fields.some((f) => /securityContext|automountServiceAccountToken/.test(f.path));
}

/**
 * The manifest field of a setting below a runner's container (`runners[0].env[1].value`), as
 * `<object> <path>`, so that the rendering's comparison does not report it a second time.
 */
function manifestPath(path: string, settings: Record<string, unknown>): string | undefined {
  const m = /^runners\[(\d+)\]\.(?:(sidecars|initContainers)\[(\d+)\]\.)?(env\[(\d+)\]|image)/.exec(path);
  if (m === null) return undefined;
  const runner = (settings["runners"] as Record<string, unknown>[])[Number(m[1])];
  if (runner === undefined) return undefined;
  const container = m[2] === undefined ? runner : (runner[m[2]] as Record<string, unknown>[] | undefined)?.[Number(m[3])];
  if (container === undefined) return undefined;
  const name = String(m[2] === undefined ? runner["containerName"] : container["name"]);
  const list = m[2] === "initContainers" ? "initContainers" : "containers";
  const where = `spec.template.spec.${list}[name=${name}]`;
  const field = m[5] === undefined ? `${where}.image` : `${where}.env[name=${String((container["env"] as { name?: string }[] | undefined)?.[Number(m[5])]?.name)}]`;
  const deploymentName = String(runner["deploymentName"]);
  return `Deployment ${String(settings["namespace"])}/${deploymentName} ${field}`;
}

/** The gap of a setting the model refused, on the object it came from. */
function gapOf(i: ConfigIssue, settings: Record<string, unknown>, deployments: readonly KubeObject[]): ImportGap {
  const m = /^(runners|configMaps)\[(\d+)\]\.?(.*)$/.exec(i.path);
  const index = Number(m?.[2] ?? -1);
  const object = m?.[1] === "runners" && deployments[index] !== undefined ? ref(deployments[index]) : m?.[1] === "configMaps" ? `ConfigMap ${String((settings["configMaps"] as { name: string }[])[index]?.name)}` : "settings";
  return { object, path: `setting ${i.path}`, reason: `${i.message}. Fix: ${i.fix}` };
}

/** Removes the list item (below the runner or ConfigMap) or the key at `path`; false when nothing could be removed. */
function leaveOut(settings: Record<string, unknown>, path: string): boolean {
  const parts = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
  if (parts.length < 3) return false;
  // The deepest list item below the runner's own key, else the leaf.
  let cut = parts.length - 1;
  for (let k = 2; k < parts.length; k++) if (typeof parts[k] === "number") { cut = k; break; }
  let node: unknown = settings;
  for (const p of parts.slice(0, cut)) node = (node as Record<string | number, unknown> | undefined)?.[p];
  const last = parts[cut]!;
  if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
  else if (isRecord(node) && typeof last === "string" && last in node) delete node[last];
  else return false;
  return true;
}

/** Every field the rendering does not reproduce, as a gap on its object. */
function compareRendered(fleet: ResolvedGhRunnerFleet, originals: readonly KubeObject[], gaps: ImportGap[], covered: readonly string[]): void {
  const rendered = renderGhRunnerFleet(fleet);
  for (const obj of [...rendered.deployments, ...rendered.configMaps] as unknown as KubeObject[]) {
    const original = originals.find((o) => o.kind === obj.kind && o.metadata.name === obj.metadata.name && (o.metadata.namespace ?? fleet.namespace) === fleet.namespace);
    if (original === undefined) continue;
    const actual = inDefaultNamespace(original, fleet.namespace);
    const object = ref(actual);
    for (const f of compareObjects(obj, actual).fields) {
      const here = `${object} ${f.path}`;
      if (covered.some((c) => here === c || here.startsWith(`${c}.`))) continue;
      gaps.push({ object, path: f.path, reason: f.change === "only-desired" ? "the settings would add it" : f.change === "only-actual" ? "the settings cannot express it" : "the settings render another value" });
    }
  }
}
