import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "../model/issues.ts";
import { ForgeError } from "./forge-error.ts";
import {
  type CommandRunner,
  FORGEJO_SSH_DEFAULTS,
  forgejoRunnerTokenCommand,
  type MintForgejoTokenOverSshOptions,
  mintForgejoTokenOverSsh,
  parseForgejoRunnerTokenOutput,
  shellQuote,
  spawnCommand,
  sshArgs,
} from "./forgejo-token-ssh.ts";

const MINTED = "mintedRunnerToken0123456789abcdefABCDEFGH";
const KEY_MATERIAL = "-----BEGIN OPENSSH PRIVATE KEY-----";

describe("forgejoRunnerTokenCommand", () => {
  it("instance scope: no --scope (the CLI's empty scope means a global runner)", () => {
    assert.deepEqual(forgejoRunnerTokenCommand({ scope: { kind: "instance" } }), ["forgejo", "actions", "generate-runner-token"]);
  });

  it("organisation scope: --scope <org>", () => {
    assert.deepEqual(forgejoRunnerTokenCommand({ scope: { kind: "org", org: "acme" } }), ["forgejo", "actions", "generate-runner-token", "--scope", "acme"]);
  });

  it("repository scope: --scope <owner>/<repo>", () => {
    assert.deepEqual(forgejoRunnerTokenCommand({ scope: { kind: "repo", owner: "acme", repo: "app" } }), ["forgejo", "actions", "generate-runner-token", "--scope", "acme/app"]);
  });

  it("user scope: --scope <user>, which must be named", () => {
    assert.deepEqual(forgejoRunnerTokenCommand({ scope: { kind: "user" }, scopeUser: "jo" }), ["forgejo", "actions", "generate-runner-token", "--scope", "jo"]);
    assert.throws(() => forgejoRunnerTokenCommand({ scope: { kind: "user" } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues[0]?.path, "forge.ssh.scopeUser");
      assert.match(error.issues[0]?.fix ?? "", /Forgejo user name/);
      return true;
    });
  });

  it("runs as the Forgejo account through non-interactive sudo, with --config before the subcommand", () => {
    assert.deepEqual(
      forgejoRunnerTokenCommand({ scope: { kind: "org", org: "acme" }, forgejoUser: "git", configPath: "/etc/forgejo/app.ini", forgejoBinary: "/usr/local/bin/forgejo" }),
      ["sudo", "-n", "-u", "git", "--", "/usr/local/bin/forgejo", "--config", "/etc/forgejo/app.ini", "actions", "generate-runner-token", "--scope", "acme"],
    );
  });

  it("refuses unusable options, each at its key with a fix", () => {
    assert.throws(
      () => forgejoRunnerTokenCommand({ scope: { kind: "org", org: "acme" }, scopeUser: "jo", forgejoUser: "git; rm -rf /", configPath: "app.ini", forgejoBinary: "--help" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.issues.map((i) => i.path), ["forge.ssh.scopeUser", "forge.ssh.forgejoUser", "forge.ssh.configPath", "forge.ssh.forgejoBinary"]);
        for (const issue of error.issues) assert.ok(issue.fix.length > 0);
        return true;
      },
    );
  });
});

describe("shellQuote", () => {
  it("leaves plain words alone and single-quotes the rest, so the remote shell sees the same arguments", () => {
    assert.equal(shellQuote(["forgejo", "--config", "/etc/forgejo/app.ini"]), "forgejo --config /etc/forgejo/app.ini");
    assert.equal(shellQuote(["a b", "it's", "$(x)"]), `'a b' 'it'\\''s' '$(x)'`);
  });
});

describe("sshArgs", () => {
  it("never prompts, checks the host key strictly, uses only the given key and a connect timeout", () => {
    const args = sshArgs({ host: "forge.example.com", user: "deploy", keyPath: "/run/secrets/forge_key" }, ["forgejo", "actions", "generate-runner-token"]);
    assert.deepEqual(args, [
      "-T",
      "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=yes",
      "-o", "ConnectTimeout=10",
      "-o", "IdentitiesOnly=yes",
      "-i", "/run/secrets/forge_key",
      "-p", "22",
      "-l", "deploy",
      "--", "forge.example.com",
      "forgejo actions generate-runner-token",
    ]);
  });

  it("adds a known_hosts file and port when given", () => {
    const args = sshArgs({ host: "192.0.2.10", user: "deploy", keyPath: "/k", port: 2222, knownHostsPath: "/etc/fleet/known_hosts", connectTimeoutSeconds: 5 }, ["true"]);
    assert.ok(args.join(" ").includes("-o UserKnownHostsFile=/etc/fleet/known_hosts"));
    assert.ok(args.join(" ").includes("-o ConnectTimeout=5"));
    assert.ok(args.join(" ").includes("-p 2222"));
  });

  it("refuses a host or user that ssh would read as an option", () => {
    assert.throws(() => sshArgs({ host: "-oProxyCommand=x", user: "-x", keyPath: "/k" }, ["true"]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((i) => i.path), ["forge.ssh.host", "forge.ssh.user"]);
      return true;
    });
  });
});

