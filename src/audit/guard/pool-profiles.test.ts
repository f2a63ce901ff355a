import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConfigIssue } from "../../model/issues.ts";
import { SUBSTRATE_KINDS, type RunnerPool } from "../../model/substrate.ts";
import { poolProfile, readRunnerPools, substrateFacts } from "./pool-profiles.ts";

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

const pool = (over: Partial<Record<keyof RunnerPool, unknown>> = {}): Record<string, unknown> => ({
  name: "codex-gh-runner",
  forge: "github",
  substrate: "kubernetes-deployment",
  labels: ["self-hosted", "linux", "x64", "codex"],
  min: 2,
  max: 2,
  oneJob: false,
  isolation: "container",
  ...over,
});

/** Profiles of pools that must all be valid. */
function profiles(pools: unknown[]) {
  const read = readRunnerPools(pools, "stack-a");
  assert.deepEqual(read.issues, []);
  return read.pools.map(({ pool: p }) => poolProfile(p, "stack-a"));
}

/** The issues of one pools value; each names the stack and says how to fix it. */
function issuesOf(value: unknown): ConfigIssue[] {
  const read = readRunnerPools(value, "stack-a");
  assert.ok(read.issues.length > 0, "expected issues");
  assert.deepEqual(read.pools.length <= (Array.isArray(value) ? value.length : 0), true);
  for (const i of read.issues) {
    assert.match(i.path, /^stack-a: runnerPools/);
    assert.ok(i.fix.length > 10, JSON.stringify(i));
    assert.ok(!JSON.stringify(i).includes("0123456789abcdefghij"), `quotes a token: ${JSON.stringify(i)}`);
  }
  return read.issues;
}

test("every substrate has its facts, and each kind of pool becomes its profile", () => {
  for (const kind of SUBSTRATE_KINDS) assert.ok(substrateFacts(kind).noun.length > 0);
  const got = profiles([
    pool(),
    pool({ name: "arc-firecracker", substrate: "arc-scale-set", labels: ["arc-firecracker", "firecracker"], min: 0, max: 6, oneJob: true, isolation: "microvm" }),
    pool({ name: "forgejo-fenced", forge: "forgejo", substrate: "libvirt-vm", labels: ["fenced", "docker"], min: 1, max: 1, oneJob: false, isolation: "vm" }),
    pool({ name: "gh-vm", substrate: "libvirt-vm", labels: ["self-hosted", "linux", "x64", "vm"], min: 1, max: 1, oneJob: true, isolation: "vm" }),
    pool({ name: "aws-fips", substrate: "ec2", labels: ["self-hosted", "linux", "build-fips"], min: 0, max: 4, oneJob: true, isolation: "vm" }),
  ]);
  assert.deepEqual(got, [
    { name: "codex-gh-runner", description: "rendered from stack-a (Deployment codex-gh-runner)", forge: "github", labels: ["self-hosted", "linux", "x64", "codex"], trust: "trusted", fenced: false, ephemeral: false, substrate: "kubernetes-deployment", runnerGroup: "Default", maxParallelPerJob: 2, maxConcurrentPerWorkflow: 2 },
    { name: "arc-firecracker", description: "rendered from stack-a (runner scale set arc-firecracker)", forge: "github", labels: ["arc-firecracker", "firecracker"], trust: "untrusted", fenced: true, ephemeral: true, substrate: "arc-scale-set", runnerGroup: "Default", maxParallelPerJob: 6, maxConcurrentPerWorkflow: 6 },
    // Forgejo: label names as workflows write them, once each; no runner group; persistent, so trusted.
    { name: "forgejo-fenced", description: "rendered from stack-a (libvirt VM forgejo-fenced)", forge: "forgejo", labels: ["fenced", "docker"], trust: "trusted", fenced: true, ephemeral: false, substrate: "libvirt-vm", maxParallelPerJob: 1, maxConcurrentPerWorkflow: 1 },
    { name: "gh-vm", description: "rendered from stack-a (libvirt VM gh-vm)", forge: "github", labels: ["self-hosted", "linux", "x64", "vm"], trust: "untrusted", fenced: true, ephemeral: true, substrate: "libvirt-vm", runnerGroup: "Default", maxParallelPerJob: 1, maxConcurrentPerWorkflow: 1 },
    { name: "aws-fips", description: "rendered from stack-a (Auto Scaling group aws-fips)", forge: "github", labels: ["self-hosted", "linux", "build-fips"], trust: "untrusted", fenced: true, ephemeral: true, substrate: "ec2", runnerGroup: "Default", maxParallelPerJob: 4, maxConcurrentPerWorkflow: 4 },
  ]);
});

