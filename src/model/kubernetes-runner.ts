/**
 * The Kubernetes Deployment substrate, whatever the forge: the runner pod's schema (image,
 * replicas, environment, claims, config files, scratch paths, resources, scheduling, identity,
 * named relaxations), its validation (every problem at once, with key paths and fixes) and its
 * resolved form. Each forge adds its registration fields and checks (`gh-runner.ts`,
 * `forgejo-k8s.ts`); `kubernetes-fleet.ts` joins them.
 */
import { z } from "./zod.ts";
import { KUBERNETES_RUNNER_DEFAULTS } from "./defaults.ts";
import type { ConfigIssue } from "./issues.ts";
import { strictObject } from "./zod-issues.ts";
import { absolutePath, dnsLabel, objectName, relativePath } from "./refine.ts";
import { labelMapIssues, resourceIssues, tolerationIssues } from "./kubernetes-rules.ts";
import { objectMetadataShape, type PodOptions, podOptionsShape, resolveObjectMetadata, type ResolvedObjectMetadata, setKeysOf } from "./kubernetes-pod-options.ts";
import { envVarSchema, type ResolvedEnvVar } from "./kubernetes-env.ts";
import { type ExtraVolume, type ExtraVolumeMount, extraVolumesShape } from "./kubernetes-volumes.ts";
import { type ContainerOptions, containerOptionsShape } from "./kubernetes-container-options.ts";
import { containerResourcesSchema, containersShape, type ContainerPort, type InitContainer, runnerContainerShape, type SidecarContainer } from "./kubernetes-containers.ts";
import { containerIssues } from "./kubernetes-container-checks.ts";
import { type ContainerSecurityInput, containerSecurityContextSchema, podSecurityContextSchema, type PodSecurityInput, type Relaxations, runnerSecurityIssues } from "./kubernetes-security.ts";
import { type SchedulingOptions, schedulingShape } from "./kubernetes-scheduling.ts";
import { nestedMountIssues, type ResolvedSecretFiles, resolveSecretFiles, secretFilesShape, unreadableSecretFileIssues } from "./kubernetes-secret-files.ts";

export { absolutePath } from "./refine.ts";

export { containerResourcesSchema } from "./kubernetes-containers.ts";
export { relaxationShape } from "./kubernetes-security.ts";

const claimMount = strictObject({
  claimName: dnsLabel("the name of an existing PersistentVolumeClaim", 253),
  mountPath: absolutePath,
  name: dnsLabel("a volume name").optional(),
  readOnly: z.boolean().optional(),
  subPath: relativePath.optional(),
});

const configFileMount = strictObject({
  configMap: dnsLabel("the name of a config payload, e.g. codex-config"),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a ConfigMap data key (1-253 letters, digits, -, _ and .)" }),
  mountPath: absolutePath,
  /** The pod volume's name. @default the payload's name */
  volumeName: dnsLabel("a volume name").optional(),
  /** @default true */
  readOnly: z.boolean().optional(),
});
/** Files of the fleet's config payloads, mounted read-only (for forges whose fleets have payloads). */
export const configFileList = z.array(configFileMount).max(50, { error: "lists more than 50 config files" });

const toleration = strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().min(0).max(31_536_000, { error: "must be at most 31536000 seconds (a year)" }).optional(),
});

/** Pods one Deployment of runners may ask for; more belongs in a scale set that scales on demand. */
export const MAX_REPLICAS = 1000;

export const replicasSchema = z.number({ error: "must be a number" }).superRefine((v, ctx) => {
  if (!Number.isInteger(v) || v < 0 || v > MAX_REPLICAS) {
    ctx.addIssue({ code: "custom", message: `${v} is not a whole number from 0 to ${MAX_REPLICAS}`, params: { fix: `set replicas to 0 (stopped) up to ${MAX_REPLICAS}; for GitHub runners on demand, use an ARC scale set` } });
  }
});

/** A runner's name, short enough that `<name><suffix>` is a DNS-1123 label. */
export const runnerNameSchema = (suffix: string) => {
  const max = 63 - suffix.length;
  return dnsLabel(`at most ${max} characters so that "<name>${suffix}" fits`, max);
};

/** A container image; pinning (a tag or digest, not `latest`) is checked with the runner's relaxations. */
export const imageReference = z.string({ error: "must be a string (an image reference)" }).min(1, { error: "must name an image" });

