/**
 * Prometheus alerting rules for the runner fleet, over the metrics of the actions-runner-controller
 * listener and controller (`gha_*`):
 *
 * - Queue latency: the 95th percentile of `gha_job_startup_duration_seconds` (the time from the
 *   job being assigned to the scale set until a runner picks it up, i.e. time spent queued) above
 *   15 minutes. A job that never starts produces no observation; the registration alerts cover a
 *   fleet that has no runners at all.
 * - Failure rate: the share of `gha_completed_jobs_total` with `job_result="failed"` above 3 %.
 * - Registration: fewer registered runners than desired for 10 minutes, or ephemeral runners the
 *   controller has marked failed.
 *
 * Rendered as rule groups, as a `monitoring.coreos.com/v1` PrometheusRule, and as a plain rules
 * file (`monitoring/runner-alerts.rules.yaml`, checked by `promtool`).
 */
import { stringify } from "yaml";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface RunnerAlertOptions {
  /** Queue latency (seconds) above which jobs wait too long. @default 900 */
  readonly queueLatencySeconds?: number;
  /** Share of failed jobs above which the failure alert fires. @default 0.03 */
  readonly failureRatio?: number;
  /** How long fewer runners than desired may be registered. @default "10m" */
  readonly registrationGrace?: string;
}

export const RUNNER_ALERT_DEFAULTS = { queueLatencySeconds: 900, failureRatio: 0.03, registrationGrace: "10m" } as const;

/** Name of the rule group, the PrometheusRule and the rules file's only group. */
export const RUNNER_ALERT_GROUP = "runner-fleet.runners";

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

export function renderRunnerAlertGroups(options: RunnerAlertOptions = {}): RuleGroup[] {
  const latency = options.queueLatencySeconds ?? RUNNER_ALERT_DEFAULTS.queueLatencySeconds;
  const ratio = options.failureRatio ?? RUNNER_ALERT_DEFAULTS.failureRatio;
  const grace = options.registrationGrace ?? RUNNER_ALERT_DEFAULTS.registrationGrace;
  return [
    {
      name: RUNNER_ALERT_GROUP,
      rules: [
        {
          alert: "RunnerJobQueueLatencyHigh",
          expr: `histogram_quantile(0.95, sum by (le, organization) (rate(gha_job_startup_duration_seconds_bucket[30m]))) > ${latency}`,
          for: "10m",
          labels: { severity: "warning" },
          annotations: {
            summary: `Jobs wait more than ${latency / 60} minutes for a runner`,
            description: "95th percentile of the time jobs of {{ $labels.organization }} waited for a runner is {{ $value | humanizeDuration }} over the last 30 minutes.",
          },
        },
        {
          alert: "RunnerJobFailureRateHigh",
          expr: `sum by (organization) (rate(gha_completed_jobs_total{job_result="failed"}[1h])) / sum by (organization) (rate(gha_completed_jobs_total[1h])) > ${ratio}`,
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: `More than ${percent(ratio)} of jobs fail`,
            description: "{{ $value | humanizePercentage }} of the jobs of {{ $labels.organization }} failed over the last hour.",
          },
        },
        {
          alert: "RunnersNotRegistering",
          expr: "gha_registered_runners < gha_desired_runners",
          for: grace,
          labels: { severity: "critical" },
          annotations: {
            summary: "Runners fail to register",
            description: `Scale set {{ $labels.namespace }}/{{ $labels.name }} has had fewer registered runners than desired for ${grace}.`,
          },
        },
        {
          alert: "EphemeralRunnersFailing",
          expr: "gha_controller_failed_ephemeral_runners > 0",
          for: grace,
          labels: { severity: "critical" },
          annotations: {
            summary: "Ephemeral runners fail",
            description: `{{ $value }} ephemeral runners of {{ $labels.namespace }}/{{ $labels.name }} have been failed for ${grace}.`,
          },
        },
      ],
    },
  ];
}

export interface PrometheusRuleObject {
  readonly apiVersion: "monitoring.coreos.com/v1";
  readonly kind: "PrometheusRule";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: { readonly groups: readonly RuleGroup[] };
}

export interface PrometheusRuleOptions extends RunnerAlertOptions {
  /** @default "monitoring" */
  readonly namespace?: string;
  /** Labels the Prometheus operator's `ruleSelector` matches. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

export function renderRunnerPrometheusRule(options: PrometheusRuleOptions = {}): PrometheusRuleObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "runner-fleet-runner-alerts", namespace: options.namespace ?? "monitoring", labels: { "app.kubernetes.io/part-of": "runner-fleet", ...options.labels } },
    spec: { groups: renderRunnerAlertGroups(options) },
  };
}

/** The plain Prometheus rules file (`rule_files:`), as committed in `monitoring/runner-alerts.rules.yaml`. */
export function renderRunnerAlertRulesFile(options: RunnerAlertOptions = {}): string {
  const header = "# Generated by runner-fleet from src/render/monitoring/runner-alerts.ts; do not edit.\n# Regenerate: see docs/aws-runners.md (Monitoring).\n";
  return header + stringify({ groups: renderRunnerAlertGroups(options) }, { lineWidth: 0 });
}
