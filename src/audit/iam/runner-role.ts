/**
 * Offline audit of the EC2 runner role: the trust and permission policies pass the grammar and
 * action checks, and `@cloud-copilot/iam-simulate` agrees with what the role is for — it may read
 * its own parameters, write its logs and pull its images, and it may not read other parameters,
 * assume roles, touch IAM or push where it was not told to.
 */
import type { AwsRunnerProfile, AwsScope } from "../../model/aws-runner.ts";
import { AWS_INSTANCE_PARAMETER_TAG } from "../../model/aws-runner-defaults.ts";
import { renderRunnerRolePolicy, renderRunnerTrustPolicy } from "../../render/aws/iam-policy.ts";
import { checkIamPolicy, type IamFinding } from "./policy-checks.ts";
import { permissionClaims, trustClaims, type RoleClaim } from "./role-claims.ts";
import { type IamExpectation, type SimulatedDecision, type TrustExpectation, simulateRequest } from "./simulate.ts";

export type { IamExpectation, SimulatedDecision, TrustExpectation } from "./simulate.ts";

/**
 * What the runner role is for: the profile fields its requests are built from. A resolved
 * `AwsRunnerProfile` is one; `runner-fleet audit` reads one from the role's named statements.
 */
export type RunnerRoleIntent = Pick<AwsRunnerProfile, "roleName" | "logGroupName" | "metricNamespace" | "sessionManager" | "ecr"> & {
  readonly github: Pick<AwsRunnerProfile["github"], "mintedBy">;
  readonly ssm: AwsRunnerProfile["ssm"];
};

/** A request sent from an example runner instance. */
export const EXAMPLE_INSTANCE_ID = "i-0123456789abcdef0";
/** Another instance of the same group. */
export const OTHER_INSTANCE_ID = "i-0fedcba9876543210";

/** The ARN of an instance, as `ec2:SourceInstanceARN` and the per-instance parameter tag give it. */
export const instanceArn = ({ partition, region, accountId }: AwsScope, id: string): string => `arn:${partition}:ec2:${region}:${accountId}:instance/${id}`;

/** The context of a request signed with the role credentials of `from`, on a parameter tagged for `owner` (none: untagged). */
export function instanceRequestContext(scope: AwsScope, from: string, owner?: string): Record<string, string> {
  return { "ec2:SourceInstanceARN": instanceArn(scope, from), ...(owner === undefined ? {} : { [`aws:ResourceTag/${AWS_INSTANCE_PARAMETER_TAG}`]: instanceArn(scope, owner) }) };
}

