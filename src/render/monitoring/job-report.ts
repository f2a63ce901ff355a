/**
 * Job metrics of one-job GitHub runner machines (EC2 instances, libvirt VMs) for the node
 * exporter's textfile collector.
 *
 * What each source can tell (actions/runner, docs/adrs/1751-runner-job-hooks.md and the runner's
 * sources):
 * - The job-started hook (`ACTIONS_RUNNER_HOOK_JOB_STARTED`, run as the runner user) sees the
 *   default variables (`GITHUB_REPOSITORY`, `GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`, `GITHUB_JOB`,
 *   ...), not the job's numeric id, its queue time, or any token.
 * - The job-completed hook runs as a step of the job, before the job's result is final, so it is
 *   not used.
 * - The runner's listener writes `<utc>: Running job: <name>` and `<utc>: Job <name> completed
 *   with result: <Result>` to its terminal and to `_diag/Runner_*.log` (as `WRITE LINE: ...`), and
 *   `Job request <n> for plan <guid> job <guid> received.` there.
 * - Only the REST API (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{n}/jobs`) has
 *   the job's `created_at` and `started_at`; it needs a token that reads Actions.
 *
 * So the started hook records which run the job belongs to in a spool file, and a root script
 * (`runner-fleet-job-report`), run when the runner has exited and before the machine powers off,
 * reads the runner's log, asks the API for the queue time when given a token file, writes the
 * series of `job-metrics.ts` to the textfile directory (temp file, then rename) and waits until
 * the node exporter has been scraped once more, so the last job is not lost with the machine.
 *
 * Trust: jobs run as the runner user, who owns the spool and `_diag`. A job can misreport its own
 * result and timing (one job per machine, one series per job), but not write series of its own:
 * the textfile directory is root's, and every value is checked against a fixed pattern.
 */
import { ConfigError, type ConfigIssue } from "../../model/issues.ts";
import { shQuote } from "../scripts/shell.ts";
import { RUNNER_INSTALL_DIR, RUNNER_USER } from "../aws/runner-install.ts";
import { GITHUB_GUEST } from "../scripts/github-guest-paths.ts";
import { JOB_METRICS } from "./job-metrics.ts";

/** Fixed paths on a runner machine. */
export const JOB_REPORT_PATHS = {
  startedHook: "/usr/local/lib/runner-fleet/job-started.sh",
  reportScript: "/usr/local/sbin/runner-fleet-job-report",
  tmpfiles: "/etc/tmpfiles.d/runner-fleet-job-metrics.conf",
  spoolDir: "/var/lib/runner-fleet/spool",
  /** The Debian/Ubuntu `prometheus-node-exporter` package's textfile directory; pass `--collector.textfile.directory` with it elsewhere. */
  textfileDir: "/var/lib/prometheus/node-exporter",
  textfile: "runner-fleet-job.prom",
} as const;

/**
 * How long the job report waits, before the machine powers off, for Prometheus to scrape the job's
 * series from the node exporter once more (the machine and its series end with the power-off).
 */
export const JOB_REPORT_SCRAPE_WAIT_SECONDS = 90;

export type JobReportSubstrate = "ec2" | "libvirt";

export interface JobReportOptions {
  readonly substrate: JobReportSubstrate;
  /** The `pool` label of every series: the runner pool (profile) name. */
  readonly pool: string;
  /** Where the runner is installed. @default /opt/actions-runner (ec2), /home/runner/actions-runner (libvirt) */
  readonly runnerDir?: string;
  /** The runner's user, who owns the spool directory. @default runner */
  readonly runnerUser?: string;
  /** The node exporter's textfile directory. @default /var/lib/prometheus/node-exporter */
  readonly textfileDir?: string;
  /** GitHub's REST API. @default https://api.github.com */
  readonly githubApiUrl?: string;
  /** Where the started hook leaves its record, runner-owned. @default /var/lib/runner-fleet/spool */
  readonly spoolDir?: string;
  /** Accept a plain `http://` githubApiUrl (a GitHub Enterprise Server the fleet reaches without TLS, opted in with its own allowInsecureHttp). @default false */
  readonly allowInsecureHttp?: boolean;
}

export interface JobReportFile {
  readonly path: string;
  readonly mode: "0644" | "0755";
  readonly content: string;
}

const LABEL_VALUE = /^[A-Za-z0-9_.-]{1,63}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9_./-]+$/;

