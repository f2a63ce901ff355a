/**
 * Claims over each Lambda function's resource policy (`aws.lambda.Permission`): the caller is an
 * AWS service, it may invoke and do nothing else, and it may do so only for one resource of one
 * account — `sourceArn` names that resource without a wildcard (for EventBridge, a rule the stack
 * renders) and `sourceAccount` pins the account, so no other account's resource of the same
 * service can make the function act for it (the confused deputy).
 */
import { checker, type AwsCheck, type AwsResourceLike, UNKNOWN_OFFLINE } from "./aws-check.ts";

export const LAMBDA_PERMISSION_TYPE = "aws:lambda/permission:Permission";
export const EVENT_RULE_TYPE = "aws:cloudwatch/eventRule:EventRule";

/** What the Lambda claims compare against: the stack's rules and account. */
export interface LambdaPermissionContext {
  /** Names of the EventBridge rules the stack renders. */
  readonly ruleNames: ReadonlySet<string>;
  /** The stack's account, when the render shows it. */
  readonly accountId?: string;
}

const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;
const EVENTS_RULE_ARN = /^arn:[a-z-]+:events:[a-z0-9-]+:(\d{12}):rule\/(?:[^/]+\/)?([^/]+)$/;
const ARN_ACCOUNT = /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/;

export function lambdaPermissionContext(resources: readonly AwsResourceLike[], accountId: string | undefined): LambdaPermissionContext {
  const ruleNames = new Set(resources.filter((r) => r.type === EVENT_RULE_TYPE).map((r) => (typeof r.inputs["name"] === "string" ? r.inputs["name"] : r.name)));
  return { ruleNames, ...(accountId === undefined ? {} : { accountId }) };
}

export function lambdaPermissionChecks(r: AwsResourceLike, ctx: LambdaPermissionContext): AwsCheck[] {
  if (r.type !== LAMBDA_PERMISSION_TYPE) return [];
  const c = checker("lambda", r);
  const principal = r.inputs["principal"];
  const action = r.inputs["action"];
  const sourceArn = r.inputs["sourceArn"];
  const sourceAccount = r.inputs["sourceAccount"];
  const service = typeof principal === "string" && SERVICE_PRINCIPAL.test(principal);
  const fn = typeof r.inputs["function"] === "string" ? r.inputs["function"] : "the function";

  let arnProblem: string | undefined;
  let arnAccount: string | undefined;
  if (typeof sourceArn !== "string" || sourceArn === "") arnProblem = `no sourceArn: any ${String(principal)} resource, in any account, may invoke ${fn}. Fix: set sourceArn to the ARN of the one resource that invokes it`;
  else if (sourceArn === UNKNOWN_OFFLINE) arnProblem = "sourceArn is known only at deploy time, so the render cannot show which resource it names. Fix: build it from the resource's name (e.g. arn:<partition>:events:<region>:<account>:rule/<name>)";
  else if (/[*?]/.test(sourceArn)) arnProblem = `sourceArn ${sourceArn} holds a wildcard, so more than one resource may invoke ${fn}. Fix: name the one resource`;
  else if (principal === "events.amazonaws.com") {
    const m = EVENTS_RULE_ARN.exec(sourceArn);
    if (!m) arnProblem = `sourceArn ${sourceArn} is not the ARN of an EventBridge rule. Fix: name the rule that invokes ${fn}`;
    else if (!ctx.ruleNames.has(m[2] ?? "")) arnProblem = `sourceArn names rule ${m[2] ?? ""}, which the stack does not render. Fix: name the stack's own rule`;
    else arnAccount = m[1];
  } else arnAccount = ARN_ACCOUNT.exec(sourceArn)?.[1];

  const expected = arnAccount ?? ctx.accountId;
  let accountProblem: string | undefined;
  if (typeof sourceAccount !== "string" || !/^\d{12}$/.test(sourceAccount)) accountProblem = `${sourceAccount === undefined ? "no sourceAccount" : `sourceAccount ${String(sourceAccount)} is not a 12-digit account id`}: a resource of that name in another account could invoke ${fn}. Fix: set sourceAccount to the stack's account id`;
  else if (expected !== undefined && sourceAccount !== expected) accountProblem = `sourceAccount ${sourceAccount} is not the account ${expected} of the stack. Fix: set it to ${expected}`;
  else if (ctx.accountId !== undefined && sourceAccount !== ctx.accountId) accountProblem = `sourceAccount ${sourceAccount} is not the stack's account ${ctx.accountId}. Fix: set it to ${ctx.accountId}`;

  return [
    c("invoked by an AWS service only", service, "principal", service ? `principal ${String(principal)}` : `principal ${String(principal ?? "unset")} is not an AWS service, so accounts or anyone may invoke ${fn}. Fix: grant the one service that invokes it (e.g. events.amazonaws.com)`),
    c("grants lambda:InvokeFunction only", action === "lambda:InvokeFunction", "action", action === "lambda:InvokeFunction" ? "action lambda:InvokeFunction" : `action ${String(action ?? "unset")} grants more than invoking ${fn}. Fix: grant lambda:InvokeFunction`),
    c("sourceArn pinned to one resource", arnProblem === undefined, "sourceArn", arnProblem ?? `only ${String(sourceArn)} may invoke ${fn}`),
    c("sourceAccount pinned to the account", accountProblem === undefined, "sourceAccount", accountProblem ?? `only account ${String(sourceAccount)}`),
  ];
}
