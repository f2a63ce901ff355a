/**
 * Metrics of an actions-runner-controller installation (chart 0.14.2): what ARC documents it
 * exports, and the fleet's `metrics` setting (on by default) with how Prometheus scrapes it.
 */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";
import { strictObject } from "./zod-issues.ts";
import { labelMapIssues } from "./kubernetes-rules.ts";

/** Who exports a metric: the controller-manager pod or a scale set's listener pod. */
export type ArcMetricOwner = "controller-manager" | "listener";
export type ArcMetricType = "counter" | "gauge" | "histogram";

export interface ArcDocumentedMetric {
  readonly owner: ArcMetricOwner;
  readonly name: string;
  readonly type: ArcMetricType;
  /**
   * Labels ARC 0.14.2 attaches by default: the listener's as the chart's commented
   * `listenerMetrics` lists them; the controller's gauges carry the scale set's name and namespace
   * and its GitHub scope (`controllers/actions.github.com/metrics/metrics.go`).
   */
  readonly labels: readonly string[];
}

const SCALE_SET_LABELS = ["name", "namespace", "repository", "organization", "enterprise"] as const;
const JOB_LABELS = ["repository", "organization", "enterprise", "job_name", "event_name", "job_workflow_ref", "job_workflow_name", "job_workflow_target"] as const;
const RESULT_LABELS = ["repository", "organization", "enterprise", "job_name", "event_name", "job_result", "job_workflow_ref", "job_workflow_name", "job_workflow_target"] as const;

/**
 * Every metric ARC documents for the scale-set mode, as data. Sources: the "Available metrics for
 * ARC" table of GitHub's documentation page "Deploying runner scale sets with Actions Runner
 * Controller" (owner, name, type), and the commented `listenerMetrics` block of
 * `charts/gha-runner-scale-set/values.yaml` at chart 0.14.2 (actions/actions-runner-controller @
 * 2ee6b3b8e8d2781c2f2bd4f0033fbb436465c5c1) for the listener metrics' labels. Histograms are
 * exported as `<name>_bucket`, `<name>_sum` and `<name>_count` series.
 */
