/**
 * The runner alert rules of each substrate, each over the series that substrate really produces:
 *
 * - `arc`: the actions-runner-controller 0.14 listener (`gha_*`, one per scale set) and controller
 *   (`gha_controller_*`) metrics. Names and labels as in ARC's `cmd/ghalistener/metrics/metrics.go`
 *   and `controllers/actions.github.com/metrics/metrics.go` (chart 0.14.2, default label sets).
 * - `ec2` and `libvirt` GitHub runners: the `runner_fleet_*` series the job report writes to the
 *   node exporter's textfile collector when a one-job runner exits (`job-report.ts`).
 * - `libvirt` Forgejo runners: forgejo-runner has no metrics endpoint and no job hooks, so its
 *   service is observed through the node exporter's systemd collector, and its jobs through the
 *   `runner_fleet_forgejo_*` series the host's exporter reads from Forgejo's API (`forgejo-exporter.ts`).
 *
 * Each alert says in its description what the series measures; docs/monitoring.md has the detail.
 */
import type { AlertRule, RunnerAlertOptions, RunnerAlertSubstrate } from "./alert-types.ts";
import { RUNNER_ALERT_DEFAULTS } from "./alert-types.ts";
import { JOB_METRICS, VM_FAILED_RESULTS } from "./job-metrics.ts";
import { FORGEJO_FAILED_RESULTS, FORGEJO_JOB_METRICS } from "./forgejo-exporter.ts";

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

interface Settings {
  readonly latency: number;
  readonly ratio: number;
  readonly grace: string;
  readonly registrationFailures: number;
}

function settings(options: RunnerAlertOptions): Settings {
  return {
    latency: options.queueLatencySeconds ?? RUNNER_ALERT_DEFAULTS.queueLatencySeconds,
    ratio: options.failureRatio ?? RUNNER_ALERT_DEFAULTS.failureRatio,
    grace: options.registrationGrace ?? RUNNER_ALERT_DEFAULTS.registrationGrace,
    registrationFailures: options.registrationFailuresPerHour ?? RUNNER_ALERT_DEFAULTS.registrationFailuresPerHour,
  };
}

/**
 * The series (metric name) and labels each ARC alert reads. A test holds the expressions to this
 * list; the ARC metrics configuration must export every name with at least these labels.
 */
export const ARC_ALERT_SERIES: Readonly<Record<string, readonly string[]>> = {
  gha_job_startup_duration_seconds: ["organization"],
  gha_completed_jobs_total: ["organization", "job_result"],
  gha_registered_runners: ["name", "namespace"],
  gha_desired_runners: ["name", "namespace"],
  gha_controller_failed_ephemeral_runners: ["name", "namespace"],
};

function arcRules(s: Settings): AlertRule[] {
  return [
    {
      alert: "RunnerJobQueueLatencyHigh",
      expr: `histogram_quantile(0.95, sum by (le, organization) (rate(gha_job_startup_duration_seconds_bucket[30m]))) > ${s.latency}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Jobs wait more than ${s.latency / 60} minutes for a runner`,
        description: "95th percentile of the time jobs of {{ $labels.organization }} waited for a runner is {{ $value | humanizeDuration }} over the last 30 minutes.",
      },
    },
    {
      alert: "RunnerJobFailureRateHigh",
      expr: `sum by (organization) (rate(gha_completed_jobs_total{job_result="failed"}[1h])) / sum by (organization) (rate(gha_completed_jobs_total[1h])) > ${s.ratio}`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: `More than ${percent(s.ratio)} of jobs fail`,
        description: "{{ $value | humanizePercentage }} of the jobs of {{ $labels.organization }} failed over the last hour.",
      },
    },
    {
      alert: "RunnersNotRegistering",
      expr: "gha_registered_runners < gha_desired_runners",
      for: s.grace,
      labels: { severity: "critical" },
      annotations: {
        summary: "Runners fail to register",
        description: `Scale set {{ $labels.namespace }}/{{ $labels.name }} has had fewer registered runners than desired for ${s.grace}.`,
      },
    },
    {
      alert: "EphemeralRunnersFailing",
      expr: "gha_controller_failed_ephemeral_runners > 0",
      for: s.grace,
      labels: { severity: "critical" },
      annotations: {
        summary: "Ephemeral runners fail",
        description: `{{ $value }} ephemeral runners of {{ $labels.namespace }}/{{ $labels.name }} have been failed for ${s.grace}.`,
      },
    },
  ];
}

const M = JOB_METRICS;
const failed = `result=~"${VM_FAILED_RESULTS.join("|")}"`;

