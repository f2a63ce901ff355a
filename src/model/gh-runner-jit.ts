/**
 * `registration: jit` of a GitHub runner Deployment: the runner registers with a just-in-time
 * configuration that a second container of its pod mints from a credential in an existing Secret (a
 * GitHub App, or a token), once per job. The settings (`runners[i].jit`), their defaults, their
 * checks and the resolved form; the pod is rendered by `render/kubernetes/gh-runner-jit.ts`, which
 * also explains the design.
 */
import { z } from "./zod.ts";
import { GH_RUNNER_SUFFIX } from "./defaults.ts";
import type { ConfigIssue } from "./issues.ts";
import { strictObject } from "./zod-issues.ts";
import { absolutePath, dnsLabel, isRecord } from "./refine.ts";
import { MAX_RUNNER_LABELS, runsOnLabels } from "./forge.ts";
import { type GithubRunnerScope, githubApiUrl, githubRunnersPath, parseGithubRunnerScope } from "./github-vm.ts";
import type { ResolvedRunnerPod } from "./kubernetes-runner.ts";
import { imageIssues } from "./kubernetes-security.ts";

/** Every default of `registration: jit`. */
export const GH_RUNNER_JIT_DEFAULTS = {
  /**
   * The minter's image: it needs sh, curl, jq and openssl. The actions runner's own image has them
   * (Ubuntu: curl, jq, and openssl through ca-certificates), is pinned by its release and shares its
   * layers with runner images built on it.
   */
  image: "ghcr.io/actions/actions-runner:2.329.0",
  /** The `Default` runner group. */
  runnerGroupId: 1,
  /** The actions runner's start script in the runner image (ghcr.io/actions/actions-runner). */
  runScript: "/home/runner/run.sh",
  /** The Secret's keys: the names actions-runner-controller uses, so one Secret serves both. */
  keys: {
    appId: "github_app_id",
    installationId: "github_app_installation_id",
    privateKey: "github_app_private_key",
    token: "github_token",
  },
  /** Resources of the minter container. */
  resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
} as const;

/** Names runner-fleet gives to what it adds to a JIT runner's pod; a runner's own volumes and containers cannot take them. */
export const JIT_POD_NAMES = {
  container: "jit-minter",
  volumes: { handOver: "jit", state: "jit-state", scripts: "jit-scripts", credentials: "jit-credentials" },
  /** The ConfigMap with the two scripts, one per fleet. */
  configMap: `github-jit${GH_RUNNER_SUFFIX}`,
  /** Every path the pod's containers mount lies under these. */
  pathPrefixes: ["/run/runner-fleet", "/run/secrets/github-jit"],
} as const;

/** The largest runner group id GitHub hands out (a 32-bit integer). */
const MAX_GROUP_ID = 2_147_483_647;
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a Secret data key (1-253 letters, digits, -, _ and .)" });

export const jitSchema = strictObject({
  /** The existing Secret with the credential, in the fleet's namespace (referenced, never created or read by runner-fleet). */
  secretName: dnsLabel("the name of an existing Secret", 253),
  /** `app`: a GitHub App (app id, installation id, private key); `token`: a personal access token. */
  auth: z.enum(["app", "token"], { error: 'must be "app" (a GitHub App) or "token" (a personal access token)' }),
  /** The Secret's keys. @default the names actions-runner-controller uses */
  keys: strictObject({
    appId: secretKey.optional(),
    installationId: secretKey.optional(),
    privateKey: secretKey.optional(),
    token: secretKey.optional(),
  }).optional(),
  /** The runner group's id (its settings URL ends with it). @default 1 */
  runnerGroupId: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).max(MAX_GROUP_ID, { error: `must be at most ${MAX_GROUP_ID}` }).optional(),
  /** The actions runner's start script in the runner image. @default "/home/runner/run.sh" */
  runScript: absolutePath.optional(),
  /** The minter's image (sh, curl, jq, openssl), pinned. @default "ghcr.io/actions/actions-runner:2.329.0" */
  image: z.string().min(1, { error: "must name an image" }).optional(),
});
export type JitInput = z.input<typeof jitSchema>;
type ParsedJit = z.output<typeof jitSchema>;

