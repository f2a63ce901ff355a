// The host side of an ephemeral Forgejo pool, run for real: the registration script (real sh, real
// curl) against a local HTTP server that answers as Forgejo 15's published API description says
// (test/reference/forgejo-v15), and the fill script with stand-ins for virsh, qemu-img and genisoimage.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { Ajv } from "ajv";
import { type ResolvedForgejoVm, resolveForgejoVm } from "../../model/forgejo-vm.ts";
import { renderForgejoPoolCloudInit } from "../cloud-init/forgejo-pool.ts";
import { EPHEMERAL_GUEST, forgejoEphemeralGuest, oneJobStartScript, runnerCredentialsScript } from "./forgejo-ephemeral-guest.ts";
import { ephemeralPoolOf, forgejoPoolDeleteScript, forgejoPoolFillScript, forgejoPoolFillTimer, forgejoPoolInstallScript, forgejoPoolRemoveCredentialScript } from "./forgejo-pool-host.ts";
import { forgejoRegisterScript } from "./forgejo-pool-register.ts";
import { renderShellScript } from "./shell.ts";
import { guestServiceUnit, renderSystemdUnit, unitValues } from "./systemd.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const REPO = join(import.meta.dirname, "..", "..", "..");
const API_TOKEN = "3fc3ef39805b0f811a5d7789cb7b448348d6bfbb";
const RUNNER_TOKEN = "e1f3d26e034687a2b6856c4c6c3d87a469ff3bea";
const RUNNER_UUID = "d4637a60-7fea-4075-a81c-7e4ae01bdf0d";

/** The published API description (excerpt), with the template placeholders filled as Forgejo does. */
const SPEC = JSON.parse(readFileSync(join(REPO, "test/reference/forgejo-v15/register-runner.json"), "utf8").replaceAll("{{AppSubUrl | JSEscape}}", "").replaceAll("{{AppVer | JSEscape}}", "15.0.0")) as {
  basePath: string;
  paths: Record<string, Record<string, { responses: Record<string, { $ref: string }> }>>;
  definitions: Record<string, { properties: Record<string, unknown> }>;
  responses: Record<string, { schema: { $ref: string } }>;
};
const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
const schemaOf = (ref: string) => ajv.compile({ $ref: ref, definitions: SPEC.definitions });
const validRequest = schemaOf("#/definitions/RegisterRunnerOptions");
/** The schema of an operation's answer with `status`, as the description declares it. */
function responseSchema(path: string, status: number) {
  const op = SPEC.paths[path]?.["post"];
  const ref = op?.responses[String(status)]?.$ref;
  if (ref === undefined) return undefined;
  return schemaOf(SPEC.responses[ref.replace("#/responses/", "")]?.schema.$ref ?? "");
}
/** The description's path template an API path matches, e.g. /repos/{owner}/{repo}/actions/runners. */
function templateOf(apiPath: string): string | undefined {
  const rel = apiPath.slice(`${SPEC.basePath}`.length);
  return Object.keys(SPEC.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(rel));
}

interface Answer { status: number; body: unknown }
const requests: { method: string; path: string; auth: string | undefined; body: unknown }[] = [];
let answer: Answer = { status: 201, body: {} };
let server: Server;
let base = "";

