import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { ConfigError } from "../model/issues.ts";
import { ForgeError } from "./forge-error.ts";
import { FORGEJO_TOKEN_DEFAULTS, forgejoRegistrationTokenPath, mintForgejoRegistrationToken } from "./forgejo-token.ts";
import type { ForgejoRunnerScope } from "../model/forgejo-scope.ts";
import { TEST_REFERENCE } from "../../test/helpers.ts";

const swaggerFile = path.join(TEST_REFERENCE, "forgejo/v1_json.tmpl");

interface Swagger {
  basePath: string;
  securityDefinitions: Record<string, { type: string; name?: string; in?: string; description?: string }>;
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> }>>;
  responses: Record<string, { headers?: Record<string, { type: string }> }>;
}

/** Forgejo's API description, served under `subPath` (the template's AppSubUrl). */
function loadSwagger(subPath: string): Swagger {
  const text = readFileSync(swaggerFile, "utf8").replaceAll("{{AppSubUrl | JSEscape}}", subPath).replaceAll("{{AppVer | JSEscape}}", "0.0.0-test");
  return JSON.parse(text) as Swagger;
}

/** The API description's operation for a request path and method, with its 200 response resolved. */
function describedOperation(swagger: Swagger, method: string, requestPath: string) {
  assert.ok(requestPath.startsWith(`${swagger.basePath}/`), `${requestPath} is below the API base path ${swagger.basePath}`);
  const rest = requestPath.slice(swagger.basePath.length);
  for (const [template, ops] of Object.entries(swagger.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (!pattern.test(rest)) continue;
    const op = ops[method.toLowerCase()];
    if (op === undefined) continue;
    const ok = op.responses["200"];
    const ref = ok?.$ref?.replace("#/responses/", "");
    return { template, response: ref === undefined ? ok : swagger.responses[ref] };
  }
  return undefined;
}

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const API_TOKEN = "0123456789abcdef0123456789abcdef01234567";
const MINTED = "mintedRunnerToken0123456789abcdefABCDEFGH";

/** A stand-in forge on 127.0.0.1 whose answer each test chooses. */
class FakeForge {
  server: Server = createServer((req, res) => {
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    this.handler(req, res);
  });
  requests: Recorded[] = [];
  handler: Handler = (_req, res) => res.end();
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  base(subPath = ""): string {
    return `http://127.0.0.1:${this.port}${subPath}`;
  }
  answer(handler: Handler): void {
    this.requests = [];
    this.handler = handler;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/json;charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
};

/** Every error must name the address and scope and must not carry a credential anywhere. */
async function rejectsForge(promise: Promise<string>, expect: { reason: string; url: string; scope: string; status?: number }): Promise<ForgeError> {
  const error = await promise.then(
    () => assert.fail("expected the mint to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ForgeError, `expected a ForgeError, got ${inspect(error)}`);
  assert.equal(error.reason, expect.reason);
  assert.equal(error.url, expect.url);
  assert.equal(error.scope, expect.scope);
  assert.equal(error.status, expect.status);
  assert.ok(error.message.includes(expect.url), `the message names the URL: ${error.message}`);
  assert.ok(error.message.includes(`"${expect.scope}"`), `the message names the scope: ${error.message}`);
  assert.match(error.message, /Fix: \S/);
  const everything = `${error.message}\n${error.stack ?? ""}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
  assert.ok(!everything.includes(API_TOKEN), "the API token appears nowhere in the error");
  assert.ok(!everything.includes(MINTED), "no minted token appears in the error");
  return error;
}

describe("mintForgejoRegistrationToken against a local forge", () => {
  const forge = new FakeForge();
  before(() => forge.start());
  after(() => forge.stop());

  const cases: { scope: ForgejoRunnerScope; text: string; path: string; template: string }[] = [
    { scope: { kind: "instance" }, text: "instance", path: "/api/v1/admin/runners/registration-token", template: "/admin/runners/registration-token" },
    { scope: { kind: "org", org: "acme" }, text: "org/acme", path: "/api/v1/orgs/acme/actions/runners/registration-token", template: "/orgs/{org}/actions/runners/registration-token" },
    {
      scope: { kind: "repo", owner: "acme", repo: "app.web" },
      text: "repo/acme/app.web",
      path: "/api/v1/repos/acme/app.web/actions/runners/registration-token",
      template: "/repos/{owner}/{repo}/actions/runners/registration-token",
    },
    { scope: { kind: "user" }, text: "user", path: "/api/v1/user/actions/runners/registration-token", template: "/user/actions/runners/registration-token" },
  ];

  for (const c of cases) {
    it(`GETs ${c.template} with "Authorization: token …" and returns the token header (${c.text})`, async () => {
      forge.answer((_req, res) => {
        res.writeHead(200, { token: MINTED, "Content-Type": "application/json" });
        res.end("{}");
      });
      const token = await mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: c.scope, apiToken: API_TOKEN });
      assert.equal(token, MINTED);
      assert.equal(forge.requests.length, 1);
      const [req] = forge.requests;
      assert.equal(req?.method, "GET");
      assert.equal(req?.url, c.path);
      assert.equal(req?.authorization, `token ${API_TOKEN}`);
      assert.equal(forgejoRegistrationTokenPath(c.scope), c.path);

      // The request is one Forgejo's API description lists, answering 200 with a `token` header.
      const swagger = loadSwagger("");
      const op = describedOperation(swagger, req.method, req.url);
      assert.ok(op, `${req.method} ${req.url} is in v1_json.tmpl`);
      assert.equal(op.template, c.template);
      assert.deepEqual(op.response?.headers?.["token"], { type: "string" });
    });
  }

  it("sends the credential the way the API description's AuthorizationHeaderToken says", () => {
    const def = loadSwagger("").securityDefinitions["AuthorizationHeaderToken"];
    assert.equal(def?.type, "apiKey");
    assert.equal(def?.in, "header");
    assert.equal(def?.name, "Authorization");
    assert.match(def?.description ?? "", /prepended with "token" followed by a space/);
  });

  it("keeps the sub-path of a base URL such as https://forge.example.com/git", async () => {
    forge.answer((_req, res) => {
      res.writeHead(200, { token: MINTED });
      res.end();
    });
    const token = await mintForgejoRegistrationToken({ baseUrl: `${forge.base("/git")}/`, scope: { kind: "org", org: "acme" }, apiToken: API_TOKEN });
    assert.equal(token, MINTED);
    assert.equal(forge.requests[0]?.url, "/git/api/v1/orgs/acme/actions/runners/registration-token");
    const op = describedOperation(loadSwagger("/git"), "GET", forge.requests[0]?.url ?? "");
    assert.equal(op?.template, "/orgs/{org}/actions/runners/registration-token");
  });

  it("also reads the token from a JSON body {\"token\": …}, which is how Forgejo's handler writes it", async () => {
    forge.answer((_req, res) => json(res, 200, { token: MINTED }));
    assert.equal(await mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "instance" }, apiToken: API_TOKEN }), MINTED);
  });

  it("401: says the API token was rejected and which token scope and role to create it with", async () => {
    forge.answer((_req, res) => json(res, 401, { message: "token is required", url: "http://x/api/swagger" }));
    const url = `${forge.base()}/api/v1/admin/runners/registration-token`;
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "instance" }, apiToken: API_TOKEN }), {
      reason: "unauthorized",
      url,
      scope: "instance",
      status: 401,
    });
    assert.match(error.message, /API token was rejected \(HTTP 401\)/);
    assert.match(error.fix, /read:admin/);
    assert.match(error.fix, /site administrator/);
    assert.match(error.fix, /forge\.apiToken/);
  });

  it("403: quotes the forge's reason, with the API token redacted if the forge echoes it", async () => {
    forge.answer((_req, res) => json(res, 403, { message: `token ${API_TOKEN} does not have at least one of required scope(s): [read:organization]` }));
    const url = `${forge.base()}/api/v1/orgs/acme/actions/runners/registration-token`;
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "org", org: "acme" }, apiToken: API_TOKEN }), {
      reason: "forbidden",
      url,
      scope: "org/acme",
      status: 403,
    });
    assert.match(error.message, /required scope\(s\): \[read:organization\]/);
    assert.match(error.message, /\[redacted\]/);
    assert.match(error.fix, /read:organization/);
    assert.match(error.fix, /owner of the organisation "acme"/);
  });

  it("404 for a repository: names the repository and the usual causes (typo, no access, Actions disabled)", async () => {
    forge.answer((_req, res) => json(res, 404, { message: "The target couldn't be found.", errors: [] }));
    const url = `${forge.base()}/api/v1/repos/acme/app/actions/runners/registration-token`;
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "repo", owner: "acme", repo: "app" }, apiToken: API_TOKEN }), {
      reason: "not-found",
      url,
      scope: "repo/acme/app",
      status: 404,
    });
    assert.match(error.message, /repository "acme\/app" was not found/);
    assert.match(error.fix, /forge\.scope/);
    assert.match(error.fix, /enable Actions/);
  });

  it("another non-2xx (500): reports the status and points at the forge's logs", async () => {
    forge.answer((_req, res) => {
      res.writeHead(500, { "Content-Type": "text/html" });
      res.end("<html>oops</html>");
    });
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "user" }, apiToken: API_TOKEN }), {
      reason: "http-error",
      url: `${forge.base()}/api/v1/user/actions/runners/registration-token`,
      scope: "user",
      status: 500,
    });
    assert.match(error.message, /HTTP 500/);
    assert.match(error.fix, /logs/);
  });

  it("a redirect is reported, not followed, so the API token is sent nowhere else", async () => {
    forge.answer((_req, res) => {
      res.writeHead(301, { Location: `${forge.base()}/elsewhere/api/v1/user/actions/runners/registration-token?secret=x` });
      res.end();
    });
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "user" }, apiToken: API_TOKEN }), {
      reason: "redirect",
      url: `${forge.base()}/api/v1/user/actions/runners/registration-token`,
      scope: "user",
      status: 301,
    });
    assert.equal(forge.requests.length, 1, "only the original request reached the forge");
    assert.match(error.message, /redirected the request to http:\/\/127\.0\.0\.1:\d+\/elsewhere\//);
    assert.doesNotMatch(error.message, /secret=x/);
  });

  it("2xx without a token header or token field: says so and suggests forge.address is not Forgejo itself", async () => {
    forge.answer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<html>login</html>");
    });
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "instance" }, apiToken: API_TOKEN }), {
      reason: "missing-token",
      url: `${forge.base()}/api/v1/admin/runners/registration-token`,
      scope: "instance",
      status: 200,
    });
    assert.match(error.message, /without a usable token/);
    assert.match(error.fix, /forge\.address/);
  });

  it("a forge that never answers: times out after timeoutMs with a timeout error", async () => {
    forge.answer(() => {
      /* hold the request open; stop() closes the socket */
    });
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: forge.base(), scope: { kind: "org", org: "acme" }, apiToken: API_TOKEN, timeoutMs: 200 }), {
      reason: "timeout",
      url: `${forge.base()}/api/v1/orgs/acme/actions/runners/registration-token`,
      scope: "org/acme",
    });
    assert.match(error.message, /no answer within 200 ms/);
    assert.equal(forge.requests.length, 1);
  });
});

describe("mintForgejoRegistrationToken when the forge is down", () => {
  it("connection refused: names the URL and scope and says nothing listens there", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const base = `http://127.0.0.1:${port}/git`;
    const error = await rejectsForge(mintForgejoRegistrationToken({ baseUrl: base, scope: { kind: "repo", owner: "acme", repo: "app" }, apiToken: API_TOKEN }), {
      reason: "unreachable",
      url: `${base}/api/v1/repos/acme/app/actions/runners/registration-token`,
      scope: "repo/acme/app",
    });
    assert.match(error.message, /connection refused/);
    assert.match(error.fix, /start the forge, or correct forge\.address/);
  });
});

describe("mintForgejoRegistrationToken with bad settings", () => {
  const noFetch: typeof fetch = () => assert.fail("no request may be sent with bad settings");

  it("reports every problem at once, naming each key and its fix, without echoing the values", async () => {
    const error = await mintForgejoRegistrationToken({
      baseUrl: "https://admin:hunter2@forge.example.com",
      scope: { kind: "org", org: "bad name" },
      apiToken: `token ${API_TOKEN}`,
      timeoutMs: 0,
      fetch: noFetch,
    }).then(() => assert.fail("expected a ConfigError"), (e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((i) => i.path), ["forge.address", "forge.scope", "forge.apiToken", "forge.timeoutMs"]);
    for (const issue of error.issues) assert.ok(issue.fix.length > 0, `${issue.path} says how to fix it`);
    assert.match(error.issues[2]?.fix ?? "", /without a "token " or "Bearer " prefix/);
    assert.ok(!error.message.includes(API_TOKEN));
    assert.ok(!error.message.includes("hunter2"));
  });

  it("refuses plain http to a non-loopback host unless allowInsecureHttp is set", async () => {
    const error = await mintForgejoRegistrationToken({ baseUrl: "http://forge.example.com", scope: { kind: "instance" }, apiToken: API_TOKEN, fetch: noFetch }).then(
      () => assert.fail("expected a ConfigError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0]?.path, "forge.address");
    assert.match(error.issues[0]?.message ?? "", /unencrypted/);
    assert.match(error.issues[0]?.fix ?? "", /https:\/\//);

    let requested = "";
    const fakeFetch: typeof fetch = async (input) => {
      requested = String(input);
      return new Response(null, { status: 200, headers: { token: MINTED } });
    };
    const token = await mintForgejoRegistrationToken({ baseUrl: "http://forge.example.com", scope: { kind: "instance" }, apiToken: API_TOKEN, fetch: fakeFetch, allowInsecureHttp: true });
    assert.equal(token, MINTED);
    assert.equal(requested, "http://forge.example.com/api/v1/admin/runners/registration-token");
  });

  it("refuses a base URL that already ends with /api/v1", async () => {
    const error = await mintForgejoRegistrationToken({ baseUrl: "https://forge.example.com/api/v1/", scope: { kind: "instance" }, apiToken: API_TOKEN, fetch: noFetch }).then(
      () => assert.fail("expected a ConfigError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0]?.path, "forge.address");
    assert.match(error.issues[0]?.fix ?? "", /without \/api\/v1/);
  });

  it("the documented default timeout is 10 s", () => {
    assert.equal(FORGEJO_TOKEN_DEFAULTS.timeoutMs, 10_000);
  });
});
