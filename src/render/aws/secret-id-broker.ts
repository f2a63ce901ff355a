/**
 * The secret-id broker's code: an AWS Lambda function (Node.js 22, ES module `index.mjs`) that
 * answers the runner group's lifecycle hooks, delivered by EventBridge.
 *
 * - Launch (`EC2 Instance-launch Lifecycle Action`): log in to Vault with AWS IAM auth (a
 *   `sts:GetCallerIdentity` request signed with the function's own role, which Vault replays to
 *   learn who is asking), request one AppRole secret id response-wrapped (`X-Vault-Wrap-TTL`),
 *   write the wrapping token to the SecureString `<ssm.wrappedSecretId>/<instance-id>`, then
 *   `CompleteLifecycleAction` `CONTINUE`. Any failure after a few attempts: delete what was
 *   written and `ABANDON`, so the group replaces the instance.
 * - Termination (`EC2 Instance-terminate Lifecycle Action`): delete the instance's parameter and
 *   `CONTINUE`.
 *
 * The code uses the Node standard library and the AWS SDK v3 clients the Lambda runtime ships
 * (`@aws-sdk/client-ssm`, `@aws-sdk/client-auto-scaling`), loaded only when the real handler
 * runs. `handle(event, deps)` takes every client, `fetch`, the credentials and the clock as
 * parameters, so it can be exercised with fakes. It never logs a token, and the wrapping token
 * is the only credential it writes anywhere.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";
import { runnerLifecycleHookNames, secretIdBrokerNames } from "./secret-id-broker-names.ts";

/** What the function is rendered with (no secret: names, addresses and limits only). */
export interface SecretIdBrokerSettings {
  /** Vault's address, without a trailing slash. */
  readonly vaultAddress: string;
  /** Mount path of Vault's AWS auth method. */
  readonly vaultAwsAuthMount: string;
  /** The Vault AWS auth role the function logs in as. */
  readonly vaultAwsAuthRole: string;
  /** Value of the `X-Vault-AWS-IAM-Server-ID` header signed into the login request; "" sends none. */
  readonly vaultIamServerId: string;
  /** The STS endpoint the login request is signed for (Vault's `sts_endpoint`). */
  readonly stsEndpoint: string;
  /** The region the login request is signed for (Vault's `sts_region`). */
  readonly stsRegion: string;
  /** Vault path that issues one AppRole secret id. */
  readonly secretIdPath: string;
  /** Lifetime of the wrapping token, seconds. */
  readonly wrapTtlSeconds: number;
  /** SSM prefix of the per-instance SecureStrings (`<prefix>/<instance-id>`). */
  readonly parameterPrefix: string;
  /** Customer-managed KMS key of the SecureStrings; "" uses the AWS-managed `alias/aws/ssm`. */
  readonly kmsKeyId: string;
  /** The only Auto Scaling group whose events the function acts on. */
  readonly autoScalingGroupName: string;
  readonly launchHookName: string;
  readonly terminateHookName: string;
  /** Attempts at the Vault exchange and the SSM write before a launch is abandoned. */
  readonly attempts: number;
  /** Timeout of one Vault request, milliseconds. */
  readonly vaultTimeoutMs: number;
}

/** Defaults of {@link SecretIdBrokerOptions}. */
export const SECRET_ID_BROKER_DEFAULTS = {
  /** Lifetime of a wrapping token: as long as the launch hook waits. */
  wrapTtlSeconds: 300,
  /** Mount path of Vault's AWS auth method. */
  vaultAwsAuthMount: "aws",
  /** Vault's default STS endpoint and signing region for IAM logins. */
  stsEndpoint: "https://sts.amazonaws.com/",
  stsRegion: "us-east-1",
  attempts: 3,
  vaultTimeoutMs: 5000,
} as const;

