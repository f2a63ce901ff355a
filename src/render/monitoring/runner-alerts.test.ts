import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { renderRunnerAlertGroups, renderRunnerAlertRulesFile, renderRunnerPrometheusRule } from "./runner-alerts.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const rulesFile = path.join(repoRoot, "monitoring/runner-alerts.rules.yaml");

describe("runner alerts", () => {
  it("the committed monitoring/runner-alerts.rules.yaml is the renderer's output", () => {
    assert.equal(readFileSync(rulesFile, "utf8"), renderRunnerAlertRulesFile(), "regenerate the file (docs/aws-runners.md, Monitoring)");
  });
  it("promtool check rules accepts the file", needs("promtool"), () => {
    requireTool("promtool");
    const r = spawnSync("promtool", ["check", "rules", rulesFile], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 4 rules found/);
  });
  it("promtool unit tests: each alert fires on a bad series and stays quiet on a healthy one", needs("promtool"), () => {
    requireTool("promtool");
    const r = spawnSync("promtool", ["test", "rules", path.join(repoRoot, "monitoring/runner-alerts.test.yaml")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const tested = new Set([...readFileSync(path.join(repoRoot, "monitoring/runner-alerts.test.yaml"), "utf8").matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    assert.deepEqual([...tested].sort(), renderRunnerAlertGroups()[0]!.rules.map((x) => x.alert).sort());
  });
  it("the PrometheusRule validates against the prometheus-operator schema", () => {
    const schema = JSON.parse(readFileSync(path.join(KUBERNETES_SCHEMAS, "v1.32.2-standalone-strict/prometheusrule-monitoring-v1.json"), "utf8"));
    // The schema carries Go regular expressions; `(?i)` (case-insensitive) becomes the `i` flag.
    const goRegExp = (pattern: string, flags: string) => (pattern.includes("(?i)") ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags));
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: Object.assign(goRegExp, { code: "new RegExp" }) } });
    addFormats.default(ajv);
    ajv.addFormat("int32", true).addFormat("int64", true);
    const validate = ajv.compile(schema);
    const obj = renderRunnerPrometheusRule({ namespace: "monitoring", labels: { release: "kube-prometheus-stack" } });
    assert.ok(validate(obj), JSON.stringify(validate.errors));
    assert.ok(!validate({ ...obj, spec: { ...obj.spec, bogus: true } }), "the schema refuses unknown spec fields");
    assert.ok(!validate({ ...obj, spec: { groups: [{ name: "x", rules: [{ alert: "A", for: "10m" }] }] } }), "the schema requires expr");
  });
  it("thresholds: queue latency 15 minutes, failure rate 3%, registration grace 10m", () => {
    const rules = parse(renderRunnerAlertRulesFile()).groups[0].rules as { alert: string; expr: string; for: string }[];
    const by = Object.fromEntries(rules.map((r) => [r.alert, r]));
    assert.match(by.RunnerJobQueueLatencyHigh!.expr, /gha_job_startup_duration_seconds_bucket.*> 900$/);
    assert.match(by.RunnerJobFailureRateHigh!.expr, /job_result="failed".*> 0\.03$/);
    assert.equal(by.RunnersNotRegistering!.expr, "gha_registered_runners < gha_desired_runners");
    assert.equal(by.RunnersNotRegistering!.for, "10m");
    assert.equal(by.EphemeralRunnersFailing!.expr, "gha_controller_failed_ephemeral_runners > 0");
  });
});
