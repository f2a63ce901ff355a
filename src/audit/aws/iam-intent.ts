/**
 * What the runner and broker roles are for, read from a rendered stack, so the role audits of
 * `src/audit/iam` can run on it: the account, region and per-instance parameters from the
 * statement that grants the role its own parameters, the log group and metric namespace from
 * theirs, the repositories, Session Manager and the KMS key from the statements present, and for
 * the broker its group (the Auto Scaling group the stack renders) and whether its function runs in
 * a VPC (the function's `vpcConfig`). Statements are found by their Sid, the names the renderers
 * give them; what the role may do beyond them is what the claims simulate.
 */
import { AWS_RUNNER_DEFAULTS } from "../../model/aws-runner-defaults.ts";
import type { AwsScope } from "../../model/aws-scope.ts";
import { DECRYPT_SSM_SECURE_STRINGS_VIA_SSM_ONLY, PUBLISH_METRICS_TO_OWN_NAMESPACE, PULL_LISTED_ECR_REPOSITORIES, PUSH_LISTED_ECR_REPOSITORIES, READ_OWN_INSTANCE_PARAMETER, READ_SHARED_VAULT_ROLE_ID, REGISTER_WITH_SESSION_MANAGER, WRITE_OWN_RUNNER_LOGS } from "../../render/aws/iam-policy.ts";
import { COMPLETE_RUNNER_LIFECYCLE_ACTIONS, ENCRYPT_SECURE_STRINGS_VIA_SSM_ONLY, WRITE_OWN_BROKER_LOGS, WRITE_PER_INSTANCE_PARAMETERS } from "../../render/aws/secret-id-broker-policies.ts";
import type { RunnerRoleIntent } from "../iam/runner-role.ts";
import type { SecretIdBrokerIntent } from "../iam/secret-id-broker-role.ts";
import { asList, mapping, type AwsResourceLike } from "./aws-check.ts";
import type { PolicyDocument, RoleGraph } from "./iam-documents.ts";

/** A role's intent, or why it cannot be read (with the field to look at). */
export type Recovered<T> = { readonly intent: T } | { readonly problem: { readonly field: string; readonly message: string } };

interface Found {
  readonly statement: Record<string, unknown>;
  /** `RolePolicy iam-policy policy.Statement[1]`. */
  readonly field: string;
}

function bySid(policies: readonly PolicyDocument[]): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const p of policies) {
    const statements = mapping(p.doc)["Statement"];
    asList(statements).forEach((s, i) => {
      const st = mapping(s);
      if (typeof st["Sid"] === "string" && st["Effect"] === "Allow" && !out.has(st["Sid"])) out.set(st["Sid"], { statement: st, field: `${p.name}.${Array.isArray(statements) ? `Statement[${i}]` : "Statement"}` });
    });
  }
  return out;
}

const resources = (f: Found | undefined): string[] => asList(f?.statement["Resource"]).map(String);
const PARAMETER_PREFIX = /^arn:(aws|aws-cn|aws-us-gov):ssm:([a-z0-9-]+):(\d{12}):parameter(\/.+)\/\*$/;
const PARAMETER = /^arn:[^:]+:ssm:[^:]+:\d{12}:parameter(\/.+)$/;
const LOG_STREAMS = /^arn:[^:]+:logs:[^:]+:\d{12}:log-group:(.+):log-stream:\*$/;
const GROUP = /:autoScalingGroupName\/(.+)$/;
const dirname = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";
const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** The scope and prefix of a per-instance parameter statement, or the problem with it. */
function ownParameters(found: Map<string, Found>, sid: string, where: string): { scope: AwsScope; prefix: string; field: string } | { problem: { field: string; message: string } } {
  const f = found.get(sid);
  if (f === undefined) return { problem: { field: where, message: `no statement ${sid}, which names the role's own parameters, so the role's requests cannot be built. Fix: render the role's policy with runner-fleet` } };
  const m = PARAMETER_PREFIX.exec(resources(f)[0] ?? "");
  if (!m || resources(f).length !== 1) return { problem: { field: `${f.field}.Resource`, message: `statement ${sid} should name one parameter prefix (arn:<partition>:ssm:<region>:<account>:parameter/<path>/*), and names ${JSON.stringify(f.statement["Resource"])}. Fix: render the role's policy again` } };
  return { scope: { partition: m[1] as AwsScope["partition"], region: m[2] ?? "", accountId: m[3] ?? "" }, prefix: m[4] ?? "", field: f.field };
}

