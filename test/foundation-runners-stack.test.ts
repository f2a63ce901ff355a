// Stack tests: the infra/pulumi/foundation-runners program run offline with its Pulumi.crunchy.yaml,
// and the CLI run on it as a user runs it. The program imports the built package: `npm run build` first.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderStack, type RenderedStack } from "../src/offline/render-stack.ts";
import { resolveForgejoVm } from "../src/model/index.ts";
import { forgejoVmHostCommands } from "../src/render/index.ts";
import { changedPaths, editedStackConfig, REPO, writeThrowawaySshKey } from "./helpers.ts";

const STACK = join(REPO, "infra/pulumi/foundation-runners");
const P = "foundation-runners";
type Config = Record<string, Record<string, unknown>>;

const dir = mkdtempSync(join(tmpdir(), "rf-foundation-"));
const keyPath = join(dir, "id_ed25519");
writeThrowawaySshKey(keyPath);
const KEY = readFileSync(keyPath, "utf8");
/** The key's first body line: key material that must never be rendered or printed. */
const KEY_BODY = KEY.split("\n")[1] ?? "";
const SECURE = "v1:REPLACE-ME-with-pulumi-config-set-secret-forgeApiToken";

const previousKeyPath = process.env["RUNNER_SSH_KEY_PATH"];
before(() => {
  assert.ok(existsSync(join(REPO, "dist/pulumi/libvirt-runner-vm.js")), "build the package first (npm run build)");
  process.env["RUNNER_SSH_KEY_PATH"] = keyPath;
});
after(() => {
  if (previousKeyPath === undefined) delete process.env["RUNNER_SSH_KEY_PATH"];
  else process.env["RUNNER_SSH_KEY_PATH"] = previousKeyPath;
});

const render = (configFile?: string) => renderStack(STACK, configFile ? { stack: "crunchy", configFile } : { stack: "crunchy" });
const edited = (edit: (c: Config) => void) => editedStackConfig(STACK, "crunchy", (c) => edit(c as Config));
const byName = (r: RenderedStack) => new Map(r.resources.map((x) => [x.name, x]));
const inputsOf = (r: RenderedStack, name: string): Record<string, unknown> => byName(r).get(name)?.inputs ?? assert.fail(`no resource ${name}`);

/** Asserts that rendering `file` is refused with an issue at `path` whose text matches `message` and has a fix. */
async function refused(file: string, path: string, message: RegExp): Promise<void> {
  await assert.rejects(render(file), (e: Error) => {
    assert.equal(e.name, "ConfigError", e.message);
    const line = e.message.split("\n").find((l) => l.startsWith(`  - ${path}: `));
    assert.ok(line, `an issue at ${path} in:\n${e.message}`);
    assert.match(line, message);
    assert.match(line, /\. Fix: \S/);
    assert.ok(!e.message.includes(KEY_BODY), "no key material in the error");
    return true;
  });
}

