/**
 * A runner pod's security settings as written (the pod's and each container's security context,
 * field by field) and the named relaxations that weaken the hardened defaults. By default every
 * written field is laid over the hardened defaults and may only tighten them: a field that would
 * weaken one is refused and names the relaxation that allows it. `relax.securityAsWritten` renders
 * the security settings exactly as written (an imported manifest), and `audit` reports the result.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import type { ConfigIssue } from "./issues.ts";
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";

/** Linux ids are 32-bit; Kubernetes takes them as int64 but the kernel refuses more than 2^31-1. */
const MAX_ID = 2_147_483_647;
const id = z.number().int().min(0).max(MAX_ID);
const seccompProfile = strictObject({ type: z.enum(["RuntimeDefault", "Localhost", "Unconfined"]), localhostProfile: z.string().min(1).max(4096).optional() }).superRefine((s, ctx) => {
  if ((s.type === "Localhost") !== (s.localhostProfile !== undefined)) ctx.addIssue({ code: "custom", message: "needs localhostProfile exactly when type is Localhost", params: { fix: "write { type: Localhost, localhostProfile: profiles/runner.json }, or { type: RuntimeDefault }" } });
});
const capability = z.string().regex(/^(?:CAP_)?[A-Z_]+$/, { error: "must be a capability name such as NET_BIND_SERVICE or ALL" });

/** The pod's security context, field by field. */
export const podSecurityContextSchema = strictObject({
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  fsGroup: id.optional(),
  runAsNonRoot: z.boolean().optional(),
  supplementalGroups: z.array(id).max(32).optional(),
  fsGroupChangePolicy: z.enum(["OnRootMismatch", "Always"]).optional(),
  seccompProfile: seccompProfile.optional(),
});

/** A container's security context, field by field. */
export const containerSecurityContextSchema = strictObject({
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  runAsNonRoot: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  privileged: z.boolean().optional(),
  capabilities: strictObject({ add: z.array(capability).max(64).optional(), drop: z.array(capability).max(64).optional() }).optional(),
  seccompProfile: seccompProfile.optional(),
});

export type PodSecurityInput = z.output<typeof podSecurityContextSchema>;
export type ContainerSecurityInput = z.output<typeof containerSecurityContextSchema>;

/** Named, explicit relaxations of the hardened defaults. Each one weakens isolation, and `audit` reports it. */
export const relaxationShape = {
  /** Mount the root filesystem read-write. @default false */
  writableRootFilesystem: z.boolean().optional(),
  /** Allow setuid binaries such as sudo to raise privileges. @default false */
  allowPrivilegeEscalation: z.boolean().optional(),
  /** Linux capabilities to add back after dropping ALL. @default [] */
  addCapabilities: z.array(z.string().regex(/^[A-Z_]+$/, { error: "must be a capability name such as NET_BIND_SERVICE" })).optional(),
  /** Run without the RuntimeDefault seccomp profile. @default false */
  unconfinedSeccomp: z.boolean().optional(),
  /**
   * Render the pod's and containers' security contexts and `automountServiceAccountToken` exactly
   * as written, without the hardened defaults (what `import` writes for a manifest that does not
   * already meet them). @default false
   */
  securityAsWritten: z.boolean().optional(),
  /** Allow `privileged: true` in a container's security context (a docker-in-docker sidecar): the container can take over the node. @default false */
  privileged: z.boolean().optional(),
  /** Allow hostPath volumes: the pod reads and writes the node's filesystem (e.g. the node's docker.sock). @default false */
  hostPath: z.boolean().optional(),
  /** Allow images without a version tag or digest (or `:latest`): what runs changes without a change here. @default false */
  unpinnedImages: z.boolean().optional(),
};
export type Relaxations = z.output<ReturnType<typeof strictObject<typeof relaxationShape>>>;

/** What a runner pod writes of its security, for the checks below. */
export interface WrittenSecurity {
  readonly securityContext?: PodSecurityInput | undefined;
  readonly containerSecurityContext?: ContainerSecurityInput | undefined;
  readonly automountServiceAccountToken?: boolean | undefined;
  readonly relax?: Relaxations | undefined;
}

const AS_WRITTEN = "or set relax.securityAsWritten: true to render the security settings exactly as written";