test("one job per runner without a microVM or VM stays trusted; a pool of at most 0 runners gives no profile", () => {
  const [ephemeralContainer, stopped] = profiles([pool({ name: "e", oneJob: true }), pool({ name: "s", min: 0, max: 0 })]);
  assert.equal(ephemeralContainer!.trust, "trusted");
  assert.equal(ephemeralContainer!.fenced, false);
  assert.equal(stopped, undefined);
  const [kata] = profiles([pool({ name: "k", oneJob: true, isolation: "microvm" })]);
  assert.equal(kata!.trust, "untrusted");
});

test("keys the guard does not read are ignored", () => {
  assert.equal(profiles([{ ...pool(), runnerGroup: "x", extra: { any: [1] } }]).length, 1);
});

test("runnerPools that is not a list, or too long a list, is one issue at runnerPools", () => {
  for (const [value, message] of [
    [null, /must be a list of runner pools, not null/],
    ["[secret]", /not a string/],
    [{ pools: [] }, /not a mapping/],
    [42, /not a number/],
    [Array.from({ length: 1001 }, () => pool()), /lists 1001 pools, more than the 1000/],
  ] as const) {
    const issues = issuesOf(value);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.path, "stack-a: runnerPools");
    assert.match(issues[0]!.message, message);
    assert.match(issues[0]!.fix, /runnerPools/);
  }
});

