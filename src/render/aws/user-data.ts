/**
 * The runner's boot script (EC2 user-data): one just-in-time (JIT) GitHub runner per instance,
 * one job, then power-off, which the launch template turns into termination. No registration
 * token exists anywhere: GitHub mints a JIT configuration for this one runner, and `run.sh
 * --jitconfig` starts it. The script holds no secret: it names where each credential is fetched
 * at boot, and every credential lives only in root-owned files under /run (tmpfs) or in shell
 * variables until the job starts.
 *
 * Boot sequence (`github.mintedBy: instance`, the default):
 *  1. IMDSv2 session token -> region and instance id.
 *  2. SSM (with decryption): the Vault AppRole role id (shared) and this instance's own
 *     response-wrapped secret id `<ssm.wrappedSecretId>/<instance-id>`, which the secret-id
 *     broker writes when the launch lifecycle hook fires; the script waits for it, up to
 *     {@link WRAPPED_SECRET_ID_WAIT}. The instance role may read no other instance's parameter.
 *  3. Vault: unwrap the secret id (`sys/wrapping/unwrap`; single use, so an interception shows up
 *     as a failed unwrap), log in with AppRole, mint a GitHub App installation token
 *     (`github/token`).
 *  4. GitHub: `POST <scope>/actions/runners/generate-jitconfig` {name: instance id, runner_group_id,
 *     labels, work_folder}. Anything but 201: log GitHub's status and message and power off, no
 *     retry (the group starts a fresh instance).
 *  5. Forget the GitHub token, then `run.sh --jitconfig` as the unprivileged `runner` user in a
 *     transient systemd unit that cannot reach the instance metadata service (so job code never
 *     holds the instance role). The JIT configuration reaches the unit as a systemd credential
 *     (`LoadCredential`), so it is in no unit property and no journal line.
 *  6. On any exit: if a JIT runner was minted but its job never started, remove it with the token
 *     (still held then); power off.
 *
 * With `github.mintedBy: broker` the broker mints the JIT configuration and writes it to
 * `<ssm.jitConfig>/<instance-id>`; the script waits for that parameter instead of steps 2-4, and
 * never holds a GitHub or Vault credential.
 *
 * The script is a static body after a block of `readonly NAME='value'` settings; values are
 * shell-quoted, so no profile value can change the script's meaning.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";
import { RUNNER_INSTALL_DIR, RUNNER_USER } from "./runner-install.ts";
import { JOB_REPORT_PATHS, JOB_REPORT_SCRAPE_WAIT_SECONDS, JOB_STARTED_HOOK_ENV, renderJobHookFiles } from "../monitoring/job-report.ts";

export { RUNNER_INSTALL_DIR, RUNNER_USER } from "./runner-install.ts";

/**
 * How long the script waits for its per-instance parameter (wrapped secret id, or the JIT
 * configuration the broker mints): the broker writes it while the launch hook holds the instance
 * in Pending:Wait, which is when user-data runs. 60 reads 5 s apart cover the hook's 300 s
 * timeout, after which the launch is abandoned anyway.
 */
export const WRAPPED_SECRET_ID_WAIT = { attempts: 60, intervalSeconds: 5 } as const;

/** The systemd credential name the JIT configuration reaches the job unit under. */
export const JIT_CREDENTIAL = "jitconfig";

/** Quotes a value for POSIX shells: single quotes, with embedded `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The settings block: every value the script takes from the profile, by name. */
export function runnerBootSettings(profile: AwsRunnerProfile): ReadonlyArray<readonly [string, string]> {
  const { github } = profile;
  return [
    ["JIT_CONFIG_MINTED_BY", github.mintedBy],
    ["GITHUB_JIT_CONFIG_URL", github.jitConfigUrl],
    ["GITHUB_RUNNERS_URL", github.runnersUrl],
    ["RUNNER_GROUP_ID", String(github.runnerGroupId)],
    ["RUNNER_LABELS_JSON", JSON.stringify(github.labels)],
    ["RUNNER_HOME", RUNNER_INSTALL_DIR],
    ["RUNNER_USER", RUNNER_USER],
    ["RUNNER_DOCKER_ACCESS", profile.trustLevel === "trusted" ? "true" : "false"],
    ["SSM_ROLE_ID", profile.ssm.roleId],
    ["SSM_WRAPPED_SECRET_ID_PREFIX", profile.ssm.wrappedSecretId],
    ["SSM_JIT_CONFIG_PREFIX", profile.ssm.jitConfig],
    ["WRAPPED_SECRET_ID_ATTEMPTS", String(WRAPPED_SECRET_ID_WAIT.attempts)],
    ["WRAPPED_SECRET_ID_INTERVAL_SECONDS", String(WRAPPED_SECRET_ID_WAIT.intervalSeconds)],
    ["VAULT_ADDR", profile.vault.address],
    ["VAULT_APPROLE_MOUNT", profile.vault.approle.mountPath],
    ["VAULT_GITHUB_TOKEN_PATH", profile.vault.githubTokenPath],
    ["JIT_CREDENTIAL", JIT_CREDENTIAL],
    ["JOB_REPORT", JOB_REPORT_PATHS.reportScript],
    ["JOB_STARTED_HOOK_ENV", JOB_STARTED_HOOK_ENV],
    ["JOB_REPORT_TMPFILES", JOB_REPORT_PATHS.tmpfiles],
    ["JOB_REPORT_SCRAPE_WAIT_SECONDS", String(JOB_REPORT_SCRAPE_WAIT_SECONDS)],
  ];
}

