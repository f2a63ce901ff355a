/**
 * The runner's boot script (EC2 user-data): one ephemeral job per instance, then power-off, which
 * the launch template turns into termination. The script holds no secret: it names where each
 * credential is fetched at boot, and every credential lives only in root-owned files under /run
 * (tmpfs) or in shell variables until the job starts.
 *
 * Boot sequence:
 *  1. IMDSv2 session token -> region and instance id.
 *  2. SSM (with decryption): the registration token, the Vault AppRole role id, and this
 *     instance's response-wrapped secret id `<ssm.wrappedSecretId>/<instance-id>`, which the
 *     secret-id broker writes when the launch lifecycle hook fires (see docs/aws-runners.md); the
 *     script waits for it, up to {@link WRAPPED_SECRET_ID_WAIT}.
 *  3. Vault: unwrap the secret id (`sys/wrapping/unwrap`; single use, so an interception shows up
 *     as a failed unwrap), log in with AppRole, mint a short-lived GitHub token (`github/token`).
 *  4. `config.sh --unattended --ephemeral` with the profile's labels and the instance id as name.
 *  5. `run.sh` as the unprivileged `runner` user in a transient systemd unit that cannot reach the
 *     instance metadata service (so job code never holds the instance role), one job, then exit.
 *  6. On any exit: if the runner is still registered, remove it with the GitHub token; power off.
 *
 * The script is a static body after a block of `readonly NAME='value'` settings; values are
 * shell-quoted, so no profile value can change the script's meaning.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";

/** Where the Packer image installs the runner, and the user jobs run as. */
export const RUNNER_INSTALL_DIR = "/opt/actions-runner";
export const RUNNER_USER = "runner";

/**
 * How long the script waits for its wrapped secret id: the broker writes it while the launch
 * hook holds the instance in Pending:Wait, which is when user-data runs. 60 reads 5 s apart cover
 * the hook's 300 s timeout, after which the launch is abandoned anyway.
 */
export const WRAPPED_SECRET_ID_WAIT = { attempts: 60, intervalSeconds: 5 } as const;

/** Quotes a value for POSIX shells: single quotes, with embedded `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The settings block: every value the script takes from the profile, by name. */
export function runnerBootSettings(profile: AwsRunnerProfile): ReadonlyArray<readonly [string, string]> {
  return [
    ["GITHUB_URL", profile.githubUrl],
    ["RUNNER_LABELS", profile.labels.join(",")],
    ["RUNNER_GROUP", profile.runnerGroup ?? ""],
    ["RUNNER_HOME", RUNNER_INSTALL_DIR],
    ["RUNNER_USER", RUNNER_USER],
    ["RUNNER_DOCKER_ACCESS", profile.trustLevel === "trusted" ? "true" : "false"],
    ["SSM_REGISTRATION_TOKEN", profile.ssm.registrationToken],
    ["SSM_ROLE_ID", profile.ssm.roleId],
    ["SSM_WRAPPED_SECRET_ID_PREFIX", profile.ssm.wrappedSecretId],
    ["WRAPPED_SECRET_ID_ATTEMPTS", String(WRAPPED_SECRET_ID_WAIT.attempts)],
    ["WRAPPED_SECRET_ID_INTERVAL_SECONDS", String(WRAPPED_SECRET_ID_WAIT.intervalSeconds)],
    ["VAULT_ADDR", profile.vault.address],
    ["VAULT_APPROLE_MOUNT", profile.vault.approle.mountPath],
    ["VAULT_GITHUB_TOKEN_PATH", profile.vault.githubTokenPath],
  ];
}

/** The user-data script, as text (base64-encode it for a launch template: see `renderRunnerLaunchTemplate`). */
export function renderRunnerUserData(profile: AwsRunnerProfile): string {
  const settings = runnerBootSettings(profile).map(([name, value]) => `readonly ${name}=${shellQuote(value)}`);
  return [HEADER, "# Settings rendered from the runner profile (no secrets).", ...settings, "", BODY].join("\n");
}

const HEADER = `#!/bin/bash
# ci-intel runner boot: register one ephemeral GitHub runner, run one job, power off.
# Rendered by runner-fleet. It holds no secret; credentials are fetched at boot.
set -euo pipefail
`;