/** Refuses a setting that could not be written as a label value or a plain path. */
function checked(options: JobReportOptions): Required<JobReportOptions> {
  const resolved = {
    substrate: options.substrate,
    pool: options.pool,
    runnerDir: options.runnerDir ?? (options.substrate === "ec2" ? RUNNER_INSTALL_DIR : GITHUB_GUEST.runnerDir),
    runnerUser: options.runnerUser ?? (options.substrate === "ec2" ? RUNNER_USER : GITHUB_GUEST.runnerUser),
    textfileDir: options.textfileDir ?? JOB_REPORT_PATHS.textfileDir,
    githubApiUrl: options.githubApiUrl ?? "https://api.github.com",
    spoolDir: options.spoolDir ?? JOB_REPORT_PATHS.spoolDir,
    allowInsecureHttp: options.allowInsecureHttp ?? false,
  };
  const issues: ConfigIssue[] = [];
  if (!LABEL_VALUE.test(resolved.pool)) issues.push({ path: "pool", message: `${JSON.stringify(resolved.pool)} is not a label value`, fix: "name the pool with 1-63 letters, digits, '.', '_' or '-'" });
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(resolved.runnerUser)) issues.push({ path: "runnerUser", message: `${JSON.stringify(resolved.runnerUser)} is not a user name`, fix: "give the runner's login name, e.g. runner" });
  for (const key of ["runnerDir", "textfileDir", "spoolDir"] as const) {
    if (!ABSOLUTE_PATH.test(resolved[key])) issues.push({ path: key, message: `${JSON.stringify(resolved[key])} is not a plain absolute path`, fix: "give an absolute path of letters, digits, '.', '_', '-' and '/'" });
  }
  const scheme = options.allowInsecureHttp === true ? "https?" : "https";
  if (!new RegExp(`^${scheme}://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$`).test(resolved.githubApiUrl)) issues.push({ path: "githubApiUrl", message: `${JSON.stringify(resolved.githubApiUrl)} is not an https URL`, fix: "give GitHub's REST API, e.g. https://api.github.com or https://ghe.example.com/api/v3 (plain http only with allowInsecureHttp)" });
  if (issues.length > 0) throw new ConfigError(issues, "job report settings");
  return resolved;
}

const settingsBlock = (pairs: ReadonlyArray<readonly [string, string]>) => pairs.map(([k, v]) => `readonly ${k}=${shQuote(v)}`).join("\n");

/** The job-started hook: records the job's run in the spool. It never fails the job. */
export function renderJobStartedHook(options: JobReportOptions): string {
  const o = checked(options);
  return `#!/bin/bash
# runner-fleet job-started hook (ACTIONS_RUNNER_HOOK_JOB_STARTED), run by the runner as its user.
# Records which workflow run the job belongs to for runner-fleet-job-report. Never fails the job.
set +e
readonly SPOOL_DIR=${shQuote(o.spoolDir)}
tmp=$(mktemp "\${SPOOL_DIR}/.job.XXXXXX") || exit 0
{
  printf 'repository=%s\\n' "\${GITHUB_REPOSITORY:-}"
  printf 'run_id=%s\\n' "\${GITHUB_RUN_ID:-}"
  printf 'run_attempt=%s\\n' "\${GITHUB_RUN_ATTEMPT:-}"
  printf 'started=%s\\n' "$(date -u +%s)"
} >"\${tmp}" && mv -f -- "\${tmp}" "\${SPOOL_DIR}/job"
rm -f -- "\${tmp}"
exit 0
`;
}

