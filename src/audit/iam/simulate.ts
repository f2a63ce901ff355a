/**
 * One request through `@cloud-copilot/iam-simulate`, with the statements that decided it: which
 * statements of the identity policies, the permissions boundary or the resource policy allow it,
 * so a claim that fails can name the statement responsible.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

export type SimulatedDecision = "Allowed" | "Denied";

/** One request the role must (or must not) be able to make. */
export interface IamExpectation {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** Resource policy of the target (KMS keys need one that delegates to IAM). */
  readonly resourcePolicy?: unknown;
  readonly expect: SimulatedDecision;
}

/** A principal and whether it may assume a role. */
export interface TrustExpectation {
  readonly principal: string;
  readonly expect: SimulatedDecision;
}

/** A policy document under the name a claim reports it by (e.g. `RolePolicy iam-policy policy`). */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

/** A statement of a named policy: `Statement[3]` (or `Statement` for a single statement object). */
export interface StatementRef {
  readonly policy: string;
  readonly path: string;
  readonly sid?: string;
}

export interface SimulationInput {
  /** The caller: a principal ARN, or a service principal such as `ec2.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Account of the resource. */
  readonly accountId: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  readonly identityPolicies: readonly NamedPolicy[];
  /** The caller's permissions boundary, if any. */
  readonly boundary?: NamedPolicy;
  /** Resource policy of the target (a trust policy, a KMS key policy). */
  readonly resourcePolicy?: NamedPolicy;
}

export interface SimulationResult {
  readonly decision: SimulatedDecision;
  /** Identity statements that allow the request. */
  readonly allowedBy: readonly StatementRef[];
  /** Boundary statements that allow it. */
  readonly boundaryAllowedBy: readonly StatementRef[];
  /** Resource-policy statements that allow it. */
  readonly resourceAllowedBy: readonly StatementRef[];
  /** The identity policies allow it and the boundary does not. */
  readonly blockedByBoundary: boolean;
}

export type SimulationOutcome = SimulationResult | { readonly error: string };

interface AnalysedStatement {
  readonly policyId?: string;
  readonly statement: { path(): string; sid(): string | undefined };
}

const refs = (statements: readonly AnalysedStatement[] | undefined, fallback: string): StatementRef[] =>
  (statements ?? []).map((s) => {
    const sid = s.statement.sid();
    return { policy: s.policyId ?? fallback, path: s.statement.path(), ...(sid === undefined ? {} : { sid }) };
  });

/** Runs one request; a request the simulator refuses (bad document, unknown action) is an error, not a decision. */
export async function simulateRequest(input: SimulationInput): Promise<SimulationOutcome> {
  const result = await runSimulation(
    {
      request: { principal: input.principal, action: input.action, resource: { resource: input.resource, accountId: input.accountId }, contextVariables: { ...input.context } },
      identityPolicies: input.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(input.boundary === undefined ? {} : { permissionBoundaryPolicies: [{ name: input.boundary.name, policy: input.boundary.policy }] }),
      ...(input.resourcePolicy === undefined ? {} : { resourcePolicy: input.resourcePolicy.policy }),
    },
    {},
  );
  if (result.resultType === "error") return { error: JSON.stringify(result.errors) };
  const analyses = result.resultType === "single" ? [result.result.analysis] : result.results.map((r) => r.analysis);
  const all = <T>(pick: (a: (typeof analyses)[number]) => readonly T[] | undefined): T[] => analyses.flatMap((a) => [...(pick(a) ?? [])]);
  return {
    decision: result.overallResult === "Allowed" ? "Allowed" : "Denied",
    allowedBy: refs(all((a) => a.identityAnalysis?.allowStatements), "identity policy"),
    boundaryAllowedBy: refs(all((a) => a.permissionBoundaryAnalysis?.allowStatements), input.boundary?.name ?? "permissions boundary"),
    resourceAllowedBy: refs(all((a) => a.resourceAnalysis?.allowStatements), input.resourcePolicy?.name ?? "resource policy"),
    blockedByBoundary: analyses.some((a) => a.blockedBy?.includes("pb") === true),
  };
}

/** `RolePolicy iam-policy policy.Statement[3] (Sid Widened)`: where a statement is, for a reader. */
export function describeStatement(s: StatementRef): string {
  return `${s.policy}.${s.path}${s.sid === undefined ? "" : ` (Sid ${s.sid})`}`;
}
