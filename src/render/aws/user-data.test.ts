import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerUserData, RUNNER_INSTALL_DIR, shellQuote, WRAPPED_SECRET_ID_WAIT } from "./user-data.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const input = (over: Record<string, unknown> = {}): AwsRunnerProfileInput =>
  ({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" }, ...over }) as AwsRunnerProfileInput;

describe("runner user-data", () => {
  const script = renderRunnerUserData(resolveAwsRunnerProfile(input()));

  it("is a bash script with strict mode", () => {
    assert.match(script, /^#!\/bin\/bash\n/);
    assert.match(script, /^set -euo pipefail$/m);
  });

  it("passes shellcheck", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const r = spawnSync("shellcheck", ["--shell=bash", "-"], { input: script, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("quotes profile values, so none can change the script", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const odd = renderRunnerUserData(resolveAwsRunnerProfile(input({ runnerGroup: "x'; rm -rf / #" })));
    assert.ok(odd.includes(`readonly RUNNER_GROUP=${shellQuote("x'; rm -rf / #")}`));
    const r = spawnSync("shellcheck", ["--shell=bash", "-"], { input: odd, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("never contains a secret given alongside the profile", () => {
    const canary = "ghp_CANARY_5e1f0c2b9d";
    // Whatever else a caller keeps next to the profile (e.g. the component's secret inputs) is not rendered.
    const profile = { ...resolveAwsRunnerProfile(input()), registrationToken: canary, secrets: { githubToken: canary } };
    const text = renderRunnerUserData(profile);
    assert.ok(!text.includes(canary));
    assert.ok(!Buffer.from(text).toString("base64").includes(Buffer.from(canary).toString("base64")));
  });

  it("names where each credential is fetched, not its value", () => {
    assert.match(script, /readonly SSM_REGISTRATION_TOKEN='\/ci-intel\/runner\/registration-token'/);
    assert.match(script, /readonly SSM_ROLE_ID='\/ci-intel\/runner\/role-id'/);
    assert.match(script, /readonly VAULT_GITHUB_TOKEN_PATH='github\/token'/);
  });

  it("gives untrusted runners no docker group, trusted ones do", () => {
    assert.match(script, /readonly RUNNER_DOCKER_ACCESS='false'/);
    const trusted = renderRunnerUserData(resolveAwsRunnerProfile(input({ trustLevel: "trusted" })));
    assert.match(trusted, /readonly RUNNER_DOCKER_ACCESS='true'/);
  });

  it("boots: reads SSM, unwraps, logs in, registers one ephemeral runner, runs one job, powers off; no credential in argv but the registration token", () => {
    const dir = mkdtempSync(join(tmpdir(), "userdata-"));
    try {
      const bin = join(dir, "bin");
      const home = join(dir, "runner");
      mkdirSync(bin);
      mkdirSync(home);
      const log = join(dir, "argv.log");
      const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/bash\nprintf '%s\\n' "${name} $*" >>${shellQuote(log)}\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      stub("curl", `case "$*" in
  *api/token*) printf imds-session ;;
  *placement/region*) printf eu-west-1 ;;
  *instance-id*) printf i-0abc ;;
  *sys/wrapping/unwrap*) printf '{"data":{"secret_id":"SECRET-ID-CANARY"}}' ;;
  *auth/approle/login*) cat >${shellQuote(join(dir, "login-body"))}; printf '{"auth":{"client_token":"VAULT-TOKEN-CANARY"}}' ;;
  *github/token*) printf '{"data":{"token":"GITHUB-TOKEN-CANARY"}}' ;;
  *) exit 22 ;;
esac`);
      stub("aws", `case "$*" in
  *registration-token*) printf REGISTRATION-TOKEN-CANARY ;;
  *role-id*) printf ROLE-ID-CANARY ;;
  *wrapped-secret-id/i-0abc*) printf WRAPPING-TOKEN-CANARY ;;
  *) exit 1 ;;
esac`);
      stub("runuser", `while [[ $1 != -- ]]; do shift; done; shift; "$@"`);
      stub("systemd-run", "true");
      stub("systemctl", "true");
      stub("usermod", "true");
      stub("mktemp", `mkdir -p ${shellQuote(join(dir, "run"))}; printf %s ${shellQuote(join(dir, "run"))}`);
      writeFileSync(join(home, "config.sh"), `#!/bin/bash\nprintf '%s\\n' "config.sh $*" >>${shellQuote(log)}\n`);
      chmodSync(join(home, "config.sh"), 0o755);
      const testable = script.replace(`readonly RUNNER_HOME=${shellQuote(RUNNER_INSTALL_DIR)}`, `readonly RUNNER_HOME=${shellQuote(home)}`);
      const r = spawnSync("bash", ["-c", testable], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const calls = readFileSync(log, "utf8");
      assert.match(calls, /^aws ssm get-parameter --region eu-west-1 --with-decryption --name \/ci-intel\/runner\/wrapped-secret-id\/i-0abc/m);
      assert.match(calls, /^config\.sh --unattended --ephemeral --disableupdate --url https:\/\/github\.com\/acme --token REGISTRATION-TOKEN-CANARY --labels self-hosted,build-fips,linux --name i-0abc --work _work$/m);
      assert.match(calls, /^systemd-run .*-p IPAddressDeny=169\.254\.169\.254\/32 .*\/run\.sh$/m);
      assert.match(calls, /^systemctl poweroff/m);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, "login-body"), "utf8")), { role_id: "ROLE-ID-CANARY", secret_id: "SECRET-ID-CANARY" });
      for (const secret of ["SECRET-ID-CANARY", "VAULT-TOKEN-CANARY", "GITHUB-TOKEN-CANARY", "WRAPPING-TOKEN-CANARY", "ROLE-ID-CANARY"]) {
        assert.ok(!calls.includes(secret), `${secret} appeared on a command line`);
        assert.ok(!r.stderr.includes(secret), `${secret} appeared in the log`);
      }
      assert.ok(!calls.includes("usermod"), "an untrusted runner joined the docker group");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runner user-data: waiting for the wrapped secret id", () => {
  const script = renderRunnerUserData(resolveAwsRunnerProfile(input()));

  /** Boots the script with stubs; the stub aws fails `failures` times on the wrapped secret id before answering. */
  function boot(failures: number, attempts?: number) {
    const dir = mkdtempSync(join(tmpdir(), "userdata-wait-"));
    try {
      const bin = join(dir, "bin");
      const home = join(dir, "runner");
      mkdirSync(bin);
      mkdirSync(home);
      const log = join(dir, "argv.log");
      const count = join(dir, "wrapped-reads");
      const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/bash\nprintf '%s\\n' "${name} $*" >>${shellQuote(log)}\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      stub("curl", `case "$*" in
  *api/token*) printf imds-session ;;
  *placement/region*) printf eu-west-1 ;;
  *instance-id*) printf i-0abc ;;
  *sys/wrapping/unwrap*) printf '{"data":{"secret_id":"SECRET-ID-CANARY"}}' ;;
  *auth/approle/login*) cat >/dev/null; printf '{"auth":{"client_token":"VAULT-TOKEN-CANARY"}}' ;;
  *github/token*) printf '{"data":{"token":"GITHUB-TOKEN-CANARY"}}' ;;
  *) exit 22 ;;
esac`);
      stub("aws", `case "$*" in
  *registration-token*) printf REGISTRATION-TOKEN-CANARY ;;
  *role-id*) printf ROLE-ID-CANARY ;;
  *wrapped-secret-id/i-0abc*)
    n=$(( $(cat ${shellQuote(count)} 2>/dev/null || echo 0) + 1 )); echo "$n" >${shellQuote(count)}
    if (( n <= ${failures} )); then echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; fi
    printf WRAPPING-TOKEN-CANARY ;;
  *) exit 1 ;;
esac`);
      for (const name of ["runuser", "systemd-run", "systemctl", "usermod", "sleep"]) stub(name, name === "runuser" ? `while [[ $1 != -- ]]; do shift; done; shift; "$@"` : "true");
      stub("mktemp", `mkdir -p ${shellQuote(join(dir, "run"))}; printf %s ${shellQuote(join(dir, "run"))}`);
      writeFileSync(join(home, "config.sh"), "#!/bin/bash\ntrue\n");
      chmodSync(join(home, "config.sh"), 0o755);
      let testable = script.replace(`readonly RUNNER_HOME=${shellQuote(RUNNER_INSTALL_DIR)}`, `readonly RUNNER_HOME=${shellQuote(home)}`);
      if (attempts !== undefined) testable = testable.replace(`readonly WRAPPED_SECRET_ID_ATTEMPTS='${WRAPPED_SECRET_ID_WAIT.attempts}'`, `readonly WRAPPED_SECRET_ID_ATTEMPTS='${attempts}'`);
      const r = spawnSync("bash", ["-c", testable], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
      const calls = readFileSync(log, "utf8").split("\n");
      return { status: r.status, stderr: r.stderr, reads: calls.filter((c) => c.includes("wrapped-secret-id/i-0abc")).length, sleeps: calls.filter((c) => c.startsWith("sleep ")), calls };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("reads up to 60 times, 5 s apart: the broker's 300 s launch hook", () => {
    assert.deepEqual(WRAPPED_SECRET_ID_WAIT, { attempts: 60, intervalSeconds: 5 });
    assert.match(script, /^readonly WRAPPED_SECRET_ID_ATTEMPTS='60'$/m);
    assert.match(script, /^readonly WRAPPED_SECRET_ID_INTERVAL_SECONDS='5'$/m);
  });

  it("waits while the parameter is missing, then boots with it", () => {
    const r = boot(4);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.reads, 5);
    assert.deepEqual(r.sleeps, ["sleep 5", "sleep 5", "sleep 5", "sleep 5"]);
    assert.match(r.stderr, /no wrapped secret id at \/ci-intel\/runner\/wrapped-secret-id\/i-0abc yet; waiting for the secret-id broker/);
    assert.ok(r.calls.some((c) => c.includes("sys/wrapping/unwrap")), "unwrapped once it appeared");
    assert.ok(!r.stderr.includes("WRAPPING-TOKEN-CANARY"));
  });

  it("reads once without waiting when the parameter is already there", () => {
    const r = boot(0);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([r.reads, r.sleeps], [1, []]);
    assert.doesNotMatch(r.stderr, /waiting for the secret-id broker/);
  });

  it("gives up after the bound with a message naming the parameter and where to look, and powers off without contacting Vault", () => {
    const r = boot(1000, 3);
    assert.notEqual(r.status, 0);
    assert.equal(r.reads, 3);
    assert.deepEqual(r.sleeps, ["sleep 5", "sleep 5"], "no sleep after the last attempt");
    assert.match(r.stderr, /gave up: no wrapped secret id at \/ci-intel\/runner\/wrapped-secret-id\/i-0abc after 3 attempts 5 s apart; check the secret-id broker's log group and the launch lifecycle hook/);
    assert.ok(!r.calls.some((c) => c.includes("sys/wrapping/unwrap") || c.startsWith("config.sh")), "no unwrap, no registration");
    assert.ok(r.calls.some((c) => c.startsWith("systemctl poweroff")));
  });
});

describe("shellQuote", () => {
  it("round-trips through bash", () => {
    for (const v of ["plain", "it's", "$(id) `id` ${x}", "a\nb", ""]) {
      assert.equal(execFileSync("bash", ["-c", `printf %s ${shellQuote(v)}`], { encoding: "utf8" }), v);
    }
  });
});
