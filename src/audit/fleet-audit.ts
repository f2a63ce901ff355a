/**
 * The fleet audit: isolation claims computed from the rendered NetworkPolicies, every pod template
 * against the Pod Security Standards (plus pinned images, resources, token automount), each
 * namespace's Pod Security `enforce` label against the pods it holds, and, as warnings that do not
 * fail it, credentials that containers take from Secrets as environment variables.
 */
import { IsolationCollector, type IsolationClaimOptions, type IsolationReport } from "./network/isolation-claims.ts";
import { podOf } from "./network/pods-from.ts";
import { namespacesFrom, networkPoliciesFrom } from "./network/policy-model.ts";
import { podSecurityOf, type WorkloadPodSecurity } from "./pod-security/index.ts";
import { type PodForRbac, type RunnerRoleGrant, runnerRoleGrants } from "./pod-security/runner-rbac.ts";
import { type CredentialWarning, envCredentialWarnings } from "./pod-security/env-credentials.ts";
import type { Role, RoleBinding } from "kubernetes-types/rbac/v1.js";
import type { KubeObject } from "./network/types.ts";
import { type ShapeIssue, shapeIssues } from "./object-shape.ts";
import { safeText } from "./quote.ts";

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
  /** Roles bound to a pod's service account that reach pods, pods/exec, pods/log, jobs or secrets (ARC's kubernetes mode). */
  readonly roleGrants: readonly RunnerRoleGrant[];
  /**
   * Warnings, which do not fail the audit: each credential a container takes from a Secret as an
   * environment variable (`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`), with the fix.
   */
  readonly credentialWarnings: readonly CredentialWarning[];
  /** Every claim passes, no pod template has a finding, every enforce label fits, every role grant is allowed. */
  readonly pass: boolean;
}

/** What a namespace check needs of a Namespace object. */
interface NamespaceFacts {
  readonly name: string;
  readonly enforce?: string;
}

function namespaceChecks(namespaces: readonly NamespaceFacts[], pods: readonly WorkloadPodSecurity[]): NamespaceLevelCheck[] {
  // The strictest level every pod of each namespace meets (`namespace/Kind/name` names a pod).
  const met = new Map<string, Level>();
  for (const p of pods) {
    const ns = p.pod.slice(0, p.pod.indexOf("/"));
    const acc = met.get(ns) ?? "restricted";
    met.set(ns, LEVELS.indexOf(p.level) < LEVELS.indexOf(acc) ? p.level : acc);
  }
  return namespaces.map(({ name, enforce: label }) => {
    const enforce = label as Level | undefined;
    const strictestMet = met.get(name);
    if (strictestMet === undefined) return { namespace: name, ...(enforce === undefined ? {} : { enforce }), strictestMet: "restricted", pass: true, message: "no pod template is rendered into it (pods created by charts or controllers are not visible offline)" };
    if (enforce === undefined) return { namespace: name, strictestMet, pass: false, message: `no pod-security.kubernetes.io/enforce label; its pods meet ${strictestMet}: label the namespace enforce=${strictestMet}` };
    if (!LEVELS.includes(enforce)) return { namespace: name, enforce, strictestMet, pass: false, message: `enforce=${safeText(enforce)} is not a Pod Security level: label the namespace enforce=${strictestMet}` };
    const gap = LEVELS.indexOf(enforce) - LEVELS.indexOf(strictestMet);
    if (gap > 0) return { namespace: name, enforce, strictestMet, pass: false, message: `enforce=${enforce} would reject its pods, which only meet ${strictestMet}` };
    if (gap < 0) return { namespace: name, enforce, strictestMet, pass: false, message: `enforce=${enforce} is looser than its pods need: they meet ${strictestMet}; enforce ${strictestMet}` };
    return { namespace: name, enforce, strictestMet, pass: true, message: `enforce=${enforce}, the strictest level its pods meet` };
  });
}

/** An object whose fields the audit reads have the wrong types, with each field's path and fix. */
export interface MalformedObject {
  /** Position of the object among those given, counting from 0. */
  readonly index: number;
  /** `Deployment ci/runner`, as far as the object says. */
  readonly object: string;
  readonly issues: readonly ShapeIssue[];
}

/** At most this many problems are spelled out in a message; the rest are counted. */
const MAX_LISTED = 50;

/**
 * Objects the audit cannot read because fields it reads have the wrong types: bad input (the CLI
 * exits 2), never a crash. Carries every object and field; the message names them and the fix.
 */
export class MalformedObjectsError extends Error {
  readonly malformed: readonly MalformedObject[];
  constructor(malformed: readonly MalformedObject[]) {
    const lines = malformed.flatMap((m) => m.issues.map((i) => `  - objects[${m.index}] (${m.object}): ${i.path}: ${i.message}. Fix: ${i.fix}`));
    const listed = lines.slice(0, MAX_LISTED);
    if (lines.length > MAX_LISTED) listed.push(`  … and ${lines.length - MAX_LISTED} more`);
    super(`${malformed.length} object${malformed.length === 1 ? "" : "s"} cannot be audited: ${lines.length === 1 ? "a field has" : "fields have"} the wrong type\n${listed.join("\n")}`);
    // The CLI reports input errors as bad input (exit 2) with this message alone.
    this.name = "InputError";
    this.malformed = malformed;
  }
}

