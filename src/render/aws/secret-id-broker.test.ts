import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderSecretIdBrokerSource, SECRET_ID_BROKER_DEFAULTS, SECRET_ID_BROKER_FILE, secretIdBrokerSettings, type SecretIdBrokerSettings } from "./secret-id-broker.ts";
import { renderSecretIdBrokerEventPattern, runnerLifecycleHookNames } from "./secret-id-broker-names.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profileOf = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" }, ...over } as AwsRunnerProfileInput);

const dir = mkdtempSync(join(tmpdir(), "sid-broker-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
/** Writes the rendered module to its own folder and imports it. */
async function load(settings: SecretIdBrokerSettings, sdk = false): Promise<Obj> {
  const folder = join(dir, `m${++seq}`);
  mkdirSync(folder);
  if (sdk) writeFakeSdk(folder);
  const file = join(folder, SECRET_ID_BROKER_FILE);
  writeFileSync(file, renderSecretIdBrokerSource(settings));
  return (await import(pathToFileURL(file).href)) as Obj;
}

// ------------------------------------------------------------------ a fake Vault on 127.0.0.1

const WRAPPING_TOKEN = "hvs.WRAPPING-TOKEN-CANARY";
const VAULT_TOKEN = "hvs.BROKER-VAULT-TOKEN-CANARY";
interface VaultCall {
  path: string;
  headers: IncomingMessage["headers"];
  body: Obj;
}
const vaultCalls: VaultCall[] = [];
let vaultFails = 0;
let server: Server;
let vaultAddress = "";
before(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      const path = (req.url ?? "").replace(/^\/v1\//, "");
      vaultCalls.push({ path, headers: req.headers, body: JSON.parse(text || "{}") as Obj });
      res.setHeader("Content-Type", "application/json");
      if (vaultFails > 0) {
        vaultFails--;
        res.statusCode = 403;
        res.end(JSON.stringify({ errors: ["permission denied"] }));
      } else if (path === "auth/aws/login") res.end(JSON.stringify({ auth: { client_token: VAULT_TOKEN, policies: ["ci-intel-runner-sid-broker"] } }));
      else if (path === "auth/approle/role/ci-intel-runner/secret-id") res.end(JSON.stringify({ wrap_info: { token: WRAPPING_TOKEN, ttl: 300, creation_path: path } }));
      else {
        res.statusCode = 404;
        res.end(JSON.stringify({ errors: [] }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  vaultAddress = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

// ------------------------------------------------------------------ fake AWS clients

const CREDS = { accessKeyId: "ASIAEXAMPLEKEYID", secretAccessKey: "SECRET-ACCESS-KEY-CANARY", sessionToken: "SESSION-TOKEN-CANARY" };
function fakes(settings: SecretIdBrokerSettings, over: Obj = {}) {
  const events: string[] = [];
  const puts: Obj[] = [];
  const deletes: Obj[] = [];
  const completes: Obj[] = [];
  const logs: Obj[] = [];
  const sleeps: number[] = [];
  const deps = {
    settings,
    ssm: {
      putParameter: async (i: Obj) => { events.push("put"); puts.push(i); return { Version: 1 }; },
      deleteParameter: async (i: Obj) => { events.push("delete"); deletes.push(i); if (over["noParameter"]) throw Object.assign(new Error("not found"), { name: "ParameterNotFound" }); return {}; },
    },
    autoScaling: { completeLifecycleAction: async (i: Obj) => { events.push(`complete:${String(i["LifecycleActionResult"])}`); completes.push(i); return {}; } },
    fetch: (url: string, init: RequestInit) => fetch(url, init),
    credentials: () => CREDS,
    now: () => new Date("2026-03-01T12:00:00.000Z"),
    sleep: async (ms: number) => { sleeps.push(ms); },
    log: (r: Obj) => logs.push(r),
    ...over["deps"],
  };
  return { deps, events, puts, deletes, completes, logs, sleeps };
}

const event = (kind: "launch" | "terminate", detail: Obj = {}) => ({
  version: "0",
  id: "7e2d6d9a-0000-4000-8000-000000000000",
  "detail-type": kind === "launch" ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action",
  source: "aws.autoscaling",
  account: "123456789012",
  region: "eu-west-1",
  resources: ["arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0f0e-1:autoScalingGroupName/ci-intel-runner"],
  detail: {
    LifecycleActionToken: "87654321-4321-4321-4321-210987654321",
    AutoScalingGroupName: "ci-intel-runner",
    LifecycleHookName: kind === "launch" ? "ci-intel-runner-deliver-secret-id" : "ci-intel-runner-revoke-secret-id",
    EC2InstanceId: "i-0123456789abcdef0",
    LifecycleTransition: kind === "launch" ? "autoscaling:EC2_INSTANCE_LAUNCHING" : "autoscaling:EC2_INSTANCE_TERMINATING",
    ...detail,
  },
});

const b64json = (s: unknown) => JSON.parse(Buffer.from(String(s), "base64").toString("utf8")) as Obj;
const b64 = (s: unknown) => Buffer.from(String(s), "base64").toString("utf8");

describe("secret-id broker settings", () => {
  it("defaults: 300 s wraps, Vault's aws mount and STS defaults, the profile's AppRole path, prefix and hooks, the AWS-managed key", () => {
    const s = secretIdBrokerSettings(profileOf());
    assert.deepEqual(s, {
      vaultAddress: "https://vault.internal.example:8200",
      vaultAwsAuthMount: "aws",
      vaultAwsAuthRole: "ci-intel-runner-sid-broker",
      vaultIamServerId: "vault.internal.example",
      stsEndpoint: "https://sts.amazonaws.com/",
      stsRegion: "us-east-1",
      secretIdPath: "auth/approle/role/ci-intel-runner/secret-id",
      wrapTtlSeconds: SECRET_ID_BROKER_DEFAULTS.wrapTtlSeconds,
      parameterPrefix: "/ci-intel/runner/wrapped-secret-id",
      kmsKeyId: "",
      autoScalingGroupName: "ci-intel-runner",
      launchHookName: "ci-intel-runner-deliver-secret-id",
      terminateHookName: "ci-intel-runner-revoke-secret-id",
      attempts: 3,
      vaultTimeoutMs: 5000,
    });
    assert.equal(SECRET_ID_BROKER_DEFAULTS.wrapTtlSeconds, 300);
    assert.equal(secretIdBrokerSettings(profileOf({ ssm: { kmsKeyArn: KEY } })).kmsKeyId, KEY);
    assert.deepEqual(runnerLifecycleHookNames({ name: "x" }), { launch: "x-deliver-secret-id", terminate: "x-revoke-secret-id" });
  });

  it("the event pattern matches the group's two lifecycle hooks only", () => {
    assert.deepEqual(renderSecretIdBrokerEventPattern(profileOf()), {
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
      detail: { AutoScalingGroupName: ["ci-intel-runner"], LifecycleHookName: ["ci-intel-runner-deliver-secret-id", "ci-intel-runner-revoke-secret-id"] },
    });
  });
});

describe("secret-id broker source", () => {
  const settings = secretIdBrokerSettings(profileOf());
  const source = renderSecretIdBrokerSource(settings);

  it("is a JavaScript module node accepts (node --check)", () => {
    const file = join(dir, "check.mjs");
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("imports only the Node standard library and the AWS SDK clients the Lambda runtime ships", () => {
    const specifiers = [...source.matchAll(/(?:from\s+|import\()\s*"([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(specifiers, ["@aws-sdk/client-auto-scaling", "@aws-sdk/client-ssm", "node:crypto"]);
  });

  it("embeds its settings and no credential", async () => {
    const m = await load(settings);
    assert.deepEqual(m["SETTINGS"], settings);
    assert.ok(Object.isFrozen(m["SETTINGS"]));
    assert.doesNotMatch(source, /hvs\.|AKIA|ASIA|secret_id"\s*:/);
  });

  it("signs requests as AWS Signature Version 4 does (AWS's documented IAM ListUsers example)", async () => {
    const m = await load(settings);
    const headers = m["signV4"](
      { method: "POST", url: "https://iam.amazonaws.com/", headers: { "Content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "Action=ListUsers&Version=2010-05-08" },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      "us-east-1",
      "iam",
      new Date("2011-09-09T23:36:00Z"),
    ) as Obj;
    assert.equal(headers["Authorization"], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c");
    assert.equal(headers["X-Amz-Date"], "20110909T233600Z");
  });
});

describe("secret-id broker handler", () => {
  const local = () => ({ ...secretIdBrokerSettings(profileOf()), vaultAddress });

  it("launch: logs in with a signed GetCallerIdentity, writes the wrapping token as a SecureString, then continues", async () => {
    const settings = local();
    const m = await load(settings);
    const f = fakes(settings);
    vaultCalls.length = 0;
    assert.deepEqual(await m["handle"](event("launch"), f.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE" });

    assert.deepEqual(vaultCalls.map((c) => c.path), ["auth/aws/login", "auth/approle/role/ci-intel-runner/secret-id"]);
    const login = vaultCalls[0]!.body;
    assert.equal(login["role"], "ci-intel-runner-sid-broker");
    assert.equal(login["iam_http_request_method"], "POST");
    assert.equal(b64(login["iam_request_url"]), "https://sts.amazonaws.com/");
    assert.equal(b64(login["iam_request_body"]), "Action=GetCallerIdentity&Version=2011-06-15");
    const signed = b64json(login["iam_request_headers"]);
    assert.deepEqual(signed["X-Vault-AWS-IAM-Server-ID"], ["vault.internal.example"]);
    assert.deepEqual(signed["X-Amz-Date"], ["20260301T120000Z"]);
    assert.deepEqual(signed["X-Amz-Security-Token"], [CREDS.sessionToken]);
    assert.match(signed["Authorization"][0], /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEYID\/20260301\/us-east-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id, Signature=[0-9a-f]{64}$/);
    assert.equal(signed["Host"], undefined, "Vault takes the host from the URL");

    const issue = vaultCalls[1]!;
    assert.equal(issue.headers["x-vault-token"], VAULT_TOKEN);
    assert.equal(issue.headers["x-vault-wrap-ttl"], "300s");
    assert.deepEqual(JSON.parse(issue.body["metadata"] as string), { instance_id: "i-0123456789abcdef0", auto_scaling_group: "ci-intel-runner" });

    assert.deepEqual(f.events, ["put", "complete:CONTINUE"], "the parameter exists before the launch continues");
    assert.deepEqual(f.puts[0], {
      Name: "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0",
      Description: "Response-wrapped Vault secret id of runner i-0123456789abcdef0 (single use, 300 s)",
      Type: "SecureString",
      Value: WRAPPING_TOKEN,
      Overwrite: true,
      Tier: "Standard",
    });
    assert.deepEqual(f.completes[0], { AutoScalingGroupName: "ci-intel-runner", LifecycleHookName: "ci-intel-runner-deliver-secret-id", LifecycleActionToken: "87654321-4321-4321-4321-210987654321", InstanceId: "i-0123456789abcdef0", LifecycleActionResult: "CONTINUE" });
    const logged = JSON.stringify(f.logs);
    for (const secret of [WRAPPING_TOKEN, VAULT_TOKEN, CREDS.secretAccessKey, CREDS.sessionToken]) assert.ok(!logged.includes(secret), `${secret} was logged`);
  });

  it("launch with a customer-managed key encrypts the SecureString with it", async () => {
    const settings = { ...secretIdBrokerSettings(profileOf({ ssm: { kmsKeyArn: KEY } })), vaultAddress };
    const f = fakes(settings);
    await (await load(settings))["handle"](event("launch"), f.deps);
    assert.equal(f.puts[0]!["KeyId"], KEY);
  });

  it("launch: when Vault refuses every attempt, writes nothing and abandons the launch, saying why", async () => {
    const settings = local();
    const f = fakes(settings);
    vaultCalls.length = 0;
    vaultFails = 3;
    const r = (await (await load(settings))["handle"](event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "ABANDON");
    assert.match(r["reason"] as string, /Vault answered 403 to auth\/aws\/login: permission denied/);
    assert.equal(vaultCalls.length, 3, "three attempts");
    assert.deepEqual(f.sleeps, [1000, 2000]);
    assert.deepEqual(f.events, ["delete", "complete:ABANDON"]);
    assert.ok(f.logs.some((l) => l["level"] === "error" && /abandoning the launch/.test(l["message"] as string)));
  });

  it("launch: a transient Vault refusal is retried and the launch continues", async () => {
    const settings = local();
    const f = fakes(settings);
    vaultCalls.length = 0;
    vaultFails = 1;
    const r = (await (await load(settings))["handle"](event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "CONTINUE");
    assert.deepEqual(vaultCalls.map((c) => c.path), ["auth/aws/login", "auth/aws/login", "auth/approle/role/ci-intel-runner/secret-id"]);
    assert.deepEqual(f.events, ["put", "complete:CONTINUE"]);
  });

  it("launch: a Vault that cannot be reached is abandoned too", async () => {
    const settings = { ...local(), vaultAddress: "http://127.0.0.1:9" };
    const f = fakes(settings);
    const r = (await (await load(settings))["handle"](event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "ABANDON");
    assert.match(r["reason"] as string, /Vault did not answer auth\/aws\/login/);
  });

  it("termination: deletes the instance's parameter (absent is fine) and continues", async () => {
    const settings = local();
    const m = await load(settings);
    const f = fakes(settings);
    assert.deepEqual(await m["handle"](event("terminate"), f.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE", deleted: true });
    assert.deepEqual(f.deletes, [{ Name: "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0" }]);
    assert.deepEqual(f.completes.map((c) => [c["LifecycleHookName"], c["LifecycleActionResult"]]), [["ci-intel-runner-revoke-secret-id", "CONTINUE"]]);
    const gone = fakes(settings, { noParameter: true });
    assert.deepEqual(await m["handle"](event("terminate"), gone.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE", deleted: false });
  });

  it("ignores events of other groups, other hooks, other kinds and malformed instance ids, touching nothing", async () => {
    const settings = local();
    const m = await load(settings);
    for (const [e, why] of [
      [event("launch", { AutoScalingGroupName: "payments" }), /group payments is not ci-intel-runner/],
      [event("launch", { LifecycleHookName: "ci-intel-runner-revoke-secret-id" }), /hook .* is not ci-intel-runner-deliver-secret-id/],
      [event("launch", { EC2InstanceId: "i-0123/../../role-id" }), /no valid instance id/],
      [{ ...event("launch"), "detail-type": "EC2 Instance Launch Successful" }, /not a lifecycle action/],
      [{ ...event("launch"), source: "aws.ec2" }, /not an Auto Scaling event/],
    ] as const) {
      const f = fakes(settings);
      vaultCalls.length = 0;
      const r = (await m["handle"](e, f.deps)) as Obj;
      assert.match(r["ignored"] as string, why);
      assert.deepEqual([f.events, vaultCalls.length], [[], 0]);
    }
  });

  it("the Lambda entry point wires the runtime's AWS SDK clients, fetch and the environment's credentials", async () => {
    const settings = local();
    const m = await load(settings, true);
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_SESSION_TOKEN: CREDS.sessionToken });
    const sent = ((globalThis as Obj)["__fakeSdkSent"] = [] as Obj[]);
    const log = console.log;
    console.log = () => undefined;
    try {
      vaultCalls.length = 0;
      assert.deepEqual(await m["handler"](event("launch"), { functionName: "ci-intel-runner-sid-broker" }), { instanceId: "i-0123456789abcdef0", result: "CONTINUE" });
    } finally {
      console.log = log;
      process.env = saved;
    }
    assert.deepEqual(sent.map((s) => [s["client"], s["command"], s["input"]["Name"] ?? s["input"]["LifecycleActionResult"]]), [
      ["SSMClient", "PutParameterCommand", "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0"],
      ["AutoScalingClient", "CompleteLifecycleActionCommand", "CONTINUE"],
    ]);
    assert.match(b64json(vaultCalls[0]!.body["iam_request_headers"])["Authorization"][0], /Credential=ASIAEXAMPLEKEYID\//);
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
