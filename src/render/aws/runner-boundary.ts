/**
 * The runner role's permissions boundary: the most the role can ever do, whatever policy is later
 * attached to it. The role's permission policy grants the fine-grained requests (its own
 * instance's parameter, by tag); the boundary caps each service at the runner's own resources —
 * parameters under `ssm.path`, its log group, its metric namespace, the listed repositories,
 * Session Manager when on — and denies IAM, role assumption and Organizations outright, so a
 * statement widened by mistake (or `Action: "*"`) still reaches nothing else.
 */
import type { AwsRunnerProfile, AwsScope } from "../../model/aws-runner.ts";
import type { IamPolicyDocument, IamStatement } from "./iam-policy.ts";

/** A boundary statement: why it is there, whether this profile needs it, and its text. */
export interface BoundaryStatement {
  readonly sid: string;
  readonly why: string;
  readonly applies: (profile: AwsRunnerProfile) => boolean;
  readonly build: (profile: AwsRunnerProfile, scope: AwsScope) => IamStatement;
}

const arn = (scope: AwsScope, service: string, resource: string) => `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
const always = () => true;
const ecrRepositories = (profile: AwsRunnerProfile) => [...new Set([...profile.ecr.pullRepositoryArns, ...profile.ecr.pushRepositoryArns])];

/** Every statement of the boundary, in document order. */
export const RUNNER_BOUNDARY_STATEMENTS: readonly BoundaryStatement[] = [
  {
    sid: "BoundParameterReadsToRunnerPath",
    why: "the runner reads parameters under its own path only (the permission policy narrows this to its own instance's)",
    applies: always,
    build: (profile, scope) => ({ Sid: "BoundParameterReadsToRunnerPath", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [arn(scope, "ssm", `parameter${profile.ssm.path}/*`)] }),
  },
  {
    sid: "BoundDecryptToSsm",
    why: "SecureStrings under a customer-managed key: decrypt through SSM only",
    applies: (profile) => profile.ssm.kmsKeyArn !== undefined,
    build: (profile, scope) => ({ Sid: "BoundDecryptToSsm", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [profile.ssm.kmsKeyArn ?? ""], Condition: { StringEquals: { "kms:ViaService": `ssm.${scope.region}.amazonaws.com` } } }),
  },
  {
    sid: "BoundLogsToRunnerLogGroup",
    why: "log streams of the runner's own log group only",
    applies: always,
    build: (profile, scope) => ({ Sid: "BoundLogsToRunnerLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [arn(scope, "logs", `log-group:${profile.logGroupName}:log-stream:*`)] }),
  },
  {
    sid: "BoundMetricsToRunnerNamespace",
    why: "metrics into the runner's own namespace only",
    applies: always,
    build: (profile) => ({ Sid: "BoundMetricsToRunnerNamespace", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: ["*"], Condition: { StringEquals: { "cloudwatch:namespace": profile.metricNamespace } } }),
  },
  {
    sid: "BoundEcrLoginToken",
    why: "docker login to ECR (the action has no resource ARN)",
    applies: (profile) => ecrRepositories(profile).length > 0,
    build: () => ({ Sid: "BoundEcrLoginToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] }),
  },
  {
    sid: "BoundEcrToListedRepositories",
    why: "image pull and push on the listed repositories only (the permission policy keeps push to the push list)",
    applies: (profile) => ecrRepositories(profile).length > 0,
    build: (profile) => ({
      Sid: "BoundEcrToListedRepositories",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
      Resource: ecrRepositories(profile),
    }),
  },
  {
    sid: "BoundSessionManager",
    why: "the SSM agent's registration and message channels (sessionManager: true only)",
    applies: (profile) => profile.sessionManager,
    build: (_profile, scope) => ({ Sid: "BoundSessionManager", Effect: "Allow", Action: ["ssm:UpdateInstanceInformation"], Resource: [arn(scope, "ec2", "instance/*")] }),
  },
  {
    sid: "BoundSessionManagerChannels",
    why: "Session Manager channels and agent messages take no resource ARN (sessionManager: true only)",
    applies: (profile) => profile.sessionManager,
    build: () => ({ Sid: "BoundSessionManagerChannels", Effect: "Allow", Action: ["ec2messages:*", "ssmmessages:*"], Resource: ["*"] }),
  },
  {
    sid: "DenyIamRoleAssumptionAndOrganizations",
    why: "no identity change, role assumption or federation, whatever the role's policies say (the role cannot lift its own boundary either)",
    applies: always,
    build: () => ({
      Sid: "DenyIamRoleAssumptionAndOrganizations",
      Effect: "Deny",
      Action: ["iam:*", "organizations:*", "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken"],
      Resource: ["*"],
    }),
  },
];

/** The boundary policy's name: `<profile name>-boundary`. */
export function runnerBoundaryName(profile: Pick<AwsRunnerProfile, "name">): string {
  return `${profile.name}-boundary`;
}

/** The boundary's ARN (the policy is created under this name and path `/`, so the role can name it offline). */
export function runnerBoundaryArn(profile: Pick<AwsRunnerProfile, "name">, scope: AwsScope): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:policy/${runnerBoundaryName(profile)}`;
}

/** The boundary document (`policy` of the `aws.iam.Policy` the role names as `permissionsBoundary`). */
export function renderRunnerPermissionsBoundary(profile: AwsRunnerProfile, scope: AwsScope): IamPolicyDocument {
  return { Version: "2012-10-17", Statement: RUNNER_BOUNDARY_STATEMENTS.filter((s) => s.applies(profile)).map((s) => s.build(profile, scope)) };
}
