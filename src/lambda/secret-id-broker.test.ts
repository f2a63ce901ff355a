// Unit tests of the secret-id broker's handler: every client, fetch, the credentials and the clock
// injected; Vault is a fake fetch, no socket is opened.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../model/aws-runner.ts";
import { renderSecretIdBrokerSettingsFile, SECRET_ID_BROKER_SETTINGS_FILE, secretIdBrokerSettings } from "../render/aws/secret-id-broker.ts";
import { AWS_SDK_PACKAGES, type BrokerDeps, type BrokerFetch, handle, loadSettings, SETTINGS_FILE, type SecretIdBrokerSettings, signV4, vaultIamLoginBody } from "./secret-id-broker.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const profileOf = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" }, ...over } as AwsRunnerProfileInput);
const SETTINGS = secretIdBrokerSettings(profileOf());

const WRAPPING_TOKEN = "hvs.WRAPPING-TOKEN-CANARY";
const VAULT_TOKEN = "hvs.BROKER-VAULT-TOKEN-CANARY";
const CREDS = { accessKeyId: "ASIAEXAMPLEKEYID", secretAccessKey: "SECRET-ACCESS-KEY-CANARY", sessionToken: "SESSION-TOKEN-CANARY" };

interface VaultCall {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: Obj;
  signal: AbortSignal;
}

/** A fake Vault behind `fetch`: `fails` answers 403 first; `unreachable` throws as fetch does when nothing answers. */
function fakeVault(options: { fails?: number; unreachable?: boolean; login?: Obj; wrapped?: Obj; text?: string } = {}) {
  const calls: VaultCall[] = [];
  let fails = options.fails ?? 0;
  const fetch: BrokerFetch = async (url, init) => {
    const path = url.replace(`${SETTINGS.vaultAddress}/v1/`, "");
    calls.push({ url, path, headers: init.headers, body: JSON.parse(init.body) as Obj, signal: init.signal });
    if (options.unreachable) throw Object.assign(new Error("connect ECONNREFUSED"), { name: "TypeError" });
    const answer = (status: number, body: unknown) => ({ ok: status < 300, status, text: async () => options.text ?? JSON.stringify(body) });
    if (fails > 0) {
      fails--;
      return answer(403, { errors: ["permission denied"] });
    }
    if (path === "auth/aws/login") return answer(200, options.login ?? { auth: { client_token: VAULT_TOKEN, policies: ["ci-intel-runner-sid-broker"] } });
    if (path === "auth/approle/role/ci-intel-runner/secret-id") return answer(200, options.wrapped ?? { wrap_info: { token: WRAPPING_TOKEN, ttl: 300, creation_path: path } });
    return answer(404, { errors: [] });
  };
  return { fetch, calls };
}

