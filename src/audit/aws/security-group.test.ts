// Security group claims: one protocol per rule, no internet ingress, SSH only where opted in,
// internet egress only where documented; each failure names the rule and its field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OPEN_EGRESS_EXCEPTIONS, securityGroupChecks } from "./security-group.ts";

const ingress = (name: string, inputs: Record<string, unknown>) => ({ type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, inputs });
const egress = (name: string, inputs: Record<string, unknown>) => ({ type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name, inputs });
const failed = (...checks: ReturnType<typeof securityGroupChecks>) => checks.filter((c) => !c.pass).map((c) => [c.check, c.field]);

test("SSH from 0.0.0.0/0 fails as open ingress and as SSH without an opt-in, naming the rule's cidrIpv4", () => {
  const checks = securityGroupChecks(ingress("runners-in-ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }));
  assert.deepEqual(failed(...checks), [
    ["ingress not open to the internet", "SecurityGroupIngressRule runners-in-ssh cidrIpv4"],
    ["SSH only from opted-in blocks", "SecurityGroupIngressRule runners-in-ssh cidrIpv4"],
  ]);
  assert.match(checks.find((c) => c.check === "SSH only from opted-in blocks")!.message, /no setting opts in to SSH from the internet \(ssh\.allowedCidrs refuses 0\.0\.0\.0\/0.*Fix: list your bastion's or VPN's blocks in ssh\.allowedCidrs, or use sessionManager: true/);
});

test("SSH from an opted-in block passes; a port range covering 22 counts as SSH", () => {
  const checks = securityGroupChecks(ingress("runners-in-ssh-203-0-113-0-24", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24" }));
  assert.deepEqual(checks.map((c) => [c.check, c.pass]), [["one protocol per rule", true], ["ingress not open to the internet", true], ["SSH only from opted-in blocks", true]]);
  assert.deepEqual(failed(...securityGroupChecks(ingress("wide", { ipProtocol: "tcp", fromPort: 1, toPort: 1024, cidrIpv6: "::/0" }))).map((f) => f[0]), ["ingress not open to the internet", "SSH only from opted-in blocks"]);
  assert.deepEqual(securityGroupChecks(ingress("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: "sg-1" })).map((c) => c.check), ["one protocol per rule", "ingress not open to the internet"]);
});

test("egress on all protocols (-1) fails, naming ipProtocol, even to a narrow block", () => {
  const checks = securityGroupChecks(egress("runners-out-all", { ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" }));
  assert.deepEqual(failed(...checks), [["one protocol per rule", "SecurityGroupEgressRule runners-out-all ipProtocol"]]);
  assert.match(checks[0]!.message, /egress on all protocols and ports to 10\.0\.0\.0\/8\. Fix: one rule per protocol and port/);
});

test("egress to the internet fails unless a documented exception covers it, and then says why", () => {
  const https = egress("runners-out-https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS anywhere" });
  assert.deepEqual(OPEN_EGRESS_EXCEPTIONS, [], "the stack documents no egress to the whole internet");
  assert.deepEqual(failed(...securityGroupChecks(https)), [["egress to the internet only where documented", "SecurityGroupEgressRule runners-out-https cidrIpv4"]]);
  const documented = securityGroupChecks(https, [{ description: "HTTPS anywhere", protocol: "tcp", port: 443, reason: "package mirrors without published ranges" }]);
  assert.deepEqual(failed(...documented), []);
  assert.match(documented[1]!.message, /documented exception "HTTPS anywhere": package mirrors without published ranges/);
  assert.deepEqual(failed(...securityGroupChecks(https, [{ description: "HTTPS anywhere", protocol: "tcp", port: 80, reason: "other port" }])).length, 1, "an exception covers its own port only");
});

test("a block wider than the allowlist's bound counts as the internet", () => {
  const checks = securityGroupChecks(egress("half", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/1" }));
  assert.match(checks[1]!.message, /0\.0\.0\.0\/1 \(a block wider than \/8, a large share of the internet\)/);
});

test("inline rules fail, and are checked like rule resources; the default group must have no rules", () => {
  const group = { type: "aws:ec2/securityGroup:SecurityGroup", name: "runners", inputs: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }] } };
  assert.deepEqual(failed(...securityGroupChecks(group)), [
    ["no inline rules", "SecurityGroup runners ingress[0]"],
    ["ingress not open to the internet", "SecurityGroup runners ingress[0].cidrBlocks[1]"],
    ["SSH only from opted-in blocks", "SecurityGroup runners ingress[0].cidrBlocks[1]"],
  ]);
  const defaults = { type: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", name: "default-sg", inputs: { egress: [{ protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }] } };
  assert.deepEqual(failed(...securityGroupChecks(defaults)), [["default security group has no rules", "DefaultSecurityGroup default-sg egress[0]"]]);
  assert.deepEqual(failed(...securityGroupChecks({ ...defaults, inputs: {} })), []);
});

test("legacy SecurityGroupRule resources are checked by their type", () => {
  const rule = { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "legacy", inputs: { type: "egress", protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] } };
  assert.deepEqual(failed(...securityGroupChecks(rule)), [["one protocol per rule", "SecurityGroupRule legacy protocol"], ["egress to the internet only where documented", "SecurityGroupRule legacy cidrBlocks[0]"]]);
});
