// Lambda resource policy claims: a service principal, lambda:InvokeFunction, one rule of one account.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lambdaPermissionChecks, lambdaPermissionContext } from "./lambda-permission.ts";

const ACCOUNT = "123456789012";
const rule = { type: "aws:cloudwatch/eventRule:EventRule", name: "broker-rule", inputs: { name: "ci-intel-runner-sid-broker" } };
const pinned = { action: "lambda:InvokeFunction", function: "ci-intel-runner-sid-broker", principal: "events.amazonaws.com", sourceArn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/ci-intel-runner-sid-broker`, sourceAccount: ACCOUNT };
const permission = (inputs: Record<string, unknown>) => ({ type: "aws:lambda/permission:Permission", name: "broker-invoke", inputs });
const ctx = lambdaPermissionContext([rule], ACCOUNT);
const failed = (inputs: Record<string, unknown>) => lambdaPermissionChecks(permission(inputs), ctx).filter((c) => !c.pass).map((c) => [c.field, c.message]);

test("EventBridge pinned to the stack's rule and account passes every claim", () => {
  const checks = lambdaPermissionChecks(permission(pinned), ctx);
  assert.deepEqual(checks.map((c) => [c.area, c.check, c.pass]), [
    ["lambda", "invoked by an AWS service only", true],
    ["lambda", "grants lambda:InvokeFunction only", true],
    ["lambda", "sourceArn pinned to one resource", true],
    ["lambda", "sourceAccount pinned to the account", true],
  ]);
});

test("a permission without sourceArn and sourceAccount fails both claims, naming each field", () => {
  const { sourceArn: _arn, sourceAccount: _account, ...open } = pinned;
  assert.deepEqual(failed(open), [
    ["Permission broker-invoke sourceArn", "no sourceArn: any events.amazonaws.com resource, in any account, may invoke ci-intel-runner-sid-broker. Fix: set sourceArn to the ARN of the one resource that invokes it"],
    ["Permission broker-invoke sourceAccount", "no sourceAccount: a resource of that name in another account could invoke ci-intel-runner-sid-broker. Fix: set sourceAccount to the stack's account id"],
  ]);
});

test("a wildcard, an unknown value, another rule, another account each fail sourceArn or sourceAccount", () => {
  assert.match(failed({ ...pinned, sourceArn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/*` })[0]![1]!, /holds a wildcard, so more than one resource may invoke/);
  assert.match(failed({ ...pinned, sourceArn: "[unknown]" })[0]![1]!, /known only at deploy time, so the render cannot show which resource it names\. Fix: build it from the resource's name/);
  assert.match(failed({ ...pinned, sourceArn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/someone-elses` })[0]![1]!, /names rule someone-elses, which the stack does not render/);
  assert.match(failed({ ...pinned, sourceArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:x` })[0]![1]!, /is not the ARN of an EventBridge rule/);
  assert.deepEqual(failed({ ...pinned, sourceAccount: "999999999999" }), [["Permission broker-invoke sourceAccount", `sourceAccount 999999999999 is not the account ${ACCOUNT} of the stack. Fix: set it to ${ACCOUNT}`]]);
});

test("a principal that is not a service, and an action beyond invoking, fail", () => {
  assert.deepEqual(failed({ ...pinned, principal: "*", action: "lambda:*" }).map((f) => f[0]), ["Permission broker-invoke principal", "Permission broker-invoke action"]);
  assert.deepEqual(failed({ ...pinned, principal: ACCOUNT }).map((f) => f[0]), ["Permission broker-invoke principal"]);
});

test("other resources get no Lambda claims", () => {
  assert.deepEqual(lambdaPermissionChecks(rule, ctx), []);
});
