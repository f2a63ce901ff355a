// Component tests: SecretIdBroker under Pulumi mocks, recording every resource and its inputs.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, settled, type Registered } from "../../test/pulumi-mocks.ts";
import { SECRET_ID_BROKER_COMPONENT_DEFAULTS } from "../model/aws-runner-defaults.ts";
import { type AwsRunnerProfileInput, resolveAwsRunnerProfile } from "../model/aws-runner.ts";
import { resolveAwsScope } from "../model/aws-scope.ts";
import { renderSecretIdBrokerEventPattern } from "../render/aws/secret-id-broker-names.ts";
import { renderSecretIdBrokerRolePolicy, renderSecretIdBrokerTrustPolicy, renderSecretIdBrokerVaultPolicy } from "../render/aws/secret-id-broker-policies.ts";
import { renderSecretIdBrokerSettingsFile, secretIdBrokerSettings } from "../render/aws/secret-id-broker.ts";
import { vaultPolicyHcl } from "../render/vault/policy.ts";
import { auditSecretIdBrokerRoleDocuments } from "../audit/iam/index.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let registered: Registered[] = [];
const ACCOUNT = "123456789012";

before(async () => {
  ({ registered } = await recordingMocks("secret-id-broker-test", {
    state: (r) => {
      const n = String(r.inputs["name"] ?? r.name);
      if (r.type === "aws:iam/role:Role") return { arn: `arn:aws:iam::${ACCOUNT}:role/${n}` };
      if (r.type === "aws:lambda/function:Function") return { arn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${n}` };
      if (r.type === "aws:cloudwatch/eventRule:EventRule") return { arn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${n}` };
      return undefined;
    },
  }));
});

const BASE: AwsRunnerProfileInput = {
  githubUrl: "https://github.com/acme",
  egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }, { name: "vault", cidrs: ["10.20.0.10/32"], port: 8200 }] },
  vault: { address: "https://vault.internal.example:8200" },
};
const profileOf = (over: Partial<AwsRunnerProfileInput> = {}) => resolveAwsRunnerProfile({ ...BASE, ...over });
const scope = resolveAwsScope({ region: "eu-west-1", accountId: ACCOUNT });
let seq = 0;
const fresh = () => `broker${++seq}`;
const mine = (prefix: string, type?: string) => registered.filter((r) => (r.name === prefix || r.name.startsWith(`${prefix}-`)) && (type === undefined || r.type === type));
const one = (prefix: string, type: string): Obj => {
  const found = mine(prefix, type);
  assert.equal(found.length, 1, type);
  return found[0]!.inputs;
};

