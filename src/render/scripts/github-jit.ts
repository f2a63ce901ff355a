/**
 * The two scripts of a runner pod that registers just in time (`registration: jit`), as static text:
 * every value reaches them through the environment or a mounted file, none is written into them, so
 * nothing from the configuration can become code. They are mounted from one ConfigMap the fleet
 * renders; tests run them under `sh` against a local server that answers as GitHub does, and check
 * them with shellcheck.
 *
 * Why two containers and a hand-over instead of one init container: a JIT configuration is good for
 * one runner, one job. In a Deployment the runner container is restarted in place after its job
 * (restartPolicy Always), and init containers do not run again, so a configuration minted once per
 * pod would be reused and refused. Minting in the runner container itself would put the GitHub App's
 * private key (or the token) where every job runs. So:
 *
 * - the `jit-minter` container alone mounts the credential Secret; on request it mints a configuration
 *   (`POST <scope>/actions/runners/generate-jitconfig`) and hands it over as a 0400 file in a shared
 *   in-memory emptyDir. It mints only when the runner it minted before is gone from GitHub (or never
 *   connected), so a job cannot ask for configurations for runners of its own making while its own
 *   runner is registered. A refusal ends it with GitHub's status and message, and the kubelet retries
 *   with its back-off.
 * - the runner container starts through {@link JIT_RUN_SCRIPT}: it asks for a configuration, waits
 *   for the file, removes it and runs `run.sh --jitconfig <config>`. The runner takes one job and
 *   exits, the container ends (with every process a job left behind) and its restart asks for the
 *   next configuration, under the next name (`<pod name>-2`, `-3`, ...).
 */

/** Where the two containers find the scripts, the hand-over directory, the Secret's files and the minter's own state. */
export const JIT_POD_PATHS = {
  scriptsDir: "/run/runner-fleet/scripts",
  mintScript: "/run/runner-fleet/scripts/mint-jit.sh",
  runScript: "/run/runner-fleet/scripts/run-jit.sh",
  handOverDir: "/run/runner-fleet/jit",
  credentialsDir: "/run/secrets/github-jit",
  stateDir: "/run/runner-fleet/jit-state",
} as const;

/** Files of the scripts ConfigMap. */
export const JIT_SCRIPT_FILES = { mint: "mint-jit.sh", run: "run-jit.sh" } as const;

/** The GitHub REST API version the minter asks for. */
export const JIT_GITHUB_API_VERSION = "2022-11-28";

/** The file names under which the minter reads the Secret's keys. */
export const JIT_CREDENTIAL_FILES = { appId: "app-id", installationId: "installation-id", privateKey: "private-key", token: "token" } as const;

/**
 * Mints JIT runner configurations. `serve` (the container's command) waits for requests; `once`
 * mints one configuration now. Reads: GITHUB_API_URL (`https://api.github.com`, or
 * `https://HOST/api/v3`), JIT_RUNNERS_PATH (`/repos/o/r/actions/runners`, `/orgs/o/...`,
 * `/enterprises/e/...`), JIT_AUTH (`app` or `token`), JIT_CREDENTIALS_DIR, JIT_REQUEST (the JSON body
 * without the name), JIT_TOKEN_REQUEST (the JSON body of the installation token request), RUNNER_NAME,
 * JIT_DIR, JIT_STATE_DIR; optional JIT_RECHECK_SECONDS and JIT_POLL_SECONDS.
 */