/** Recording SSM and Auto Scaling clients, and the rest of the dependencies. */
function fakes(settings: SecretIdBrokerSettings = SETTINGS, over: { noParameter?: boolean; putFails?: number; exists?: boolean; abandonFails?: boolean; vault?: ReturnType<typeof fakeVault>; credentials?: BrokerDeps["credentials"] } = {}) {
  const events: string[] = [];
  const puts: Obj[] = [];
  const deletes: Obj[] = [];
  const completes: Obj[] = [];
  const logs: Obj[] = [];
  const sleeps: number[] = [];
  let putFails = over.putFails ?? 0;
  let exists = over.exists ?? false;
  const vault = over.vault ?? fakeVault();
  const deps: BrokerDeps = {
    settings,
    ssm: {
      putParameter: async (i) => {
        events.push("put");
        puts.push(i);
        if (putFails-- > 0) throw Object.assign(new Error("rate exceeded"), { name: "ThrottlingException" });
        if (exists) throw Object.assign(new Error("exists"), { name: "ParameterAlreadyExists" });
        return { Version: 1 };
      },
      deleteParameter: async (i) => {
        events.push("delete");
        deletes.push(i);
        exists = false;
        if (over.noParameter) throw Object.assign(new Error("not found"), { name: "ParameterNotFound" });
        return {};
      },
    },
    autoScaling: {
      completeLifecycleAction: async (i) => {
        events.push(`complete:${i.LifecycleActionResult}`);
        completes.push(i);
        if (over.abandonFails && i.LifecycleActionResult === "ABANDON") throw Object.assign(new Error("no such action"), { name: "ValidationError" });
        return {};
      },
    },
    fetch: vault.fetch,
    credentials: over.credentials ?? (() => CREDS),
    now: () => new Date("2026-03-01T12:00:00.000Z"),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (r) => logs.push(r),
  };
  return { deps, vault, events, puts, deletes, completes, logs, sleeps };
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
const neverLogged = (logs: Obj[]) => {
  const logged = JSON.stringify(logs);
  for (const secret of [WRAPPING_TOKEN, VAULT_TOKEN, CREDS.secretAccessKey, CREDS.sessionToken]) assert.ok(!logged.includes(secret), `${secret} was logged`);
};

describe("secret-id broker: signing", () => {
  it("signs requests as AWS Signature Version 4 does (AWS's documented IAM ListUsers example)", () => {
    const headers = signV4(
      { method: "POST", url: "https://iam.amazonaws.com/", headers: { "Content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: "Action=ListUsers&Version=2010-05-08" },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      "us-east-1",
      "iam",
      new Date("2011-09-09T23:36:00Z"),
    );
    assert.equal(headers["Authorization"], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c");
    assert.equal(headers["X-Amz-Date"], "20110909T233600Z");
  });

  it("refuses to log in without credentials, saying so without quoting anything", () => {
    assert.throws(() => vaultIamLoginBody(SETTINGS, undefined, new Date()), { name: "BrokerError", message: "no AWS credentials in the environment" });
    assert.throws(() => vaultIamLoginBody(SETTINGS, { accessKeyId: "ASIAX" }, new Date()), /no AWS credentials/);
  });

  it("sends no server-id header when none is configured", () => {
    const body = vaultIamLoginBody({ ...SETTINGS, vaultIamServerId: "" }, CREDS, new Date("2026-03-01T12:00:00Z"));
    assert.equal(b64json(body["iam_request_headers"])["X-Vault-AWS-IAM-Server-ID"], undefined);
  });
});

describe("secret-id broker: launch", () => {
  it("logs in with a signed GetCallerIdentity, writes the wrapping token as a SecureString, then continues", async () => {
    const f = fakes();
    assert.deepEqual(await handle(event("launch"), f.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE" });

    assert.deepEqual(f.vault.calls.map((c) => c.url), ["https://vault.internal.example:8200/v1/auth/aws/login", "https://vault.internal.example:8200/v1/auth/approle/role/ci-intel-runner/secret-id"]);
    const login = f.vault.calls[0]!.body;
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
    assert.equal(f.vault.calls[0]!.headers["X-Vault-Token"], undefined, "the login carries no token");
    assert.ok(f.vault.calls.every((c) => c.signal instanceof AbortSignal), "every Vault request has a timeout");

    const issue = f.vault.calls[1]!;
    assert.equal(issue.headers["X-Vault-Token"], VAULT_TOKEN);
    assert.equal(issue.headers["X-Vault-Wrap-TTL"], "300s");
    assert.equal(issue.headers["Content-Type"], "application/json");
    assert.deepEqual(JSON.parse(issue.body["metadata"] as string), { instance_id: "i-0123456789abcdef0", auto_scaling_group: "ci-intel-runner" });

    assert.deepEqual(f.events, ["put", "complete:CONTINUE"], "the parameter exists before the launch continues");
    assert.deepEqual(f.puts[0], {
      Name: "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0",
      Description: "Response-wrapped Vault secret id of runner i-0123456789abcdef0 (single use, 300 s)",
      Type: "SecureString",
      Value: WRAPPING_TOKEN,
      Tier: "Standard",
      Tags: [{ Key: "runner-fleet:instance-arn", Value: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0" }],
    });
    assert.deepEqual(f.completes[0], { AutoScalingGroupName: "ci-intel-runner", LifecycleHookName: "ci-intel-runner-deliver-secret-id", LifecycleActionToken: "87654321-4321-4321-4321-210987654321", InstanceId: "i-0123456789abcdef0", LifecycleActionResult: "CONTINUE" });
    assert.deepEqual(f.logs, [{ level: "info", instanceId: "i-0123456789abcdef0", message: "delivered a wrapped secret id to /ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0" }]);
    neverLogged(f.logs);
  });

  it("encrypts the SecureString with the profile's customer-managed key", async () => {
    const f = fakes(secretIdBrokerSettings(profileOf({ ssm: { kmsKeyArn: KEY } })));
    await handle(event("launch"), f.deps);
    assert.equal(f.puts[0]!["KeyId"], KEY);
  });

  it("awaits asynchronous credentials", async () => {
    const f = fakes(SETTINGS, { credentials: async () => CREDS });
    assert.equal(((await handle(event("launch"), f.deps)) as Obj)["result"], "CONTINUE");
  });

  it("when Vault refuses every attempt, writes nothing and abandons the launch, saying why", async () => {
    const f = fakes(SETTINGS, { vault: fakeVault({ fails: 3 }) });
    const r = (await handle(event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "ABANDON");
    assert.equal(r["reason"], "BrokerError: Vault answered 403 to auth/aws/login: permission denied");
    assert.equal(f.vault.calls.length, 3, "three attempts");
    assert.deepEqual(f.sleeps, [1000, 2000]);
    assert.deepEqual(f.events, ["delete", "complete:ABANDON"]);
    assert.deepEqual(f.logs.map((l) => l["level"]), ["warn", "warn", "error"]);
    assert.match(f.logs[0]!["message"] as string, /^requesting a wrapped secret id failed \(attempt 1 of 3\): Vault answered 403/);
    assert.match(f.logs[2]!["message"] as string, /^abandoning the launch: BrokerError: Vault answered 403/);
    neverLogged(f.logs);
  });

  it("retries a transient Vault refusal and continues", async () => {
    const f = fakes(SETTINGS, { vault: fakeVault({ fails: 1 }) });
    assert.equal(((await handle(event("launch"), f.deps)) as Obj)["result"], "CONTINUE");
    assert.deepEqual(f.vault.calls.map((c) => c.path), ["auth/aws/login", "auth/aws/login", "auth/approle/role/ci-intel-runner/secret-id"]);
    assert.deepEqual(f.events, ["put", "complete:CONTINUE"]);
  });

  it("abandons when Vault cannot be reached, naming the error", async () => {
    const f = fakes(SETTINGS, { vault: fakeVault({ unreachable: true }) });
    const r = (await handle(event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "ABANDON");
    assert.equal(r["reason"], "BrokerError: Vault did not answer auth/aws/login: TypeError connect ECONNREFUSED");
  });

  it("abandons when Vault's answers hold no token, and never quotes a non-JSON body", async () => {
    for (const [vault, reason] of [
      [fakeVault({ login: { auth: {} } }), "Vault's login answer holds no client token"],
      [fakeVault({ wrapped: { data: { secret_id: "plain" } } }), "Vault did not wrap the secret id (no wrap_info.token in its answer)"],
      [fakeVault({ text: "<html>SECRET-BODY</html>" }), "Vault's answer to auth/aws/login is not JSON"],
      [fakeVault({ fails: 3, text: "SECRET-BODY" }), "Vault answered 403 to auth/aws/login: no error message"],
    ] as const) {
      const f = fakes(SETTINGS, { vault });
      const r = (await handle(event("launch"), f.deps)) as Obj;
      assert.deepEqual([r["result"], r["reason"]], ["ABANDON", `BrokerError: ${reason}`]);
      assert.ok(!JSON.stringify(f.logs).includes("SECRET-BODY") && !JSON.stringify(f.logs).includes("plain"));
    }
  });

  it("retries a failed write, and when every write fails deletes what may be there and abandons", async () => {
    const once = fakes(SETTINGS, { putFails: 1 });
    assert.equal(((await handle(event("launch"), once.deps)) as Obj)["result"], "CONTINUE");
    assert.deepEqual(once.events, ["put", "put", "complete:CONTINUE"]);
    const always = fakes(SETTINGS, { putFails: 3, noParameter: true });
    const r = (await handle(event("launch"), always.deps)) as Obj;
    assert.deepEqual([r["result"], r["reason"]], ["ABANDON", "ThrottlingException: rate exceeded"]);
    assert.deepEqual(always.events, ["put", "put", "put", "delete", "complete:ABANDON"]);
    neverLogged(always.logs);
  });

  it("tags cannot be written over an existing parameter: it is deleted and written anew", async () => {
    const f = fakes(SETTINGS, { exists: true });
    assert.equal(((await handle(event("launch"), f.deps)) as Obj)["result"], "CONTINUE");
    assert.deepEqual(f.events, ["put", "delete", "put", "complete:CONTINUE"]);
    assert.ok(f.puts.every((p) => !("Overwrite" in p)));
  });

  it("logs a failed ABANDON and leaves the rest to the hook's default result", async () => {
    const f = fakes(SETTINGS, { vault: fakeVault({ fails: 3 }), abandonFails: true });
    const r = (await handle(event("launch"), f.deps)) as Obj;
    assert.equal(r["result"], "ABANDON");
    assert.match(f.logs.at(-1)!["message"] as string, /^could not abandon the launch: ValidationError no such action$/);
  });
});


const JIT_SETTINGS = secretIdBrokerSettings(profileOf({ jitConfigMintedBy: "broker" }));
const GITHUB_TOKEN = "ghs_GITHUB-APP-TOKEN-CANARY";
const JIT = "ENCODED-JIT-CONFIG-CANARY";

/** Vault (login, github/token) and GitHub (generate-jitconfig) behind one fake fetch. */
function fakeVaultAndGithub(github: { status: number; body: string }) {
  const calls: { url: string; headers: Record<string, string>; body: Obj }[] = [];
  const fetch: BrokerFetch = async (url, init) => {
    calls.push({ url, headers: init.headers, body: JSON.parse(init.body) as Obj });
    const answer = (status: number, text: string) => ({ ok: status < 300, status, text: async () => text });
    if (url.endsWith("/v1/auth/aws/login")) return answer(200, JSON.stringify({ auth: { client_token: VAULT_TOKEN } }));
    if (url.endsWith("/v1/github/token")) return answer(200, JSON.stringify({ data: { token: GITHUB_TOKEN } }));
    if (url.endsWith("/actions/runners/generate-jitconfig")) return answer(github.status, github.body);
    return answer(404, "{}");
  };
  return { fetch, calls };
}

describe("secret-id broker: minting JIT configurations (jitConfigMintedBy: broker)", () => {
  it("mints the instance's JIT configuration with a GitHub App token from Vault and writes it, tagged, to its own parameter", async () => {
    const net = fakeVaultAndGithub({ status: 201, body: JSON.stringify({ runner: { id: 7 }, encoded_jit_config: JIT }) });
    const f = fakes(JIT_SETTINGS, { vault: net as unknown as ReturnType<typeof fakeVault> });
    assert.deepEqual(await handle(event("launch"), f.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE" });
    assert.deepEqual(net.calls.map((c) => c.url), ["https://vault.internal.example:8200/v1/auth/aws/login", "https://vault.internal.example:8200/v1/github/token", "https://api.github.com/orgs/acme/actions/runners/generate-jitconfig"]);
    assert.equal(net.calls[1]!.headers["X-Vault-Token"], VAULT_TOKEN);
    assert.equal(net.calls[2]!.headers["Authorization"], `Bearer ${GITHUB_TOKEN}`);
    assert.deepEqual(net.calls[2]!.body, { name: "i-0123456789abcdef0", runner_group_id: 1, labels: ["self-hosted", "build-fips", "linux"], work_folder: "_work" });
    assert.deepEqual(f.puts[0], {
      Name: "/ci-intel/runner/jit-config/i-0123456789abcdef0",
      Description: "JIT configuration of runner i-0123456789abcdef0 (one job)",
      Type: "SecureString",
      Value: JIT,
      Tier: "Intelligent-Tiering",
      Tags: [{ Key: "runner-fleet:instance-arn", Value: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0" }],
    });
    assert.ok(!net.calls.some((c) => c.url.includes("secret-id")), "no secret id is issued");
    for (const secret of [GITHUB_TOKEN, JIT, VAULT_TOKEN]) assert.ok(!JSON.stringify(f.logs).includes(secret), `${secret} was logged`);
  });

  it("GitHub refusing is final: no retry, nothing written, the launch abandoned with GitHub's status and message", async () => {
    const net = fakeVaultAndGithub({ status: 422, body: JSON.stringify({ message: "Validation Failed: runner group 7 does not exist" }) });
    const f = fakes(JIT_SETTINGS, { vault: net as unknown as ReturnType<typeof fakeVault> });
    const r = (await handle(event("launch"), f.deps)) as Obj;
    assert.deepEqual([r["result"], r["reason"]], ["ABANDON", "BrokerError: GitHub answered 422 to generate-jitconfig: Validation Failed: runner group 7 does not exist"]);
    assert.equal(net.calls.filter((c) => c.url.endsWith("generate-jitconfig")).length, 1);
    assert.deepEqual(f.puts, []);
    assert.ok(!JSON.stringify(f.logs).includes(GITHUB_TOKEN));
  });

  it("deletes the instance's JIT configuration on termination", async () => {
    const f = fakes(JIT_SETTINGS);
    await handle(event("terminate"), f.deps);
    assert.deepEqual(f.deletes, [{ Name: "/ci-intel/runner/jit-config/i-0123456789abcdef0" }]);
  });
});

describe("secret-id broker: termination and foreign events", () => {
  it("deletes the instance's parameter (absent is fine) and continues", async () => {
    const f = fakes();
    assert.deepEqual(await handle(event("terminate"), f.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE", deleted: true });
    assert.deepEqual(f.deletes, [{ Name: "/ci-intel/runner/wrapped-secret-id/i-0123456789abcdef0" }]);
    assert.deepEqual(f.completes.map((c) => [c["LifecycleHookName"], c["LifecycleActionResult"]]), [["ci-intel-runner-revoke-secret-id", "CONTINUE"]]);
    assert.deepEqual(f.vault.calls, [], "termination never talks to Vault");
    const gone = fakes(SETTINGS, { noParameter: true });
    assert.deepEqual(await handle(event("terminate"), gone.deps), { instanceId: "i-0123456789abcdef0", result: "CONTINUE", deleted: false });
    assert.match(gone.logs[0]!["message"] as string, /^termination: nothing to delete at /);
  });

  it("ignores events of other groups, other hooks, other kinds and malformed instance ids, touching nothing", async () => {
    for (const [e, why] of [
      [event("launch", { AutoScalingGroupName: "payments" }), "group payments is not ci-intel-runner"],
      [event("launch", { LifecycleHookName: "ci-intel-runner-revoke-secret-id" }), "hook ci-intel-runner-revoke-secret-id is not ci-intel-runner-deliver-secret-id"],
      [event("launch", { EC2InstanceId: "i-0123/../../role-id" }), "no valid instance id"],
      [event("launch", { LifecycleActionToken: "" }), "no lifecycle action token"],
      [{ ...event("launch"), account: "x" }, "no valid region or account"],
      [{ ...event("launch"), "detail-type": "EC2 Instance Launch Successful" }, "not a lifecycle action: EC2 Instance Launch Successful"],
      [{ ...event("launch"), source: "aws.ec2" }, "not an Auto Scaling event"],
      [null, "not an Auto Scaling event"],
    ] as const) {
      const f = fakes();
      assert.deepEqual(await handle(e, f.deps), { ignored: why });
      assert.deepEqual([f.events, f.vault.calls.length], [[], 0]);
      assert.deepEqual(f.logs, [{ level: "warn", message: `ignored event: ${why}` }]);
    }
  });
});

describe("secret-id broker: settings and entry point", () => {
  it("reads its frozen settings from settings.json beside the module, as the component writes it", async () => {
    assert.equal(SETTINGS_FILE, SECRET_ID_BROKER_SETTINGS_FILE);
    const dir = mkdtempSync(join(tmpdir(), "sid-settings-"));
    try {
      const file = join(dir, SETTINGS_FILE);
      writeFileSync(file, renderSecretIdBrokerSettingsFile(SETTINGS));
      const read = await loadSettings(pathToFileURL(file));
      assert.deepEqual(read, SETTINGS);
      assert.ok(Object.isFrozen(read));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads the AWS SDK the Lambda runtime ships, by these two package names only", () => {
    assert.deepEqual(Object.values(AWS_SDK_PACKAGES).sort(), ["@aws-sdk/client-auto-scaling", "@aws-sdk/client-ssm"]);
  });
});
