// The AWS audit over the aws-firecracker-runners stack as rendered offline: every claim holds for
// the stack and its variants, and widening one thing (a statement, a permission, a rule, the
// launch template) fails the claim responsible, naming the resource and the field.
// The program imports the built package: run `npm run build` first (`npm test` does).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { renderStack, type RenderedResource } from "../src/offline/render-stack.ts";
import { auditAwsResources } from "../src/audit/aws/aws-resource-audit.ts";
import { editedStackConfig, REPO } from "./helpers.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const STACK = join(REPO, "infra/pulumi/aws-firecracker-runners");
const P = "aws-firecracker-runners";
const render = async (edit?: (c: Obj) => void) => (await renderStack(STACK, edit ? { stack: "dev", configFile: editedStackConfig(STACK, "dev", edit) } : { stack: "dev" })).resources;
/** The resources with the one named `name` changed by `edit` (on a deep copy). */
const widened = (resources: readonly RenderedResource[], name: string, edit: (inputs: Obj) => void): RenderedResource[] =>
  resources.map((r) => {
    if (r.name !== name) return r;
    const inputs = structuredClone(r.inputs) as Obj;
    edit(inputs);
    return { ...r, inputs };
  });
const policyEdit = (edit: (doc: { Statement: Obj[] }) => void) => (inputs: Obj) => {
  const doc = JSON.parse(inputs["policy"] as string) as { Statement: Obj[] };
  edit(doc);
  inputs["policy"] = JSON.stringify(doc);
};
const failed = async (resources: readonly RenderedResource[]) => (await auditAwsResources(resources)).checks.filter((c) => !c.pass).map((c) => ({ resource: c.resource, check: c.check, field: c.field, message: c.message }));

describe("AWS audit of the aws-firecracker-runners stack", async () => {
  const base = await render();

  it("every IAM, Lambda, security group and launch template claim holds for the stack as configured", async () => {
    const audit = await auditAwsResources(base);
    assert.deepEqual(audit.checks.filter((c) => !c.pass), []);
    assert.deepEqual([...new Set(audit.checks.map((c) => c.area))], ["iam", "lambda", "security-group", "launch-template"]);
    for (const [resource, check] of [
      ["Role iam-role", "runner cannot read another instance's per-instance parameter"],
      ["Role iam-role", "runner role has a permissions boundary"],
      ["Role iam-role", 'runner cannot create an IAM user, even if its policies allowed "*"'],
      ["Role broker-role", "broker cannot read a per-instance parameter"],
      ["Permission broker-invoke", "sourceAccount pinned to the account"],
      ["LaunchTemplate fleet-template", "metadata hop limit 1"],
    ]) {
      assert.ok(audit.checks.some((c) => c.resource === resource && c.check === check), `${resource}: ${check}`);
    }
  });

  it("and for its variants: SSH from an opted-in block, Session Manager with a KMS key and push, JIT minted by the broker, no lifecycle hooks", async () => {
    const variants: [string, (c: Obj) => void][] = [
      ["ssh", (c) => { c[`${P}:runner`].ssh = { allowedCidrs: ["203.0.113.0/24"] }; }],
      ["session manager", (c) => { Object.assign(c[`${P}:runner`], { sessionManager: true, ssm: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab" }, ecr: { pullRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/base"], pushRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/out"] } }); }],
      ["broker", (c) => { c[`${P}:runner`].jitConfigMintedBy = "broker"; }],
      ["no hooks", (c) => { c[`${P}:lifecycleHooks`] = false; }],
    ];
    for (const [name, edit] of variants) {
      const audit = await auditAwsResources(await render(edit));
      assert.deepEqual(audit.checks.filter((c) => !c.pass), [], name);
      if (name === "ssh") assert.ok(audit.checks.some((c) => c.check === "SSH only from opted-in blocks" && c.pass));
    }
  });

  it("a statement with ssm:GetParameter on * fails the runner's denied reads, naming the policy's statement", async () => {
    const problems = await failed(widened(base, "iam-policy", policyEdit((d) => d.Statement.push({ Sid: "Widened", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["*"] }))));
    assert.ok(problems.length > 0);
    assert.ok(problems.every((p) => p.resource === "Role iam-role" && p.field === "RolePolicy iam-policy policy.Statement[6]"), JSON.stringify(problems, null, 1));
    assert.ok(problems.some((p) => p.check === "runner cannot read another parameter"));
  });

  it('a policy with Action "*" fails, naming its statement, and so do the calls it would allow', async () => {
    const problems = await failed(widened(base, "broker-policy", policyEdit((d) => d.Statement.push({ Effect: "Allow", Action: "*", Resource: "*" }))));
    assert.deepEqual(problems.filter((p) => p.check === 'no Action "*"').map((p) => p.field), ["RolePolicy broker-policy policy.Statement[5]"]);
    assert.equal(problems.find((p) => p.check === "broker cannot assume another role")?.field, "RolePolicy broker-policy policy.Statement[5]");
  });

  it("a Lambda permission without sourceArn and sourceAccount fails, naming both fields", async () => {
    const problems = await failed(widened(base, "broker-invoke", (i) => { delete i["sourceArn"]; delete i["sourceAccount"]; }));
    assert.deepEqual(problems.map((p) => [p.resource, p.check, p.field]), [
      ["Permission broker-invoke", "sourceArn pinned to one resource", "Permission broker-invoke sourceArn"],
      ["Permission broker-invoke", "sourceAccount pinned to the account", "Permission broker-invoke sourceAccount"],
    ]);
  });

  it("an ingress rule for SSH from 0.0.0.0/0 fails, naming the rule and its cidrIpv4", async () => {
    const ssh = { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "network-runners-in-ssh-anywhere", custom: true, inputs: { securityGroupId: "network-runners-id", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" } };
    const problems = await failed([...base, ssh]);
    assert.deepEqual(problems.map((p) => [p.check, p.field]), [
      ["ingress not open to the internet", "SecurityGroupIngressRule network-runners-in-ssh-anywhere cidrIpv4"],
      ["SSH only from opted-in blocks", "SecurityGroupIngressRule network-runners-in-ssh-anywhere cidrIpv4"],
    ]);
  });

  it("an egress rule on all protocols (-1) fails, naming its ipProtocol", async () => {
    const problems = await failed(widened(base, "network-runners-out-allow-vault-10-20-0-10-32", (i) => { i["ipProtocol"] = "-1"; }));
    assert.deepEqual(problems.map((p) => [p.check, p.field]), [["one protocol per rule", "SecurityGroupEgressRule network-runners-out-allow-vault-10-20-0-10-32 ipProtocol"]]);
  });

  it("hop limit 2 and a public address fail, naming the launch template's fields", async () => {
    const problems = await failed(widened(base, "fleet-template", (i) => { i["metadataOptions"].httpPutResponseHopLimit = 2; i["networkInterfaces"][0].associatePublicIpAddress = "true"; }));
    assert.deepEqual(problems.map((p) => [p.check, p.field]), [
      ["metadata hop limit 1", "LaunchTemplate fleet-template metadataOptions.httpPutResponseHopLimit"],
      ["no public address", "LaunchTemplate fleet-template networkInterfaces[0].associatePublicIpAddress"],
    ]);
  });

  it("a runner role whose boundary is removed fails that claim", async () => {
    const problems = await failed(widened(base, "iam-role", (i) => { delete i["permissionsBoundary"]; }));
    assert.deepEqual(problems.map((p) => [p.check, p.field]), [["runner role has a permissions boundary", "Role iam-role permissionsBoundary"]]);
  });
});
