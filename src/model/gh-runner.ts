/**
 * The GitHub runner model for the Kubernetes Deployment substrate: what a user writes (input),
 * how it is validated (every problem at once, with key paths and fixes), and the resolved form
 * with every default applied (see `defaults.ts`).
 */
import { z } from "zod";
import { GH_RUNNER_DEFAULTS, GH_RUNNER_SUFFIX } from "./defaults.ts";
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { zodIssues, strictObject } from "./zod-issues.ts";
import { tomlProblem } from "./toml.ts";
import { CREDENTIAL_VALUE } from "./credential-shape.ts";
import { githubBaseUrl, insecureGithubUrlIssues } from "./github-url.ts";
import { labelMapIssues, resourceIssues, tolerationIssues } from "./kubernetes-rules.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_RUNNER_NAME = 63 - GH_RUNNER_SUFFIX.length;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names that look like they carry a credential; a literal value for one is refused. */
const SECRET_LOOKING_ENV = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|PAT)(_|$)/i;
/** Values that are credentials whatever the variable is called: GitHub tokens, PEM private keys. */
/** Env names runner-fleet sets itself from the runner description. */
export const DERIVED_ENV: Readonly<Record<string, string>> = {
  ACTIONS_RUNNER_INPUT_URL: "githubRepo / githubUrl",
  ACTIONS_RUNNER_INPUT_NAME: "the pod name",
  ACTIONS_RUNNER_INPUT_LABELS: "labels",
  ACTIONS_RUNNER_INPUT_RUNNERGROUP: "runnerGroup",
  ACTIONS_RUNNER_INPUT_WORK: "workDir",
  ACTIONS_RUNNER_INPUT_EPHEMERAL: "ephemeral",
  ACTIONS_RUNNER_INPUT_REPLACE: "replace",
  ACTIONS_RUNNER_INPUT_DISABLEUPDATE: "disableUpdates",
};

const dnsLabel = (what: string, max = 63) =>
  z.string({ error: `must be a string (${what})` }).superRefine((v, ctx) => {
    if (!DNS1123_LABEL.test(v) || v.length > max) {
      ctx.addIssue({
        code: "custom",
        message: `"${v}" is not a DNS-1123 label of at most ${max} characters`,
        params: { fix: `use lower-case letters, digits and "-", starting and ending with a letter or digit (${what})` },
      });
    }
  });

const absolutePath = z.string().superRefine((v, ctx) => {
  if (!v.startsWith("/") || v.includes("\0") || v.split("/").includes("..")) {
    ctx.addIssue({
      code: "custom",
      message: `"${v}" is not an absolute path`,
      params: { fix: 'write the path from the container root, e.g. "/home/runner"' },
    });
  }
});

const label = z.string().superRefine((v, ctx) => {
  if (v === "" || v.length > 256 || /[\s,\p{Cc}]/u.test(v)) {
    ctx.addIssue({
      code: "custom",
      message: v === "" ? "is empty" : v.length > 256 ? "is longer than 256 characters" : /\p{Cc}/u.test(v) ? "contains a control character" : `"${v}" contains a comma or whitespace`,
      params: { fix: "give each label as its own list item, 1-256 characters, without commas or whitespace" },
    });
  }
});

const quantity = z.union([z.string(), z.number()]);
const resourceList = strictObject({ cpu: quantity.optional(), memory: quantity.optional(), "ephemeral-storage": quantity.optional() });

const secretKeyRef = strictObject({
  name: dnsLabel("the name of an existing Secret", 253),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a Secret data key (1-253 letters, digits, -, _ and .)" }),
  optional: z.boolean().optional(),
});

const envVar = strictObject({
  name: z.string().regex(ENV_NAME, { error: "must be an environment variable name (letters, digits, _; not starting with a digit)" }),
  value: z.string().max(32_768, { error: "is longer than 32768 characters" }).optional(),
  secretKeyRef: secretKeyRef.optional(),
}).superRefine((e, ctx) => {
  if ((e.value === undefined) === (e.secretKeyRef === undefined)) {
    ctx.addIssue({ code: "custom", message: "needs exactly one of value or secretKeyRef", params: { fix: "reference an existing Secret with secretKeyRef: { name, key }, or give a plain value" } });
  } else if (e.value !== undefined && (SECRET_LOOKING_ENV.test(e.name) || CREDENTIAL_VALUE.test(e.value))) {
    ctx.addIssue({
      code: "custom",
      path: ["value"],
      message: SECRET_LOOKING_ENV.test(e.name) ? `is a literal value for ${e.name}, which holds a credential` : "is a literal credential (it has the shape of a GitHub token or a private key)",
      params: { fix: `put the value in a Kubernetes Secret and reference it: secretKeyRef: { name: <secret>, key: <key> }` },
    });
  }
  if (e.name in DERIVED_ENV) {
    ctx.addIssue({ code: "custom", path: ["name"], message: `${e.name} is set by runner-fleet from ${DERIVED_ENV[e.name] ?? "the runner description"}`, params: { fix: `remove this entry and set ${DERIVED_ENV[e.name] ?? "the runner field"} instead` } });
  }
});

