// The boot script is executed with bash against stub programs on a temporary PATH (curl, aws,
// runuser, systemd-run, systemctl, usermod, sleep, mktemp) and a stub runner install (config.sh,
// run.sh) that record their arguments and answer canned responses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { EC2_USER_DATA_LIMIT, decodeUserData, encodeRunnerUserData, renderRunnerUserData, RUNNER_INSTALL_DIR, shellQuote, WRAPPED_SECRET_ID_WAIT } from "./user-data.ts";
import { needs, requireTool } from "../../../test/validators.ts";
import { JOB_REPORT_PATHS, renderJobHookFiles } from "../monitoring/job-report.ts";

const input = (over: Record<string, unknown> = {}): AwsRunnerProfileInput =>
  ({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.internal.example:8200" }, ...over }) as AwsRunnerProfileInput;

const JIT = "ENCODED-JIT-CONFIG-CANARY";
const CREDENTIALS = ["SECRET-ID-CANARY", "VAULT-TOKEN-CANARY", "GITHUB-TOKEN-CANARY", "WRAPPING-TOKEN-CANARY", "ROLE-ID-CANARY"];

interface BootOptions {
  /** HTTP status and body GitHub answers to generate-jitconfig. */
  readonly jit?: { readonly status: number; readonly body: string };
  /** Reads of the wrapped secret id (or broker JIT parameter) that fail before it appears. */
  readonly missingReads?: number;
  readonly attempts?: number;
  /** usermod fails (the job never starts). */
  readonly usermodFails?: boolean;
}

interface Boot {
  readonly status: number | null;
  readonly stderr: string;
  readonly calls: string[];
  /** JSON body of the generate-jitconfig request, and the header file it was sent with. */
  readonly jitRequest?: unknown;
  readonly jitHeaders?: string;
  /** Environment run.sh started with. */
  readonly runEnv?: string;
  /** Every file the boot left in /run (its secrets directory) and the runner's home, with its text. */
  readonly files: { readonly path: string; readonly text: string }[];
  /** The job-metrics files the boot installed, by file name, and the token file the job report was given. */
  readonly installed: Readonly<Record<string, string>>;
  readonly reportToken?: string;
}

/** Boots the script rendered for `profileInput` against the stubs. */
function boot(profileInput: AwsRunnerProfileInput, o: BootOptions = {}): Boot {
  const dir = mkdtempSync(join(tmpdir(), "userdata-"));
  try {
    const bin = join(dir, "bin");
    const home = join(dir, "runner");
    const out = join(dir, "out");
    for (const d of [bin, home, out]) mkdirSync(d);
    const log = join(out, "argv.log");
    const q = shellQuote;
    const stub = (path: string, body: string) => {
      writeFileSync(path, `#!/bin/bash\nprintf '%s\\n' "${path.split("/").pop() ?? ""} $*" >>${q(log)}\n${body}\n`);
      chmodSync(path, 0o755);
    };
    const jit = o.jit ?? { status: 201, body: JSON.stringify({ runner: { id: 4242, name: "i-0abc" }, encoded_jit_config: JIT }) };
    // curl: -o FILE, -w FORMAT and -H @FILE as the real one reads them; the body on stdin.
    stub(join(bin, "curl"), `out=""; headers=""; url=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -H) if [[ $2 == @* ]]; then headers+=$(cat "\${2#@}"); headers+=$'\\n'; fi; shift 2 ;;
    -w|-X|--data-binary|--proto) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
reply() { if [[ -n $out ]]; then printf '%s' "$1" >"$out"; else printf '%s' "$1"; fi; }
case $url in
  *api/token) printf imds-session ;;
  *placement/region) printf eu-west-1 ;;
  *instance-id) printf i-0abc ;;
  *sys/wrapping/unwrap) reply '{"data":{"secret_id":"SECRET-ID-CANARY"}}' ;;
  *auth/approle/login) cat >/dev/null; reply '{"auth":{"client_token":"VAULT-TOKEN-CANARY"}}' ;;
  *github/token) reply '{"data":{"token":"GITHUB-TOKEN-CANARY","expires_at":"2030-01-01T00:00:00Z"}}' ;;
  *actions/runners/generate-jitconfig)
    cat >${q(join(out, "jit-request"))}; printf '%s' "$headers" >${q(join(out, "jit-headers"))}
    reply ${q(jit.body)}; printf '%s' ${jit.status} ;;
  *actions/runners/4242) printf '%s' "$headers" >${q(join(out, "delete-headers"))}; printf 204 ;;
  *) exit 22 ;;
esac`);
    const count = join(out, "parameter-reads");
    stub(join(bin, "aws"), `case "$*" in
  *role-id*) printf ROLE-ID-CANARY ;;
  *wrapped-secret-id/i-0abc*|*jit-config/i-0abc*)
    n=$(( $(cat ${q(count)} 2>/dev/null || echo 0) + 1 )); echo "$n" >${q(count)}
    if (( n <= ${o.missingReads ?? 0} )); then echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; fi
    case "$*" in *jit-config*) printf ${q(JIT)} ;; *) printf WRAPPING-TOKEN-CANARY ;; esac ;;
  *) exit 1 ;;
esac`);
    // systemd-run: LoadCredential=<name>:<file> lands in $CREDENTIALS_DIRECTORY, as systemd does it.
    stub(join(bin, "systemd-run"), `creds=${q(join(out, "credentials"))}; mkdir -p "$creds"
while [[ $# -gt 0 ]]; do
  case $1 in
    -p) if [[ $2 == LoadCredential=* ]]; then spec=\${2#LoadCredential=}; cp "\${spec#*:}" "$creds/\${spec%%:*}"; fi; shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
CREDENTIALS_DIRECTORY=$creds "$@"`);
    // install -D ... -m MODE /dev/stdin PATH: keeps what would be installed under out/installed.
    stub(join(bin, "install"), `mkdir -p ${q(join(out, "installed"))}; for last; do :; done; cat >${q(join(out, "installed"))}/"$(basename "$last")"`);
    stub(join(bin, "systemd-tmpfiles"), "true");
    stub(join(bin, "runuser"), `while [[ $1 != -- ]]; do shift; done; shift; "$@"`);
    stub(join(bin, "usermod"), o.usermodFails ? "exit 6" : "true");
    for (const name of ["systemctl", "shutdown", "poweroff", "sleep"]) stub(join(bin, name), "true");
    stub(join(bin, "mktemp"), `mkdir -p ${q(join(dir, "run"))}; printf %s ${q(join(dir, "run"))}`);
    stub(join(home, "config.sh"), "true");
    stub(join(home, "run.sh"), `env >${q(join(out, "run-env"))}`);
    // The job report: records its arguments and the token file's text it was given.
    stub(join(bin, "job-report"), `while [[ $# -gt 0 ]]; do if [[ $1 == --token-file ]]; then cat "$2" >${q(join(out, "report-token"))}; fi; shift; done`);
    let script = renderRunnerUserData(resolveAwsRunnerProfile(profileInput))
      .replace(`readonly RUNNER_HOME=${q(RUNNER_INSTALL_DIR)}`, `readonly RUNNER_HOME=${q(home)}`)
      .replace(`readonly JOB_REPORT=${q(JOB_REPORT_PATHS.reportScript)}`, `readonly JOB_REPORT=${q(join(bin, "job-report"))}`);
    if (o.attempts !== undefined) script = script.replace(`readonly WRAPPED_SECRET_ID_ATTEMPTS='${WRAPPED_SECRET_ID_WAIT.attempts}'`, `readonly WRAPPED_SECRET_ID_ATTEMPTS='${o.attempts}'`);
    const r = spawnSync("bash", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), "utf8") : undefined);
    const files: { path: string; text: string }[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else files.push({ path: p, text: readFileSync(p, "utf8") });
      }
    };
    for (const d of ["run", "runner"]) if (existsSync(join(dir, d))) walk(join(dir, d));
    const installedDir = join(out, "installed");
    const installed = existsSync(installedDir) ? Object.fromEntries(readdirSync(installedDir).map((f) => [f, readFileSync(join(installedDir, f), "utf8")])) : {};
    const reportToken = read("report-token");
    const request = read("jit-request");
    const headers = read("jit-headers");
    const runEnv = read("run-env");
    return {
      status: r.status,
      stderr: r.stderr,
      calls: (read("argv.log") ?? "").split("\n").filter((c) => c !== ""),
      files,
      installed,
      ...(reportToken === undefined ? {} : { reportToken }),
      ...(request === undefined ? {} : { jitRequest: JSON.parse(request) as unknown }),
      ...(headers === undefined ? {} : { jitHeaders: headers }),
      ...(runEnv === undefined ? {} : { runEnv }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("runner user-data", () => {
  const script = renderRunnerUserData(resolveAwsRunnerProfile(input()));

  it("is a bash script with strict mode", () => {
    assert.match(script, /^#!\/bin\/bash\n/);
    assert.match(script, /^set -euo pipefail$/m);
  });

  it("passes shellcheck, in both minting modes", needs("shellcheck"), () => {
    requireTool("shellcheck");
    for (const text of [script, renderRunnerUserData(resolveAwsRunnerProfile(input({ jitConfigMintedBy: "broker" })))]) {
      const r = spawnSync("shellcheck", ["--shell=bash", "-"], { input: text, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
  });

  it("quotes profile values, so none can change the script", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const odd = renderRunnerUserData(resolveAwsRunnerProfile(input({ labels: ["x';rm", "-rf/#"] })));
    assert.ok(odd.includes(`readonly RUNNER_LABELS_JSON=${shellQuote(JSON.stringify(["x';rm", "-rf/#", "self-hosted", "linux"]))}`));
    const r = spawnSync("shellcheck", ["--shell=bash", "-"], { input: odd, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("never contains a secret given alongside the profile, and names no registration token", () => {
    const canary = "ghp_CANARY_5e1f0c2b9d";
    // Whatever else a caller keeps next to the profile (e.g. the component's secret inputs) is not rendered.
    const profile = { ...resolveAwsRunnerProfile(input()), registrationToken: canary, secrets: { githubToken: canary } };
    const text = renderRunnerUserData(profile);
    assert.ok(!text.includes(canary));
    assert.ok(!Buffer.from(text).toString("base64").includes(Buffer.from(canary).toString("base64")));
    assert.doesNotMatch(text, /registration[-_ ]?token|config\.sh|--token(?![-\w])/i);
  });

  it("names where each credential is fetched and where the runner registers, not a value", () => {
    assert.match(script, /readonly SSM_ROLE_ID='\/ci-intel\/runner\/role-id'/);
    assert.match(script, /readonly VAULT_GITHUB_TOKEN_PATH='github\/token'/);
    assert.match(script, /readonly GITHUB_JIT_CONFIG_URL='https:\/\/api\.github\.com\/orgs\/acme\/actions\/runners\/generate-jitconfig'/);
    const repo = renderRunnerUserData(resolveAwsRunnerProfile(input({ githubUrl: "https://ghes.example.com/acme/app" })));
    assert.match(repo, /readonly GITHUB_JIT_CONFIG_URL='https:\/\/ghes\.example\.com\/api\/v3\/repos\/acme\/app\/actions\/runners\/generate-jitconfig'/);
    const enterprise = renderRunnerUserData(resolveAwsRunnerProfile(input({ githubUrl: "https://github.com/enterprises/big-co", runnerGroup: "fips", runnerGroupId: 7 })));
    assert.match(enterprise, /readonly GITHUB_JIT_CONFIG_URL='https:\/\/api\.github\.com\/enterprises\/big-co\/actions\/runners\/generate-jitconfig'/);
    assert.match(enterprise, /readonly RUNNER_GROUP_ID='7'/);
  });

  it("gives untrusted runners no docker group, trusted ones do", () => {
    assert.match(script, /readonly RUNNER_DOCKER_ACCESS='false'/);
    const trusted = renderRunnerUserData(resolveAwsRunnerProfile(input({ trustLevel: "trusted" })));
    assert.match(trusted, /readonly RUNNER_DOCKER_ACCESS='true'/);
  });
});

describe("runner user-data: just-in-time registration minted by the instance", () => {
  it("boots: reads its own SSM parameters, unwraps, logs in, mints a JIT config for itself, starts run.sh --jitconfig; no registration token anywhere", () => {
    const b = boot(input());
    assert.equal(b.status, 0, b.stderr);
    assert.ok(b.calls.some((c) => c.startsWith("aws ssm get-parameter --region eu-west-1 --with-decryption --name /ci-intel/runner/wrapped-secret-id/i-0abc ")));
    // The request: this instance's name, the group id and the labels (GitHub's implicit ones included).
    assert.deepEqual(b.jitRequest, { name: "i-0abc", runner_group_id: 1, labels: ["self-hosted", "build-fips", "linux"], work_folder: "_work" });
    assert.match(b.jitHeaders ?? "", /^Authorization: Bearer GITHUB-TOKEN-CANARY$/m, "the App token travels in a header file");
    assert.equal(b.calls.filter((c) => c.includes("generate-jitconfig")).length, 1);
    assert.ok(b.calls.includes(`run.sh --jitconfig ${JIT}`), b.calls.join("\n"));
    assert.ok(b.calls.some((c) => /^systemd-run .*-p IPAddressDeny=169\.254\.169\.254\/32 .*-p LoadCredential=jitconfig:\S+\/jit-config /.test(c)));
    assert.ok(b.calls.some((c) => c.startsWith("systemctl poweroff")));
    // No registration token: config.sh never runs, nothing asks for one, run.sh's environment holds none.
    assert.ok(!b.calls.some((c) => c.startsWith("config.sh") || /registration|--token(?![-\w])/i.test(c)), b.calls.join("\n"));
    assert.doesNotMatch(b.runEnv ?? "", /TOKEN|CANARY|ACTIONS_RUNNER_INPUT/i);
    // No credential on a command line (run.sh's own --jitconfig aside), in the log, or left in a file.
    for (const secret of CREDENTIALS) {
      assert.ok(!b.calls.some((c) => c.includes(secret)), `${secret} appeared on a command line`);
      assert.ok(!b.stderr.includes(secret), `${secret} appeared in the log`);
    }
    assert.ok(!b.stderr.includes(JIT) && !b.calls.some((c) => c.includes(JIT) && !c.startsWith("run.sh ")), "the JIT configuration only reaches run.sh");
    const leftover = b.files.filter((f) => [...CREDENTIALS, JIT, "REGISTRATION"].some((s) => f.text.includes(s)));
    assert.deepEqual(leftover.map((f) => f.path), [], "a credential outlived the boot in /run");
    assert.ok(!b.calls.some((c) => c.startsWith("curl") && c.includes("-X DELETE")), "a runner whose job started is GitHub's to remove");
  });

  it("installs the job-metrics files, turns the started hook on for the job, and reports the job with a read-only Actions token before power-off", () => {
    const b = boot(input());
    assert.equal(b.status, 0, b.stderr);
    const expected = renderJobHookFiles({ substrate: "ec2", pool: resolveAwsRunnerProfile(input()).name, githubApiUrl: "https://api.github.com" });
    assert.deepEqual(b.installed, Object.fromEntries(expected.map((f) => [f.path.split("/").pop(), f.content])), "each file arrives as renderJobHookFiles renders it");
    assert.ok(b.calls.some((c) => c.startsWith("systemd-run ") && c.includes(`--setenv=ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_REPORT_PATHS.startedHook}`)), b.calls.join("\n"));
    assert.ok(b.calls.includes(`systemd-tmpfiles --create ${JOB_REPORT_PATHS.tmpfiles}`));
    const report = b.calls.findIndex((c) => c.startsWith("job-report "));
    assert.ok(report > b.calls.findIndex((c) => c.startsWith("run.sh ")) && report < b.calls.findIndex((c) => c.startsWith("systemctl poweroff")), "after the job, before power-off");
    assert.match(b.calls[report] ?? "", /^job-report --runner-name i-0abc --wait-for-scrape 90 --token-file \S+\/actions-read-token$/);
    assert.equal(b.reportToken, "GITHUB-TOKEN-CANARY");
  });

  it("fits EC2's 16 KiB compressed, with room for long labels and URLs, and reads back as written", () => {
    const long = input({ githubUrl: `https://${"g".repeat(200)}.example.com/${"o".repeat(39)}/${"r".repeat(100)}`, labels: Array.from({ length: 90 }, (_, i) => `label-${String(i).padStart(3, "0")}-${"x".repeat(40)}`) });
    for (const profile of [input(), input({ jitConfigMintedBy: "broker" }), long]) {
      const script = renderRunnerUserData(resolveAwsRunnerProfile(profile));
      const encoded = encodeRunnerUserData(script);
      assert.ok(Buffer.from(encoded, "base64").length < EC2_USER_DATA_LIMIT / 2, "half the limit or less");
      assert.equal(decodeUserData(encoded), script);
    }
  });

  it("GitHub refuses: logs the status and GitHub's message, never the token, and powers off without retrying", () => {
    const b = boot(input(), { jit: { status: 422, body: JSON.stringify({ message: "Validation Failed: runner group 7 does not exist", documentation_url: "https://docs.github.com/rest" }) } });
    assert.notEqual(b.status, 0);
    assert.match(b.stderr, /GitHub refused the JIT configuration: HTTP 422: Validation Failed: runner group 7 does not exist; powering off without retrying/);
    assert.equal(b.calls.filter((c) => c.includes("generate-jitconfig")).length, 1, "no retry");
    assert.ok(!b.calls.some((c) => c.startsWith("run.sh") || c.startsWith("systemd-run") || c.startsWith("sleep")));
    assert.ok(b.calls.some((c) => c.startsWith("systemctl poweroff")));
    for (const secret of CREDENTIALS) assert.ok(!b.stderr.includes(secret), `${secret} appeared in the log`);
  });

  it("GitHub answers no JSON: says so and powers off", () => {
    const b = boot(input(), { jit: { status: 502, body: "<html>bad gateway</html>" } });
    assert.notEqual(b.status, 0);
    assert.match(b.stderr, /HTTP 502: no JSON answer; powering off without retrying/);
    assert.ok(b.calls.some((c) => c.startsWith("systemctl poweroff")));
  });

  it("removes a runner it minted whose job never started, with the token it still holds", () => {
    const b = boot(input({ trustLevel: "trusted" }), { usermodFails: true });
    assert.notEqual(b.status, 0);
    assert.ok(b.calls.some((c) => c.startsWith("curl") && c.includes("-X DELETE https://api.github.com/orgs/acme/actions/runners/4242")), b.calls.join("\n"));
    assert.match(b.stderr, /runner 4242 never started its job; removing it/);
    assert.ok(!b.calls.some((c) => c.startsWith("run.sh")));
  });
});

describe("runner user-data: JIT configuration minted by the broker", () => {
  it("waits for its own parameter, starts run.sh --jitconfig, and never talks to Vault or GitHub", () => {
    const b = boot(input({ jitConfigMintedBy: "broker" }), { missingReads: 2 });
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.calls.filter((c) => c.startsWith("aws ssm get-parameter --region eu-west-1 --with-decryption --name /ci-intel/runner/jit-config/i-0abc ")).length, 3);
    assert.match(b.stderr, /no JIT configuration at \/ci-intel\/runner\/jit-config\/i-0abc yet; waiting for the secret-id broker/);
    assert.ok(b.calls.includes(`run.sh --jitconfig ${JIT}`));
    assert.ok(!b.calls.some((c) => /vault|github|role-id|wrapped-secret-id|config\.sh/.test(c) && !c.startsWith("run.sh")), b.calls.join("\n"));
    assert.ok(!b.stderr.includes(JIT));
  });
});

describe("runner user-data: waiting for the wrapped secret id", () => {
  const script = renderRunnerUserData(resolveAwsRunnerProfile(input()));
  const reads = (b: Boot) => b.calls.filter((c) => c.includes("wrapped-secret-id/i-0abc")).length;
  const sleeps = (b: Boot) => b.calls.filter((c) => c.startsWith("sleep "));

  it("reads up to 60 times, 5 s apart: the broker's 300 s launch hook", () => {
    assert.deepEqual(WRAPPED_SECRET_ID_WAIT, { attempts: 60, intervalSeconds: 5 });
    assert.match(script, /^readonly WRAPPED_SECRET_ID_ATTEMPTS='60'$/m);
    assert.match(script, /^readonly WRAPPED_SECRET_ID_INTERVAL_SECONDS='5'$/m);
  });

  it("waits while the parameter is missing, then boots with it", () => {
    const b = boot(input(), { missingReads: 4 });
    assert.equal(b.status, 0, b.stderr);
    assert.equal(reads(b), 5);
    assert.deepEqual(sleeps(b), ["sleep 5", "sleep 5", "sleep 5", "sleep 5"]);
    assert.match(b.stderr, /no wrapped secret id at \/ci-intel\/runner\/wrapped-secret-id\/i-0abc yet; waiting for the secret-id broker/);
    assert.ok(b.calls.some((c) => c.includes("sys/wrapping/unwrap")), "unwrapped once it appeared");
    assert.ok(!b.stderr.includes("WRAPPING-TOKEN-CANARY"));
  });

  it("reads once without waiting when the parameter is already there", () => {
    const b = boot(input());
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual([reads(b), sleeps(b)], [1, []]);
    assert.doesNotMatch(b.stderr, /waiting for the secret-id broker/);
  });

  it("gives up after the bound with a message naming the parameter and where to look, and powers off without contacting Vault or GitHub", () => {
    const b = boot(input(), { missingReads: 1000, attempts: 3 });
    assert.notEqual(b.status, 0);
    assert.equal(reads(b), 3);
    assert.deepEqual(sleeps(b), ["sleep 5", "sleep 5"], "no sleep after the last attempt");
    assert.match(b.stderr, /gave up: no wrapped secret id at \/ci-intel\/runner\/wrapped-secret-id\/i-0abc after 3 attempts 5 s apart; check the secret-id broker's log group and the launch lifecycle hook/);
    assert.ok(!b.calls.some((c) => c.includes("sys/wrapping/unwrap") || c.includes("generate-jitconfig")), "no unwrap, no registration");
    assert.ok(b.calls.some((c) => c.startsWith("systemctl poweroff")));
  });
});

describe("shellQuote", () => {
  it("round-trips through bash", () => {
    for (const v of ["plain", "it's", "$(id) `id` ${x}", "a\nb", ""]) {
      assert.equal(execFileSync("bash", ["-c", `printf %s ${shellQuote(v)}`], { encoding: "utf8" }), v);
    }
  });
});
