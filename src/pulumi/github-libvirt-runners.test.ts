// Component tests: GitHubLibvirtRunners under Pulumi mocks: what it registers, in which order,
// and that the GitHub token reaches the host's credential file only, as a secret.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, type Registered } from "../../test/pulumi-mocks.ts";
import { writeThrowawaySshKey } from "../../test/helpers.ts";
import { ConfigError } from "../model/issues.ts";
import { authorizationHeader } from "./github-libvirt-runners.ts";

const TOKEN = "github_pat_CANARY0123456789abcdefghijklmnopqrstuvwxyz01";
let registered: Registered[] = [];
before(async () => {
  ({ registered } = await recordingMocks("component-test"));
});

const dir = mkdtempSync(join(tmpdir(), "gh-libvirt-"));
const keyPath = join(dir, "id_ed25519");
writeThrowawaySshKey(keyPath);
const poolInput = (over: Record<string, unknown> = {}) => ({ libvirtHost: "kvm1.lan", sshKeyPath: keyPath, githubScope: "acme", runnerLabels: ["fenced-vm"], slots: 2, ...over });

async function build(name: string, pool: unknown) {
  const { GitHubLibvirtRunners } = await import("./github-libvirt-runners.ts");
  const options: Record<string, pulumi.CustomResourceOptions> = {};
  const c = new GitHubLibvirtRunners(name, { pool, githubToken: TOKEN }, {
    transformations: [(a) => { options[a.name] = a.opts as pulumi.CustomResourceOptions; return undefined; }],
  });
  await promiseOf(c.slots.urn);
  return { c, options };
}

describe("GitHubLibvirtRunners component", () => {
  it("registers the credential and the staged files before the slots, every child parented to it", async () => {
    registered.length = 0;
    const { c, options } = await build("pool", poolInput());
    const staged = ["pool-stage-user-data", "pool-stage-network-config", "pool-stage-gh-vm-1-meta-data", "pool-stage-gh-vm-1-domain-xml", "pool-stage-gh-vm-2-meta-data", "pool-stage-gh-vm-2-domain-xml"];
    assert.deepEqual(registered.filter((r) => r.type === "command:remote:Command").map((r) => r.name).sort(), ["pool-credential", "pool-host-prep", "pool-slots", ...staged].sort());
    const deps = (options["pool-slots"]?.dependsOn ?? []) as pulumi.Resource[];
    const depNames = await Promise.all(deps.map((d) => promiseOf(d.urn).then((u) => u.split("::").pop() ?? "")));
    assert.deepEqual(depNames.sort(), ["pool-credential", "pool-host-prep", ...staged].sort(), "the slots start only after the token and every file are staged");
    assert.equal(c.stagedFiles.length, staged.length);
    assert.deepEqual(c.pools, [{ name: "gh-vm", forge: "github", substrate: "libvirt-vm", labels: ["self-hosted", "linux", "x64", "fenced-vm"], min: 2, max: 2, oneJob: true, isolation: "vm", registration: { url: "https://github.com/acme" } }]);
    assert.equal(c.resolved.github.jitConfigUrl, "https://api.github.com/orgs/acme/actions/runners/generate-jitconfig");
  });

  it("the token reaches only the credential's stdin, as a secret header line", async () => {
    registered.length = 0;
    await build("secret", poolInput({ firewallFix: false }));
    const holders = registered.filter((r) => JSON.stringify(r.inputs).includes(TOKEN)).map((r) => r.name);
    assert.deepEqual(holders, ["secret-credential"]);
    const stdin = registered.find((r) => r.name === "secret-credential")?.inputs["stdin"] as Record<string, unknown>;
    assert.equal(stdin["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "a Pulumi secret");
    assert.equal(stdin["value"], `Authorization: Bearer ${TOKEN}\n`);
    assert.equal(registered.some((r) => r.name === "secret-host-prep"), false, "no FORWARD fix when firewallFix is false");
  });

  it("refuses a bad pool before registering anything, every problem with its key", async () => {
    registered.length = 0;
    const { GitHubLibvirtRunners } = await import("./github-libvirt-runners.ts");
    assert.throws(() => new GitHubLibvirtRunners("bad", { pool: poolInput({ githubScope: "a/b/c", sshKeyPath: join(dir, "missing") }), githubToken: TOKEN }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), ["githubScope", "sshKeyPath"]);
      assert.match(e.issues.find((i) => i.path === "githubScope")?.fix ?? "", /organisation \("acme"\), a repository \("acme\/app"\)/);
      assert.match(e.issues.find((i) => i.path === "sshKeyPath")?.fix ?? "", /RUNNER_SSH_KEY_PATH at an existing private key/);
      return true;
    });
    assert.equal(registered.length, 0);
  });

  it("a token with whitespace is refused without being quoted", () => {
    assert.throws(() => authorizationHeader("ghp_abc\nX-Evil: 1"), (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === "githubToken" && !e.message.includes("Evil"));
    assert.equal(authorizationHeader("ghp_abc"), "Authorization: Bearer ghp_abc\n");
  });
});
