/**
 * The Forgejo forge on the Kubernetes Deployment substrate: forgejo-runner pods that register with
 * a token read from an existing Secret and run `forgejo-runner daemon`. The pod part is shared with
 * every forge (`kubernetes-runner.ts`); registration, labels and the runner's `config.yaml` are
 * Forgejo's. The pods meet Pod Security `restricted`, so jobs run in the runner container
 * (`<name>:host` labels); `docker://` labels need a Docker daemon outside the pod, a named relaxation.
 */
import { z } from "./zod.ts";
import { FORGEJO_K8S_DEFAULTS, FORGEJO_K8S_SUFFIX, MAX_FORGEJO_CAPACITY } from "./defaults.ts";
import { type ConfigIssue, ConfigError } from "./issues.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";
import { baseUrlProblem, dnsLabel, isInsecureHttp, isRecord, wholeNumberProblem } from "./refine.ts";
import { parseRunnerLabel } from "./runner-label.ts";
import { isCidr, parseCidr } from "./cidr.ts";
import { extraEgressIssues, extraEgressSchema, type ResolvedExtraEgress, resolveExtraEgress } from "./extra-egress.ts";
import {
  deploymentNameIssues, fencedLabelIssues, rawSecurityIssues, missingNamespaceIssues, imageReference, relaxationShape, replicasSchema, resolveRunnerPod, runnerLabelIssues, runnerListIssues, runnerNameSchema, runnerPodShape,
  type ResolvedRunnerPod,
} from "./kubernetes-runner.ts";

/** Env names runner-fleet decides from the runner description; the runner container's own variables may not override them. */
export const FORGEJO_DERIVED_ENV: Readonly<Record<string, string>> = {
  DOCKER_HOST: "relax.dockerHost",
};

const forgejoUrl = z.string({ error: "must be text (the forge's base URL)" }).superRefine((v, ctx) => {
  const problem = baseUrlProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, params: { fix: 'give the https base URL of your Forgejo instance without credentials, query or fragment, e.g. "https://code.example.com"' } });
});

/** A Docker daemon outside the pod, reached over TCP: `tcp://host:port`. */
const dockerHost = z.string().superRefine((v, ctx) => {
  let ok = false;
  try {
    const u = new URL(v);
    ok = u.protocol === "tcp:" && u.hostname !== "" && u.port !== "" && u.username === "" && u.password === "" && u.pathname === "" && u.search === "" && u.hash === "";
  } catch { /* reported below */ }
  if (!ok) ctx.addIssue({ code: "custom", message: "is not a tcp://host:port address", params: { fix: 'give the TCP address of a Docker daemon outside this pod, e.g. "tcp://docker.ci.svc.cluster.local:2376"; a socket would need a hostPath, which Pod Security restricted forbids' } });
});

/** The pod volumes and init container the Forgejo part adds to every runner pod. */
export const FORGEJO_POD_VOLUMES = { config: "config", registration: "registration" } as const;
export const FORGEJO_REGISTER_CONTAINER = "register";

export const forgejoRunnerSchema = strictObject({
  /** Runner name; objects are named `<name>-forgejo-runner`. */
  name: runnerNameSchema(FORGEJO_K8S_SUFFIX),
  /** forgejo-runner image, pinned by tag or digest. @default "code.forgejo.org/forgejo/runner:12.6.4" */
  image: imageReference.optional(),
  /** Labels in Forgejo form, `name:host` or `name:docker://image:tag`. @default ["k8s:host"] */
  labels: z.array(z.string()).optional(),
  /** Pods for this runner. @default 1 */
  replicas: replicasSchema.optional(),
  /** Jobs one pod runs at once (`runner.capacity`). @default 1 */
  capacity: z.number({ error: "must be a number" }).superRefine((v, ctx) => {
    const problem = wholeNumberProblem(v, 1, MAX_FORGEJO_CAPACITY);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, params: { fix: `set capacity from 1 to ${MAX_FORGEJO_CAPACITY}; for more jobs at once raise replicas` } });
  }).optional(),
  ...runnerPodShape(FORGEJO_DERIVED_ENV),
  relax: strictObject({
    ...relaxationShape,
    /** Run `docker://` labels' jobs on this Docker daemon outside the pod; every job can then control it. */
    dockerHost: dockerHost.optional(),
  }).optional(),
});

