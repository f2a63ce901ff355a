/**
 * IAM claims over a rendered stack: every policy document parses, passes the grammar, names
 * actions that exist and allows no `Action: "*"`; and the runner and broker roles (found by the
 * service their trust policy admits) get the role audits of `src/audit/iam` — who may assume them,
 * each call they need and each call they must not make, simulated against the policies the stack
 * attaches — and the runner role's permissions boundary caps what the role could ever do.
 */
import type { AwsScope } from "../../model/aws-scope.ts";
import { checkActionsExist, checkPolicySyntax } from "../iam/policy-checks.ts";
import { boundaryClaims, permissionClaims, trustClaims, type RoleClaim } from "../iam/role-claims.ts";
import { runnerBoundaryExpectations } from "../iam/runner-boundary.ts";
import { runnerRoleExpectations, runnerTrustExpectations, type RunnerRoleIntent } from "../iam/runner-role.ts";
import { secretIdBrokerExpectations, secretIdBrokerTrustExpectations } from "../iam/secret-id-broker-role.ts";
import type { NamedPolicy } from "../iam/simulate.ts";
import { asList, mapping, resourceLabel, type AwsCheck, type AwsResourceLike } from "./aws-check.ts";
import { brokerIntent, runnerIntent } from "./iam-intent.ts";
import { policyDocuments, roleGraphs, trustedServices, type PolicyDocument, type RoleGraph } from "./iam-documents.ts";

/** Claims over one policy document: JSON, grammar, actions that exist, no `Action: "*"`. */
async function documentChecks(d: PolicyDocument): Promise<AwsCheck[]> {
  const resource = resourceLabel(d.resource);
  const check = (name: string, pass: boolean, field: string, message: string): AwsCheck => ({ area: "iam", resource, check: name, pass, field, message });
  if (d.doc === undefined) return [check(`${d.kind} policy is JSON`, false, d.name, `${d.parseError ?? "unreadable"}. Fix: render the policy with JSON.stringify`)];
  const syntax = checkPolicySyntax(d.doc, d.kind, d.name);
  const first = syntax[0];
  const out = [check(`${d.kind} policy grammar`, first === undefined, first === undefined ? d.name : `${d.name}.${first.path}`, first === undefined ? "valid" : syntax.map((f) => `${f.path}: ${f.message}`).join("; "))];
  if (d.kind !== "identity" || first !== undefined) return out;
  const statements = asList(mapping(d.doc)["Statement"]).map(mapping);
  const unknown = await checkActionsExist({ Statement: statements as never }, d.name);
  out.push(check("actions exist", unknown.length === 0, unknown[0] === undefined ? d.name : `${d.name}.${unknown[0].path}`, unknown.length === 0 ? "every action exists" : unknown.map((f) => `${f.path}: ${f.message}`).join("; ")));
  const path = (i: number) => (Array.isArray(mapping(d.doc)["Statement"]) ? `Statement[${i}]` : "Statement");
  const wild = statements.flatMap((s, i) => (s["Effect"] === "Allow" && asList(s["Action"]).includes("*") ? [path(i)] : []));
  out.push(check('no Action "*"', wild.length === 0, wild[0] === undefined ? d.name : `${d.name}.${wild[0]}`, wild.length === 0 ? "no statement allows every action" : `${wild.join(", ")} allow every action. Fix: list the actions the role needs`));
  return out;
}

const named = (d: PolicyDocument): NamedPolicy => ({ name: d.name, policy: d.doc });

function toCheck(role: AwsResourceLike, c: RoleClaim): AwsCheck {
  const responsible = c.responsible[0];
  const field = !c.pass && responsible !== undefined ? `${responsible.policy}.${responsible.path}` : c.checked.join(", ");
  return { area: "iam", resource: resourceLabel(role), check: c.claim, pass: c.pass, field, message: c.detail };
}

/** The documents of a role the simulator can read, or a failed claim naming the first it cannot. */
function simulatable(graph: RoleGraph, subject: string): AwsCheck | undefined {
  const bad = [graph.trust, ...graph.policies, graph.boundary?.document].find((d) => d !== undefined && (d.doc === undefined || checkPolicySyntax(d.doc, d.kind, d.name).length > 0));
  if (bad === undefined) return undefined;
  return { area: "iam", resource: resourceLabel(graph.role), check: `${subject} role can be simulated`, pass: false, field: bad.name, message: `${bad.name} is not a valid policy document, so no request of the ${subject} role was simulated. Fix: correct it (see its grammar claim)` };
}

