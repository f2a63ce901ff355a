// The JIT scripts run under bash and sh against a local server that answers as GitHub does
// (shapes from GitHub's published REST description, @octokit/openapi): the App's JWT verifies with
// the App's public key, the requests carry the documented path, method, headers and body, refusals
// end the minter with GitHub's status and message and never a credential, and the wrapper hands the
// runner its configuration as an argument.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { generateKeyPairSync, verify } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { JIT_GITHUB_API_VERSION, JIT_MINT_SCRIPT, JIT_RUN_SCRIPT } from "./github-jit.ts";
import { needs, requireTool } from "../../../test/validators.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = createRequire(import.meta.url)("@octokit/openapi/generated/api.github.com.json") as Json;
const jitOperation = spec["paths"]["/repos/{owner}/{repo}/actions/runners/generate-jitconfig"]["post"] as Json;
/** GitHub's own example answer to a JIT request. */
const jitExample = spec["components"]["examples"]["runner-jitconfig"]["value"] as Json;
const validJitRequest = new Ajv({ strict: false }).compile(jitOperation["requestBody"]["content"]["application/json"]["schema"] as object);

/** The commands the minter runs besides the shell; absent ones fail the tests under CI=true and skip them elsewhere. */
const tools = (): object => needs("openssl", "curl", "jq");
const requireTools = (): void => requireTool("openssl", "curl", "jq");

interface Recorded { method: string; path: string; headers: IncomingMessage["headers"]; body: string }
type Answer = { status: number; body: unknown };

/** A stand-in GitHub: records every request and answers from `route`. */
class FakeGithub {
  readonly requests: Recorded[] = [];
  route: (r: Recorded) => Answer = () => ({ status: 500, body: { message: "no route" } });
  private server: Server | undefined;
  port = 0;
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const r: Recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
        this.requests.push(r);
        const a = this.route(r);
        res.writeHead(a.status, { "content-type": "application/json" }).end(a.body === undefined ? "" : JSON.stringify(a.body));
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
    const addr = this.server.address();
    this.port = typeof addr === "object" && addr !== null ? addr.port : 0;
  }
  stop(): Promise<void> {
    return new Promise((ok) => (this.server === undefined ? ok() : this.server.close(() => ok())));
  }
}

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const PAT = "github_pat_11AAAAAAA0canarycanarycanary_canarycanarycanarycanarycanarycanarycanary";
const INSTALLATION_TOKEN = "ghs_installationcanary0123456789abcdef";
const ENCODED = jitExample["encoded_jit_config"] as string;

interface Pod { dir: string; creds: string; state: string; handOver: string }
function pod(auth: "app" | "token"): Pod {
  const dir = mkdtempSync(join(tmpdir(), "jit-"));
  const p = { dir, creds: join(dir, "creds"), state: join(dir, "state"), handOver: join(dir, "jit") };
  for (const d of [p.creds, p.state, p.handOver]) mkdirSync(d);
  if (auth === "app") {
    writeFileSync(join(p.creds, "app-id"), "12345");
    writeFileSync(join(p.creds, "installation-id"), "678\n");
    writeFileSync(join(p.creds, "private-key"), PEM);
  } else writeFileSync(join(p.creds, "token"), `${PAT}\n`);
  writeFileSync(join(dir, "mint-jit.sh"), JIT_MINT_SCRIPT);
  writeFileSync(join(dir, "run-jit.sh"), JIT_RUN_SCRIPT);
  return p;
}

const REQUEST = { runner_group_id: 3, labels: ["self-hosted", "linux", "x64", "fenced"], work_folder: "_work" };
const TOKEN_REQUEST = { repositories: ["app"], permissions: { administration: "write" } };

function env(gh: FakeGithub, p: Pod, auth: "app" | "token"): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    GITHUB_API_URL: `http://127.0.0.1:${gh.port}/api/v3`,
    JIT_RUNNERS_PATH: "/repos/acme/app/actions/runners",
    JIT_AUTH: auth,
    JIT_CREDENTIALS_DIR: p.creds,
    JIT_REQUEST: JSON.stringify(REQUEST),
    ...(auth === "app" ? { JIT_TOKEN_REQUEST: JSON.stringify(TOKEN_REQUEST) } : {}),
    RUNNER_NAME: "build-gh-runner-6d4f9c7b8-x2k9q",
    JIT_DIR: p.handOver,
    JIT_STATE_DIR: p.state,
    JIT_POLL_SECONDS: "0.05",
    JIT_RECHECK_SECONDS: "0.05",
  };
}

