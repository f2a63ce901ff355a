/**
 * The ARC scale-set model: GitHub runners as an actions-runner-controller scale set, optionally in
 * Kata Containers + Firecracker microVMs, fenced by NetworkPolicies. Input, validation (every
 * problem at once, with key path and fix) and the resolved form with every default applied.
 */
import { z } from "./zod.ts";
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";
import { type Cidr, isCidr, parseCidr } from "./cidr.ts";
import { githubBaseUrl, insecureGithubUrlIssues } from "./github-url.ts";
import { labelMapIssues, resourceIssues } from "./kubernetes-rules.ts";
import { forgeLabelIssues, runsOnLabels } from "./forge.ts";
import { type RunnerPool, SUBSTRATES } from "./substrate.ts";
import { arcMetricsIssues, arcMetricsSchema, resolveArcMetrics, type ResolvedArcMetrics } from "./arc-metrics.ts";
import { ARC_CONTAINER_MODE_DEFAULTS, type ResolvedContainerMode, containerModeIssues, containerModeSchema, resolveContainerMode } from "./arc-container-mode.ts";
import { TRUST_LEVELS, type TrustLevel } from "./profile-schema.ts";
import { overlapIssues } from "./arc-cluster.ts";

/** Every default of the scale-set model, in one place. */
export const ARC_DEFAULTS = {
  /** ARC chart version for both charts. */
  chartVersion: "0.14.2",
  githubUrl: "https://github.com",
  /** Plain `http://` GitHub URLs are refused unless opted in. */
  allowInsecureHttp: false,
  minRunners: 0,
  maxRunners: 5,
  scaleSetName: "arc-firecracker",
  runnerLabels: ["self-hosted", "linux", "x64", "firecracker"] as readonly string[],
  useFirecracker: true,
  runnerImage: "ghcr.io/actions/actions-runner:2.329.0",
  controllerNamespace: "arc-systems",
  runnerNamespace: "arc-runners",
  runtimeClassName: "kata-fc",
  /** kata-deploy chart version (a released version, never latest). */
  kataDeployVersion: "3.19.1",
  kataNamespace: "kube-system",
  /** Node label that marks nodes prepared for Kata + Firecracker (devmapper, /dev/kvm). */
  kataNodeSelector: { "katacontainers.io/kata-runtime": "true" } as Readonly<Record<string, string>>,
  /** Fixed per-pod overhead of a Firecracker microVM (VMM + guest kernel + agent). */
  kataOverhead: { cpu: "250m", memory: "160Mi" } as Readonly<Record<string, string>>,
  runnerResources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  dnsNamespace: "kube-system",
  dnsPodLabels: { "k8s-app": "kube-dns" } as Readonly<Record<string, string>>,
  runAsUser: 1001,
  runAsGroup: 123,
  /** Nodes `npm run bootstrap:firecracker-nodes` prepares (none unless listed). */
  firecrackerNodes: [] as readonly string[],
} as const;

/** Address ranges HTTPS egress never reaches, besides the cluster's own CIDRs. */
export const NON_PUBLIC_RANGES = ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"] as const;

const SCOPE = /^(?:enterprises\/[A-Za-z0-9-]+|[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?)$/;
const cidr = z.string().superRefine((v, ctx) => {
  const c = parseCidr(v);
  if (!isCidr(c)) ctx.addIssue({ code: "custom", message: c.problem, params: { fix: c.fix } });
});

/** Runners one scale set may run at once: beyond this, split the fleet into several scale sets. */
export const MAX_SCALE_SET_RUNNERS = 10_000;

const count = (what: string) =>
  z.number().superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < 0 || v > MAX_SCALE_SET_RUNNERS) ctx.addIssue({ code: "custom", message: `${v} is not a whole number from 0 to ${MAX_SCALE_SET_RUNNERS}`, params: { fix: `set ${what} to a whole number from 0 to ${MAX_SCALE_SET_RUNNERS} (split larger fleets into several scale sets)` } });
  });