/** What the minter needs, resolved. */
export interface ResolvedJit {
  readonly secretName: string;
  readonly auth: "app" | "token";
  /** The Secret's keys the minter reads (only those of `auth`). */
  readonly keys: Readonly<Partial<Record<"appId" | "installationId" | "privateKey" | "token", string>>>;
  readonly runnerGroupId: number;
  readonly runScript: string;
  readonly image: string;
  /** The REST API base: `https://api.github.com`, or `<githubUrl>/api/v3`. */
  readonly apiUrl: string;
  /** The scope's runners, e.g. `/repos/acme/app/actions/runners`. */
  readonly runnersPath: string;
  /** Every label the runner registers with: self-hosted, linux, the architecture, then the configured ones. */
  readonly labels: readonly string[];
  /** `work_folder`: the work directory, relative to the runner's install directory when inside it. */
  readonly workFolder: string;
  /** The installation token request's body: the token narrowed to managing runners of the scope (App only). */
  readonly tokenRequest?: Readonly<Record<string, unknown>>;
}

/** The architecture label the runner reports: the node's, as the pod's node selector pins it (x64 unless it names arm64). */
export function githubRunnerArch(r: Pick<ResolvedRunnerPod, "nodeSelector">): string {
  return r.nodeSelector["kubernetes.io/arch"] === "arm64" ? "arm64" : "x64";
}

/** The labels a GitHub runner of this pod answers to (what `guard` and the pools see). */
export function githubRunnerLabels(r: Pick<ResolvedRunnerPod, "nodeSelector">, labels: readonly string[]): string[] {
  return runsOnLabels("github", labels, [githubRunnerArch(r)]);
}

/** The installation token's narrowing: only runner management, only in the scope. */
function tokenRequest(scope: GithubRunnerScope): Record<string, unknown> | undefined {
  switch (scope.kind) {
    case "repo":
      return { repositories: [scope.repo], permissions: { administration: "write" } };
    case "org":
      return { permissions: { organization_self_hosted_runners: "write" } };
    case "enterprise":
      return undefined;
  }
}

const KEYS_OF = { app: ["appId", "installationId", "privateKey"], token: ["token"] } as const;

/** `jit.keys` entries the chosen `auth` does not read, at `at`. */
function foreignKeyIssues(auth: keyof typeof KEYS_OF, keys: Readonly<Record<string, unknown>> | undefined, at: string): ConfigIssue[] {
  const wanted: readonly string[] = KEYS_OF[auth];
  return Object.keys(keys ?? {}).filter((k) => !wanted.includes(k)).map((k) => ({ path: `${at}.jit.keys.${k}`, message: `is not read with auth: ${auth}`, fix: `remove it; auth: ${auth} reads ${wanted.join(", ")}` }));
}

/**
 * The checks of the JIT runners that need no valid schema, run on raw input when the schema
 * refuses it elsewhere, so that one run reports every problem.
 */
export function rawJitIssues(input: unknown): ConfigIssue[] {
  const runners = isRecord(input) && Array.isArray(input["runners"]) ? (input["runners"] as unknown[]) : [];
  return runners.flatMap((r, i) => {
    if (!isRecord(r) || r["registration"] !== "jit") return [];
    const at = `runners[${i}]`;
    const env = Array.isArray(r["env"]) ? r["env"].map((e) => ({ name: isRecord(e) && typeof e["name"] === "string" ? e["name"] : "" })) : undefined;
    const jit = r["jit"];
    const auth = isRecord(jit) && (jit["auth"] === "app" || jit["auth"] === "token") ? jit["auth"] : undefined;
    const keys = isRecord(jit) && isRecord(jit["keys"]) ? jit["keys"] : undefined;
    return [...jitRunnerIssues({ ...r, ...(env === undefined ? {} : { env }) }, at), ...(auth === undefined ? [] : foreignKeyIssues(auth, keys, at))];
  });
}