const claimMount = strictObject({
  claimName: dnsLabel("the name of an existing PersistentVolumeClaim", 253),
  mountPath: absolutePath,
  name: dnsLabel("a volume name").optional(),
  readOnly: z.boolean().optional(),
  subPath: z.string().max(4096).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]*$/, { error: "must be a relative path inside the volume (no leading / and no ..)" }).optional(),
});

const configFileMount = strictObject({
  configMap: dnsLabel("the name of a config payload, e.g. codex-config"),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a ConfigMap data key (1-253 letters, digits, -, _ and .)" }),
  mountPath: absolutePath,
});

const toleration = strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().min(0).max(31_536_000, { error: "must be at most 31536000 seconds (a year)" }).optional(),
});

/** Named, explicit relaxations of the hardened security context. Each one weakens isolation. */
const relaxations = strictObject({
  /** Mount the root filesystem read-write. @default false */
  writableRootFilesystem: z.boolean().optional(),
  /** Allow setuid binaries such as sudo to raise privileges. @default false */
  allowPrivilegeEscalation: z.boolean().optional(),
  /** Linux capabilities to add back after dropping ALL. @default [] */
  addCapabilities: z.array(z.string().regex(/^[A-Z_]+$/, { error: "must be a capability name such as NET_BIND_SERVICE" })).optional(),
  /** Run without the RuntimeDefault seccomp profile. @default false */
  unconfinedSeccomp: z.boolean().optional(),
});

/** Linux ids are 32-bit; Kubernetes takes them as int64 but the kernel refuses more than 2^31-1 here. */
const MAX_ID = 2_147_483_647;
const podSecurity = strictObject({
  runAsUser: z.number().int().min(1, { error: "must be a non-root UID (1 or more)" }).max(MAX_ID).optional(),
  runAsGroup: z.number().int().min(0).max(MAX_ID).optional(),
  fsGroup: z.number().int().min(0).max(MAX_ID).optional(),
});

/** Pods one Deployment of runners may ask for; more belongs in a scale set that scales on demand. */
export const MAX_REPLICAS = 1000;

const replicas = z.number({ error: "must be a number" }).superRefine((v, ctx) => {
  if (!Number.isInteger(v) || v < 0 || v > MAX_REPLICAS) {
    ctx.addIssue({ code: "custom", message: `${v} is not a whole number from 0 to ${MAX_REPLICAS}`, params: { fix: `set replicas to 0 (stopped) up to ${MAX_REPLICAS}; for more runners on demand use an ARC scale set` } });
  }
});

export const runnerSchema = strictObject({
  /** Runner name; objects are named `<name>-gh-runner`. */
  name: dnsLabel(`at most ${MAX_RUNNER_NAME} characters so that "<name>${GH_RUNNER_SUFFIX}" fits`, MAX_RUNNER_NAME),
  /** Container image, pinned by tag or digest. */
  image: z.string().superRefine((v, ctx) => {
    const parsed = parseImage(v);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `image "${v}" ${parsed}`, params: { fix: PIN_IMAGE_FIX } });
  }),
  /** Extra runner labels. @default [] */
  labels: z.array(label).max(100, { error: "lists more than 100 labels" }).optional(),
  /** Pods for this runner. @default 1 */
  replicas: replicas.optional(),
  /** Runner group (`--runnergroup`); unset uses the forge's default group. */
  runnerGroup: z.string().min(1).max(100, { error: "is longer than 100 characters" }).optional(),
  /** `--ephemeral`. @default false */
  ephemeral: z.boolean().optional(),
  /** `--replace`. @default true */
  replace: z.boolean().optional(),
  /** `--disableupdate`. @default true */
  disableUpdates: z.boolean().optional(),
  /** `--work`, an emptyDir. @default "/home/runner/_work" */
  workDir: absolutePath.optional(),
  env: z.array(envVar).max(200, { error: "lists more than 200 variables" }).optional(),
  volumes: z.array(claimMount).max(50, { error: "lists more than 50 volumes" }).optional(),
  configFiles: z.array(configFileMount).max(50, { error: "lists more than 50 config files" }).optional(),
  /** Extra writable paths (emptyDir). @default ["/tmp"] */
  writablePaths: z.array(absolutePath).max(50, { error: "lists more than 50 paths" }).optional(),
  resources: strictObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
  tolerations: z.array(toleration).max(50, { error: "lists more than 50 tolerations" }).optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  /** @default "IfNotPresent" */
  imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).optional(),
  securityContext: podSecurity.optional(),
  relax: relaxations.optional(),
});