/** A field that weakens a hardened default, and the relaxation that allows it. */
const WEAKENS: readonly { readonly key: string; readonly weakens: (v: unknown) => boolean; readonly instead: string }[] = [
  { key: "runAsNonRoot", weakens: (v) => v === false, instead: "remove it (runners run as non-root)" },
  { key: "runAsUser", weakens: (v) => v === 0, instead: "give a non-root UID (1 or more)" },
  { key: "allowPrivilegeEscalation", weakens: (v) => v === true, instead: "set relax.allowPrivilegeEscalation: true instead" },
  { key: "readOnlyRootFilesystem", weakens: (v) => v === false, instead: "set relax.writableRootFilesystem: true instead" },
  { key: "capabilities", weakens: (v) => { const c = v as { add?: unknown[]; drop?: unknown[] }; return (c.add?.length ?? 0) > 0 || !(c.drop ?? []).includes("ALL"); }, instead: "list added capabilities in relax.addCapabilities instead (ALL stays dropped)" },
  { key: "seccompProfile", weakens: (v) => (v as { type?: string }).type === "Unconfined", instead: "set relax.unconfinedSeccomp: true instead" },
];

/** Problems of one security context written at `at` (`privileged` is checked on its own). */
export function weakeningIssues(written: object | undefined, at: string, asWritten: boolean): ConfigIssue[] {
  if (written === undefined || asWritten) return [];
  const w = written as Record<string, unknown>;
  return WEAKENS.filter((x) => w[x.key] !== undefined && x.weakens(w[x.key])).map((x) => ({ path: `${at}.${x.key}`, message: "weakens the hardened default", fix: `${x.instead}, ${AS_WRITTEN}` }));
}

/** Problems of a container that asks for `privileged: true` at `at` without the named relaxation. */
export function privilegedIssues(written: ContainerSecurityInput | undefined, at: string, relax: Relaxations | undefined): ConfigIssue[] {
  if (written?.privileged !== true || relax?.privileged === true) return [];
  return [{ path: `${at}.privileged`, message: "makes the container privileged: it can take over the node", fix: "remove it, or set relax.privileged: true to accept that (audit reports the pod as privileged)" }];
}

/** Problems of an image reference at `at`: malformed always; unpinned unless relax.unpinnedImages. */
export function imageIssues(image: string, at: string, relax: Relaxations | undefined): ConfigIssue[] {
  const parsed = parseImage(image);
  if (typeof parsed !== "string") return [];
  const unpinned = parsed === "has no tag or digest" || parsed === "uses the floating tag latest";
  if (unpinned && relax?.unpinnedImages === true) return [];
  const fix = unpinned ? `${PIN_IMAGE_FIX}, or set relax.unpinnedImages: true to accept that (audit reports the image)` : "write a valid image reference, [registry/]repository:tag (lower-case repository, no placeholders such as <name>)";
  return [{ path: at, message: `image "${image}" ${parsed}`, fix }];
}

/** Problems of the runner's own security settings: weakening fields, and relaxations that conflict with securityAsWritten. */
export function runnerSecurityIssues(r: WrittenSecurity, at: string): ConfigIssue[] {
  const asWritten = r.relax?.securityAsWritten === true;
  const issues = [
    ...weakeningIssues(r.securityContext, `${at}.securityContext`, asWritten),
    ...weakeningIssues(r.containerSecurityContext, `${at}.containerSecurityContext`, asWritten),
    ...privilegedIssues(r.containerSecurityContext, `${at}.containerSecurityContext`, r.relax),
  ];
  if ((r.relax?.addCapabilities?.length ?? 0) > 0 && r.containerSecurityContext?.capabilities !== undefined && !asWritten) issues.push({ path: `${at}.containerSecurityContext.capabilities`, message: "would replace the capabilities relax.addCapabilities adds", fix: "list the capabilities in relax.addCapabilities only (ALL stays dropped), and remove containerSecurityContext.capabilities" });
  if (r.automountServiceAccountToken === true && !asWritten) issues.push({ path: `${at}.automountServiceAccountToken`, message: "weakens the hardened default (no API token in runner pods)", fix: `remove it, ${AS_WRITTEN}` });
  if (asWritten) {
    for (const key of ["writableRootFilesystem", "allowPrivilegeEscalation", "addCapabilities", "unconfinedSeccomp"] as const) {
      if (r.relax?.[key] !== undefined) issues.push({ path: `${at}.relax.${key}`, message: "has no effect with relax.securityAsWritten (no hardened default is applied)", fix: "write the field in containerSecurityContext or securityContext instead, and remove it here" });
    }
  }
  return issues;
}
