/**
 * One runner Deployment of a manifest as a gh-runner runner description: every field the runner
 * model renders as written is copied under its setting, anything else is a gap (reported by field
 * path with the reason, never silently dropped). The input has already lost what only the server
 * writes (`withoutServerFields`). Secrets and claims stay references: only their names are copied.
 */
import { imageTag } from "../audit/diff/server-defaults.ts";
import { isRecord } from "../model/refine.ts";

/** A field of the manifest that the stack settings cannot express. */
export interface ImportGap {
  /** `Deployment ci/runner`. */
  readonly object: string;
  /** The field's path in the object, as `diff` writes paths. */
  readonly path: string;
  readonly reason: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Whether a container looks like a CI runner (image or name, or the variables runner images read). */
export function isRunnerContainer(c: unknown): boolean {
  const x = obj(c);
  if (/runner/i.test(String(x["image"] ?? "")) || /runner/i.test(String(x["name"] ?? ""))) return true;
  return list(x["env"]).some((e) => /^(RUNNER_|ACTIONS_RUNNER_|GITHUB_(?:URL|REPO|OWNER|TOKEN)|REPO_URL|ORG_NAME|ACCESS_TOKEN$)/.test(String(obj(e)["name"] ?? "")));
}

/** Whether a Deployment runs a CI runner. */
export function isRunnerDeployment(d: unknown): boolean {
  return list(obj(obj(obj(obj(d)["spec"])["template"])["spec"])["containers"]).some(isRunnerContainer);
}

const POD_KEYS = ["serviceAccountName", "priorityClassName", "runtimeClassName", "dnsPolicy", "terminationGracePeriodSeconds", "restartPolicy", "nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "nodeName", "automountServiceAccountToken"] as const;
const PROBE_KEYS = ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] as const;
const CONTAINER_KEYS = ["name", "image", "imagePullPolicy", "command", "args", "workingDir", "env", "envFrom", "ports", "resources", "volumeMounts", "securityContext", ...PROBE_KEYS] as const;
const VOLUME_KINDS = ["emptyDir", "configMap", "secret", "persistentVolumeClaim", "projected", "hostPath"];

/** `{ name, valueFrom: { secretKeyRef } }` as the runner model writes it: `{ name, secretKeyRef }`. */
function envEntry(e: unknown): Obj {
  const { valueFrom, ...rest } = obj(e);
  return { ...rest, ...obj(valueFrom) };
}

/** A container's fields under the keys the model uses (`env` flattened); other fields are gaps. */
function container(c: Obj, at: string, gap: (path: string, reason: string) => void, init: boolean): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === "env") out[k] = list(v).map(envEntry);
    else if ((CONTAINER_KEYS as readonly string[]).includes(k) || (init && k === "restartPolicy")) out[k] = v;
    else gap(`${at}.${k}`, "is not a container setting runner-fleet renders");
  }
  return out;
}

export interface ImportedRunner {
  readonly runner: Obj;
  /** ConfigMaps the pod mounts or reads, by name. */
  readonly configMaps: readonly string[];
}

/**
 * The runner description of Deployment `d` (already without server fields); `name` is the
 * runner's name in the settings. Gaps go to `gap`.
 */
