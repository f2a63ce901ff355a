/**
 * Extra volumes of a runner pod, of the common kinds real runner manifests use (emptyDir with a
 * medium or size, a ConfigMap, a Secret, a projected volume, an existing claim), and the runner
 * container's mounts of them. Each is rendered exactly as written; the objects they name are
 * referenced, never created. Host paths are not among them: a runner that mounts the node's
 * filesystem is no longer fenced.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import { dnsLabel } from "./refine.ts";
import { objectName } from "./kubernetes-pod-options.ts";

/** A path inside a volume: relative, without `..`. */
export const relativePath = z.string().max(4096).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, { error: "must be a relative path inside the volume (no leading / and no ..)" });
/** File permission bits, as Kubernetes takes them (decimal in JSON; YAML may write 0644). */
const fileMode = z.number().int().min(0).max(0o777, { error: "must be file permission bits from 0 to 0777 (511)" });
const quantity = z.union([z.string().regex(/^[0-9]+(?:\.[0-9]+)?(?:[KMGTPE]i?|[mk]|e[0-9]+)?$/, { error: "must be a Kubernetes quantity such as 1Gi" }), z.number().min(0)]);
const keyToPath = strictObject({ key: z.string().min(1).max(253), path: relativePath, mode: fileMode.optional() });
const items = z.array(keyToPath).max(100, { error: "lists more than 100 keys" });

const emptyDir = strictObject({ medium: z.enum(["", "Memory"]).optional(), sizeLimit: quantity.optional() });
const configMap = strictObject({ name: objectName("an existing ConfigMap"), items: items.optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() });
const secret = strictObject({ secretName: objectName("an existing Secret"), items: items.optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() });
const persistentVolumeClaim = strictObject({ claimName: objectName("an existing PersistentVolumeClaim"), readOnly: z.boolean().optional() });
const projectedSource = strictObject({
  configMap: strictObject({ name: objectName("an existing ConfigMap"), items: items.optional(), optional: z.boolean().optional() }).optional(),
  secret: strictObject({ name: objectName("an existing Secret"), items: items.optional(), optional: z.boolean().optional() }).optional(),
  serviceAccountToken: strictObject({ path: relativePath, audience: z.string().max(253).optional(), expirationSeconds: z.number().int().min(600).max(2 ** 32, { error: "must be at most 4294967296 seconds" }).optional() }).optional(),
  downwardAPI: strictObject({ items: z.array(strictObject({ path: relativePath, fieldRef: strictObject({ fieldPath: z.string().min(1), apiVersion: z.literal("v1").optional() }) })).max(100) }).optional(),
});
const projected = strictObject({ sources: z.array(projectedSource).min(1).max(50), defaultMode: fileMode.optional() });

const VOLUME_KINDS = ["emptyDir", "configMap", "secret", "persistentVolumeClaim", "projected"] as const;

/** One extra pod volume: a name and exactly one source. */
export const extraVolumeSchema = strictObject({
  name: dnsLabel("a volume name"),
  emptyDir: emptyDir.optional(),
  configMap: configMap.optional(),
  secret: secret.optional(),
  persistentVolumeClaim: persistentVolumeClaim.optional(),
  projected: projected.optional(),
}).superRefine((v, ctx) => {
  if (VOLUME_KINDS.filter((k) => v[k] !== undefined).length !== 1) {
    ctx.addIssue({ code: "custom", message: `needs exactly one source: ${VOLUME_KINDS.join(", ")}`, params: { fix: "write one volume per entry, e.g. { name: docker-certs, emptyDir: { medium: Memory } }" } });
  }
  (v.projected?.sources ?? []).forEach((s, i) => {
    if (Object.values(s).filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({ code: "custom", path: ["projected", "sources", i], message: "needs exactly one of configMap, secret, serviceAccountToken, downwardAPI", params: { fix: "write one projection per entry" } });
    }
  });
});

/** A mount of a pod volume (any of the pod's, by name) in the runner container. */
export const extraVolumeMountSchema = strictObject({
  name: dnsLabel("the name of a volume of the pod"),
  mountPath: z.string().regex(/^\/(?!.*(^|\/)\.\.(\/|$))[^\0]*$/, { error: "must be an absolute path without .." }),
  subPath: relativePath.optional(),
  readOnly: z.boolean().optional(),
});

export type ExtraVolume = z.output<typeof extraVolumeSchema>;
export type ExtraVolumeMount = z.output<typeof extraVolumeMountSchema>;

export const extraVolumesShape = {
  /** Extra volumes of the pod, rendered as written: emptyDir, configMap, secret, persistentVolumeClaim or projected. */
  extraVolumes: z.array(extraVolumeSchema).max(50, { error: "lists more than 50 volumes" }).optional(),
  /** The runner container's mounts of the pod's volumes, by name, rendered as written. */
  extraVolumeMounts: z.array(extraVolumeMountSchema).max(50, { error: "lists more than 50 mounts" }).optional(),
};
