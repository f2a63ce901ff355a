import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  FORGEJO_VM_DEFAULTS, FORGEJO_VM_MAXIMUMS, FORGEJO_VM_MINIMUMS, checkSshKeyPath, isLoopbackForgeHost, formatForgejoRunnerScope, formatRunnerLabel, forgejoRunnerUrl, parseForgejoRunnerScope, parseRunnerLabel, resolveForgejoVm,
} from "./forgejo-vm.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import { isLoopbackHost } from "../forge/forge-url.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const fixture = (): Record<string, Record<string, unknown>> => parse(readFileSync(join(repoRoot, "test/fixtures/libvirt/forgejo-vm.yaml"), "utf8"));
const minimal = () => ({
  host: { address: "kvm1.lan", sshKeyPath: "/k" },
  forge: { address: "https://forgejo.example.com", scope: "instance" },
  vm: { name: "fj-runner-1" },
});

/** The issues of a config that must be refused. */
function issuesOf(input: unknown): readonly ConfigIssue[] {
  try {
    resolveForgejoVm(input);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail("the configuration was accepted");
}

/** Asserts one issue at `path` whose message matches and whose fix mentions `fixWord`. */
function expectIssue(issues: readonly ConfigIssue[], path: string, message: RegExp, fixWord: RegExp): void {
  const hit = issues.find((i) => i.path === path);
  assert.ok(hit, `no issue at ${path}; got ${issues.map((i) => i.path).join(", ")}`);
  assert.match(hit.message, message);
  assert.match(hit.fix, fixWord);
}

test("a full configuration resolves with its values and derived paths", () => {
  const vm = resolveForgejoVm(fixture());
  assert.equal(vm.vm.name, "fj-runner-1");
  assert.deepEqual(vm.vm.network, { kind: "static", cidr: "192.168.1.15/24", address: "192.168.1.15", prefixLength: 24, gateway: "192.168.1.1", dns: ["192.168.1.1", "9.9.9.9"] });
  assert.deepEqual(vm.forge.scope, { kind: "org", org: "acme" });
  assert.equal(vm.forge.ssh, undefined);
  assert.deepEqual(vm.runner.labels.map((l) => l.name), ["fenced", "fenced-slim"]);
  assert.equal(vm.vm.paths.overlay, "/var/lib/libvirt/images/fj-runner-1.qcow2");
  assert.equal(vm.vm.paths.seedIso, "/var/lib/libvirt/images/fj-runner-1-seed.iso");
  assert.match(vm.vm.paths.baseImage, /^\/var\/lib\/libvirt\/images\/ubuntu-24\.04-server-cloudimg-amd64-f1652d29d497\.qcow2$/);
});

test("defaults are the documented values", () => {
  const vm = resolveForgejoVm(minimal());
  const d = FORGEJO_VM_DEFAULTS;
  assert.equal(vm.host.user, "root");
  assert.equal(vm.host.pool, "default");
  assert.equal(vm.host.poolPath, "/var/lib/libvirt/images");
  assert.equal(vm.host.bridge, "br0");
  assert.equal(vm.host.firewallFix, true);
  assert.equal(vm.forge.tokenSource, "api");
  assert.equal(vm.forge.allowInsecureHttp, false);
  assert.deepEqual(vm.vm.network, { kind: "dhcp", dns: [] });
  assert.equal(vm.vm.cpus, 2);
  assert.equal(vm.vm.memoryMiB, 4096);
  assert.equal(vm.vm.diskGiB, 40);
  assert.deepEqual(vm.vm.baseImage, d.baseImage);
  assert.match(vm.vm.baseImage.url, /release-\d{8}\/ubuntu-24\.04-server-cloudimg-amd64\.img$/);
  assert.deepEqual(vm.runner.labels, [{ name: "fenced", kind: "docker", image: "node:22.12.0-bookworm" }]);
  assert.equal(vm.runner.capacity, 1);
  assert.equal(vm.runner.version, "12.6.4");
  assert.equal(vm.runner.sha256, d.runnerSha256);
  assert.equal(vm.runner.downloadUrl, "https://code.forgejo.org/forgejo/runner/releases/download/v12.6.4/forgejo-runner-12.6.4-linux-amd64");
});

test("the configuration reference in docs/forgejo-libvirt.md states the real defaults", () => {
  const doc = readFileSync(join(repoRoot, "docs/forgejo-libvirt.md"), "utf8");
  const vm = resolveForgejoVm(minimal());
  const eph = resolveForgejoVm({ ...minimal(), forge: { ...(minimal() as { forge: object }).forge, version: "15.0.0" }, runner: { ephemeral: true, version: "12.8.0", sha256: "a".repeat(64) } });
  const resolved: Record<string, unknown> = {
    "host.user": vm.host.user,
    "host.pool": vm.host.pool,
    "host.poolPath": vm.host.poolPath,
    "host.bridge": vm.host.bridge,
    "host.firewallFix": vm.host.firewallFix,
    "forge.tokenSource": vm.forge.tokenSource,
    "forge.allowInsecureHttp": vm.forge.allowInsecureHttp,
    "vm.ipCidr": vm.vm.network.kind === "dhcp" ? "" : vm.vm.network.cidr,
    "vm.dns": vm.vm.network.dns,
    "vm.cpus": vm.vm.cpus,
    "vm.memoryMiB": vm.vm.memoryMiB,
    "vm.diskGiB": vm.vm.diskGiB,
    "vm.baseImage.url": vm.vm.baseImage.url,
    "vm.baseImage.sha256": vm.vm.baseImage.sha256,
    "runner.labels": vm.runner.labels.map(formatRunnerLabel),
    "runner.capacity": vm.runner.capacity,
    "runner.version": vm.runner.version,
    "runner.sha256": vm.runner.sha256,
    "runner.ephemeral": vm.runner.ephemeral !== undefined,
    // A persistent untrusted runner resolves only with the opt-out set: absent, it is refused.
    "runner.allowPersistentUntrusted": (() => { try { resolveForgejoVm({ ...minimal(), runner: { trust: "untrusted" } }); return true; } catch { return false; } })(),
    "runner.slots": eph.runner.ephemeral?.slots.length,
    "runner.refillSeconds": eph.runner.ephemeral?.refillSeconds,
  };
  const documented = new Map([...doc.matchAll(/^\| `([a-zA-Z0-9.]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
  assert.deepEqual([...documented.keys()].sort(), Object.keys(resolved).sort(), "every optional key is documented with its default");
  for (const [key, value] of documented) assert.deepEqual(JSON.parse(value), resolved[key], `documented default of ${key}`);
});

test("a missing host address and forge address are reported together, each with its key and fix", () => {
  const input = minimal() as { host: Record<string, unknown>; forge: Record<string, unknown> };
  delete input.host["address"];
  delete input.forge["address"];
  const issues = issuesOf(input);
  expectIssue(issues, "host.address", /required/, /host\.address/);
  expectIssue(issues, "forge.address", /required/, /forge\.address/);
});

test("an invalid host address is refused", () => {
  const input = minimal();
  input.host.address = "root@kvm1.lan:22";
  expectIssue(issuesOf(input), "host.address", /not a hostname or IP address/, /without user, port or scheme/);
});

test("forge addresses must be http(s) URLs without credentials", () => {
  for (const bad of ["forgejo.example.com", "ftp://forgejo.example.com", "https://user:pw@forgejo.example.com", "https://forgejo.example.com/?x=1"]) {
    const input = minimal();
    input.forge.address = bad;
    expectIssue(issuesOf(input), "forge.address", /URL|uses|credentials|query/, /base URL of the Forgejo instance/);
  }
  const ok = minimal();
  ok.forge.address = "https://forgejo.lan:3000/";
  assert.equal(resolveForgejoVm(ok).forge.address, "https://forgejo.lan:3000");
});

test("a plain-http forge address is refused unless forge.allowInsecureHttp is set; loopback needs no flag", () => {
  const http = { ...minimal(), forge: { address: "http://forgejo.lan:3000/", scope: "instance" } };
  const issues = issuesOf(http);
  expectIssue(issues, "forge.address", /plain http.*API token.*unencrypted/, /https:\/\/.*forge\.allowInsecureHttp: true/);
  assert.equal(issues.length, 1);
  const optedIn = resolveForgejoVm({ ...http, forge: { ...http.forge, allowInsecureHttp: true } });
  assert.equal(optedIn.forge.address, "http://forgejo.lan:3000");
  assert.equal(optedIn.forge.allowInsecureHttp, true);
  expectIssue(issuesOf({ ...http, forge: { ...http.forge, allowInsecureHttp: false } }), "forge.address", /plain http/, /allowInsecureHttp/);
  expectIssue(issuesOf({ ...http, forge: { ...http.forge, allowInsecureHttp: "yes" } }), "forge.allowInsecureHttp", /true or false/, /.+/);
  for (const loopback of ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000", "http://forge.localhost"]) {
    const vm = resolveForgejoVm({ ...minimal(), forge: { address: loopback, scope: "instance" } });
    assert.equal(vm.forge.allowInsecureHttp, false, loopback);
  }
  assert.equal(resolveForgejoVm(minimal()).forge.allowInsecureHttp, false, "https needs no flag");
});

test("the model's loopback rule is the token client's, so neither refuses what the other accepts", () => {
  for (const host of ["localhost", "LOCALHOST", "forge.localhost", "127.0.0.1", "127.8.9.10", "[::1]", "localhost.example.com", "128.0.0.1", "[::2]", "10.0.0.1", "forge.lan", "127.0.0"]) {
    assert.equal(isLoopbackForgeHost(host), isLoopbackHost(host), host);
  }
});

test("scopes are read by the one scope parser: instance, user, org/<name> or repo/<owner>/<name>", () => {
  const scopeOf = (s: string) => {
    const input = minimal();
    input.forge.scope = s;
    return resolveForgejoVm(input).forge.scope;
  };
  for (const text of ["instance", "user", "org/acme", "repo/acme/site"]) {
    assert.deepEqual(scopeOf(text), parseForgejoRunnerScope(text));
    assert.equal(formatForgejoRunnerScope(scopeOf(text)), text);
  }
  for (const bad of ["org", "acme", "repo/acme", "repo/acme/site/x", "user/acme"]) {
    const input = minimal();
    input.forge.scope = bad;
    expectIssue(issuesOf(input), "forge.scope", /not a runner scope/, /org\/<organisation>/);
  }
  const emptyName = minimal();
  emptyName.forge.scope = "org/";
  expectIssue(issuesOf(emptyName), "forge.scope", /organisation name is empty/, /letters, digits/);
  const twoBadNames = minimal();
  twoBadNames.forge.scope = "repo/bad owner/bad repo";
  assert.equal(issuesOf(twoBadNames).filter((i) => i.path === "forge.scope").length, 2, "both names are reported at once");
});

test("tokenSource ssh needs forge.ssh, whose key defaults to the libvirt host's; api refuses it", () => {
  const ssh = { ...minimal(), forge: { address: "https://forgejo.example.com", scope: "repo/acme/app", tokenSource: "ssh", ssh: { host: "forge.lan", user: "deploy", forgejoUser: "git" } } };
  assert.deepEqual(resolveForgejoVm(ssh).forge.ssh, { host: "forge.lan", user: "deploy", forgejoUser: "git", keyPath: "/k" });
  const own = { ...ssh, forge: { ...ssh.forge, ssh: { ...ssh.forge.ssh, keyPath: "/forge-key" } } };
  assert.equal(resolveForgejoVm(own).forge.ssh?.keyPath, "/forge-key");
  expectIssue(issuesOf({ ...minimal(), forge: { ...minimal().forge, tokenSource: "ssh" } }), "forge.ssh", /missing/, /forge\.ssh\.host/);
  expectIssue(issuesOf({ ...minimal(), forge: { ...minimal().forge, ssh: { host: "forge.lan", user: "deploy" } } }), "forge.ssh", /only applies/, /tokenSource/);
  expectIssue(issuesOf({ ...ssh, forge: { ...ssh.forge, ssh: { host: "forge.lan", user: "deploy", password: "x" } } }), "forge.ssh.password", /not a known key/, /spelling/);
});

test("vm.ipCidr needs a valid IPv4 address and a prefix of 1-32; host bits are allowed", () => {
  for (const [bad, why] of [
    ["192.168.1.15", /no prefix length/],
    ["192.168.1.15/33", /prefix length outside 1-32/],
    ["192.168.1.15/0", /prefix length outside 1-32/],
    ["192.168.1.256/24", /IPv4 address/],
    ["fd00::5/64", /IPv4 address/],
    ["192.168.1.0/24", /network address/],
  ] as const) {
    const input = { ...minimal(), vm: { name: "fj-runner-1", ipCidr: bad, gateway: "192.168.1.1", dns: ["192.168.1.1"] } };
    expectIssue(issuesOf(input), "vm.ipCidr", why, /e\.g\. "192\.168\.1\.15\/24"/);
  }
  const ok = { ...minimal(), vm: { name: "fj-runner-1", ipCidr: "10.0.0.77/8", gateway: "10.0.0.1", dns: ["10.0.0.1"] } };
  assert.equal(resolveForgejoVm(ok).vm.network.kind, "static");
});

test("a static address needs a gateway inside its subnet and DNS servers; DHCP takes no gateway", () => {
  const noGw = { ...minimal(), vm: { name: "fj-runner-1", ipCidr: "192.168.1.15/24" } };
  const issues = issuesOf(noGw);
  expectIssue(issues, "vm.gateway", /missing/, /default gateway/);
  expectIssue(issues, "vm.dns", /empty/, /DNS server/);
  const farGw = { ...minimal(), vm: { name: "fj-runner-1", ipCidr: "192.168.1.15/24", gateway: "192.168.2.1", dns: ["192.168.1.1"] } };
  expectIssue(issuesOf(farGw), "vm.gateway", /outside the subnet/, /inside the VM's subnet/);
  const dhcpGw = { ...minimal(), vm: { name: "fj-runner-1", gateway: "192.168.1.1" } };
  expectIssue(issuesOf(dhcpGw), "vm.gateway", /DHCP/, /remove vm\.gateway/);
});

test("labels must be name:docker://<pinned image> or name:host", () => {
  assert.deepEqual(parseRunnerLabel("bare:host"), { name: "bare", kind: "host" });
  for (const [bad, why] of [
    ["fenced", /no execution kind/],
    ["a,b:docker://node:22.12.0-bookworm", /comma, colon or whitespace/],
    ["has space:host", /comma, colon or whitespace/],
    ["x:docker://node", /no tag or digest/],
    ["x:docker://node:latest", /latest/],
    ["x:lxc://debian:bookworm", /instead of docker:\/\/ or host/],
  ] as const) {
    const input = { ...minimal(), runner: { labels: ["ok:host", bad] } };
    expectIssue(issuesOf(input), "runner.labels[1]", why, /<name>:docker:\/\/<image:tag>/);
  }
  expectIssue(issuesOf({ ...minimal(), runner: { labels: ["a:host", "a:docker://node:22.12.0-bookworm"] } }), "runner.labels[1]", /repeats the label name "a"/, /its own name/);
  expectIssue(issuesOf({ ...minimal(), runner: { labels: [] } }), "runner.labels", /empty/, /at least one label/);
});

test("an image URL without a checksum is refused, and pins come in pairs", () => {
  const noSum = { ...minimal(), vm: { name: "fj-runner-1", baseImage: { url: "https://cloud-images.ubuntu.com/releases/noble/release-20250704/ubuntu-24.04-server-cloudimg-amd64.img" } } };
  expectIssue(issuesOf(noSum), "vm.baseImage.sha256", /without a checksum is refused/, /SHA256SUMS/);
  const badSum = { ...minimal(), vm: { name: "fj-runner-1", baseImage: { url: "https://example.com/x.img", sha256: "abc" } } };
  expectIssue(issuesOf(badSum), "vm.baseImage.sha256", /not a SHA-256/, /SHA-256/);
  const versionOnly = { ...minimal(), runner: { version: "12.7.0" } };
  expectIssue(issuesOf(versionOnly), "runner.sha256", /missing while runner\.version is set/, /\.sha256 file/);
  const sumOnly = { ...minimal(), runner: { sha256: "a".repeat(64) } };
  expectIssue(issuesOf(sumOnly), "runner.version", /missing/, /release version/);
  const pinned = { ...minimal(), runner: { version: "12.7.0", sha256: "b".repeat(64) } };
  assert.equal(resolveForgejoVm(pinned).runner.downloadUrl, forgejoRunnerUrl("12.7.0"));
});

test("capacity, cpus, memory and disk below their minimums are refused with the minimum in the fix", () => {
  const input = { ...minimal(), vm: { name: "fj-runner-1", cpus: 0, memoryMiB: 512, diskGiB: 5 }, runner: { capacity: 0 } };
  const issues = issuesOf(input);
  expectIssue(issues, "runner.capacity", /0 is not a whole number of 1 or more/, /runner\.capacity to 1 or more/);
  expectIssue(issues, "vm.cpus", /1 or more/, /vm\.cpus to 1 or more/);
  expectIssue(issues, "vm.memoryMiB", /512 is not a whole number of 1024 or more/, /1024 or more/);
  expectIssue(issues, "vm.diskGiB", /5 is not a whole number of 10 or more/, /10 or more/);
  expectIssue(issuesOf({ ...minimal(), runner: { capacity: 1.5 } }), "runner.capacity", /whole number/, /1 or more/);
});

test("capacity, cpus, memory and disk above their maximums are refused, naming the key and the maximum", () => {
  assert.deepEqual(FORGEJO_VM_MAXIMUMS, { memoryMiB: 1_048_576, diskGiB: 16_384, cpus: 128, capacity: 64 });
  const issues = issuesOf({ ...minimal(), vm: { name: "fj-runner-1", cpus: 129, memoryMiB: 1e9, diskGiB: 16_385 }, runner: { capacity: 1000 } });
  expectIssue(issues, "runner.capacity", /1000 is more than the maximum of 64/, /runner\.capacity to at most 64.*add VMs/);
  expectIssue(issues, "vm.cpus", /129 is more than the maximum of 128/, /vm\.cpus to at most 128/);
  expectIssue(issues, "vm.memoryMiB", /1000000000 is more than the maximum of 1048576/, /vm\.memoryMiB to at most 1048576 \(1 TiB\).*MiB/);
  expectIssue(issues, "vm.diskGiB", /16385 is more than the maximum of 16384/, /vm\.diskGiB to at most 16384 \(16 TiB\).*GiB/);
  assert.equal(issues.length, 4, "every problem at once");
  const edges = resolveForgejoVm({ ...minimal(), vm: { name: "fj-runner-1", cpus: FORGEJO_VM_MAXIMUMS.cpus, memoryMiB: FORGEJO_VM_MAXIMUMS.memoryMiB, diskGiB: FORGEJO_VM_MAXIMUMS.diskGiB }, runner: { capacity: FORGEJO_VM_MAXIMUMS.capacity } });
  assert.deepEqual([edges.vm.cpus, edges.vm.memoryMiB, edges.vm.diskGiB, edges.runner.capacity], [128, 1_048_576, 16_384, 64], "the maximums themselves are accepted");
  const lows = resolveForgejoVm({ ...minimal(), vm: { name: "fj-runner-1", cpus: FORGEJO_VM_MINIMUMS.cpus, memoryMiB: FORGEJO_VM_MINIMUMS.memoryMiB, diskGiB: FORGEJO_VM_MINIMUMS.diskGiB }, runner: { capacity: FORGEJO_VM_MINIMUMS.capacity } });
  assert.deepEqual([lows.vm.cpus, lows.vm.memoryMiB, lows.vm.diskGiB, lows.runner.capacity], [1, 1024, 10, 1]);
});

test("the documented ranges are the model's minimums and maximums", () => {
  const doc = readFileSync(join(repoRoot, "docs/forgejo-libvirt.md"), "utf8");
  for (const [key, name] of [["vm.cpus", "cpus"], ["vm.memoryMiB", "memoryMiB"], ["vm.diskGiB", "diskGiB"], ["runner.capacity", "capacity"]] as const) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${key}\` |`)) ?? assert.fail(`no row for ${key}`);
    assert.ok(row.includes(`${FORGEJO_VM_MINIMUMS[name]} to ${FORGEJO_VM_MAXIMUMS[name]}`), `${key}: ${row}`);
  }
});

test("vm.name is a DNS label and unknown keys are named", () => {
  const issues = issuesOf({ ...minimal(), vm: { name: "Runner_1", memory: 4096 } });
  expectIssue(issues, "vm.name", /not a DNS label/, /lower-case letters/);
  expectIssue(issues, "vm.memory", /not a known key/, /spelling/);
});

test("checkSshKeyPath reports unreadable files, public keys and non-keys without quoting them", () => {
  const at = "host.sshKeyPath";
  const missing = checkSshKeyPath("/nope", () => {
    throw Object.assign(new Error("gone"), { code: "ENOENT" });
  });
  assert.equal(missing[0]?.path, at);
  assert.match(missing[0]?.message ?? "", /cannot be read \(ENOENT\)/);
  assert.match(missing[0]?.fix ?? "", /RUNNER_SSH_KEY_PATH/);
  const pub = checkSshKeyPath("/k.pub", () => "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyMaterial ops@host\n");
  assert.match(pub[0]?.message ?? "", /public key/);
  assert.doesNotMatch(JSON.stringify(pub), /FakeKeyMaterial/);
  const junk = checkSshKeyPath("/k", () => "hunter2");
  assert.match(junk[0]?.message ?? "", /not an OpenSSH or PEM private key/);
  assert.doesNotMatch(JSON.stringify(junk), /hunter2/);
  assert.match(checkSshKeyPath("", () => "")[0]?.message ?? "", /empty/);
  const ok = checkSshKeyPath("/k", () => new TextEncoder().encode("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n"));
  assert.deepEqual(ok, []);
});

test("the split files are re-exported through forgejo-vm.ts and the model index, with one scope parser", async () => {
  const viaVm = await import("./forgejo-vm.ts");
  const viaIndex = await import("./index.ts");
  const names = [
    "FORGEJO_VM_DEFAULTS", "FORGEJO_VM_MINIMUMS", "FORGEJO_VM_STAGING_ROOT", "forgejoRunnerUrl", "forgejoVmSchema", "resolveForgejoVm",
    "parseRunnerLabel", "formatRunnerLabel", "forgejoVmPaths", "checkSshKeyPath", "parseForgejoRunnerScope", "formatForgejoRunnerScope", "forgejoRunnerScopeIssues",
  ];
  for (const name of names) {
    assert.equal(typeof (viaVm as Record<string, unknown>)[name], typeof (viaIndex as Record<string, unknown>)[name], name);
    assert.notEqual((viaIndex as Record<string, unknown>)[name], undefined, `${name} is exported by the model index`);
  }
  for (const gone of ["parseScope", "registrationTokenApiPath", "generateTokenCliScope"]) {
    assert.equal((viaIndex as Record<string, unknown>)[gone], undefined, `${gone} was a second scope implementation`);
  }
});