/** Claims that every policy attached to a role is rendered (else what it allows is unknown offline). */
function attachedChecks(graph: RoleGraph, subject: string): AwsCheck[] {
  return graph.attached
    .filter((a) => a.document === undefined)
    .map((a) => ({ area: "iam", resource: resourceLabel(graph.role), check: `every policy of the ${subject} role is rendered`, pass: false, field: a.field, message: `${a.arn} is attached but not rendered by the stack, so what it allows is unknown and no claim covers it. Fix: attach only policies the stack renders` }));
}

async function runnerChecks(graph: RoleGraph): Promise<{ checks: AwsCheck[]; intent?: RunnerRoleIntent; scope?: AwsScope }> {
  const label = resourceLabel(graph.role);
  const checks: AwsCheck[] = [...attachedChecks(graph, "runner")];
  const boundary = graph.boundary;
  checks.push({
    area: "iam",
    resource: label,
    check: "runner role has a permissions boundary",
    pass: boundary !== undefined,
    field: boundary?.field ?? `${label} permissionsBoundary`,
    message: boundary === undefined ? "no permissions boundary: a statement widened later would be the role's only limit. Fix: leave permissionsBoundaryArn unset so the stack renders its boundary" : `bounded by ${boundary.arn}`,
  });
  if (boundary !== undefined && boundary.document === undefined) {
    checks.push({ area: "iam", resource: label, check: "permissions boundary caps the role", pass: false, field: boundary.field, message: `${boundary.arn} is not rendered by the stack, so the audit cannot show what it denies. Fix: leave permissionsBoundaryArn unset to use the boundary the stack renders, or audit that policy where it is defined` });
  }
  const unreadable = simulatable(graph, "runner");
  if (unreadable) return { checks: [...checks, unreadable] };
  const recovered = runnerIntent(graph);
  if ("problem" in recovered) return { checks: [...checks, { area: "iam", resource: label, check: "runner role says what it is for", pass: false, field: recovered.problem.field, message: recovered.problem.message }] };
  const { intent, scope } = recovered.intent;
  const bound = boundary?.document === undefined ? undefined : named(boundary.document);
  const claims = [
    ...(graph.trust === undefined ? [] : await trustClaims(scope, graph.roleName, named(graph.trust), runnerTrustExpectations(scope))),
    ...(await permissionClaims("runner", scope, graph.roleName, graph.policies.map(named), bound, runnerRoleExpectations(intent, scope))),
    ...(bound === undefined ? [] : await boundaryClaims("runner", scope, graph.roleName, bound, runnerBoundaryExpectations(intent, scope))),
  ];
  return { checks: [...checks, ...claims.map((c) => toCheck(graph.role, c))], intent, scope };
}

async function brokerChecks(graph: RoleGraph, all: readonly AwsResourceLike[], runner: RunnerRoleIntent | undefined): Promise<{ checks: AwsCheck[]; scope?: AwsScope }> {
  const checks = attachedChecks(graph, "broker");
  const unreadable = simulatable(graph, "broker");
  if (unreadable) return { checks: [...checks, unreadable] };
  const recovered = brokerIntent(graph, all, runner);
  if ("problem" in recovered) return { checks: [...checks, { area: "iam", resource: resourceLabel(graph.role), check: "broker role says what it is for", pass: false, field: recovered.problem.field, message: recovered.problem.message }] };
  const intent = recovered.intent;
  const bound = graph.boundary?.document === undefined ? undefined : named(graph.boundary.document);
  const claims = [
    ...(graph.trust === undefined ? [] : await trustClaims(intent.scope, graph.roleName, named(graph.trust), secretIdBrokerTrustExpectations(intent.scope))),
    ...(await permissionClaims("broker", intent.scope, graph.roleName, graph.policies.map(named), bound, secretIdBrokerExpectations(intent))),
  ];
  return { checks: [...checks, ...claims.map((c) => toCheck(graph.role, c))], scope: intent.scope };
}

/** Every IAM claim over the rendered resources, and the account they name (for the Lambda claims). */
export async function iamChecks(resources: readonly AwsResourceLike[]): Promise<{ checks: AwsCheck[]; accountId?: string }> {
  const checks: AwsCheck[] = [];
  for (const r of resources) for (const d of policyDocuments(r)) checks.push(...(await documentChecks(d)));
  const graphs = roleGraphs(resources);
  let runner: RunnerRoleIntent | undefined;
  let accountId: string | undefined;
  for (const g of graphs.filter((g) => trustedServices(g.trust).includes("ec2.amazonaws.com"))) {
    const r = await runnerChecks(g);
    checks.push(...r.checks);
    runner ??= r.intent;
    accountId ??= r.scope?.accountId;
  }
  for (const g of graphs.filter((g) => trustedServices(g.trust).includes("lambda.amazonaws.com"))) {
    const r = await brokerChecks(g, resources, runner);
    checks.push(...r.checks);
    accountId ??= r.scope?.accountId;
  }
  return { checks, ...(accountId === undefined ? {} : { accountId }) };
}