/** The forgejo-k8s-runners fleet as a stack configures it (the token stays in its Secret). */
export const forgejoK8sFleetSchema = strictObject({
  forge: z.literal("forgejo", { error: 'must be "forgejo"' }),
  /** @default "forgejo-runners" */
  namespace: dnsLabel("an existing namespace").optional(),
  /** The Forgejo instance the runners register with. */
  forgejoUrl,
  /** Accept a plain `http://` forgejoUrl (a forge on a trusted network only). @default false */
  allowInsecureHttp: z.boolean().optional(),
  /** The existing Secret holding the registration token. @default { name: "forgejo-runner-registration", key: "token" } */
  registrationSecret: strictObject({
    name: dnsLabel("the name of an existing Secret", 253),
    key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a Secret data key (1-253 letters, digits, -, _ and .)" }),
  }).optional(),
  /**
   * Default-deny NetworkPolicies around the runner pods: no ingress; egress to the cluster's DNS,
   * to public addresses on port 443, to the forge and to `extraEgress` only. `false` is the
   * opt-out: the pods then reach every address and every pod may reach them. @default true
   */
  networkPolicies: z.boolean().optional(),
  /** Destinations the fenced pods may reach beyond DNS, public HTTPS and the forge: `{ name, cidr, ports }` each, its own NetworkPolicy. @default [] */
  extraEgress: extraEgressSchema.optional(),
  /**
   * The addresses of a forge whose name resolves to a private address (a forge on the home network
   * or in the cluster), as CIDR blocks: the runners may reach them on the forge's port. A forge
   * given by address needs none. @default [] (the forge is reached at public addresses)
   */
  forgeCidrs: z.array(z.string().superRefine((v, ctx) => {
    const c = parseCidr(v);
    if (!isCidr(c)) ctx.addIssue({ code: "custom", message: c.problem, params: { fix: c.fix } });
  })).max(20, { error: "lists more than 20 blocks" }).optional(),
  runners: z.array(forgejoRunnerSchema, { error: "must be a list of runner descriptions" }),
});

export type ForgejoK8sFleetInput = z.input<typeof forgejoK8sFleetSchema>;
export type ForgejoK8sRunnerInput = z.input<typeof forgejoRunnerSchema>;

/** One forgejo-runner Deployment: the pod, and how forgejo-runner registers and runs. */
export interface ResolvedForgejoRunner extends ResolvedRunnerPod {
  /** Labels in Forgejo form, as `register --labels` and `runner.labels` take them. */
  readonly labels: readonly string[];
  readonly capacity: number;
  /** The runner's data directory (HOME, `.runner`, cache, job directories). */
  readonly dataDir: string;
  /** A Docker daemon outside the pod for `docker://` labels (relaxation), else unset. */
  readonly dockerHost?: string;
  /** Name of the ConfigMap that holds this runner's `config.yaml`. */
  readonly configMapName: string;
}
export interface ResolvedForgejoK8sFleet {
  readonly forge: "forgejo";
  readonly namespace: string;
  /** The Forgejo instance URL (`register --instance`). */
  readonly instanceUrl: string;
  readonly registrationSecret: { readonly name: string; readonly key: string };
  readonly runners: readonly ResolvedForgejoRunner[];
  /** Whether default-deny NetworkPolicies fence the runner pods. */
  readonly networkPolicies: boolean;
  /** Egress the runners need to reach the forge beyond public HTTPS on port 443, if any. */
  readonly forgeEgress?: ForgeEgress;
  /** What the fence lets the pods reach beyond DNS, public HTTPS and the forge (none when unfenced). */
  readonly extraEgress: readonly ResolvedExtraEgress[];
}

/** Where the forge is, for the fence: its port, and its blocks (none: any public address). */
export interface ForgeEgress {
  readonly port: number;
  readonly cidrs?: readonly string[];
}

/**
 * The egress a fenced runner needs to reach the forge at `url`, beyond public HTTPS on port 443:
 * the address itself when the URL names one, the given blocks when its name resolves to private
 * addresses, else public addresses on another port; undefined when public HTTPS covers it.
 */
export function forgeEgressOf(url: string, forgeCidrs: readonly string[]): ForgeEgress | undefined {
  const u = new URL(url);
  const port = u.port !== "" ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const address = parseCidr(host.includes(":") ? `${host}/128` : `${host}/32`);
  if (isCidr(address)) return { port, cidrs: [address.text] };
  if (forgeCidrs.length > 0) return { port, cidrs: forgeCidrs.map((c) => { const p = parseCidr(c); return isCidr(p) ? p.text : c; }) };
  return port === 443 ? undefined : { port };
}

const SUBJECT = "forgejo-k8s-runners fleet configuration";

/**
 * Validates a Forgejo fleet description and applies every default. Throws {@link ConfigError}
 * listing every problem (key path, what is wrong, how to fix it).
 */