function run(shell: string, args: string[], environment: NodeJS.ProcessEnv): { done: Promise<{ code: number | null; stderr: string }>; kill: () => void } {
  const child = spawn(shell, args, { env: environment, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return { done: new Promise((ok) => child.on("close", (code) => ok({ code, stderr }))), kill: () => child.kill("SIGTERM") };
}

/** The answer of a GitHub that accepts everything. */
function accepting(r: Recorded): Answer {
  if (r.path === "/api/v3/app/installations/678/access_tokens") return { status: 201, body: { token: INSTALLATION_TOKEN, expires_at: "2030-01-01T00:00:00Z" } };
  if (r.path === "/api/v3/repos/acme/app/actions/runners/generate-jitconfig") {
    const name = (JSON.parse(r.body) as { name: string }).name;
    return { status: 201, body: { ...jitExample, runner: { ...(jitExample["runner"] as Json), name } } };
  }
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}

const jwtClaims = (auth: string | undefined): Json => {
  const [h, c, s] = (auth ?? "").replace(/^Bearer /, "").split(".");
  assert.ok(h && c && s, "a JWT of three parts");
  assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { alg: "RS256", typ: "JWT" });
  assert.ok(verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, "base64url")), "the signature verifies with the App's public key");
  return JSON.parse(Buffer.from(c, "base64url").toString()) as Json;
};

const assertGithubHeaders = (r: Recorded): void => {
  assert.equal(r.headers["accept"], "application/vnd.github+json");
  assert.equal(r.headers["x-github-api-version"], JIT_GITHUB_API_VERSION);
};

