/**
 * The runner container's probes and lifecycle hooks, as real runner manifests write them (a
 * liveness check on the runner's listener, a `preStop` that removes the registration): rendered
 * exactly as written, left out when unset.
 */
import { z } from "./zod.ts";
import { exactlyOneOf, strictObject } from "./zod-issues.ts";

const PORT = "must be a port number (1-65535) or a port name";
const port = z.union([z.number().int({ error: PORT }).min(1, { error: PORT }).max(65_535, { error: PORT }), z.string().regex(/^[a-z0-9](?:[-a-z0-9]{0,13}[a-z0-9])?$/, { error: PORT })], { error: PORT });
const seconds = (max: number) => z.number().int().min(0).max(max, { error: `must be at most ${max} seconds` });
const command = z.array(z.string().max(32_768)).min(1, { error: "needs at least the program to run" }).max(100);

const exec = strictObject({ command });
const httpGet = strictObject({
  path: z.string().startsWith("/", { error: "must start with /" }).optional(),
  port,
  host: z.string().max(253).optional(),
  scheme: z.enum(["HTTP", "HTTPS"]).optional(),
  httpHeaders: z.array(strictObject({ name: z.string().min(1).max(256), value: z.string().max(4096) })).max(20).optional(),
});
const tcpSocket = strictObject({ port, host: z.string().max(253).optional() });

/** Exactly one way to act. */
const oneAction = (keys: readonly string[]) => exactlyOneOf(keys, `needs exactly one of ${keys.join(", ")}`, "write one action, e.g. exec: { command: [...] }");

const PROBE_ACTIONS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const probe = strictObject({
  exec: exec.optional(),
  httpGet: httpGet.optional(),
  tcpSocket: tcpSocket.optional(),
  grpc: strictObject({ port: z.number().int().min(1).max(65_535), service: z.string().optional() }).optional(),
  initialDelaySeconds: seconds(86_400).optional(),
  periodSeconds: z.number().int().min(1).max(86_400).optional(),
  timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  successThreshold: z.number().int().min(1).max(1000).optional(),
  failureThreshold: z.number().int().min(1).max(1000).optional(),
  terminationGracePeriodSeconds: z.number().int().min(1).max(604_800).optional(),
}).superRefine(oneAction(PROBE_ACTIONS));

const HOOK_ACTIONS = ["exec", "httpGet", "tcpSocket", "sleep"] as const;
const hook = strictObject({
  exec: exec.optional(),
  httpGet: httpGet.optional(),
  tcpSocket: tcpSocket.optional(),
  sleep: strictObject({ seconds: seconds(604_800) }).optional(),
}).superRefine(oneAction(HOOK_ACTIONS));

export const containerOptionsShape = {
  /** Restarts the runner when it fails (e.g. `exec: { command: [pgrep, -f, Runner.Listener] }`). */
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: probe.optional(),
  /** `postStart` and `preStop` hooks (e.g. a `preStop` that removes the runner's registration). */
  lifecycle: strictObject({ postStart: hook.optional(), preStop: hook.optional() }).optional(),
};

export type ContainerOptions = z.output<ReturnType<typeof strictObject<typeof containerOptionsShape>>>;