export const ARC_DOCUMENTED_METRICS: readonly ArcDocumentedMetric[] = [
  { owner: "controller-manager", name: "gha_controller_pending_ephemeral_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "controller-manager", name: "gha_controller_running_ephemeral_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "controller-manager", name: "gha_controller_failed_ephemeral_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "controller-manager", name: "gha_controller_running_listeners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_assigned_jobs", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_running_jobs", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_registered_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_busy_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_min_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_max_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_desired_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_idle_runners", type: "gauge", labels: SCALE_SET_LABELS },
  { owner: "listener", name: "gha_started_jobs_total", type: "counter", labels: JOB_LABELS },
  { owner: "listener", name: "gha_completed_jobs_total", type: "counter", labels: RESULT_LABELS },
  { owner: "listener", name: "gha_job_startup_duration_seconds", type: "histogram", labels: JOB_LABELS },
  { owner: "listener", name: "gha_job_execution_duration_seconds", type: "histogram", labels: RESULT_LABELS },
];

/** The default histogram buckets ARC 0.14.2 documents (seconds), from 10 ms to one hour. */
export const ARC_DEFAULT_BUCKETS: readonly number[] = [
  0.01, 0.05, 0.1, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 150, 180, 210, 240, 300, 360, 420, 480, 540, 600, 900, 1200, 1800, 2400, 3000, 3600,
];

export const SCRAPE_KINDS = ["podMonitor", "serviceMonitor", "annotations"] as const;
export type ScrapeKind = (typeof SCRAPE_KINDS)[number];

/** Every default of the metrics setting, in one place. */
export const ARC_METRICS_DEFAULTS = {
  /** Controller and listener metrics are on: the shipped alert rules read `gha_*` series. */
  enabled: true,
  /** A prometheus-operator PodMonitor (monitoring.coreos.com/v1). */
  scrape: "podMonitor" as ScrapeKind,
  /** Port of the controller's and the listeners' metrics endpoints (`metrics.controllerManagerAddr`, `metrics.listenerAddr`). */
  port: 8080,
  path: "/metrics",
  /** Where Prometheus runs: the fence lets these pods, and only these, reach the metrics port. */
  prometheusNamespace: "monitoring",
  prometheusPodLabels: { "app.kubernetes.io/name": "prometheus" } as Readonly<Record<string, string>>,
  /** Labels a Prometheus' `podMonitorSelector`/`serviceMonitorSelector` matches (none: the operator's default selects all). */
  monitorLabels: {} as Readonly<Record<string, string>>,
  /** Listener metrics exported (every documented one). */
  listenerMetrics: ARC_DOCUMENTED_METRICS.filter((m) => m.owner === "listener").map((m) => m.name) as readonly string[],
} as const;

const LISTENER_METRIC_NAMES = ARC_METRICS_DEFAULTS.listenerMetrics;

export const arcMetricsSchema = strictObject({
  /** @default true */
  enabled: z.boolean().optional(),
  /** How Prometheus finds the endpoints. @default "podMonitor" */
  scrape: z.enum(SCRAPE_KINDS, { error: `must be one of ${SCRAPE_KINDS.join(", ")}` }).optional(),
  /** @default 8080 */
  port: z.number().optional(),
  /** @default "/metrics" */
  path: z.string().optional(),
  prometheus: strictObject({
    /** @default "monitoring" */
    namespace: z.string().optional(),
    /** @default { "app.kubernetes.io/name": "prometheus" } */
    podLabels: z.record(z.string(), z.string()).optional(),
  }).optional(),
  /** Labels on the PodMonitor/ServiceMonitor, e.g. `release: kube-prometheus-stack`. @default {} */
  monitorLabels: z.record(z.string(), z.string()).optional(),
  /** Listener metrics to export (a subset of ARC's documented ones). @default every documented listener metric */
  listenerMetrics: z.array(z.string()).optional(),
});

export type ArcMetricsInput = z.input<typeof arcMetricsSchema>;

export interface ResolvedArcMetrics {
  readonly enabled: boolean;
  readonly scrape: ScrapeKind;
  readonly port: number;
  readonly path: string;
  readonly prometheus: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  readonly monitorLabels: Readonly<Record<string, string>>;
  readonly listenerMetrics: readonly string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Problems of a parsed `metrics` setting at key path `at`, each with its fix. */
export function arcMetricsIssues(m: z.output<typeof arcMetricsSchema> | undefined, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (m === undefined) return issues;
  const p = (k: string) => `${at}.${k}`;
  if (m.port !== undefined && (!Number.isInteger(m.port) || m.port < 1024 || m.port > 65535)) {
    issues.push({ path: p("port"), message: `${m.port} is not a port from 1024 to 65535`, fix: `set ${p("port")} to an unprivileged port such as ${ARC_METRICS_DEFAULTS.port} (the controller runs as non-root without NET_BIND_SERVICE)` });
  }
  if (m.path !== undefined && !/^\/[A-Za-z0-9._~/-]{0,200}$/.test(m.path)) {
    issues.push({ path: p("path"), message: "is not an absolute URL path", fix: `set ${p("path")} to a path such as "${ARC_METRICS_DEFAULTS.path}"` });
  }
  if (m.prometheus?.namespace !== undefined && !DNS_LABEL.test(m.prometheus.namespace)) {
    issues.push({ path: p("prometheus.namespace"), message: "is not a namespace name", fix: `set ${p("prometheus.namespace")} to the namespace Prometheus runs in, e.g. "${ARC_METRICS_DEFAULTS.prometheusNamespace}"` });
  }
  if (m.prometheus?.podLabels !== undefined && Object.keys(m.prometheus.podLabels).length === 0) {
    issues.push({ path: p("prometheus.podLabels"), message: "is empty, so every pod of the namespace could scrape", fix: `name the Prometheus pods' labels, e.g. ${JSON.stringify(ARC_METRICS_DEFAULTS.prometheusPodLabels)}` });
  }
  issues.push(...labelMapIssues(m.prometheus?.podLabels, p("prometheus.podLabels")), ...labelMapIssues(m.monitorLabels, p("monitorLabels")));
  const seen = new Set<string>();
  (m.listenerMetrics ?? []).forEach((name, i) => {
    const at2 = `${p("listenerMetrics")}[${i}]`;
    if (!LISTENER_METRIC_NAMES.includes(name)) issues.push({ path: at2, message: `"${name.slice(0, 80)}" is not a listener metric ARC 0.14.2 documents`, fix: `use one of: ${LISTENER_METRIC_NAMES.join(", ")}` });
    else if (seen.has(name)) issues.push({ path: at2, message: `repeats ${name}`, fix: "list each metric once" });
    seen.add(name);
  });
  if (m.enabled === false && (m.scrape !== undefined || m.listenerMetrics !== undefined)) {
    issues.push({ path: p("enabled"), message: "is false, yet scrape or listenerMetrics are set", fix: `remove ${p("scrape")} and ${p("listenerMetrics")}, or set ${p("enabled")}: true` });
  }
  return issues;
}

/** The setting with every default applied (call after {@link arcMetricsIssues} found nothing). */
export function resolveArcMetrics(m: z.output<typeof arcMetricsSchema> | undefined): ResolvedArcMetrics {
  const d = ARC_METRICS_DEFAULTS;
  return {
    enabled: m?.enabled ?? d.enabled,
    scrape: m?.scrape ?? d.scrape,
    port: m?.port ?? d.port,
    path: m?.path ?? d.path,
    prometheus: { namespace: m?.prometheus?.namespace ?? d.prometheusNamespace, podLabels: m?.prometheus?.podLabels ?? d.prometheusPodLabels },
    monitorLabels: m?.monitorLabels ?? d.monitorLabels,
    listenerMetrics: m?.listenerMetrics ?? d.listenerMetrics,
  };
}