/** A GitHub App or installation id: a positive whole number (as a number or as digits). */
const githubId = z.union([z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9][0-9]{0,15}$/)], { error: "must be a positive whole number" });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const namespaceName = z.string().regex(DNS_LABEL, { error: "must be a DNS-1123 label (a namespace name)" });

const credentials = z.discriminatedUnion("kind", [
  strictObject({ kind: z.literal("pat") }),
  strictObject({ kind: z.literal("app"), appId: githubId, installationId: githubId }),
  strictObject({ kind: z.literal("existingSecret"), secretName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be the name of an existing Secret" }) }),
], { error: 'must be { kind: "pat" }, { kind: "app", appId, installationId } or { kind: "existingSecret", secretName }' });

export const arcScaleSetSchema = strictObject({
  /** `org`, `org/repo` or `enterprises/<name>`. */
  githubScope: z.string().superRefine((v, ctx) => {
    if (!SCOPE.test(v)) ctx.addIssue({ code: "custom", message: `"${v}" is neither "org" nor "org/repo"`, params: { fix: 'set githubScope to an organisation ("my-org"), a repository ("my-org/my-repo") or "enterprises/<name>"' } });
  }),
  /** @default "https://github.com" */
  githubUrl: githubBaseUrl.optional(),
  /** Accept a plain `http://` githubUrl (a GitHub Enterprise Server on a trusted network only). @default false */
  allowInsecureHttp: z.boolean().optional(),
  /** How the scale set authenticates. The PAT or App private key itself is a Pulumi secret passed to the component, never part of this data. */
  credentials,
  /** @default 0 */
  minRunners: count("minRunners").optional(),
  /** @default 5 */
  maxRunners: count("maxRunners").optional(),
  runnerGroup: z.string().min(1).max(100).optional(),
  /** @default "arc-firecracker" */
  scaleSetName: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,43}[a-z0-9])?$/, { error: "must be a DNS-1123 label of at most 45 characters" }).optional(),
  /** @default ["self-hosted","linux","x64","firecracker"] */
  runnerLabels: z.array(z.string()).optional(),
  /** @default true */
  useFirecracker: z.boolean().optional(),
  /** @default "ghcr.io/actions/actions-runner:2.329.0" */
  runnerImage: z.string().optional(),
  resources: strictObject({ requests: z.record(z.string(), z.string()).optional(), limits: z.record(z.string(), z.string()).optional() }).optional(),
  podCidr: cidr,
  serviceCidr: cidr,
  nodeCidrs: z.array(cidr).max(256, { error: "lists more than 256 blocks" }),
  /** @default "arc-systems" */
  controllerNamespace: namespaceName.optional(),
  /** @default "arc-runners" */
  runnerNamespace: namespaceName.optional(),
  kata: strictObject({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be a released version such as 3.19.1 (never latest)" }).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    overhead: z.record(z.string(), z.string()).optional(),
  }).optional(),
  /** Who may reach the scale set: `untrusted` (outsiders' code, e.g. public pull requests) or `trusted`. @default "untrusted" */
  trust: z.enum(TRUST_LEVELS, { error: 'must be "trusted" or "untrusted"' }).optional(),
  /** How jobs run containers: `dind`, `kubernetes` or `kubernetes-novolume`; none by default. Refused on an untrusted scale set outside a microVM. */
  containerMode: containerModeSchema.optional(),
  /** Controller and listener metrics and how Prometheus scrapes them (on by default). */
  metrics: arcMetricsSchema.optional(),
  /** Explicit, named relaxations; refused together with Firecracker. */
  relax: strictObject({ hostNetwork: z.boolean().optional(), privileged: z.boolean().optional() }).optional(),
});

export type ArcScaleSetInput = z.input<typeof arcScaleSetSchema>;

