/**
 * The secret-id broker of the runners: an AWS Lambda function (Node.js 22, ES module) that answers
 * the runner group's lifecycle hooks, delivered by EventBridge.
 * - Launch: log in to Vault with AWS IAM auth (a `sts:GetCallerIdentity` request signed with the
 *   function's own role, which Vault replays), request one AppRole secret id response-wrapped
 *   (`X-Vault-Wrap-TTL`) — or, with `jitConfig` set, a GitHub App installation token from Vault and
 *   with it the instance's JIT runner configuration (`generate-jitconfig`) — write it to the
 *   SecureString `<prefix>/<instance-id>` tagged with the instance's ARN (the only instance whose
 *   role may read it), then `CompleteLifecycleAction` `CONTINUE`. Any failure after a few attempts
 *   (GitHub refusing is final at once): delete what was written and `ABANDON`.
 * - Termination: delete `<prefix>/<instance-id>` and `CONTINUE`.
 * No token is ever logged; the parameter's value is the only credential written anywhere.
 *
 * Shipped to Lambda as compiled (`index.mjs`, settings beside it as `settings.json`): it imports
 * nothing of runner-fleet and no Pulumi package (a lint rule keeps it so), only the Node standard
 * library and the runtime's AWS SDK v3 clients, loaded only when the real handler runs.
 * `handle(event, deps)` takes every client, `fetch`, the credentials, the clock and the settings;
 * `handler(event)` (`index.handler`) supplies the real ones.
 */
import { createHash, createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";

/** What the function runs with (no secret: names, addresses and limits only); `settings.json` in the archive. */
export interface SecretIdBrokerSettings {
  readonly vaultAddress: string; // Vault's address, without a trailing slash.
  readonly vaultAwsAuthMount: string; // Mount path of Vault's AWS auth method.
  readonly vaultAwsAuthRole: string; // The Vault AWS auth role the function logs in as.
  readonly vaultIamServerId: string; // Value of the `X-Vault-AWS-IAM-Server-ID` header signed into the login request; "" sends none.
  readonly stsEndpoint: string; // The STS endpoint the login request is signed for (Vault's `sts_endpoint`).
  readonly stsRegion: string; // The region the login request is signed for (Vault's `sts_region`).
  readonly secretIdPath: string; // Vault path that issues one AppRole secret id.
  readonly wrapTtlSeconds: number; // Lifetime of the wrapping token, seconds.
  readonly parameterPrefix: string; // SSM prefix of the per-instance SecureStrings (`<prefix>/<instance-id>`) holding wrapped secret ids.
  readonly instanceParameterTag: string; // Tag key of every per-instance parameter; its value is the instance's ARN.
  readonly jitConfig: JitConfigSettings | null; // When set, deliver a JIT runner configuration instead of a wrapped secret id.
  readonly kmsKeyId: string; // Customer-managed KMS key of the SecureStrings; "" uses the AWS-managed `alias/aws/ssm`.
  readonly autoScalingGroupName: string; // The only Auto Scaling group whose events the function acts on.
  readonly launchHookName: string; readonly terminateHookName: string;
  readonly attempts: number; // Attempts at the Vault exchange and the SSM write before a launch is abandoned.
  readonly vaultTimeoutMs: number; // Timeout of one Vault request, milliseconds.
}

/** What the broker mints a JIT configuration with (`jitConfigMintedBy: broker`). */
export interface JitConfigSettings {
  readonly parameterPrefix: string; // SSM prefix of the per-instance SecureStrings holding JIT configurations.
  readonly githubTokenPath: string; // Vault path that mints a GitHub App installation token.
  readonly url: string; // `POST` here mints one (`.../actions/runners/generate-jitconfig`).
  readonly runnerGroupId: number; readonly labels: readonly string[];
}

/** The settings file's name, beside the module. */
export const SETTINGS_FILE = "settings.json";

/** AWS credentials (the function's role, from the environment Lambda sets). */
export interface AwsCredentials { readonly accessKeyId?: string | undefined; readonly secretAccessKey?: string | undefined; readonly sessionToken?: string | undefined }

export interface SignableRequest { readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string }

export interface PutParameterInput {
  readonly Name: string; readonly Description: string; readonly Type: "SecureString"; readonly Value: string;
  readonly Tier: "Standard" | "Intelligent-Tiering"; // A JIT configuration may outgrow a Standard parameter's 4 KB.
  readonly Tags: readonly { readonly Key: string; readonly Value: string }[]; // Tags cannot be written with Overwrite: an existing parameter is deleted first.
  readonly KeyId?: string;
}

export interface CompleteLifecycleActionInput { readonly AutoScalingGroupName: string; readonly LifecycleHookName: string; readonly LifecycleActionToken: string; readonly InstanceId: string; readonly LifecycleActionResult: "CONTINUE" | "ABANDON" }
/** The part of `fetch` the broker uses (Vault, and GitHub with `jitConfig`). */
export type BrokerFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ readonly ok: boolean; readonly status: number; text(): Promise<string> }>;
export interface BrokerLogRecord { readonly level: "info" | "warn" | "error"; readonly instanceId?: string; readonly message: string }

