/**
 * The GitHub forge on the Kubernetes Deployment substrate: what a user writes (input), how it is
 * validated (every problem at once, with key paths and fixes), and the resolved form with every
 * default applied (see `defaults.ts`). The pod part is shared with every forge
 * (`kubernetes-runner.ts`); registration (the actions runner's `ACTIONS_RUNNER_INPUT_*`) and
 * labels are GitHub's.
 */
import { z } from "./zod.ts";
import { GH_RUNNER_DEFAULTS, GH_RUNNER_SUFFIX } from "./defaults.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { zodIssues, strictObject } from "./zod-issues.ts";
import { tomlProblem } from "./toml.ts";
import { githubBaseUrl, insecureGithubUrlIssues } from "./github-url.ts";
import { dnsLabel, isRecord, objectName } from "./refine.ts";
import { JIT_POD_NAMES, jitPodIssues, jitRunnerIssues, jitSchema, rawJitIssues, type ResolvedJit, resolveJit } from "./gh-runner-jit.ts";
import { labelMapIssues } from "./kubernetes-rules.ts";
import { extraEgressIssues, extraEgressSchema, type ResolvedExtraEgress, resolveExtraEgress } from "./extra-egress.ts";
import {
  absolutePath, configFileList, deploymentNameIssues, fencedLabelIssues, rawSecurityIssues, missingNamespaceIssues, imageReference, relaxationShape, replicasSchema, resolveRunnerPod, runnerLabelIssues, runnerListIssues, runnerNameSchema, runnerPodShape,
  type ResolvedConfigPayload, type ResolvedRunnerPod,
} from "./kubernetes-runner.ts";

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

/** How a runner registers (see GH_RUNNER_DEFAULTS.registration). */
export const REGISTRATION_KINDS = ["actions-runner-input", "image", "jit"] as const;
export type RegistrationKind = (typeof REGISTRATION_KINDS)[number];

export const runnerSchema = strictObject({
  /** Runner name; objects are named `<name>-gh-runner`. */
  name: runnerNameSchema(GH_RUNNER_SUFFIX),
  /** Container image, pinned by tag or digest. */
  image: imageReference,
  /**
   * `actions-runner-input`: runner-fleet sets `ACTIONS_RUNNER_INPUT_*` and the token comes from a Secret
   * (a registration token is valid for one hour); `image`: the image registers itself from its own
   * variables; `jit`: a container of the pod mints a just-in-time configuration per job (see `jit`).
   * @default "actions-runner-input" */
  registration: z.enum(REGISTRATION_KINDS).optional(),
  /** With registration: jit, the credential's Secret and the registration's settings. */
  jit: jitSchema.optional(),
  /** The runner container's command, instead of the image's entrypoint. */
  command: z.array(z.string().max(32_768)).min(1, { error: "needs at least the program to run" }).max(100).optional(),
  /** Arguments of the command, or of the image's entrypoint. */
  args: z.array(z.string().max(262_144)).max(100).optional(),
  /** Extra runner labels. @default [] */
  labels: z.array(z.string()).optional(),
  /** Pods for this runner. @default 1 */
  replicas: replicasSchema.optional(),
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
  // The variables runner-fleet sets are checked per registration kind (resolveRunner).
  ...runnerPodShape({}),
  configFiles: configFileList.optional(),
  relax: strictObject(relaxationShape).optional(),
});

export type RunnerInput = z.input<typeof runnerSchema>;

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?$/;

const configMapLabels = {
  /** The ConfigMap's labels. */
  labels: z.record(z.string(), z.string()).optional(),
  /** The ConfigMap's annotations. */
  annotations: z.record(z.string().max(317), z.string().max(262_144)).optional(),
};

/** A ConfigMap the stack manages, named as written, whose files runners mount (configFiles or extraVolumes). */
const configMapSchema = strictObject({
  name: objectName("a ConfigMap name"),
  /** File name to text. At most 512 KiB in all (a ConfigMap holds at most 1 MiB). */
  data: z.record(z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a ConfigMap data key (1-253 letters, digits, -, _ and .)" }), z.string()).superRefine((d, ctx) => {
    if (Object.values(d).reduce((n, v) => n + Buffer.byteLength(v, "utf8"), 0) > 512 * 1024) ctx.addIssue({ code: "custom", message: "holds more than 512 KiB of UTF-8 (a ConfigMap holds at most 1 MiB)", params: { fix: "split the files over several ConfigMaps, or mount large files from a volume" } });
  }),
  ...configMapLabels,
});