describe("FORGEJO_SSH_DEFAULTS", () => {
  it("are the values docs/forgejo-token.md states", () => {
    assert.deepEqual(FORGEJO_SSH_DEFAULTS, { forgejoBinary: "forgejo", port: 22, connectTimeoutSeconds: 10, timeoutMs: 60_000 });
  });
});

describe("parseForgejoRunnerTokenOutput", () => {
  it("takes the last non-empty line", () => {
    assert.equal(parseForgejoRunnerTokenOutput(`${MINTED}\n`), MINTED);
    assert.equal(parseForgejoRunnerTokenOutput(`2024/01/01 00:00:00 ...setting.go: loading config\r\n${MINTED}\r\n\r\n`), MINTED);
  });
  it("gives nothing for empty output or a last line that is not a token", () => {
    assert.equal(parseForgejoRunnerTokenOutput(""), undefined);
    assert.equal(parseForgejoRunnerTokenOutput("\n  \n"), undefined);
    assert.equal(parseForgejoRunnerTokenOutput("Command error: user does not exist\n"), undefined);
  });
});

describe("mintForgejoTokenOverSsh with a fake executor", () => {
  const target = { host: "forge.example.com", user: "deploy", keyPath: "/run/secrets/forge_key" } as const;

  function fake(result: Awaited<ReturnType<CommandRunner>> | Error) {
    const calls: { command: string; args: readonly string[]; timeoutMs: number }[] = [];
    const run: CommandRunner = async (command, args, { timeoutMs }) => {
      calls.push({ command, args, timeoutMs });
      if (result instanceof Error) throw result;
      return result;
    };
    return { run, calls };
  }

  async function rejectsForge(options: MintForgejoTokenOverSshOptions, reason: string): Promise<ForgeError> {
    const error = await mintForgejoTokenOverSsh(options).then(() => assert.fail("expected a failure"), (e: unknown) => e);
    assert.ok(error instanceof ForgeError, inspect(error));
    assert.equal(error.reason, reason);
    assert.equal(error.url, "ssh://deploy@forge.example.com");
    assert.ok(error.message.includes("ssh://deploy@forge.example.com"));
    assert.ok(error.message.includes(`"${error.scope}"`));
    assert.match(error.message, /Fix: \S/);
    const everything = `${error.message}\n${inspect(error)}`;
    assert.ok(!everything.includes(MINTED), "the token appears nowhere");
    assert.ok(!everything.includes(KEY_MATERIAL), "the key appears nowhere");
    return error;
  }

  it("runs ssh with the remote command as its last argument and returns the token", async () => {
    const { run, calls } = fake({ exitCode: 0, stdout: `${MINTED}\n`, stderr: "" });
    const token = await mintForgejoTokenOverSsh({ ...target, scope: { kind: "repo", owner: "acme", repo: "app" }, forgejoUser: "git", configPath: "/etc/forgejo/app.ini", run });
    assert.equal(token, MINTED);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.command, "ssh");
    assert.equal(calls[0]?.timeoutMs, 60_000, "the documented default time limit");
    const args = calls[0]?.args ?? [];
    assert.deepEqual(args.slice(-3), ["--", "forge.example.com", "sudo -n -u git -- forgejo --config /etc/forgejo/app.ini actions generate-runner-token --scope acme/app"]);
    assert.ok(args.includes("BatchMode=yes"));
    assert.ok(args.includes("/run/secrets/forge_key"));
  });

  it("ssh failure (exit 255): quotes ssh's complaint and says how to authorise the key", async () => {
    const { run } = fake({ exitCode: 255, stdout: "", stderr: "deploy@forge.example.com: Permission denied (publickey).\n" });
    const error = await rejectsForge({ ...target, scope: { kind: "instance" }, run }, "ssh-failed");
    assert.match(error.message, /Permission denied \(publickey\)/);
    assert.match(error.fix, /authorise the public half of \/run\/secrets\/forge_key for deploy/);
  });

  it("unknown host key: says to add it to known_hosts after checking the fingerprint", async () => {
    const { run } = fake({ exitCode: 255, stdout: "", stderr: "No ED25519 host key is known for forge.example.com and you have requested strict checking.\nHost key verification failed.\n" });
    const error = await rejectsForge({ ...target, scope: { kind: "instance" }, run }, "ssh-failed");
    assert.match(error.fix, /known_hosts after checking its fingerprint/);
  });

  it("ssh cannot start: says to install the client", async () => {
    const { run } = fake(Object.assign(new Error("spawn ssh ENOENT"), { code: "ENOENT" }));
    const error = await rejectsForge({ ...target, scope: { kind: "instance" }, run }, "ssh-failed");
    assert.match(error.fix, /install the OpenSSH client/);
  });

  it("the forgejo command fails: quotes its error", async () => {
    const { run } = fake({ exitCode: 1, stdout: "", stderr: "Command error: user does not exist [name: acme]\n" });
    const error = await rejectsForge({ ...target, scope: { kind: "org", org: "acme" }, run }, "command-failed");
    assert.match(error.message, /"forgejo actions generate-runner-token" exited with 1/);
    assert.match(error.message, /user does not exist/);
    assert.match(error.fix, /forge\.scope/);
  });

  it("empty output: fails without printing what was printed", async () => {
    const { run } = fake({ exitCode: 0, stdout: "\n", stderr: "" });
    const error = await rejectsForge({ ...target, scope: { kind: "instance" }, run }, "empty-output");
    assert.match(error.message, /not a token/);
  });

  it("a last line that is not a token is not returned and not quoted", async () => {
    const { run } = fake({ exitCode: 0, stdout: `${MINTED}\nsome trailing words\n`, stderr: "" });
    await rejectsForge({ ...target, scope: { kind: "instance" }, run }, "empty-output");
  });

  it("a run that exceeds its time limit is a timeout", async () => {
    const { run } = fake({ exitCode: null, stdout: "", stderr: "", timedOut: true });
    const error = await rejectsForge({ ...target, scope: { kind: "instance" }, run, timeoutMs: 500 }, "timeout");
    assert.match(error.message, /no answer within 500 ms/);
  });

  it("bad options: every problem at once, nothing run", async () => {
    const { run, calls } = fake({ exitCode: 0, stdout: MINTED, stderr: "" });
    const error = await mintForgejoTokenOverSsh({ host: "", user: "deploy", keyPath: "", scope: { kind: "user" }, run, timeoutMs: -1 }).then(
      () => assert.fail("expected a ConfigError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((i) => i.path), ["forge.ssh.scopeUser", "forge.ssh.host", "forge.ssh.keyPath", "forge.ssh.timeoutMs"]);
    assert.equal(calls.length, 0);
  });
});

describe("spawnCommand", () => {
  it("returns the exit code and output of a real process", async () => {
    const result = await spawnCommand(process.execPath, ["-e", "process.stdout.write('out\\n'); process.stderr.write('err'); process.exit(3)"], { timeoutMs: 30_000 });
    assert.deepEqual(result, { exitCode: 3, stdout: "out\n", stderr: "err", timedOut: false });
  });

  it("kills a process that exceeds its time limit and says so", async () => {
    const result = await spawnCommand(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { timeoutMs: 200 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
  });

  it("is what mintForgejoTokenOverSsh uses by default (an ssh stand-in that checks its arguments)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "forge-ssh-"));
    try {
      const fakeSsh = path.join(dir, "ssh");
      // Succeeds only when the remote command arrives as one last argument after the host.
      writeFileSync(fakeSsh, `#!/bin/sh\nfor last; do :; done\n[ "$last" = "forgejo actions generate-runner-token --scope acme" ] || { echo "unexpected: $last" >&2; exit 1; }\nprintf 'log line\\n${MINTED}\\n'\n`);
      chmodSync(fakeSsh, 0o755);
      const token = await mintForgejoTokenOverSsh({ host: "forge.example.com", user: "deploy", keyPath: "/k", scope: { kind: "org", org: "acme" }, sshBinary: fakeSsh });
      assert.equal(token, MINTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects when the command does not exist", async () => {
    await assert.rejects(spawnCommand("/nonexistent/ssh", [], { timeoutMs: 1000 }), (error: unknown) => (error as { code?: string }).code === "ENOENT");
  });
});
