/**
 * ARC metrics, rendered: the controller chart's `metrics` (controller-manager and listener
 * endpoints), the scale-set chart's `listenerMetrics`, how Prometheus finds them (a
 * prometheus-operator PodMonitor or ServiceMonitor, or scrape annotations), the NetworkPolicy that
 * lets only Prometheus reach the metrics port, and the metric names all this exports.
 */
import type { Service } from "kubernetes-types/core/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { ARC_DEFAULT_BUCKETS, ARC_DOCUMENTED_METRICS, type ResolvedArcMetrics } from "../../model/arc-metrics.ts";

/** Pod labels of the 0.14.2 controller-manager pod (chart `deployment.yaml`). */
export const ARC_CONTROLLER_POD_LABELS = { "app.kubernetes.io/part-of": "gha-rs-controller", "app.kubernetes.io/component": "controller-manager" } as const;
/** Pod labels the 0.14.2 controller gives listener pods (it creates them in the controller namespace). */
export const ARC_LISTENER_POD_LABELS = { "app.kubernetes.io/part-of": "gha-runner-scale-set", "app.kubernetes.io/component": "runner-scale-set-listener" } as const;
/** Name of the metrics container port on both pods when metrics are on. */
export const ARC_METRICS_PORT_NAME = "metrics";

const LABELS = { "app.kubernetes.io/part-of": "runner-fleet" } as const;

/** The controller chart's `metrics` value: controller-manager and listeners on the same port and path. */
export function controllerMetricsValues(m: ResolvedArcMetrics): Record<string, unknown> {
  if (!m.enabled) return {};
  return { metrics: { controllerManagerAddr: `:${m.port}`, listenerAddr: `:${m.port}`, listenerEndpoint: m.path } };
}

const scrapeAnnotations = (m: ResolvedArcMetrics): Record<string, string> => ({ "prometheus.io/scrape": "true", "prometheus.io/port": String(m.port), "prometheus.io/path": m.path });

/** Controller chart values for annotation-based scraping (`podAnnotations`). */
export function controllerScrapeValues(m: ResolvedArcMetrics): Record<string, unknown> {
  return m.enabled && m.scrape === "annotations" ? { podAnnotations: scrapeAnnotations(m) } : {};
}

/**
 * The scale-set chart's `listenerMetrics`: the selected listener metrics with ARC's documented
 * labels (and default buckets for histograms), and for annotation scraping a `listenerTemplate`
 * carrying the annotations.
 */
export function listenerMetricsValues(m: ResolvedArcMetrics): Record<string, unknown> {
  if (!m.enabled) return {};
  const group = (type: "counter" | "gauge" | "histogram") =>
    Object.fromEntries(
      ARC_DOCUMENTED_METRICS.filter((d) => d.owner === "listener" && d.type === type && m.listenerMetrics.includes(d.name)).map((d) => [d.name, { labels: [...d.labels], ...(type === "histogram" ? { buckets: [...ARC_DEFAULT_BUCKETS] } : {}) }]),
    );
  const listenerMetrics = Object.fromEntries(([["counters", group("counter")], ["gauges", group("gauge")], ["histograms", group("histogram")]] as const).filter(([, v]) => Object.keys(v).length > 0));
  return {
    listenerMetrics,
    ...(m.scrape === "annotations" ? { listenerTemplate: { metadata: { annotations: scrapeAnnotations(m) }, spec: { containers: [{ name: "listener" }] } } } : {}),
  };
}

export interface ArcMetricsDocuments {
  /** PodMonitor or ServiceMonitor (monitoring.coreos.com/v1), none with annotations or metrics off. */
  readonly monitors: readonly Record<string, unknown>[];
  /** Services in front of the metrics ports (serviceMonitor only). */
  readonly services: readonly Service[];
  /** Ingress to the metrics port from the Prometheus pods, and nothing else, in the controller namespace. */
  readonly networkPolicies: readonly NetworkPolicy[];
}