/** Where each job-metrics file's text ends in the user-data; a file holding this line is refused. */
const FILE_END = "RUNNER_FLEET_FILE";

/**
 * The job-metrics files (docs/monitoring.md: the started hook, the report script, their tmpfiles
 * entry), written at boot as `renderJobHookFiles` renders them, each named with its SHA-256.
 */
function jobMetricsFiles(profile: AwsRunnerProfile): string[] {
  const lines = ["# Job metrics for the node exporter's textfile collector (docs/monitoring.md)."];
  for (const f of renderJobHookFiles({ substrate: "ec2", pool: profile.name, githubApiUrl: profile.github.apiUrl })) {
    const content = f.content.endsWith("\n") ? f.content : `${f.content}\n`;
    if (content.split("\n").includes(FILE_END)) throw new Error(`${f.path} holds the line ${FILE_END}, which ends its here-document`);
    const sha256 = createHash("sha256").update(f.content).digest("hex");
    lines.push(`# ${f.path} (mode ${f.mode}, sha256 ${sha256})`, `install -D -o root -g root -m ${f.mode} /dev/stdin ${shellQuote(f.path)} <<'${FILE_END}'`, ...content.slice(0, -1).split("\n"), FILE_END);
  }
  return lines;
}

/** EC2's limit on user data, counted before base64. */
export const EC2_USER_DATA_LIMIT = 16 * 1024;

/**
 * The user-data as a launch template takes it: gzip (cloud-init recognises and inflates it, and
 * the boot script with its job-metrics files would not fit EC2's 16 KiB uncompressed), then base64.
 */
export function encodeRunnerUserData(script: string): string {
  return gzipSync(Buffer.from(script, "utf8"), { level: 9 }).toString("base64");
}

/** The text of a launch template's user data: base64, inflated when gzip-compressed. */
export function decodeUserData(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
}

/** The user-data script, as text (base64-encode it for a launch template: see `renderRunnerLaunchTemplate`). */
export function renderRunnerUserData(profile: AwsRunnerProfile): string {
  const settings = runnerBootSettings(profile).map(([name, value]) => `readonly ${name}=${shellQuote(value)}`);
  return [HEADER, "# Settings rendered from the runner profile (no secrets).", ...settings, "", ...jobMetricsFiles(profile), "", BODY].join("\n");
}

const HEADER = `#!/bin/bash
# ci-intel runner boot: start one just-in-time GitHub runner, run one job, power off.
# Rendered by runner-fleet. It holds no secret; credentials are fetched at boot.
set -euo pipefail
`;

