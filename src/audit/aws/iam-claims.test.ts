// IAM claims over rendered resources: the role audits run on the documents the stack attaches,
// each failure naming the statement (or field) responsible.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, resolveAwsScope, type AwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerRolePolicy, renderRunnerTrustPolicy } from "../../render/aws/iam-policy.ts";
import { renderRunnerPermissionsBoundary, runnerBoundaryArn } from "../../render/aws/runner-boundary.ts";
import { renderSecretIdBrokerRolePolicy, renderSecretIdBrokerTrustPolicy } from "../../render/aws/secret-id-broker-policies.ts";
import type { AwsResourceLike } from "./aws-check.ts";
import { iamChecks } from "./iam-claims.ts";
import { runnerIntent } from "./iam-intent.ts";
import { roleGraphs } from "./iam-documents.ts";

const scope = resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" });
const REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base";
const OUT = "arn:aws:ecr:eu-west-1:123456789012:repository/ci/out";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profileOf = (over: Partial<AwsRunnerProfileInput> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over });
const json = JSON.stringify;

/** The IAM resources the AWS components register for a profile, as the offline render records them. */
function rendered(profile: AwsRunnerProfile, opts: { broker?: boolean; boundary?: boolean } = {}): AwsResourceLike[] {
  const ctx = { profile, scope, autoScalingGroupName: profile.name, inVpc: true };
  return [
    { type: "aws:iam/role:Role", name: "iam-role", inputs: { name: profile.roleName, assumeRolePolicy: json(renderRunnerTrustPolicy()), ...(opts.boundary === false ? {} : { permissionsBoundary: runnerBoundaryArn(profile, scope) }) } },
    { type: "aws:iam/rolePolicy:RolePolicy", name: "iam-policy", inputs: { name: `${profile.name}-policy`, role: profile.roleName, policy: json(renderRunnerRolePolicy(profile, scope)) } },
    ...(opts.boundary === false ? [] : [{ type: "aws:iam/policy:Policy", name: "iam-boundary", inputs: { name: `${profile.name}-boundary`, policy: json(renderRunnerPermissionsBoundary(profile, scope)) } }]),
    { type: "aws:autoscaling/group:Group", name: "fleet-group", inputs: { name: profile.name } },
    ...(opts.broker === false
      ? []
      : [
          { type: "aws:iam/role:Role", name: "broker-role", inputs: { name: `${profile.name}-sid-broker`, assumeRolePolicy: json(renderSecretIdBrokerTrustPolicy()) } },
          { type: "aws:iam/rolePolicy:RolePolicy", name: "broker-policy", inputs: { role: `${profile.name}-sid-broker`, policy: json(renderSecretIdBrokerRolePolicy(ctx)) } },
          { type: "aws:lambda/function:Function", name: "broker-function", inputs: { name: `${profile.name}-sid-broker`, role: "[unknown]", vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] } } },
        ]),
  ];
}
const withPolicy = (resources: AwsResourceLike[], name: string, edit: (doc: { Statement: object[] }) => void) =>
  resources.map((r) => {
    if (r.name !== name) return r;
    const doc = JSON.parse(r.inputs["policy"] as string) as { Statement: object[] };
    edit(doc);
    return { ...r, inputs: { ...r.inputs, policy: json(doc) } };
  });
const failures = async (resources: AwsResourceLike[]) => (await iamChecks(resources)).checks.filter((c) => !c.pass);