/** Broker options besides the profile. */
export interface SecretIdBrokerOptions {
  /** The runner Auto Scaling group's name. @default profile.name (the group AwsRunnerFleet creates) */
  readonly autoScalingGroupName?: string;
  /** Seconds a wrapping token lives (Vault's `X-Vault-Wrap-TTL`). @default 300 */
  readonly wrapTtlSeconds?: number;
  /** Mount path of Vault's AWS auth method. @default "aws" */
  readonly vaultAwsAuthMount?: string;
  /**
   * `X-Vault-AWS-IAM-Server-ID` signed into each login; set Vault's `iam_server_id_header_value`
   * to the same so that a signed request cannot be replayed against another Vault.
   * @default the host name of profile.vault.address
   */
  readonly vaultIamServerId?: string;
  /** STS endpoint the login is signed for; must match Vault's `sts_endpoint`. @default "https://sts.amazonaws.com/" */
  readonly stsEndpoint?: string;
  /** Region the login is signed for; must match Vault's `sts_region`. @default "us-east-1" */
  readonly stsRegion?: string;
}

/** The settings for a profile. */
export function secretIdBrokerSettings(profile: AwsRunnerProfile, options: SecretIdBrokerOptions = {}): SecretIdBrokerSettings {
  const d = SECRET_ID_BROKER_DEFAULTS;
  const hooks = runnerLifecycleHookNames(profile);
  const { approle } = profile.vault;
  return {
    vaultAddress: profile.vault.address.replace(/\/+$/, ""),
    vaultAwsAuthMount: options.vaultAwsAuthMount ?? d.vaultAwsAuthMount,
    vaultAwsAuthRole: secretIdBrokerNames(profile).vaultRoleName,
    vaultIamServerId: options.vaultIamServerId ?? new URL(profile.vault.address).hostname,
    stsEndpoint: options.stsEndpoint ?? d.stsEndpoint,
    stsRegion: options.stsRegion ?? d.stsRegion,
    secretIdPath: `auth/${approle.mountPath}/role/${approle.roleName}/secret-id`,
    wrapTtlSeconds: options.wrapTtlSeconds ?? d.wrapTtlSeconds,
    parameterPrefix: profile.ssm.wrappedSecretId,
    kmsKeyId: profile.ssm.kmsKeyArn ?? "",
    autoScalingGroupName: options.autoScalingGroupName ?? profile.name,
    launchHookName: hooks.launch,
    terminateHookName: hooks.terminate,
    attempts: d.attempts,
    vaultTimeoutMs: d.vaultTimeoutMs,
  };
}

/** The file name and handler of the rendered module. */
export const SECRET_ID_BROKER_FILE = "index.mjs";
export const SECRET_ID_BROKER_HANDLER = "index.handler";

/** The function's code (`index.mjs`), settings embedded as a frozen JSON object. */
export function renderSecretIdBrokerSource(settings: SecretIdBrokerSettings): string {
  return `${HEADER}\nexport const SETTINGS = Object.freeze(${JSON.stringify(settings, null, 2)});\n${BODY}`;
}

const HEADER = `// Secret-id broker of the ci-intel runners, rendered by runner-fleet. Node.js 22 (ES module).
// Launch hook: Vault AWS IAM login -> one response-wrapped AppRole secret id -> SSM SecureString
// <prefix>/<instance-id> -> CompleteLifecycleAction CONTINUE (ABANDON on failure).
// Termination hook: delete <prefix>/<instance-id> -> CONTINUE. No token is ever logged.
import { createHash, createHmac } from "node:crypto";
`;

