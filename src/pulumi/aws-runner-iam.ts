/**
 * `AwsRunnerIam`: the runner instance role (`<name>-role`, assumable by EC2 only), its instance
 * profile, one inline permission policy holding the named least-privilege statements of
 * `renderRunnerRolePolicy`, and its permissions boundary: the managed policy `<name>-boundary`
 * (`renderRunnerPermissionsBoundary`), which caps the role at the runner's own resources and
 * denies IAM and role assumption whatever is attached later — the same documents `runner-fleet
 * audit` simulates. Nothing else is attached: no managed policy, no wildcard grant beyond the
 * statements' own. A boundary the account requires (`permissionsBoundaryArn`) replaces the
 * rendered one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type AwsRunnerProfile } from "../model/aws-runner.ts";
import { type AwsScope } from "../model/aws-scope.ts";
import { type AwsRunnerIamOptions, awsRunnerIamIssues } from "../model/aws/iam.ts";
import { ConfigError } from "../model/issues.ts";
import { type IamPolicyDocument, renderRunnerRolePolicy, renderRunnerTrustPolicy, runnerIamNames } from "../render/aws/iam-policy.ts";
import { runnerTags } from "../render/aws/launch-template.ts";
import { renderRunnerPermissionsBoundary, runnerBoundaryArn, runnerBoundaryName } from "../render/aws/runner-boundary.ts";

export interface AwsRunnerIamArgs extends AwsRunnerIamOptions {
  /** The resolved runner profile (`resolveAwsRunnerProfile`). */
  readonly profile: AwsRunnerProfile;
  /** Account, region and partition the ARNs in the policy are built for (`resolveAwsScope`). */
  readonly scope: AwsScope;
  /** Extra tags on the role and instance profile (the profile's tags are always added). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

export class AwsRunnerIam extends pulumi.ComponentResource {
  static readonly TYPE = "runner-fleet:aws:AwsRunnerIam";

  /** The documents the role is created with. */
  readonly trustPolicy: IamPolicyDocument;
  readonly permissionPolicy: IamPolicyDocument;
  /** The rendered permissions boundary (undefined when `permissionsBoundaryArn` names another). */
  readonly permissionsBoundary?: IamPolicyDocument;
  /** The boundary policy `<name>-boundary` (undefined when `permissionsBoundaryArn` names another). */
  readonly boundaryPolicy?: aws.iam.Policy;
  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly instanceProfile: aws.iam.InstanceProfile;

  readonly roleArn: pulumi.Output<string>;
  readonly instanceProfileArn: pulumi.Output<string>;

  constructor(name: string, args: AwsRunnerIamArgs, opts?: pulumi.ComponentResourceOptions) {
    const { profile, scope } = args;
    const issues = awsRunnerIamIssues(args);
    if (issues.length > 0) throw new ConfigError(issues, "AWS runner IAM");
    const trustPolicy = renderRunnerTrustPolicy();
    const permissionPolicy = renderRunnerRolePolicy(profile, scope);
    super(AwsRunnerIam.TYPE, name, {}, opts);
    this.trustPolicy = trustPolicy;
    this.permissionPolicy = permissionPolicy;

    const names = runnerIamNames(profile);
    const child = { parent: this };
    const tags = { ...runnerTags(profile), ...args.tags };
    let boundaryArn: pulumi.Input<string> | undefined = args.permissionsBoundaryArn;
    if (boundaryArn === undefined) {
      const boundary = renderRunnerPermissionsBoundary(profile, scope);
      this.permissionsBoundary = boundary;
      const policy = new aws.iam.Policy(`${name}-boundary`, { name: runnerBoundaryName(profile), description: `${profile.name} runner role boundary: the runner's own resources at most, no IAM or role assumption`, policy: JSON.stringify(boundary), tags }, child);
      this.boundaryPolicy = policy;
      // The ARN the policy is created under, known offline (so the render and the audit show which
      // policy bounds the role); taken from the policy's name, so the role waits for the policy.
      boundaryArn = policy.name.apply(() => runnerBoundaryArn(profile, scope));
    }
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: names.roleName,
        description: `${profile.name} runner instances: own SSM parameters, logs, metrics and listed ECR repositories only`,
        assumeRolePolicy: JSON.stringify(trustPolicy),
        maxSessionDuration: 3600,
        permissionsBoundary: boundaryArn,
        tags,
      },
      child,
    );
    this.rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { name: names.policyName, role: this.role.name, policy: JSON.stringify(permissionPolicy) }, child);
    // The instance profile depends on the policy so that no instance starts with a role that cannot yet read its parameters.
    this.instanceProfile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { name: names.instanceProfileName, role: this.role.name, tags }, { ...child, dependsOn: [this.rolePolicy] });
    this.roleArn = this.role.arn;
    this.instanceProfileArn = this.instanceProfile.arn;
    this.registerOutputs({ roleArn: this.roleArn, instanceProfileArn: this.instanceProfileArn });
  }
}