/** Everything the handler talks to, injected. */
export interface BrokerDeps {
  readonly settings: SecretIdBrokerSettings;
  readonly ssm: { putParameter(input: PutParameterInput): Promise<unknown>; deleteParameter(input: { readonly Name: string }): Promise<unknown> };
  readonly autoScaling: { completeLifecycleAction(input: CompleteLifecycleActionInput): Promise<unknown> };
  readonly fetch: BrokerFetch;
  readonly credentials: () => AwsCredentials | undefined | Promise<AwsCredentials | undefined>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (record: BrokerLogRecord) => void;
}

/** What one event came to. */
export type BrokerResult =
  | { readonly ignored: string }
  | { readonly instanceId: string; readonly result: "CONTINUE"; readonly deleted?: boolean }
  | { readonly instanceId: string; readonly result: "ABANDON"; readonly reason: string };

const LAUNCH = "EC2 Instance-launch Lifecycle Action";
const TERMINATE = "EC2 Instance-terminate Lifecycle Action";
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** The AWS SDK v3 packages of the Lambda runtime (not dependencies of runner-fleet). */
export const AWS_SDK_PACKAGES = { ssm: "@aws-sdk/client-ssm", autoScaling: "@aws-sdk/client-auto-scaling" } as const;

class BrokerError extends Error {
  readonly final: boolean; // another attempt cannot help (GitHub refused)
  constructor(message: string, final = false) {
    super(message);
    this.name = "BrokerError";
    this.final = final;
  }
}

/** `e.name` / `e.message` of anything thrown, as `e && e.name` reads it. */
const field = (e: unknown, key: "name" | "message"): unknown => (e !== null && typeof e === "object" ? (e as Record<string, unknown>)[key] : e ? undefined : e);
const describe = (e: unknown): string => `${String(field(e, "name"))} ${String(field(e, "message"))}`;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * AWS Signature Version 4 of one request. Returns the request's headers plus Host, X-Amz-Date,
 * X-Amz-Security-Token (temporary credentials) and Authorization; every header is signed.
 */
export function signV4(request: SignableRequest, credentials: AwsCredentials, region: string, service: string, now: Date): Record<string, string> {
  const url = new URL(request.url);
  const amzDate = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, Host: url.host, "X-Amz-Date": amzDate };
  if (credentials.sessionToken) headers["X-Amz-Security-Token"] = credentials.sessionToken;
  const canonical = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), String(v).trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([k]) => k).join(";");
  const query = [...url.searchParams].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join("&");
  const canonicalRequest = [request.method, url.pathname || "/", query, canonical.map(([k, v]) => `${k}:${v}\n`).join(""), signedHeaders, sha256Hex(request.body)].join("\n");
  const scope = [day, region, service, "aws4_request"].join("/");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = ["aws4_request", service, region, day].reduceRight<string | Buffer>((k, part) => hmac(k, part), `AWS4${credentials.secretAccessKey ?? ""}`);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers["Authorization"] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId ?? ""}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** Body of Vault's `auth/<mount>/login` for the IAM method: a signed sts:GetCallerIdentity that Vault sends on. */
export function vaultIamLoginBody(settings: SecretIdBrokerSettings, credentials: AwsCredentials | undefined, now: Date): Record<string, string> {
  if (!credentials || !credentials.accessKeyId || !credentials.secretAccessKey) throw new BrokerError("no AWS credentials in the environment");
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" };
  if (settings.vaultIamServerId) headers["X-Vault-AWS-IAM-Server-ID"] = settings.vaultIamServerId;
  const signed = signV4({ method: "POST", url: settings.stsEndpoint, headers, body: STS_BODY }, credentials, settings.stsRegion, "sts", now);
  // Vault rebuilds the request from the URL and these headers (Go style: a list per name); the host comes from the URL.
  const goHeaders = Object.fromEntries(Object.entries(signed).filter(([k]) => k !== "Host").map(([k, v]) => [k, [v]]));
  return {
    role: settings.vaultAwsAuthRole,
    iam_http_request_method: "POST",
    iam_request_url: base64(settings.stsEndpoint),
    iam_request_body: base64(STS_BODY),
    iam_request_headers: base64(JSON.stringify(goHeaders)),
  };
}

