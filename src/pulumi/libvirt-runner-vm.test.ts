// Component tests: LibvirtRunnerVm under Pulumi mocks, recording what it registers, with which
// options, and what reaches the libvirt host.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, type Registered } from "../../test/pulumi-mocks.ts";
import { maskSecrets } from "../offline/render-stack.ts";
import { writeThrowawaySshKey } from "../../test/helpers.ts";
import { resolveForgejoVm } from "../model/forgejo-vm.ts";
import { ConfigError } from "../model/issues.ts";
import { renderCloudInit, renderCloudInitRedacted } from "../render/cloud-init/cloud-init.ts";
import { forgejoVmHostCommands } from "../render/scripts/host-commands.ts";

/** What the forge would mint; it must reach the staged user-data and nothing else. */
const TOKEN = "CANARYregistrationToken0123456789abcdef";
const API_TOKEN = "CANARYapiToken0123456789abcdef01234567";
const DYNAMIC = "pulumi-nodejs:dynamic/runner-fleet:ForgejoRegistrationToken";

let registered: Registered[] = [];

before(async () => {
  ({ registered } = await recordingMocks("component-test", { state: (r) => (r.type === DYNAMIC ? { token: TOKEN } : undefined) }));
});


const dir = mkdtempSync(join(tmpdir(), "libvirt-vm-"));
const keyPath = join(dir, "id_ed25519");
writeThrowawaySshKey(keyPath);
const KEY = readFileSync(keyPath, "utf8");
/** A line of the key's body: key material that must never appear in anything rendered. */
const KEY_BODY = KEY.split("\n")[1] ?? "";

