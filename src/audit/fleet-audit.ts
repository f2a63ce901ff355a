/**
 * The fleet audit: isolation claims computed from the rendered NetworkPolicies, every pod template
 * against the Pod Security Standards (plus pinned images, resources, token automount), and each
 * namespace's Pod Security `enforce` label against the pods it holds.
 */
import { checkIsolationClaims, type IsolationClaimOptions, type IsolationReport } from "./network/index.ts";
import { podSecurityOfObjects, type WorkloadPodSecurity } from "./pod-security/index.ts";
import type { KubeObject } from "./network/types.ts";

const LEVELS = ["privileged", "baseline", "restricted"] as const;
type Level = (typeof LEVELS)[number];

export interface NamespaceLevelCheck {
  readonly namespace: string;
  /** The namespace's `pod-security.kubernetes.io/enforce` label, if any. */
  readonly enforce?: Level;
  /** The strictest level every pod of the namespace meets. */
  readonly strictestMet: Level;
  readonly pass: boolean;
  readonly message: string;
}

export interface FleetAudit {
  readonly isolation: IsolationReport;
  readonly podSecurity: readonly WorkloadPodSecurity[];
  readonly namespaces: readonly NamespaceLevelCheck[];
  /** Every claim passes, no pod template has a finding, every enforce label fits. */
  readonly pass: boolean;
}

function namespaceChecks(objects: readonly KubeObject[], pods: readonly WorkloadPodSecurity[]): NamespaceLevelCheck[] {
  return objects
    .filter((o) => o.kind === "Namespace" && o.apiVersion === "v1")
    .map((o) => {
      const name = o.metadata?.name ?? "";
      const enforce = o.metadata?.labels?.["pod-security.kubernetes.io/enforce"] as Level | undefined;
      const own = pods.filter((p) => p.pod.startsWith(`${name}/`));
      if (own.length === 0) return { namespace: name, ...(enforce === undefined ? {} : { enforce }), strictestMet: "restricted", pass: true, message: "no pod template is rendered into it (pods created by charts or controllers are not visible offline)" };
      const strictestMet = own.reduce<Level>((acc, p) => (LEVELS.indexOf(p.level) < LEVELS.indexOf(acc) ? p.level : acc), "restricted");
      if (enforce === undefined) return { namespace: name, strictestMet, pass: false, message: `no pod-security.kubernetes.io/enforce label; its pods meet ${strictestMet}: label the namespace enforce=${strictestMet}` };
      const gap = LEVELS.indexOf(enforce) - LEVELS.indexOf(strictestMet);
      if (gap > 0) return { namespace: name, enforce, strictestMet, pass: false, message: `enforce=${enforce} would reject its pods, which only meet ${strictestMet}` };
      if (gap < 0) return { namespace: name, enforce, strictestMet, pass: false, message: `enforce=${enforce} is looser than its pods need: they meet ${strictestMet}; enforce ${strictestMet}` };
      return { namespace: name, enforce, strictestMet, pass: true, message: `enforce=${enforce}, the strictest level its pods meet` };
    });
}

export function auditFleet(objects: readonly KubeObject[], network: IsolationClaimOptions): FleetAudit {
  const isolation = checkIsolationClaims(objects, network);
  const podSecurity = podSecurityOfObjects(objects);
  const namespaces = namespaceChecks(objects, podSecurity);
  const podsPass = podSecurity.every((p) => p.restricted.length === 0 && p.hardening.length === 0);
  return { isolation, podSecurity, namespaces, pass: isolation.pass && podsPass && namespaces.every((n) => n.pass) };
}
