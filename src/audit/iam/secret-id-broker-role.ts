/**
 * Offline audit of the secret-id broker's role: grammar and action checks of both documents, and
 * simulations that agree with what the broker is for — it may write and delete wrapped secret
 * ids, complete the runner group's lifecycle actions, write its own logs and sign
 * GetCallerIdentity; it may not read any parameter (the wrapped secret ids included), write other
 * parameters, touch other groups, decrypt, assume roles or touch IAM.
 */
import type { AwsScope } from "../../model/aws-runner.ts";
import { AWS_INSTANCE_PARAMETER_TAG } from "../../model/aws-runner-defaults.ts";
import { brokerParameterPrefix, renderSecretIdBrokerRolePolicy, renderSecretIdBrokerTrustPolicy, type SecretIdBrokerIamContext } from "../../render/aws/secret-id-broker-policies.ts";
import { secretIdBrokerNames } from "../../render/aws/secret-id-broker-names.ts";
import { checkIamPolicy, type IamFinding } from "./policy-checks.ts";
import { permissionClaims, trustClaims } from "./role-claims.ts";
import { EXAMPLE_INSTANCE_ID, instanceArn, OTHER_INSTANCE_ID, type RunnerRoleDocuments, serviceTrustExpectations, simulationFindings } from "./runner-role.ts";
import type { IamExpectation, TrustExpectation } from "./simulate.ts";

/**
 * What the broker role is for: the names its requests are built from. `secretIdBrokerIntent`
 * derives one from what the component renders; `runner-fleet audit` reads one from the rendered
 * resources.
 */
export interface SecretIdBrokerIntent {
  readonly scope: AwsScope;
  readonly roleName: string;
  /** The function's log group. */
  readonly logGroupName: string;
  readonly autoScalingGroupName: string;
  readonly inVpc: boolean;
  /** The per-instance parameters it writes (`<prefix>/<instance-id>`), and the other kind, which it must not write. */
  readonly prefix: string;
  readonly otherPrefix: string;
  /** The runner path and the Vault role id parameter in it. */
  readonly path: string;
  readonly roleId: string;
  readonly kmsKeyArn?: string;
}

/** The intent of the broker the component renders for a context. */
export function secretIdBrokerIntent(ctx: SecretIdBrokerIamContext): SecretIdBrokerIntent {
  const { profile } = ctx;
  const prefix = brokerParameterPrefix(profile);
  const names = secretIdBrokerNames(profile);
  return {
    scope: ctx.scope,
    roleName: names.roleName,
    logGroupName: names.logGroupName,
    autoScalingGroupName: ctx.autoScalingGroupName,
    inVpc: ctx.inVpc,
    prefix,
    otherPrefix: prefix === profile.ssm.jitConfig ? profile.ssm.wrappedSecretId : profile.ssm.jitConfig,
    path: profile.ssm.path,
    roleId: profile.ssm.roleId,
    ...(profile.ssm.kmsKeyArn === undefined ? {} : { kmsKeyArn: profile.ssm.kmsKeyArn }),
  };
}

