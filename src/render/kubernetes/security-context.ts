/**
 * The ONE hardened security-context builder. Every pod the project renders gets its security
 * settings here: non-root, fixed UID/GID/fsGroup, seccomp RuntimeDefault, no privilege
 * escalation, all capabilities dropped, a read-only root filesystem. A relaxation is an explicit,
 * named option; nothing else can weaken these defaults.
 */
import type { Capabilities, PodSecurityContext, SecurityContext } from "kubernetes-types/core/v1.js";

export interface HardeningInput {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly relax?: {
    /** Mount the root filesystem read-write. @default false */
    readonly writableRootFilesystem?: boolean;
    /** Allow setuid binaries to gain privileges. @default false */
    readonly allowPrivilegeEscalation?: boolean;
    /** Capabilities added back after dropping ALL. @default [] */
    readonly addCapabilities?: readonly string[];
    /** Run unconfined instead of seccomp RuntimeDefault. @default false */
    readonly unconfinedSeccomp?: boolean;
  };
}

/** Security settings written field by field, laid over the hardened defaults (or alone, with `asWritten`). */
export interface WrittenSecurity {
  readonly asWritten: boolean;
  readonly pod?: PodSecurityContext;
  readonly container?: SecurityContext;
  readonly automountServiceAccountToken?: boolean;
}

/** The pod's security context: the hardened one with the written fields over it, or the written one alone. */
export function podSecurityContext(h: HardeningInput, w: WrittenSecurity): PodSecurityContext | undefined {
  if (w.asWritten) return w.pod === undefined ? undefined : structuredClone(w.pod);
  return { ...hardenedPodSecurityContext(h), ...structuredClone(w.pod ?? {}) };
}

/**
 * A container's security context: the hardened one with the written fields over it, or the written
 * one alone (with `asWritten`, or for a privileged container, which gets every capability anyway).
 */
export function containerSecurityContext(h: HardeningInput, w: Omit<WrittenSecurity, "pod">): SecurityContext | undefined {
  if (w.asWritten || w.container?.privileged === true) return w.container === undefined ? undefined : structuredClone(w.container);
  return { ...hardenedContainerSecurityContext(h), ...structuredClone(w.container ?? {}) };
}

/** Whether the pod mounts its ServiceAccount's API token: never by default; as written with `asWritten`. */
export function automountServiceAccountToken(w: WrittenSecurity): { automountServiceAccountToken?: boolean } {
  if (!w.asWritten) return { automountServiceAccountToken: false };
  return w.automountServiceAccountToken === undefined ? {} : { automountServiceAccountToken: w.automountServiceAccountToken };
}

/**
 * The hardened pod security context. Its fsGroup is also what lets the non-root runner read its
 * secret files: the kubelet makes a secret volume's files group-owned by the fsGroup and adds group
 * read (0400 becomes 0440); without an fsGroup they stay root's.
 */
export function hardenedPodSecurityContext(h: HardeningInput): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: h.runAsUser,
    runAsGroup: h.runAsGroup,
    fsGroup: h.fsGroup,
    seccompProfile: { type: h.relax?.unconfinedSeccomp ? "Unconfined" : "RuntimeDefault" },
  };
}

export function hardenedContainerSecurityContext(h: HardeningInput): SecurityContext {
  const add = h.relax?.addCapabilities ?? [];
  const capabilities: Capabilities = add.length > 0 ? { add: [...add], drop: ["ALL"] } : { drop: ["ALL"] };
  return {
    allowPrivilegeEscalation: h.relax?.allowPrivilegeEscalation ?? false,
    readOnlyRootFilesystem: !(h.relax?.writableRootFilesystem ?? false),
    capabilities,
  };
}
