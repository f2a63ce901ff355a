// ForgejoRegistrationToken: the dynamic provider run directly (as the dynamic-provider process runs
// it, after serialisation), against a stand-in forge on 127.0.0.1, and the resource under mocks.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../model/issues.ts";
import { ForgejoRegistrationToken, forgejoRegistrationTokenProvider as provider } from "./forgejo-registration-token.ts";

const API_TOKEN = "0123456789abcdef0123456789abcdef01234567";
const MINTED = "mintedRunnerTokenCANARY0123456789abcdefGH";

/** A stand-in Forgejo on 127.0.0.1: answers the registration-token endpoint with a JSON body, as Forgejo does. */
class FakeForge {
  requests: { url: string; authorization: string | undefined }[] = [];
  status = 200;
  private readonly server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    this.requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    res.writeHead(this.status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(this.status === 200 ? { token: MINTED } : { message: "token is required" }));
  });
  url = "";
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const inputs = (forgeUrl: string, extra: Record<string, unknown> = {}) => ({
  forgeUrl,
  scope: "org/acme",
  registrationTrigger: '{"name":"fenced-1"}',
  source: "api" as const,
  apiToken: API_TOKEN,
  ...extra,
});

describe("the ForgejoRegistrationToken provider", () => {
  const forge = new FakeForge();
  before(() => forge.start());
  after(() => forge.stop());

  it("create mints through the API and keeps the token, never the API token, in its outputs", async () => {
    forge.requests = [];
    const result = await provider.create(inputs(forge.url));
    assert.equal(result.outs.token, MINTED);
    assert.equal("apiToken" in result.outs, false, "the API token is not an output");
    assert.deepEqual(forge.requests, [{ url: "/api/v1/orgs/acme/actions/runners/registration-token", authorization: `token ${API_TOKEN}` }]);
  });

  it("create fails with the forge's reason and fix, without the API token", async () => {
    forge.status = 401;
    try {
      await assert.rejects(provider.create(inputs(forge.url)), (e: Error) => {
        assert.equal(e.name, "ForgeError");
        assert.match(e.message, /rejected \(HTTP 401\).*Fix: create a new access token/s);
        assert.ok(!e.message.includes(API_TOKEN));
        return true;
      });
    } finally {
      forge.status = 200;
    }
  });

  it("diff replaces only for the forge URL, the scope and the registration trigger", async () => {
    const olds = (await provider.create(inputs(forge.url))).outs as Record<string, unknown>;
    const diff = (news: Record<string, unknown>) => provider.diff!("id", olds, news);
    assert.deepEqual(await diff(inputs(forge.url)), { changes: false, replaces: [], deleteBeforeReplace: false });
    assert.deepEqual((await diff(inputs(forge.url, { apiToken: "rotated0123456789" }))).changes, false, "a rotated API token mints nothing");
    assert.deepEqual((await diff(inputs(forge.url, { registrationTrigger: '{"name":"fenced-2"}' }))).replaces, ["registrationTrigger"]);
    assert.deepEqual((await diff(inputs(forge.url, { scope: "repo/acme/app" }))).replaces, ["scope"]);
    assert.deepEqual((await diff(inputs(`${forge.url}/git`))).replaces, ["forgeUrl"]);
    assert.deepEqual(await diff(inputs(forge.url, { timeoutMs: 30000 })), { changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("update, read and delete keep the token and never call the forge", async () => {
    const olds = (await provider.create(inputs(forge.url))).outs as Record<string, unknown>;
    forge.requests = [];
    const updated = await provider.update!("id", olds, inputs(forge.url, { apiToken: "rotated0123456789", timeoutMs: 30000 }));
    assert.equal(updated.outs?.token, MINTED);
    assert.equal(updated.outs?.timeoutMs, 30000);
    assert.equal("apiToken" in (updated.outs ?? {}), false);
    assert.deepEqual(await provider.read!("id", olds), { id: "id", props: olds });
    await provider.delete!("id", olds);
    assert.deepEqual(forge.requests, [], "no request reached the forge");
  });

  it("create mints over SSH with the Forgejo CLI on the forge host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-ssh-"));
    writeFileSync(join(dir, "ssh"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\necho "2025/01/01 info: loading config"\necho ${MINTED}\n`);
    chmodSync(join(dir, "ssh"), 0o755);
    const path = process.env["PATH"];
    process.env["PATH"] = `${dir}:${path ?? ""}`;
    try {
      const ssh = { host: "forge.lan", user: "deploy", keyPath: "/keys/forge", forgejoUser: "git" };
      const result = await provider.create({ ...inputs("https://forge.lan", { source: "ssh", ssh }), apiToken: undefined });
      assert.equal(result.outs.token, MINTED);
      const args = readFileSync(join(dir, "args"), "utf8").trim().split("\n");
      const end = args.indexOf("--");
      assert.deepEqual(args.slice(end - 4, end + 2), ["-p", "22", "-l", "deploy", "--", "forge.lan"]);
      assert.equal(args.at(-1), "sudo -n -u git -- forgejo actions generate-runner-token --scope acme");
      assert.ok(args.includes("/keys/forge"), "ssh -i names the forge key");
    } finally {
      process.env["PATH"] = path;
    }
  });

  it("serialises to a self-contained provider that the dynamic-provider process can run", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
    assert.equal(serialized.containsSecrets, false);
    assert.doesNotMatch(serialized.text, /require\(|function mintForgejo|function parseForgeBaseUrl/, "the minting code is loaded at create time, not inlined");
    const captured = [...serialized.text.matchAll(/with\(\{ ([^}]*)\}\)/g)].flatMap((m) => (m[1] ?? "").split(", ").map((c) => c.split(":")[0]));
    assert.deepEqual([...new Set(captured)].sort(), ["MINT_MODULES", "arguments", "provider", "this"], "the methods capture nothing but the module URLs");
    // The same loader the dynamic-provider process uses.
    const requireFromString = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"))("require-from-string") as (code: string) => { handler: () => typeof provider };
    const revived = requireFromString(serialized.text).handler();
    forge.requests = [];
    const result = await revived.create(inputs(forge.url));
    assert.equal(result.outs.token, MINTED);
    assert.equal(forge.requests.length, 1);
  });
});

describe("the ForgejoRegistrationToken resource", () => {
  const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  before(() =>
    pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          registered.push({ type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown> });
          return { id: `${a.name}-id`, state: { ...a.inputs, token: MINTED } };
        },
        call: (a) => a.inputs,
      },
      "token-test",
      "test",
      false,
    ),
  );

  it("registers under its own type with the API token as a secret and the token declared a secret output", async () => {
    let secretOutputs: string[] | undefined;
    const t = new ForgejoRegistrationToken("tok", { forgeUrl: "https://forge.example.com/", scope: "repo/acme/app", registrationTrigger: "x", apiToken: API_TOKEN }, {
      transformations: [(a) => { secretOutputs = (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs; return undefined; }],
    });
    await new Promise<void>((resolve) => t.urn.apply(() => resolve()));
    const r = registered.find((x) => x.name === "tok")!;
    assert.equal(r.type, ForgejoRegistrationToken.TYPE);
    assert.equal(r.type, "pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken");
    assert.equal(r.inputs["forgeUrl"], "https://forge.example.com", "one spelling of the URL, so a trailing slash never re-mints");
    assert.deepEqual(r.inputs["apiToken"], { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: API_TOKEN });
    assert.deepEqual(secretOutputs, ["token", "apiToken"]);
  });

  it("refuses bad settings before registering, naming every key", () => {
    const before = registered.length;
    assert.throws(
      () => new ForgejoRegistrationToken("bad", { forgeUrl: "https://forge.example.com/api/v1", scope: "team/x", registrationTrigger: "x" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.issues.map((i) => i.path).sort(), ["forge.address", "forge.scope", "forgeApiToken"]);
        for (const i of e.issues) assert.ok(i.fix.length > 10, `${i.path} says how to fix it`);
        return true;
      },
    );
    assert.throws(
      () => new ForgejoRegistrationToken("bad", { forgeUrl: "https://f.example.com", scope: "user", registrationTrigger: "x", apiToken: API_TOKEN, ssh: { host: "-oProxyCommand=x", user: "deploy", keyPath: "/k" } }),
      (e: unknown) => e instanceof ConfigError && ["forgeApiToken", "forge.ssh.scopeUser", "forge.ssh.host"].every((p) => e.issues.some((i) => i.path === p)) && !e.message.includes(API_TOKEN),
    );
    assert.equal(registered.length, before, "nothing was registered");
  });
});
