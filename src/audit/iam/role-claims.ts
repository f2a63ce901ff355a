/**
 * Claims about what a role can and cannot do, each simulated by `@cloud-copilot/iam-simulate` and
 * each naming, when it fails, the statement responsible.
 *
 * - A call the role must not make is simulated against its permission policies alone: each layer
 *   must hold on its own, so a statement that allows it fails the claim even when the permissions
 *   boundary would still deny it (the detail says so).
 * - A call the role needs is simulated against its policies and its boundary together: a boundary
 *   that takes away what the runner needs fails the claim.
 * - The boundary's own claims give the role every action (`Action: "*"`) and check that the
 *   boundary alone still denies each call it must cap.
 */
import type { AwsScope } from "../../model/aws-scope.ts";
import { describeStatement, type IamExpectation, type NamedPolicy, type SimulatedDecision, type SimulationOutcome, type StatementRef, type TrustExpectation, simulateRequest } from "./simulate.ts";

/** One claim and its verdict. */
export interface RoleClaim {
  /** `runner cannot read another parameter`. */
  readonly claim: string;
  /** The request simulated: `ssm:GetParameter on arn:…`, `sts:AssumeRole by ec2.amazonaws.com`. */
  readonly request: string;
  readonly expect: SimulatedDecision;
  /** The simulated decision, or the simulator's error. */
  readonly got: SimulatedDecision | { readonly error: string };
  readonly pass: boolean;
  /** For a failure: the statements that allow what must be denied (empty when nothing allows what is needed). */
  readonly responsible: readonly StatementRef[];
  /** The policies the claim was checked against. */
  readonly checked: readonly string[];
  /** What was found; for a failure, what is wrong and how to fix it. */
  readonly detail: string;
}

const ALLOW_ALL: NamedPolicy = { name: 'a policy allowing Action "*"', policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } };

const roleArn = (scope: AwsScope, roleName: string) => `arn:${scope.partition}:iam::${scope.accountId}:role/${roleName}`;
const named = (statements: readonly StatementRef[]) => statements.map(describeStatement).join(", ");
const decision = (o: SimulationOutcome): SimulatedDecision | { readonly error: string } => ("error" in o ? { error: o.error } : o.decision);

function claimOf(base: Omit<RoleClaim, "pass" | "got" | "detail" | "responsible">, outcome: SimulationOutcome, explain: (o: Exclude<SimulationOutcome, { error: string }>) => { detail: string; responsible?: readonly StatementRef[] }): RoleClaim {
  if ("error" in outcome) return { ...base, got: { error: outcome.error }, pass: false, responsible: [], detail: `the simulator refused ${base.request}: ${outcome.error}. Fix: correct the documents it names` };
  const { detail, responsible = [] } = explain(outcome);
  return { ...base, got: outcome.decision, pass: outcome.decision === base.expect, responsible, detail };
}

/**
 * Claims for each expected request of a role (`subject` names it in the claim: "runner",
 * "broker"): its permission policies must deny what it must not do, and its policies within its
 * boundary must allow what it needs.
 */
export async function permissionClaims(subject: string, scope: AwsScope, roleName: string, policies: readonly NamedPolicy[], boundary: NamedPolicy | undefined, expectations: readonly IamExpectation[]): Promise<RoleClaim[]> {
  const out: RoleClaim[] = [];
  const principal = roleArn(scope, roleName);
  const checked = policies.map((p) => p.name);
  const ask = (e: IamExpectation, withBoundary: boolean) =>
    simulateRequest({
      principal,
      action: e.action,
      resource: e.resource,
      accountId: scope.accountId,
      ...(e.context === undefined ? {} : { context: e.context }),
      identityPolicies: policies,
      ...(withBoundary && boundary !== undefined ? { boundary } : {}),
      ...(e.resourcePolicy === undefined ? {} : { resourcePolicy: { name: "the key policy", policy: e.resourcePolicy } }),
    });
  for (const e of expectations) {
    const request = `${e.action} on ${e.resource}`;
    if (e.expect === "Denied") {
      const outcome = await ask(e, false);
      // Whether the boundary would still stop it, said in the detail; the claim fails either way.
      const capped = boundary !== undefined && "decision" in outcome && outcome.decision === "Allowed" ? decision(await ask(e, true)) === "Denied" : false;
      out.push(
        claimOf({ claim: `${subject} cannot ${e.name}`, request, expect: "Denied", checked }, outcome, (o) =>
          o.decision === "Denied"
            ? { detail: `${request}: no statement allows it` }
            : { responsible: o.allowedBy, detail: `${request} is allowed by ${named(o.allowedBy) || "the identity policies"}${capped ? " (the permissions boundary still denies it)" : ""}. Fix: narrow that statement's Action or Resource, or remove it` },
        ),
      );
    } else {
      const outcome = await ask(e, true);
      const within = [...checked, ...(boundary === undefined ? [] : [boundary.name])];
      out.push(
        claimOf({ claim: `${subject} can ${e.name}`, request, expect: "Allowed", checked: within }, outcome, (o) => {
          if (o.decision === "Allowed") return { detail: `${request}: allowed by ${named(o.allowedBy) || "the identity policies"}` };
          if (o.blockedByBoundary && boundary !== undefined) return { responsible: [{ policy: boundary.name, path: "Statement" }], detail: `${request} is allowed by the role's policies but not by the permissions boundary. Fix: allow it in the boundary` };
          return { detail: `${request}: no statement of ${checked.join(", ") || "the role's policies"} allows it, and the ${subject} needs it. Fix: render the role's policy again` };
        }),
      );
    }
  }
  return out;
}