// Plain JavaScript: no template literals inside, so nothing here needs escaping.
const BODY = String.raw`
const LAUNCH = "EC2 Instance-launch Lifecycle Action";
const TERMINATE = "EC2 Instance-terminate Lifecycle Action";
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";

class BrokerError extends Error {
  constructor(message) {
    super(message);
    this.name = "BrokerError";
  }
}

const sha256Hex = (data) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data, "utf8").digest();
const base64 = (text) => Buffer.from(text, "utf8").toString("base64");
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

/**
 * AWS Signature Version 4 of one request. Returns the request's headers plus Host, X-Amz-Date,
 * X-Amz-Security-Token (temporary credentials) and Authorization; every header is signed.
 */
export function signV4(request, credentials, region, service, now) {
  const url = new URL(request.url);
  const amzDate = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  const day = amzDate.slice(0, 8);
  const headers = { ...request.headers, Host: url.host, "X-Amz-Date": amzDate };
  if (credentials.sessionToken) headers["X-Amz-Security-Token"] = credentials.sessionToken;
  const canonical = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), String(v).trim().replace(/\s+/g, " ")])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([k]) => k).join(";");
  const query = [...url.searchParams].map(([k, v]) => rfc3986(k) + "=" + rfc3986(v)).sort().join("&");
  const canonicalRequest = [request.method, url.pathname || "/", query, canonical.map(([k, v]) => k + ":" + v + "\n").join(""), signedHeaders, sha256Hex(request.body)].join("\n");
  const scope = [day, region, service, "aws4_request"].join("/");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = ["aws4_request", service, region, day].reduceRight((k, part) => hmac(k, part), "AWS4" + credentials.secretAccessKey);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers.Authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
  return headers;
}

/** Body of Vault's auth/<mount>/login for the IAM method: a signed sts:GetCallerIdentity that Vault sends on. */
export function vaultIamLoginBody(settings, credentials, now) {
  if (!credentials || !credentials.accessKeyId || !credentials.secretAccessKey) throw new BrokerError("no AWS credentials in the environment");
  const headers = { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" };
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
function vaultErrors(text) {
  try {
    const errors = JSON.parse(text).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.join("; ").slice(0, 300);
  } catch {
    // not JSON: say nothing about the body
  }
  return "no error message";
}

async function vaultPost(deps, path, body, headers) {
  const { settings } = deps;
  let response;
  try {
    response = await deps.fetch(settings.vaultAddress + "/v1/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(settings.vaultTimeoutMs),
    });
  } catch (e) {
    throw new BrokerError("Vault did not answer " + path + ": " + (e && e.name) + " " + (e && e.message));
  }
  const text = await response.text();
  if (!response.ok) throw new BrokerError("Vault answered " + response.status + " to " + path + ": " + vaultErrors(text));
  try {
    return JSON.parse(text);
  } catch {
    throw new BrokerError("Vault's answer to " + path + " is not JSON");
  }
}

/** Logs in with AWS IAM auth and returns a response-wrapped secret id's wrapping token. */
export async function issueWrappedSecretId(deps, instanceId) {
  const { settings } = deps;
  const login = await vaultPost(deps, "auth/" + settings.vaultAwsAuthMount + "/login", vaultIamLoginBody(settings, await deps.credentials(), deps.now()), {});
  const vaultToken = login && login.auth && login.auth.client_token;
  if (typeof vaultToken !== "string" || vaultToken === "") throw new BrokerError("Vault's login answer holds no client token");
  const metadata = JSON.stringify({ instance_id: instanceId, auto_scaling_group: settings.autoScalingGroupName });
  const wrapped = await vaultPost(deps, settings.secretIdPath, { metadata }, { "X-Vault-Token": vaultToken, "X-Vault-Wrap-TTL": settings.wrapTtlSeconds + "s" });
  const token = wrapped && wrapped.wrap_info && wrapped.wrap_info.token;
  if (typeof token !== "string" || token === "") throw new BrokerError("Vault did not wrap the secret id (no wrap_info.token in its answer)");
  return token;
}

async function attempt(deps, what, fn) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= deps.settings.attempts) throw e;
      deps.log({ level: "warn", message: what + " failed (attempt " + i + " of " + deps.settings.attempts + "): " + e.message });
      await deps.sleep(1000 * i);
    }
  }
}

async function deleteParameter(deps, name) {
  try {
    await deps.ssm.deleteParameter({ Name: name });
    return true;
  } catch (e) {
    if (e && e.name === "ParameterNotFound") return false;
    throw e;
  }
}

/** Why an event is not one of ours, or undefined. */
function foreign(event, settings) {
  if (!event || event.source !== "aws.autoscaling" || !event.detail) return "not an Auto Scaling event";
  const d = event.detail;
  const kind = event["detail-type"];
  if (kind !== LAUNCH && kind !== TERMINATE) return "not a lifecycle action: " + kind;
  if (d.AutoScalingGroupName !== settings.autoScalingGroupName) return "group " + d.AutoScalingGroupName + " is not " + settings.autoScalingGroupName;
  const hook = kind === LAUNCH ? settings.launchHookName : settings.terminateHookName;
  if (d.LifecycleHookName !== hook) return "hook " + d.LifecycleHookName + " is not " + hook;
  if (typeof d.EC2InstanceId !== "string" || !INSTANCE_ID.test(d.EC2InstanceId)) return "no valid instance id";
  if (typeof d.LifecycleActionToken !== "string" || d.LifecycleActionToken === "") return "no lifecycle action token";
  return undefined;
}

/**
 * Handles one EventBridge event. Returns what was done: { instanceId, result: "CONTINUE" | "ABANDON" }
 * or { ignored: reason } for events of other groups, hooks or kinds.
 */
export async function handle(event, deps) {
  const { settings } = deps;
  const reason = foreign(event, settings);
  if (reason !== undefined) {
    deps.log({ level: "warn", message: "ignored event: " + reason });
    return { ignored: reason };
  }
  const d = event.detail;
  const instanceId = d.EC2InstanceId;
  const parameter = settings.parameterPrefix + "/" + instanceId;
  const complete = (result) =>
    deps.autoScaling.completeLifecycleAction({
      AutoScalingGroupName: d.AutoScalingGroupName,
      LifecycleHookName: d.LifecycleHookName,
      LifecycleActionToken: d.LifecycleActionToken,
      InstanceId: instanceId,
      LifecycleActionResult: result,
    });

  if (event["detail-type"] === TERMINATE) {
    let deleted = false;
    try {
      deleted = await deleteParameter(deps, parameter);
    } catch (e) {
      deps.log({ level: "error", instanceId, message: "could not delete " + parameter + ": " + e.name + " " + e.message });
    }
    await complete("CONTINUE");
    deps.log({ level: "info", instanceId, message: "termination: " + (deleted ? "deleted " : "nothing to delete at ") + parameter });
    return { instanceId, result: "CONTINUE", deleted };
  }

  try {
    const wrappingToken = await attempt(deps, "requesting a wrapped secret id", () => issueWrappedSecretId(deps, instanceId));
    await attempt(deps, "writing " + parameter, () =>
      deps.ssm.putParameter({
        Name: parameter,
        Description: "Response-wrapped Vault secret id of runner " + instanceId + " (single use, " + settings.wrapTtlSeconds + " s)",
        Type: "SecureString",
        Value: wrappingToken,
        Overwrite: true,
        Tier: "Standard",
        ...(settings.kmsKeyId ? { KeyId: settings.kmsKeyId } : {}),
      }),
    );
    await complete("CONTINUE");
    deps.log({ level: "info", instanceId, message: "delivered a wrapped secret id to " + parameter });
    return { instanceId, result: "CONTINUE" };
  } catch (e) {
    const message = (e && e.name) + ": " + (e && e.message);
    deps.log({ level: "error", instanceId, message: "abandoning the launch: " + message });
    try {
      await deleteParameter(deps, parameter);
    } catch (cleanup) {
      deps.log({ level: "error", instanceId, message: "could not delete " + parameter + ": " + cleanup.name });
    }
    try {
      await complete("ABANDON");
    } catch (abandon) {
      // The hook's default result (ABANDON) applies when it times out.
      deps.log({ level: "error", instanceId, message: "could not abandon the launch: " + abandon.name + " " + abandon.message });
    }
    return { instanceId, result: "ABANDON", reason: message };
  }
}

let defaults;

/** The real clients, fetch, credentials and clock; the AWS SDK is the one the Lambda runtime ships. */
export async function defaultDeps() {
  if (defaults === undefined) {
    const ssmSdk = await import("@aws-sdk/client-ssm");
    const asgSdk = await import("@aws-sdk/client-auto-scaling");
    const ssm = new ssmSdk.SSMClient({});
    const autoScaling = new asgSdk.AutoScalingClient({});
    defaults = {
      settings: SETTINGS,
      ssm: {
        putParameter: (input) => ssm.send(new ssmSdk.PutParameterCommand(input)),
        deleteParameter: (input) => ssm.send(new ssmSdk.DeleteParameterCommand(input)),
      },
      autoScaling: { completeLifecycleAction: (input) => autoScaling.send(new asgSdk.CompleteLifecycleActionCommand(input)) },
      fetch: (url, init) => fetch(url, init),
      credentials: () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN }),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: (record) => console.log(JSON.stringify(record)),
    };
  }
  return defaults;
}

/** The Lambda entry point (index.handler). */
export async function handler(event) {
  return handle(event, await defaultDeps());
}
`;
