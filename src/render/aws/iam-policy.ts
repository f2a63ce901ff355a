/**
 * IAM documents of the EC2 runner role: the trust policy (only EC2 may assume it) and one inline
 * permission policy built from named least-privilege statements. Each statement is a constant
 * whose name says why the runner needs it; a statement that would grant nothing (no ECR
 * repositories, Session Manager off, no customer-managed key) is left out.
 */
import type { AwsRunnerProfile, AwsScope } from "../../model/aws-runner.ts";
import { AWS_INSTANCE_PARAMETER_TAG } from "../../model/aws-runner-defaults.ts";

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly Service: string };
  readonly Action: readonly string[];
  readonly Resource?: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface IamPolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamStatement[];
}

/** What a statement is built from. */
export interface IamPolicyContext {
  readonly profile: AwsRunnerProfile;
  readonly scope: AwsScope;
}

/** A least-privilege statement: why the runner needs it, whether this profile does, and its text. */
export interface NamedStatement {
  readonly sid: string;
  readonly why: string;
  readonly applies: (ctx: IamPolicyContext) => boolean;
  readonly build: (ctx: IamPolicyContext) => IamStatement;
}

const arn = ({ scope }: IamPolicyContext, service: string, resource: string, regional = true) =>
  `arn:${scope.partition}:${service}:${regional ? scope.region : ""}:${scope.accountId}:${resource}`;

const statement = (s: Omit<NamedStatement, "build"> & { build: (ctx: IamPolicyContext) => Omit<IamStatement, "Sid" | "Effect"> }): NamedStatement => ({
  ...s,
  build: (ctx) => ({ Sid: s.sid, Effect: "Allow", ...s.build(ctx) }),
});

/** Trust policy statement: only the EC2 service may assume the runner role (for an instance profile). */
export const ASSUME_ROLE_FROM_EC2_ONLY: IamStatement = {
  Sid: "AssumeRoleFromEc2Only",
  Effect: "Allow",
  Principal: { Service: "ec2.amazonaws.com" },
  Action: ["sts:AssumeRole"],
};

/** Read the Vault AppRole role id, the one parameter every instance shares (when the instance mints its JIT configuration). */
export const READ_SHARED_VAULT_ROLE_ID = statement({
  sid: "ReadSharedVaultRoleId",
  why: "user-data logs in to Vault with the AppRole role id, which all instances share; its secret id is the instance's own",
  applies: ({ profile }) => profile.github.mintedBy === "instance",
  build: (ctx) => ({ Action: ["ssm:GetParameter"], Resource: [arn(ctx, "ssm", `parameter${ctx.profile.ssm.roleId}`)] }),
});

/**
 * Read this instance's own per-instance parameter (its wrapped secret id, or the JIT
 * configuration the broker minted for it) and no other instance's. The broker tags each with
 * the ARN of its instance; `ec2:SourceInstanceARN` is the instance the role's credentials were
 * issued to, present in every request signed with them. A policy variable in the resource cannot
 * do this: SSM requests carry no `ec2:InstanceID` (that key names the target of EC2 actions), and
 * parameter names cannot hold the colons of an ARN.
 */
export const READ_OWN_INSTANCE_PARAMETER = statement({
  sid: "ReadOwnInstanceParameter",
  why: "user-data reads the parameter the broker wrote for this instance; the tag condition keeps every other instance's out of reach",
  applies: () => true,
  build: (ctx) => ({
    Action: ["ssm:GetParameter"],
    Resource: [arn(ctx, "ssm", `parameter${ctx.profile.github.mintedBy === "broker" ? ctx.profile.ssm.jitConfig : ctx.profile.ssm.wrappedSecretId}/*`)],
    Condition: { StringEquals: { [`aws:ResourceTag/${AWS_INSTANCE_PARAMETER_TAG}`]: "${ec2:SourceInstanceARN}" } },
  }),
});

/** Decrypt SecureString parameters with a customer-managed key, and only when SSM asks for it. */
export const DECRYPT_SSM_SECURE_STRINGS_VIA_SSM_ONLY = statement({
  sid: "DecryptSsmSecureStringsViaSsmOnly",
  why: "SecureString parameters under a customer-managed KMS key need kms:Decrypt; kms:ViaService keeps the key from decrypting anything but SSM parameters",
  applies: ({ profile }) => profile.ssm.kmsKeyArn !== undefined,
  build: (ctx) => ({
    Action: ["kms:Decrypt"],
    Resource: [ctx.profile.ssm.kmsKeyArn ?? ""],
    Condition: { StringEquals: { "kms:ViaService": `ssm.${ctx.scope.region}.amazonaws.com` } },
  }),
});

/** Write log streams of the runner's own log group, nothing else in CloudWatch Logs. */
export const WRITE_OWN_RUNNER_LOGS = statement({
  sid: "WriteOwnRunnerLogs",
  why: "the runner ships its boot and job logs to its own log group",
  applies: () => true,
  build: (ctx) => ({ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [arn(ctx, "logs", `log-group:${ctx.profile.logGroupName}:log-stream:*`)] }),
});

