import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./issues.ts";
import { GITHUB_LIBVIRT_DEFAULTS, githubApiUrl, githubVmRunnerPool, githubVmSlotShape, parseGithubRunnerScope, resolveGithubVmPool } from "./github-vm.ts";

const input = (over: Record<string, unknown> = {}) => ({ libvirtHost: "kvm1.lan", sshKeyPath: "/k", githubScope: "acme/app", runnerLabels: ["fenced-vm"], ...over });

function issuesOf(v: unknown): readonly { path: string; message: string; fix: string }[] {
  try {
    resolveGithubVmPool(v);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return assert.fail("expected a ConfigError");
}

test("defaults: slots on the default pool and image, the pinned runner, the JIT endpoint of the scope", () => {
  const p = resolveGithubVmPool(input());
  assert.deepEqual(p.pool.slots.map((s) => [s.name, s.overlay, s.seedIso, s.domainXml]), [
    ["gh-vm-1", "/var/lib/libvirt/images/gh-vm-1.qcow2", "/var/lib/libvirt/images/gh-vm-1-seed.iso", "/var/lib/runner-fleet/gh-vm/gh-vm-1/domain.xml"],
    ["gh-vm-2", "/var/lib/libvirt/images/gh-vm-2.qcow2", "/var/lib/libvirt/images/gh-vm-2-seed.iso", "/var/lib/runner-fleet/gh-vm/gh-vm-2/domain.xml"],
  ]);
  assert.equal(p.github.jitConfigUrl, "https://api.github.com/repos/acme/app/actions/runners/generate-jitconfig");
  assert.equal(p.runner.downloadUrl, `https://github.com/actions/runner/releases/download/v${GITHUB_LIBVIRT_DEFAULTS.runnerVersion}/actions-runner-linux-x64-${GITHUB_LIBVIRT_DEFAULTS.runnerVersion}.tar.gz`);
  assert.deepEqual(p.runner.jitLabels, ["self-hosted", "linux", "x64", "fenced-vm"]);
  assert.equal(p.pool.paths.authHeader, "/etc/runner-fleet/gh-vm/github-auth-header");
  assert.deepEqual(p.vm.network, { kind: "dhcp", dns: [] });
  assert.deepEqual(githubVmSlotShape(p, p.pool.slots[0]!), { name: "gh-vm-1", title: "GitHub Actions runner", cpus: 2, memoryMiB: 4096, disk: { overlay: "/var/lib/libvirt/images/gh-vm-1.qcow2", seedIso: "/var/lib/libvirt/images/gh-vm-1-seed.iso" }, network: { bridge: "br0" } });
  assert.deepEqual(githubVmRunnerPool(p), { name: "gh-vm", forge: "github", substrate: "libvirt-vm", labels: ["self-hosted", "linux", "x64", "fenced-vm"], min: 2, max: 2, oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme/app" } });
});

test("scopes: organisation, repository and enterprise; GitHub Enterprise Server's API under /api/v3", () => {
  assert.deepEqual(parseGithubRunnerScope("acme"), { kind: "org", org: "acme" });
  assert.deepEqual(parseGithubRunnerScope("acme/app.js"), { kind: "repo", owner: "acme", repo: "app.js" });
  assert.deepEqual(parseGithubRunnerScope("enterprises/big-co"), { kind: "enterprise", enterprise: "big-co" });
  for (const bad of ["", "-acme", "acme/..", "a/b/c", "acme/app name"]) assert.equal(typeof parseGithubRunnerScope(bad), "string", bad);
  assert.equal(githubApiUrl("https://github.com/"), "https://api.github.com");
  assert.equal(githubApiUrl("https://ghe.example.com/"), "https://ghe.example.com/api/v3");
  const e = resolveGithubVmPool(input({ githubUrl: "https://ghe.example.com", githubScope: "enterprises/big-co" }));
  assert.equal(e.github.jitConfigUrl, "https://ghe.example.com/api/v3/enterprises/big-co/actions/runners/generate-jitconfig");
});

test("every problem at once, each at its key with a fix", () => {
  const issues = issuesOf(input({ githubScope: "a/b/c", runnerLabels: ["ok", "OK", "linux"], slots: 65, githubUrl: "http://ghe.lan", baseImage: { url: "https://example.com/x.img" }, runnerSha256: "0".repeat(64), slotPrefix: "GH" }));
  const at = (p: string) => issues.find((i) => i.path === p) ?? assert.fail(`no issue at ${p}: ${JSON.stringify(issues)}`);
  assert.match(at("githubScope").fix, /organisation.*repository.*enterprise/);
  assert.match(at("runnerLabels[1]").message, /listed twice \(GitHub compares labels without case\)/);
  assert.match(at("runnerLabels[2]").message, /added to every runner already/);
  assert.match(at("slots").fix, /at most 64/);
  assert.match(at("githubUrl").message, /plain http/);
  assert.match(at("baseImage.sha256").message, /without a checksum is refused/);
  assert.match(at("runnerVersion").message, /missing while runnerSha256 is set/);
  assert.match(at("slotPrefix").fix, /lower-case/);
  for (const i of issues) assert.ok(i.fix.length > 0, i.path);
});

test("a new runner release with the default release's digest is refused", () => {
  const issues = issuesOf(input({ runnerVersion: "2.330.0", runnerSha256: GITHUB_LIBVIRT_DEFAULTS.runnerSha256 }));
  assert.deepEqual(issues.map((i) => i.path), ["runnerSha256"]);
  assert.match(issues[0]?.fix ?? "", /actions-runner-linux-x64-2\.330\.0\.tar\.gz/);
});

test("plain http is accepted only with allowInsecureHttp", () => {
  assert.equal(resolveGithubVmPool(input({ githubUrl: "http://ghe.lan", allowInsecureHttp: true })).github.apiUrl, "http://ghe.lan/api/v3");
});
