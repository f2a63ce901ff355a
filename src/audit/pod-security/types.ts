/** Vocabulary of the Pod Security Standards checker. */
import type { Container, EphemeralContainer, PodSpec } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** The Pod Security Standards levels, loosest first. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** Anything with a pod's `metadata` and `spec`: a Pod, or a PodTemplateSpec. */
export interface PodTemplateLike {
  readonly metadata?: ObjectMeta;
  readonly spec?: PodSpec;
}

export interface PodSecurityFinding {
  /** The level whose control this is; `hardening` for the project's extra checks. */
  readonly level: "baseline" | "restricted" | "hardening";
  /** The control's name in the Pod Security Standards (or of the extra check), e.g. "Host Namespaces". */
  readonly control: string;
  /** Field path, e.g. `spec.containers[0].securityContext.allowPrivilegeEscalation`. */
  readonly path: string;
  readonly message: string;
  /** What to set instead. */
  readonly fix: string;
}

export interface PodSecurityResult {
  /** Everything that keeps the pod from meeting baseline. */
  readonly baseline: readonly PodSecurityFinding[];
  /** Everything that keeps the pod from meeting restricted (baseline controls included, as Pod Security Admission evaluates them). */
  readonly restricted: readonly PodSecurityFinding[];
  /** Extra checks beyond the standards: pinned images, resource requests and limits, no service account token. */
  readonly hardening: readonly PodSecurityFinding[];
}

export interface CheckOptions {
  /** Prefix for every path, e.g. `spec.template` for a Deployment. @default "" */
  readonly pathPrefix?: string;
}

/** A container with its path, e.g. `spec.initContainers[0]`. */
export interface VisitedContainer {
  readonly container: Container | EphemeralContainer;
  readonly path: string;
  readonly kind: "initContainers" | "containers" | "ephemeralContainers";
}

/** Init, regular, then ephemeral containers, as Pod Security Admission visits them. */
export function visitContainers(spec: PodSpec | undefined, specPath: string): VisitedContainer[] {
  const out: VisitedContainer[] = [];
  for (const kind of ["initContainers", "containers", "ephemeralContainers"] as const) {
    const list = (spec?.[kind] ?? []) as readonly (Container | EphemeralContainer)[];
    list.forEach((container, i) => out.push({ container, path: `${specPath}.${kind}[${i}]`, kind }));
  }
  return out;
}

export function join(prefix: string, rest: string): string {
  return prefix === "" ? rest : `${prefix}.${rest}`;
}