/** The pod part of a runner description, after the forge's registration keys (see each forge's runner schema). */
export const runnerPodShape = (derivedEnv: Readonly<Record<string, string>>) => ({
  /** The Deployment's name as written (unset: `<name><suffix>`). */
  deploymentName: objectName("a Deployment name").refine((v) => v.length <= 63, { error: "is longer than 63 characters, and it is also the value of the pods' app label (at most 63)" }).optional(),
  ...objectMetadataShape,
  ...runnerContainerShape,
  ...containersShape,
  ...schedulingShape,
  ...podOptionsShape,
  ...containerOptionsShape,
  ...extraVolumesShape,
  ...secretFilesShape,
  env: z.array(envVarSchema(derivedEnv)).max(200, { error: "lists more than 200 variables" }).optional(),
  volumes: z.array(claimMount).max(50, { error: "lists more than 50 volumes" }).optional(),
  /** Extra writable paths (emptyDir). @default ["/tmp"] */
  writablePaths: z.array(absolutePath).max(50, { error: "lists more than 50 paths" }).optional(),
  resources: containerResourcesSchema.optional(),
  tolerations: z.array(toleration).max(50, { error: "lists more than 50 tolerations" }).optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  /** @default "IfNotPresent" */
  imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).optional(),
  /** The pod's security context, field by field, over the hardened defaults. */
  securityContext: podSecurityContextSchema.optional(),
  /** The runner container's security context, field by field, over the hardened defaults. */
  containerSecurityContext: containerSecurityContextSchema.optional(),
  /** Mount the ServiceAccount's API token (only with relax.securityAsWritten; unset: never mounted, or as the ServiceAccount says when written as is). */
  automountServiceAccountToken: z.boolean().optional(),
});

type RunnerPodFields = z.output<ReturnType<typeof strictObject<ReturnType<typeof runnerPodShape>>>>;

/** What the shared resolution reads of a parsed runner (each forge's schema has these keys). */
export interface ParsedRunnerPod extends RunnerPodFields {
  readonly name: string;
  readonly image: string;
  readonly replicas?: number | undefined;
  readonly configFiles?: readonly { configMap: string; key: string; mountPath: string; volumeName?: string | undefined; readOnly?: boolean | undefined }[] | undefined;
  readonly relax?: Relaxations | undefined;
}

export type { ResolvedEnvVar } from "./kubernetes-env.ts";
export interface ResolvedClaimMount {
  readonly volumeName: string;
  readonly claimName: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly subPath?: string;
}
export interface ResolvedConfigFile {
  readonly volumeName: string;
  /** Name of the ConfigMap object (`<payload><suffix>`). */
  readonly configMapName: string;
  readonly key: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}
