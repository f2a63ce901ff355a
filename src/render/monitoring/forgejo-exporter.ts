/**
 * Job metrics of Forgejo runners, read from Forgejo's API by the libvirt host (forgejo-runner has
 * no metrics endpoint and no job hooks). What Forgejo 15's API offers (its published description,
 * `test/reference/forgejo-v15/actions-jobs.json`, and `routers/api/v1/shared/runners.go`):
 *
 * - `GET .../actions/runners/jobs?labels=a,b` at admin, organisation, repository and user scope:
 *   the jobs that are `waiting` or `running` and that a runner with those labels could take
 *   (`ActionRunJob`: id, status, runs_on, task_id, repo_id). No time: a job's creation and the time
 *   it became waiting are not in the answer.
 * - `GET /repos/{owner}/{repo}/actions/tasks` (repository scope only): one `ActionTask` per
 *   attempt a runner took, with `status` (`success`, `failure`, `cancelled`, `skipped`, ...),
 *   `run_started_at` and `updated_at`. A task is created when a runner picks its job, so its
 *   `created_at` equals `run_started_at`: tasks carry no queue time, and no runner or labels.
 *
 * So the exporter, run every minute by a systemd timer, measures the queue as it happens: it keeps
 * the first time it saw each waiting job (state file) and writes the number of waiting jobs and
 * the age of the oldest. Results come from the tasks of the watched repositories: each task that
 * finished in the last hour is one series (label `task_id`), so counting series counts tasks.
 * Series go to the node exporter's textfile directory (temp file, then rename). On any API error
 * (401, 403, 404, unreachable) the exporter logs the status and leaves the previous file alone.
 */
import { ConfigError, type ConfigIssue } from "../../model/issues.ts";
import { type ForgejoRunnerScope, forgejoRunnerScopeIssues } from "../../model/forgejo-scope.ts";
import { shQuote } from "../scripts/shell.ts";
import { type SystemdUnit, execLine, renderSystemdUnit } from "../scripts/systemd.ts";
import { JOB_REPORT_PATHS } from "./job-report.ts";

/** The `runner_fleet_forgejo_*` series the exporter writes; every one carries `pool`. */
export const FORGEJO_JOB_METRICS = {
  /** Gauge: jobs waiting for a runner with the pool's labels. */
  waitingJobs: "runner_fleet_forgejo_waiting_jobs",
  /** Gauge: how long the oldest of them has been waiting, as seen by the exporter (seconds; 0 when none). */
  oldestWaitingSeconds: "runner_fleet_forgejo_oldest_waiting_job_seconds",
  /** Gauge, per task finished in the last hour: its `updated_at` (Unix seconds); labels `repository`, `task_id`, `result`. */
  taskCompletedTimestamp: "runner_fleet_forgejo_task_completed_timestamp_seconds",
  /** Gauge: when the exporter last read the API successfully (Unix seconds). */
  lastSuccessTimestamp: "runner_fleet_forgejo_exporter_last_success_timestamp_seconds",
} as const;

/** Forgejo's task statuses that end a task, as the `result` label. */
export const FORGEJO_TASK_RESULTS = ["success", "failure", "cancelled", "skipped"] as const;
/** Results the failure-rate alert counts. Cancelled is not a failure. */
export const FORGEJO_FAILED_RESULTS = ["failure"] as const;

export interface ForgejoExporterOptions {
  /** The `pool` label, also part of every file name: the VM (or pool) name. */
  readonly pool: string;
  /** Base URL of the Forgejo instance. */
  readonly forgeUrl: string;
  /** The runners' scope: where the waiting jobs are listed. */
  readonly scope: ForgejoRunnerScope;
  /** The runners' label names: only jobs a runner with these labels could take are counted. */
  readonly labels: readonly string[];
  /** `owner/name` of each repository whose tasks feed the failure rate. @default the scope's repository, else none */
  readonly repositories?: readonly string[];
  /** A root-only file holding a Forgejo token that reads the scope's Actions. @default /etc/runner-fleet/forgejo-exporter/<pool>.token */
  readonly tokenFile?: string;
  /** The node exporter's textfile directory. @default /var/lib/prometheus/node-exporter */
  readonly textfileDir?: string;
  /** Accept a plain `http://` forgeUrl. @default false */
  readonly allowInsecureHttp?: boolean;
}