// A plain template literal: bash's \${...} is escaped, backslashes are doubled.
const BODY = `umask 077
secrets_dir=$(mktemp -d /run/ci-intel-runner.XXXXXX)
readonly secrets_dir
runner_id=""
job_started=false

log() {
  printf '%s ci-intel-runner: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# The REST calls' common headers; the token travels in a root-only header file, never in argv.
github_curl() {
  curl -sS --proto =https --tlsv1.2 -H @"\${secrets_dir}/github-header" -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" "$@"
}

# Forget every credential and power off; with instance_initiated_shutdown_behavior = terminate,
# power-off ends the instance. A JIT runner needs no removal once its job started: GitHub removes
# it after that one job, and removes one that goes offline unused (the instance terminated while
# it waited) after a day. Only a runner minted here whose job never started is removed, with the
# GitHub token, which is still held then and forgotten before the job starts.
finish() {
  local status=$? code
  if [[ -n "\${runner_id}" && "\${job_started}" == false && -s "\${secrets_dir}/github-header" ]]; then
    log "runner \${runner_id} never started its job; removing it"
    code=$(github_curl -o /dev/null -w '%{http_code}' -X DELETE "\${GITHUB_RUNNERS_URL}/\${runner_id}") || code=000
    if [[ "\${code}" != 204 && "\${code}" != 404 ]]; then
      log "could not remove runner \${runner_id} (HTTP \${code}); GitHub removes it after a day offline"
    fi
  fi
  if [[ "\${job_started}" == true ]]; then
    # The job's series for the textfile collector; the read-only Actions token adds its queue time.
    report_args=(--runner-name "\${instance_id}" --wait-for-scrape "\${JOB_REPORT_SCRAPE_WAIT_SECONDS}")
    if [[ -s "\${secrets_dir}/actions-read-token" ]]; then
      report_args+=(--token-file "\${secrets_dir}/actions-read-token")
    fi
    "\${JOB_REPORT}" "\${report_args[@]}" || log "the job report failed (status $?); the job's metrics are missing"
  fi
  rm -rf -- "\${secrets_dir}"
  log "exit status \${status}; powering off"
  systemctl poweroff --no-block || shutdown -h now
}
trap finish EXIT

# IMDSv2 only: a session token first, then the metadata.
imds_token=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)
imds() {
  curl -fsS -H "X-aws-ec2-metadata-token: \${imds_token}" "http://169.254.169.254/latest/meta-data/$1"
}
region=$(imds placement/region)
instance_id=$(imds instance-id)
readonly region instance_id

ssm_get() {
  aws ssm get-parameter --region "\${region}" --with-decryption --name "$1" --query Parameter.Value --output text
}

# Reads one field of the JSON document on stdin: json_field data secret_id
json_field() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]:
    value = value[key]
sys.stdout.write(str(value))' "$@"
}

# GitHub's own message from an error answer on stdin (never a credential), shortened, one line.
github_message() {
  python3 -c 'import json, sys
try:
    message = str(json.load(sys.stdin).get("message", "no message"))
except Exception:
    message = "no JSON answer"
sys.stdout.write(" ".join(message.split())[:300])'
}

# POST to Vault. The token travels in a root-only header file and the body on stdin, never in argv.
vault_post() {
  local path=$1 token=$2
  local header="\${secrets_dir}/vault-header"
  printf 'X-Vault-Token: %s\\n' "\${token}" >"\${header}"
  curl -fsS --proto =https --tlsv1.2 -X POST -H @"\${header}" --data-binary @- "\${VAULT_ADDR}/v1/\${path}"
  rm -f -- "\${header}"
}

# The broker writes this instance's own parameter when the launch hook fires, so it may not be
# there yet: read it up to WRAPPED_SECRET_ID_ATTEMPTS times, WRAPPED_SECRET_ID_INTERVAL_SECONDS apart.
wait_for_parameter() {
  local name="$1/\${instance_id}" what=$2 attempt value
  for ((attempt = 1; attempt <= WRAPPED_SECRET_ID_ATTEMPTS; attempt++)); do
    if value=$(ssm_get "\${name}" 2>/dev/null); then
      printf '%s' "\${value}"
      return 0
    fi
    if ((attempt == 1)); then
      log "no \${what} at \${name} yet; waiting for the secret-id broker"
    fi
    if ((attempt < WRAPPED_SECRET_ID_ATTEMPTS)); then
      sleep "\${WRAPPED_SECRET_ID_INTERVAL_SECONDS}"
    fi
  done
  log "gave up: no \${what} at \${name} after \${WRAPPED_SECRET_ID_ATTEMPTS} attempts \${WRAPPED_SECRET_ID_INTERVAL_SECONDS} s apart; check the secret-id broker's log group and the launch lifecycle hook"
  return 1
}

# Vault AppRole -> GitHub App installation token -> generate-jitconfig for this instance.
mint_jit_config() {
  local role_id wrapping_token secret_id vault_token code message response="\${secrets_dir}/jit-response"
  log "instance \${instance_id} in \${region}: reading its Vault parameters from SSM"
  role_id=$(ssm_get "\${SSM_ROLE_ID}")
  wrapping_token=$(wait_for_parameter "\${SSM_WRAPPED_SECRET_ID_PREFIX}" "wrapped secret id")

  log "unwrapping the single-use secret id"
  secret_id=$(vault_post sys/wrapping/unwrap "\${wrapping_token}" </dev/null | json_field data secret_id)
  unset wrapping_token

  log "logging in to Vault with AppRole"
  vault_token=$(ROLE_ID="\${role_id}" SECRET_ID="\${secret_id}" python3 -c 'import json, os
print(json.dumps({"role_id": os.environ["ROLE_ID"], "secret_id": os.environ["SECRET_ID"]}))' |
    curl -fsS --proto =https --tlsv1.2 -X POST --data-binary @- "\${VAULT_ADDR}/v1/auth/\${VAULT_APPROLE_MOUNT}/login" |
    json_field auth client_token)
  unset role_id secret_id

  log "minting a GitHub App installation token"
  vault_post "\${VAULT_GITHUB_TOKEN_PATH}" "\${vault_token}" </dev/null | json_field data token |
    python3 -c 'import sys; sys.stdout.write("Authorization: Bearer " + sys.stdin.read().strip() + "\\n")' >"\${secrets_dir}/github-header"
  # A second token, narrowed to reading Actions, for the job report's queue time: root's only, it
  # outlives the job (valid one hour); without it the report leaves the queue time out.
  if ! printf '{"permissions":{"actions":"read"}}' | vault_post "\${VAULT_GITHUB_TOKEN_PATH}" "\${vault_token}" | json_field data token >"\${secrets_dir}/actions-read-token"; then
    log "no read-only Actions token; the job report will leave out the queue time"
    rm -f -- "\${secrets_dir}/actions-read-token"
  fi
  unset vault_token

  log "requesting a JIT configuration for runner \${instance_id} (group \${RUNNER_GROUP_ID}, labels \${RUNNER_LABELS_JSON})"
  code=$(NAME="\${instance_id}" GROUP="\${RUNNER_GROUP_ID}" LABELS="\${RUNNER_LABELS_JSON}" python3 -c 'import json, os
print(json.dumps({"name": os.environ["NAME"], "runner_group_id": int(os.environ["GROUP"]), "labels": json.loads(os.environ["LABELS"]), "work_folder": "_work"}))' |
    github_curl -o "\${response}" -w '%{http_code}' -X POST --data-binary @- "\${GITHUB_JIT_CONFIG_URL}") || code=000
  if [[ "\${code}" != 201 ]]; then
    message="no answer"
    if [[ -s "\${response}" ]]; then
      message=$(github_message <"\${response}")
    fi
    log "GitHub refused the JIT configuration: HTTP \${code}: \${message}; powering off without retrying"
    return 1
  fi
  runner_id=$(json_field runner id <"\${response}")
  json_field encoded_jit_config <"\${response}" >"\${secrets_dir}/jit-config"
  rm -f -- "\${response}"
}

if [[ "\${JIT_CONFIG_MINTED_BY}" == broker ]]; then
  log "instance \${instance_id} in \${region}: reading the JIT configuration the broker minted"
  wait_for_parameter "\${SSM_JIT_CONFIG_PREFIX}" "JIT configuration" >"\${secrets_dir}/jit-config"
else
  mint_jit_config
fi

if [[ "\${RUNNER_DOCKER_ACCESS}" == true ]]; then
  usermod -aG docker "\${RUNNER_USER}"
fi

systemd-tmpfiles --create "\${JOB_REPORT_TMPFILES}" || log "could not create the job-metrics directories"

# From here the job's code runs on this instance: no GitHub token stays behind for it (the
# read-only Actions token stays in root's secrets directory, out of the runner user's reach).
job_started=true
rm -f -- "\${secrets_dir}/github-header"
log "starting JIT runner \${instance_id}: one job"
# The unit reads the configuration from its credentials directory: $1 is run.sh, $2 the credential.
# shellcheck disable=SC2016
systemd-run --unit=ci-intel-runner-job --description="ci-intel runner job" --wait --collect --quiet \\
  --uid="\${RUNNER_USER}" --gid="\${RUNNER_USER}" \\
  -p WorkingDirectory="\${RUNNER_HOME}" \\
  -p IPAddressDeny=169.254.169.254/32 \\
  -p NoNewPrivileges=yes \\
  --setenv="\${JOB_STARTED_HOOK_ENV}" \\
  -p LoadCredential="\${JIT_CREDENTIAL}:\${secrets_dir}/jit-config" \\
  /bin/bash -c 'exec "$1" --jitconfig "$(<"\${CREDENTIALS_DIRECTORY}/$2")"' run-job "\${RUNNER_HOME}/run.sh" "\${JIT_CREDENTIAL}" || log "run.sh exited with status $?"
`;