/** The GitHub runners of EC2 and libvirt pools: one job per machine, reported when the runner exits. */
function githubVmRules(s: Settings): AlertRule[] {
  return [
    {
      alert: "RunnerJobQueueLatencyHigh",
      expr: `quantile by (pool) (0.95, last_over_time(${M.queueSeconds}[30m])) > ${s.latency}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Jobs wait more than ${s.latency / 60} minutes for a runner`,
        description: "95th percentile of the queue time (GitHub's started_at minus created_at) of the jobs pool {{ $labels.pool }} finished in the last 30 minutes is {{ $value | humanizeDuration }}.",
      },
    },
    {
      alert: "RunnerJobFailureRateHigh",
      expr: `count by (pool) (last_over_time(${M.completedTimestamp}{${failed}}[1h])) / count by (pool) (last_over_time(${M.completedTimestamp}[1h])) > ${s.ratio}`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: `More than ${percent(s.ratio)} of jobs fail`,
        description: "{{ $value | humanizePercentage }} of the jobs pool {{ $labels.pool }} ran in the last hour failed or were abandoned by their runner.",
      },
    },
    {
      alert: "RunnersNotRegistering",
      expr: `count by (pool) (last_over_time(${M.exitTimestamp}{outcome="never_listened"}[1h])) >= ${s.registrationFailures}`,
      for: "0m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Runners fail to register",
        description: "{{ $value }} runners of pool {{ $labels.pool }} exited in the last hour without ever listening for jobs (registration or connection to GitHub failed).",
      },
    },
  ];
}

/** The forgejo-runner service of a Forgejo runner VM (systemd collector) and its jobs (the host's exporter). */
export const FORGEJO_RUNNER_UNIT = "forgejo-runner.service";

const F = FORGEJO_JOB_METRICS;
const forgejoFailed = `result=~"${FORGEJO_FAILED_RESULTS.join("|")}"`;

function forgejoServiceRules(s: Settings): AlertRule[] {
  return [
    {
      alert: "ForgejoRunnerDown",
      expr: `node_systemd_unit_state{name="${FORGEJO_RUNNER_UNIT}",state="active"} == 0`,
      for: s.grace,
      labels: { severity: "critical" },
      annotations: {
        summary: "The Forgejo runner is not running",
        description: `${FORGEJO_RUNNER_UNIT} on {{ $labels.instance }} has not been active for ${s.grace}: the VM takes no jobs.`,
      },
    },
    {
      alert: "ForgejoRunnerRestarting",
      expr: `increase(node_systemd_service_restart_total{name="${FORGEJO_RUNNER_UNIT}"}[1h]) >= ${s.registrationFailures}`,
      for: "0m",
      labels: { severity: "warning" },
      annotations: {
        summary: "The Forgejo runner keeps restarting",
        description: `systemd restarted ${FORGEJO_RUNNER_UNIT} on {{ $labels.instance }} {{ $value }} times in the last hour (a lost registration or an unreachable Forgejo).`,
      },
    },
    {
      alert: "ForgejoJobQueueLatencyHigh",
      expr: `max by (pool) (${F.oldestWaitingSeconds}) > ${s.latency}`,
      for: "0m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Forgejo jobs wait more than ${s.latency / 60} minutes for a runner`,
        description: "The oldest job waiting for a runner of pool {{ $labels.pool }} has waited {{ $value | humanizeDuration }} (as seen by the exporter, which reads Forgejo every minute).",
      },
    },
    {
      alert: "ForgejoJobFailureRateHigh",
      expr: `count by (pool) (last_over_time(${F.taskCompletedTimestamp}{${forgejoFailed}}[1h])) / count by (pool) (last_over_time(${F.taskCompletedTimestamp}[1h])) > ${s.ratio}`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: `More than ${percent(s.ratio)} of Forgejo jobs fail`,
        description: "{{ $value | humanizePercentage }} of the tasks that finished in the last hour in the repositories pool {{ $labels.pool }} watches failed.",
      },
    },
  ];
}

/** Group names: one per substrate and series family. */
export const RUNNER_ALERT_GROUPS = {
  arc: "runner-fleet.runners",
  ec2: "runner-fleet.ec2-runners",
  libvirtGithub: "runner-fleet.libvirt-github-runners",
  libvirtForgejo: "runner-fleet.libvirt-forgejo-runners",
} as const;

export function substrateRuleGroups(substrate: RunnerAlertSubstrate, options: RunnerAlertOptions): { name: string; rules: AlertRule[] }[] {
  const s = settings(options);
  switch (substrate) {
    case "arc":
      return [{ name: RUNNER_ALERT_GROUPS.arc, rules: arcRules(s) }];
    case "ec2":
      return [{ name: RUNNER_ALERT_GROUPS.ec2, rules: githubVmRules(s) }];
    case "libvirt":
      return [
        { name: RUNNER_ALERT_GROUPS.libvirtGithub, rules: githubVmRules(s) },
        { name: RUNNER_ALERT_GROUPS.libvirtForgejo, rules: forgejoServiceRules(s) },
      ];
  }
}