export const JIT_MINT_SCRIPT = `#!/bin/sh
# Mints just-in-time runner configurations for the runner container of this pod (runner-fleet).
# serve: on each request in $JIT_DIR, mint one and hand it over; once: mint one now.
set -eu

: "\${GITHUB_API_URL:?}" "\${JIT_RUNNERS_PATH:?}" "\${JIT_AUTH:?}" "\${JIT_CREDENTIALS_DIR:?}" "\${JIT_REQUEST:?}"
: "\${RUNNER_NAME:?}" "\${JIT_DIR:?}" "\${JIT_STATE_DIR:?}"
api_version=${JIT_GITHUB_API_VERSION}
state=$JIT_STATE_DIR
creds=$JIT_CREDENTIALS_DIR
answer=$state/answer.json
code=000
umask 077
trap 'rm -f "$state/auth" "$state/signing-input" "$state/signature" "$answer"' EXIT

log() { printf 'runner-fleet: %s\\n' "$*" >&2; }

# Standard input as base64url without padding.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# api METHOD URL [BODY_FILE]: GitHub's answer goes to $answer, its HTTP status to $code. The
# Authorization header is read from a file: no credential is ever on a command line.
api() {
  if [ "$#" -eq 3 ]; then
    code=$(curl -q --silent --show-error --max-time 60 --request "$1" --output "$answer" --write-out '%{http_code}' \\
      --header "@$state/auth" --header 'Accept: application/vnd.github+json' --header "X-GitHub-Api-Version: $api_version" \\
      --header 'Content-Type: application/json' --data-binary "@$3" "$2") || code=000
  else
    code=$(curl -q --silent --show-error --max-time 60 --request "$1" --output "$answer" --write-out '%{http_code}' \\
      --header "@$state/auth" --header 'Accept: application/vnd.github+json' --header "X-GitHub-Api-Version: $api_version" \\
      "$2") || code=000
  fi
}

# refused WHAT: reports GitHub's status and message (never a credential) and ends the container.
refused() {
  message=
  if [ -s "$answer" ]; then message=$(jq -r '.message // empty' "$answer" 2>/dev/null | head -n 1 | cut -c 1-300) || message=; fi
  log "GitHub answered HTTP $code to $1\${message:+: $message}"
  case $code in
    000) log "GitHub could not be reached (network, DNS or TLS): check the pod's route to $GITHUB_API_URL" ;;
    401) log "the credential is invalid or expired: update the Secret (an App's private key, app id and installation id, or the token)" ;;
    403) log "the credential may not manage runners here (App: repository Administration or organization Self-hosted runners, read and write), or a rate limit applies" ;;
    404) log "the scope does not exist or the credential cannot see it: check githubRepo and the App installation's repositories" ;;
    409) log "a runner of that name exists already" ;;
    422) log "GitHub refused the request's fields: check jit.runnerGroupId and the labels" ;;
  esac
  exit 1
}

# Writes the Authorization header file: the token, or an installation token the App mints.
authorize() {
  case $JIT_AUTH in
    token)
      token=$(cat "$creds/token")
      [ -n "$token" ] || { log "the Secret's token key is empty"; exit 1; }
      printf 'Authorization: Bearer %s\\n' "$token" > "$state/auth"
      ;;
    app)
      app_id=$(cat "$creds/app-id")
      installation_id=$(cat "$creds/installation-id")
      case $app_id in '' | *[!A-Za-z0-9.]*) log "the Secret's app id is neither a GitHub App id nor a client id"; exit 1 ;; esac
      case $installation_id in '' | *[!0-9]*) log "the Secret's installation id is not a number"; exit 1 ;; esac
      now=$(date +%s)
      header=$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | b64url)
      # Issued a minute early against clock drift; GitHub takes at most ten minutes.
      claims=$(jq -cn --arg iss "$app_id" --argjson now "$now" '{iat: ($now - 60), exp: ($now + 540), iss: ($iss | tonumber? // $iss)}' | b64url)
      printf '%s.%s' "$header" "$claims" > "$state/signing-input"
      openssl dgst -sha256 -sign "$creds/private-key" -binary -out "$state/signature" "$state/signing-input" 2>/dev/null ||
        { log "cannot sign with the Secret's private key: give the App's private key (PEM)"; exit 1; }
      signature=$(b64url < "$state/signature")
      printf 'Authorization: Bearer %s.%s\\n' "$(cat "$state/signing-input")" "$signature" > "$state/auth"
      token_request=\${JIT_TOKEN_REQUEST:-}
      [ -n "$token_request" ] || token_request='{}'
      printf '%s' "$token_request" > "$state/token-request.json"
      api POST "$GITHUB_API_URL/app/installations/$installation_id/access_tokens" "$state/token-request.json"
      [ "$code" = 201 ] || refused "the installation token request"
      token=$(jq -r '.token // empty' "$answer")
      [ -n "$token" ] || { log "GitHub's answer to the installation token request holds no token"; exit 1; }
      printf 'Authorization: Bearer %s\\n' "$token" > "$state/auth"
      ;;
    *) log "JIT_AUTH is neither app nor token"; exit 1 ;;
  esac
}

# Succeeds when the runner minted before is gone: removed by GitHub after its job (404), or never
# connected (offline and idle: removed here). Fails while it is registered and online.
previous_runner_gone() {
  [ -s "$state/runner-id" ] || return 0
  id=$(cat "$state/runner-id")
  api GET "$GITHUB_API_URL$JIT_RUNNERS_PATH/$id"
  case $code in
    404) rm -f "$state/runner-id"; return 0 ;;
    200) ;;
    *) refused "the check of runner $id" ;;
  esac
  if [ "$(jq -r '.status' "$answer")" = offline ] && [ "$(jq -r '.busy' "$answer")" = false ]; then
    api DELETE "$GITHUB_API_URL$JIT_RUNNERS_PATH/$id"
    case $code in 204 | 404) rm -f "$state/runner-id"; return 0 ;; *) refused "the removal of runner $id, which never took a job" ;; esac
  fi
  return 1
}

# Mints one configuration and hands it over: $JIT_DIR/config, readable by this uid only.
mint() {
  count=0
  [ ! -s "$state/count" ] || count=$(cat "$state/count")
  count=$((count + 1))
  printf '%s\\n' "$count" > "$state/count"
  name=$RUNNER_NAME
  [ "$count" -eq 1 ] || name="$RUNNER_NAME-$count"
  jq -cn --arg name "$name" --argjson request "$JIT_REQUEST" '{name: $name} + $request' > "$state/request.json"
  api POST "$GITHUB_API_URL$JIT_RUNNERS_PATH/generate-jitconfig" "$state/request.json"
  [ "$code" = 201 ] || refused "the JIT configuration request for runner $name"
  jq -r '.runner.id // empty' "$answer" > "$state/runner-id"
  rm -f "$JIT_DIR/.config.new"
  (umask 0277 && jq -r '.encoded_jit_config // empty' "$answer" > "$JIT_DIR/.config.new")
  [ -s "$JIT_DIR/.config.new" ] || { rm -f "$JIT_DIR/.config.new"; log "GitHub's answer holds no encoded_jit_config"; exit 1; }
  mv -f "$JIT_DIR/.config.new" "$JIT_DIR/config"
  log "minted the JIT configuration of runner $name"
}

case \${1:-serve} in
  once)
    authorize
    previous_runner_gone || { log "runner $(cat "$state/runner-id") is still registered and online"; exit 1; }
    mint
    ;;
  serve)
    log "minting a JIT configuration on each request in $JIT_DIR"
    waiting=
    while :; do
      if [ -e "$JIT_DIR/request" ] && [ ! -e "$JIT_DIR/config" ]; then
        authorize
        if previous_runner_gone; then
          mint
          rm -f "$JIT_DIR/request"
          waiting=
        else
          [ -n "$waiting" ] || log "the runner minted before is still registered and online: the next configuration waits until it is gone"
          waiting=1
          sleep "\${JIT_RECHECK_SECONDS:-30}"
        fi
        rm -f "$state/auth"
      fi
      sleep "\${JIT_POLL_SECONDS:-1}"
    done
    ;;
  *) log "usage: mint-jit.sh serve|once"; exit 2 ;;
esac
`;

/**
 * Starts the runner with a configuration from the minter: asks for one (unless one waits already),
 * waits for it, removes the file and runs `<run.sh> --jitconfig <config>`. The configuration is read
 * at run time, so it is never in the pod spec. Reads JIT_DIR and JIT_RUN_SCRIPT.
 */
export const JIT_RUN_SCRIPT = `#!/bin/sh
# Starts the actions runner with a just-in-time configuration from the jit-minter container (runner-fleet).
set -eu

: "\${JIT_DIR:?}" "\${JIT_RUN_SCRIPT:?}"
if [ ! -e "$JIT_DIR/config" ]; then
  : > "$JIT_DIR/request"
  echo "runner-fleet: waiting for a JIT configuration from the jit-minter container" >&2
  while [ ! -e "$JIT_DIR/config" ]; do sleep "\${JIT_POLL_SECONDS:-1}"; done
fi
config=$(cat "$JIT_DIR/config")
rm -f "$JIT_DIR/config"
exec "$JIT_RUN_SCRIPT" --jitconfig "$config"
`;