/** Publish metrics, only into the runner's own namespace. */
export const PUBLISH_METRICS_TO_OWN_NAMESPACE = statement({
  sid: "PublishMetricsToOwnNamespace",
  why: "PutMetricData has no resource ARN, so the cloudwatch:namespace condition is what keeps the runner out of other namespaces",
  applies: () => true,
  build: ({ profile }) => ({ Action: ["cloudwatch:PutMetricData"], Resource: ["*"], Condition: { StringEquals: { "cloudwatch:namespace": profile.metricNamespace } } }),
});

const anyEcr = ({ profile }: IamPolicyContext) => profile.ecr.pullRepositoryArns.length + profile.ecr.pushRepositoryArns.length > 0;

/** Get a registry login token (the action has no resource ARN); the repository statements decide what it can reach. */
export const GET_ECR_LOGIN_TOKEN = statement({
  sid: "GetEcrLoginToken",
  why: "docker login to ECR needs a token; GetAuthorizationToken supports only Resource \"*\" and grants no repository by itself",
  applies: anyEcr,
  build: () => ({ Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] }),
});

/** Pull images from the listed repositories (push repositories included: pushing checks existing layers). */
export const PULL_LISTED_ECR_REPOSITORIES = statement({
  sid: "PullListedEcrRepositories",
  why: "jobs pull their build images from the repositories the profile lists, and from no other",
  applies: anyEcr,
  build: ({ profile }) => ({
    Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    Resource: [...new Set([...profile.ecr.pullRepositoryArns, ...profile.ecr.pushRepositoryArns])],
  }),
});

/** Push images only to the listed push repositories (trusted profiles only; the model refuses push for untrusted ones). */
export const PUSH_LISTED_ECR_REPOSITORIES = statement({
  sid: "PushListedEcrRepositories",
  why: "trusted build jobs publish images to the repositories listed for push, and to no other",
  applies: ({ profile }) => profile.ecr.pushRepositoryArns.length > 0,
  build: ({ profile }) => ({
    Action: ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
    Resource: [...profile.ecr.pushRepositoryArns],
  }),
});

/** Session Manager: register the instance with Systems Manager. */
export const REGISTER_WITH_SESSION_MANAGER = statement({
  sid: "RegisterWithSessionManager",
  why: "the SSM agent reports the instance to Systems Manager so that sessions can target it (sessionManager: true only)",
  applies: ({ profile }) => profile.sessionManager,
  build: (ctx) => ({ Action: ["ssm:UpdateInstanceInformation"], Resource: [arn(ctx, "ec2", "instance/*")] }),
});

/** Session Manager: open the control and data channels of a shell session. */
export const OPEN_SESSION_MANAGER_CHANNELS = statement({
  sid: "OpenSessionManagerChannels",
  why: "a Session Manager shell runs over ssmmessages channels (sessionManager: true only); these actions take no resource ARN",
  applies: ({ profile }) => profile.sessionManager,
  build: () => ({ Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: ["*"] }),
});

/** Session Manager: exchange agent messages with Systems Manager. */
export const EXCHANGE_SESSION_MANAGER_MESSAGES = statement({
  sid: "ExchangeSessionManagerMessages",
  why: "the SSM agent polls and answers ec2messages (sessionManager: true only); these actions take no resource ARN",
  applies: ({ profile }) => profile.sessionManager,
  build: () => ({
    Action: ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"],
    Resource: ["*"],
  }),
});

/** Every statement of the runner role's permission policy, in document order. */
export const RUNNER_ROLE_STATEMENTS: readonly NamedStatement[] = [
  READ_SHARED_VAULT_ROLE_ID,
  READ_OWN_INSTANCE_PARAMETER,
  DECRYPT_SSM_SECURE_STRINGS_VIA_SSM_ONLY,
  WRITE_OWN_RUNNER_LOGS,
  PUBLISH_METRICS_TO_OWN_NAMESPACE,
  GET_ECR_LOGIN_TOKEN,
  PULL_LISTED_ECR_REPOSITORIES,
  PUSH_LISTED_ECR_REPOSITORIES,
  REGISTER_WITH_SESSION_MANAGER,
  OPEN_SESSION_MANAGER_CHANNELS,
  EXCHANGE_SESSION_MANAGER_MESSAGES,
];

/** The role's trust policy (`assumeRolePolicy` of aws.iam.Role). */
export function renderRunnerTrustPolicy(): IamPolicyDocument {
  return { Version: "2012-10-17", Statement: [ASSUME_ROLE_FROM_EC2_ONLY] };
}

/** The role's permission policy (`policy` of aws.iam.RolePolicy) for one profile in one account and region. */
export function renderRunnerRolePolicy(profile: AwsRunnerProfile, scope: AwsScope): IamPolicyDocument {
  const ctx = { profile, scope };
  return { Version: "2012-10-17", Statement: RUNNER_ROLE_STATEMENTS.filter((s) => s.applies(ctx)).map((s) => s.build(ctx)) };
}

/** Names of the IAM objects the component creates. */
export function runnerIamNames(profile: AwsRunnerProfile): { readonly roleName: string; readonly instanceProfileName: string; readonly policyName: string } {
  return { roleName: profile.roleName, instanceProfileName: profile.roleName, policyName: `${profile.name}-policy` };
}
