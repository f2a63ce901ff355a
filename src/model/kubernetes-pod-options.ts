/**
 * Settings of a runner Deployment that real manifests carry and runner-fleet has no opinion on:
 * the rollout strategy, the pod's service account, priority, runtime class, DNS policy, image pull
 * secrets and grace period, and whole Secrets or ConfigMaps as environment (`envFrom`). Each is
 * rendered exactly as written and left out when unset, so a fleet that sets none renders what it
 * did before and an imported manifest renders what it held.
 */
import { z } from "./zod.ts";
import { exactlyOneOf, strictObject } from "./zod-issues.ts";
import { objectName } from "./refine.ts";
import type { ConfigIssue } from "./issues.ts";
import { labelMapIssues } from "./kubernetes-rules.ts";


/** A count of pods or a percentage of them, as a rolling update takes `maxSurge` and `maxUnavailable`. */
const intOrPercent = z.union([z.number().int().min(0).max(100_000), z.string().regex(/^(?:100|[1-9]?[0-9])%$/)], { error: 'must be a number of pods (e.g. 1) or a percentage (e.g. "25%")' });

const isZero = (v: number | string | undefined) => v === 0 || v === "0%";

const strategySchema = z
  .union([
    strictObject({ type: z.literal("Recreate") }),
    strictObject({ type: z.literal("RollingUpdate"), rollingUpdate: strictObject({ maxSurge: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() }).optional() }),
  ], { error: 'must be { type: Recreate } or { type: RollingUpdate, rollingUpdate: { maxSurge, maxUnavailable } }' })
  .superRefine((s, ctx) => {
    if (s.type === "RollingUpdate" && isZero(s.rollingUpdate?.maxSurge) && isZero(s.rollingUpdate?.maxUnavailable)) {
      ctx.addIssue({ code: "custom", path: ["rollingUpdate"], message: "sets maxSurge and maxUnavailable both to 0, so no pod could ever be replaced", params: { fix: "let at least one of them be above 0, or use { type: Recreate }" } });
    }
  });

const envSourceRef = (what: string) => strictObject({ name: objectName(what), optional: z.boolean().optional() });

/** Every key of an existing ConfigMap or Secret as environment variables, optionally prefixed. */
export const envFromSchema = strictObject({
  configMapRef: envSourceRef("an existing ConfigMap").optional(),
  secretRef: envSourceRef("an existing Secret").optional(),
  prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must start an environment variable name (letters, digits, _)" }).optional(),
}).superRefine(exactlyOneOf(["configMapRef", "secretRef"], "needs exactly one of configMapRef or secretRef", "write one source per entry: { secretRef: { name: <secret> } } or { configMapRef: { name: <configmap> } }"));

const metadataSchema = strictObject({
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string().max(317), z.string().max(262_144)).optional(),
});

/** Labels and annotations of a runner's objects, and the selector that ties the Deployment to its pods. */
export const objectMetadataShape = {
  /** The Deployment's labels and annotations. @default labels { app: <object name> } and the recommended app.kubernetes.io labels */
  metadata: metadataSchema.optional(),
  /** The pod template's labels and annotations. @default labels: the selector's and the recommended app.kubernetes.io labels */
  podMetadata: metadataSchema.optional(),
  /** The Deployment's `selector.matchLabels` (the pods must carry them). @default { app: <object name> } */
  selector: z.record(z.string(), z.string()).optional(),
};

/** A runner's labels, annotations and selector as written. */
export type ObjectMetadataInput = z.output<ReturnType<typeof strictObject<typeof objectMetadataShape>>>;

export interface ObjectMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}
export interface ResolvedObjectMetadata {
  readonly deployment: ObjectMetadata;
  readonly pod: ObjectMetadata;
  readonly selector: Readonly<Record<string, string>>;
}

/**
 * The runner's labels, annotations and selector, as written or by default `app: <objectName>`;
 * pushes a problem for every label that is not a valid one and every selector label the pods lack.
 */