/** The requests the broker role is checked against. */
export function secretIdBrokerExpectations(intent: SecretIdBrokerIntent): IamExpectation[] {
  const { scope, prefix, otherPrefix: other } = intent;
  const { partition: p, region: r, accountId: a } = scope;
  const param = (name: string, region = r) => `arn:${p}:ssm:${region}:${a}:parameter${name}`;
  const group = (name: string) => `arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:0f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b:autoScalingGroupName/${name}`;
  const otherRegion = r === "us-east-1" ? "eu-west-1" : "us-east-1";
  const wrapped = param(`${prefix}/${EXAMPLE_INSTANCE_ID}`);
  const tagged = { context: { "aws:TagKeys": [AWS_INSTANCE_PARAMETER_TAG], [`aws:RequestTag/${AWS_INSTANCE_PARAMETER_TAG}`]: instanceArn(scope, EXAMPLE_INSTANCE_ID) } };
  const logs = intent.logGroupName;
  const allow = (name: string, action: string, resource: string, extra: Partial<IamExpectation> = {}): IamExpectation => ({ name, action, resource, expect: "Allowed", ...extra });
  const deny = (name: string, action: string, resource: string, extra: Partial<IamExpectation> = {}): IamExpectation => ({ name, action, resource, expect: "Denied", ...extra });
  const vpc = intent.inVpc ? allow : deny;
  const out: IamExpectation[] = [
    allow("write a per-instance parameter with its instance tag", "ssm:PutParameter", wrapped, tagged),
    allow("tag a per-instance parameter with its instance", "ssm:AddTagsToResource", wrapped, tagged),
    allow("delete a per-instance parameter", "ssm:DeleteParameter", wrapped),
    deny("write a per-instance parameter with another tag", "ssm:PutParameter", wrapped, { context: { "aws:TagKeys": ["Owner"], "aws:RequestTag/Owner": "me" } }),
    deny("read a per-instance parameter", "ssm:GetParameter", wrapped),
    deny("read another instance's per-instance parameter", "ssm:GetParameter", param(`${prefix}/${OTHER_INSTANCE_ID}`)),
    deny("read per-instance parameters by path", "ssm:GetParametersByPath", param(prefix)),
    deny("write the other kind of per-instance parameter", "ssm:PutParameter", param(`${other}/${EXAMPLE_INSTANCE_ID}`), tagged),
    deny("read the Vault role id", "ssm:GetParameter", param(intent.roleId)),
    deny("overwrite the Vault role id", "ssm:PutParameter", param(intent.roleId)),
    deny("write another parameter of the runner path", "ssm:PutParameter", param(`${intent.path}/other`)),
    deny("read another parameter", "ssm:GetParameter", param("/prod/db/password")),
    deny("write another parameter", "ssm:PutParameter", param("/prod/db/password")),
    deny("write a per-instance parameter in another region", "ssm:PutParameter", param(`${prefix}/${EXAMPLE_INSTANCE_ID}`, otherRegion), tagged),
    allow("complete a runner lifecycle action", "autoscaling:CompleteLifecycleAction", group(intent.autoScalingGroupName)),
    deny("complete another group's lifecycle action", "autoscaling:CompleteLifecycleAction", group("payments")),
    deny("change the runner group", "autoscaling:UpdateAutoScalingGroup", group(intent.autoScalingGroupName)),
    allow("create its log stream", "logs:CreateLogStream", `arn:${p}:logs:${r}:${a}:log-group:${logs}:log-stream:2026/03/01/[$LATEST]0123`),
    allow("write its logs", "logs:PutLogEvents", `arn:${p}:logs:${r}:${a}:log-group:${logs}:log-stream:2026/03/01/[$LATEST]0123`),
    deny("write another log group", "logs:PutLogEvents", `arn:${p}:logs:${r}:${a}:log-group:/ci-intel/runner:log-stream:x`),
    allow("sign GetCallerIdentity for the Vault login", "sts:GetCallerIdentity", "*"),
    deny("assume another role", "sts:AssumeRole", `arn:${p}:iam::${a}:role/admin`),
    deny("create an IAM user", "iam:CreateUser", `arn:${p}:iam::${a}:user/backdoor`),
    deny("pass a role", "iam:PassRole", `arn:${p}:iam::${a}:role/admin`),
    deny("attach a policy to its own role", "iam:AttachRolePolicy", `arn:${p}:iam::${a}:role/${intent.roleName}`),
    deny("start instances", "ec2:RunInstances", `arn:${p}:ec2:${r}:${a}:instance/*`),
    vpc("create its network interfaces", "ec2:CreateNetworkInterface", `arn:${p}:ec2:${r}:${a}:network-interface/*`),
  ];
  if (intent.kmsKeyArn !== undefined) {
    const keyPolicy = { Version: "2012-10-17", Statement: [{ Sid: "DelegateToIam", Effect: "Allow", Principal: { AWS: `arn:${p}:iam::${a}:root` }, Action: "kms:*", Resource: "*" }] };
    out.push(
      allow("encrypt a SecureString through SSM", "kms:Encrypt", intent.kmsKeyArn, { context: { "kms:ViaService": `ssm.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }),
      deny("encrypt with the key outside SSM", "kms:Encrypt", intent.kmsKeyArn, { context: { "kms:ViaService": `s3.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }),
      deny("decrypt a SecureString", "kms:Decrypt", intent.kmsKeyArn, { context: { "kms:ViaService": `ssm.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }),
    );
  }
  return out;
}

/** Who may assume the broker role: the Lambda service only. */
export function secretIdBrokerTrustExpectations(scope: AwsScope): TrustExpectation[] {
  return serviceTrustExpectations(scope, "lambda.amazonaws.com", "ec2.amazonaws.com");
}

/** Every finding for given broker role documents. */
export async function auditSecretIdBrokerRoleDocuments(ctx: SecretIdBrokerIamContext, docs: RunnerRoleDocuments): Promise<IamFinding[]> {
  const intent = secretIdBrokerIntent(ctx);
  const trustName = `${intent.roleName} trust policy`;
  const policyName = `${intent.roleName} permission policy`;
  const trust = await trustClaims(ctx.scope, intent.roleName, { name: trustName, policy: docs.trustPolicy }, secretIdBrokerTrustExpectations(ctx.scope));
  const permissions = await permissionClaims("broker", ctx.scope, intent.roleName, [{ name: policyName, policy: docs.permissionPolicy }], undefined, secretIdBrokerExpectations(intent));
  return [
    ...(await checkIamPolicy(docs.trustPolicy, "trust", trustName)),
    ...(await checkIamPolicy(docs.permissionPolicy, "identity", policyName)),
    ...simulationFindings(trust, trustName, (c) => `assuming the role as ${c.request.replace(/^sts:AssumeRole by /, "")}`),
    ...simulationFindings(permissions, policyName, (c) => `the broker's request to ${c.claim.replace(/^broker (?:can|cannot) /, "")}`),
  ];
}

/** Audits the documents the broker renders for a context. */
export function auditSecretIdBrokerRole(ctx: SecretIdBrokerIamContext): Promise<IamFinding[]> {
  return auditSecretIdBrokerRoleDocuments(ctx, { trustPolicy: renderSecretIdBrokerTrustPolicy(), permissionPolicy: renderSecretIdBrokerRolePolicy(ctx) });
}
