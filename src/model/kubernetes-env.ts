/**
 * The runner container's environment variables: a plain value, or exactly one source (a key of an
 * existing Secret or ConfigMap, a field of the pod, a container resource), rendered as written. A
 * literal value for a variable that holds a credential is refused: it belongs in a Secret (and
 * better in a file, `secretFiles`, than in a variable). A variable that only says where such a file
 * is (`OPENAI_API_KEY_FILE=/run/secrets/openai-api-key`) is not a credential.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import { CREDENTIAL_VALUE } from "./credential-shape.ts";
import { dnsLabel } from "./refine.ts";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names that look like they carry a credential; a literal value for one is refused. */
const SECRET_LOOKING_ENV = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|PAT)(_|$)/i;
/** A variable that names a credential's file or directory by an absolute path, e.g. `GITHUB_TOKEN_FILE=/run/secrets/github-token`. */
const isFileReference = (name: string, value: string) => /_(FILE|PATH|DIR)$/i.test(name) && /^\/[^\s]*$/.test(value);

/** A reference to a key of an existing Secret (never created). */
const secretKeyRef = strictObject({
  name: dnsLabel("the name of an existing Secret", 253),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a Secret data key (1-253 letters, digits, -, _ and .)" }),
  optional: z.boolean().optional(),
});

/** A key of an existing ConfigMap. */
const configMapKeyRef = strictObject({
  name: dnsLabel("the name of an existing ConfigMap", 253),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a ConfigMap data key (1-253 letters, digits, -, _ and .)" }),
  optional: z.boolean().optional(),
});
/** A field of the pod itself (downward API), e.g. metadata.name. */
const fieldRef = strictObject({ fieldPath: z.string().min(1).max(256), apiVersion: z.literal("v1").optional() });
/** A resource request or limit of a container (downward API). */
const resourceFieldRef = strictObject({ resource: z.string().regex(/^(?:limits|requests)\.[a-z.-]+$/, { error: "must be limits.<resource> or requests.<resource>" }), containerName: z.string().optional(), divisor: z.union([z.string(), z.number()]).optional() });
const ENV_SOURCES = ["value", "secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef"] as const;

/** An environment variable of the runner container; `derived` names those the forge part sets itself. */
export const envVarSchema = (derived: Readonly<Record<string, string>>) =>
  strictObject({
    name: z.string().regex(ENV_NAME, { error: "must be an environment variable name (letters, digits, _; not starting with a digit)" }),
    value: z.string().max(32_768, { error: "is longer than 32768 characters" }).optional(),
    secretKeyRef: secretKeyRef.optional(),
    configMapKeyRef: configMapKeyRef.optional(),
    fieldRef: fieldRef.optional(),
    resourceFieldRef: resourceFieldRef.optional(),
  }).superRefine((e, ctx) => {
    const byName = e.value !== undefined && SECRET_LOOKING_ENV.test(e.name) && !isFileReference(e.name, e.value);
    if (ENV_SOURCES.filter((k) => e[k] !== undefined).length !== 1) {
      ctx.addIssue({ code: "custom", message: `needs exactly one of ${ENV_SOURCES.join(", ")}`, params: { fix: "reference an existing Secret with secretKeyRef: { name, key }, or give a plain value (or one of the other sources)" } });
    } else if (e.value !== undefined && (byName || CREDENTIAL_VALUE.test(e.value))) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: byName ? `is a literal value for ${e.name}, which holds a credential` : "is a literal credential (it has the shape of a GitHub token or a private key)",
        params: { fix: `put the value in a Kubernetes Secret and mount it as a file (secretFiles: [{ secret: <secret>, key: <key>, path: /run/secrets/<secret>/<key> }]), or reference it: secretKeyRef: { name: <secret>, key: <key> }` },
      });
    }
    if (Object.hasOwn(derived, e.name)) {
      ctx.addIssue({ code: "custom", path: ["name"], message: `${e.name} is set by runner-fleet from ${derived[e.name] ?? "the runner description"}`, params: { fix: `remove this entry and set ${derived[e.name] ?? "the runner field"} instead` } });
    }
  });

export type ParsedEnvVar = z.output<ReturnType<typeof envVarSchema>>;
/** A variable as written: a value, or exactly one source (a Secret or ConfigMap key, a pod or resource field). */
export type ResolvedEnvVar = Readonly<ParsedEnvVar>;