type Resolved = Required<ForgejoExporterOptions>;

const POOL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL = /^[A-Za-z0-9_.-]{1,255}$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\/[A-Za-z0-9_.-]{1,100}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9_./-]+$/;

/** Every problem with the settings, each with its key path and fix; throws a ConfigError. */
export function resolveForgejoExporter(options: ForgejoExporterOptions): Resolved {
  const scopeRepo = options.scope.kind === "repo" ? [`${options.scope.owner}/${options.scope.repo}`] : [];
  const r: Resolved = {
    pool: options.pool,
    forgeUrl: options.forgeUrl.replace(/\/+$/, ""),
    scope: options.scope,
    labels: options.labels,
    repositories: options.repositories ?? scopeRepo,
    tokenFile: options.tokenFile ?? `/etc/runner-fleet/forgejo-exporter/${options.pool}.token`,
    textfileDir: options.textfileDir ?? JOB_REPORT_PATHS.textfileDir,
    allowInsecureHttp: options.allowInsecureHttp ?? false,
  };
  const issues: ConfigIssue[] = [];
  if (!POOL.test(r.pool)) issues.push({ path: "pool", message: `${JSON.stringify(r.pool)} is not a pool name`, fix: "use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit (the VM name)" });
  const scheme = r.allowInsecureHttp ? "https?" : "https";
  if (!new RegExp(`^${scheme}://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$`).test(r.forgeUrl)) {
    issues.push({ path: "forgeUrl", message: `${JSON.stringify(r.forgeUrl)} is not an https URL`, fix: 'give the base URL of the Forgejo instance, e.g. "https://forgejo.example.com" (plain http only with allowInsecureHttp)' });
  }
  issues.push(...forgejoRunnerScopeIssues(r.scope, "scope"));
  if (r.labels.length === 0) issues.push({ path: "labels", message: "is empty", fix: "give the runners' label names, e.g. [\"debian-12\"]" });
  r.labels.forEach((l, i) => {
    if (!LABEL.test(l)) issues.push({ path: `labels.${i}`, message: `${JSON.stringify(l)} is not a runner label name`, fix: "give the label's name only (letters, digits, '.', '_', '-'), without its ':docker://...' part" });
  });
  r.repositories.forEach((repo, i) => {
    if (!REPOSITORY.test(repo)) issues.push({ path: `repositories.${i}`, message: `${JSON.stringify(repo)} is not a repository`, fix: 'write "owner/name" as in the repository\'s URL, e.g. "acme/app"' });
  });
  for (const key of ["tokenFile", "textfileDir"] as const) {
    if (!ABSOLUTE_PATH.test(r[key])) issues.push({ path: key, message: `${JSON.stringify(r[key])} is not a plain absolute path`, fix: "give an absolute path of letters, digits, '.', '_', '-' and '/'" });
  }
  if (issues.length > 0) throw new ConfigError(issues, "Forgejo job exporter settings");
  return r;
}

/** The API path that lists the waiting and running jobs of a scope. */
export function forgejoRunJobsPath(scope: ForgejoRunnerScope): string {
  switch (scope.kind) {
    case "instance":
      return "/admin/actions/runners/jobs";
    case "user":
      return "/user/actions/runners/jobs";
    case "org":
      return `/orgs/${scope.org}/actions/runners/jobs`;
    case "repo":
      return `/repos/${scope.owner}/${scope.repo}/actions/runners/jobs`;
  }
}