test("each wrong key of a pool is an issue at its key path, with the fix", () => {
  const cases: [unknown, string, RegExp, RegExp][] = [
    [null, "stack-a: runnerPools[0]", /must be a runner pool .* not null/, /one mapping per pool/],
    [[pool()], "stack-a: runnerPools[0]", /not a list/, /one mapping per pool/],
    [pool({ name: 7 }), "stack-a: runnerPools[0].name", /must be a string, not a number/, /name/],
    [pool({ name: "" }), "stack-a: runnerPools[0].name", /is empty/, /name/],
    [pool({ name: "x".repeat(300) }), "stack-a: runnerPools[0].name", /300 characters long, more than 253/, /at most 253/],
    [pool({ name: "bad\u001b[31mname" }), "stack-a: runnerPools[0].name", /control character/, /plain text/],
    [pool({ name: TOKEN }), "stack-a: runnerPools[0].name", /looks like a secret/, /revoke/],
    [pool({ forge: "gitlab" }), "stack-a: runnerPools[0].forge", /"gitlab" is not a forge/, /github, forgejo/],
    [pool({ forge: ["github"] }), "stack-a: runnerPools[0].forge", /not a list/, /github, forgejo/],
    [pool({ substrate: "nomad" }), "stack-a: runnerPools[0].substrate", /"nomad" is not a substrate/, /kubernetes-deployment, arc-scale-set, libvirt-vm, ec2/],
    [pool({ forge: "forgejo", substrate: "ec2", labels: ["x"], min: 0 }), "stack-a: runnerPools[0].forge", /forgejo runners cannot run on the EC2 Auto Scaling substrate/, /use one of: github/],
    [pool({ labels: "codex" }), "stack-a: runnerPools[0].labels", /must be a list of labels, not a string/, /label names a job's runs-on matches/],
    [pool({ labels: [] }), "stack-a: runnerPools[0].labels", /lists no labels/, /export the labels/],
    [pool({ labels: Array.from({ length: 101 }, (_, i) => `l${i}`) }), "stack-a: runnerPools[0].labels", /101 labels, more than 100/, /at most 100/],
    [pool({ labels: ["ok", 5] }), "stack-a: runnerPools[0].labels[1]", /must be a string, not a number/, /label names a job's runs-on matches/],
    [pool({ labels: ["ok", "two words"] }), "stack-a: runnerPools[0].labels[1]", /contains a comma or whitespace/, /without commas or whitespace/],
    [pool({ labels: ["ok", "OK"] }), "stack-a: runnerPools[0].labels[1]", /listed twice/, /list each label once/],
    [pool({ labels: ["ok", TOKEN] }), "stack-a: runnerPools[0].labels[1]", /looks like a secret/, /revoke/],
    [pool({ forge: "forgejo", labels: ["fenced:docker://node:22"] }), "stack-a: runnerPools[0].labels[0]", /contains a colon/, /name before ":host"|nor colons for Forgejo/],
    [pool({ min: "2" }), "stack-a: runnerPools[0].min", /must be a number, not a string/, /whole number of runners from 0 to 100000/],
    [pool({ min: 0, max: 1.5 }), "stack-a: runnerPools[0].max", /1\.5 is not a whole number/, /whole number/],
    [pool({ min: 0, max: Number.NaN }), "stack-a: runnerPools[0].max", /NaN is not a whole number/, /whole number/],
    [pool({ min: 0, max: 1e308 }), "stack-a: runnerPools[0].max", /more than the maximum of 100000/, /whole number/],
    [pool({ min: -1 }), "stack-a: runnerPools[0].min", /less than the minimum of 0/, /whole number/],
    [pool({ substrate: "ec2", min: 3, max: 2, oneJob: true, isolation: "vm" }), "stack-a: runnerPools[0].min", /3 is more than max \(2\)/, /no larger than max/],
    [pool({ min: 1, max: 3 }), "stack-a: runnerPools[0].max", /differs from min \(1\), but a Deployment runs a fixed number/, /same number/],
    [pool({ substrate: "libvirt-vm", min: 0, max: 1, isolation: "vm" }), "stack-a: runnerPools[0].max", /libvirt VM runs a fixed number/, /same number/],
    [pool({ substrate: "arc-scale-set", min: 0, oneJob: false, isolation: "microvm" }), "stack-a: runnerPools[0].oneJob", /every runner of an ARC scale set takes one job/, /oneJob: true/],
    [pool({ oneJob: "yes" }), "stack-a: runnerPools[0].oneJob", /must be true or false, not a string/, /oneJob: true when/],
    [pool({ isolation: "gvisor" }), "stack-a: runnerPools[0].isolation", /"gvisor" is not an isolation/, /container, microvm, vm/],
    [pool({ isolation: undefined }), "stack-a: runnerPools[0].isolation", /not undefined/, /container, microvm, vm/],
  ];
  for (const [item, path, message, fix] of cases) {
    const issues = issuesOf([item]);
    const hit = issues.find((i) => i.path === path);
    assert.ok(hit, `${JSON.stringify(item)?.slice(0, 200)}: no issue at ${path} in ${JSON.stringify(issues)}`);
    assert.match(hit.message, message);
    assert.match(hit.fix, fix);
  }
});

test("hostile pools give issues, never an exception, a token or a runaway message", () => {
  const huge = "y".repeat(5_000_000);
  const value = [
    pool({ name: huge, labels: [huge], forge: huge, substrate: huge, isolation: huge }),
    pool({ labels: Array.from({ length: 1_000_000 }, () => "a") }),
    Object.create(null) as unknown,
    pool({ name: `a${TOKEN}b`, labels: [`x,${TOKEN}`] }),
    pool({ labels: [{ toString: () => TOKEN }] }),
    pool({ min: Number.POSITIVE_INFINITY, max: -0 }),
  ];
  const issues = issuesOf(value);
  for (const i of issues) assert.ok(i.message.length < 1000, i.message.slice(0, 100));
  assert.ok(issues.some((i) => i.path === "stack-a: runnerPools[2].name"));
});

test("a pool's registration (where its runners register) is read as exported", () => {
  const read = readRunnerPools([pool({ registration: { url: "https://code.example.org", scope: "org/acme", version: "15.0.1" } }), pool({ name: "b", registration: { url: "https://github.com/acme/app" } })], "stack-a");
  assert.deepEqual(read.issues, []);
  assert.deepEqual(read.pools.map((p) => p.pool.registration), [{ url: "https://code.example.org", scope: "org/acme", version: "15.0.1" }, { url: "https://github.com/acme/app" }]);
});

test("a bad registration names its key path and says what to export", () => {
  const cases: [unknown, string, RegExp][] = [
    ["https://github.com/acme", "stack-a: runnerPools[0].registration", /must be a mapping/],
    [{ url: 42 }, "stack-a: runnerPools[0].registration.url", /must be a string/],
    [{ url: "ftp://x" }, "stack-a: runnerPools[0].registration.url", /not an http\(s\) URL/],
    [{ url: "https://bot:hunter2@github.com/acme" }, "stack-a: runnerPools[0].registration.url", /looks like a secret \(a URL with credentials\)/],
    [{ url: `https://github.com/${TOKEN}` }, "stack-a: runnerPools[0].registration.url", /looks like a secret/],
    [{ url: "https://code.example.org", scope: ["org"] }, "stack-a: runnerPools[0].registration.scope", /must be a string/],
  ];
  for (const [registration, path, message] of cases) {
    const [issue] = issuesOf([pool({ registration })]);
    assert.equal(issue!.path, path);
    assert.match(issue!.message, message);
    assert.ok(!issue!.message.includes("hunter2"));
  }
});
