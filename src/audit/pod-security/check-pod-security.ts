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
import { type ContainerModeUse, causedBy, containerModesOf } from "./container-mode.ts";

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
  /** The level the whole pod meets (container-mode findings included). */
  readonly level: PodSecurityLevel;
  /** Container modes the pod uses (dind, kubernetes), each allowed or refused for its trust level. */
  readonly containerModes: readonly ContainerModeUse[];
  /** Findings an allowed container mode causes: reported, not failing (left out of `baseline`, `restricted`, `hardening`). */
  readonly accepted: readonly PodSecurityFinding[];
}

/** Checks the pod template of every Pod, workload and ARC scale set; paths start at the object. */
export function podSecurityOfObjects(objects: readonly KubeObject[]): WorkloadPodSecurity[] {
  return podsFrom(objects).map(podSecurityOf);
}

/** Checks the pod template of one workload; paths start at the object. */
export function podSecurityOf(p: WorkloadPod): WorkloadPodSecurity {
  const result = checkPodSecurity(p.template, { pathPrefix: p.templatePath });
  const modes = containerModesOf(p.template, p.templatePath);
  const allowed = modes.filter((m) => m.allowed);
  const isAccepted = (f: PodSecurityFinding) => allowed.some((m) => causedBy(m, f, p.templatePath));
  const accepted = [...result.restricted, ...result.hardening].filter(isAccepted);
  const refused: PodSecurityFinding[] = modes
    .filter((m) => !m.allowed)
    .map((m) => ({ level: "hardening", control: "Container Mode", path: m.path, message: m.message.replace(/: set useFirecracker.*$/, ""), fix: "set useFirecracker: true, or mark the profile trust: trusted" }));
  return {
    pod: p.name,
    level: levelOf(result),
    baseline: result.baseline.filter((f) => !isAccepted(f)),
    restricted: result.restricted.filter((f) => !isAccepted(f)),
    hardening: [...result.hardening.filter((f) => !isAccepted(f)), ...refused],
    containerModes: modes,
    accepted,
  };
}