const vmInput = (overrides: { host?: object; forge?: object; vm?: object; runner?: object } = {}) => ({
  host: { address: "kvm1.lan", sshKeyPath: keyPath, ...overrides.host },
  forge: { address: "https://forgejo.example.com", scope: "org/acme", ...overrides.forge },
  vm: { name: "fenced-1", ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"], ...overrides.vm },
  runner: { labels: ["fenced:docker://node:22.12.0-bookworm"], ...overrides.runner },
});

/** Creates a component and records each child's resource options by name. */
async function build(name: string, vm: unknown, extra: Record<string, unknown> = {}) {
  const { LibvirtRunnerVm } = await import("./libvirt-runner-vm.ts");
  const options: Record<string, pulumi.CustomResourceOptions> = {};
  const c = new LibvirtRunnerVm(name, { vm, forgeApiToken: API_TOKEN, ...extra }, {
    transformations: [(a) => { options[a.name] = a.opts as pulumi.CustomResourceOptions; return undefined; }],
  });
  await promiseOf(c.vm!.urn);
  return { c, options };
}

const names = (deps: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined): Promise<string[]> =>
  Promise.all(([deps ?? []].flat() as pulumi.Resource[]).map((r) => promiseOf(r.urn).then((u) => u.split("::").pop() ?? "")));

describe("LibvirtRunnerVm component", () => {
  it("registers the token, host preparation, staging and the VM, each parented to the component, with stable names", async () => {
    registered.length = 0;
    const { c } = await build("crunchy", vmInput());
    const children = [c.registrationToken!, c.hostPreparation!, c.stagingDir!, ...c.stagedFiles, c.vm!];
    const urns = await Promise.all([c.urn, ...children.map((r) => r.urn)].map(promiseOf));
    const parent = "urn:pulumi:test::component-test::runner-fleet:libvirt:LibvirtRunnerVm";
    assert.equal(urns[0], `${parent}::crunchy`);
    assert.deepEqual(urns.slice(1), [
      `${parent}$${DYNAMIC}::crunchy-registration-token`,
      `${parent}$command:remote:Command::crunchy-host-prep`,
      `${parent}$command:remote:Command::crunchy-staging-dir`,
      `${parent}$command:remote:Command::crunchy-stage-user-data`,
      `${parent}$command:remote:Command::crunchy-stage-network-config`,
      `${parent}$command:remote:Command::crunchy-stage-meta-data`,
      `${parent}$command:remote:Command::crunchy-stage-domain-xml`,
      `${parent}$command:remote:Command::crunchy-vm`,
    ]);
    assert.deepEqual(registered.map((r) => r.type).sort(), [...Array(7).fill("command:remote:Command"), DYNAMIC, "runner-fleet:libvirt:LibvirtRunnerVm"]);
    assert.equal(c.vmName, "fenced-1");
  });

  it("runs host preparation, then staging, then the VM, and nothing before the token is minted", async () => {
    const { c, options } = await build("order", vmInput());
    assert.deepEqual(await names(options["order-host-prep"]?.dependsOn), ["order-registration-token"]);
    assert.deepEqual(await names(options["order-staging-dir"]?.dependsOn), ["order-registration-token", "order-host-prep"]);
    for (const s of c.stagedFiles) {
      const n = await promiseOf(s.urn).then((u) => u.split("::").pop() ?? "");
      assert.deepEqual(await names(options[n]?.dependsOn), ["order-registration-token", "order-host-prep", "order-staging-dir"], n);
    }
    assert.deepEqual(await names(options["order-vm"]?.dependsOn), [
      "order-registration-token", "order-host-prep", "order-staging-dir",
      "order-stage-user-data", "order-stage-network-config", "order-stage-meta-data", "order-stage-domain-xml",
    ]);
    assert.equal(options["order-vm"]?.deleteBeforeReplace, true, "the old VM goes before the new one takes its name");
    assert.equal(options["order-registration-token"]?.dependsOn, undefined, "the token depends on nothing on the host");
  });

  it("drives the host with the rendered scripts: apply on create and update, a delete that keeps the base image", async () => {
    registered.length = 0;
    await build("scripts", vmInput());
    const cmds = forgejoVmHostCommands(resolveForgejoVm(vmInput()));
    const vm = registered.find((r) => r.name === "scripts-vm")!.inputs;
    assert.equal(vm["create"], cmds.create);
    assert.equal(vm["update"], cmds.update);
    assert.equal(vm["delete"], cmds.deleteKeepingStaged);
    assert.doesNotMatch(String(vm["delete"]), /ubuntu-24\.04-server-cloudimg/, "the delete never names the base image");
    assert.match(String(vm["delete"]), /undefine --nvram fenced-1/);
    const prep = registered.find((r) => r.name === "scripts-host-prep")!.inputs;
    assert.equal(prep["create"], cmds.firewallFix?.create);
    assert.equal(prep["delete"], cmds.firewallFix?.delete);
    const stagingDir = registered.find((r) => r.name === "scripts-staging-dir")!.inputs;
    assert.equal(stagingDir["create"], undefined, "the staging directory acts only on destroy");
    assert.equal(stagingDir["delete"], cmds.deleteStaged);
  });

  it("keeps the private key and the user-data secret; the token reaches only the user-data", async () => {
    registered.length = 0;
    const { c } = await build("secrets", vmInput());
    await Promise.all(c.stagedFiles.map((s) => promiseOf(s.urn)));
    const vm = registered.find((r) => r.name === "secrets-vm")!.inputs;
    const connection = vm["connection"] as Record<string, unknown>;
    assert.equal(connection["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "the connection, key included, is a secret");
    assert.equal((connection["value"] as Record<string, unknown>)["privateKey"], KEY);
    const userData = registered.find((r) => r.name === "secrets-stage-user-data")!.inputs["stdin"] as Record<string, unknown>;
    assert.equal(userData["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    assert.equal(userData["value"], renderCloudInit(c.resolved, { registrationToken: TOKEN }).userData, "the staged user-data carries the minted token");
    const token = registered.find((r) => r.name === "secrets-registration-token")!.inputs;
    assert.equal((token["apiToken"] as Record<string, unknown>)["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    // Everything as an offline render or a log would show it:
    const shown = JSON.stringify(maskSecrets(registered.map((r) => r.inputs)));
    for (const canary of [TOKEN, API_TOKEN, KEY_BODY]) assert.ok(!shown.includes(canary), `${canary.slice(0, 12)}... appears nowhere`);
    for (const plain of ["secrets-stage-network-config", "secrets-stage-domain-xml"]) {
      assert.equal(typeof registered.find((r) => r.name === plain)!.inputs["stdin"], "string", `${plain} is plain text`);
    }
  });

  it("replaces the VM when a staged file or the token's keys change; no trigger is computed from the token", async () => {
    const { tokenReplacementKeyOf } = await import("./libvirt-runner-vm.ts");
    const hex = (text: string) => createHash("sha256").update(text).digest("hex");
    registered.length = 0;
    const { c } = await build("triggers", vmInput());
    const stdinOf = (name: string, f: string) => {
      const stdin = registered.find((r) => r.name === `${name}-stage-${f}`)!.inputs["stdin"] as string | { value: string };
      return typeof stdin === "string" ? stdin : stdin.value;
    };
    const realUserData = stdinOf("triggers", "user-data");
    assert.ok(realUserData.includes(TOKEN), "the staged user-data carries the token");
    const expected = [
      renderCloudInitRedacted(c.resolved).userData,
      ...["network-config", "meta-data", "domain-xml"].map((f) => stdinOf("triggers", f)),
      tokenReplacementKeyOf(c.resolved),
    ].map(hex);
    const triggers = registered.find((r) => r.name === "triggers-vm")!.inputs["triggers"] as string[];
    assert.deepEqual(triggers, expected, "the staged files' SHA-256 (the user-data redacted), then the token's keys");
    assert.ok(!triggers.includes(hex(realUserData)) && !triggers.includes(hex(TOKEN)), "no trigger is a digest of the token or of a document holding it");
    assert.ok(triggers.every((t) => typeof t === "string"), "all plain, so a preview shows which one changed");

    registered.length = 0;
    await build("triggers2", vmInput({ runner: { capacity: 2 } }));
    const again = registered.find((r) => r.name === "triggers2-vm")!.inputs["triggers"] as string[];
    assert.notEqual(again[0], triggers[0], "a changed runner config changes the user-data digest");
    assert.equal(again[3], triggers[3], "the domain XML is unchanged");
    assert.equal(again[4], triggers[4], "capacity does not re-mint the token");

    // A new scope mints a new token but leaves the cloud-init alone: the token's keys replace the VM.
    registered.length = 0;
    await build("triggers3", vmInput({ forge: { scope: "org/other" } }));
    const rescoped = registered.find((r) => r.name === "triggers3-vm")!.inputs["triggers"] as string[];
    assert.notEqual(rescoped[4], triggers[4], "a new scope changes the token's keys");
    assert.equal(c.cloudInitRedacted.redacted, true);
  });

  it("mints a new token only for a new name, labels or runner version", async () => {
    const { registrationTriggerOf } = await import("./libvirt-runner-vm.ts");
    const base = registrationTriggerOf(resolveForgejoVm(vmInput()));
    assert.notEqual(registrationTriggerOf(resolveForgejoVm(vmInput({ vm: { name: "fenced-2" } }))), base);
    assert.notEqual(registrationTriggerOf(resolveForgejoVm(vmInput({ runner: { labels: ["other:host"] } }))), base);
    assert.notEqual(registrationTriggerOf(resolveForgejoVm(vmInput({ runner: { version: "12.7.0", sha256: "a".repeat(64) } }))), base);
    assert.equal(registrationTriggerOf(resolveForgejoVm(vmInput({ runner: { capacity: 3 }, vm: { cpus: 8 } }))), base);
  });

  it("leaves out host preparation when host.firewallFix is false", async () => {
    const { c, options } = await build("nofix", vmInput({ host: { firewallFix: false } }));
    assert.equal(c.hostPreparation, undefined);
    assert.deepEqual(await names(options["nofix-staging-dir"]?.dependsOn), ["nofix-registration-token"]);
  });

  it("refuses bad config, an unreadable key and a missing API token at once, before registering anything", async () => {
    const { LibvirtRunnerVm } = await import("./libvirt-runner-vm.ts");
    registered.length = 0;
    const bad = vmInput({ host: { sshKeyPath: join(dir, "missing") }, vm: { ipCidr: "192.168.1.15/33" }, runner: { capacity: 0 } });
    assert.throws(() => new LibvirtRunnerVm("bad", { vm: bad }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), ["host.sshKeyPath", "runner.capacity", "vm.ipCidr"]);
      return true;
    });
    assert.throws(() => new LibvirtRunnerVm("bad", { vm: vmInput() }), (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === "forgeApiToken" && /pulumi config set --secret forgeApiToken/.test(e.message));
    const pub = vmInput({ host: { sshKeyPath: `${keyPath}.pub` } });
    assert.throws(() => new LibvirtRunnerVm("bad", { vm: pub, forgeApiToken: API_TOKEN }), (e: unknown) => e instanceof ConfigError && /holds a public key/.test(e.message) && !e.message.includes(KEY_BODY));
    assert.equal(registered.length, 0, "nothing was registered");
  });

  it("passes forge.allowInsecureHttp to the token client, and refuses a plain-http forge without it", async () => {
    const { LibvirtRunnerVm } = await import("./libvirt-runner-vm.ts");
    registered.length = 0;
    const http = vmInput({ forge: { address: "http://forgejo.lan:3000" } });
    assert.throws(() => new LibvirtRunnerVm("insecure", { vm: http, forgeApiToken: API_TOKEN }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path), ["forge.address"], "reported once, under the key the user wrote");
      assert.match(e.message, /plain http.*forge\.allowInsecureHttp: true/);
      return true;
    });
    assert.equal(registered.length, 0, "nothing was registered");
    await build("optin", vmInput({ forge: { address: "http://forgejo.lan:3000", allowInsecureHttp: true } }));
    assert.equal(registered.find((r) => r.name === "optin-registration-token")!.inputs["allowInsecureHttp"], true);
    await build("loopback", vmInput({ forge: { address: "http://127.0.0.1:3000" } }));
    assert.equal(registered.find((r) => r.name === "loopback-registration-token")!.inputs["allowInsecureHttp"], false, "loopback needs no opt-in");
    await build("https", vmInput());
    assert.equal(registered.find((r) => r.name === "https-registration-token")!.inputs["allowInsecureHttp"], false);
  });

  it("mints over SSH when forge.tokenSource is ssh, with the forge key defaulting to the host key", async () => {
    registered.length = 0;
    const vm = vmInput({ forge: { tokenSource: "ssh", ssh: { host: "forge.lan", user: "deploy", forgejoUser: "git" } } });
    const { LibvirtRunnerVm } = await import("./libvirt-runner-vm.ts");
    const c = new LibvirtRunnerVm("ssh", { vm });
    await promiseOf(c.vm!.urn);
    const token = registered.find((r) => r.name === "ssh-registration-token")!.inputs;
    assert.equal(token["source"], "ssh");
    assert.deepEqual(token["ssh"], { host: "forge.lan", user: "deploy", forgejoUser: "git", keyPath });
    assert.equal(token["apiToken"], undefined);
    assert.throws(() => new LibvirtRunnerVm("ssh2", { vm, forgeApiToken: API_TOKEN }), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === "forgeApiToken" && /SSH/.test(i.message)));
  });

  it("checks the libvirt host key when one is given", async () => {
    registered.length = 0;
    await build("hostkey", vmInput(), { hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBXi3VJ5bEgRqTKvAIMu6jA3Q2ZQ2zq7oD9a0FjJv1xq" });
    const connection = (registered.find((r) => r.name === "hostkey-vm")!.inputs["connection"] as { value: Record<string, unknown> }).value;
    assert.match(String(connection["hostKey"]), /^ssh-ed25519 AAAA/);
    assert.equal(connection["host"], "kvm1.lan");
    assert.equal(connection["user"], "root");
  });
});
