// Every alert rule reads only series, and labels, that what we render makes exist: the ARC rules
// against the metrics configuration of the rendered firecracker stack, the EC2 and libvirt rules
// against the job report script the machines run, the Forgejo rules against the node exporter
// collectors the Forgejo guest turns on and the textfile the host's Forgejo job exporter writes. Expressions are read with Prometheus' own PromQL parser.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { renderStack, type RenderedStack } from "../src/offline/render-stack.ts";
import { exportedArcMetricNames } from "../src/render/kubernetes/arc-metrics.ts";
import { ARC_DOCUMENTED_METRICS } from "../src/model/arc-metrics.ts";
import { type AlertRule, RUNNER_ALERT_GROUPS, renderRunnerAlertGroups } from "../src/render/monitoring/runner-alerts.ts";
import { renderJobReportScript } from "../src/render/monitoring/job-report.ts";
import { FORGEJO_NODE_EXPORTER_DROP_IN } from "../src/render/scripts/runner-guest.ts";
import { renderForgejoExporterScript } from "../src/render/monitoring/forgejo-exporter.ts";
import { REPO } from "./helpers.ts";

/** The metric names a PromQL expression selects and every label name it mentions. */
function readsOf(expr: string): { metrics: string[]; labels: string[] } {
  const metrics: string[] = [];
  const labels: string[] = [];
  const tree = parser.parse(expr);
  let error = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) error = true;
      if (n.name === "Identifier" && n.node.parent?.name === "VectorSelector") metrics.push(expr.slice(n.from, n.to));
      if (n.name === "LabelName") labels.push(expr.slice(n.from, n.to));
    },
  });
  assert.ok(!error, `PromQL parses: ${expr}`);
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/** Labels an alert's annotations read (`{{ $labels.x }}`). */
const annotationLabels = (rule: AlertRule) => [...Object.values(rule.annotations).join(" ").matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? "");

/** Asserts that each rule reads only `exported` names, with labels among `labelsOf` the names it reads. */
function assertReadsExported(rules: readonly AlertRule[], exported: ReadonlySet<string>, labelsOf: (metric: string) => readonly string[]): void {
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    const { metrics, labels } = readsOf(rule.expr);
    assert.ok(metrics.length > 0, `${rule.alert} reads a series`);
    for (const m of metrics) assert.ok(exported.has(m), `${rule.alert} reads ${m}, which nothing rendered exports (exported: ${[...exported].join(", ")})`);
    const available = new Set(metrics.flatMap((m) => [...labelsOf(m), ...(m.endsWith("_bucket") ? ["le"] : [])]));
    for (const l of [...labels, ...annotationLabels(rule)]) assert.ok(available.has(l), `${rule.alert} uses label ${l}, which ${metrics.join(", ")} do not carry`);
  }
}

