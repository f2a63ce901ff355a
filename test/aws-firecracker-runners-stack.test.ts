// Stack tests: the infra/pulumi/aws-firecracker-runners program run offline with its Pulumi.dev.yaml.
// The program imports the built package: run `npm run build` first (`npm test` does).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderStack, type RenderedResource, type RenderedStack } from "../src/offline/render-stack.ts";
import { parseProfiles } from "../src/model/profiles.ts";
import { editedStackConfig, REPO } from "./helpers.ts";
import { decodeUserData } from "../src/render/aws/user-data.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const STACK = join(REPO, "infra/pulumi/aws-firecracker-runners");
const P = "aws-firecracker-runners";
const render = (configFile?: string) => renderStack(STACK, configFile ? { stack: "dev", configFile } : { stack: "dev" });
const edited = (edit: (c: Obj) => void) => editedStackConfig(STACK, "dev", edit);
const ofType = (r: RenderedStack, type: string) => r.resources.filter((x) => x.type === type);
const one = (r: RenderedStack, type: string): Obj => {
  const found = ofType(r, type);
  assert.equal(found.length, 1, type);
  return found[0]!.inputs;
};
/** The mocks' id of the runner security group (logical name network-runners, like the subnet). */
const RUNNER_SG = "network-runners-id";
const named = (r: RenderedStack, name: string): Obj => {
  const found = r.resources.filter((x) => x.name === name);
  assert.equal(found.length, 1, name);
  return found[0]!.inputs;
};
const awsFips = parseProfiles(readFileSync(join(REPO, "config/runner-isolation.yaml"), "utf8"), "config/runner-isolation.yaml").find((p) => p.name === "aws-fips")!;