export type RunnerInput = z.input<typeof runnerSchema>;

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?$/;

export const codexConfigSchema = strictObject({
  enabled: z.boolean(),
  /** At most 512 KiB: a ConfigMap holds at most 1 MiB. */
  configToml: z.string().max(512 * 1024, { error: "is larger than 512 KiB (a ConfigMap holds at most 1 MiB)" }).optional(),
}).superRefine((c, ctx) => {
  if (!c.enabled) return;
  if (c.configToml === undefined || c.configToml.trim() === "") {
    ctx.addIssue({ code: "custom", path: ["configToml"], message: "is empty while codexConfig.enabled is true", params: { fix: "give the TOML text of config.toml, or set enabled: false" } });
    return;
  }
  const problem = tomlProblem(c.configToml);
  if (problem) ctx.addIssue({ code: "custom", path: ["configToml"], message: `is not valid TOML (${problem})`, params: { fix: "correct the TOML; check it with a TOML parser before setting it" } });
});

/** The gh-runner fleet as a stack configures it (secrets excluded: they never enter the model). */
export const ghRunnerFleetSchema = strictObject({
  /** @default "my-reforge-ai" */
  namespace: dnsLabel("an existing namespace").optional(),
  githubRepo: z.string().superRefine((v, ctx) => {
    if (!GITHUB_REPO.test(v)) ctx.addIssue({ code: "custom", message: `"${v}" is not "owner/repo" or "owner"`, params: { fix: 'set githubRepo to the repository ("my-org/my-repo") or organisation ("my-org") the runners serve' } });
  }),
  /** @default "https://github.com" */
  githubUrl: githubBaseUrl.optional(),
  /** Accept a plain `http://` githubUrl (a GitHub Enterprise Server on a trusted network only). @default false */
  allowInsecureHttp: z.boolean().optional(),
  runners: z.array(runnerSchema, { error: "must be a list of runner descriptions" }),
  codexConfig: codexConfigSchema.optional(),
});

export type GhRunnerFleetInput = z.input<typeof ghRunnerFleetSchema>;

