/**
 * Container modes read from a rendered runner pod template: a privileged docker daemon beside the
 * runner (dind), or the container hooks of ARC's kubernetes mode, which call the API with the pod's
 * token. Each is a privilege: allowed when the pod is marked trusted (label
 * `runner-fleet/trust-level: trusted`) or runs in a microVM (a Kata/Firecracker RuntimeClass),
 * refused otherwise. The findings a mode causes are accepted when it is allowed.
 */
import type { Container, EphemeralContainer } from "kubernetes-types/core/v1.js";
import type { PodSecurityFinding, PodTemplateLike } from "./types.ts";
import { join, visitContainers } from "./types.ts";

/** The pod label that carries a runner's trust level. */
export const TRUST_LEVEL_LABEL = "runner-fleet/trust-level";
/** RuntimeClass names that put a pod in a microVM. */
const MICROVM_RUNTIME = /kata|firecracker|(^|-)fc($|-)/i;

export interface ContainerModeUse {
  readonly mode: "dind" | "kubernetes";
  /** Where it shows: the dind container, or the runner's hooks variable. */
  readonly path: string;
  readonly trust: "trusted" | "untrusted" | "unmarked";
  readonly microVm: boolean;
  readonly allowed: boolean;
  readonly message: string;
}

/** A list field of an object read from input, or none when it is not a list. */
const list = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? v : []);

const isDind = (c: Container | EphemeralContainer): boolean =>
  c.securityContext?.privileged === true && (c.name === "dind" || [...list(c.command), ...list(c.args)].some((a) => a === "dockerd") || /(^|\/)docker:[^/]*dind/.test(typeof c.image === "string" ? c.image : ""));

/** Trust label and microVM runtime of a pod template. */
export function runnerPlacement(pod: PodTemplateLike): { trust: ContainerModeUse["trust"]; microVm: boolean } {
  const labels = pod.metadata?.labels;
  const label = labels !== null && typeof labels === "object" ? labels[TRUST_LEVEL_LABEL] : undefined;
  const trust = label === "trusted" || label === "untrusted" ? label : "unmarked";
  const runtime = pod.spec?.runtimeClassName;
  return { trust, microVm: typeof runtime === "string" && MICROVM_RUNTIME.test(runtime) };
}

/** Why a privilege is allowed or refused, in the words of the configuration that fixes it. */
export function privilegeVerdict(what: string, trust: ContainerModeUse["trust"], microVm: boolean): { allowed: boolean; message: string } {
  if (microVm) return { allowed: true, message: `${what}, inside a microVM` };
  if (trust === "trusted") return { allowed: true, message: `${what}, on a scale set marked trusted` };
  return { allowed: false, message: `${what} on ${trust === "untrusted" ? "an untrusted" : "an unmarked (so untrusted)"} scale set outside a microVM: set useFirecracker: true, or mark the profile trust: trusted` };
}

/** The container modes a pod template uses. */
export function containerModesOf(pod: PodTemplateLike, prefix: string): ContainerModeUse[] {
  const specPath = join(prefix, "spec");
  const { trust, microVm } = runnerPlacement(pod);
  const out: ContainerModeUse[] = [];
  for (const c of visitContainers(pod.spec, specPath)) {
    if (isDind(c.container)) out.push({ mode: "dind", path: c.path, trust, microVm, ...privilegeVerdict(`containerMode dind (privileged container ${c.container.name})`, trust, microVm) });
    const hooks = list(c.container.env).findIndex((e) => e?.name === "ACTIONS_RUNNER_CONTAINER_HOOKS");
    if (c.container.name === "runner" && hooks >= 0) out.push({ mode: "kubernetes", path: `${c.path}.env[${hooks}]`, trust, microVm, ...privilegeVerdict("containerMode kubernetes (the runner's token reaches the API)", trust, microVm) });
  }
  return out;
}

/** Whether `finding` is caused by `use`: inside the dind container, or the token kubernetes mode needs. */
export function causedBy(use: ContainerModeUse, finding: PodSecurityFinding, prefix: string): boolean {
  if (use.mode === "dind") return finding.path.startsWith(`${use.path}.`);
  return finding.path === join(prefix, "spec.automountServiceAccountToken");
}