/** The scrape objects and the ingress policy of the controller namespace `namespace`. */
export function arcMetricsDocuments(m: ResolvedArcMetrics, namespace: string): ArcMetricsDocuments {
  if (!m.enabled) return { monitors: [], services: [], networkPolicies: [] };
  const meta = (name: string, extra: Readonly<Record<string, string>> = {}) => ({ name, namespace, labels: { ...LABELS, ...extra } });
  const partOf = { key: "app.kubernetes.io/part-of", operator: "In", values: [ARC_CONTROLLER_POD_LABELS["app.kubernetes.io/part-of"], ARC_LISTENER_POD_LABELS["app.kubernetes.io/part-of"]] };
  const endpoint = { port: ARC_METRICS_PORT_NAME, path: m.path, honorLabels: true };
  const policy: NetworkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta("allow-metrics-scrape"),
    spec: {
      // Every pod of the controller namespace is the controller or a listener; nothing else needs ingress.
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": m.prometheus.namespace } }, podSelector: { matchLabels: { ...m.prometheus.podLabels } } }], ports: [{ protocol: "TCP", port: m.port }] }],
    },
  };
  if (m.scrape === "annotations") return { monitors: [], services: [], networkPolicies: [policy] };
  if (m.scrape === "podMonitor") {
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: meta("arc-metrics", m.monitorLabels),
      spec: { selector: { matchExpressions: [partOf] }, namespaceSelector: { matchNames: [namespace] }, podMetricsEndpoints: [endpoint] },
    };
    return { monitors: [monitor], services: [], networkPolicies: [policy] };
  }
  const service = (name: string, selector: Readonly<Record<string, string>>): Service => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(name, { "runner-fleet/metrics": "arc" }),
    spec: { selector: { ...selector }, ports: [{ name: ARC_METRICS_PORT_NAME, port: m.port, targetPort: ARC_METRICS_PORT_NAME, protocol: "TCP" }] },
  });
  const monitor = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: meta("arc-metrics", m.monitorLabels),
    spec: { selector: { matchLabels: { "runner-fleet/metrics": "arc" } }, namespaceSelector: { matchNames: [namespace] }, endpoints: [endpoint] },
  };
  return { monitors: [monitor], services: [service("arc-controller-metrics", ARC_CONTROLLER_POD_LABELS), service("arc-listener-metrics", ARC_LISTENER_POD_LABELS)], networkPolicies: [policy] };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Helm values of a rendered document: a HelmReleaseDoc (`values`) or a rendered Pulumi Release (`inputs.values`). */
function releaseOf(doc: unknown): { chart: string; values: Record<string, unknown> } | undefined {
  if (!isRecord(doc)) return undefined;
  const holder = isRecord(doc["inputs"]) ? doc["inputs"] : doc;
  const chart = holder["chart"];
  const values = holder["values"];
  return typeof chart === "string" && isRecord(values) ? { chart, values } : undefined;
}

/** A metrics address that listens (`:8080`), as opposed to ARC's "off" values (`0`, ``). */
const listens = (addr: unknown): boolean => typeof addr === "string" && /^[^:]*:\d+$/.test(addr) && !/:0$/.test(addr);

/**
 * The Prometheus series the rendered ARC configuration exports, sorted: `gha_controller_*` when the
 * controller chart's `metrics.controllerManagerAddr` listens; each listener metric named in a
 * scale-set chart's `listenerMetrics` (or an AutoscalingRunnerSet's `spec.listenerMetrics`) when
 * `metrics.listenerAddr` listens. Histograms are listed as their `_bucket`, `_sum` and `_count`
 * series, which is what PromQL reads; counters and gauges by name.
 *
 * `docs` may hold anything a render produces: the documents of `renderArcController`/
 * `renderArcScaleSet` (HelmReleaseDoc), the resources of an offline render (`{ type, name, inputs }`),
 * or Kubernetes objects; others are ignored. Alert rules should only query names this returns.
 */
export function exportedArcMetricNames(docs: Iterable<unknown>): string[] {
  let controller = false;
  let listener = false;
  const listenerNames = new Set<string>();
  const addListener = (lm: unknown) => {
    if (!isRecord(lm)) return;
    for (const group of ["counters", "gauges", "histograms"] as const) {
      const g = lm[group];
      if (!isRecord(g)) continue;
      for (const name of Object.keys(g)) {
        if (group === "histograms") for (const suffix of ["_bucket", "_sum", "_count"]) listenerNames.add(`${name}${suffix}`);
        else listenerNames.add(name);
      }
    }
  };
  for (const doc of docs) {
    const release = releaseOf(doc);
    if (release !== undefined) {
      const metrics = release.values["metrics"];
      if (/gha-runner-scale-set-controller$/.test(release.chart) && isRecord(metrics)) {
        controller ||= listens(metrics["controllerManagerAddr"]);
        listener ||= listens(metrics["listenerAddr"]);
      }
      if (/gha-runner-scale-set$/.test(release.chart)) addListener(release.values["listenerMetrics"]);
    } else if (isRecord(doc) && doc["kind"] === "AutoscalingRunnerSet" && isRecord(doc["spec"])) {
      addListener(doc["spec"]["listenerMetrics"]);
    }
  }
  const out = new Set<string>(listener ? listenerNames : []);
  if (controller) for (const d of ARC_DOCUMENTED_METRICS) if (d.owner === "controller-manager") out.add(d.name);
  return [...out].sort();
}