export interface ResolvedEnvVar {
  readonly name: string;
  readonly value?: string;
  readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
}
export interface ResolvedClaimMount {
  readonly volumeName: string;
  readonly claimName: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly subPath?: string;
}
export interface ResolvedConfigFile {
  readonly volumeName: string;
  /** Name of the ConfigMap object (`<payload>-gh-runner`). */
  readonly configMapName: string;
  readonly key: string;
  readonly mountPath: string;
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
}
export interface ResolvedRunner {
  readonly name: string;
  /** `<name>-gh-runner`: the Deployment name and `app` label. */
  readonly objectName: string;
  readonly image: string;
  readonly labels: readonly string[];
  readonly replicas: number;
  readonly runnerGroup?: string;
  readonly ephemeral: boolean;
  readonly replace: boolean;
  readonly disableUpdates: boolean;
  readonly workDir: string;
  readonly env: readonly ResolvedEnvVar[];
  readonly claims: readonly ResolvedClaimMount[];
  readonly configFiles: readonly ResolvedConfigFile[];
  readonly scratch: readonly ResolvedScratch[];
  readonly resources?: { readonly requests?: Readonly<Record<string, string | number>>; readonly limits?: Readonly<Record<string, string | number>> };
  readonly tolerations: readonly Readonly<Record<string, string | number>>[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly imagePullPolicy: "IfNotPresent" | "Always" | "Never";
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly relax: ResolvedRelaxations;
}
export interface ResolvedConfigPayload {
  /** Payload name as runners reference it, e.g. `codex-config`. */
  readonly name: string;
  /** ConfigMap name, `<name>-gh-runner`. */
  readonly objectName: string;
  readonly files: Readonly<Record<string, string>>;
}
export interface ResolvedGhRunnerFleet {
  readonly namespace: string;
  /** URL the runners register at: `<githubUrl>/<githubRepo>`. */
  readonly registrationUrl: string;
  readonly runners: readonly ResolvedRunner[];
  readonly configPayloads: readonly ResolvedConfigPayload[];
}

/** Name of the config payload that `codexConfig` produces, and the file it holds. */
export const CODEX_PAYLOAD = { name: "codex-config", file: "config.toml" } as const;

/**
 * Validates a fleet description and applies every default. Throws {@link ConfigError} listing
 * every problem (key path, what is wrong, how to fix it); nothing is rendered from bad input.
 */
export function resolveGhRunnerFleet(input: unknown): ResolvedGhRunnerFleet {
  const parsed = ghRunnerFleetSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    // Report the fleet-wide problems too, so that one run shows every problem at once.
    throw new ConfigError([...zodIssues(parsed.error), ...fleetIssues(input)], "gh-runner fleet configuration");
  }
  const cfg = parsed.data;
  const issues: ConfigIssue[] = fleetIssues(cfg);
  issues.push(...insecureGithubUrlIssues(cfg.githubUrl, cfg.allowInsecureHttp));
  const payloads: ResolvedConfigPayload[] = [];
  if (cfg.codexConfig?.enabled && cfg.codexConfig.configToml !== undefined) {
    payloads.push({ name: CODEX_PAYLOAD.name, objectName: CODEX_PAYLOAD.name + GH_RUNNER_SUFFIX, files: { [CODEX_PAYLOAD.file]: cfg.codexConfig.configToml } });
  }
  const runners = cfg.runners.map((r, i) => resolveRunner(r, `runners[${i}]`, payloads, issues));
  if (issues.length > 0) throw new ConfigError(issues, "gh-runner fleet configuration");
  const base = (cfg.githubUrl ?? GH_RUNNER_DEFAULTS.githubUrl).replace(/\/+$/, "");
  return {
    namespace: cfg.namespace ?? GH_RUNNER_DEFAULTS.namespace,
    registrationUrl: `${base}/${cfg.githubRepo}`,
    runners,
    configPayloads: payloads,
  };
}

/** Problems across runners (no runners, duplicate names), read from raw input so they are found even when fields are malformed. */
function fleetIssues(input: unknown): ConfigIssue[] {
  const runners = (input as { runners?: unknown } | null)?.runners;
  if (!Array.isArray(runners)) return [];
  if (runners.length === 0) return [{ path: "runners", message: "lists no runners", fix: "add at least one runner description: { name, image, ... }" }];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  runners.forEach((r, i) => {
    const name = (r as { name?: unknown } | null)?.name;
    if (typeof name !== "string") return;
    const first = seen.get(name);
    if (first !== undefined) issues.push({ path: `runners[${i}].name`, message: `"${name}" is already the name of runners[${first}]`, fix: "give every runner a unique name" });
    else seen.set(name, i);
  });
  return issues;
}

type ParsedRunner = z.output<typeof runnerSchema>;

