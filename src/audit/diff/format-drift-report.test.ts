import { test } from "node:test";
import assert from "node:assert/strict";
import { diffManifests } from "./diff-manifests.ts";
import { formatDriftReport } from "./format-drift-report.ts";
import { lineDiff } from "./line-diff.ts";
import { loadFixture } from "../../../test/fixtures/diff/objects.ts";

const labels = { desired: 'stack "dev"', actual: "live.yaml" };

test("no drift: one summary line after the header", () => {
  const objects = loadFixture("stack-objects.yaml").filter((o) => o.kind !== "Secret");
  const text = formatDriftReport(diffManifests(objects, objects), labels);
  assert.equal(text, 'Comparing stack "dev" (desired) with live.yaml (actual); fields show actual -> desired.\n\nno drift: 2 objects match\n');
});

test("drift: grouped by object, one line per field, actual -> desired, secrets masked", () => {
  const text = formatDriftReport(diffManifests(loadFixture("stack-objects.yaml"), loadFixture("drifted.yaml")), labels);
  const lines = text.split("\n");
  const block = (header: string) => {
    const start = lines.indexOf(header);
    assert.ok(start >= 0, `missing "${header}" in:\n${text}`);
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("    "));
    return lines.slice(start + 1, end);
  };
  assert.deepEqual(block("~ apps/v1 Deployment runners/gh-runner-a: 6 fields differ"), [
    '    metadata.labels.team: "platform" -> "ci"',
    "    spec.replicas: 3 -> 2",
    '    spec.template.spec.containers[name=runner].image: "ghcr.io/actions/actions-runner:2.330.0" -> "ghcr.io/actions/actions-runner:2.331.0"',
    '    spec.template.spec.containers[name=runner].env[name=ACTIONS_RUNNER_INPUT_LABELS].value: "self-hosted,linux" -> "self-hosted,linux,x64"',
    '    spec.template.spec.containers[name=runner].env[name=RUNNER_DEBUG]: {"name":"RUNNER_DEBUG","value":"1"} -> (absent)',
    "    spec.template.spec.terminationGracePeriodSeconds: 60 -> (absent, server default 30)",
  ]);
  // A multi-line value (a config file) is shown as a line diff.
  assert.deepEqual(block("~ v1 ConfigMap runners/gh-runner-a-config: 1 field differs"), [
    '    data["config.yaml"]:',
    "          runner:",
    "        -   capacity: 2",
    "        +   capacity: 1",
    "            labels:",
    "              - self-hosted",
    "          ...",
  ]);
  assert.deepEqual(block("~ v1 Secret runners/gh-runner-a-token: 1 field differs"), ['    data.endpoint: "[secret]" -> "[secret]" (secret values differ; not shown)']);
  assert.ok(lines.includes("- v1 ConfigMap runners/legacy-runner-config: only in live.yaml (not managed by the stack)"));
  assert.deepEqual(block("Not compared: 1 secret value the offline render only knows as [secret]:"), ["    v1 Secret runners/gh-runner-a-token data.token"]);
  assert.equal(lines.at(-2), "drift: 3 changed, 1 not managed by the stack, 0 unchanged");
  assert.doesNotMatch(text, /Z2hz|aHR0cHM6Ly9naXRodWIuZXhhbXBsZS5jb20vYWNtZQ|example\.com/);
});

test("objects only in the stack are marked as would-be-created, with namespace notes", () => {
  const [deployment] = loadFixture("stack-objects.yaml").filter((o) => o.kind === "Deployment");
  assert.ok(deployment);
  const { namespace: _, ...metadata } = deployment.metadata;
  const text = formatDriftReport(diffManifests([{ ...deployment, metadata }], [deployment]), labels);
  assert.match(text, /^\+ apps\/v1 Deployment gh-runner-a: only in stack "dev" \(would be created\)\n {4}note: the manifest has the same Deployment with namespace "runners"/m);
  assert.match(text, /^- apps\/v1 Deployment runners\/gh-runner-a: only in live\.yaml \(not managed by the stack\)$/m);
  assert.match(text, /^drift: 1 would be created, 1 not managed by the stack, 0 unchanged$/m);
});

test("managedOnly: objects only in the manifest are listed, and the summary says they were not counted", () => {
  const objects = loadFixture("stack-objects.yaml").filter((o) => o.kind !== "Secret");
  const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "runners" } };
  const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "runner", namespace: "runners" } };
  const text = formatDriftReport(diffManifests(objects, [namespace, role, ...objects], { managedOnly: true }), labels);
  assert.equal(
    text,
    [
      'Comparing stack "dev" (desired) with live.yaml (actual); fields show actual -> desired.',
      "",
      "- v1 Namespace runners: only in live.yaml (not managed by the stack)",
      "- rbac.authorization.k8s.io/v1 Role runners/runner: only in live.yaml (not managed by the stack)",
      "",
      "no drift: 2 objects match; 2 not managed by the stack, not counted as drift (--managed-only)",
      "",
    ].join("\n"),
  );
  // A changed field is still drift; the objects only in the manifest stay out of the count.
  const drifted = formatDriftReport(diffManifests(loadFixture("stack-objects.yaml"), loadFixture("drifted.yaml"), { managedOnly: true }), labels);
  assert.match(drifted, /^- v1 ConfigMap runners\/legacy-runner-config: only in live\.yaml \(not managed by the stack\)$/m);
  assert.equal(drifted.split("\n").at(-2), "drift: 3 changed, 0 unchanged; 1 not managed by the stack, not counted as drift (--managed-only)");
  // Nothing only in the manifest: the summary is the usual one.
  assert.match(formatDriftReport(diffManifests(objects, objects, { managedOnly: true }), labels), /\n\nno drift: 2 objects match\n$/);
});

test("lineDiff: removed lines before added ones, unchanged lines as context", () => {
  assert.deepEqual(lineDiff("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nD\ne\nf\ng", 1), ["  ...", "  c", "- d", "+ D", "  e", "  ..."]);
  assert.deepEqual(lineDiff("x", "x\ny"), ["  x", "+ y"]);
});