/** Fixed paths on the libvirt host, per pool. */
export function forgejoExporterPaths(pool: string): { script: string; service: string; timer: string; textfile: string; stateFile: string } {
  return {
    script: `/usr/local/lib/runner-fleet/forgejo-exporter-${pool}`,
    service: `runner-fleet-forgejo-exporter-${pool}.service`,
    timer: `runner-fleet-forgejo-exporter-${pool}.timer`,
    textfile: `runner-fleet-forgejo-${pool}.prom`,
    stateFile: `/var/lib/runner-fleet-forgejo-exporter/${pool}.json`,
  };
}

const M = FORGEJO_JOB_METRICS;

/** The exporter: bash for the settings, python3's standard library for HTTP and JSON. */
export function renderForgejoExporterScript(options: ForgejoExporterOptions): string {
  const o = resolveForgejoExporter(options);
  const p = forgejoExporterPaths(o.pool);
  const settings: [string, string][] = [
    ["POOL", o.pool],
    ["API_URL", `${o.forgeUrl}/api/v1`],
    ["JOBS_PATH", forgejoRunJobsPath(o.scope)],
    ["LABELS", o.labels.join(",")],
    ["REPOSITORIES", o.repositories.join(" ")],
    ["TOKEN_FILE", o.tokenFile],
    ["TEXTFILE", `${o.textfileDir}/${p.textfile}`],
    ["STATE_FILE", p.stateFile],
  ];
  return `#!/bin/bash
# runner-fleet Forgejo job exporter for pool ${o.pool}, run every minute by ${p.timer}.
# Reads Forgejo's API with a read-only token from a root-only file and writes the
# runner_fleet_forgejo_* series to the node exporter's textfile directory. Rendered by
# runner-fleet; see docs/monitoring.md. On an API error the previous textfile stays as it was.
set -euo pipefail
${settings.map(([k, v]) => `readonly ${k}=${shQuote(v)}`).join("\n")}

if [[ ! -r "\${TOKEN_FILE}" ]]; then
  echo "runner-fleet-forgejo-exporter: cannot read the token file \${TOKEN_FILE}" >&2
  exit 1
fi
mkdir -p -- "$(dirname -- "\${STATE_FILE}")"
exec python3 - "\${POOL}" "\${API_URL}" "\${JOBS_PATH}" "\${LABELS}" "\${REPOSITORIES}" "\${TOKEN_FILE}" "\${TEXTFILE}" "\${STATE_FILE}" <<'PY'
import json, os, re, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
from datetime import datetime
pool, api, jobs_path, labels, repositories, token_file, textfile, state_file = sys.argv[1:9]
with open(token_file, encoding="utf-8") as f:
    token = f.read().strip()
now = int(time.time())

def fail(what):
    print(f"runner-fleet-forgejo-exporter: {what}; the previous series stay", file=sys.stderr)
    sys.exit(1)

def get(path, query):
    url = f"{api}{path}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        fail(f"GET {path}: HTTP {e.code}")
    except (urllib.error.URLError, OSError, ValueError) as e:
        fail(f"GET {path}: {type(e).__name__}")

def epoch(text):
    # Go's RFC 3339 times, with or without fractions; Forgejo writes the zero time for "never".
    m = re.match(r"^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)$", text or "")
    if not m:
        return 0
    seconds = int(datetime.fromisoformat(m.group(1) + m.group(2).replace("Z", "+00:00")).timestamp())
    return max(seconds, 0)

try:
    with open(state_file, encoding="utf-8") as f:
        first_seen = {str(k): int(v) for k, v in json.load(f).get("first_seen", {}).items()}
except (OSError, ValueError, AttributeError):
    first_seen = {}

jobs = get(jobs_path, {"labels": labels}) or []
waiting = {str(j["id"]) for j in jobs if isinstance(j, dict) and j.get("status") == "waiting" and isinstance(j.get("id"), int)}
first_seen = {k: first_seen.get(k, now) for k in waiting}
oldest = max((now - t for t in first_seen.values()), default=0)

tasks = []
for repo in repositories.split():
    for page in range(1, 11):
        answer = get(f"/repos/{repo}/actions/tasks", {"limit": 50, "page": page}) or {}
        entries = [t for t in answer.get("workflow_runs") or [] if isinstance(t, dict)]
        for t in entries:
            started, updated = epoch(t.get("run_started_at")), epoch(t.get("updated_at"))
            # Finished in the last hour, started in the last day (a log expiry also touches updated_at).
            if t.get("status") in (${FORGEJO_TASK_RESULTS.map((r) => `"${r}"`).join(", ")}) and isinstance(t.get("id"), int) and updated >= now - 3600 and started >= now - 86400:
                tasks.append((repo, t["id"], t["status"], updated))
        if len(entries) < 50 or all(epoch(t.get("run_started_at")) < now - 86400 for t in entries):
            break

lines = [
    "# HELP ${M.waitingJobs} Jobs waiting for a runner with the pool's labels.",
    "# TYPE ${M.waitingJobs} gauge",
    f'${M.waitingJobs}{{pool="{pool}"}} {len(waiting)}',
    "# HELP ${M.oldestWaitingSeconds} How long the oldest waiting job has waited, as seen by the exporter.",
    "# TYPE ${M.oldestWaitingSeconds} gauge",
    f'${M.oldestWaitingSeconds}{{pool="{pool}"}} {oldest}',
    "# HELP ${M.taskCompletedTimestamp} When a task that finished in the last hour last changed, by result.",
    "# TYPE ${M.taskCompletedTimestamp} gauge",
]
for repo, task_id, result, updated in sorted(tasks):
    lines.append(f'${M.taskCompletedTimestamp}{{pool="{pool}",repository="{repo}",task_id="{task_id}",result="{result}"}} {updated}')
lines += [
    "# HELP ${M.lastSuccessTimestamp} When the exporter last read Forgejo's API.",
    "# TYPE ${M.lastSuccessTimestamp} gauge",
    f'${M.lastSuccessTimestamp}{{pool="{pool}"}} {now}',
]

def replace(path, text, mode):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

replace(state_file, json.dumps({"first_seen": first_seen}), 0o600)
replace(textfile, "\\n".join(lines) + "\\n", 0o644)
print(f"runner-fleet-forgejo-exporter: pool {pool}: {len(waiting)} waiting (oldest {oldest} s), {len(tasks)} tasks finished in the last hour", file=sys.stderr)
PY
`;
}

