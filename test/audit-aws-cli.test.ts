// `runner-fleet audit` on the AWS stack, run as a user runs it (needs `npm run build`): every
// claim listed with its field, exit 0; a render folder with one widened statement fails, exit 1,
// naming the statement.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./helpers.ts";

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
interface Check { area: string; resource: string; check: string; pass: boolean; field: string; message: string }

describe("runner-fleet audit: AWS", () => {
  it("lists the IAM, Lambda, security group and launch template claims of the stack, all holding, exit 0", () => {
    const r = cli("audit", "infra/pulumi/aws-firecracker-runners");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /AREA +RESOURCE +CLAIM +RESULT +FIELD +DETAIL/);
    assert.match(r.stdout, /iam +Role iam-role +runner cannot read another parameter +pass +RolePolicy iam-policy policy +/);
    assert.match(r.stdout, /lambda +Permission broker-invoke +sourceAccount pinned to the account +pass +Permission broker-invoke sourceAccount +/);
    assert.match(r.stdout, /launch-template +LaunchTemplate fleet-template +metadata hop limit 1 +pass +LaunchTemplate fleet-template metadataOptions\.httpPutResponseHopLimit +/);
    assert.match(r.stdout, /audit: every check holds/);
    const json = cli("audit", "infra/pulumi/aws-firecracker-runners", "--json");
    const checks = (JSON.parse(json.stdout) as { aws: { checks: Check[] } }).aws.checks;
    assert.deepEqual([...new Set(checks.map((c) => c.area))], ["iam", "lambda", "security-group", "launch-template"]);
    assert.ok(checks.every((c) => c.pass && c.field.length > 0 && c.resource.length > 0));
  });

  it("a render folder whose runner policy is widened fails with exit 1, naming the statement", () => {
    const out = mkdtempSync(join(tmpdir(), "rf-aws-audit-"));
    assert.equal(cli("render", "infra/pulumi/aws-firecracker-runners", "--out", out).code, 0);
    const file = join(out, "rolepolicy-iam-policy.json");
    const resource = JSON.parse(readFileSync(file, "utf8")) as { inputs: { policy: string } };
    const policy = JSON.parse(resource.inputs.policy) as { Statement: object[] };
    policy.Statement.push({ Sid: "ReadEverything", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["*"] });
    resource.inputs.policy = JSON.stringify(policy);
    writeFileSync(file, JSON.stringify(resource, null, 2));
    const r = cli("audit", out);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /audit: FAILED/);
    assert.match(r.stdout, /- Role iam-role: runner cannot read another parameter: ssm:GetParameter on arn:aws:ssm:eu-west-1:123456789012:parameter\/prod\/db\/password is allowed by RolePolicy iam-policy policy\.Statement\[6\] \(Sid ReadEverything\)/);
    const failed = (JSON.parse(cli("audit", out, "--json").stdout) as { aws: { checks: Check[] } }).aws.checks.filter((c) => !c.pass);
    assert.ok(failed.length > 0 && failed.every((c) => c.field === "RolePolicy iam-policy policy.Statement[6]"), JSON.stringify(failed, null, 1));
  });
});