/** The runner role's intent and scope. */
export function runnerIntent(graph: RoleGraph): Recovered<{ intent: RunnerRoleIntent; scope: AwsScope }> {
  const found = bySid(graph.policies);
  const where = graph.policies.map((p) => p.name).join(", ") || `Role ${graph.role.name}`;
  const own = ownParameters(found, READ_OWN_INSTANCE_PARAMETER.sid, where);
  if ("problem" in own) return own;
  const logs = found.get(WRITE_OWN_RUNNER_LOGS.sid);
  const logGroup = LOG_STREAMS.exec(resources(logs)[0] ?? "")?.[1];
  if (logGroup === undefined) return { problem: { field: logs ? `${logs.field}.Resource` : where, message: `no statement ${WRITE_OWN_RUNNER_LOGS.sid} naming the runner's log group. Fix: render the role's policy again` } };
  const metrics = found.get(PUBLISH_METRICS_TO_OWN_NAMESPACE.sid);
  const namespace = mapping(mapping(metrics?.statement["Condition"])["StringEquals"])["cloudwatch:namespace"];
  if (typeof namespace !== "string") return { problem: { field: metrics ? `${metrics.field}.Condition` : where, message: `no statement ${PUBLISH_METRICS_TO_OWN_NAMESPACE.sid} naming the runner's metric namespace. Fix: render the role's policy again` } };
  const mintedBy = found.has(READ_SHARED_VAULT_ROLE_ID.sid) ? "instance" : "broker";
  const path = dirname(own.prefix);
  const d = AWS_RUNNER_DEFAULTS.ssm;
  const roleId = PARAMETER.exec(resources(found.get(READ_SHARED_VAULT_ROLE_ID.sid))[0] ?? "")?.[1] ?? `${path}/${basename(d.roleId)}`;
  const other = `${path}/${basename(mintedBy === "instance" ? d.jitConfig : d.wrappedSecretId)}`;
  const push = resources(found.get(PUSH_LISTED_ECR_REPOSITORIES.sid));
  const kmsKeyArn = resources(found.get(DECRYPT_SSM_SECURE_STRINGS_VIA_SSM_ONLY.sid))[0];
  const intent: RunnerRoleIntent = {
    roleName: graph.roleName,
    github: { mintedBy },
    ssm: { path, roleId, wrappedSecretId: mintedBy === "instance" ? own.prefix : other, jitConfig: mintedBy === "broker" ? own.prefix : other, ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }) },
    logGroupName: logGroup,
    metricNamespace: namespace,
    ecr: { pullRepositoryArns: resources(found.get(PULL_LISTED_ECR_REPOSITORIES.sid)), pushRepositoryArns: push },
    sessionManager: found.has(REGISTER_WITH_SESSION_MANAGER.sid),
  };
  return { intent: { intent, scope: own.scope } };
}

/** The broker's function: named like its role (as the component names it), else the only function. */
function brokerFunction(resources: readonly AwsResourceLike[], roleName: string): AwsResourceLike | undefined {
  const functions = resources.filter((r) => r.type === "aws:lambda/function:Function");
  return functions.find((f) => f.inputs["name"] === roleName || String(f.inputs["role"]).endsWith(`:role/${roleName}`)) ?? (functions.length === 1 ? functions[0] : undefined);
}

/** The broker role's intent; `runner` (the runner role's, when there is one) gives the runner path and the other parameters. */
export function brokerIntent(graph: RoleGraph, all: readonly AwsResourceLike[], runner: RunnerRoleIntent | undefined): Recovered<SecretIdBrokerIntent> {
  const found = bySid(graph.policies);
  const where = graph.policies.map((p) => p.name).join(", ") || `Role ${graph.role.name}`;
  const own = ownParameters(found, WRITE_PER_INSTANCE_PARAMETERS.sid, where);
  if ("problem" in own) return own;
  const groups = all.filter((r) => r.type === "aws:autoscaling/group:Group").map((r) => (typeof r.inputs["name"] === "string" ? r.inputs["name"] : r.name));
  const group = groups.length === 1 ? groups[0] : GROUP.exec(resources(found.get(COMPLETE_RUNNER_LIFECYCLE_ACTIONS.sid))[0] ?? "")?.[1];
  if (group === undefined) return { problem: { field: where, message: `the broker's Auto Scaling group is not known: the stack renders ${groups.length} groups and no statement ${COMPLETE_RUNNER_LIFECYCLE_ACTIONS.sid} names one. Fix: render the broker with runner-fleet` } };
  const fn = brokerFunction(all, graph.roleName);
  const vpc = mapping(fn?.inputs["vpcConfig"]);
  const logGroup = LOG_STREAMS.exec(resources(found.get(WRITE_OWN_BROKER_LOGS.sid))[0] ?? "")?.[1] ?? (typeof mapping(fn?.inputs["loggingConfig"])["logGroup"] === "string" ? String(mapping(fn?.inputs["loggingConfig"])["logGroup"]) : `/aws/lambda/${graph.roleName}`);
  const path = runner?.ssm.path ?? dirname(own.prefix);
  const d = AWS_RUNNER_DEFAULTS.ssm;
  const other = runner === undefined ? `${path}/${basename(basename(own.prefix) === basename(d.jitConfig) ? d.wrappedSecretId : d.jitConfig)}` : own.prefix === runner.ssm.jitConfig ? runner.ssm.wrappedSecretId : runner.ssm.jitConfig;
  const kmsKeyArn = resources(found.get(ENCRYPT_SECURE_STRINGS_VIA_SSM_ONLY.sid))[0];
  return {
    intent: {
      scope: own.scope,
      roleName: graph.roleName,
      logGroupName: logGroup,
      autoScalingGroupName: group,
      inVpc: asList(vpc["subnetIds"]).length > 0,
      prefix: own.prefix,
      otherPrefix: other,
      path,
      roleId: runner?.ssm.roleId ?? `${path}/${basename(d.roleId)}`,
      ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    },
  };
}
