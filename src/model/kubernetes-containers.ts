/**
 * Containers beside the runner in its pod: sidecars (a docker-in-docker daemon, an app the runner
 * serves) and init containers (registration, copying tools into a shared volume). Each is written
 * as Kubernetes writes a container and rendered as written over the hardened defaults; a privileged
 * one needs `relax.privileged`, and `audit` reports it.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import { dnsLabel } from "./refine.ts";
import { envVarSchema } from "./kubernetes-env.ts";
import { extraVolumeMountSchema } from "./kubernetes-volumes.ts";
import { containerOptionsShape } from "./kubernetes-container-options.ts";
import { containerSecurityContextSchema } from "./kubernetes-security.ts";
import { envFromSchema } from "./kubernetes-pod-options.ts";

const quantity = z.union([z.string(), z.number()]);
/** A container's requests and limits (names and quantities are checked by `resourceIssues`). */
export const containerResourcesSchema = strictObject({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() });

const PORT = "must be a port number (1-65535)";
export const containerPortSchema = strictObject({
  containerPort: z.number().int({ error: PORT }).min(1, { error: PORT }).max(65_535, { error: PORT }),
  name: z.string().regex(/^(?=.*[a-z])[a-z0-9](?:[-a-z0-9]{0,13}[a-z0-9])?$/, { error: "must be a port name (at most 15 lower-case letters, digits and -)" }).optional(),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
  hostPort: z.unknown().superRefine((_, ctx) => ctx.addIssue({ code: "custom", message: "binds a port of the node; runner pods do not take node ports", params: { fix: "remove hostPort (nothing outside the pod should reach the runner)" } })).optional(),
});

/** What a runner's own container adds to the shared fields (ports, working directory, command). */
export const runnerContainerShape = {
  /** The runner container's name. @default "runner" */
  containerName: dnsLabel("a container name").optional(),
  /** Ports the runner container declares (informational; nothing is exposed). */
  ports: z.array(containerPortSchema).max(20).optional(),
  /** The runner container's working directory. */
  workingDir: z.string().startsWith("/", { error: "must be an absolute path" }).optional(),
};

const containerSchema = (init: boolean) => strictObject({
  name: dnsLabel("a container name"),
  /** Pinned by tag or digest unless relax.unpinnedImages. */
  image: z.string().min(1, { error: "must name an image" }),
  imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).optional(),
  command: z.array(z.string().max(32_768)).min(1, { error: "needs at least the program to run" }).max(100).optional(),
  args: z.array(z.string().max(262_144)).max(100).optional(),
  workingDir: z.string().startsWith("/", { error: "must be an absolute path" }).optional(),
  env: z.array(envVarSchema({})).max(200, { error: "lists more than 200 variables" }).optional(),
  envFrom: z.array(envFromSchema).max(20).optional(),
  ports: z.array(containerPortSchema).max(20).optional(),
  resources: containerResourcesSchema.optional(),
  /** Mounts of the pod's volumes, by name. */
  volumeMounts: z.array(extraVolumeMountSchema).max(50).optional(),
  securityContext: containerSecurityContextSchema.optional(),
  ...containerOptionsShape,
  /** `Always` makes an init container a native sidecar (Kubernetes 1.29+): it starts first and runs beside the runner. */
  ...(init ? { restartPolicy: z.literal("Always", { error: "must be Always (a native sidecar) or left out" }).optional() } : {}),
});

export const sidecarSchema = containerSchema(false);
export const initContainerSchema = containerSchema(true);
export type ContainerPort = z.output<typeof containerPortSchema>;
export type SidecarContainer = z.output<typeof sidecarSchema>;
export type InitContainer = z.output<typeof initContainerSchema>;

export const containersShape = {
  /** Containers that run beside the runner, rendered as written (over the hardened defaults). */
  sidecars: z.array(sidecarSchema).max(10, { error: "lists more than 10 containers" }).optional(),
  /** Containers that run to completion before the runner starts, rendered as written. */
  initContainers: z.array(initContainerSchema).max(10, { error: "lists more than 10 containers" }).optional(),
};