// A plain template literal: bash's \${...} is escaped, backslashes are doubled.
const BODY = `umask 077
secrets_dir=$(mktemp -d /run/ci-intel-runner.XXXXXX)
readonly secrets_dir

log() {
  printf '%s ci-intel-runner: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# Remove a registration the job did not consume, forget every credential, power off. With
# instance_initiated_shutdown_behavior = terminate, power-off ends the instance.
finish() {
  local status=$?
  if [[ -f "\${RUNNER_HOME}/.runner" && -s "\${secrets_dir}/github-token" ]]; then
    log "runner still registered; removing the registration"
    ACTIONS_RUNNER_INPUT_PAT="$(<"\${secrets_dir}/github-token")" \\
      runuser -w ACTIONS_RUNNER_INPUT_PAT -u "\${RUNNER_USER}" -- "\${RUNNER_HOME}/config.sh" remove || log "could not remove the registration"
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
sys.stdout.write(value)' "$@"
}

# POST to Vault. The token travels in a root-only header file and the body on stdin, never in argv.
vault_post() {
  local path=$1 token=$2
  local header="\${secrets_dir}/vault-header"
  printf 'X-Vault-Token: %s\\n' "\${token}" >"\${header}"
  curl -fsS --proto =https --tlsv1.2 -X POST -H @"\${header}" --data-binary @- "\${VAULT_ADDR}/v1/\${path}"
  rm -f -- "\${header}"
}

log "instance \${instance_id} in \${region}: reading runner parameters from SSM"
registration_token=$(ssm_get "\${SSM_REGISTRATION_TOKEN}")
role_id=$(ssm_get "\${SSM_ROLE_ID}")
# The broker writes this instance's wrapped secret id when the launch hook fires, so it may not be
# there yet: read it up to WRAPPED_SECRET_ID_ATTEMPTS times, WRAPPED_SECRET_ID_INTERVAL_SECONDS apart.
wait_for_wrapped_secret_id() {
  local name="\${SSM_WRAPPED_SECRET_ID_PREFIX}/\${instance_id}" attempt value
  for ((attempt = 1; attempt <= WRAPPED_SECRET_ID_ATTEMPTS; attempt++)); do
    if value=$(ssm_get "\${name}" 2>/dev/null); then
      printf '%s' "\${value}"
      return 0
    fi
    if ((attempt == 1)); then
      log "no wrapped secret id at \${name} yet; waiting for the secret-id broker"
    fi
    if ((attempt < WRAPPED_SECRET_ID_ATTEMPTS)); then
      sleep "\${WRAPPED_SECRET_ID_INTERVAL_SECONDS}"
    fi
  done
  log "gave up: no wrapped secret id at \${name} after \${WRAPPED_SECRET_ID_ATTEMPTS} attempts \${WRAPPED_SECRET_ID_INTERVAL_SECONDS} s apart; check the secret-id broker's log group and the launch lifecycle hook"
  return 1
}
wrapping_token=$(wait_for_wrapped_secret_id)

log "unwrapping the single-use secret id"
secret_id=$(vault_post sys/wrapping/unwrap "\${wrapping_token}" </dev/null | json_field data secret_id)
unset wrapping_token

log "logging in to Vault with AppRole"
vault_token=$(ROLE_ID="\${role_id}" SECRET_ID="\${secret_id}" python3 -c 'import json, os
print(json.dumps({"role_id": os.environ["ROLE_ID"], "secret_id": os.environ["SECRET_ID"]}))' |
  curl -fsS --proto =https --tlsv1.2 -X POST --data-binary @- "\${VAULT_ADDR}/v1/auth/\${VAULT_APPROLE_MOUNT}/login" |
  json_field auth client_token)
unset role_id secret_id

log "minting a short-lived GitHub token"
vault_post "\${VAULT_GITHUB_TOKEN_PATH}" "\${vault_token}" </dev/null | json_field data token >"\${secrets_dir}/github-token"
unset vault_token

if [[ "\${RUNNER_DOCKER_ACCESS}" == true ]]; then
  usermod -aG docker "\${RUNNER_USER}"
fi

log "registering ephemeral runner \${instance_id} with labels \${RUNNER_LABELS}"
config_args=(--unattended --ephemeral --disableupdate --url "\${GITHUB_URL}" --token "\${registration_token}" --labels "\${RUNNER_LABELS}" --name "\${instance_id}" --work _work)
if [[ -n "\${RUNNER_GROUP}" ]]; then
  config_args+=(--runnergroup "\${RUNNER_GROUP}")
fi
cd "\${RUNNER_HOME}"
runuser -u "\${RUNNER_USER}" -- ./config.sh "\${config_args[@]}"
unset registration_token config_args

log "running one job"
systemd-run --unit=ci-intel-runner-job --wait --collect --quiet \\
  --uid="\${RUNNER_USER}" --gid="\${RUNNER_USER}" \\
  -p WorkingDirectory="\${RUNNER_HOME}" \\
  -p IPAddressDeny=169.254.169.254/32 \\
  -p NoNewPrivileges=yes \\
  "\${RUNNER_HOME}/run.sh" || log "run.sh exited with status $?"
`;