describe("aws-firecracker-runners stack (offline, Pulumi.dev.yaml)", async () => {
  const base = await render();

  it("creates the network, IAM, Vault, secret-id broker and fleet resources inside their five components", () => {
    const count = (types: readonly RenderedResource[]) => types.reduce<Record<string, number>>((m, r) => ({ ...m, [r.type]: (m[r.type] ?? 0) + 1 }), {});
    assert.deepEqual(count(base.resources), {
      "runner-fleet:aws:AwsRunnerFleet": 1,
      "runner-fleet:aws:AwsRunnerIam": 1,
      "runner-fleet:aws:AwsRunnerNetwork": 1,
      "runner-fleet:aws:SecretIdBroker": 1,
      "runner-fleet:vault:VaultRunnerAppRole": 1,
      "aws:autoscaling/group:Group": 1,
      "aws:cloudwatch/eventRule:EventRule": 1,
      "aws:cloudwatch/eventTarget:EventTarget": 1,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
      "aws:ec2/eip:Eip": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/launchTemplate:LaunchTemplate": 1,
      "aws:ec2/natGateway:NatGateway": 1,
      "aws:ec2/route:Route": 3,
      "aws:ec2/routeTable:RouteTable": 2,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
      "aws:ec2/securityGroup:SecurityGroup": 2,
      "aws:ec2/subnet:Subnet": 2,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 8,
      "aws:iam/instanceProfile:InstanceProfile": 1,
      "aws:iam/policy:Policy": 1,
      "aws:iam/role:Role": 2,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:lambda/function:Function": 1,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
      "aws:lambda/permission:Permission": 1,
      "aws:ssm/parameter:Parameter": 1,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 9,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "vault:appRole/authBackendRole:AuthBackendRole": 1,
      "vault:aws/authBackendRole:AuthBackendRole": 1,
      "vault:index/policy:Policy": 2,
    });
  });

  it("registers the runners with the labels and trust of profile aws-fips from config/runner-isolation.yaml", () => {
    assert.deepEqual(base.outputs["runsOn"], awsFips.labels);
    assert.equal(base.outputs["trustLevel"], awsFips.trust);
    const userData = decodeUserData(one(base, "aws:ec2/launchTemplate:LaunchTemplate")["userData"] as string);
    assert.ok(userData.includes(`readonly RUNNER_LABELS_JSON='${JSON.stringify(awsFips.labels)}'`), userData.slice(0, 800));
    assert.ok(userData.includes("--jitconfig"), "a JIT runner takes one job");
    const tags = one(base, "aws:autoscaling/group:Group")["tags"] as Obj[];
    assert.deepEqual(tags.filter((t) => t["key"].startsWith("runner-fleet/")).map((t) => [t["key"], t["value"]]), [
      ["runner-fleet/profile", "ci-intel-runner"],
      ["runner-fleet/trust-level", awsFips.trust],
      ["runner-fleet/labels", awsFips.labels.join(",")],
    ]);
  });

  it("exports the runner pool workflows target: GitHub on EC2, the profile's labels and GitHub's implicit ones, the group's size, one job per VM", () => {
    const group = one(base, "aws:autoscaling/group:Group");
    const labels = [...awsFips.labels, ...["self-hosted", "linux"].filter((l) => !awsFips.labels.some((x) => x.toLowerCase() === l))];
    assert.deepEqual(base.outputs["runnerPools"], [{ name: group["name"], forge: "github", substrate: "ec2", labels, min: group["minSize"], max: group["maxSize"], oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme" } }]);
  });

  it("ships the broker as the compiled module index.mjs with its settings.json, and exports their digests", () => {
    const code = one(base, "aws:lambda/function:Function")["code"] as { archive: Record<string, { text: string }> };
    assert.deepEqual(Object.keys(code.archive).sort(), ["index.mjs", "settings.json"]);
    const js = code.archive["index.mjs"]!.text;
    assert.match(js, /^export async function handler\(event\) \{$/m, "compiled JavaScript, no type left");
    assert.doesNotMatch(js, /sourceMappingURL/);
    assert.deepEqual([...js.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]), ["node:crypto", "node:fs/promises"], "nothing of ours, no Pulumi");
    const settings = JSON.parse(code.archive["settings.json"]!.text) as Obj;
    assert.deepEqual([settings["vaultAddress"], settings["autoScalingGroupName"], settings["parameterPrefix"]], ["https://vault.internal.example:8200", "ci-intel-runner", "/ci-intel/runner/wrapped-secret-id"]);
    const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");
    assert.deepEqual(base.outputs["secretIdBrokerCodeSha256"], { "index.mjs": sha256(js), "settings.json": sha256(code.archive["settings.json"]!.text) });
  });

  it("takes labels from whichever profiles file the stack names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rf-profiles-"));
    const file = join(dir, "profiles.yaml");
    writeFileSync(file, "profiles:\n  - { name: ec2-large, labels: [self-hosted, linux, ec2-large], trust: untrusted, fenced: true, ephemeral: true, substrate: ec2, maxParallelPerJob: 2, maxConcurrentPerWorkflow: 4 }\n");
    const r = await render(edited((c) => { c[`${P}:profilesFile`] = file; c[`${P}:profile`] = "ec2-large"; }));
    assert.deepEqual(r.outputs["runsOn"], ["self-hosted", "linux", "ec2-large"]);
    assert.equal(r.outputs["trustLevel"], "untrusted");
  });

  it("keeps the fence: private subnets, IMDSv2 with hop limit 1, encrypted volumes, no ingress, egress only to the allowlist", () => {
    for (const s of ofType(base, "aws:ec2/subnet:Subnet")) assert.equal(s.inputs["mapPublicIpOnLaunch"], false, s.name);
    const lt = one(base, "aws:ec2/launchTemplate:LaunchTemplate");
    assert.deepEqual([lt["metadataOptions"].httpTokens, lt["metadataOptions"].httpPutResponseHopLimit], ["required", 1]);
    assert.deepEqual([lt["blockDeviceMappings"][0].ebs.encrypted, lt["blockDeviceMappings"][0].ebs.deleteOnTermination], ["true", "true"]);
    assert.equal(lt["networkInterfaces"][0].associatePublicIpAddress, "false");
    for (const g of ofType(base, "aws:ec2/securityGroup:SecurityGroup")) assert.deepEqual([g.inputs["ingress"], g.inputs["egress"]], [undefined, undefined], g.name);
    assert.deepEqual(ofType(base, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs["securityGroupId"]), ["network-vpc-endpoints-id"]);
    const egress = ofType(base, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
    for (const r of egress) {
      assert.ok(["tcp", "udp"].includes(r.inputs["ipProtocol"] as string), r.name);
      assert.ok(!["0.0.0.0/0", "::/0"].includes((r.inputs["cidrIpv4"] ?? r.inputs["cidrIpv6"]) as string), r.name);
    }
    assert.deepEqual(egress.map((r) => r.inputs["cidrIpv4"]).filter(Boolean).sort(), ["10.20.0.10/32", "140.82.112.0/20", "143.55.64.0/20", "169.254.169.123/32", "185.199.108.0/22", "192.30.252.0/22"]);
  });

  it("registers just in time: no registration-token parameter, in the stack, its policies or the boot script", () => {
    const parameters = ofType(base, "aws:ssm/parameter:Parameter").map((r) => r.inputs["name"]);
    assert.deepEqual(parameters, ["/ci-intel/runner/role-id"]);
    const everything = JSON.stringify(base);
    assert.doesNotMatch(everything, /registration[-_]?token/i);
    const userData = decodeUserData(one(base, "aws:ec2/launchTemplate:LaunchTemplate")["userData"] as string);
    assert.match(userData, /^readonly GITHUB_JIT_CONFIG_URL='https:\/\/api\.github\.com\/orgs\/acme\/actions\/runners\/generate-jitconfig'$/m);
    assert.match(userData, /^readonly JIT_CONFIG_MINTED_BY='instance'$/m);
    assert.doesNotMatch(userData, /registration|config\.sh/i);
    assert.equal(base.outputs["jitConfigMintedBy"], "instance");
  });

  it("grants the role its own instance's parameter, the shared role id and the listed repository only", () => {
    const policy = JSON.parse(named(base, "iam-policy")["policy"] as string) as { Statement: Obj[] };
    const bySid = new Map(policy.Statement.map((s) => [s["Sid"], s]));
    assert.deepEqual(bySid.get("ReadSharedVaultRoleId")!["Resource"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/role-id"]);
    assert.deepEqual(bySid.get("ReadOwnInstanceParameter")!["Resource"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/*"]);
    assert.deepEqual(bySid.get("ReadOwnInstanceParameter")!["Condition"], { StringEquals: { "aws:ResourceTag/runner-fleet:instance-arn": "${ec2:SourceInstanceARN}" } });
    assert.deepEqual(bySid.get("PullListedEcrRepositories")!["Resource"], ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/base"]);
    assert.equal(named(base, "iam-role")["name"], "ci-intel-runner-role");
  });

  it("bounds the runner role with the boundary policy it renders, named by the ARN the policy is created under", () => {
    const boundary = one(base, "aws:iam/policy:Policy");
    assert.equal(boundary["name"], "ci-intel-runner-boundary");
    assert.equal(named(base, "iam-role")["permissionsBoundary"], "arn:aws:iam::123456789012:policy/ci-intel-runner-boundary");
    const doc = JSON.parse(boundary["policy"] as string) as { Statement: Obj[] };
    assert.deepEqual(doc.Statement.find((s) => s["Effect"] === "Deny")!["Action"], ["iam:*", "organizations:*", "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken"]);
    assert.equal(named(base, "broker-role")["permissionsBoundary"], undefined, "the broker role keeps its own least-privilege policy only");
  });

  it("an account's own boundary (permissionsBoundaryArn) replaces the rendered one on both roles", async () => {
    const arn = "arn:aws:iam::123456789012:policy/org-boundary";
    const r = await render(edited((c) => { c[`${P}:permissionsBoundaryArn`] = arn; }));
    assert.deepEqual(ofType(r, "aws:iam/policy:Policy"), []);
    assert.deepEqual([named(r, "iam-role")["permissionsBoundary"], named(r, "broker-role")["permissionsBoundary"]], [arn, arn]);
  });

  it("lets EventBridge invoke the broker for the stack's rule in the stack's account only", () => {
    const permission = one(base, "aws:lambda/permission:Permission");
    assert.deepEqual([permission["principal"], permission["sourceArn"], permission["sourceAccount"]], ["events.amazonaws.com", `arn:aws:events:eu-west-1:123456789012:rule/${String(one(base, "aws:cloudwatch/eventRule:EventRule")["name"])}`, "123456789012"]);
  });

  it("binds the AppRole to the runner subnet, and routes Vault's network through the transit gateway", () => {
    const role = one(base, "vault:appRole/authBackendRole:AuthBackendRole");
    assert.deepEqual([role["secretIdTtl"], role["secretIdNumUses"], role["tokenTtl"], role["tokenMaxTtl"], role["secretIdBoundCidrs"], role["tokenBoundCidrs"]], [900, 1, 900, 1800, ["10.42.10.0/24"], ["10.42.10.0/24"]]);
    const ssm = one(base, "aws:ssm/parameter:Parameter");
    assert.deepEqual([ssm["name"], ssm["type"]], ["/ci-intel/runner/role-id", "SecureString"]);
    const route = ofType(base, "aws:ec2/route:Route").find((r) => r.inputs["destinationCidrBlock"] === "10.20.0.0/16")!;
    assert.equal(route.inputs["transitGatewayId"], "tgw-0123456789abcdef0");
  });

  it("answers the lifecycle hooks with the secret-id broker: in the runner subnet, on the group's hooks, least privilege in AWS and Vault", () => {
    const hooks = (one(base, "aws:autoscaling/group:Group")["initialLifecycleHooks"] as Obj[]).map((h) => h["name"]);
    const pattern = JSON.parse(one(base, "aws:cloudwatch/eventRule:EventRule")["eventPattern"] as string) as Obj;
    assert.deepEqual(pattern["detail"], { AutoScalingGroupName: [one(base, "aws:autoscaling/group:Group")["name"]], LifecycleHookName: hooks });
    const fn = one(base, "aws:lambda/function:Function");
    assert.deepEqual([fn["runtime"], fn["handler"]], ["nodejs22.x", "index.handler"]);
    assert.deepEqual(fn["vpcConfig"], { subnetIds: ["network-runners-id"], securityGroupIds: [RUNNER_SG] });
    const policy = JSON.parse(named(base, "broker-policy")["policy"] as string) as { Statement: Obj[] };
    assert.deepEqual(policy.Statement.find((s) => s["Sid"] === "WritePerInstanceParameters")!["Resource"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/wrapped-secret-id/*"]);
    assert.deepEqual(policy.Statement.find((s) => s["Sid"] === "CompleteRunnerLifecycleActions")!["Resource"], ["arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/ci-intel-runner"]);
    const vaultRole = one(base, "vault:aws/authBackendRole:AuthBackendRole");
    assert.deepEqual([vaultRole["authType"], vaultRole["boundIamPrincipalArns"], vaultRole["tokenBoundCidrs"]], ["iam", ["arn:aws:iam::123456789012:role/ci-intel-runner-sid-broker"], ["10.42.10.0/24"]]);
    assert.match(named(base, "broker-vault-policy")["policy"] as string, /path "auth\/approle\/role\/ci-intel-runner\/secret-id" \{\n {2}capabilities = \["update"\]\n\}/);
    // The broker completes lifecycle actions through the Auto Scaling endpoint.
    assert.ok(ofType(base, "aws:ec2/vpcEndpoint:VpcEndpoint").some((e) => e.inputs["serviceName"] === "com.amazonaws.eu-west-1.autoscaling"));
    assert.equal(base.outputs["secretIdBrokerFunction"], "ci-intel-runner-sid-broker");
  });

  it("without lifecycle hooks creates no broker and no Auto Scaling endpoint", async () => {
    const r = await render(edited((c) => { c[`${P}:lifecycleHooks`] = false; }));
    assert.deepEqual(r.resources.filter((x) => /SecretIdBroker|lambda|eventRule|vault:aws/.test(x.type)), []);
    assert.ok(!ofType(r, "aws:ec2/vpcEndpoint:VpcEndpoint").some((e) => String(e.inputs["serviceName"]).endsWith(".autoscaling")));
    assert.equal(one(r, "aws:autoscaling/group:Group")["initialLifecycleHooks"], undefined);
  });

  it("takes the broker's options from secretIdBroker, and refuses bad ones under their keys", async () => {
    const r = await render(edited((c) => { c[`${P}:secretIdBroker`] = { wrapTtlSeconds: 240, vaultAwsAuthMount: "aws-ci", stsRegion: "eu-west-1", stsEndpoint: "https://sts.eu-west-1.amazonaws.com/" }; }));
    assert.equal(one(r, "vault:aws/authBackendRole:AuthBackendRole")["backend"], "aws-ci");
    await assert.rejects(render(edited((c) => { c[`${P}:secretIdBroker`] = { wrapTtlSeconds: 3600, vaultAwsAuthMout: "aws", stsRegion: 1 }; })), (e: Error) => {
      assert.match(e.message, /secretIdBroker\.wrapTtlSeconds: 3600 is not a whole number of seconds between 30 and the secret id lifetime \(900 s\)\. Fix:/);
      assert.match(e.message, /secretIdBroker\.vaultAwsAuthMout: is not a key of the secret-id broker\. Fix: remove it; known keys: wrapTtlSeconds, vaultAwsAuthMount/);
      assert.match(e.message, /secretIdBroker\.stsRegion: is not a string\. Fix:/);
      return true;
    });
  });

  it("exports the PrometheusRule document with the runner alerts", () => {
    const rule = base.outputs["prometheusRule"] as Obj;
    assert.deepEqual([rule["apiVersion"], rule["kind"]], ["monitoring.coreos.com/v1", "PrometheusRule"]);
    assert.deepEqual((rule["spec"].groups[0].rules as Obj[]).map((r) => r["alert"]), ["RunnerJobQueueLatencyHigh", "RunnerJobFailureRateHigh", "RunnersNotRegistering"]);
    // Over the series EC2 runners write (the job report), never the actions-runner-controller's.
    for (const r of rule["spec"].groups[0].rules as Obj[]) {
      assert.match(r["expr"], /runner_fleet_/);
      assert.doesNotMatch(r["expr"], /gha_/);
    }
  });

  it("reports every problem of a bad configuration at once, each under its stack key, before creating anything", async () => {
    const file = edited((c) => {
      c[`${P}:runnerz`] = {};
      c[`${P}:accountId`] = "12345";
      c[`${P}:runner`].egress.allow[0].cidrs[0] = "0.0.0.0/0";
      c[`${P}:runner`].capacity = { min: 3, max: 2 };
      c[`${P}:runner`].labels = ["self-hosted"];
      c[`${P}:privateRoutes`] = [{ destinationCidrBlock: "10.20.0.0/16" }];
    });
    await assert.rejects(render(file), (e: Error) => {
      assert.equal(e.name, "ConfigError");
      for (const re of [
        /runnerz: is not a setting of aws-firecracker-runners\. Fix: did you mean runner\?/,
        /accountId: is not a 12-digit AWS account id\. Fix:/,
        /runner\.egress\.allow\[0\]\.cidrs\[0\]: 0\.0\.0\.0\/0 allows every destination.*Fix: list the destination's own CIDR blocks/,
        /runner\.capacity\.min: 3 is more than capacity\.max 2\. Fix:/,
        /runner\.labels: comes from profile "aws-fips" of the runner profiles file \(its labels\), not from the stack\. Fix: remove runner\.labels/,
        /privateRoutes\[0\]: names no target\. Fix: give exactly one of transitGatewayId/,
      ]) assert.match(e.message, re);
      return true;
    });
  });

  it("refuses an allowlist that splits the internet into wide blocks or repeats a block across rules, naming each stack key", async () => {
    const file = edited((c) => {
      c[`${P}:runner`].egress.allow.push({ name: "wide", cidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, { name: "github-again", cidrs: ["140.82.112.0/24"] });
    });
    await assert.rejects(render(file), (e: Error) => {
      assert.equal(e.name, "ConfigError");
      for (const re of [
        /runner\.egress\.allow\[4\]\.cidrs\[0\]: 0\.0\.0\.0\/1 is wider than \/8.*Fix: list the destination's published ranges/,
        /runner\.egress\.allow\[4\]\.cidrs\[1\]: 128\.0\.0\.0\/1 is wider than \/8.*Fix: .*managed prefix list/,
        /runner\.egress\.allow\[5\]\.cidrs\[0\]: 140\.82\.112\.0\/24 overlaps 140\.82\.112\.0\/20 at egress\.allow\[0\]\.cidrs\[0\]/,
      ]) assert.match(e.message, re);
      return true;
    });
  });

  it("refuses a profile that is not an ephemeral EC2 profile, and names the EC2 profiles when the name is unknown", async () => {
    await assert.rejects(render(edited((c) => { c[`${P}:profile`] = "gh-runner-codex"; })), /profile: "gh-runner-codex" runs on substrate kubernetes-deployment, not ec2\. Fix: name a profile whose substrate is ec2/);
    await assert.rejects(render(edited((c) => { c[`${P}:profile`] = "aws-fipz"; })), /profile: "aws-fipz" is not a profile of .*runner-isolation\.yaml\. Fix: use one of its ec2 profiles: aws-fips/);
  });

  it("refuses a missing region and an account the provider would not deploy to", async () => {
    await assert.rejects(render(edited((c) => { delete c["aws:region"]; })), /aws:region: is required and not set\. Fix: run `pulumi config set aws:region/);
    await assert.rejects(render(edited((c) => { c["aws:allowedAccountIds"] = ["210987654321"]; })), /aws:allowedAccountIds: does not include accountId 123456789012/);
  });

  it("never quotes a secret: a registration token in the profile and a plain-text Vault token are refused without their values", async () => {
    const token = "ghp_CANARY0123456789abcdefghijklmnopqrstuv";
    await assert.rejects(render(edited((c) => { c[`${P}:runner`].registrationToken = token; })), (e: Error) => /runner\.registrationToken: looks like a secret \(a GitHub token\); its value is not shown\. Fix: move it into a secret/.test(e.message) && !e.message.includes("CANARY"));
    const vaultToken = "hvs.CANARYvaulttoken0123456789";
    await assert.rejects(render(edited((c) => { c["vault:token"] = vaultToken; })), (e: Error) => /vault:token: is set in plain text but must be a secret \(its value is not shown\)\. Fix: remove it \(`pulumi config rm vault:token`\)/.test(e.message) && !e.message.includes("CANARY"));
  });

  it("jitConfigMintedBy: broker: the broker mints GitHub tokens instead of secret ids, the runners get no Vault identity, and the hooks must stay on", async () => {
    const r = await render(edited((c) => { c[`${P}:runner`].jitConfigMintedBy = "broker"; }));
    assert.deepEqual(ofType(r, "runner-fleet:vault:VaultRunnerAppRole"), []);
    assert.deepEqual(ofType(r, "aws:ssm/parameter:Parameter"), []);
    assert.match(named(r, "broker-vault-policy")["policy"] as string, /path "github\/token" \{\n {2}capabilities = \["update"\]\n\}/);
    const runner = JSON.parse(named(r, "iam-policy")["policy"] as string) as { Statement: Obj[] };
    assert.deepEqual(runner.Statement.find((s) => s["Sid"] === "ReadOwnInstanceParameter")!["Resource"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/ci-intel/runner/jit-config/*"]);
    await assert.rejects(render(edited((c) => { c[`${P}:runner`].jitConfigMintedBy = "broker"; c[`${P}:lifecycleHooks`] = false; })), /lifecycleHooks: is false, but runner\.jitConfigMintedBy is broker.*Fix: set lifecycleHooks to true/s);
  });

  it("renders a Vault token given as a secret without it appearing anywhere in the output", async () => {
    const r = await render(edited((c) => { c["vault:token"] = { secure: "v1:CANARYciphertextOfTheVaultToken" }; }));
    assert.ok(r.resources.length > 0);
    assert.ok(!JSON.stringify(r).includes("CANARY"));
    assert.ok(!JSON.stringify(base).includes("CANARY"));
  });
});
