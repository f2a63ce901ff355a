import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkActionsExist, checkIamPolicy, checkPolicySyntax } from "./policy-checks.ts";

const doc = (statement: object) => ({ Version: "2012-10-17", Statement: [statement] });

describe("IAM policy checks", () => {
  it("accept a valid identity policy", async () => {
    assert.deepEqual(await checkIamPolicy(doc({ Sid: "Ok", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/x/*"] }), "identity", "p"), []);
  });
  it("report grammar errors with their path", () => {
    const findings = checkPolicySyntax({ Version: "2012-10-17", Statement: [{ Effect: "Permit", Action: "s3:GetObject", Resource: "*" }] }, "identity", "p");
    assert.ok(findings.some((f) => f.check === "syntax" && f.path === "Statement[0].Effect"), JSON.stringify(findings));
  });
  it("report a trust policy without a principal", () => {
    assert.ok(checkPolicySyntax(doc({ Effect: "Allow", Action: ["sts:AssumeRole"] }), "trust", "t").length > 0);
  });
  it("report actions that do not exist, and wildcards that match nothing", async () => {
    const findings = await checkActionsExist(doc({ Effect: "Allow", Action: ["ssm:GetParameterz", "nosuchservice:Get", "ec2messages:Get*", "logs:Nothing*"], Resource: "*" }), "p");
    assert.deepEqual(findings.map((f) => [f.path, f.check]), [["Statement[0].Action[0]", "unknown-action"], ["Statement[0].Action[1]", "unknown-action"], ["Statement[0].Action[3]", "unknown-action"]]);
    assert.match(findings[0]!.message, /ssm:GetParameterz" does not exist/);
  });
});