/** Vault's own error messages (never a token), shortened. */
function vaultErrors(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const errors = isRecord(parsed) ? parsed["errors"] : undefined;
    if (Array.isArray(errors) && errors.length > 0) return errors.join("; ").slice(0, 300);
  } catch {
    // not JSON: say nothing about the body
  }
  return "no error message";
}

/** GitHub's own error message (never a token), shortened. */
function githubMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed["message"] === "string") return parsed["message"].replace(/\s+/g, " ").slice(0, 300);
  } catch {
    // not JSON: say nothing about the body
  }
  return "no error message";
}

/** POSTs JSON to Vault (`path`) or GitHub (`github`: the URL, named by its last segment) and returns the parsed answer. */
async function post(deps: BrokerDeps, path: string, body: unknown, headers: Record<string, string>, github?: string): Promise<unknown> {
  const { settings } = deps;
  const [who, what] = github === undefined ? ["Vault", path] : ["GitHub", github.slice(github.lastIndexOf("/") + 1)];
  let response: Awaited<ReturnType<BrokerFetch>>;
  try {
    response = await deps.fetch(github ?? `${settings.vaultAddress}/v1/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(settings.vaultTimeoutMs),
    });
  } catch (e) {
    throw new BrokerError(`${who} did not answer ${what}: ${describe(e)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw github === undefined ? new BrokerError(`Vault answered ${response.status} to ${path}: ${vaultErrors(text)}`) : new BrokerError(`GitHub answered ${response.status} to ${what}: ${githubMessage(text)}`, response.status < 500);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BrokerError(`${who}'s answer to ${what} is not JSON`);
  }
}

/** `value.a.b...` when each step is an object, else undefined. */
function dig(value: unknown, ...keys: string[]): unknown {
  let v = value;
  for (const k of keys) v = isRecord(v) ? v[k] : undefined;
  return v;
}

/** Logs in to Vault with AWS IAM auth; returns the client token. */
async function vaultLogin(deps: BrokerDeps): Promise<string> {
  const { settings } = deps;
  const login = await post(deps, `auth/${settings.vaultAwsAuthMount}/login`, vaultIamLoginBody(settings, await deps.credentials(), deps.now()), {});
  const vaultToken = dig(login, "auth", "client_token");
  if (typeof vaultToken !== "string" || vaultToken === "") throw new BrokerError("Vault's login answer holds no client token");
  return vaultToken;
}

/** A GitHub App installation token from Vault, then the instance's JIT runner configuration. */
export async function mintJitConfig(deps: BrokerDeps, jit: JitConfigSettings, instanceId: string): Promise<string> {
  const minted = await post(deps, jit.githubTokenPath, {}, { "X-Vault-Token": await vaultLogin(deps) });
  const token = dig(minted, "data", "token");
  if (typeof token !== "string" || token === "") throw new BrokerError(`Vault's answer to ${jit.githubTokenPath} holds no token`);
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" };
  const answer = await post(deps, "", { name: instanceId, runner_group_id: jit.runnerGroupId, labels: jit.labels, work_folder: "_work" }, headers, jit.url);
  const config = dig(answer, "encoded_jit_config");
  if (typeof config !== "string" || config === "") throw new BrokerError("GitHub's answer holds no encoded_jit_config");
  return config;
}

/** Logs in with AWS IAM auth and returns a response-wrapped secret id's wrapping token. */
export async function issueWrappedSecretId(deps: BrokerDeps, instanceId: string): Promise<string> {
  const { settings } = deps;
  const vaultToken = await vaultLogin(deps);
  const metadata = JSON.stringify({ instance_id: instanceId, auto_scaling_group: settings.autoScalingGroupName });
  const wrapped = await post(deps, settings.secretIdPath, { metadata }, { "X-Vault-Token": vaultToken, "X-Vault-Wrap-TTL": `${settings.wrapTtlSeconds}s` });
  const token = dig(wrapped, "wrap_info", "token");
  if (typeof token !== "string" || token === "") throw new BrokerError("Vault did not wrap the secret id (no wrap_info.token in its answer)");
  return token;
}

async function attempt<T>(deps: BrokerDeps, what: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= deps.settings.attempts || (e instanceof BrokerError && e.final)) throw e;
      deps.log({ level: "warn", message: `${what} failed (attempt ${i} of ${deps.settings.attempts}): ${String(field(e, "message"))}` });
      await deps.sleep(1000 * i);
    }
  }
}