describe("SecretIdBroker", async () => {
  const { SecretIdBroker } = await import("./aws-secret-id-broker.ts");
  const vpc = { subnetIds: ["subnet-0aaa"], securityGroupIds: ["sg-0bbb"] };

  it("runs the broker module as a Node.js 22 function under its own role, in the given subnet", async () => {
    const n = fresh();
    const profile = profileOf();
    const c = new SecretIdBroker(n, { profile, scope, vpc });
    await settled(c.function, c.invokeConfig);
    const fn = one(n, "aws:lambda/function:Function");
    assert.deepEqual([fn["name"], fn["runtime"], fn["handler"], fn["timeout"], fn["memorySize"]], ["ci-intel-runner-sid-broker", "nodejs22.x", "index.handler", 60, 128]);
    assert.equal(fn["role"], `arn:aws:iam::${ACCOUNT}:role/ci-intel-runner-sid-broker`);
    assert.deepEqual(fn["vpcConfig"], { subnetIds: ["subnet-0aaa"], securityGroupIds: ["sg-0bbb"] });
    assert.deepEqual(fn["loggingConfig"], { logFormat: "Text", logGroup: "/aws/lambda/ci-intel-runner-sid-broker" });
    assert.equal(c.settingsFile, renderSecretIdBrokerSettingsFile(secretIdBrokerSettings(profile)));
    assert.match(c.source, /export async function handler\(event\s*\)/);
    const archive = (await (fn["code"] as Promise<pulumi.asset.AssetArchive> | pulumi.asset.AssetArchive)) as unknown as { assets: Promise<Record<string, pulumi.asset.StringAsset>> };
    const assets = await archive.assets;
    assert.deepEqual(Object.keys(assets), ["index.mjs", "settings.json"]);
    assert.equal(await (assets["index.mjs"] as unknown as { text: Promise<string> }).text, c.source);
    assert.equal(await (assets["settings.json"] as unknown as { text: Promise<string> }).text, c.settingsFile);
    const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");
    assert.deepEqual(c.codeSha256, { "index.mjs": sha256(c.source), "settings.json": sha256(c.settingsFile) });
    assert.deepEqual(mine(n, "aws:cloudwatch/logGroup:LogGroup").map((l) => [l.inputs["name"], l.inputs["retentionInDays"]]), [["/aws/lambda/ci-intel-runner-sid-broker", 30]]);
    const retry = one(n, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    assert.deepEqual([retry["maximumEventAgeInSeconds"], retry["maximumRetryAttempts"]], [SECRET_ID_BROKER_COMPONENT_DEFAULTS.maximumEventAgeSeconds, 2]);
  });

  it("creates the role trusted by Lambda only with exactly the rendered policy, which passes the IAM audit", async () => {
    const n = fresh();
    const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const profile = profileOf({ ssm: { kmsKeyArn } });
    const c = new SecretIdBroker(n, { profile, scope, vpc, permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/ci-boundary" });
    await settled(c.role, c.rolePolicy);
    const role = one(n, "aws:iam/role:Role");
    assert.deepEqual(JSON.parse(role["assumeRolePolicy"] as string), renderSecretIdBrokerTrustPolicy());
    assert.equal(role["permissionsBoundary"], "arn:aws:iam::123456789012:policy/ci-boundary");
    const ctx = { profile, scope, autoScalingGroupName: "ci-intel-runner", inVpc: true };
    const attached = JSON.parse(one(n, "aws:iam/rolePolicy:RolePolicy")["policy"] as string);
    assert.deepEqual(attached, renderSecretIdBrokerRolePolicy(ctx));
    assert.deepEqual(attached.Statement.map((s: Obj) => s["Sid"]), ["WritePerInstanceParameters", "EncryptSecureStringsViaSsmOnly", "CompleteRunnerLifecycleActions", "WriteOwnBrokerLogs", "ProveIdentityToVault", "ManageFunctionNetworkInterfaces"]);
    assert.deepEqual(await auditSecretIdBrokerRoleDocuments(ctx, { trustPolicy: JSON.parse(role["assumeRolePolicy"] as string), permissionPolicy: attached }), []);
    assert.deepEqual(registered.filter((r) => r.name.startsWith(n) && /policyAttachment|iam\/policy:Policy/.test(r.type)), [], "no managed policy");
  });

  it("outside a VPC the role has no network-interface statement", async () => {
    const n = fresh();
    const c = new SecretIdBroker(n, { profile: profileOf(), scope });
    await settled(c.rolePolicy, c.function);
    assert.ok(!(one(n, "aws:iam/rolePolicy:RolePolicy")["policy"] as string).includes("ec2:CreateNetworkInterface"));
    assert.equal(one(n, "aws:lambda/function:Function")["vpcConfig"], undefined);
  });

  it("triggers on the runner group's lifecycle actions only, and lets only that rule invoke the function", async () => {
    const n = fresh();
    const profile = profileOf();
    const c = new SecretIdBroker(n, { profile, scope });
    await settled(c.rule, c.target, c.permission);
    const rule = one(n, "aws:cloudwatch/eventRule:EventRule");
    assert.equal(rule["name"], "ci-intel-runner-sid-broker");
    assert.deepEqual(JSON.parse(rule["eventPattern"] as string), renderSecretIdBrokerEventPattern(profile));
    assert.deepEqual(JSON.parse(rule["eventPattern"] as string)["detail-type"], ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"]);
    const target = one(n, "aws:cloudwatch/eventTarget:EventTarget");
    assert.deepEqual([target["rule"], target["arn"]], ["ci-intel-runner-sid-broker", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:ci-intel-runner-sid-broker`]);
    const permission = one(n, "aws:lambda/permission:Permission");
    assert.deepEqual(
      [permission["action"], permission["principal"], permission["function"], permission["sourceArn"], permission["sourceAccount"]],
      ["lambda:InvokeFunction", "events.amazonaws.com", "ci-intel-runner-sid-broker", `arn:aws:events:eu-west-1:${ACCOUNT}:rule/ci-intel-runner-sid-broker`, ACCOUNT],
      "EventBridge may invoke the function for this rule of this account only",
    );
  });

  it("writes the Vault policy (update on the AppRole's secret-id path only) and an iam-type AWS auth role bound to the function's role", async () => {
    const n = fresh();
    const profile = profileOf();
    const c = new SecretIdBroker(n, { profile, scope, vaultTokenBoundCidrs: ["10.42.10.0/24"], vaultAwsAuthMount: "aws-ci" });
    await settled(c.vaultPolicy, c.vaultRole);
    const policy = one(n, "vault:index/policy:Policy");
    assert.deepEqual([policy["name"], policy["policy"]], ["ci-intel-runner-sid-broker", vaultPolicyHcl(renderSecretIdBrokerVaultPolicy(profile))]);
    assert.match(policy["policy"] as string, /path "auth\/approle\/role\/ci-intel-runner\/secret-id" \{\n {2}capabilities = \["update"\]\n\}/);
    const { __defaults: _, ...role } = one(n, "vault:aws/authBackendRole:AuthBackendRole");
    assert.deepEqual(role, {
      backend: "aws-ci",
      role: "ci-intel-runner-sid-broker",
      authType: "iam",
      boundIamPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/ci-intel-runner-sid-broker`],
      resolveAwsUniqueIds: true,
      tokenPolicies: ["ci-intel-runner-sid-broker"],
      tokenNoDefaultPolicy: true,
      tokenTtl: 120,
      tokenMaxTtl: 300,
      tokenBoundCidrs: ["10.42.10.0/24"],
    });
    assert.equal(c.settings.vaultAwsAuthMount, "aws-ci", "the function logs in where the role is");
  });

  it("refuses bad options, naming every key, before registering anything", () => {
    const n = fresh();
    assert.throws(
      () => new SecretIdBroker(n, { profile: profileOf(), scope, wrapTtlSeconds: 3600, vaultAwsAuthMount: "/aws/", stsEndpoint: "http://sts.example", stsRegion: "west", vaultTokenBoundCidrs: ["10.42.10.1/24"], logRetentionDays: 31, permissionsBoundaryArn: "boundary" }),
      (e: Error) => {
        assert.equal(e.name, "ConfigError");
        for (const re of [
          /wrapTtlSeconds: 3600 is not a whole number of seconds between 30 and the secret id lifetime \(900 s\)\. Fix:/,
          /vaultAwsAuthMount: "\/aws\/" is not a Vault mount path\. Fix:/,
          /stsEndpoint: "http:\/\/sts\.example" is not an STS endpoint URL\. Fix:/,
          /stsRegion: "west" is not a region name\. Fix:/,
          /vaultTokenBoundCidrs\[0\]: .*Fix:/,
          /logRetentionDays: 31 is not a retention period CloudWatch Logs accepts\. Fix:/,
          /permissionsBoundaryArn: is not an IAM policy ARN\. Fix:/,
        ]) assert.match(e.message, re);
        return true;
      },
    );
    assert.deepEqual(mine(n), []);
  });

  it("registers under the stable type token with every child parented to it", async () => {
    const n = fresh();
    const c = new SecretIdBroker(n, { profile: profileOf(), scope });
    const urns = await Promise.all([c.urn, c.function.urn, c.rule.urn, c.vaultRole.urn].map(promiseOf));
    assert.equal(urns[0], `urn:pulumi:test::secret-id-broker-test::runner-fleet:aws:SecretIdBroker::${n}`);
    for (const u of urns.slice(1)) assert.match(u, /::runner-fleet:aws:SecretIdBroker\$(aws|vault):/);
  });
});

describe("SecretIdBroker's archive, run as Lambda runs it", async () => {
  const { SecretIdBroker } = await import("./aws-secret-id-broker.ts");

  it("is an ES module that imports only node: modules and the runtime's AWS SDK, and handles a launch with settings.json beside it", async () => {
    const c = new SecretIdBroker(fresh(), { profile: profileOf(), scope });
    const statics = [...c.source.matchAll(/^\s*import\s+(?:[^"';]*?\s+from\s+)?"([^"]+)"/gm)].map((m) => m[1]).sort();
    assert.deepEqual(statics, ["node:crypto", "node:fs/promises"], "no import of runner-fleet or Pulumi");
    assert.doesNotMatch(c.source, /import\s*\(\s*["']/, "the SDK is imported through AWS_SDK_PACKAGES only");
    assert.doesNotMatch(c.source + c.settingsFile, /hvs\.|AKIA|ASIA|secret_id"\s*:/);

    const dir = mkdtempSync(join(tmpdir(), "sid-archive-"));
    const saved = { env: { ...process.env }, fetch: globalThis.fetch, log: console.log };
    try {
      writeFileSync(join(dir, "index.mjs"), c.source);
      writeFileSync(join(dir, "settings.json"), c.settingsFile);
      writeFakeSdk(dir);
      assert.equal(spawnSync(process.execPath, ["--check", join(dir, "index.mjs")], { encoding: "utf8" }).status, 0);
      const vault: string[] = [];
      globalThis.fetch = (async (url: string | URL) => {
        const path = String(url).replace("https://vault.internal.example:8200/v1/", "");
        vault.push(path);
        const body = path === "auth/aws/login" ? { auth: { client_token: "hvs.BROKER-TOKEN" } } : { wrap_info: { token: "hvs.WRAPPING-TOKEN" } };
        return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
      }) as typeof fetch;
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: "ASIAEXAMPLEKEYID", AWS_SECRET_ACCESS_KEY: "SECRET-ACCESS-KEY", AWS_SESSION_TOKEN: "SESSION-TOKEN" });
      console.log = () => undefined;
      const sent = ((globalThis as Obj)["__fakeSdkSent"] = [] as Obj[]);
      const m = (await import(pathToFileURL(join(dir, "index.mjs")).href)) as Obj;
      const result = await m["handler"]({
        source: "aws.autoscaling",
        "detail-type": "EC2 Instance-launch Lifecycle Action",
        account: "123456789012",
        region: "eu-west-1",
        detail: { AutoScalingGroupName: "ci-intel-runner", LifecycleHookName: "ci-intel-runner-deliver-secret-id", EC2InstanceId: "i-0123456789abcdef0", LifecycleActionToken: "87654321-4321-4321-4321-210987654321" },
      });
      assert.deepEqual(result, { instanceId: "i-0123456789abcdef0", result: "CONTINUE" });
      assert.deepEqual(vault, ["auth/aws/login", "auth/approle/role/ci-intel-runner/secret-id"]);
      assert.deepEqual(sent.map((s) => [s["client"], s["command"], s["input"]["Name"] ?? s["input"]["LifecycleActionResult"]]), [
        ["SSMClient", "PutParameterCommand", "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0"],
        ["AutoScalingClient", "CompleteLifecycleActionCommand", "CONTINUE"],
      ]);
    } finally {
      process.env = saved.env;
      globalThis.fetch = saved.fetch;
      console.log = saved.log;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** node_modules/@aws-sdk/{client-ssm,client-auto-scaling} stand-ins that record what is sent. */
function writeFakeSdk(folder: string) {
  const pkg = (name: string, classes: string[], client: string) => {
    const root = join(folder, "node_modules", "@aws-sdk", name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: `@aws-sdk/${name}`, type: "module", exports: "./index.js" }));
    writeFileSync(
      join(root, "index.js"),
      [
        `export class ${client} { async send(c) { globalThis.__fakeSdkSent.push({ client: ${JSON.stringify(client)}, command: c.constructor.name, input: c.input }); return {}; } }`,
        ...classes.map((c) => `export class ${c} { constructor(input) { this.input = input; } }`),
      ].join("\n"),
    );
  };
  pkg("client-ssm", ["PutParameterCommand", "DeleteParameterCommand"], "SSMClient");
  pkg("client-auto-scaling", ["CompleteLifecycleActionCommand"], "AutoScalingClient");
}
