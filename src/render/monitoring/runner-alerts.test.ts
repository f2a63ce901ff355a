import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { ARC_ALERT_SERIES, RUNNER_ALERT_SUBSTRATES, renderRunnerAlertGroups, renderRunnerAlertRulesFile, renderRunnerPrometheusRule, runnerAlertRulesPath, type RunnerAlertSubstrate } from "./runner-alerts.ts";
import { JOB_METRICS } from "./job-metrics.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const rulesFile = (s: RunnerAlertSubstrate) => path.join(repoRoot, runnerAlertRulesPath(s));
const testFile = (s: RunnerAlertSubstrate) => rulesFile(s).replace(/\.rules\.yaml$/, ".test.yaml");
const alertsOf = (s: RunnerAlertSubstrate) => renderRunnerAlertGroups({ substrate: s }).flatMap((g) => g.rules);
/** Every metric name an expression reads (histogram series reduced to the histogram's name). */
const seriesOf = (expr: string) => [...expr.matchAll(/\b((?:gha|runner_fleet|node)_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ""));

describe("runner alerts", () => {
  for (const substrate of RUNNER_ALERT_SUBSTRATES) {
    describe(substrate, () => {
      it(`the committed ${runnerAlertRulesPath(substrate)} is the renderer's output`, () => {
        assert.equal(readFileSync(rulesFile(substrate), "utf8"), renderRunnerAlertRulesFile({ substrate }), "regenerate: node scripts/render-monitoring.ts");
      });
      it("promtool check rules accepts the file", needs("promtool"), () => {
        requireTool("promtool");
        const r = spawnSync("promtool", ["check", "rules", rulesFile(substrate)], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`SUCCESS: ${alertsOf(substrate).length} rules found`));
      });
      it("promtool unit tests: every alert fires on a bad series and stays quiet on a healthy one", needs("promtool"), () => {
        requireTool("promtool");
        const r = spawnSync("promtool", ["test", "rules", testFile(substrate)], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const tests = parse(readFileSync(testFile(substrate), "utf8")).tests as { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
        const cases = tests.flatMap((t) => t.alert_rule_test);
        for (const alert of alertsOf(substrate).map((a) => a.alert)) {
          assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} has a case where it fires`);
          assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} has a case where it stays quiet`);
        }
      });
    });
  }

  it("every substrate alerts on queue latency above 15 minutes and on more than 3% of jobs failing, over its own series", () => {
    const reads: Record<RunnerAlertSubstrate, RegExp> = { arc: /^gha_/, ec2: /^runner_fleet_/, libvirt: /^(runner_fleet_|node_systemd_)/ };
    for (const substrate of RUNNER_ALERT_SUBSTRATES) {
      const by = Object.fromEntries(alertsOf(substrate).map((r) => [r.alert, r]));
      assert.match(by["RunnerJobQueueLatencyHigh"]!.expr, / > 900$/, substrate);
      assert.match(by["RunnerJobFailureRateHigh"]!.expr, / > 0\.03$/, substrate);
      for (const rule of alertsOf(substrate)) for (const s of seriesOf(rule.expr)) assert.match(s, reads[substrate], `${substrate} ${rule.alert} reads ${s}`);
    }
    assert.ok(!alertsOf("ec2").some((r) => r.expr.includes("gha_")), "the EC2 rules read no actions-runner-controller series");
  });

  it("the ARC rules read only the series and labels ARC_ALERT_SERIES lists, as named in ARC 0.14's listener and controller", () => {
    const used = new Set(alertsOf("arc").flatMap((r) => seriesOf(r.expr)));
    assert.deepEqual([...used].sort(), Object.keys(ARC_ALERT_SERIES).sort());
    for (const rule of alertsOf("arc")) {
      for (const label of [...rule.expr.matchAll(/\b(?:by \(|\{)([a-z_, ]+)/g)].flatMap((m) => m[1]!.split(/,\s*/))) {
        if (label === "le") continue;
        assert.ok(seriesOf(rule.expr).some((s) => ARC_ALERT_SERIES[s]!.includes(label)), `${rule.alert} uses label ${label}, which ARC_ALERT_SERIES lists`);
      }
    }
  });

  it("the VM rules read the series the job report writes", () => {
    const written = new Set(Object.values(JOB_METRICS));
    for (const rule of alertsOf("ec2")) for (const s of seriesOf(rule.expr)) assert.ok(written.has(s as never), `${rule.alert} reads ${s}`);
  });

  it("options change thresholds; without a substrate, the ARC rules keep their old names", () => {
    const rules = alertsOf("ec2");
    const tuned = renderRunnerAlertGroups({ substrate: "ec2", queueLatencySeconds: 600, failureRatio: 0.1, registrationFailuresPerHour: 5 }).flatMap((g) => g.rules);
    assert.notDeepEqual(tuned, rules);
    assert.match(tuned.find((r) => r.alert === "RunnerJobQueueLatencyHigh")!.expr, / > 600$/);
    assert.match(tuned.find((r) => r.alert === "RunnersNotRegistering")!.expr, / >= 5$/);
    assert.deepEqual(renderRunnerAlertGroups(), renderRunnerAlertGroups({ substrate: "arc" }));
    assert.equal(renderRunnerPrometheusRule().metadata.name, "runner-fleet-runner-alerts");
    assert.equal(renderRunnerPrometheusRule({ substrate: "ec2" }).metadata.name, "runner-fleet-ec2-runner-alerts");
    const arc = parse(renderRunnerAlertRulesFile()).groups[0].rules as { alert: string; expr: string; for: string }[];
    const by = Object.fromEntries(arc.map((r) => [r.alert, r]));
    assert.equal(by["RunnersNotRegistering"]!.expr, "gha_registered_runners < gha_desired_runners");
    assert.equal(by["RunnersNotRegistering"]!.for, "10m");
    assert.equal(by["EphemeralRunnersFailing"]!.expr, "gha_controller_failed_ephemeral_runners > 0");
  });

  it("each substrate's PrometheusRule validates against the prometheus-operator schema", () => {
    const schema = JSON.parse(readFileSync(path.join(KUBERNETES_SCHEMAS, "v1.32.2-standalone-strict/prometheusrule-monitoring-v1.json"), "utf8"));
    // The schema carries Go regular expressions; `(?i)` (case-insensitive) becomes the `i` flag.
    const goRegExp = (pattern: string, flags: string) => (pattern.includes("(?i)") ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags));
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: Object.assign(goRegExp, { code: "new RegExp" }) } });
    addFormats.default(ajv);
    ajv.addFormat("int32", true).addFormat("int64", true);
    const validate = ajv.compile(schema);
    for (const substrate of RUNNER_ALERT_SUBSTRATES) {
      const obj = renderRunnerPrometheusRule({ substrate, namespace: "monitoring", labels: { release: "kube-prometheus-stack" } });
      assert.ok(validate(obj), `${substrate}: ${JSON.stringify(validate.errors)}`);
      assert.ok(!validate({ ...obj, spec: { ...obj.spec, bogus: true } }), "the schema refuses unknown spec fields");
    }
    assert.ok(!validate({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "x" }, spec: { groups: [{ name: "x", rules: [{ alert: "A", for: "10m" }] }] } }), "the schema requires expr");
  });

  it("scripts/render-monitoring.ts --check finds the committed files current", () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, "scripts/render-monitoring.ts"), "--check"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
