/**
 * Credentials passed to containers as environment variables: each `env[].valueFrom.secretKeyRef`
 * and `envFrom[].secretRef` of every container (init, regular, ephemeral) of a pod template. A
 * variable is inherited by every process the container starts (a runner's job steps included) and
 * can be read in `/proc/<pid>/environ` by any process of the same user; a file of a secret volume
 * is read only by what opens it. Warnings: they are reported, and do not fail the audit.
 */
import type { WorkloadPod } from "../network/pods-from.ts";
import { safeText } from "../quote.ts";
import { join } from "./types.ts";

/** One credential a container takes from a Secret as environment variables. */
export interface CredentialWarning {
  /** `namespace/Kind/name` of the object that runs the pod. */
  readonly pod: string;
  /** The container's name. */
  readonly container: string;
  /** The variable (`env`); absent for `envFrom`, which makes a variable of every key of the Secret. */
  readonly variable?: string;
  /** With `envFrom`, the prefix of every variable, if any. */
  readonly prefix?: string;
  /** The Secret's name. */
  readonly secret: string;
  /** The Secret's key (`env`); absent for `envFrom` (every key). */
  readonly key?: string;
  /** Field path, e.g. `spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef`. */
  readonly path: string;
  readonly message: string;
  /** How to pass it as a file instead. */
  readonly fix: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const text = (v: unknown, fallback: string) => (typeof v === "string" && v !== "" ? safeText(v) : fallback);

/** What a variable exposes, for the message. */
const INHERITED = "every process of the container inherits it (a runner's job steps included), and any process of the same user can read it in /proc/<pid>/environ";

/** What an `ACTIONS_RUNNER_INPUT_*` variable exposes: the runner keeps it from its jobs, not from /proc. */
const KEPT = "the actions runner keeps it out of its jobs' environment, but every process that started with it (the container's first process among them) still shows it in /proc/<pid>/environ to any process of the same user, a job step included";

/**
 * The actions runner reads `ACTIONS_RUNNER_INPUT_*` from its environment only (or from the command
 * line). It removes them from the environment its job processes inherit (`CommandSettings`), but
 * the environment a process started with stays in its /proc/<pid>/environ.
 */
const ACTIONS_RUNNER_INPUT = /^ACTIONS_RUNNER_INPUT_/;

function envFix(variable: string, secret: string, key: string): string {
  if (ACTIONS_RUNNER_INPUT.test(variable)) {
    return "the actions runner takes ACTIONS_RUNNER_INPUT_* from its environment or its command line only, never from a file: register just in time instead (a runner-fleet runner: registration: jit, where only the minter container mounts the credential, as a file; or an ARC scale set)";
  }
  return `mount it as a file and have the program read the file: in a runner-fleet runner, replace this env entry with secretFiles: [{ secret: ${secret}, key: ${key}, path: /run/secrets/${secret}/${key} }]; in any other pod, a secret volume { secretName: ${secret}, items: [{ key: ${key}, path: ${key} }], defaultMode: 0400 } mounted readOnly in this container only`;
}

/** The credentials every container of `p` takes from Secrets as environment variables. */
export function envCredentialWarnings(p: WorkloadPod): CredentialWarning[] {
  const out: CredentialWarning[] = [];
  const spec: unknown = p.template.spec;
  if (!isRecord(spec)) return out;
  const specPath = join(p.templatePath, "spec");
  // Init, regular, then ephemeral containers, as Pod Security Admission visits them; any shape is read without throwing.
  const containers = (["initContainers", "containers", "ephemeralContainers"] as const).flatMap((kind) => {
    const list = spec[kind];
    return Array.isArray(list) ? (list as unknown[]).map((container, i) => ({ container, path: `${specPath}.${kind}[${i}]` })) : [];
  });
  for (const { container, path } of containers) {
    if (!isRecord(container)) continue;
    const name = text(container["name"], "(unnamed)");
    const env = container["env"];
    if (Array.isArray(env)) {
      (env as unknown[]).forEach((e, j) => {
        const ref = isRecord(e) && isRecord(e["valueFrom"]) ? e["valueFrom"]["secretKeyRef"] : undefined;
        if (!isRecord(e) || !isRecord(ref)) return;
        const variable = text(e["name"], "(unnamed)");
        const secret = text(ref["name"], "(unnamed)");
        const key = text(ref["key"], "(no key)");
        out.push({
          pod: p.name,
          container: name,
          variable,
          secret,
          key,
          path: `${path}.env[${j}].valueFrom.secretKeyRef`,
          message: `${variable} holds key ${key} of Secret ${secret} as an environment variable: ${ACTIONS_RUNNER_INPUT.test(variable) ? KEPT : INHERITED}`,
          fix: envFix(variable, secret, key),
        });
      });
    }
    const envFrom = container["envFrom"];
    if (Array.isArray(envFrom)) {
      (envFrom as unknown[]).forEach((e, j) => {
        const ref = isRecord(e) ? e["secretRef"] : undefined;
        if (!isRecord(e) || !isRecord(ref)) return;
        const secret = text(ref["name"], "(unnamed)");
        const prefix = typeof e["prefix"] === "string" && e["prefix"] !== "" ? safeText(e["prefix"]) : undefined;
        out.push({
          pod: p.name,
          container: name,
          ...(prefix === undefined ? {} : { prefix }),
          secret,
          path: `${path}.envFrom[${j}].secretRef`,
          message: `every key of Secret ${secret} becomes an environment variable${prefix === undefined ? "" : ` (prefixed ${prefix})`}: ${INHERITED}`,
          fix: `list the keys the container needs and mount them as files: in a runner-fleet runner, secretFiles: [{ secret: ${secret}, key: <key>, path: /run/secrets/${secret}/<key> }] in place of envFrom; in any other pod, a secret volume { secretName: ${secret}, defaultMode: 0400 } mounted readOnly in this container only`,
        });
      });
    }
  }
  return out;
}