export function resolveForgejoK8sFleet(input: unknown): ResolvedForgejoK8sFleet {
  const parsed = forgejoK8sFleetSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError([...missingNamespaceIssues(input), ...zodIssues(parsed.error), ...runnerListIssues(input), ...runnerLabelIssues("forgejo", input), ...rawSecurityIssues(input), ...dockerLabelIssues(input), ...extraEgressIssues(input, FORGEJO_K8S_DEFAULTS.networkPolicies)], SUBJECT);
  const cfg = parsed.data;
  const d = FORGEJO_K8S_DEFAULTS;
  const issues: ConfigIssue[] = [...missingNamespaceIssues(cfg), ...runnerListIssues(cfg), ...runnerLabelIssues("forgejo", cfg), ...dockerLabelIssues(cfg)];
  if (cfg.allowInsecureHttp !== true && isInsecureHttp(cfg.forgejoUrl)) {
    issues.push({ path: "forgejoUrl", message: "uses plain http: the registration token and every job's logs and secrets would travel unencrypted", fix: "use the https:// address; only for a forge on a trusted network, set allowInsecureHttp: true knowingly" });
  }
  const runners = cfg.runners.map((r, i): ResolvedForgejoRunner => {
    const at = `runners[${i}]`;
    const pod = resolveRunnerPod({ ...r, image: r.image ?? d.image }, at, FORGEJO_K8S_SUFFIX, [], [{ volumeName: "data", mountPath: d.dataDir, what: "the runner's data directory" }], issues);
    (r.initContainers ?? []).forEach((c, j) => {
      if (c.name === FORGEJO_REGISTER_CONTAINER) issues.push({ path: `${at}.initContainers[${j}].name`, message: `"${c.name}" is the name of the runner's own registration container`, fix: "give the init container another name" });
    });
    (r.extraVolumes ?? []).forEach((v, j) => {
      if ((Object.values(FORGEJO_POD_VOLUMES) as string[]).includes(v.name)) issues.push({ path: `${at}.extraVolumes[${j}].name`, message: `"${v.name}" is the name of a volume runner-fleet adds to every Forgejo runner pod`, fix: "give the volume another name" });
    });
    const labels = r.labels ?? [...d.labels];
    const dockerHostValue = r.relax?.dockerHost;
    if (labels.length === 0) issues.push({ path: `${at}.labels`, message: "is empty, so no job can select this runner", fix: `list at least one label, e.g. ${JSON.stringify(d.labels)}` });
    return {
      ...pod,
      labels,
      capacity: r.capacity ?? d.capacity,
      dataDir: d.dataDir,
      ...(dockerHostValue === undefined ? {} : { dockerHost: dockerHostValue }),
      configMapName: `${pod.objectName}-config`,
    };
  });
  const fenced = cfg.networkPolicies ?? d.networkPolicies;
  issues.push(...fencedLabelIssues(runners, fenced), ...deploymentNameIssues(runners), ...extraEgressIssues(cfg, d.networkPolicies));
  if (issues.length > 0) throw new ConfigError(issues, SUBJECT);
  return {
    forge: "forgejo",
    namespace: cfg.namespace ?? "",
    instanceUrl: cfg.forgejoUrl.replace(/\/+$/, ""),
    registrationSecret: cfg.registrationSecret ?? { ...d.registrationSecret },
    runners,
    networkPolicies: fenced,
    ...withForgeEgress(forgeEgressOf(cfg.forgejoUrl, cfg.forgeCidrs ?? d.forgeCidrs)),
    extraEgress: resolveExtraEgress(cfg.extraEgress ?? d.extraEgress),
  };
}

const withForgeEgress = (e: ForgeEgress | undefined): { forgeEgress?: ForgeEgress } => (e === undefined ? {} : { forgeEgress: e });

/**
 * `docker://` labels of runners without `relax.dockerHost`: a Pod Security restricted pod cannot run
 * Docker. Read from raw input so that they are reported with every other problem.
 */
function dockerLabelIssues(input: unknown): ConfigIssue[] {
  const runners = isRecord(input) ? input["runners"] : undefined;
  if (!Array.isArray(runners)) return [];
  return runners.flatMap((r, i) => {
    if (!isRecord(r) || !Array.isArray(r["labels"])) return [];
    const relax = r["relax"];
    if (isRecord(relax) && relax["dockerHost"] !== undefined) return [];
    const at = `runners[${i}]`;
    return (r["labels"] as unknown[]).flatMap((l, j): ConfigIssue[] => {
      const label = typeof l === "string" ? parseRunnerLabel(l) : undefined;
      if (label === undefined || typeof label === "string" || label.kind !== "docker") return [];
      return [{
        path: `${at}.labels[${j}]`,
        message: `"${String(l)}" runs jobs in Docker containers, which a Pod Security restricted pod cannot host (docker-in-docker needs a privileged container)`,
        fix: `write "${label.name}:host" to run jobs in the runner container (use a runner image with the tools your jobs need), or set ${at}.relax.dockerHost to a Docker daemon outside this pod, knowing that every job can then control that daemon`,
      }];
    });
  });
}
