/**
 * What the service account of a rendered pod template may do in the cluster: the rules of every
 * Role bound to it in its namespace that touch pods, pods/exec, pods/log, jobs or secrets (what
 * ARC's kubernetes mode grants). Such a grant is allowed on a trusted pod or inside a microVM.
 */
import type { Role, RoleBinding } from "kubernetes-types/rbac/v1.js";
import type { PodTemplateLike } from "./types.ts";
import { privilegeVerdict, runnerPlacement } from "./container-mode.ts";

/** Resources whose rights let a job act beyond its own pod. */
export const SENSITIVE_RESOURCES: readonly string[] = ["pods", "pods/exec", "pods/log", "pods/attach", "jobs", "secrets", "*"];

export interface RunnerRoleGrant {
  /** `namespace/Kind/name` of the object that runs the pod. */
  readonly pod: string;
  readonly serviceAccount: string;
  /** `namespace/name` of the Role. */
  readonly role: string;
  /** Each sensitive rule, e.g. `pods/exec: get, create`. */
  readonly rules: readonly string[];
  readonly allowed: boolean;
  readonly message: string;
}

export interface PodForRbac {
  readonly name: string;
  readonly namespace: string;
  readonly template: PodTemplateLike;
}

/** A list field of an object read from input, or none when it is not a list. */
const list = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? v : []);

/** The sensitive grants of each pod's service account, through RoleBindings of its namespace. */
export function runnerRoleGrants(pods: readonly PodForRbac[], roles: readonly Role[], bindings: readonly RoleBinding[]): RunnerRoleGrant[] {
  const out: RunnerRoleGrant[] = [];
  for (const p of pods) {
    const sa = p.template.spec?.serviceAccountName ?? p.template.spec?.serviceAccount;
    if (typeof sa !== "string" || sa === "") continue;
    const { trust, microVm } = runnerPlacement(p.template);
    for (const b of bindings) {
      const ns = b.metadata?.namespace ?? "default";
      if (ns !== p.namespace || b.roleRef?.kind !== "Role") continue;
      if (!list(b.subjects).some((s) => s?.kind === "ServiceAccount" && s.name === sa && (s.namespace ?? ns) === p.namespace)) continue;
      const role = roles.find((r) => (r.metadata?.namespace ?? "default") === ns && r.metadata?.name === b.roleRef.name);
      if (role === undefined) continue;
      const rules = list(role.rules).flatMap((r) => list(r?.resources).filter((res) => SENSITIVE_RESOURCES.includes(res)).map((res) => `${res}: ${list(r?.verbs).join(", ")}`));
      if (rules.length === 0) continue;
      const verdict = privilegeVerdict(`service account ${sa} holds Role ${ns}/${role.metadata?.name ?? ""} (${rules.join("; ")})`, trust, microVm);
      out.push({ pod: p.name, serviceAccount: sa, role: `${ns}/${role.metadata?.name ?? ""}`, rules, ...verdict });
    }
  }
  return out;
}