describe("the JIT minting script against a local GitHub", tools(), () => {
  const gh = new FakeGithub();
  before(() => gh.start());
  after(() => gh.stop());

  for (const shell of ["bash", "sh"]) {
    it(`${shell}: a GitHub App's JWT buys an installation token narrowed to runners, which mints the configuration`, async () => {
      requireTools();
      gh.requests.length = 0;
      gh.route = accepting;
      const p = pod("app");
      const before = Math.floor(Date.now() / 1000);
      const { code, stderr } = await run(shell, [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "app")).done;
      const afterwards = Math.floor(Date.now() / 1000);
      assert.equal(code, 0, stderr);
      assert.deepEqual(gh.requests.map((r) => `${r.method} ${r.path}`), ["POST /api/v3/app/installations/678/access_tokens", "POST /api/v3/repos/acme/app/actions/runners/generate-jitconfig"]);
      const [token, jit] = gh.requests as [Recorded, Recorded];
      const claims = jwtClaims(token.headers["authorization"]);
      assert.equal(claims["iss"], 12345);
      assert.ok(claims["iat"] >= before - 60 && claims["iat"] <= afterwards - 60, `iat a minute early: ${String(claims["iat"])}`);
      assert.equal(claims["exp"] - claims["iat"], 600, "exp within GitHub's ten minutes");
      assertGithubHeaders(token);
      assert.deepEqual(JSON.parse(token.body), TOKEN_REQUEST);
      assert.equal(jit.headers["authorization"], `Bearer ${INSTALLATION_TOKEN}`);
      assert.equal(jit.headers["content-type"], "application/json");
      assertGithubHeaders(jit);
      const body = JSON.parse(jit.body) as Json;
      assert.deepEqual(body, { name: "build-gh-runner-6d4f9c7b8-x2k9q", ...REQUEST });
      assert.ok(validJitRequest(body), JSON.stringify(validJitRequest.errors));
      const config = join(p.handOver, "config");
      assert.equal(readFileSync(config, "utf8").trim(), ENCODED);
      assert.equal(statSync(config).mode & 0o777, 0o400, "readable by the runner's uid only");
      assert.ok(!stderr.includes(INSTALLATION_TOKEN) && !stderr.includes("PRIVATE KEY"), stderr);
      assert.deepEqual(existsSync(join(p.state, "auth")), false, "no header file is left behind");
    });
  }

  it("a token is sent as it is; the next configuration of the pod takes the next name once the runner before is gone", async () => {
    requireTools();
    gh.requests.length = 0;
    gh.route = accepting;
    const p = pod("token");
    const first = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done;
    assert.equal(first.code, 0, first.stderr);
    assert.equal(gh.requests[0]!.headers["authorization"], `Bearer ${PAT}`);
    // The runner took its job and GitHub removed it (404): the next one is <pod>-2.
    const second = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done;
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(gh.requests.map((r) => `${r.method} ${r.path}`), [
      "POST /api/v3/repos/acme/app/actions/runners/generate-jitconfig",
      `GET /api/v3/repos/acme/app/actions/runners/${String(jitExample["runner"]["id"])}`,
      "POST /api/v3/repos/acme/app/actions/runners/generate-jitconfig",
    ]);
    assert.equal((JSON.parse(gh.requests[2]!.body) as Json)["name"], "build-gh-runner-6d4f9c7b8-x2k9q-2");
    assert.ok(!first.stderr.includes(PAT) && !second.stderr.includes(PAT));
  });

  it("no new configuration while the runner minted before is registered and online (a job asking for one)", async () => {
    requireTools();
    const p = pod("token");
    gh.route = accepting;
    assert.equal((await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done).code, 0);
    gh.requests.length = 0;
    gh.route = (r) => (r.method === "GET" ? { status: 200, body: { ...(jitExample["runner"] as Json), status: "online", busy: true } } : accepting(r));
    const { code, stderr } = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done;
    assert.equal(code, 1);
    assert.match(stderr, /still registered and online/);
    assert.deepEqual(gh.requests.map((r) => r.method), ["GET"]);
  });

  it("a runner that never connected (offline, idle) is removed before the next one is minted", async () => {
    requireTools();
    const p = pod("token");
    gh.route = accepting;
    assert.equal((await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done).code, 0);
    gh.requests.length = 0;
    gh.route = (r) => (r.method === "GET" ? { status: 200, body: { ...(jitExample["runner"] as Json), status: "offline", busy: false } } : r.method === "DELETE" ? { status: 204, body: undefined } : accepting(r));
    const { code, stderr } = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "token")).done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(gh.requests.map((r) => r.method), ["GET", "DELETE", "POST"]);
  });

  for (const [status, message, hint] of [
    [403, "Resource not accessible by integration", /Self-hosted runners/],
    [404, "Not Found", /scope does not exist/],
    [422, "Invalid runner group id", /runnerGroupId/],
  ] as const) {
    it(`a refusal (HTTP ${status}) ends the minter with the status and GitHub's message, never the credential`, async () => {
      requireTools();
      const p = pod("app");
      gh.route = (r) => (r.path.endsWith("/access_tokens") ? accepting(r) : { status, body: { message, documentation_url: "https://docs.github.com/rest" } });
      const { code, stderr } = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "app")).done;
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`HTTP ${status} to the JIT configuration request for runner build-gh-runner-6d4f9c7b8-x2k9q: ${message}`));
      assert.match(stderr, hint);
      assert.ok(!stderr.includes(INSTALLATION_TOKEN) && !stderr.includes("PRIVATE KEY"), stderr);
      assert.equal(existsSync(join(p.handOver, "config")), false);
    });
  }

  it("a refused installation token request is reported as such", async () => {
    requireTools();
    const p = pod("app");
    gh.route = () => ({ status: 401, body: { message: "A JSON web token could not be decoded" } });
    const { code, stderr } = await run("bash", [join(p.dir, "mint-jit.sh"), "once"], env(gh, p, "app")).done;
    assert.equal(code, 1);
    assert.match(stderr, /HTTP 401 to the installation token request: A JSON web token could not be decoded/);
  });

  it("serve and the runner's wrapper: the runner container asks, the minter mints, run.sh gets the configuration as its argument", async () => {
    requireTools();
    gh.route = accepting;
    const p = pod("token");
    const runSh = join(p.dir, "run.sh");
    writeFileSync(runSh, `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(p.dir, "args")}"\n`);
    chmodSync(runSh, 0o755);
    const minter = run("sh", [join(p.dir, "mint-jit.sh"), "serve"], env(gh, p, "token"));
    const wrapper = await run("sh", [join(p.dir, "run-jit.sh")], { PATH: process.env["PATH"] ?? "/usr/bin:/bin", JIT_DIR: p.handOver, JIT_RUN_SCRIPT: runSh, JIT_POLL_SECONDS: "0.05" }).done;
    minter.kill();
    await minter.done;
    assert.equal(wrapper.code, 0, wrapper.stderr);
    assert.deepEqual(readFileSync(join(p.dir, "args"), "utf8").split("\n").filter(Boolean), ["--jitconfig", ENCODED]);
    assert.equal(existsSync(join(p.handOver, "config")), false, "the hand-over file is removed once read");
    assert.equal(existsSync(join(p.handOver, "request")), false, "the request was answered");
  });
});

describe("the JIT scripts", () => {
  it("pass shellcheck as POSIX sh", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const dir = mkdtempSync(join(tmpdir(), "jit-sc-"));
    writeFileSync(join(dir, "mint-jit.sh"), JIT_MINT_SCRIPT);
    writeFileSync(join(dir, "run-jit.sh"), JIT_RUN_SCRIPT);
    const child = spawn("shellcheck", ["--shell=sh", join(dir, "mint-jit.sh"), join(dir, "run-jit.sh")]);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    return new Promise<void>((ok, fail) => child.on("close", (code) => (code === 0 ? ok() : fail(new Error(out)))));
  });
});