/** The root script that turns the runner's log (and the API, with a token) into the textfile. */
export function renderJobReportScript(options: JobReportOptions): string {
  const o = checked(options);
  const settings = settingsBlock([
    ["POOL", o.pool],
    ["RUNNER_DIR", o.runnerDir],
    ["SPOOL_FILE", `${o.spoolDir}/job`],
    ["TEXTFILE_DIR", o.textfileDir],
    ["TEXTFILE", JOB_REPORT_PATHS.textfile],
    ["GITHUB_API_URL", o.githubApiUrl],
  ]);
  return `#!/bin/bash
# runner-fleet-job-report: run as root after the runner has exited, before power-off.
# Writes the runner_fleet_* series of this machine's job to the node exporter's textfile
# directory. Rendered by runner-fleet; see docs/monitoring.md.
#
# Usage: runner-fleet-job-report [--token-file FILE] [--runner-name NAME] [--wait-for-scrape SECONDS] [--node-exporter-url URL]
#   --token-file       a GitHub token that reads Actions: adds the job's queue time from the API
#   --runner-name      the runner's name as GitHub knows it (default: .runner's agentName, else the hostname)
#   --wait-for-scrape  wait up to SECONDS for the node exporter to be scraped once more (default 0)
set -euo pipefail
${settings}

token_file=""
runner_name=""
wait_seconds=0
node_exporter_url="http://127.0.0.1:9100/metrics"
while (($# > 0)); do
  case "$1" in
    --token-file) token_file=$2; shift 2 ;;
    --runner-name) runner_name=$2; shift 2 ;;
    --wait-for-scrape) wait_seconds=$2; shift 2 ;;
    --node-exporter-url) node_exporter_url=$2; shift 2 ;;
    *) printf 'runner-fleet-job-report: unknown argument %s\\n' "$1" >&2; exit 2 ;;
  esac
done
[[ "\${wait_seconds}" =~ ^[0-9]+$ ]] || { echo "runner-fleet-job-report: --wait-for-scrape takes whole seconds" >&2; exit 2; }

log() {
  printf 'runner-fleet-job-report: %s\\n' "$*" >&2
}

# The newest listener log of the runner.
runner_log=""
shopt -s nullglob
for f in "\${RUNNER_DIR}"/_diag/Runner_*.log; do
  if [[ -z "\${runner_log}" || "\${f}" -nt "\${runner_log}" ]]; then
    runner_log=\${f}
  fi
done
shopt -u nullglob

# last_match SED-EXPRESSION: the last line of the log the expression prints, or nothing.
last_match() {
  if [[ -n "\${runner_log}" ]]; then
    sed -n "$1" -- "\${runner_log}" | tail -n 1
  fi
}
epoch() {
  if [[ -n "$1" ]]; then
    date -u -d "$1" +%s 2>/dev/null || true
  fi
}

now=$(date -u +%s)
listened=false
if [[ -n "\${runner_log}" ]] && grep -q 'Listening for Jobs' -- "\${runner_log}"; then
  listened=true
fi
started_at=$(epoch "$(last_match 's/.*WRITE LINE: \\([0-9-]* [0-9:]*Z\\): Running job: .*/\\1/p')")
completed_line=$(last_match 's/.*WRITE LINE: \\([0-9-]* [0-9:]*Z\\): Job .* completed with result: \\([A-Za-z]*\\)$/\\1 \\2/p')
job_id=$(last_match 's/.*Job request [0-9]* for plan [0-9a-fA-F-]* job \\([0-9a-fA-F-]*\\) received\\..*/\\1/p')
[[ "\${job_id}" =~ ^[0-9a-fA-F-]{1,64}$ ]] || job_id=""

outcome=never_listened
if [[ -n "\${started_at}" ]]; then
  outcome=job
elif [[ "\${listened}" == true ]]; then
  outcome=idle
fi

result=""
completed_at=""
if [[ "\${outcome}" == job ]]; then
  if [[ -n "\${completed_line}" ]]; then
    completed_at=$(epoch "\${completed_line% *}")
    result=$(printf '%s' "\${completed_line##* }" | tr '[:upper:]' '[:lower:]')
  fi
  case "\${result}" in
    succeededwithissues) result=succeeded ;;
    succeeded | failed | canceled | skipped | abandoned) ;;
    # The listener never reported the job done: the runner lost it.
    *) result=abandoned ;;
  esac
  [[ -n "\${completed_at}" ]] || completed_at=\${now}
  [[ -n "\${job_id}" ]] || job_id="unknown-\${started_at}"
fi

# Queue time from the API: the run comes from the job-started hook's spool record.
queue_seconds=""
if [[ "\${outcome}" == job && -n "\${token_file}" && -r "\${token_file}" && -r "\${SPOOL_FILE}" ]]; then
  repository="" run_id="" run_attempt=""
  while IFS='=' read -r key value; do
    case "\${key}" in
      repository) repository=\${value} ;;
      run_id) run_id=\${value} ;;
      run_attempt) run_attempt=\${value} ;;
    esac
  done <"\${SPOOL_FILE}"
  if [[ -z "\${runner_name}" && -r "\${RUNNER_DIR}/.runner" ]]; then
    runner_name=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1], encoding="utf-8-sig")).get("agentName", ""))' "\${RUNNER_DIR}/.runner" 2>/dev/null || true)
  fi
  [[ -n "\${runner_name}" ]] || runner_name=$(hostname)
  if [[ "\${repository}" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ && "\${run_id}" =~ ^[0-9]+$ && "\${run_attempt}" =~ ^[0-9]+$ ]]; then
    queue_seconds=$(python3 - "\${GITHUB_API_URL}" "\${repository}" "\${run_id}" "\${run_attempt}" "\${runner_name}" "\${token_file}" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
from datetime import datetime
api, repo, run_id, attempt, runner, token_file = sys.argv[1:7]
token = open(token_file, encoding="utf-8").read().strip()
def when(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").timestamp()
for page in range(1, 11):
    url = f"{api}/repos/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs?per_page=100&page={page}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"})
    with urllib.request.urlopen(request, timeout=20) as response:
        jobs = json.load(response).get("jobs", [])
    for job in jobs:
        if job.get("runner_name") == runner and job.get("created_at") and job.get("started_at"):
            print(max(0, int(when(job["started_at"]) - when(job["created_at"]))))
            sys.exit(0)
    if len(jobs) < 100:
        break
PY
)
    [[ "\${queue_seconds}" =~ ^[0-9]+$ ]] || queue_seconds=""
  fi
  [[ -n "\${queue_seconds}" ]] || log "no queue time for this job (API lookup failed or found no job run by \${runner_name})"
fi

# Write the textfile: a temp file the collector ignores (it reads *.prom only), then rename.
tmp=$(mktemp "\${TEXTFILE_DIR}/.\${TEXTFILE}.XXXXXX")
trap 'rm -f -- "\${tmp}"' EXIT
{
  echo "# HELP ${JOB_METRICS.exitTimestamp} When the runner exited; outcome: job, idle or never_listened."
  echo "# TYPE ${JOB_METRICS.exitTimestamp} gauge"
  echo "${JOB_METRICS.exitTimestamp}{pool=\\"\${POOL}\\",outcome=\\"\${outcome}\\"} \${now}"
  if [[ "\${outcome}" == job ]]; then
    echo "# HELP ${JOB_METRICS.completedTimestamp} When the runner reported the job complete, by result."
    echo "# TYPE ${JOB_METRICS.completedTimestamp} gauge"
    echo "${JOB_METRICS.completedTimestamp}{pool=\\"\${POOL}\\",job_id=\\"\${job_id}\\",result=\\"\${result}\\"} \${completed_at}"
    echo "# HELP ${JOB_METRICS.durationSeconds} From the runner's Running job line to its completed line."
    echo "# TYPE ${JOB_METRICS.durationSeconds} gauge"
    echo "${JOB_METRICS.durationSeconds}{pool=\\"\${POOL}\\",job_id=\\"\${job_id}\\"} $((completed_at - started_at))"
    if [[ -n "\${queue_seconds}" ]]; then
      echo "# HELP ${JOB_METRICS.queueSeconds} GitHub's started_at minus created_at of the job."
      echo "# TYPE ${JOB_METRICS.queueSeconds} gauge"
      echo "${JOB_METRICS.queueSeconds}{pool=\\"\${POOL}\\",job_id=\\"\${job_id}\\"} \${queue_seconds}"
    fi
  fi
} >"\${tmp}"
chmod 0644 "\${tmp}"
mv -f -- "\${tmp}" "\${TEXTFILE_DIR}/\${TEXTFILE}"
log "pool \${POOL}: outcome \${outcome}\${result:+, result \${result}}\${queue_seconds:+, queued \${queue_seconds} s}"

# Wait for one more scrape: the node exporter counts the requests it served; between two of our
# own reads, our earlier read adds one, so a larger step means someone else scraped.
scrapes() {
  curl -fsS --max-time 5 "\${node_exporter_url}" 2>/dev/null | sed -n 's/^promhttp_metric_handler_requests_total{code="200"} \\([0-9]*\\)$/\\1/p'
}
if ((wait_seconds > 0)); then
  deadline=$((SECONDS + wait_seconds))
  previous=$(scrapes || true)
  while ((SECONDS < deadline)); do
    sleep 2
    current=$(scrapes || true)
    if [[ "\${previous}" =~ ^[0-9]+$ && "\${current}" =~ ^[0-9]+$ ]] && ((current - previous > 1)); then
      log "scraped"
      exit 0
    fi
    previous=\${current}
  done
  log "no scrape seen within \${wait_seconds} s"
fi
`;
}

