/**
 * Extra volumes of a runner pod, of the common kinds real runner manifests use (emptyDir with a
 * medium or size, a ConfigMap, a Secret, a projected volume, an existing claim), and the runner
 * container's mounts of them. Each is rendered exactly as written; the objects they name are
 * referenced, never created. A host path is accepted only with `relax.hostPath`: a runner that
 * mounts the node's filesystem is no longer fenced from the node.
 */
import { z } from "./zod.ts";
import { exactlyOneOf, strictObject } from "./zod-issues.ts";
import { absolutePath, dnsLabel, objectName, relativePath } from "./refine.ts";
import { parseQuantity } from "./kubernetes-rules.ts";

/** A file's path inside a volume (not empty, unlike a mount's subPath). */
const filePath = relativePath.min(1, { error: "must be a relative path inside the volume (no leading / and no ..)" });
/** File permission bits, as Kubernetes takes them (decimal in JSON; YAML may write 0644). */
const fileMode = z.number().int().min(0).max(0o777, { error: "must be file permission bits from 0 to 0777 (511)" });
const quantity = z.union([z.string(), z.number()]).refine((v) => (parseQuantity(v) ?? -1) >= 0, { error: "must be a Kubernetes quantity such as 1Gi" });
const keyToPath = strictObject({ key: z.string().min(1).max(253), path: filePath, mode: fileMode.optional() });
const items = z.array(keyToPath).max(100, { error: "lists more than 100 keys" });

const emptyDir = strictObject({ medium: z.enum(["", "Memory"]).optional(), sizeLimit: quantity.optional() });
const configMap = strictObject({ name: objectName("an existing ConfigMap"), items: items.optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() });
const secret = strictObject({ secretName: objectName("an existing Secret"), items: items.optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() });
const persistentVolumeClaim = strictObject({ claimName: objectName("an existing PersistentVolumeClaim"), readOnly: z.boolean().optional() });
const projectedSource = strictObject({
  configMap: strictObject({ name: objectName("an existing ConfigMap"), items: items.optional(), optional: z.boolean().optional() }).optional(),
  secret: strictObject({ name: objectName("an existing Secret"), items: items.optional(), optional: z.boolean().optional() }).optional(),
  serviceAccountToken: strictObject({ path: filePath, audience: z.string().max(253).optional(), expirationSeconds: z.number().int().min(600).max(2 ** 32, { error: "must be at most 4294967296 seconds" }).optional() }).optional(),
  downwardAPI: strictObject({ items: z.array(strictObject({ path: filePath, fieldRef: strictObject({ fieldPath: z.string().min(1), apiVersion: z.literal("v1").optional() }) })).max(100) }).optional(),
}).superRefine(exactlyOneOf(["configMap", "secret", "serviceAccountToken", "downwardAPI"], "needs exactly one of configMap, secret, serviceAccountToken, downwardAPI", "write one projection per entry"));
const projected = strictObject({ sources: z.array(projectedSource).min(1).max(50), defaultMode: fileMode.optional() });

/** A path of the node (only with relax.hostPath). */
const hostPath = strictObject({ path: absolutePath, type: z.enum(["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]).optional() });

const VOLUME_KINDS = ["emptyDir", "configMap", "secret", "persistentVolumeClaim", "projected", "hostPath"] as const;

/** One extra pod volume: a name and exactly one source. */
export const extraVolumeSchema = strictObject({
  name: dnsLabel("a volume name"),
  emptyDir: emptyDir.optional(),
  configMap: configMap.optional(),
  secret: secret.optional(),
  persistentVolumeClaim: persistentVolumeClaim.optional(),
  projected: projected.optional(),
  /** The node's filesystem: only with relax.hostPath (the runner is then not fenced from the node). */
  hostPath: hostPath.optional(),
}).superRefine(exactlyOneOf(VOLUME_KINDS, `needs exactly one source: ${VOLUME_KINDS.join(", ")}`, "write one volume per entry, e.g. { name: docker-certs, emptyDir: { medium: Memory } }"));

/** A mount of a pod volume (any of the pod's, by name) in the runner container. */
export const extraVolumeMountSchema = strictObject({
  name: dnsLabel("the name of a volume of the pod"),
  mountPath: absolutePath,
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
