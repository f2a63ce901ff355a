import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./issues.ts";
import { FORGEJO_EPHEMERAL_DEFAULTS, forgejoVmRunnerPool, resolveForgejoVm } from "./forgejo-vm.ts";

const input = (runner: Record<string, unknown> = {}, forge: Record<string, unknown> = {}, vm: Record<string, unknown> = {}) => ({
  host: { address: "kvm1.lan", sshKeyPath: "/k" },
  forge: { address: "https://forgejo.example.com", scope: "org/acme", version: "15.0.1", ...forge },
  vm: { name: "pool", ...vm },
  runner: { ephemeral: true, version: "12.8.0", sha256: "a".repeat(64), ...runner },
});

/** The issues of a refused input, as `path: message. Fix: fix` lines. */
function issues(i: unknown): string[] {
  try {
    resolveForgejoVm(i);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues.map((x) => `${x.path}: ${x.message}. Fix: ${x.fix}`);
  }
  return assert.fail("accepted");
}

test("an ephemeral pool: untrusted by default, slots named after vm.name, registered through the scope's runners endpoint", () => {
  const vm = resolveForgejoVm(input());
  assert.equal(vm.runner.trust, "untrusted");
  assert.deepEqual(vm.runner.ephemeral?.slots.map((s) => s.name), ["pool-1", "pool-2"]);
  assert.equal(vm.runner.ephemeral?.slots.length, FORGEJO_EPHEMERAL_DEFAULTS.slots);
  assert.equal(vm.runner.ephemeral?.refillSeconds, FORGEJO_EPHEMERAL_DEFAULTS.refillSeconds);
  assert.equal(vm.runner.ephemeral?.registerUrl, "https://forgejo.example.com/api/v1/orgs/acme/actions/runners");
  assert.deepEqual(forgejoVmRunnerPool(vm), { name: "pool", forge: "forgejo", substrate: "libvirt-vm", labels: ["fenced"], min: 2, max: 2, oneJob: true, isolation: "vm", registration: { url: "https://forgejo.example.com", scope: "org/acme", version: "15.0.1" } });
  for (const [scope, path] of [["instance", "/api/v1/admin/actions/runners"], ["user", "/api/v1/user/actions/runners"], ["repo/acme/app", "/api/v1/repos/acme/app/actions/runners"]] as const) {
    assert.equal(resolveForgejoVm(input({}, { scope })).runner.ephemeral?.registerUrl, `https://forgejo.example.com${path}`);
  }
});

test("persistent runners stay the default and stay trusted; their pool is one runner", () => {
  const vm = resolveForgejoVm({ ...input(), runner: {} });
  assert.equal(vm.runner.ephemeral, undefined);
  assert.equal(vm.runner.trust, "trusted");
  assert.equal(forgejoVmRunnerPool(vm).oneJob, false);
});

test("the declared Forgejo version must be 15 or later, and present", () => {
  assert.deepEqual(issues(input({}, { version: "14.0.3" })), ["forge.version: is 14.0.3; ephemeral runners need Forgejo 15.0.0 or later (the API that registers them). Fix: upgrade the forge to Forgejo 15 or later and set forge.version, or set runner.ephemeral: false (persistent runners, for trusted jobs only)"]);
  assert.match(issues(input({}, { version: undefined }))[0] ?? "", /^forge\.version: is missing while runner\.ephemeral is true\. Fix: set forge\.version .*15\.0\.0 or later/);
  assert.match(issues(input({}, { version: "15" }))[0] ?? "", /^forge\.version: "15" is not a release version\. Fix: give the forge's Forgejo version as MAJOR\.MINOR\.PATCH/);
  assert.equal(resolveForgejoVm(input({}, { version: "16.0.0" })).forge.version, "16.0.0");
});

test("the runner release must have one-job's connection flags (12.8.0 or later)", () => {
  assert.match(issues(input({ version: undefined, sha256: undefined }))[0] ?? "", /^runner\.version: is 12\.6\.4 \(the default\); one-job runners need forgejo-runner 12\.8\.0 or later.*Fix: set runner\.version to a forgejo-runner release 12\.8\.0 or later and runner\.sha256/);
  assert.match(issues(input({ version: "12.7.9" }))[0] ?? "", /^runner\.version: is 12\.7\.9;/);
});

test("an untrusted persistent runner is refused unless the named opt-out is set", () => {
  assert.match(issues(input({ ephemeral: false, trust: "untrusted" }))[0] ?? "", /^runner\.ephemeral: a persistent runner is marked untrusted.*Fix: set runner\.ephemeral: true .*runner\.allowPersistentUntrusted: true/);
  assert.match(issues({ ...input(), runner: { trust: "untrusted" } })[0] ?? "", /^runner\.trust: a persistent runner is marked untrusted/);
  assert.equal(resolveForgejoVm({ ...input(), runner: { trust: "untrusted", allowPersistentUntrusted: true } }).runner.trust, "untrusted");
  assert.equal(resolveForgejoVm(input({ trust: "trusted" })).runner.trust, "trusted", "a trusted pool may be ephemeral too");
});

test("what a pool of slots cannot have is refused, every problem at once", () => {
  const found = issues(input({ capacity: 2 }, { tokenSource: "ssh", ssh: { host: "forge", user: "git" } }, { ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"] }));
  assert.deepEqual(found.map((l) => l.slice(0, l.indexOf(":"))).sort(), ["forge.tokenSource", "runner.capacity", "vm.ipCidr"]);
  assert.ok(found.every((l) => /\. Fix: \S/.test(l)));
});

test("slots and refillSeconds only apply to an ephemeral pool, within their bounds", () => {
  assert.deepEqual(issues({ ...input(), runner: { slots: 3, refillSeconds: 30 } }).map((l) => l.slice(0, l.indexOf(":"))), ["runner.slots", "runner.refillSeconds"]);
  assert.match(issues(input({ slots: 0 }))[0] ?? "", /^runner\.slots: 0 is not a whole number of 1 or more\. Fix: set runner\.slots to 1 or more/);
  assert.match(issues(input({ refillSeconds: 1 }))[0] ?? "", /^runner\.refillSeconds: 1 is not a whole number of 10 or more/);
  assert.match(issues(input({ trust: "maybe" }))[0] ?? "", /^runner\.trust: /);
});