export interface ResolvedArcScaleSet {
  readonly githubConfigUrl: string;
  readonly credentials: z.output<typeof credentials>;
  readonly minRunners: number;
  readonly maxRunners: number;
  readonly runnerGroup?: string;
  readonly scaleSetName: string;
  readonly runnerLabels: readonly string[];
  readonly useFirecracker: boolean;
  readonly runnerImage: string;
  readonly resources: { readonly requests: Readonly<Record<string, string>>; readonly limits: Readonly<Record<string, string>> };
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
  readonly controllerNamespace: string;
  readonly runnerNamespace: string;
  readonly chartVersion: string;
  readonly kata: { readonly version: string; readonly namespace: string; readonly runtimeClassName: string; readonly nodeSelector: Readonly<Record<string, string>>; readonly overhead: Readonly<Record<string, string>> };
  readonly hostNetwork: boolean;
  readonly privileged: boolean;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly dns: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** @default "untrusted" */
  readonly trust: TrustLevel;
  readonly containerMode?: ResolvedContainerMode;
  readonly metrics: ResolvedArcMetrics;
}

/** Validates a scale-set description and applies every default; throws {@link ConfigError} with every problem. */
export function resolveArcScaleSet(input: unknown): ResolvedArcScaleSet {
  const { rest, issues } = withoutLiteralSecrets(input);
  const parsed = arcScaleSetSchema.safeParse(rest, { reportInput: true });
  if (!parsed.success) throw new ConfigError([...issues, ...zodIssues(parsed.error)], "ARC scale set configuration");
  const c = parsed.data;
  const d = ARC_DEFAULTS;
  const min = c.minRunners ?? d.minRunners;
  const max = c.maxRunners ?? d.maxRunners;
  if (min > max) issues.push({ path: "minRunners", message: `${min} is greater than maxRunners (${max})`, fix: "set minRunners to at most maxRunners" });
  if (max < 1) issues.push({ path: "maxRunners", message: "is 0, so no job can ever run", fix: "set maxRunners to 1 or more" });
  issues.push(...insecureGithubUrlIssues(c.githubUrl, c.allowInsecureHttp));
  issues.push(...resourceIssues(c.resources, "resources"), ...labelMapIssues(c.kata?.nodeSelector, "kata.nodeSelector"));
  for (const [name, raw] of Object.entries(c.kata?.overhead ?? {})) {
    issues.push(...resourceIssues({ requests: { [name]: raw } }, "kata.overhead").map((i) => ({ ...i, path: i.path.replace("kata.overhead.requests.", "kata.overhead.") })));
  }
  const labels = c.runnerLabels ?? [...d.runnerLabels];
  if (labels.length === 0) issues.push({ path: "runnerLabels", message: "is empty", fix: `list at least one label, e.g. ${JSON.stringify(d.runnerLabels)}` });
  issues.push(...forgeLabelIssues("github", labels, "runnerLabels"));
  const image = c.runnerImage ?? d.runnerImage;
  const parsedImage = parseImage(image);
  if (typeof parsedImage === "string") issues.push({ path: "runnerImage", message: `image "${image}" ${parsedImage}`, fix: PIN_IMAGE_FIX });
  const useFirecracker = c.useFirecracker ?? d.useFirecracker;
  const hostNetwork = c.relax?.hostNetwork ?? false;
  const privileged = c.relax?.privileged ?? false;
  if (useFirecracker && hostNetwork) issues.push({ path: "relax.hostNetwork", message: "cannot be combined with useFirecracker: a host-networked pod bypasses the microVM's network and every NetworkPolicy", fix: "remove relax.hostNetwork, or set useFirecracker: false (and accept container isolation only)" });
  if (useFirecracker && privileged) issues.push({ path: "relax.privileged", message: "cannot be combined with useFirecracker: under Kata a privileged container gets the host's block devices", fix: "remove relax.privileged; jobs that need docker should use a rootless builder" });
  const nets = [
    ["podCidr", c.podCidr] as const,
    ["serviceCidr", c.serviceCidr] as const,
    ...c.nodeCidrs.map((n, i) => [`nodeCidrs[${i}]`, n] as const),
  ];
  if (c.nodeCidrs.length === 0) issues.push({ path: "nodeCidrs", message: "is empty", fix: 'list the CIDR(s) your nodes live in, e.g. ["192.168.1.0/24"]' });
  const parsedNets: [string, Cidr][] = [];
  for (const [p, v] of nets) {
    const parsedCidr = parseCidr(v);
    if (isCidr(parsedCidr)) parsedNets.push([p, parsedCidr]);
  }
  issues.push(...overlapIssues(parsedNets));
  const trust = c.trust ?? ARC_CONTAINER_MODE_DEFAULTS.trust;
  issues.push(...containerModeIssues(c.containerMode, trust, useFirecracker, "containerMode"), ...arcMetricsIssues(c.metrics, "metrics"));
  if (issues.length > 0) throw new ConfigError(issues, "ARC scale set configuration");
  return {
    githubConfigUrl: `${(c.githubUrl ?? d.githubUrl).replace(/\/+$/, "")}/${c.githubScope}`,
    credentials: c.credentials,
    minRunners: min,
    maxRunners: max,
    ...(c.runnerGroup === undefined ? {} : { runnerGroup: c.runnerGroup }),
    scaleSetName: c.scaleSetName ?? d.scaleSetName,
    runnerLabels: labels,
    useFirecracker,
    runnerImage: image,
    resources: { requests: c.resources?.requests ?? d.runnerResources.requests, limits: c.resources?.limits ?? d.runnerResources.limits },
    podCidr: parsedNets.find(([p]) => p === "podCidr")![1].text,
    serviceCidr: parsedNets.find(([p]) => p === "serviceCidr")![1].text,
    nodeCidrs: parsedNets.filter(([p]) => p.startsWith("nodeCidrs")).map(([, n]) => n.text),
    controllerNamespace: c.controllerNamespace ?? d.controllerNamespace,
    runnerNamespace: c.runnerNamespace ?? d.runnerNamespace,
    chartVersion: d.chartVersion,
    kata: {
      version: c.kata?.version ?? d.kataDeployVersion,
      namespace: d.kataNamespace,
      runtimeClassName: d.runtimeClassName,
      nodeSelector: c.kata?.nodeSelector ?? d.kataNodeSelector,
      overhead: c.kata?.overhead ?? d.kataOverhead,
    },
    hostNetwork,
    privileged,
    runAsUser: d.runAsUser,
    runAsGroup: d.runAsGroup,
    dns: { namespace: d.dnsNamespace, podLabels: d.dnsPodLabels },
    trust,
    ...(c.containerMode === undefined ? {} : { containerMode: resolveContainerMode(c.containerMode)! }),
    metrics: resolveArcMetrics(c.metrics),
  };
}