async function deleteParameter(deps: BrokerDeps, name: string): Promise<boolean> {
  try {
    await deps.ssm.deleteParameter({ Name: name });
    return true;
  } catch (e) {
    if (field(e, "name") === "ParameterNotFound") return false;
    throw e;
  }
}

/** A lifecycle action of the broker's group and hooks, as EventBridge delivers it. */
interface LifecycleAction { readonly kind: typeof LAUNCH | typeof TERMINATE; readonly group: string; readonly hook: string; readonly instanceId: string; readonly instanceArn: string; readonly token: string }

/** The lifecycle action in an event, or why the event is not one of ours. */
function lifecycleAction(event: unknown, settings: SecretIdBrokerSettings): LifecycleAction | string {
  if (!isRecord(event) || event["source"] !== "aws.autoscaling" || !event["detail"]) return "not an Auto Scaling event";
  const d = isRecord(event["detail"]) ? event["detail"] : {};
  const kind = event["detail-type"];
  if (kind !== LAUNCH && kind !== TERMINATE) return `not a lifecycle action: ${String(kind)}`;
  if (d["AutoScalingGroupName"] !== settings.autoScalingGroupName) return `group ${String(d["AutoScalingGroupName"])} is not ${settings.autoScalingGroupName}`;
  const hook = kind === LAUNCH ? settings.launchHookName : settings.terminateHookName;
  if (d["LifecycleHookName"] !== hook) return `hook ${String(d["LifecycleHookName"])} is not ${hook}`;
  const instanceId = d["EC2InstanceId"];
  if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) return "no valid instance id";
  const token = d["LifecycleActionToken"];
  if (typeof token !== "string" || token === "") return "no lifecycle action token";
  // The instance's ARN, as ec2:SourceInstanceARN names it in the requests of its role.
  const [region, account, partition] = [event["region"], event["account"], String(event["resources"] instanceof Array ? event["resources"][0] : "").split(":")[1] ?? "aws"];
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) || typeof account !== "string" || !/^\d{12}$/.test(account)) return "no valid region or account";
  return { kind, group: settings.autoScalingGroupName, hook, instanceId, instanceArn: `arn:${/^aws(-[a-z]+)*$/.test(partition) ? partition : "aws"}:ec2:${region}:${account}:instance/${instanceId}`, token };
}

/**
 * Handles one EventBridge event. Returns what was done: `{ instanceId, result: "CONTINUE" | "ABANDON" }`
 * or `{ ignored: reason }` for events of other groups, hooks or kinds.
 */