function handle(req: IncomingMessage, res: ServerResponse): void {
  let text = "";
  req.on("data", (c: Buffer) => (text += c.toString()));
  req.on("end", () => {
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    requests.push({ method: req.method ?? "", path: req.url ?? "", auth: req.headers.authorization, body });
    const template = templateOf(req.url ?? "");
    if (req.method !== "POST" || template === undefined) {
      res.writeHead(405).end();
      return;
    }
    const check = responseSchema(template, answer.status);
    assert.ok(check, `the description declares HTTP ${answer.status} for POST ${template}`);
    assert.ok(check(answer.body), `the answer matches the described schema: ${JSON.stringify(check.errors)}`);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
}

before(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
});
after(() => server.close());

const vmOf = (extra: { scope?: string; slots?: number } = {}): ResolvedForgejoVm => resolveForgejoVm({
  host: { address: "kvm1.lan", sshKeyPath: "/k" },
  forge: { address: base, scope: extra.scope ?? "repo/acme/app", version: "15.0.1" },
  vm: { name: "fj-eph" },
  runner: { ephemeral: true, slots: extra.slots ?? 2, version: "12.8.0", sha256: "a".repeat(64), labels: ["fenced:docker://node:22.12.0-bookworm"] },
});

/** Runs a script with sh, without blocking the event loop (the test server answers meanwhile). */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("sh", [file, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    p.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

function registerSetup(vm: ResolvedForgejoVm): { dir: string; script: string; auth: string } {
  const dir = mkdtempSync(join(tmpdir(), "fj-register-"));
  const script = join(dir, "register");
  writeFileSync(script, renderShellScript(forgejoRegisterScript(vm, ephemeralPoolOf(vm))));
  const auth = join(dir, "auth");
  writeFileSync(auth, `Authorization: token ${API_TOKEN}\n`);
  mkdirSync(join(dir, "out"));
  return { dir, script, auth };
}

describe("registering an ephemeral runner against Forgejo 15's API", () => {
  for (const [scope, template] of [["repo/acme/app", "/repos/{owner}/{repo}/actions/runners"], ["org/acme", "/orgs/{org}/actions/runners"], ["user", "/user/actions/runners"], ["instance", "/admin/actions/runners"]] as const) {
    it(`${scope}: one POST to ${template} with a RegisterRunnerOptions body; uuid, token and id land in root-only files`, async () => {
      requests.length = 0;
      answer = { status: 201, body: { id: 5, uuid: RUNNER_UUID, token: RUNNER_TOKEN } };
      const vm = vmOf({ scope });
      const { dir, script, auth } = registerSetup(vm);
      const r = await run(script, ["fj-eph-1-20260101000000", join(dir, "out"), auth]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(requests.length, 1);
      const req = requests[0]!;
      assert.equal(templateOf(req.path), template);
      assert.equal(req.auth, `token ${API_TOKEN}`);
      assert.ok(validRequest(req.body), JSON.stringify(validRequest.errors));
      assert.deepEqual(Object.keys(req.body as object).filter((k) => !(k in (SPEC.definitions["RegisterRunnerOptions"]?.properties ?? {}))), [], "only keys the description declares");
      assert.deepEqual(req.body, { name: "fj-eph-1-20260101000000", description: "one-job runner of pool fj-eph (runner-fleet)", ephemeral: true });
      assert.equal(readFileSync(join(dir, "out", EPHEMERAL_GUEST.seedUuid), "utf8").trim(), RUNNER_UUID);
      assert.equal(readFileSync(join(dir, "out", EPHEMERAL_GUEST.seedToken), "utf8").trim(), RUNNER_TOKEN);
      assert.equal(readFileSync(join(dir, "out", "runner-id"), "utf8").trim(), "5");
      assert.equal(existsSync(join(dir, "out", "response.json")), false, "the answer (with the token) is not left behind");
      assert.ok(!`${r.stdout}${r.stderr}`.includes(RUNNER_TOKEN) && !`${r.stdout}${r.stderr}`.includes(API_TOKEN), "no token printed");
    });
  }

  for (const [status, body, why] of [
    [401, { message: "token is required", url: "https://forgejo.example.com/api/swagger" }, /invalid or expired: set a new one with pulumi config set --secret forgeApiToken/],
    [404, { errors: [], message: "The target couldn't be found.", url: "https://forgejo.example.com/api/swagger" }, /repo\/acme\/app does not exist .* older than Forgejo 15/],
    [400, { message: "name is required", url: "https://forgejo.example.com/api/swagger" }, /refused the request's fields/],
  ] as const) {
    it(`HTTP ${status}: one request, a logged error with Forgejo's message and the fix, exit 1, no credentials written`, async () => {
      requests.length = 0;
      answer = { status, body };
      const vm = vmOf();
      const { dir, script, auth } = registerSetup(vm);
      const r = await run(script, ["fj-eph-1-x", join(dir, "out"), auth]);
      assert.equal(r.status, 1);
      assert.equal(requests.length, 1, "no retry");
      assert.match(r.stderr, new RegExp(`fj-eph-1-x: Forgejo answered HTTP ${status} to the runner registration \\(${body.message.replace(/[.()]/g, "\\$&")}\\): `));
      assert.match(r.stderr, why);
      assert.deepEqual(readdirSync(join(dir, "out")).filter((f) => f !== "body.json"), []);
      assert.ok(!r.stderr.includes(API_TOKEN));
    });
  }

  it("HTTP 403 (a status the description does not declare for this operation) is logged with the token scope it needs", async () => {
    requests.length = 0;
    const vm = vmOf();
    const { dir, script, auth } = registerSetup(vm);
    // The stand-in server refuses to send an undeclared status, so this one answers directly.
    const s403 = createServer((_req, res) => res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ message: "token does not have at least one of required scope(s): [write:repository]", url: "" })));
    await new Promise<void>((r) => s403.listen(0, "127.0.0.1", r));
    const a = s403.address();
    const text = readFileSync(script, "utf8").replaceAll(base, `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`);
    writeFileSync(script, text);
    const r = await run(script, ["fj-eph-1-x", join(dir, "out"), auth]);
    s403.close();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /HTTP 403 .*the API token lacks the write:repository scope, or its user may not manage the runners of repo\/acme\/app/);
  });
});

/** Stand-ins for the host tools: they log every call and keep each domain's state in a file. */
const FAKES: Record<string, string> = {
  virsh: `#!/bin/sh
echo "virsh $*" >>"$FAKE_DIR/calls"
if [ "$1" = --connect ]; then shift 2; fi
case "$1" in
  domstate) if [ -f "$FAKE_DIR/dom-$2" ]; then cat "$FAKE_DIR/dom-$2"; else echo "error: failed to get domain '$2'" >&2; exit 1; fi ;;
  define) n=$(sed -n 's:.*<name>\\(.*\\)</name>.*:\\1:p' "$3"); echo "shut off" >"$FAKE_DIR/dom-$n" ;;
  start) echo running >"$FAKE_DIR/dom-$2" ;;
  undefine) rm -f "$FAKE_DIR/dom-$3" ;;
esac
`,
  "qemu-img": `#!/bin/sh
echo "qemu-img $*" >>"$FAKE_DIR/calls"
: >"$9"
`,
  genisoimage: `#!/bin/sh
echo "genisoimage $*" >>"$FAKE_DIR/calls"
out=$3; shift 8
for f in "$@"; do echo "== $(basename "$f")"; cat "$f"; done >"$out"
`,
};

function fillSetup(vm: ResolvedForgejoVm): { dir: string; fill: string; env: Record<string, string> } {
  const pool = ephemeralPoolOf(vm);
  const dir = mkdtempSync(join(tmpdir(), "fj-fill-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const [name, text] of Object.entries(FAKES)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const paths: [string, string][] = [[pool.paths.registerScript, join(dir, "register")], [pool.paths.stagingDir, join(dir, "staging")], [pool.paths.authHeader, join(dir, "auth")], [vm.host.poolPath, join(dir, "pool")]];
  const moved = (text: string) => paths.reduce((t, [from, to]) => t.replaceAll(from, to), text);
  writeFileSync(join(dir, "register"), moved(renderShellScript(forgejoRegisterScript(vm, pool))));
  chmodSync(join(dir, "register"), 0o700);
  const fill = join(dir, "fill");
  writeFileSync(fill, moved(renderShellScript(forgejoPoolFillScript(vm))));
  writeFileSync(join(dir, "auth"), `Authorization: token ${API_TOKEN}\n`);
  mkdirSync(join(dir, "pool"));
  writeFileSync(moved(vm.vm.paths.baseImage), "base");
  const ci = renderForgejoPoolCloudInit(vm, pool);
  mkdirSync(join(dir, "staging"));
  writeFileSync(join(dir, "staging", "user-data"), ci.userData);
  writeFileSync(join(dir, "staging", "network-config"), ci.networkConfig);
  for (const s of pool.slots) {
    mkdirSync(join(dir, "staging", s.name));
    writeFileSync(join(dir, "staging", s.name, "meta-data"), ci.slots.find((c) => c.name === s.name)?.metaData ?? "");
    writeFileSync(join(dir, "staging", s.name, "domain.xml"), `<domain><name>${s.name}</name></domain>\n`);
  }
  return { dir, fill, env: { PATH: `${bin}:${process.env["PATH"] ?? ""}`, FAKE_DIR: dir } };
}

describe("the fill script keeps every slot filled, one fresh VM per registered runner", () => {
  it("registers one runner per empty slot and boots a fresh overlay whose seed carries its uuid and token", async () => {
    requests.length = 0;
    answer = { status: 201, body: { id: 7, uuid: RUNNER_UUID, token: RUNNER_TOKEN } };
    const vm = vmOf({ slots: 2 });
    const { dir, fill, env } = fillSetup(vm);
    const r = await run(fill, [], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(requests.length, 2);
    const calls = readFileSync(join(dir, "calls"), "utf8");
    for (const slot of ["fj-eph-1", "fj-eph-2"]) {
      assert.match(calls, new RegExp(`qemu-img create -q -f qcow2 -F qcow2 -b \\S+ ${join(dir, "pool", `${slot}.qcow2`)} 40G`));
      assert.match(calls, new RegExp(`virsh --connect qemu:///system start ${slot}$`, "m"));
      const seed = readFileSync(join(dir, "pool", `${slot}-seed.iso`), "utf8");
      assert.match(seed, new RegExp(`== runner-uuid\\n${RUNNER_UUID}`));
      assert.match(seed, new RegExp(`== runner-token\\n${RUNNER_TOKEN}`));
      assert.match(seed, /== meta-data\ninstance-id: iid-fj-eph-\d-/);
      assert.equal(readFileSync(join(dir, "staging", slot, "runner-id"), "utf8").trim(), "7");
    }
    assert.ok(!r.stdout.includes(RUNNER_TOKEN) && !r.stderr.includes(RUNNER_TOKEN));
    // A second run finds both slots running: nothing is registered.
    const again = await run(fill, [], env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(requests.length, 2);
  });

  it("a finished slot is destroyed, its last runner removed, and a new runner registered into a fresh overlay", async () => {
    requests.length = 0;
    answer = { status: 201, body: { id: 9, uuid: RUNNER_UUID, token: RUNNER_TOKEN } };
    const vm = vmOf({ slots: 1 });
    const { dir, fill, env } = fillSetup(vm);
    assert.equal((await run(fill, [], env)).status, 0);
    writeFileSync(join(dir, "dom-fj-eph-1"), "shut off\n");
    writeFileSync(join(dir, "pool", "fj-eph-1.qcow2"), "used by the last job");
    const r = await run(fill, [], env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(requests.map((q) => `${q.method} ${q.path}`), [
      "POST /api/v1/repos/acme/app/actions/runners",
      "DELETE /api/v1/repos/acme/app/actions/runners/9",
      "POST /api/v1/repos/acme/app/actions/runners",
    ]);
    assert.match(readFileSync(join(dir, "calls"), "utf8"), /virsh --connect qemu:\/\/\/system undefine --nvram fj-eph-1/);
    assert.equal(readFileSync(join(dir, "pool", "fj-eph-1.qcow2"), "utf8"), "", "a fresh overlay");
  });

  it("a refused registration stops the run: one request for all empty slots, exit 1, the reason logged", async () => {
    requests.length = 0;
    answer = { status: 401, body: { message: "token is required", url: "" } };
    const vm = vmOf({ slots: 3 });
    const { dir, fill, env } = fillSetup(vm);
    const r = await run(fill, [], env);
    assert.equal(r.status, 1);
    assert.equal(requests.length, 1, "no retry storm");
    assert.match(r.stderr, /Forgejo answered HTTP 401/);
    assert.match(r.stderr, /fj-eph-1: no runner registered; empty slots stay empty until the next run/);
    assert.doesNotMatch(readFileSync(join(dir, "calls"), "utf8"), /virsh --connect qemu:\/\/\/system (define|start)|qemu-img create/);
  });

  it("the timer runs the fill refillSeconds after each run ends, never in a loop", () => {
    const timer = forgejoPoolFillTimer(vmOf());
    assert.deepEqual(unitValues(timer, "Timer", "OnUnitInactiveSec"), ["60s"]);
    assert.deepEqual(unitValues(timer, "Timer", "OnBootSec"), ["60s"]);
  });
});

describe("the one-job guest", () => {
  it("runs forgejo-runner one-job with the host's runner and powers the VM off when it ends", () => {
    const vm = vmOf();
    const guest = forgejoEphemeralGuest(vm);
    const unit = guestServiceUnit(guest.service);
    assert.deepEqual(unitValues(unit, "Unit", "SuccessAction"), ["poweroff"]);
    assert.deepEqual(unitValues(unit, "Unit", "FailureAction"), ["poweroff"]);
    assert.deepEqual(unitValues(unit, "Service", "Restart"), ["no"]);
    assert.deepEqual(unitValues(unit, "Service", "ExecStartPre"), [`+${EPHEMERAL_GUEST.credentialsScript}`]);
    const start = renderShellScript(oneJobStartScript(vm));
    assert.match(start, /exec \/usr\/local\/bin\/forgejo-runner one-job -c \/etc\/forgejo-runner\/config\.yaml --url http:\/\/127\.0\.0\.1:\d+ --uuid "\$\{uuid\}" --token-url file:\/run\/forgejo-runner\/token --label fenced:docker:\/\/node:22\.12\.0-bookworm --wait$/m);
  });

  it("the seed documents hold no credential; the guest reads the runner's uuid and token from the seed ISO", () => {
    const vm = vmOf();
    const ci = renderForgejoPoolCloudInit(vm, ephemeralPoolOf(vm));
    const ud = parse(ci.userData) as { write_files: { path: string; content: string }[] };
    assert.ok(ud.write_files.every((f) => !f.path.includes("token") && !f.content.includes(RUNNER_TOKEN)));
    assert.equal(ci.slots.length, 2);
    assert.notEqual(ci.slots[0]?.instanceId, ci.slots[1]?.instanceId);
    const creds = renderShellScript(runnerCredentialsScript());
    assert.match(creds, /install -m 0400 -o runner -g runner "\$\{mnt\}"\/runner-token \/run\/forgejo-runner\/token/);
  });
});

it("every rendered script passes shellcheck, and the guest's Exec line too", needs("shellcheck"), async () => {
  requireTool("shellcheck");
  const vm = vmOf();
  const pool = ephemeralPoolOf(vm);
  const dir = mkdtempSync(join(tmpdir(), "fj-sc-"));
  const scripts = {
    register: forgejoRegisterScript(vm, pool), fill: forgejoPoolFillScript(vm), install: forgejoPoolInstallScript(vm), delete: forgejoPoolDeleteScript(vm),
    "remove-credential": forgejoPoolRemoveCredentialScript(vm), credentials: runnerCredentialsScript(), start: oneJobStartScript(vm),
  };
  for (const [name, s] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), renderShellScript(s));
    const r = await new Promise<{ status: number; out: string }>((resolve) => {
      const p = spawn("shellcheck", ["--shell=sh", join(dir, name)]);
      let out = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.on("close", (status) => resolve({ status: status ?? -1, out }));
    });
    assert.equal(r.status, 0, `shellcheck ${name}:\n${r.out}`);
  }
  const unit = renderSystemdUnit(guestServiceUnit(forgejoEphemeralGuest(vm).service));
  const execs = [...unit.matchAll(/^Exec\w*=\+?(.*)$/gm)].map((m) => m[1] ?? "");
  assert.equal(execs.length, 2);
  for (const line of execs) {
    writeFileSync(join(dir, "exec"), `#!/bin/sh\n${line}\n`);
    const r = spawnSync("shellcheck", ["--shell=sh", join(dir, "exec")], { encoding: "utf8" });
    assert.equal(r.status, 0, `shellcheck ${line}:\n${r.stdout}`);
  }
});