export const codexConfigSchema = strictObject({
  enabled: z.boolean(),
  /** The ConfigMap's labels. @default { app: codex-config-gh-runner } */
  ...configMapLabels,
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
  /** The forge; GitHub when unset. */
  forge: z.literal("github").optional(),
  /** The existing namespace the runners run in (required: there is no default). */
  namespace: dnsLabel("an existing namespace").optional(),
  /** Required when a runner registers through `ACTIONS_RUNNER_INPUT_*` (the default). */
  githubRepo: z.string().optional().superRefine((v, ctx) => {
    if (v === undefined) return;
    if (!GITHUB_REPO.test(v)) ctx.addIssue({ code: "custom", message: `"${v}" is not "owner/repo" or "owner"`, params: { fix: 'set githubRepo to the repository ("my-org/my-repo") or organisation ("my-org") the runners serve' } });
  }),
  /** @default "https://github.com" */
  githubUrl: githubBaseUrl.optional(),
  /** Accept a plain `http://` githubUrl (a GitHub Enterprise Server on a trusted network only). @default false */
  allowInsecureHttp: z.boolean().optional(),
  /**
   * Default-deny NetworkPolicies around the runner pods: no ingress; egress to the cluster's DNS
   * and to public addresses on port 443 only, plus `extraEgress`. `false` is the opt-out: the pods
   * then reach every address (the cluster, the private network, the cloud's metadata endpoint) and
   * every pod may reach them. @default true
   */
  networkPolicies: z.boolean().optional(),
  /** Destinations the fenced pods may reach beyond DNS and public HTTPS: `{ name, cidr, ports }` each, its own NetworkPolicy. @default [] */
  extraEgress: extraEgressSchema.optional(),
  runners: z.array(runnerSchema, { error: "must be a list of runner descriptions" }),
  codexConfig: codexConfigSchema.optional(),
  /** ConfigMaps the stack manages, named as written (runners mount them by name). */
  configMaps: z.array(configMapSchema).max(50, { error: "lists more than 50 ConfigMaps" }).optional(),
});

export type GhRunnerFleetInput = z.input<typeof ghRunnerFleetSchema>;

/** One GitHub runner Deployment: the pod, and how the actions runner registers. */
export interface ResolvedRunner extends ResolvedRunnerPod {
  readonly registration: RegistrationKind;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly labels: readonly string[];
  readonly runnerGroup?: string;
  readonly ephemeral: boolean;
  readonly replace: boolean;
  readonly disableUpdates: boolean;
  readonly workDir: string;
  /** With registration: jit, how the pod mints its configurations. */
  readonly jit?: ResolvedJit;
}
export interface ResolvedGhRunnerFleet {
  readonly forge: "github";
  readonly namespace: string;
  /** URL the runners register at: `<githubUrl>/<githubRepo>` (unset when no githubRepo is given). */
  readonly registrationUrl?: string;
  readonly runners: readonly ResolvedRunner[];
  readonly configPayloads: readonly ResolvedConfigPayload[];
  /** Whether default-deny NetworkPolicies fence the runner pods. */
  readonly networkPolicies: boolean;
  /** What the fence lets the pods reach beyond DNS and public HTTPS (none when unfenced). */
  readonly extraEgress: readonly ResolvedExtraEgress[];
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
    throw new ConfigError([...missingNamespaceIssues(input), ...missingRepoIssues(input), ...zodIssues(parsed.error), ...runnerListIssues(input), ...runnerLabelIssues("github", input), ...rawSecurityIssues(input), ...rawJitIssues(input), ...extraEgressIssues(input, GH_RUNNER_DEFAULTS.networkPolicies)], "gh-runner fleet configuration");
  }
  const cfg = parsed.data;
  const issues: ConfigIssue[] = [...missingNamespaceIssues(cfg), ...runnerListIssues(cfg), ...runnerLabelIssues("github", cfg)];
  issues.push(...insecureGithubUrlIssues(cfg.githubUrl, cfg.allowInsecureHttp));
  const payloads: ResolvedConfigPayload[] = [];
  if (cfg.codexConfig?.enabled && cfg.codexConfig.configToml !== undefined) {
    const objectName = CODEX_PAYLOAD.name + GH_RUNNER_SUFFIX;
    const c = cfg.codexConfig;
    payloads.push({ name: CODEX_PAYLOAD.name, objectName, files: { [CODEX_PAYLOAD.file]: cfg.codexConfig.configToml }, labels: c.labels ?? { app: objectName }, ...(c.annotations === undefined ? {} : { annotations: c.annotations }) });
    issues.push(...labelMapIssues(c.labels, "codexConfig.labels"));
  }
  (cfg.configMaps ?? []).forEach((c, j) => {
    const taken = payloads.find((p) => p.objectName === c.name || p.name === c.name);
    if (taken !== undefined) issues.push({ path: `configMaps[${j}].name`, message: `"${c.name}" is already the name of ${taken.name === CODEX_PAYLOAD.name ? "the codexConfig ConfigMap" : "another ConfigMap"}`, fix: "give every ConfigMap its own name" });
    payloads.push({ name: c.name, objectName: c.name, files: { ...c.data }, labels: c.labels ?? {}, ...(c.annotations === undefined ? {} : { annotations: c.annotations }) });
    issues.push(...labelMapIssues(c.labels, `configMaps[${j}].labels`));
  });
  const taken = (cfg.configMaps ?? []).findIndex((c) => c.name === JIT_POD_NAMES.configMap);
  if (taken >= 0 && cfg.runners.some((r) => r.registration === "jit")) issues.push({ path: `configMaps[${taken}].name`, message: `"${JIT_POD_NAMES.configMap}" is the ConfigMap with the scripts of the JIT runners`, fix: "give the ConfigMap another name" });
  const scope = { githubRepo: cfg.githubRepo, githubUrl: (cfg.githubUrl ?? GH_RUNNER_DEFAULTS.githubUrl).replace(/\/+$/, "") };
  const runners = cfg.runners.map((r, i) => resolveRunner(r, `runners[${i}]`, payloads, scope, issues));
  issues.push(...missingRepoIssues(cfg));
  const fenced = cfg.networkPolicies ?? GH_RUNNER_DEFAULTS.networkPolicies;
  issues.push(...fencedLabelIssues(runners, fenced), ...deploymentNameIssues(runners), ...extraEgressIssues(cfg, GH_RUNNER_DEFAULTS.networkPolicies));
  if (issues.length > 0) throw new ConfigError(issues, "gh-runner fleet configuration");
  const base = (cfg.githubUrl ?? GH_RUNNER_DEFAULTS.githubUrl).replace(/\/+$/, "");
  return {
    forge: "github",
    namespace: cfg.namespace ?? "",
    ...(cfg.githubRepo === undefined ? {} : { registrationUrl: `${base}/${cfg.githubRepo}` }),
    runners,
    configPayloads: payloads,
    networkPolicies: fenced,
    extraEgress: resolveExtraEgress(cfg.extraEgress ?? GH_RUNNER_DEFAULTS.extraEgress),
  };
}