export async function handle(event: unknown, deps: BrokerDeps): Promise<BrokerResult> {
  const { settings } = deps;
  const action = lifecycleAction(event, settings);
  if (typeof action === "string") {
    deps.log({ level: "warn", message: `ignored event: ${action}` });
    return { ignored: action };
  }
  const { instanceId } = action;
  const jit = settings.jitConfig;
  const parameter = `${jit === null ? settings.parameterPrefix : jit.parameterPrefix}/${instanceId}`;
  const complete = (result: "CONTINUE" | "ABANDON") =>
    deps.autoScaling.completeLifecycleAction({ AutoScalingGroupName: action.group, LifecycleHookName: action.hook, LifecycleActionToken: action.token, InstanceId: instanceId, LifecycleActionResult: result });

  if (action.kind === TERMINATE) {
    let deleted = false;
    try {
      deleted = await deleteParameter(deps, parameter);
    } catch (e) {
      deps.log({ level: "error", instanceId, message: `could not delete ${parameter}: ${describe(e)}` });
    }
    await complete("CONTINUE");
    deps.log({ level: "info", instanceId, message: `termination: ${deleted ? "deleted " : "nothing to delete at "}${parameter}` });
    return { instanceId, result: "CONTINUE", deleted };
  }

  const what = jit === null ? "a wrapped secret id" : "a JIT runner configuration";
  try {
    const value = await attempt(deps, `requesting ${what}`, () => (jit === null ? issueWrappedSecretId(deps, instanceId) : mintJitConfig(deps, jit, instanceId)));
    const put = () =>
      deps.ssm.putParameter({
        Name: parameter,
        Description: jit === null ? `Response-wrapped Vault secret id of runner ${instanceId} (single use, ${settings.wrapTtlSeconds} s)` : `JIT configuration of runner ${instanceId} (one job)`,
        Type: "SecureString",
        Value: value,
        Tier: jit === null ? "Standard" : "Intelligent-Tiering",
        Tags: [{ Key: settings.instanceParameterTag, Value: action.instanceArn }],
        ...(settings.kmsKeyId ? { KeyId: settings.kmsKeyId } : {}),
      });
    await attempt(deps, `writing ${parameter}`, () =>
      put().catch(async (e: unknown) => {
        if (field(e, "name") !== "ParameterAlreadyExists") throw e;
        await deleteParameter(deps, parameter);
        return put();
      }),
    );
    await complete("CONTINUE");
    deps.log({ level: "info", instanceId, message: `delivered ${what} to ${parameter}` });
    return { instanceId, result: "CONTINUE" };
  } catch (e) {
    const message = `${String(field(e, "name"))}: ${String(field(e, "message"))}`;
    deps.log({ level: "error", instanceId, message: `abandoning the launch: ${message}` });
    try {
      await deleteParameter(deps, parameter);
    } catch (cleanup) {
      deps.log({ level: "error", instanceId, message: `could not delete ${parameter}: ${String(field(cleanup, "name"))}` });
    }
    try {
      await complete("ABANDON");
    } catch (abandon) {
      // The hook's default result (ABANDON) applies when it times out.
      deps.log({ level: "error", instanceId, message: `could not abandon the launch: ${describe(abandon)}` });
    }
    return { instanceId, result: "ABANDON", reason: message };
  }
}

/** The settings shipped beside the module (`settings.json`), frozen. */
export async function loadSettings(file: URL = new URL(`./${SETTINGS_FILE}`, import.meta.url)): Promise<SecretIdBrokerSettings> {
  return Object.freeze(JSON.parse(await readFile(file, "utf8")) as SecretIdBrokerSettings);
}

/** The parts of the two SDK packages the broker uses. */
type SdkClient = new (config: object) => { send(command: unknown): Promise<unknown> };
type SsmSdk = { readonly SSMClient: SdkClient; readonly PutParameterCommand: new (input: PutParameterInput) => unknown; readonly DeleteParameterCommand: new (input: { readonly Name: string }) => unknown };
type AutoScalingSdk = { readonly AutoScalingClient: SdkClient; readonly CompleteLifecycleActionCommand: new (input: CompleteLifecycleActionInput) => unknown };

let defaults: BrokerDeps | undefined;

/** The real clients, fetch, credentials, clock and settings; the AWS SDK is the one the Lambda runtime ships. */
export async function defaultDeps(): Promise<BrokerDeps> {
  if (defaults === undefined) {
    const settings = await loadSettings();
    // Specifiers in constants: the SDK is the runtime's, not a dependency to resolve at build time.
    const ssmSdk = (await import(AWS_SDK_PACKAGES.ssm)) as SsmSdk;
    const asgSdk = (await import(AWS_SDK_PACKAGES.autoScaling)) as AutoScalingSdk;
    const ssm = new ssmSdk.SSMClient({});
    const autoScaling = new asgSdk.AutoScalingClient({});
    defaults = {
      settings,
      ssm: {
        putParameter: (input) => ssm.send(new ssmSdk.PutParameterCommand(input)),
        deleteParameter: (input) => ssm.send(new ssmSdk.DeleteParameterCommand(input)),
      },
      autoScaling: { completeLifecycleAction: (input) => autoScaling.send(new asgSdk.CompleteLifecycleActionCommand(input)) },
      fetch: (url, init) => fetch(url, init),
      credentials: () => ({ accessKeyId: process.env["AWS_ACCESS_KEY_ID"], secretAccessKey: process.env["AWS_SECRET_ACCESS_KEY"], sessionToken: process.env["AWS_SESSION_TOKEN"] }),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: (record) => console.log(JSON.stringify(record)),
    };
  }
  return defaults;
}

/** The Lambda entry point (`index.handler`). */
export async function handler(event: unknown): Promise<BrokerResult> {
  return handle(event, await defaultDeps());
}
