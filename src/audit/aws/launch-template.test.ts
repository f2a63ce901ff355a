// Launch template claims: each failure names the template field responsible and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchTemplateChecks } from "./launch-template.ts";

const hardened = {
  type: "aws:ec2/launchTemplate:LaunchTemplate",
  name: "fleet",
  inputs: {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
    networkInterfaces: [{ associatePublicIpAddress: "false" }],
    instanceInitiatedShutdownBehavior: "terminate",
  },
};
const failed = (inputs: Record<string, unknown>) => launchTemplateChecks({ ...hardened, inputs: { ...hardened.inputs, ...inputs } }).filter((c) => !c.pass).map((c) => [c.check, c.field, c.message]);

test("a hardened launch template passes every claim", () => {
  const checks = launchTemplateChecks(hardened);
  assert.deepEqual(checks.map((c) => [c.check, c.pass, c.field]), [
    ["IMDSv2 required", true, "LaunchTemplate fleet metadataOptions.httpTokens"],
    ["metadata hop limit 1", true, "LaunchTemplate fleet metadataOptions.httpPutResponseHopLimit"],
    ["volumes encrypted", true, "LaunchTemplate fleet blockDeviceMappings"],
    ["no public address", true, "LaunchTemplate fleet networkInterfaces"],
    ["terminate on shutdown", true, "LaunchTemplate fleet instanceInitiatedShutdownBehavior"],
  ]);
});

test("hop limit 2 fails, naming the field: containers one hop further could reach the instance credentials", () => {
  assert.deepEqual(failed({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }), [["metadata hop limit 1", "LaunchTemplate fleet metadataOptions.httpPutResponseHopLimit", "metadataOptions.httpPutResponseHopLimit is 2. Fix: set it to 1"]]);
});

test("a public address on the second interface fails, naming that interface", () => {
  assert.deepEqual(failed({ networkInterfaces: [{ associatePublicIpAddress: "false" }, { associatePublicIpAddress: "true" }] }), [
    ["no public address", "LaunchTemplate fleet networkInterfaces[1].associatePublicIpAddress", "a network interface gets a public address. Fix: set associatePublicIpAddress to false"],
  ]);
});

test("IMDSv1, an unencrypted volume and stop on shutdown fail, each with its field and fix", () => {
  assert.deepEqual(failed({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 }, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }, { deviceName: "/dev/xvdb", ebs: { encrypted: "false" } }], instanceInitiatedShutdownBehavior: "stop" }), [
    ["IMDSv2 required", "LaunchTemplate fleet metadataOptions.httpTokens", 'metadataOptions.httpTokens is optional. Fix: set it to "required"'],
    ["volumes encrypted", "LaunchTemplate fleet blockDeviceMappings[1].ebs.encrypted", "/dev/xvdb not encrypted. Fix: set ebs.encrypted to true"],
    ["terminate on shutdown", "LaunchTemplate fleet instanceInitiatedShutdownBehavior", 'instanceInitiatedShutdownBehavior is stop. Fix: set it to "terminate" so a runner that powers off is gone'],
  ]);
});

test("a template without block device mappings fails: the AMI's unencrypted defaults would apply", () => {
  assert.deepEqual(failed({ blockDeviceMappings: undefined }), [["volumes encrypted", "LaunchTemplate fleet blockDeviceMappings", "no block device mapping: the AMI's defaults apply. Fix: map the root volume with encrypted: true"]]);
});

test("fields of the wrong type count as unset, not as a crash", () => {
  assert.deepEqual(failed({ metadataOptions: "required", blockDeviceMappings: ["x"], networkInterfaces: [7] }).map((f) => f[0]), ["IMDSv2 required", "metadata hop limit 1", "volumes encrypted"]);
});