/** `Deployment ci/runner` (or what there is of it), for messages. */
export function describeObject(object: unknown): string {
  if (object === null || typeof object !== "object" || Array.isArray(object)) return "not a mapping";
  const o = object as Record<string, unknown>;
  const meta = o["metadata"] !== null && typeof o["metadata"] === "object" ? (o["metadata"] as Record<string, unknown>) : {};
  const text = (v: unknown) => (typeof v === "string" ? safeText(v, 60) : undefined);
  const ns = text(meta["namespace"]);
  return `${text(o["kind"]) ?? "object"} ${ns === undefined ? "" : `${ns}/`}${text(meta["name"]) ?? "(unnamed)"}`;
}

/**
 * The fleet audit over objects given one at a time ({@link add}), keeping only what the audit needs
 * (policies, namespaces, runner pods, each pod's findings), so that a stream of any length costs
 * far less than its objects. {@link finish} computes the claims.
 */
export class FleetAuditBuilder {
  readonly #isolation: IsolationCollector;
  readonly #podSecurity: WorkloadPodSecurity[] = [];
  readonly #namespaces: NamespaceFacts[] = [];
  readonly #roles: Role[] = [];
  readonly #bindings: RoleBinding[] = [];
  readonly #rbacPods: PodForRbac[] = [];
  readonly #credentialWarnings: CredentialWarning[] = [];
  #objects = 0;

  /** Throws ConfigError when the network options are invalid. */
  constructor(network: IsolationClaimOptions) {
    this.#isolation = new IsolationCollector(network);
  }

  /** Objects added so far (malformed ones are not counted). */
  get objects(): number {
    return this.#objects;
  }

  /**
   * Adds one object. Returns the fields of the wrong type (and leaves the object out) when the
   * object cannot be audited; an empty list when it was added.
   */
  add(object: KubeObject): ShapeIssue[] {
    const issues = shapeIssues(object);
    if (issues.length > 0) return issues;
    if (object === null || typeof object !== "object" || Array.isArray(object)) return [];
    this.#objects++;
    const [policy] = networkPoliciesFrom([object]);
    if (policy) this.#isolation.addPolicy(policy);
    const [namespace] = namespacesFrom([object]);
    if (namespace) {
      this.#isolation.addNamespace(namespace);
      const name = namespace.metadata?.name;
      const enforce = namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
      if (object.apiVersion === "v1") this.#namespaces.push({ name: name ?? "", ...(enforce === undefined ? {} : { enforce }) });
    }
    const pod = podOf(object);
    if (pod) {
      this.#isolation.addPod(pod);
      this.#podSecurity.push(podSecurityOf(pod));
      this.#credentialWarnings.push(...envCredentialWarnings(pod));
      if (pod.template.spec?.serviceAccountName) this.#rbacPods.push({ name: pod.name, namespace: pod.namespace, template: { ...(pod.template.metadata ? { metadata: pod.template.metadata } : {}), spec: pod.template.spec } });
    }
    if (object.apiVersion === "rbac.authorization.k8s.io/v1" && object.kind === "Role") this.#roles.push(object as Role);
    if (object.apiVersion === "rbac.authorization.k8s.io/v1" && object.kind === "RoleBinding") this.#bindings.push(object as unknown as RoleBinding);
    return [];
  }

  finish(): FleetAudit {
    const isolation = this.#isolation.report();
    const podSecurity = this.#podSecurity;
    const namespaces = namespaceChecks(this.#namespaces, podSecurity);
    const podsPass = podSecurity.every((p) => p.restricted.length === 0 && p.hardening.length === 0);
    const roleGrants = runnerRoleGrants(this.#rbacPods, this.#roles, this.#bindings);
    // Credential warnings are reported and never count against `pass`.
    return { isolation, podSecurity, namespaces, roleGrants, credentialWarnings: this.#credentialWarnings, pass: isolation.pass && podsPass && namespaces.every((n) => n.pass) && roleGrants.every((g) => g.allowed) };
  }
}

/**
 * Audits `objects`. Throws {@link MalformedObjectsError} when fields the audit reads have the wrong
 * types (naming each object and field), and ConfigError when the network options are invalid.
 */
export function auditFleet(objects: readonly KubeObject[], network: IsolationClaimOptions): FleetAudit {
  const builder = new FleetAuditBuilder(network);
  const malformed: MalformedObject[] = [];
  objects.forEach((object, index) => {
    const issues = builder.add(object);
    if (issues.length > 0) malformed.push({ index, object: describeObject(object), issues });
  });
  if (malformed.length > 0) throw new MalformedObjectsError(malformed);
  return builder.finish();
}