/** The oneshot service and its every-minute timer. */
export function forgejoExporterUnits(options: ForgejoExporterOptions): SystemdUnit[] {
  const o = resolveForgejoExporter(options);
  const p = forgejoExporterPaths(o.pool);
  return [
    {
      fileName: p.service,
      comment: `runner-fleet: Forgejo job metrics of pool ${o.pool} for the node exporter's textfile collector.`,
      sections: [
        { name: "Unit", entries: [["Description", `runner-fleet Forgejo job exporter (${o.pool})`], ["After", "network-online.target"], ["Wants", "network-online.target"]] },
        { name: "Service", entries: [["Type", "oneshot"], ["ExecStart", execLine([p.script])], ["StateDirectory", "runner-fleet-forgejo-exporter"], ["StateDirectoryMode", "0700"], ["UMask", "0077"]] },
      ],
    },
    {
      fileName: p.timer,
      comment: `runner-fleet: runs ${p.service} every minute.`,
      sections: [
        { name: "Timer", entries: [["OnCalendar", "minutely"], ["AccuracySec", "5s"], ["Persistent", "false"]] },
        { name: "Install", entries: [["WantedBy", "timers.target"]] },
      ],
    },
  ];
}

/** Every file the host needs, root-owned (the token file is written separately, mode 0600). */
export function renderForgejoExporterFiles(options: ForgejoExporterOptions): { path: string; mode: "0644" | "0755"; content: string }[] {
  const o = resolveForgejoExporter(options);
  const p = forgejoExporterPaths(o.pool);
  return [
    { path: p.script, mode: "0755", content: renderForgejoExporterScript(o) },
    ...forgejoExporterUnits(o).map((u) => ({ path: `/etc/systemd/system/${u.fileName}`, mode: "0644" as const, content: renderSystemdUnit(u) })),
  ];
}