describe("foundation-runners stack (offline, Pulumi.crunchy.yaml)", async () => {
  process.env["RUNNER_SSH_KEY_PATH"] = keyPath;
  const base = await render();

  it("installs the exporter, its service and every-minute timer for each VM, after a root-only token file; destroy removes them", () => {
    for (const vm of ["runner", "ephemeral"]) {
      const exporter = inputsOf(base, `${vm}-metrics-exporter`);
      assert.match(String(exporter["create"]), /install -D -o root -g root -m 0755 \/dev\/stdin \/usr\/local\/lib\/runner-fleet\/forgejo-exporter-/);
      assert.match(String(exporter["create"]), /systemctl enable --now runner-fleet-forgejo-exporter-[a-z0-9-]+\.timer/);
      assert.match(String(exporter["delete"]), /systemctl disable --now runner-fleet-forgejo-exporter-/);
      const token = inputsOf(base, `${vm}-metrics-token`);
      assert.match(String(token["create"]), /chmod 0600/);
      assert.match(String(token["delete"]), /rm -f \/etc\/runner-fleet\/forgejo-exporter\/[a-z0-9-]+\.token/);
      assert.match(String(token["stdin"]), /^\[secret\]\n?$/, "the token reaches the host only as a secret");
    }
  });

  it("creates the token, the host preparation, the staging and the VM, inside one component", () => {
    assert.deepEqual(base.resources.map((r) => `${r.type}::${r.name}`), [
      "runner-fleet:libvirt:LibvirtRunnerVm::ephemeral",
      "runner-fleet:libvirt:LibvirtRunnerVm::runner",
      // The one-job pool of `ephemeralPool`: no registration token, no FORWARD fix of its own.
      "command:remote:Command::ephemeral-credential",
      // forgeReadToken: each VM's host runs the Forgejo job exporter (token file, then the exporter).
      "command:remote:Command::ephemeral-metrics-exporter",
      "command:remote:Command::ephemeral-metrics-token",
      "command:remote:Command::ephemeral-slots",
      "command:remote:Command::ephemeral-stage-network-config",
      "command:remote:Command::ephemeral-stage-untrusted-pool-1-domain-xml",
      "command:remote:Command::ephemeral-stage-untrusted-pool-1-meta-data",
      "command:remote:Command::ephemeral-stage-untrusted-pool-2-domain-xml",
      "command:remote:Command::ephemeral-stage-untrusted-pool-2-meta-data",
      "command:remote:Command::ephemeral-stage-untrusted-pool-3-domain-xml",
      "command:remote:Command::ephemeral-stage-untrusted-pool-3-meta-data",
      "command:remote:Command::ephemeral-stage-user-data",
      "command:remote:Command::runner-host-prep",
      "command:remote:Command::runner-metrics-exporter",
      "command:remote:Command::runner-metrics-token",
      "command:remote:Command::runner-stage-domain-xml",
      "command:remote:Command::runner-stage-meta-data",
      "command:remote:Command::runner-stage-network-config",
      "command:remote:Command::runner-stage-user-data",
      "command:remote:Command::runner-staging-dir",
      "command:remote:Command::runner-vm",
      "pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken::runner-registration-token",
    ]);
    assert.deepEqual(base.outputs["vmName"], "fenced-runner-1");
    assert.deepEqual(base.outputs["libvirtHost"], "192.168.1.10");
    assert.deepEqual(base.outputs["labels"], ["fenced"]);
  });

  it("exports its pools: one persistent runner, and three one-job runners for untrusted jobs", () => {
    assert.deepEqual(base.outputs["runnerPools"], [
      { name: "fenced-runner-1", forge: "forgejo", substrate: "libvirt-vm", labels: ["fenced"], min: 1, max: 1, oneJob: false, isolation: "vm", registration: { url: "https://forgejo.example.com", scope: "org/foundation" } },
      { name: "untrusted-pool", forge: "forgejo", substrate: "libvirt-vm", labels: ["untrusted"], min: 3, max: 3, oneJob: true, isolation: "vm", registration: { url: "https://forgejo.example.com", scope: "org/foundation", version: "15.0.1" } },
    ]);
  });

  it("the one-job pool installs the fill timer and the registration call to the org's runners; the API token only as a masked secret", () => {
    const install = String(inputsOf(base, "ephemeral-slots")["create"]);
    assert.match(install, /https:\/\/forgejo\.example\.com\/api\/v1\/orgs\/foundation\/actions\/runners/);
    assert.match(install, /runner-fleet-untrusted-pool-fill\.timer/);
    assert.equal(inputsOf(base, "ephemeral-credential")["stdin"], "Authorization: token [secret]\n", "the header line, the token masked in place");
    const userData = String(inputsOf(base, "ephemeral-stage-user-data")["stdin"]);
    assert.match(userData, /forgejo-runner one-job/);
    assert.doesNotMatch(userData, /registration-token|\[secret\]/, "the guest holds no credential of its own");
  });

  it("refuses a forge older than 15, a persistent untrusted pool, a static address and a runner without one-job's flags, under ephemeralPool", async () => {
    const pool = (c: Config) => c[`${P}:ephemeralPool`] as { forge: Record<string, unknown>; vm: Record<string, unknown>; runner: Record<string, unknown> };
    await refused(edited((c) => { pool(c).forge["version"] = "14.0.3"; }), "ephemeralPool.forge.version", /is 14\.0\.3; ephemeral runners need Forgejo 15\.0\.0 or later/);
    await refused(edited((c) => { delete pool(c).forge["version"]; }), "ephemeralPool.forge.version", /is missing while runner\.ephemeral is true/);
    await refused(edited((c) => { const r = pool(c).runner; r["ephemeral"] = false; r["trust"] = "untrusted"; delete r["slots"]; }), "ephemeralPool.runner.ephemeral", /a persistent runner is marked untrusted/);
    await refused(edited((c) => { pool(c).vm["ipCidr"] = "192.168.1.16/24"; pool(c).vm["gateway"] = "192.168.1.1"; pool(c).vm["dns"] = ["192.168.1.1"]; }), "ephemeralPool.vm.ipCidr", /an ephemeral pool runs several VMs at once/);
    await refused(edited((c) => { delete pool(c).runner["version"]; delete pool(c).runner["sha256"]; }), "ephemeralPool.runner.version", /is 12\.6\.4 \(the default\); one-job runners need forgejo-runner 12\.8\.0 or later/);
    await refused(edited((c) => { pool(c).forge["scope"] = "user"; }), "ephemeralPool.forge.scope", /is shared with the stack's forge/);
  });

  it("renders the crunchy settings into the scripts, the token request and the staged files", () => {
    const vm = resolveForgejoVm({
      host: { address: "192.168.1.10", sshKeyPath: keyPath },
      forge: { address: "https://forgejo.example.com", scope: "org/foundation" },
      vm: { name: "fenced-runner-1", ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"], cpus: 4, memoryMiB: 8192, diskGiB: 60 },
      runner: { labels: ["fenced:docker://node:22.12.0-bookworm"], capacity: 1 },
    });
    const cmds = forgejoVmHostCommands(vm);
    assert.equal(inputsOf(base, "runner-vm")["create"], cmds.create);
    assert.equal(inputsOf(base, "runner-vm")["delete"], cmds.deleteKeepingStaged);
    assert.match(String(inputsOf(base, "runner-stage-domain-xml")["stdin"]), /<memory unit="MiB">8192<\/memory>[\s\S]*<vcpu placement="static">4<\/vcpu>/);
    assert.match(String(inputsOf(base, "runner-stage-network-config")["stdin"]), /192\.168\.1\.15\/24/);
    const token = inputsOf(base, "runner-registration-token");
    assert.equal(token["forgeUrl"], "https://forgejo.example.com");
    assert.equal(token["scope"], "org/foundation");
    assert.equal(token["source"], "api");
    assert.equal(token["apiToken"], "[secret]");
  });

  it("keeps every secret masked: the SSH connection (key included), the user-data, the API token", () => {
    for (const r of base.resources.filter((x) => x.type === "command:remote:Command")) {
      assert.equal((r.inputs["connection"] as Record<string, unknown>)["privateKey"], "[secret]", r.name);
    }
    // The user-data stays readable; only the registration token inside it is masked, in place.
    const userData = String(inputsOf(base, "runner-stage-user-data")["stdin"]);
    assert.match(userData, /^#cloud-config\n/);
    assert.match(userData, /- path: \/etc\/forgejo-runner\/registration-token\n\s+content: "\[secret\]"/);
    // Host, user and port of the connection are no secrets; the key is.
    const connection = inputsOf(base, "runner-vm")["connection"] as Record<string, unknown>;
    assert.deepEqual([connection["host"], connection["user"], connection["port"]], ["192.168.1.10", "root", 22]);
    const all = JSON.stringify(base);
    assert.ok(!all.includes(KEY_BODY) && !all.includes("PRIVATE KEY"), "no key material");
    assert.ok(!all.includes(SECURE), "not even the ciphertext of the API token");
  });

  it("loads the minting code of the built package, by absolute URL, when the token is created", () => {
    const provider = String(inputsOf(base, "runner-registration-token")["__provider"]);
    const urls = [...provider.matchAll(/"(file:\/\/[^"]+)"/g)].map((m) => m[1] ?? "");
    assert.deepEqual(urls.map((u) => u.slice(u.indexOf("/dist/"))).sort(), ["/dist/forge/forgejo-token-ssh.js", "/dist/forge/forgejo-token.js", "/dist/model/forgejo-scope.js"]);
    for (const u of urls) assert.ok(existsSync(fileURLToPath(u)), u);
  });

  it("stands alone: no other stack is read and none of the forge's providers are used", () => {
    const program = readFileSync(join(STACK, "index.ts"), "utf8");
    const code = program.split("\n").filter((l) => !l.trimStart().startsWith("//")).join("\n");
    assert.deepEqual([...code.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]), ["runner-fleet/libvirt"], "the program imports only runner-fleet's libvirt entry");
    assert.doesNotMatch(code, /StackReference|getStack|@pulumi\/(kubernetes|aws|vault)|Provider\(/);
    const pkg = JSON.parse(readFileSync(join(STACK, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ["@pulumi/command", "@pulumi/pulumi", "runner-fleet"]);
    const types = new Set(base.resources.map((r) => r.type));
    assert.equal(types.has("pulumi:pulumi:StackReference"), false);
    assert.deepEqual([...types].filter((t) => t.startsWith("pulumi:providers:")), []);
    assert.deepEqual([...types].sort(), ["command:remote:Command", "pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken", "runner-fleet:libvirt:LibvirtRunnerVm"]);
  });

  it("new labels change the user-data, the VM's triggers and the token's trigger, and nothing else", async () => {
    const r = await render(edited((c) => { (c[`${P}:runner`] as Record<string, unknown>)["labels"] = ["fenced:docker://node:22.12.0-bookworm", "slim:docker://alpine:3.20"]; }));
    const changed = (name: string) => changedPaths(inputsOf(base, name), inputsOf(r, name)).filter((p) => p !== "__provider");
    assert.deepEqual(changed("runner-registration-token"), ["registrationTrigger"]);
    assert.deepEqual(changed("runner-vm"), ["triggers[0]", "triggers[2]", "triggers[4]"], "user-data, meta-data (its instance-id) and the token's keys changed");
    assert.deepEqual(changed("runner-stage-domain-xml"), []);
    assert.deepEqual(changed("runner-stage-network-config"), []);
    assert.deepEqual(changed("runner-host-prep"), []);
  });

  it("a larger disk changes only the apply script, so the VM is updated in place", async () => {
    const r = await render(edited((c) => { (c[`${P}:vm`] as Record<string, unknown>)["diskGiB"] = 80; }));
    assert.deepEqual(changedPaths(inputsOf(base, "runner-vm"), inputsOf(r, "runner-vm")), ["create", "update"]);
  });

  it("refuses a missing or invalid host address and forge address, naming each key", async () => {
    await refused(edited((c) => { delete (c[`${P}:host`] as Record<string, unknown>)["address"]; }), "host.address", /is required/);
    await refused(edited((c) => { (c[`${P}:host`] as Record<string, unknown>)["address"] = "root@crunchy:22"; }), "host.address", /not a hostname or IP address.*without user, port or scheme/);
    await refused(edited((c) => { delete (c[`${P}:forge`] as Record<string, unknown>)["address"]; }), "forge.address", /is required/);
    await refused(edited((c) => { (c[`${P}:forge`] as Record<string, unknown>)["address"] = "forgejo.example.com"; }), "forge.address", /is not a URL.*base URL of the Forgejo instance/);
    await refused(edited((c) => { delete c[`${P}:host`]; }), "host.address", /is required.*set host\.address/);
  });

  it("refuses a plain-http forge address unless forge.allowInsecureHttp is set, and passes the flag on", async () => {
    const http = (c: Config) => { (c[`${P}:forge`] as Record<string, unknown>)["address"] = "http://forgejo.lan:3000"; };
    await refused(edited(http), "forge.address", /plain http.*unencrypted.*use the forge's https:\/\/ address.*forge\.allowInsecureHttp: true/);
    const r = await render(edited((c) => { http(c); (c[`${P}:forge`] as Record<string, unknown>)["allowInsecureHttp"] = true; }));
    assert.equal(inputsOf(r, "runner-registration-token")["allowInsecureHttp"], true);
    assert.equal(inputsOf(r, "runner-registration-token")["forgeUrl"], "http://forgejo.lan:3000");
    assert.equal(inputsOf(base, "runner-registration-token")["allowInsecureHttp"], false);
  });

  it("refuses an invalid vm.ipCidr, malformed labels and an image URL without checksum", async () => {
    await refused(edited((c) => { (c[`${P}:vm`] as Record<string, unknown>)["ipCidr"] = "192.168.1.15/33"; }), "vm.ipCidr", /prefix length outside 1-32.*e\.g\. "192\.168\.1\.15\/24"/);
    await refused(edited((c) => { (c[`${P}:runner`] as Record<string, unknown>)["labels"] = ["fenced:docker://node:latest"]; }), "runner.labels[0]", /latest.*<name>:docker:\/\/<image:tag>/);
    await refused(edited((c) => { (c[`${P}:runner`] as Record<string, unknown>)["labels"] = ["no-kind"]; }), "runner.labels[0]", /no execution kind/);
    await refused(edited((c) => { (c[`${P}:vm`] as Record<string, unknown>)["baseImage"] = { url: "https://cloud-images.ubuntu.com/releases/noble/release-20250704/ubuntu-24.04-server-cloudimg-amd64.img" }; }), "vm.baseImage.sha256", /without a checksum is refused.*SHA256SUMS/);
  });

  it("refuses a capacity below 1 and memory or disk below their minimums, all at once", async () => {
    const file = edited((c) => {
      (c[`${P}:runner`] as Record<string, unknown>)["capacity"] = 0;
      (c[`${P}:vm`] as Record<string, unknown>)["memoryMiB"] = 512;
      (c[`${P}:vm`] as Record<string, unknown>)["diskGiB"] = 5;
    });
    await refused(file, "runner.capacity", /0 is not a whole number of 1 or more.*runner\.capacity to 1 or more/);
    await refused(file, "vm.memoryMiB", /512 is not a whole number of 1024 or more/);
    await refused(file, "vm.diskGiB", /5 is not a whole number of 10 or more/);
  });

  it("refuses a capacity, CPU count, memory or disk above their maximums, all at once", async () => {
    const file = edited((c) => {
      (c[`${P}:runner`] as Record<string, unknown>)["capacity"] = 1000;
      (c[`${P}:vm`] as Record<string, unknown>)["cpus"] = 256;
      (c[`${P}:vm`] as Record<string, unknown>)["memoryMiB"] = 1e9;
      (c[`${P}:vm`] as Record<string, unknown>)["diskGiB"] = 20000;
    });
    await refused(file, "runner.capacity", /1000 is more than the maximum of 64.*runner\.capacity to at most 64/);
    await refused(file, "vm.cpus", /256 is more than the maximum of 128.*vm\.cpus to at most 128/);
    await refused(file, "vm.memoryMiB", /1000000000 is more than the maximum of 1048576.*vm\.memoryMiB to at most 1048576/);
    await refused(file, "vm.diskGiB", /20000 is more than the maximum of 16384.*vm\.diskGiB to at most 16384/);
  });

  it("refuses an unreadable RUNNER_SSH_KEY_PATH, naming the variable and the fix; unset, renders a deploy-time placeholder", async () => {
    try {
      process.env["RUNNER_SSH_KEY_PATH"] = join(dir, "no-such-key");
      await refused(edited(() => undefined), "RUNNER_SSH_KEY_PATH", /cannot be read \(ENOENT\).*point RUNNER_SSH_KEY_PATH at an existing private key/);
      process.env["RUNNER_SSH_KEY_PATH"] = `${keyPath}.pub`;
      await refused(edited(() => undefined), "RUNNER_SSH_KEY_PATH", /holds a public key/);
      // Unset, an offline render needs no key: the connection shows a marked placeholder.
      delete process.env["RUNNER_SSH_KEY_PATH"];
      const offline = await render();
      assert.deepEqual(offline.deployTime.map((v) => v.name), ["RUNNER_SSH_KEY_PATH"]);
      assert.equal((inputsOf(offline, "runner-vm")["connection"] as Record<string, unknown>)["privateKey"], "[deploy-time: RUNNER_SSH_KEY_PATH]");
    } finally {
      process.env["RUNNER_SSH_KEY_PATH"] = keyPath;
    }
    await refused(edited((c) => { (c[`${P}:host`] as Record<string, unknown>)["sshKeyPath"] = "/root/.ssh/id_ed25519"; }), "host.sshKeyPath", /is set in the stack settings.*RUNNER_SSH_KEY_PATH/);
  });

  it("refuses the API token in plain text or missing, without quoting it", async () => {
    await assert.rejects(render(edited((c) => { c[`${P}:forgeApiToken`] = "CANARYplaintextToken" as unknown as Record<string, unknown>; })), (e: Error) => /forgeApiToken: is set in plain text but must be a secret \(its value is not shown\)\. Fix: .*pulumi config set --secret forgeApiToken/.test(e.message) && !e.message.includes("CANARY"));
    await refused(edited((c) => { delete c[`${P}:forgeApiToken`]; }), "forgeApiToken", /is not set while forge\.tokenSource is "api".*pulumi config set --secret forgeApiToken/);
  });

  it("refuses unknown settings, a malformed host key, and SSH settings for the API", async () => {
    await refused(edited((c) => { c[`${P}:vms`] = {}; }), "vms", /is not a setting of foundation-runners.*did you mean vm\?/);
    await refused(edited((c) => { (c[`${P}:vm`] as Record<string, unknown>)["memory"] = 4096; }), "vm.memory", /not a known key/);
    await refused(edited((c) => { c[`${P}:libvirtHostKey`] = "crunchy ssh-ed25519 AAAAC3Nz" as unknown as Record<string, unknown>; }), "libvirtHostKey", /not an SSH public host key.*ssh-keyscan/);
    await refused(edited((c) => { (c[`${P}:forge`] as Record<string, unknown>)["ssh"] = { host: "forge.lan", user: "deploy" }; }), "forge.ssh", /only applies when forge\.tokenSource is "ssh"/);
  });

  it("mints over SSH without an API token when forge.tokenSource is ssh", async () => {
    const r = await render(edited((c) => {
      delete c[`${P}:forgeApiToken`];
      // A one-job pool registers its runners through the API: without the API token it goes too.
      delete c[`${P}:ephemeralPool`];
      c[`${P}:forge`] = { ...c[`${P}:forge`], tokenSource: "ssh", ssh: { host: "forge.lan", user: "deploy", forgejoUser: "git" } };
    }));
    const token = inputsOf(r, "runner-registration-token");
    assert.equal(token["source"], "ssh");
    assert.deepEqual(token["ssh"], { host: "forge.lan", user: "deploy", forgejoUser: "git", keyPath });
    assert.equal(token["apiToken"], undefined);
  });
});

describe("runner-fleet render on foundation-runners (CLI)", () => {
  it("writes the commands and the token request, and prints no key or token material", () => {
    const out = mkdtempSync(join(tmpdir(), "rf-foundation-out-"));
    const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), "render", "infra/pulumi/foundation-runners", "--stack", "crunchy", "--out", out], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, RUNNER_SSH_KEY_PATH: keyPath },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /22 resources of foundation-runners \(stack crunchy\) written/);
    const files = readdirSync(out).sort();
    assert.deepEqual(files.filter((f) => f.endsWith(".json") && !f.startsWith("command-ephemeral-")), [
      "command-runner-host-prep.json", "command-runner-metrics-exporter.json", "command-runner-metrics-token.json", "command-runner-stage-domain-xml.json", "command-runner-stage-meta-data.json", "command-runner-stage-network-config.json",
      "command-runner-stage-user-data.json", "command-runner-staging-dir.json", "command-runner-vm.json", "forgejoregistrationtoken-runner-registration-token.json",
      "render-summary.json",
    ]);
    // Every embedded document is a file of its own, with its natural extension.
    for (const f of [
      "command-runner-stage-user-data.user-data.yaml", "command-runner-stage-network-config.network-config.yaml", "command-runner-stage-meta-data.meta-data.yaml",
      "command-runner-stage-domain-xml.domain.xml", "command-runner-vm.create.sh", "command-runner-vm.delete.sh", "command-runner-host-prep.create.sh",
      "command-runner-host-prep.runner-fleet-bridge-forward.service", "command-runner-host-prep.runner-fleet-bridge-forward.timer",
      "command-runner-stage-user-data.forgejo-runner.service",
    ]) assert.ok(files.includes(f), `${f} is written`);
    const everything = [r.stdout, r.stderr, ...files.map((f) => readFileSync(join(out, f), "utf8"))].join("\n");
    for (const canary of [KEY_BODY, "PRIVATE KEY", SECURE]) assert.ok(!everything.includes(canary), `${canary.slice(0, 16)}... is not in the output`);
    const userData = readFileSync(join(out, "command-runner-stage-user-data.user-data.yaml"), "utf8");
    assert.match(userData, /^#cloud-config\n/);
    assert.match(userData, /content: "\[secret\]"/);
    assert.match(readFileSync(join(out, "command-runner-stage-domain-xml.domain.xml"), "utf8"), /<domain type="kvm">/);
    // The one-job pool is shown too: its install script with the registration and fill scripts.
    assert.ok(files.includes("command-ephemeral-slots.create.sh"), files.join(", "));
    assert.match(readFileSync(join(out, "command-ephemeral-slots.create.sh"), "utf8"), /runner-fleet-untrusted-pool-register/);
  });

  it("refuses an unreadable key path with exit code 2 and the fix", () => {
    const r = spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), "render", "infra/pulumi/foundation-runners", "--stack", "crunchy", "--out", join(dir, "never")], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, RUNNER_SSH_KEY_PATH: join(dir, "missing-key") },
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /RUNNER_SSH_KEY_PATH: .*cannot be read.*Fix: point RUNNER_SSH_KEY_PATH/);
    assert.equal(existsSync(join(dir, "never")), false, "nothing was written");
  });
});