describe("IAM claims over rendered resources", () => {
  it("the documents the components render pass every claim, for the common and the full profile, minted by the instance or the broker", async () => {
    for (const profile of [profileOf(), profileOf({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { kmsKeyArn: KEY } }), profileOf({ jitConfigMintedBy: "broker" })]) {
      const { checks, accountId } = await iamChecks(rendered(profile));
      assert.deepEqual(checks.filter((c) => !c.pass), [], profile.github.mintedBy);
      assert.equal(accountId, "123456789012");
      assert.ok(checks.some((c) => c.check === "runner cannot read another parameter" && c.resource === "Role iam-role"));
      assert.ok(checks.some((c) => c.check === 'runner cannot remove its own permissions boundary, even if its policies allowed "*"'));
      assert.ok(checks.some((c) => c.check === "broker cannot read a per-instance parameter" && c.resource === "Role broker-role"));
    }
  });

  it("reads what the runner role is for from its named statements: the profile's paths, log group, namespace, repositories and key", () => {
    const profile = profileOf({ trustLevel: "trusted", sessionManager: true, ecr: { pullRepositoryArns: [REPO], pushRepositoryArns: [OUT] }, ssm: { path: "/ci/x", roleId: "/ci/x/rid", wrappedSecretId: "/ci/x/wrapped-secret-id", jitConfig: "/ci/x/jit-config", kmsKeyArn: KEY }, logGroupName: "/ci/x/logs", metricNamespace: "CI/X" });
    const graph = roleGraphs(rendered(profile)).find((g) => g.roleName === profile.roleName)!;
    const read = runnerIntent(graph);
    assert.ok("intent" in read, JSON.stringify(read));
    assert.deepEqual(read.intent.scope, scope);
    const { intent } = read.intent;
    assert.deepEqual([intent.roleName, intent.github.mintedBy, intent.ssm, intent.logGroupName, intent.metricNamespace, intent.sessionManager], [profile.roleName, "instance", profile.ssm, "/ci/x/logs", "CI/X", true]);
    assert.deepEqual(new Set(intent.ecr.pullRepositoryArns), new Set([REPO, OUT]));
    assert.deepEqual(intent.ecr.pushRepositoryArns, [OUT]);
  });

  it("a statement with ssm:GetParameter on * fails the denied reads, naming the statement; the boundary is said to still deny what it caps", async () => {
    const resources = withPolicy(rendered(profileOf()), "iam-policy", (d) => d.Statement.push({ Sid: "Widened", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["*"] }));
    const failed = await failures(resources);
    assert.ok(failed.length >= 3, JSON.stringify(failed, null, 1));
    assert.ok(failed.every((c) => c.resource === "Role iam-role" && c.field === "RolePolicy iam-policy policy.Statement[4]"), JSON.stringify(failed, null, 1));
    const other = failed.find((c) => c.check === "runner cannot read another parameter")!;
    assert.match(other.message, /parameter\/prod\/db\/password is allowed by RolePolicy iam-policy policy\.Statement\[4\] \(Sid Widened\) \(the permissions boundary still denies it\)\. Fix: narrow that statement's Action or Resource, or remove it/);
  });

  it('a policy with Action "*" fails its own claim and every call the role must not make, each naming the statement', async () => {
    const resources = withPolicy(rendered(profileOf()), "iam-policy", (d) => d.Statement.push({ Effect: "Allow", Action: "*", Resource: "*" }));
    const failed = await failures(resources);
    assert.deepEqual(failed.filter((c) => c.resource === "RolePolicy iam-policy").map((c) => [c.check, c.field]), [['no Action "*"', "RolePolicy iam-policy policy.Statement[4]"]]);
    for (const claim of ["runner cannot create an IAM user", "runner cannot assume another role", "runner cannot pass a role", "runner cannot start instances"]) {
      assert.equal(failed.find((c) => c.check === claim)?.field, "RolePolicy iam-policy policy.Statement[4]", claim);
    }
  });

  it("the broker's policy widened to read parameters fails, naming its statement", async () => {
    const resources = withPolicy(rendered(profileOf()), "broker-policy", (d) => d.Statement.push({ Sid: "ReadBack", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/*"] }));
    const failed = await failures(resources);
    assert.deepEqual(failed.map((c) => [c.resource, c.check, c.field]), [
      ["Role broker-role", "broker cannot read a per-instance parameter", "RolePolicy broker-policy policy.Statement[5]"],
      ["Role broker-role", "broker cannot read another instance's per-instance parameter", "RolePolicy broker-policy policy.Statement[5]"],
      ["Role broker-role", "broker cannot read the Vault role id", "RolePolicy broker-policy policy.Statement[5]"],
    ]);
  });

  it("a runner role without a boundary fails that claim; an unrendered boundary or attached policy cannot be shown to cap anything", async () => {
    assert.deepEqual((await failures(rendered(profileOf(), { boundary: false }))).map((c) => [c.check, c.field]), [["runner role has a permissions boundary", "Role iam-role permissionsBoundary"]]);
    const external = rendered(profileOf(), { boundary: false }).map((r) => (r.name === "iam-role" ? { ...r, inputs: { ...r.inputs, permissionsBoundary: "arn:aws:iam::123456789012:policy/org-boundary" } } : r));
    assert.deepEqual((await failures(external)).map((c) => [c.check, c.field]), [["permissions boundary caps the role", "Role iam-role permissionsBoundary"]]);
    const attached = [...rendered(profileOf()), { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "ssm-core", inputs: { role: "ci-intel-runner-role", policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } }];
    const failed = await failures(attached);
    assert.deepEqual(failed.map((c) => [c.check, c.field]), [["every policy of the runner role is rendered", "RolePolicyAttachment ssm-core policyArn"]]);
    assert.match(failed[0]!.message, /AmazonSSMManagedInstanceCore is attached but not rendered by the stack, so what it allows is unknown/);
  });

  it("a rendered attached policy is simulated with the inline one: a widening there names its statement", async () => {
    const resources = [
      ...rendered(profileOf()),
      { type: "aws:iam/policy:Policy", name: "extra", inputs: { name: "extra", policy: json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] }) } },
      { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "extra", inputs: { role: "ci-intel-runner-role", policyArn: "arn:aws:iam::123456789012:policy/extra" } },
    ];
    assert.deepEqual((await failures(resources)).map((c) => [c.check, c.field]), [["runner cannot pass a role", "Policy extra policy.Statement[0]"]]);
  });

  it("a boundary that allows what it must cap fails its claims, naming the boundary statement; one that takes away what the runner needs fails too", async () => {
    const loose = withPolicy(rendered(profileOf()), "iam-boundary", (d) => d.Statement.push({ Sid: "Everything", Effect: "Allow", Action: ["s3:*"], Resource: ["*"] }));
    assert.deepEqual((await failures(loose)).map((c) => [c.check, c.field]), [['runner cannot read an S3 object, even if its policies allowed "*"', "Policy iam-boundary policy.Statement[4]"]]);
    const tight = withPolicy(rendered(profileOf()), "iam-boundary", (d) => d.Statement.splice(0, 1));
    const failed = await failures(tight);
    assert.deepEqual(failed.map((c) => c.check), ["runner can read the shared Vault role id", "runner can read its own per-instance parameter"]);
    assert.match(failed[0]!.message, /allowed by the role's policies but not by the permissions boundary\. Fix: allow it in the boundary/);
  });

  it("a trust policy that admits the account fails, naming its statement", async () => {
    const resources = rendered(profileOf()).map((r) => (r.name === "iam-role" ? { ...r, inputs: { ...r.inputs, assumeRolePolicy: json({ Version: "2012-10-17", Statement: [...renderRunnerTrustPolicy().Statement, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] }) } } : r));
    assert.deepEqual((await failures(resources)).map((c) => [c.check, c.field]), [["arn:aws:iam::123456789012:user/administrator cannot assume ci-intel-runner-role", "Role iam-role assumeRolePolicy.Statement[1]"]]);
  });

  it("documents that cannot be read fail their own claim, and the role is not simulated on them", async () => {
    const resources = rendered(profileOf(), { broker: false }).map((r) => (r.name === "iam-policy" ? { ...r, inputs: { ...r.inputs, policy: "{not json" } } : r));
    const failed = await failures(resources);
    assert.deepEqual(failed.map((c) => [c.check, c.field]), [
      ["identity policy is JSON", "RolePolicy iam-policy policy"],
      ["runner role can be simulated", "RolePolicy iam-policy policy"],
    ]);
    const typo = withPolicy(rendered(profileOf(), { broker: false }), "iam-policy", (d) => d.Statement.push({ Effect: "Permit", Action: ["ssm:GetParameterz"], Resource: ["*"] }));
    assert.deepEqual((await failures(typo)).map((c) => [c.check, c.field]), [
      ["identity policy grammar", "RolePolicy iam-policy policy.Statement[4].Effect"],
      ["runner role can be simulated", "RolePolicy iam-policy policy"],
    ]);
  });

  it("a runner policy whose own-parameter statement is widened cannot say what the role is for, and names that statement", async () => {
    const resources = withPolicy(rendered(profileOf(), { broker: false }), "iam-policy", (d) => {
      (d.Statement[1] as { Resource: string[] }).Resource = ["*"];
    });
    assert.deepEqual((await failures(resources)).map((c) => [c.check, c.field]), [["runner role says what it is for", "RolePolicy iam-policy policy.Statement[1].Resource"]]);
  });
});