/** Claims that a boundary alone denies each call, even to a role whose policies allow every action. */
export async function boundaryClaims(subject: string, scope: AwsScope, roleName: string, boundary: NamedPolicy, expectations: readonly IamExpectation[]): Promise<RoleClaim[]> {
  const out: RoleClaim[] = [];
  for (const e of expectations) {
    const request = `${e.action} on ${e.resource}`;
    const outcome = await simulateRequest({
      principal: roleArn(scope, roleName),
      action: e.action,
      resource: e.resource,
      accountId: scope.accountId,
      ...(e.context === undefined ? {} : { context: e.context }),
      identityPolicies: [ALLOW_ALL],
      boundary,
      ...(e.resourcePolicy === undefined ? {} : { resourcePolicy: { name: "the key policy", policy: e.resourcePolicy } }),
    });
    out.push(
      claimOf({ claim: `${subject} cannot ${e.name}, even if its policies allowed "*"`, request, expect: e.expect, checked: [boundary.name] }, outcome, (o) =>
        o.decision === e.expect
          ? { detail: `${request}: ${e.expect === "Denied" ? "the boundary denies it" : "the boundary allows it"}` }
          : e.expect === "Denied"
            ? { responsible: o.boundaryAllowedBy, detail: `${request} is allowed by the boundary's ${named(o.boundaryAllowedBy) || "statements"}. Fix: narrow that boundary statement` }
            : { detail: `${request} is denied by the boundary. Fix: allow it in the boundary` },
      ),
    );
  }
  return out;
}

/** Claims about who may assume a role, simulated against its trust policy. */
export async function trustClaims(scope: AwsScope, roleName: string, trust: NamedPolicy, expectations: readonly TrustExpectation[]): Promise<RoleClaim[]> {
  const out: RoleClaim[] = [];
  for (const t of expectations) {
    const request = `sts:AssumeRole by ${t.principal}`;
    const outcome = await simulateRequest({
      principal: t.principal,
      action: "sts:AssumeRole",
      resource: roleArn(scope, roleName),
      accountId: scope.accountId,
      // IAM principals of the account hold an allow-all policy of their own: only the trust policy stands in their way.
      identityPolicies: t.principal.startsWith("arn:") ? [ALLOW_ALL] : [],
      resourcePolicy: trust,
    });
    out.push(
      claimOf({ claim: `${t.principal} ${t.expect === "Allowed" ? "can" : "cannot"} assume ${roleName}`, request, expect: t.expect, checked: [trust.name] }, outcome, (o) =>
        o.decision === t.expect
          ? { detail: `${request}: ${o.decision === "Allowed" ? `allowed by ${named(o.resourceAllowedBy) || "the trust policy"}` : "the trust policy does not admit it"}` }
          : t.expect === "Denied"
            ? { responsible: o.resourceAllowedBy, detail: `${request} is allowed by ${named(o.resourceAllowedBy) || "the trust policy"}. Fix: trust the one service that assumes the role, nothing else` }
            : { detail: `${request} is not admitted, so the role cannot be used. Fix: trust ${t.principal}` },
      ),
    );
  }
  return out;
}