/** The requests the runner role is checked against, derived from the profile. */
export function runnerRoleExpectations(profile: RunnerRoleIntent, scope: AwsScope): IamExpectation[] {
  const { partition: p, region: r, accountId: a } = scope;
  const param = (name: string, region = r) => `arn:${p}:ssm:${region}:${a}:parameter${name}`;
  const stream = (group: string) => `arn:${p}:logs:${r}:${a}:log-group:${group}:log-stream:${EXAMPLE_INSTANCE_ID}`;
  const repo = (name: string) => `arn:${p}:ecr:${r}:${a}:repository/${name}`;
  const otherRegion = r === "us-east-1" ? "eu-west-1" : "us-east-1";
  const allow = (name: string, action: string, resource: string, extra: Partial<IamExpectation> = {}): IamExpectation => ({ name, action, resource, expect: "Allowed", ...extra });
  const deny = (name: string, action: string, resource: string, extra: Partial<IamExpectation> = {}): IamExpectation => ({ name, action, resource, expect: "Denied", ...extra });
  const listed = new Set([...profile.ecr.pullRepositoryArns, ...profile.ecr.pushRepositoryArns]);
  const notListed = [...Array(listed.size + 1).keys()].map((i) => repo(`not-listed-${i}`)).find((arn) => !listed.has(arn)) ?? repo("not-listed");
  // Every request comes from EXAMPLE_INSTANCE_ID's credentials; per-instance parameters carry their owner's tag.
  const ctx = (owner?: string) => ({ context: instanceRequestContext(scope, EXAMPLE_INSTANCE_ID, owner) });
  const own = profile.github.mintedBy === "broker" ? profile.ssm.jitConfig : profile.ssm.wrappedSecretId;
  const notOwn = profile.github.mintedBy === "broker" ? profile.ssm.wrappedSecretId : profile.ssm.jitConfig;
  const mine = param(`${own}/${EXAMPLE_INSTANCE_ID}`);
  const theirs = param(`${own}/${OTHER_INSTANCE_ID}`);
  const roleId = profile.github.mintedBy === "instance" ? allow : deny;
  const out: IamExpectation[] = [
    roleId("read the shared Vault role id", "ssm:GetParameter", param(profile.ssm.roleId), ctx()),
    allow("read its own per-instance parameter", "ssm:GetParameter", mine, ctx(EXAMPLE_INSTANCE_ID)),
    deny("read another instance's per-instance parameter", "ssm:GetParameter", theirs, ctx(OTHER_INSTANCE_ID)),
    deny("read an untagged per-instance parameter", "ssm:GetParameter", theirs, ctx()),
    deny("read per-instance parameters by path", "ssm:GetParametersByPath", param(own), ctx()),
    deny("read several per-instance parameters at once", "ssm:GetParameters", theirs, ctx(OTHER_INSTANCE_ID)),
    deny("read the other kind of per-instance parameter", "ssm:GetParameter", param(`${notOwn}/${EXAMPLE_INSTANCE_ID}`), ctx(EXAMPLE_INSTANCE_ID)),
    deny("read another parameter of the runner path", "ssm:GetParameter", param(`${profile.ssm.path}/other`), ctx()),
    deny("read another parameter", "ssm:GetParameter", param("/prod/db/password"), ctx()),
    deny("read its parameter in another region", "ssm:GetParameter", param(`${own}/${EXAMPLE_INSTANCE_ID}`, otherRegion), ctx(EXAMPLE_INSTANCE_ID)),
    deny("overwrite its per-instance parameter", "ssm:PutParameter", mine, ctx(EXAMPLE_INSTANCE_ID)),
    deny("tag another instance's parameter as its own", "ssm:AddTagsToResource", theirs, ctx(OTHER_INSTANCE_ID)),
    allow("create its log stream", "logs:CreateLogStream", stream(profile.logGroupName)),
    allow("write its logs", "logs:PutLogEvents", stream(profile.logGroupName)),
    deny("write another log group", "logs:PutLogEvents", stream("/aws/lambda/payments")),
    allow("publish its metrics", "cloudwatch:PutMetricData", "*", { context: { "cloudwatch:namespace": profile.metricNamespace } }),
    deny("publish into another namespace", "cloudwatch:PutMetricData", "*", { context: { "cloudwatch:namespace": "AWS/EC2" } }),
    deny("assume another role", "sts:AssumeRole", `arn:${p}:iam::${a}:role/admin`),
    deny("create an IAM user", "iam:CreateUser", `arn:${p}:iam::${a}:user/backdoor`),
    deny("pass a role", "iam:PassRole", `arn:${p}:iam::${a}:role/admin`),
    deny("attach a policy to a role", "iam:AttachRolePolicy", `arn:${p}:iam::${a}:role/${profile.roleName}`),
    deny("start instances", "ec2:RunInstances", `arn:${p}:ec2:${r}:${a}:instance/*`),
    deny("push to a repository not listed for push", "ecr:PutImage", notListed),
    deny("pull from a repository not listed", "ecr:BatchGetImage", notListed),
  ];
  if (listed.size > 0) out.push(allow("get an ECR login token", "ecr:GetAuthorizationToken", "*"));
  for (const arn of listed) {
    out.push(allow(`pull ${arn}`, "ecr:BatchGetImage", arn), allow(`download layers of ${arn}`, "ecr:GetDownloadUrlForLayer", arn));
  }
  for (const arn of profile.ecr.pushRepositoryArns) out.push(allow(`push ${arn}`, "ecr:PutImage", arn));
  for (const arn of profile.ecr.pullRepositoryArns.filter((x) => !profile.ecr.pushRepositoryArns.includes(x))) {
    out.push(deny(`push to pull-only ${arn}`, "ecr:PutImage", arn), deny(`upload layers to pull-only ${arn}`, "ecr:InitiateLayerUpload", arn));
  }
  const instance = `arn:${p}:ec2:${r}:${a}:instance/${EXAMPLE_INSTANCE_ID}`;
  const sm = profile.sessionManager ? allow : deny;
  out.push(sm("open a Session Manager channel", "ssmmessages:OpenControlChannel", "*"), sm("register with Systems Manager", "ssm:UpdateInstanceInformation", instance));
  if (profile.ssm.kmsKeyArn !== undefined) {
    const keyPolicy = { Version: "2012-10-17", Statement: [{ Sid: "DelegateToIam", Effect: "Allow", Principal: { AWS: `arn:${p}:iam::${a}:root` }, Action: "kms:*", Resource: "*" }] };
    out.push(
      allow("decrypt a SecureString through SSM", "kms:Decrypt", profile.ssm.kmsKeyArn, { context: { "kms:ViaService": `ssm.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }),
      deny("decrypt with the key outside SSM", "kms:Decrypt", profile.ssm.kmsKeyArn, { context: { "kms:ViaService": `s3.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }),
    );
  }
  return out;
}

/**
 * Who may assume a role that one AWS service assumes: `service` only; `other` (another service),
 * an administrator of the account and another account may not.
 */
export function serviceTrustExpectations(scope: AwsScope, service: string, other: string): TrustExpectation[] {
  return [
    { principal: service, expect: "Allowed" },
    { principal: other, expect: "Denied" },
    { principal: `arn:${scope.partition}:iam::${scope.accountId}:user/administrator`, expect: "Denied" },
    { principal: `arn:${scope.partition}:iam::999999999999:root`, expect: "Denied" },
  ];
}

/** Who may assume the role: the EC2 service only (an administrator of the account included, no one else). */
export function runnerTrustExpectations(scope: AwsScope): TrustExpectation[] {
  return serviceTrustExpectations(scope, "ec2.amazonaws.com", "lambda.amazonaws.com");
}

type Outcome = SimulatedDecision | { readonly error: string };

const decided = (o: Awaited<ReturnType<typeof simulateRequest>>): Outcome => ("error" in o ? { error: o.error } : o.decision);

/** Simulates one request of the runner role against a permission policy. */
export async function simulateRunnerRequest(policy: unknown, scope: AwsScope, roleName: string, e: IamExpectation): Promise<Outcome> {
  return decided(
    await simulateRequest({
      principal: `arn:${scope.partition}:iam::${scope.accountId}:role/${roleName}`,
      action: e.action,
      resource: e.resource,
      accountId: scope.accountId,
      ...(e.context === undefined ? {} : { context: e.context }),
      identityPolicies: [{ name: roleName, policy }],
      ...(e.resourcePolicy === undefined ? {} : { resourcePolicy: { name: "resource policy", policy: e.resourcePolicy } }),
    }),
  );
}

/** Simulates `sts:AssumeRole` of the runner role by a principal (IAM principals hold an allow-all policy of their own). */
export async function simulateAssumeRunnerRole(trustPolicy: unknown, scope: AwsScope, roleName: string, principal: string): Promise<Outcome> {
  const allowAll = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  return decided(
    await simulateRequest({
      principal,
      action: "sts:AssumeRole",
      resource: `arn:${scope.partition}:iam::${scope.accountId}:role/${roleName}`,
      accountId: scope.accountId,
      identityPolicies: principal.startsWith("arn:") ? [{ name: "allow-all", policy: allowAll }] : [],
      resourcePolicy: { name: "trust policy", policy: trustPolicy },
    }),
  );
}

/** Simulation findings (the old report form) from claims: each failed claim as one finding on its document. */
export function simulationFindings(claims: readonly RoleClaim[], policy: string, what: (c: RoleClaim) => string): IamFinding[] {
  return claims
    .filter((c) => !c.pass)
    .map((c) => ({
      check: "simulation",
      policy,
      path: c.request,
      message: typeof c.got === "string" ? `${what(c)} must be ${c.expect.toLowerCase()}, but the simulation says ${c.got}` : `the simulator refused the request (${what(c)}): ${c.got.error}`,
    }));
}

/** The runner role's two documents. */
export interface RunnerRoleDocuments {
  readonly trustPolicy: { readonly Version?: string; readonly Statement: readonly object[] };
  readonly permissionPolicy: { readonly Version?: string; readonly Statement: readonly object[] };
}

/** Every finding for given runner role documents: grammar, unknown actions, and simulations that disagree with the profile. */
export async function auditRunnerRoleDocuments(profile: RunnerRoleIntent, scope: AwsScope, docs: RunnerRoleDocuments): Promise<IamFinding[]> {
  const trustName = `${profile.roleName} trust policy`;
  const policyName = `${profile.roleName} permission policy`;
  const trust = await trustClaims(scope, profile.roleName, { name: trustName, policy: docs.trustPolicy }, runnerTrustExpectations(scope));
  const permissions = await permissionClaims("runner", scope, profile.roleName, [{ name: policyName, policy: docs.permissionPolicy }], undefined, runnerRoleExpectations(profile, scope));
  return [
    ...(await checkIamPolicy(docs.trustPolicy, "trust", trustName)),
    ...(await checkIamPolicy(docs.permissionPolicy, "identity", policyName)),
    ...simulationFindings(trust, trustName, (c) => `assuming the role as ${c.request.replace(/^sts:AssumeRole by /, "")}`),
    ...simulationFindings(permissions, policyName, (c) => `the role's request to ${c.claim.replace(/^runner (?:can|cannot) /, "")}`),
  ];
}

/** Audits the documents {@link renderRunnerTrustPolicy} and {@link renderRunnerRolePolicy} render for a profile. */
export function auditRunnerRole(profile: AwsRunnerProfile, scope: AwsScope): Promise<IamFinding[]> {
  return auditRunnerRoleDocuments(profile, scope, { trustPolicy: renderRunnerTrustPolicy(), permissionPolicy: renderRunnerRolePolicy(profile, scope) });
}
