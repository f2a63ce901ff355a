/**
 * What the runner role's permissions boundary must cap: calls the boundary alone denies, even to a
 * role whose permission policies allow every action. They are simulated with `Action: "*"` as the
 * role's only policy (`boundaryClaims`), so they show what is left if a statement is ever widened.
 */
import type { AwsScope } from "../../model/aws-scope.ts";
import { EXAMPLE_INSTANCE_ID, instanceRequestContext, type RunnerRoleIntent } from "./runner-role.ts";
import type { IamExpectation } from "./simulate.ts";

/** The requests the boundary must deny, derived from what the role is for. */
export function runnerBoundaryExpectations(intent: RunnerRoleIntent, scope: AwsScope): IamExpectation[] {
  const { partition: p, region: r, accountId: a } = scope;
  const param = (name: string) => `arn:${p}:ssm:${r}:${a}:parameter${name}`;
  const own = intent.github.mintedBy === "broker" ? intent.ssm.jitConfig : intent.ssm.wrappedSecretId;
  const role = `arn:${p}:iam::${a}:role/${intent.roleName}`;
  const listed = new Set([...intent.ecr.pullRepositoryArns, ...intent.ecr.pushRepositoryArns]);
  const notListed = [...Array(listed.size + 1).keys()].map((i) => `arn:${p}:ecr:${r}:${a}:repository/not-listed-${i}`).find((x) => !listed.has(x)) ?? `arn:${p}:ecr:${r}:${a}:repository/not-listed`;
  const ctx = { context: instanceRequestContext(scope, EXAMPLE_INSTANCE_ID, EXAMPLE_INSTANCE_ID) };
  const deny = (name: string, action: string, resource: string, extra: Partial<IamExpectation> = {}): IamExpectation => ({ name, action, resource, expect: "Denied", ...extra });
  const out: IamExpectation[] = [
    deny("read a parameter outside its path", "ssm:GetParameter", param("/prod/db/password"), ctx),
    deny("read parameters by path", "ssm:GetParametersByPath", param(own), ctx),
    deny("write a parameter of its path", "ssm:PutParameter", param(`${own}/${EXAMPLE_INSTANCE_ID}`), ctx),
    deny("read a secret", "secretsmanager:GetSecretValue", `arn:${p}:secretsmanager:${r}:${a}:secret:prod/db-AbCdEf`),
    deny("read an S3 object", "s3:GetObject", `arn:${p}:s3:::prod-artifacts/release.tar.gz`),
    deny("write another log group", "logs:PutLogEvents", `arn:${p}:logs:${r}:${a}:log-group:/aws/lambda/payments:log-stream:x`),
    deny("publish into another namespace", "cloudwatch:PutMetricData", "*", { context: { "cloudwatch:namespace": "AWS/EC2" } }),
    deny("push to a repository not listed", "ecr:PutImage", notListed),
    deny("assume another role", "sts:AssumeRole", `arn:${p}:iam::${a}:role/admin`),
    deny("create an IAM user", "iam:CreateUser", `arn:${p}:iam::${a}:user/backdoor`),
    deny("pass a role", "iam:PassRole", `arn:${p}:iam::${a}:role/admin`),
    deny("attach a policy to its own role", "iam:AttachRolePolicy", role),
    deny("put an inline policy on its own role", "iam:PutRolePolicy", role),
    deny("remove its own permissions boundary", "iam:DeleteRolePermissionsBoundary", role),
    deny("start instances", "ec2:RunInstances", `arn:${p}:ec2:${r}:${a}:instance/*`),
    deny("invoke a function", "lambda:InvokeFunction", `arn:${p}:lambda:${r}:${a}:function:payments`),
  ];
  if (intent.ssm.kmsKeyArn !== undefined) {
    const keyPolicy = { Version: "2012-10-17", Statement: [{ Sid: "DelegateToIam", Effect: "Allow", Principal: { AWS: `arn:${p}:iam::${a}:root` }, Action: "kms:*", Resource: "*" }] };
    out.push(deny("decrypt with the key outside SSM", "kms:Decrypt", intent.ssm.kmsKeyArn, { context: { "kms:ViaService": `s3.${r}.amazonaws.com` }, resourcePolicy: keyPolicy }));
  }
  return out;
}