/** systemd-tmpfiles: the runner-owned spool and root's textfile directory. */
export function renderJobReportTmpfiles(options: JobReportOptions): string {
  const o = checked(options);
  return [
    "# runner-fleet job metrics (rendered by runner-fleet): the started hook's spool, owned by the runner,",
    "# and the node exporter's textfile directory, root's.",
    `d ${o.spoolDir} 0750 ${o.runnerUser} ${o.runnerUser} -`,
    `d ${o.textfileDir} 0755 root root -`,
    "",
  ].join("\n");
}

/** The line for the runner's `.env` file (in the runner directory) that turns the started hook on. */
export function jobHookEnvLines(): string[] {
  return [JOB_STARTED_HOOK_ENV];
}

/** The one variable that turns the started hook on, as `NAME=value`. */
export const JOB_STARTED_HOOK_ENV = `ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_REPORT_PATHS.startedHook}`;

/** Every file a runner machine needs for the job metrics, root-owned. */
export function renderJobHookFiles(options: JobReportOptions): JobReportFile[] {
  return [
    { path: JOB_REPORT_PATHS.startedHook, mode: "0755", content: renderJobStartedHook(options) },
    { path: JOB_REPORT_PATHS.reportScript, mode: "0755", content: renderJobReportScript(options) },
    { path: JOB_REPORT_PATHS.tmpfiles, mode: "0644", content: renderJobReportTmpfiles(options) },
  ];
}