function resolveRunner(r: ParsedRunner, at: string, payloads: readonly ResolvedConfigPayload[], issues: ConfigIssue[]): ResolvedRunner {
  const d = GH_RUNNER_DEFAULTS;
  const labels = r.labels ?? [...d.labels];
  const lower = labels.map((l) => l.toLowerCase());
  labels.forEach((l, j) => {
    if (lower.indexOf(l.toLowerCase()) !== j) issues.push({ path: `${at}.labels[${j}]`, message: `"${l}" is listed twice (GitHub compares labels without case)`, fix: "list each label once" });
  });
  issues.push(...resourceIssues(r.resources, `${at}.resources`), ...labelMapIssues(r.nodeSelector, `${at}.nodeSelector`));
  (r.tolerations ?? []).forEach((t, j) => issues.push(...tolerationIssues(t, `${at}.tolerations[${j}]`)));
  const envNames = new Map<string, number>();
  (r.env ?? []).forEach((e, j) => {
    const prev = envNames.get(e.name);
    if (prev !== undefined) issues.push({ path: `${at}.env[${j}].name`, message: `${e.name} is already set by env[${prev}]`, fix: "set each environment variable once" });
    else envNames.set(e.name, j);
  });
  const workDir = r.workDir ?? d.workDir;
  const mounts: { path: string; where: string }[] = [];
  const claims = (r.volumes ?? []).map((v, j): ResolvedClaimMount => {
    mounts.push({ path: v.mountPath, where: `${at}.volumes[${j}].mountPath` });
    return { volumeName: v.name ?? v.claimName, claimName: v.claimName, mountPath: v.mountPath, readOnly: v.readOnly ?? false, ...(v.subPath === undefined ? {} : { subPath: v.subPath }) };
  });
  const configFiles = (r.configFiles ?? []).map((f, j): ResolvedConfigFile => {
    mounts.push({ path: f.mountPath, where: `${at}.configFiles[${j}].mountPath` });
    const payload = payloads.find((p) => p.name === f.configMap);
    if (!payload) {
      issues.push({
        path: `${at}.configFiles[${j}].configMap`,
        message: `refers to config payload "${f.configMap}", which is not configured${f.configMap === CODEX_PAYLOAD.name ? " (codexConfig is missing or disabled)" : ""}`,
        fix: f.configMap === CODEX_PAYLOAD.name ? "set codexConfig: { enabled: true, configToml: ... }, or remove this mount" : `use one of: ${payloads.map((p) => p.name).join(", ") || "(none configured)"}`,
      });
    } else if (!(f.key in payload.files)) {
      issues.push({ path: `${at}.configFiles[${j}].key`, message: `"${f.key}" is not a file of config payload "${f.configMap}"`, fix: `use one of: ${Object.keys(payload.files).join(", ")}` });
    }
    return { volumeName: f.configMap, configMapName: f.configMap + GH_RUNNER_SUFFIX, key: f.key, mountPath: f.mountPath };
  });
  const scratchPaths = r.writablePaths ?? [...d.writablePaths];
  const scratch: ResolvedScratch[] = [];
  scratchPaths.forEach((p, j) => {
    mounts.push({ path: p, where: r.writablePaths ? `${at}.writablePaths[${j}]` : `${at}.writablePaths (default ${p})` });
    scratch.push({ volumeName: scratchVolumeName(p), mountPath: p });
  });
  mounts.push({ path: workDir, where: `${at}.workDir` });
  scratch.push({ volumeName: "work", mountPath: workDir });
  const seenPaths = new Map<string, string>();
  for (const m of mounts) {
    const norm = m.path.replace(/\/+$/, "") || "/";
    const prev = seenPaths.get(norm);
    if (prev !== undefined) issues.push({ path: m.where, message: `mount path ${m.path} is already used by ${prev}`, fix: "give every volume, config file, writable path and the work directory its own path" });
    else seenPaths.set(norm, m.where);
  }
  const volumeNames = new Map<string, string>();
  const namedVolumes: [string, string][] = [
    ...claims.map((c, j): [string, string] => [c.volumeName, `${at}.volumes[${j}].name`]),
    ...[...new Set(configFiles.map((c) => c.volumeName))].map((n): [string, string] => [n, `${at}.configFiles`]),
    ...scratch.map((s): [string, string] => [s.volumeName, s.mountPath === workDir ? `${at}.workDir` : `${at}.writablePaths`]),
  ];
  for (const [n, where] of namedVolumes) {
    const prev = volumeNames.get(n);
    if (prev !== undefined) issues.push({ path: where, message: `volume name "${n}" is already used by ${prev}`, fix: "give the claim mount a distinct name: { claimName, mountPath, name: <unique> }" });
    else volumeNames.set(n, where);
  }
  const rx = r.relax ?? {};
  return {
    name: r.name,
    objectName: r.name + GH_RUNNER_SUFFIX,
    image: r.image,
    labels,
    replicas: r.replicas ?? d.replicas,
    ...(r.runnerGroup === undefined ? {} : { runnerGroup: r.runnerGroup }),
    ephemeral: r.ephemeral ?? d.ephemeral,
    replace: r.replace ?? d.replace,
    disableUpdates: r.disableUpdates ?? d.disableUpdates,
    workDir,
    env: (r.env ?? []).map((e): ResolvedEnvVar => {
      if (!e.secretKeyRef) return { name: e.name, value: e.value ?? "" };
      const { name, key, optional } = e.secretKeyRef;
      return { name: e.name, secretKeyRef: optional === undefined ? { name, key } : { name, key, optional } };
    }),
    claims,
    configFiles,
    scratch,
    ...(r.resources === undefined ? {} : { resources: r.resources as ResolvedRunner["resources"] & object }),
    tolerations: (r.tolerations ?? []) as ResolvedRunner["tolerations"],
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
    },
  };
}

/** emptyDir volume name for a writable path: `/tmp` -> `tmp`, `/var/lib/x` -> `var-lib-x`. */
export function scratchVolumeName(path: string): string {
  const n = path.replace(/^\/+|\/+$/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return (n || "root").slice(0, 63);
}