/** Where a JIT runner registers and with which credential; pushes the problems of `jit` at `at` to `issues`. */
export function resolveJit(j: ParsedJit | undefined, at: string, ctx: { readonly githubRepo?: string | undefined; readonly githubUrl: string; readonly labels: readonly string[]; readonly workDir: string; readonly pod: ResolvedRunnerPod }, issues: ConfigIssue[]): ResolvedJit | undefined {
  if (j === undefined) {
    issues.push({ path: `${at}.jit`, message: "is not set, and registration: jit needs the Secret with the credential that mints the runner's configurations", fix: "set jit: { secretName: <existing Secret>, auth: app } (keys github_app_id, github_app_installation_id, github_app_private_key) or auth: token (key github_token)" });
    return undefined;
  }
  const d = GH_RUNNER_JIT_DEFAULTS;
  const wanted: readonly string[] = KEYS_OF[j.auth];
  issues.push(...foreignKeyIssues(j.auth, j.keys, at));
  const keys = Object.fromEntries(wanted.map((k) => [k, j.keys?.[k as keyof typeof d.keys] ?? d.keys[k as keyof typeof d.keys]]));
  const scope = ctx.githubRepo === undefined ? undefined : parseGithubRunnerScope(ctx.githubRepo);
  if (typeof scope === "string") issues.push({ path: "githubRepo", message: `${scope} (registration: jit of ${at} needs a scope)`, fix: 'write an organisation ("acme"), a repository ("acme/app") or an enterprise ("enterprises/acme")' });
  if (typeof scope === "object" && scope.kind === "enterprise" && j.auth === "app") {
    issues.push({ path: `${at}.jit.auth`, message: "is app, but a GitHub App cannot manage an enterprise's runners", fix: "use auth: token with a personal access token (classic) with the manage_runners:enterprise scope, or register the runners with an organisation" });
  }
  const labels = githubRunnerLabels(ctx.pod, ctx.labels);
  if (labels.length > MAX_RUNNER_LABELS) issues.push({ path: `${at}.labels`, message: `with self-hosted, linux and the architecture makes ${labels.length} labels, more than the ${MAX_RUNNER_LABELS} a JIT configuration takes`, fix: `keep at most ${MAX_RUNNER_LABELS - (labels.length - ctx.labels.length)} labels` });
  if (j.image !== undefined) issues.push(...imageIssues(j.image, `${at}.jit.image`, { unpinnedImages: ctx.pod.relax.unpinnedImages }));
  const runScript = j.runScript ?? d.runScript;
  const home = runScript.slice(0, runScript.lastIndexOf("/")) || "/";
  const workFolder = ctx.workDir.startsWith(`${home}/`) ? ctx.workDir.slice(home.length + 1) : ctx.workDir;
  if (typeof scope !== "object") return undefined;
  const narrowed = j.auth === "app" ? tokenRequest(scope) : undefined;
  return {
    secretName: j.secretName,
    auth: j.auth,
    keys,
    runnerGroupId: j.runnerGroupId ?? d.runnerGroupId,
    runScript,
    image: j.image ?? d.image,
    apiUrl: githubApiUrl(ctx.githubUrl),
    runnersPath: githubRunnersPath(scope),
    labels,
    workFolder,
    ...(narrowed === undefined ? {} : { tokenRequest: narrowed }),
  };
}

/**
 * Settings that do nothing under `registration: jit`, and what a JIT runner's pod cannot carry: a
 * variable that would register it otherwise, a name runner-fleet takes, a mount under its paths.
 */
