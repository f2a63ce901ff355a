/**
 * Pod Security Standards (Kubernetes v1.32) for one pod template, field by field, plus the
 * project's hardening checks; and the same for every pod template in a set of objects.
 */
import { podsFrom, type WorkloadPod } from "../network/pods-from.ts";
import type { KubeObject } from "../network/types.ts";
import { baselineFindings } from "./baseline-checks.ts";
import { hardeningFindings } from "./hardening-checks.ts";
import { restrictedOnlyFindings } from "./restricted-checks.ts";
import type { CheckOptions, PodSecurityFinding, PodSecurityLevel, PodSecurityResult, PodTemplateLike } from "./types.ts";

export function checkPodSecurity(podTemplate: PodTemplateLike, options: CheckOptions = {}): PodSecurityResult {
  const prefix = options.pathPrefix ?? "";
  const baseline = baselineFindings(podTemplate, prefix);
  const restricted: PodSecurityFinding[] = [
    ...baselineFindings(podTemplate, prefix, new Set(["HostPath Volumes", "Capabilities", "Seccomp"])),
    ...restrictedOnlyFindings(podTemplate, prefix),
  ];
  return { baseline, restricted, hardening: hardeningFindings(podTemplate, prefix) };
}

/** The strictest Pod Security Standards level the pod meets (hardening checks do not count). */
export function strictestLevel(podTemplate: PodTemplateLike): PodSecurityLevel {
  return levelOf(checkPodSecurity(podTemplate));
}

function levelOf(r: PodSecurityResult): PodSecurityLevel {
  if (r.restricted.length === 0) return "restricted";
  if (r.baseline.length === 0) return "baseline";
  return "privileged";
}

export interface WorkloadPodSecurity extends PodSecurityResult {
  /** `namespace/Kind/name` of the object that runs the pod. */
  readonly pod: string;
  readonly level: PodSecurityLevel;
}

/** Checks the pod template of every Pod, workload and ARC scale set; paths start at the object. */
export function podSecurityOfObjects(objects: readonly KubeObject[]): WorkloadPodSecurity[] {
  return podsFrom(objects).map(podSecurityOf);
}

/** Checks the pod template of one workload; paths start at the object. */
export function podSecurityOf(p: WorkloadPod): WorkloadPodSecurity {
  const result = checkPodSecurity(p.template, { pathPrefix: p.templatePath });
  return { pod: p.name, level: levelOf(result), ...result };
}