export function resolveObjectMetadata(r: ObjectMetadataInput, objectName: string, kind: string, at: string, issues: ConfigIssue[]): ResolvedObjectMetadata {
  issues.push(...labelMapIssues(r.metadata?.labels, `${at}.metadata.labels`), ...labelMapIssues(r.podMetadata?.labels, `${at}.podMetadata.labels`), ...labelMapIssues(r.selector, `${at}.selector`));
  const selector = r.selector ?? { app: objectName };
  const podLabels = r.podMetadata?.labels ?? { ...selector, ...recommendedLabels(objectName, kind) };
  for (const [k, v] of Object.entries(selector)) {
    if (podLabels[k] !== v) issues.push({ path: r.selector ? `${at}.selector.${k}` : `${at}.podMetadata.labels`, message: `the Deployment selects its pods by ${k}: ${v}, which the pod labels ${k in podLabels ? "give another value" : "lack"}`, fix: r.selector ? `add ${k}: ${v} to podMetadata.labels, or select by labels the pods carry` : `add ${k}: ${v} to podMetadata.labels, or set selector to labels the pods carry` });
  }
  const meta = (labels: Record<string, string>, annotations: Record<string, string> | undefined): ObjectMetadata => ({ labels: { ...labels }, ...(annotations === undefined ? {} : { annotations: { ...annotations } }) });
  return { deployment: meta(r.metadata?.labels ?? { app: objectName, ...recommendedLabels(objectName, kind) }, r.metadata?.annotations), pod: meta(podLabels, r.podMetadata?.annotations), selector: { ...selector } };
}

/**
 * Kubernetes' recommended labels for a runner that writes none (`app.kubernetes.io/managed-by` is
 * the Pulumi provider's). The selector stays `app: <object name>`: a Deployment's selector cannot
 * change, so fleets created before these labels keep updating in place.
 */
export function recommendedLabels(objectName: string, kind: string): Record<string, string> {
  return { "app.kubernetes.io/name": kind, "app.kubernetes.io/instance": objectName, "app.kubernetes.io/component": "runner", "app.kubernetes.io/part-of": "runner-fleet" };
}

/** The settings, each optional: spread into a runner's schema. */
export const podOptionsShape = {
  /** The Deployment's rollout; unset leaves the Kubernetes default (RollingUpdate). Runners on a ReadWriteOnce claim want { type: Recreate }. */
  strategy: strategySchema.optional(),
  /** The pod's ServiceAccount (it must exist); unset uses the namespace's `default`. */
  serviceAccountName: objectName("an existing ServiceAccount").optional(),
  /** An existing PriorityClass. */
  priorityClassName: objectName("an existing PriorityClass").optional(),
  /** An existing RuntimeClass (e.g. a sandboxed runtime such as gVisor or Kata). */
  runtimeClassName: objectName("an existing RuntimeClass").optional(),
  /** `None` needs a dnsConfig, which runner-fleet does not write, so it is not offered. */
  dnsPolicy: z.enum(["ClusterFirst", "ClusterFirstWithHostNet", "Default"]).optional(),
  /** Secrets (type kubernetes.io/dockerconfigjson) to pull the images with, by name. */
  imagePullSecrets: z.array(objectName("an existing image pull Secret")).max(20, { error: "lists more than 20 Secrets" }).optional(),
  /** Seconds a stopping runner gets to finish its job before it is killed. */
  terminationGracePeriodSeconds: z.number().int().min(0).max(604_800, { error: "must be at most 604800 seconds (a week)" }).optional(),
  /** A Deployment's pods always restart; written out by some manifests. */
  restartPolicy: z.literal("Always", { error: "must be Always (the only policy a Deployment's pods take) or left out" }).optional(),
  /** Every key of existing ConfigMaps or Secrets as the runner container's environment. */
  envFrom: z.array(envFromSchema).max(20, { error: "lists more than 20 sources" }).optional(),
};

export type PodOptions = z.output<ReturnType<typeof strictObject<typeof podOptionsShape>>>;

/** The keys of `shape` that `r` sets, copied: settings rendered as written carry only what was written. */
export function setKeysOf<T extends object>(shape: object, r: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const v = (r as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = structuredClone(v);
  }
  return out as T;
}