/** No githubRepo while a runner registers through `ACTIONS_RUNNER_INPUT_URL` or just in time; read from raw input, so it is reported with every other problem. */
function missingRepoIssues(input: unknown): ConfigIssue[] {
  if (!isRecord(input) || input["githubRepo"] !== undefined || !Array.isArray(input["runners"])) return [];
  const injected = input["runners"].findIndex((r) => !(isRecord(r) && r["registration"] === "image"));
  if (injected < 0) return [];
  const runner = input["runners"][injected] as unknown;
  const how = isRecord(runner) && runner["registration"] === "jit" ? "registers just in time, with a configuration minted for the scope githubRepo names" : "registers through ACTIONS_RUNNER_INPUT_URL, which needs it";
  return [{ path: "githubRepo", message: `is not set, and runners[${injected}] ${how}`, fix: 'set githubRepo to the repository ("my-org/my-repo"), organisation ("my-org") or enterprise ("enterprises/my-enterprise") the runners serve, or give that runner registration: image if its image registers itself' }];
}

type ParsedRunner = z.output<typeof runnerSchema>;

function resolveRunner(r: ParsedRunner, at: string, payloads: readonly ResolvedConfigPayload[], scope: { githubRepo?: string | undefined; githubUrl: string }, issues: ConfigIssue[]): ResolvedRunner {
  const d = GH_RUNNER_DEFAULTS;
  const registration: RegistrationKind = r.registration ?? d.registration;
  const workDir = r.workDir ?? d.workDir;
  if (registration !== "jit" && r.jit !== undefined) issues.push({ path: `${at}.jit`, message: `has no effect with registration: ${registration}`, fix: "remove it, or set registration: jit" });
  if (registration === "jit") {
    issues.push(...jitRunnerIssues(r, at));
  } else if (registration === "actions-runner-input") {
    (r.env ?? []).forEach((e, j) => {
      const from = DERIVED_ENV[e.name];
      if (from !== undefined) issues.push({ path: `${at}.env[${j}].name`, message: `${e.name} is set by runner-fleet from ${from}`, fix: `remove this entry and set ${from} instead, or give the runner registration: image if its image registers itself` });
    });
  } else {
    // The image registers itself: these settings would be silently ignored.
    for (const key of ["runnerGroup", "replace", "disableUpdates"] as const) {
      if (r[key] !== undefined) issues.push({ path: `${at}.${key}`, message: "has no effect with registration: image (runner-fleet sets no registration variable)", fix: "set it in the variables the image reads (env), or remove it" });
    }
  }
  // With registration: image the work directory is the image's own, unless workDir names one.
  const work = registration === "image" && r.workDir === undefined ? [] : [{ volumeName: "work", mountPath: workDir, where: `${at}.workDir`, what: "the work directory" }];
  const pod = resolveRunnerPod(r, at, GH_RUNNER_SUFFIX, payloads, work, issues);
  const labels = r.labels ?? [...d.labels];
  let jit: ResolvedJit | undefined;
  if (registration === "jit") {
    issues.push(...jitPodIssues(pod, at));
    jit = resolveJit(r.jit, at, { ...scope, labels, workDir, pod }, issues);
  }
  return {
    ...pod,
    registration,
    ...(r.command === undefined ? {} : { command: [...r.command] }),
    ...(r.args === undefined ? {} : { args: [...r.args] }),
    labels,
    ...(r.runnerGroup === undefined ? {} : { runnerGroup: r.runnerGroup }),
    // A JIT runner takes exactly one job.
    ephemeral: registration === "jit" ? true : r.ephemeral ?? d.ephemeral,
    replace: r.replace ?? d.replace,
    disableUpdates: r.disableUpdates ?? d.disableUpdates,
    workDir,
    ...(jit === undefined ? {} : { jit }),
  };
}