describe("alert rules read only series the rendered configuration exports", () => {
  let arc: RenderedStack;
  before(async () => {
    arc = await renderStack(join(REPO, "infra/pulumi/gh-runners-firecracker"), { stack: "dev" });
  });

  it("ARC: every gha_* name and label the rules use is exported by the rendered controller and listeners", () => {
    const exported = new Set(exportedArcMetricNames(arc.resources));
    assert.ok(exported.size > 0, "the stack renders metrics");
    const base = (m: string) => m.replace(/_(bucket|sum|count)$/, "");
    // The listener's labels as the rendered listenerMetrics configure them; the controller's as ARC documents them.
    const configured = new Map<string, readonly string[]>();
    for (const r of arc.resources) {
      const values = (r.inputs as { chart?: unknown; values?: { listenerMetrics?: Record<string, Record<string, { labels?: string[] }>> } }).values;
      for (const group of Object.values(values?.listenerMetrics ?? {})) for (const [name, m] of Object.entries(group)) configured.set(name, m.labels ?? []);
    }
    assert.ok(configured.size > 0, "listenerMetrics are rendered");
    const labelsOf = (m: string) => configured.get(base(m)) ?? ARC_DOCUMENTED_METRICS.find((d) => d.name === base(m) && d.owner === "controller-manager")?.labels ?? [];
    assertReadsExported(renderRunnerAlertGroups({ substrate: "arc" }).flatMap((g) => g.rules), exported, labelsOf);
  });

  it("ARC: a rule over a series the configuration does not export is caught", () => {
    const exported = new Set(exportedArcMetricNames(arc.resources).filter((m) => !m.startsWith("gha_completed_jobs_total")));
    assert.throws(() => assertReadsExported(renderRunnerAlertGroups({ substrate: "arc" }).flatMap((g) => g.rules), exported, () => ["organization", "job_result", "name", "namespace"]), /RunnerJobFailureRateHigh reads gha_completed_jobs_total/);
  });

  it("EC2 and libvirt GitHub runners: every runner_fleet_* name and label is one the job report writes", () => {
    for (const substrate of ["ec2", "libvirt"] as const) {
      const script = renderJobReportScript({ substrate, pool: "p" });
      // What the report prints to the textfile: `<name>{<labels>} <value>` lines and their # TYPE lines.
      const written = new Set([...script.matchAll(/\b(runner_fleet_[a-z_]+)\b/g)].map((m) => m[1] ?? ""));
      const labelsOf = (m: string) => {
        const lines = script.split("\n").filter((l) => l.includes(`${m}{`));
        return [...new Set(lines.flatMap((l) => [...l.slice(l.indexOf(`${m}{`)).matchAll(/[{,]([a-z_]+)=/g)].map((x) => x[1] ?? "")))];
      };
      const group = substrate === "ec2" ? RUNNER_ALERT_GROUPS.ec2 : RUNNER_ALERT_GROUPS.libvirtGithub;
      const rules = renderRunnerAlertGroups({ substrate }).find((g) => g.name === group)?.rules ?? [];
      assertReadsExported(rules, written, labelsOf);
    }
  });

  it("libvirt Forgejo runners: the rules read the systemd collector's series, which the guest's node exporter turns on, and the series the host's exporter writes", () => {
    const rules = renderRunnerAlertGroups({ substrate: "libvirt" }).find((g) => g.name === RUNNER_ALERT_GROUPS.libvirtForgejo)?.rules ?? [];
    const flags = FORGEJO_NODE_EXPORTER_DROP_IN.content;
    // node_exporter's systemd collector: unit states always, restart counters only with --collector.systemd.enable-restarts-metrics.
    const collector = new Map<string, readonly string[]>([
      ...(flags.includes("--collector.systemd ") ? [["node_systemd_unit_state", ["name", "state", "type", "instance"]] as const] : []),
      ...(flags.includes("--collector.systemd.enable-restarts-metrics") ? [["node_systemd_service_restart_total", ["name", "instance"]] as const] : []),
    ]);
    const script = renderForgejoExporterScript({ pool: "p", forgeUrl: "https://forgejo.example.com", scope: { kind: "org", org: "acme" }, labels: ["debian-12"], repositories: ["acme/app"] });
    // What the exporter prints: `<name>{{<labels>}} <value>` f-string lines and their # TYPE lines.
    const written = [...new Set([...script.matchAll(/\b(runner_fleet_forgejo_[a-z_]+)\b/g)].map((m) => m[1] ?? ""))];
    const labelsOf = (m: string) => {
      if (collector.has(m)) return collector.get(m) ?? [];
      const lines = script.split("\n").filter((l) => l.includes(`${m}{`));
      return [...new Set(lines.flatMap((l) => [...l.slice(l.indexOf(`${m}{`)).matchAll(/[{,]([a-z_]+)=/g)].map((x) => x[1] ?? "")))];
    };
    assertReadsExported(rules, new Set([...collector.keys(), ...written]), labelsOf);
    assert.ok(rules.some((r) => r.expr.includes("runner_fleet_forgejo_")), "the job rules are in the group");
  });
});