export function jitRunnerIssues(r: { readonly [k: string]: unknown; readonly env?: readonly { readonly name: string }[] | undefined }, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const instead: Record<string, string> = {
    runnerGroup: "set jit.runnerGroupId (the group's id) instead",
    replace: "remove it: every JIT runner registers under a new name",
    disableUpdates: "remove it: the runner version is the image's",
    command: "remove it: the runner container starts through runner-fleet's JIT wrapper, which runs jit.runScript",
    args: "remove it: the runner container starts through runner-fleet's JIT wrapper, which runs jit.runScript",
  };
  for (const [key, fix] of Object.entries(instead)) {
    if (r[key] !== undefined) issues.push({ path: `${at}.${key}`, message: "has no effect with registration: jit", fix });
  }
  if (r["ephemeral"] === false) issues.push({ path: `${at}.ephemeral`, message: "is false, but a JIT runner takes exactly one job", fix: "remove it (JIT runners are ephemeral), or choose registration: actions-runner-input for a runner that takes job after job" });
  (r.env ?? []).forEach((e, j) => {
    if (e.name.startsWith("ACTIONS_RUNNER_INPUT_")) issues.push({ path: `${at}.env[${j}].name`, message: `${e.name} would register the runner besides its JIT configuration`, fix: "remove it: the JIT configuration carries the registration" });
  });
  return issues;
}

/** Names and paths of the runner's own pod parts that collide with what registration: jit adds. */
export function jitPodIssues(pod: ResolvedRunnerPod, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const reserved = new Set<string>(Object.values(JIT_POD_NAMES.volumes));
  const volumes: [string, string][] = [
    ...pod.claims.map((c, j): [string, string] => [c.volumeName, `${at}.volumes[${j}].name`]),
    ...pod.configFiles.map((c, j): [string, string] => [c.volumeName, `${at}.configFiles[${j}].volumeName`]),
    ...pod.scratch.map((s): [string, string] => [s.volumeName, `${at}.writablePaths`]),
    ...pod.extraVolumes.map((v, j): [string, string] => [v.name, `${at}.extraVolumes[${j}].name`]),
  ];
  for (const [name, where] of volumes) {
    if (reserved.has(name)) issues.push({ path: where, message: `"${name}" is the name of a volume registration: jit adds to the pod`, fix: "give the volume another name" });
  }
  const containers: [string, string][] = [[pod.containerName, `${at}.containerName`], ...pod.sidecars.map((c, j): [string, string] => [c.name, `${at}.sidecars[${j}].name`]), ...pod.initContainers.map((c, j): [string, string] => [c.name, `${at}.initContainers[${j}].name`])];
  for (const [name, where] of containers) {
    if (name === JIT_POD_NAMES.container) issues.push({ path: where, message: `"${name}" is the name of the container that mints the runner's JIT configurations`, fix: "give the container another name" });
  }
  const mounts: [string, string][] = [
    ...pod.claims.map((c, j): [string, string] => [c.mountPath, `${at}.volumes[${j}].mountPath`]),
    ...pod.configFiles.map((c, j): [string, string] => [c.mountPath, `${at}.configFiles[${j}].mountPath`]),
    ...pod.scratch.map((s): [string, string] => [s.mountPath, `${at}.writablePaths`]),
    ...pod.extraVolumeMounts.map((m, j): [string, string] => [m.mountPath, `${at}.extraVolumeMounts[${j}].mountPath`]),
    ...pod.secretFiles.map((f): [string, string] => [f.mountPath, f.where]),
  ];
  for (const [path, where] of mounts) {
    const norm = path.replace(/\/+$/, "");
    const hit = JIT_POD_NAMES.pathPrefixes.find((p) => norm === p || norm.startsWith(`${p}/`));
    if (hit !== undefined) issues.push({ path: where, message: `mount path ${path} overlaps ${hit}, where registration: jit mounts its scripts and hand-over files`, fix: `mount it elsewhere (outside ${hit})` });
  }
  // A secret files directory is read-only: the JIT mounts cannot lie inside it.
  for (const f of pod.secretFiles) {
    const inside = JIT_POD_NAMES.pathPrefixes.find((p) => p.startsWith(`${f.mountPath.replace(/\/+$/, "")}/`));
    if (inside !== undefined) issues.push({ path: f.where, message: `its directory ${f.mountPath} is mounted read-only, and registration: jit mounts ${inside} inside it`, fix: "give the Secret's files another directory, e.g. /run/secrets/<secret>" });
  }
  return issues;
}