export interface ResolvedScratch {
  readonly volumeName: string;
  readonly mountPath: string;
}
export interface ResolvedRelaxations {
  readonly writableRootFilesystem: boolean;
  readonly allowPrivilegeEscalation: boolean;
  readonly addCapabilities: readonly string[];
  readonly unconfinedSeccomp: boolean;
  readonly securityAsWritten: boolean;
  readonly privileged: boolean;
  readonly hostPath: boolean;
  readonly unpinnedImages: boolean;
}
/** A config payload: files a fleet renders into one ConfigMap that runners mount. */
export interface ResolvedConfigPayload {
  /** Payload name as runners reference it, e.g. `codex-config`. */
  readonly name: string;
  /** ConfigMap name, `<name><suffix>`. */
  readonly objectName: string;
  readonly files: Readonly<Record<string, string>>;
  /** The ConfigMap's labels and annotations. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The pod of one runner Deployment, whatever its forge. */
export interface ResolvedRunnerPod {
  readonly name: string;
  /** `<name><suffix>`: the Deployment name (and by default its `app` label). */
  readonly objectName: string;
  /** Labels and annotations of the Deployment and its pods, and the selector. */
  readonly objectMeta: ResolvedObjectMetadata;
  readonly image: string;
  readonly replicas: number;
  readonly env: readonly ResolvedEnvVar[];
  readonly claims: readonly ResolvedClaimMount[];
  readonly configFiles: readonly ResolvedConfigFile[];
  /** emptyDir volumes: the writable paths, then the forge's own (work or data directory). */
  readonly scratch: readonly ResolvedScratch[];
  readonly resources?: { readonly requests?: Readonly<Record<string, string | number>>; readonly limits?: Readonly<Record<string, string | number>> };
  readonly tolerations: readonly Readonly<Record<string, string | number>>[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly imagePullPolicy: "IfNotPresent" | "Always" | "Never";
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly relax: ResolvedRelaxations;
  /** Settings rendered as written (strategy, service account, ...), only those set. */
  readonly options: PodOptions;
  /** The runner container's probes and lifecycle hooks, only those set. */
  readonly container: ContainerOptions;
  /** Extra pod volumes and the runner container's mounts of them, as written. */
  readonly extraVolumes: readonly ExtraVolume[];
  readonly extraVolumeMounts: readonly ExtraVolumeMount[];
  /** Keys of existing Secrets as read-only files of the runner container: one secret volume per Secret and directory. */
  readonly secretFiles: readonly ResolvedSecretFiles[];
  /** The runner container's name, ports and working directory. */
  readonly containerName: string;
  readonly ports?: readonly ContainerPort[];
  readonly workingDir?: string;
  /** Containers beside the runner and before it, as written. */
  readonly sidecars: readonly SidecarContainer[];
  readonly initContainers: readonly InitContainer[];
  /** Affinity, topology spread and node name, only those set. */
  readonly scheduling: SchedulingOptions;
  /** The security settings as written, laid over the hardened defaults unless relax.securityAsWritten. */
  readonly written: { readonly pod?: PodSecurityInput; readonly container?: ContainerSecurityInput; readonly automountServiceAccountToken?: boolean };
}

/** A writable directory the forge part needs (the work or data directory). */
export interface ForgeScratch {
  readonly volumeName: string;
  readonly mountPath: string;
  /**
   * Key path of the setting that chose the path, for messages; without one (a fixed directory) the
   * directory is claimed first, so a user's mount on the same path is the one reported.
   */
  readonly where?: string;
  /** What the directory is, in messages: "the runner's data directory". */
  readonly what: string;
}

/**
 * Resolves the pod part of one runner at key path `at`, pushing its problems to `issues`: resources,
 * scheduling, repeated variables, mount paths and volume names (including the forge's own scratch).
 */
export function resolveRunnerPod(r: ParsedRunnerPod, at: string, suffix: string, payloads: readonly ResolvedConfigPayload[], forgeScratch: readonly ForgeScratch[], issues: ConfigIssue[]): ResolvedRunnerPod {
  const d = KUBERNETES_RUNNER_DEFAULTS;
  issues.push(...resourceIssues(r.resources, `${at}.resources`), ...labelMapIssues(r.nodeSelector, `${at}.nodeSelector`));
  (r.tolerations ?? []).forEach((t, j) => issues.push(...tolerationIssues(t, `${at}.tolerations[${j}]`)));
  const envNames = new Map<string, number>();
  (r.env ?? []).forEach((e, j) => {
    const prev = envNames.get(e.name);
    if (prev !== undefined) issues.push({ path: `${at}.env[${j}].name`, message: `${e.name} is already set by env[${prev}]`, fix: "set each environment variable once" });
    else envNames.set(e.name, j);
  });
  const mounts: { path: string; where: string; what?: string }[] = [];
  const fixed = forgeScratch.filter((f) => f.where === undefined);
  for (const f of fixed) mounts.push({ path: f.mountPath, where: `${f.what} ${f.mountPath}` });
  const claims = (r.volumes ?? []).map((v, j): ResolvedClaimMount => {
    mounts.push({ path: v.mountPath, where: `${at}.volumes[${j}].mountPath` });
    return { volumeName: v.name ?? v.claimName, claimName: v.claimName, mountPath: v.mountPath, readOnly: v.readOnly ?? false, ...(v.subPath === undefined ? {} : { subPath: v.subPath }) };
  });
  const configFiles = (r.configFiles ?? []).map((f, j): ResolvedConfigFile => {
    mounts.push({ path: f.mountPath, where: `${at}.configFiles[${j}].mountPath` });
    issues.push(...configFileIssues(f, `${at}.configFiles[${j}]`, payloads));
    return { volumeName: f.volumeName ?? f.configMap, configMapName: payloads.find((p) => p.name === f.configMap)?.objectName ?? f.configMap + suffix, key: f.key, mountPath: f.mountPath, readOnly: f.readOnly ?? true };
  });
  const scratchPaths = r.writablePaths ?? [...d.writablePaths];
  const scratch: ResolvedScratch[] = [];
  const scratchWhere: string[] = [];
  scratchPaths.forEach((p, j) => {
    mounts.push({ path: p, where: r.writablePaths ? `${at}.writablePaths[${j}]` : `${at}.writablePaths (default ${p})` });
    scratch.push({ volumeName: scratchVolumeName(p), mountPath: p });
    scratchWhere.push(`${at}.writablePaths`);
  });
  for (const f of forgeScratch) {
    if (f.where !== undefined) mounts.push({ path: f.mountPath, where: f.where });
    scratch.push({ volumeName: f.volumeName, mountPath: f.mountPath });
    scratchWhere.push(f.where ?? `${f.what} ${f.mountPath}`);
  }
  (r.extraVolumeMounts ?? []).forEach((m, j) => mounts.push({ path: m.mountPath, where: `${at}.extraVolumeMounts[${j}].mountPath` }));
  const userVolumeNames = [...claims.map((c) => c.volumeName), ...configFiles.map((c) => c.volumeName), ...scratch.map((s) => s.volumeName), ...(r.extraVolumes ?? []).map((v) => v.name)];
  const secretFiles = resolveSecretFiles(r.secretFiles, at, userVolumeNames, issues);
  mounts.push(...secretFiles.mounts);
  const seenPaths = new Map<string, string>();
  const reported = new Set<string>();
  for (const m of mounts) {
    const norm = m.path.replace(/\/+$/, "") || "/";
    const prev = seenPaths.get(norm);
    if (prev !== undefined) reported.add(m.where);
    if (prev !== undefined) issues.push({ path: m.where, message: `${m.what ?? `mount path ${m.path}`} is already used by ${prev}`, fix: "give every volume, config file, secret file directory, writable path and the work directory its own path" });
    else seenPaths.set(norm, m.where);
  }
  const volumeNames = new Map<string, string>();
  const namedVolumes: [string, string][] = [
    ...claims.map((c, j): [string, string] => [c.volumeName, `${at}.volumes[${j}].name`]),
    ...[...new Map(configFiles.map((c, j) => [c.volumeName, j])).entries()].map(([n, j]): [string, string] => [n, `${at}.configFiles[${j}].volumeName`]),
    ...scratch.map((s, j): [string, string] => [s.volumeName, scratchWhere[j] ?? `${at}.writablePaths`]),
    ...(r.extraVolumes ?? []).map((v, j): [string, string] => [v.name, `${at}.extraVolumes[${j}].name`]),
  ];

  for (const [n, where] of namedVolumes) {
    const prev = volumeNames.get(n);
    // A volume on a path already reported as taken is one problem, not two.
    if (prev !== undefined && !reported.has(where) && ![...reported].some((r) => r.startsWith(`${where}[`))) issues.push({ path: where, message: `volume name "${n}" is already used by ${prev}`, fix: "give every volume of the pod its own name (a claim mount's name, a config file's volumeName, an extra volume's name)" });
    else volumeNames.set(n, where);
  }
  (r.extraVolumeMounts ?? []).forEach((m, j) => {
    if (!volumeNames.has(m.name)) issues.push({ path: `${at}.extraVolumeMounts[${j}].name`, message: `"${m.name}" is not a volume of the pod`, fix: `name one of: ${[...volumeNames.keys()].join(", ")}, or add it to extraVolumes` });
  });
  issues.push(...nestedMountIssues(secretFiles.mounts, mounts), ...unreadableSecretFileIssues(r, at));
  const rx = r.relax ?? {};
  const objName = r.deploymentName ?? r.name + suffix;
  issues.push(...runnerSecurityIssues(r, at));
  issues.push(...containerIssues(r, at, [...volumeNames.keys()], r.containerName ?? "runner"));
  (r.extraVolumes ?? []).forEach((v, j) => {
    if (v.hostPath !== undefined && rx.hostPath !== true) issues.push({ path: `${at}.extraVolumes[${j}].hostPath`, message: "mounts the node's filesystem into the runner pod", fix: "use another volume kind, or set relax.hostPath: true to accept that (audit reports the pod)" });
  });
  return {
    name: r.name,
    objectName: objName,
    objectMeta: resolveObjectMetadata(r, objName, suffix.replace(/^-/, ""), at, issues),
    image: r.image,
    replicas: r.replicas ?? d.replicas,
    env: (r.env ?? []).map((e): ResolvedEnvVar => structuredClone(e)),
    claims,
    configFiles,
    scratch,
    ...(r.resources === undefined ? {} : { resources: r.resources as ResolvedRunnerPod["resources"] & object }),
    tolerations: (r.tolerations ?? []) as ResolvedRunnerPod["tolerations"],
    nodeSelector: r.nodeSelector ?? {},
    imagePullPolicy: r.imagePullPolicy ?? d.imagePullPolicy,
    runAsUser: r.securityContext?.runAsUser ?? d.runAsUser,
    runAsGroup: r.securityContext?.runAsGroup ?? d.runAsGroup,
    fsGroup: r.securityContext?.fsGroup ?? d.fsGroup,
    relax: {
      writableRootFilesystem: rx.writableRootFilesystem ?? false,
      allowPrivilegeEscalation: rx.allowPrivilegeEscalation ?? false,
      addCapabilities: rx.addCapabilities ?? [],
      unconfinedSeccomp: rx.unconfinedSeccomp ?? false,
      securityAsWritten: rx.securityAsWritten ?? false,
      privileged: rx.privileged ?? false,
      hostPath: rx.hostPath ?? false,
      unpinnedImages: rx.unpinnedImages ?? false,
    },
    options: setKeysOf<PodOptions>(podOptionsShape, r),
    container: setKeysOf<ContainerOptions>(containerOptionsShape, r),
    extraVolumes: structuredClone(r.extraVolumes ?? []),
    extraVolumeMounts: structuredClone(r.extraVolumeMounts ?? []),
    secretFiles: secretFiles.volumes,
    containerName: r.containerName ?? "runner",
    ...(r.ports === undefined ? {} : { ports: structuredClone(r.ports) }),
    ...(r.workingDir === undefined ? {} : { workingDir: r.workingDir }),
    sidecars: structuredClone(r.sidecars ?? []),
    initContainers: structuredClone(r.initContainers ?? []),
    scheduling: setKeysOf<SchedulingOptions>(schedulingShape, r),
    written: {
      ...(r.securityContext === undefined ? {} : { pod: structuredClone(r.securityContext) }),
      ...(r.containerSecurityContext === undefined ? {} : { container: structuredClone(r.containerSecurityContext) }),
      ...(r.automountServiceAccountToken === undefined ? {} : { automountServiceAccountToken: r.automountServiceAccountToken }),
    },
  };
}

/** The problem of a config file mount whose payload or key is not configured. */
function configFileIssues(f: { configMap: string; key: string }, at: string, payloads: readonly ResolvedConfigPayload[]): ConfigIssue[] {
  const payload = payloads.find((p) => p.name === f.configMap);
  const codex = f.configMap === "codex-config";
  if (!payload) {
    return [{
      path: `${at}.configMap`,
      message: `refers to config payload "${f.configMap}", which is not configured${codex ? " (codexConfig is missing or disabled)" : ""}`,
      fix: codex ? "set codexConfig: { enabled: true, configToml: ... }, or remove this mount" : `use one of: ${payloads.map((p) => p.name).join(", ") || "(none configured)"}`,
    }];
  }
  if (!(f.key in payload.files)) return [{ path: `${at}.key`, message: `"${f.key}" is not a file of config payload "${f.configMap}"`, fix: `use one of: ${Object.keys(payload.files).join(", ")}` }];
  return [];
}

/** emptyDir volume name for a writable path: `/tmp` -> `tmp`, `/var/lib/x` -> `var-lib-x`. */
export function scratchVolumeName(path: string): string {
  const n = path.replace(/^\/+|\/+$/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return (n || "root").slice(0, 63);
}

export { deploymentNameIssues, fencedLabelIssues, missingNamespaceIssues, rawSecurityIssues, runnerLabelIssues, runnerListIssues } from "./kubernetes-runner-list.ts";