/** Keys under `credentials` that would hold secret material in plain configuration. */
const LITERAL_SECRET_KEY = /token|private_?key|secret$|password|pat$/i;

/** Reports secret material written into plain config (never quoting it) and strips it before parsing. */
function withoutLiteralSecrets(input: unknown): { rest: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { rest: input, issues };
  const creds = (input as Record<string, unknown>)["credentials"];
  if (creds === null || typeof creds !== "object" || Array.isArray(creds)) return { rest: input, issues };
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(creds)) {
    if (k !== "secretName" && LITERAL_SECRET_KEY.test(k)) {
      issues.push({
        path: `credentials.${k}`,
        message: "is a literal secret in plain configuration",
        fix: "remove it and pass the value as a Pulumi secret (`pulumi config set --secret githubToken`, or githubAppPrivateKey), or reference an existing Secret with credentials: { kind: existingSecret, secretName }",
      });
    } else kept[k] = v;
  }
  return { rest: { ...(input as Record<string, unknown>), credentials: kept }, issues };
}

/**
 * The scale set as a runner pool: jobs match its name and its labels (GitHub's implicit labels
 * included), from minRunners to maxRunners ephemeral runners, each for one job, in a microVM when
 * Firecracker is on.
 */
export function arcRunnerPools(s: ResolvedArcScaleSet): RunnerPool[] {
  const substrate = SUBSTRATES["arc-scale-set"];
  const labels = runsOnLabels("github", [s.scaleSetName, ...s.runnerLabels]);
  return [{ name: s.scaleSetName, forge: "github", substrate: substrate.kind, labels, min: s.minRunners, max: s.maxRunners, oneJob: true, isolation: s.useFirecracker ? substrate.isolation : "container", registration: { url: s.githubConfigUrl } }];
}