export function runnerFromDeployment(d: Obj, name: string, gap: (path: string, reason: string) => void): ImportedRunner {
  const meta = obj(d["metadata"]);
  const spec = obj(d["spec"]);
  const template = obj(spec["template"]);
  const pod = obj(template["spec"]);
  const r: Obj = { name, deploymentName: meta["name"], registration: "image", writablePaths: [] };
  for (const k of Object.keys(meta)) if (!["name", "namespace", "labels", "annotations"].includes(k)) gap(`metadata.${k}`, "is not a Deployment setting runner-fleet renders");
  r["metadata"] = { labels: obj(meta["labels"]), ...(meta["annotations"] === undefined ? {} : { annotations: meta["annotations"] }) };
  for (const [k, v] of Object.entries(spec)) {
    if (k === "replicas") r["replicas"] = v;
    else if (k === "selector") {
      const sel = obj(v);
      if (sel["matchExpressions"] !== undefined) gap("spec.selector.matchExpressions", "runner-fleet selects pods by matchLabels only");
      r["selector"] = obj(sel["matchLabels"]);
    } else if (k === "strategy") {
      const s = obj(v);
      const rolling = obj(s["rollingUpdate"]);
      if (s["type"] === "Recreate") r["strategy"] = { type: "Recreate" };
      else if (Object.keys(rolling).length > 0) r["strategy"] = { type: "RollingUpdate", rollingUpdate: rolling };
    } else if (k !== "template") gap(`spec.${k}`, "is not a Deployment setting runner-fleet renders");
  }
  const tmeta = obj(template["metadata"]);
  r["podMetadata"] = { labels: obj(tmeta["labels"]), ...(tmeta["annotations"] === undefined ? {} : { annotations: tmeta["annotations"] }) };
  for (const k of Object.keys(tmeta)) if (!["labels", "annotations"].includes(k)) gap(`spec.template.metadata.${k}`, "is not a pod template setting runner-fleet renders");

  const containers = list(pod["containers"]).map(obj);
  // The runner is the container whose image says so, else the first that looks like one.
  const byImage = containers.findIndex((c) => /runner/i.test(String(c["image"] ?? "")));
  const runnerIndex = byImage >= 0 ? byImage : Math.max(0, containers.findIndex(isRunnerContainer));
  const initContainers = list(pod["initContainers"]).map(obj);
  const relax: Obj = {};
  const everyContainer = [...containers, ...initContainers];
  if (everyContainer.some((c) => obj(c["securityContext"])["privileged"] === true)) relax["privileged"] = true;
  if (everyContainer.some((c) => imageTag(String(c["image"] ?? "")) === "latest")) relax["unpinnedImages"] = true;
  containers.forEach((c, i) => {
    const written = container(c, `spec.template.spec.containers[name=${String(c["name"])}]`, gap, false);
    if (i !== runnerIndex) {
      r["sidecars"] = [...list(r["sidecars"]), written];
      return;
    }
    const { name: cname, securityContext, volumeMounts, imagePullPolicy, ...rest } = written;
    Object.assign(r, rest, { containerName: cname });
    // The model always writes the runner's pull policy: the one the server would have picked.
    r["imagePullPolicy"] = imagePullPolicy ?? (imageTag(String(c["image"] ?? "")) === "latest" ? "Always" : "IfNotPresent");
    if (securityContext !== undefined) r["containerSecurityContext"] = securityContext;
    if (volumeMounts !== undefined) r["extraVolumeMounts"] = volumeMounts;
  });
  if (initContainers.length > 0) r["initContainers"] = initContainers.map((c) => container(c, `spec.template.spec.initContainers[name=${String(c["name"])}]`, gap, true));
  const configMaps = new Set<string>();
  for (const [k, v] of Object.entries(pod)) {
    if (k === "containers" || k === "initContainers") continue;
    if (k === "securityContext") r["securityContext"] = v;
    else if (k === "imagePullSecrets") r["imagePullSecrets"] = list(v).map((s) => obj(s)["name"]);
    else if (k === "serviceAccount" && v === pod["serviceAccountName"]) continue;
    else if (k === "volumes") {
      r["extraVolumes"] = list(v).map((vol) => {
        const x = obj(vol);
        const kind = Object.keys(x).find((key) => key !== "name");
        if (kind === undefined || !VOLUME_KINDS.includes(kind)) gap(`spec.template.spec.volumes[name=${String(x["name"])}]`, `is a ${kind ?? "sourceless"} volume; runner-fleet renders emptyDir, configMap, secret, persistentVolumeClaim, projected and hostPath volumes`);
        if (kind === "hostPath") relax["hostPath"] = true;
        if (kind === "configMap") configMaps.add(String(obj(x["configMap"])["name"]));
        for (const s of list(obj(x["projected"])["sources"])) if (obj(s)["configMap"] !== undefined) configMaps.add(String(obj(obj(s)["configMap"])["name"]));
        return x;
      });
    } else if ((POD_KEYS as readonly string[]).includes(k)) r[k] = v;
    else gap(`spec.template.spec.${k}`, "is not a pod setting runner-fleet renders");
  }
  for (const c of everyContainer) {
    for (const e of list(c["env"])) { const ref = obj(obj(obj(e)["valueFrom"])["configMapKeyRef"])["name"]; if (typeof ref === "string") configMaps.add(ref); }
    for (const e of list(c["envFrom"])) { const ref = obj(obj(e)["configMapRef"])["name"]; if (typeof ref === "string") configMaps.add(ref); }
  }
  if (Object.keys(relax).length > 0) r["relax"] = relax;
  return { runner: r, configMaps: [...configMaps] };
}
