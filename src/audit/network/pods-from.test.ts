import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { podsFrom } from "./pods-from.ts";
import type { KubeObject } from "./types.ts";

const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", ports: [{ name: "metrics", containerPort: 9090 }] }], ...extra },
});

describe("podsFrom", () => {
  it("reads the pod template of every workload kind, with its path", () => {
    const objects: KubeObject[] = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ci", labels: { app: "p" } }, spec: template({}).spec },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ci" }, spec: { template: template({ app: "d" }) } },
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s", namespace: "ci" }, spec: { template: template({ app: "s" }) } },
      { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { template: template({ app: "ds" }) } },
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "ci" }, spec: { template: template({ app: "j" }) } },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj", namespace: "ci" }, spec: { jobTemplate: { spec: { template: template({ app: "cj" }) } } } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "svc", namespace: "ci" }, spec: {} },
    ];
    const pods = podsFrom(objects);
    assert.deepEqual(pods.map((p) => [p.name, p.templatePath, p.labels["app"]]), [
      ["ci/Pod/p", "", "p"],
      ["ci/Deployment/d", "spec.template", "d"],
      ["ci/StatefulSet/s", "spec.template", "s"],
      ["default/DaemonSet/ds", "spec.template", "ds"],
      ["ci/Job/j", "spec.template", "j"],
      ["ci/CronJob/cj", "spec.jobTemplate.spec.template", "cj"],
    ]);
    assert.deepEqual(pods[0]!.ports, [{ name: "metrics", containerPort: 9090, protocol: "TCP" }]);
    assert.equal(pods[4]!.labels["batch.kubernetes.io/job-name"], "j");
  });

  it("gives ARC runner pods the labels the controller adds", () => {
    const [pod] = podsFrom([{
      apiVersion: "actions.github.com/v1alpha1",
      kind: "AutoscalingRunnerSet",
      metadata: { name: "linux", namespace: "arc-runners", labels: { "app.kubernetes.io/version": "0.14.2" } },
      spec: { githubConfigUrl: "https://github.com/acme/widgets", template: template({ app: "gha", "app.kubernetes.io/component": "custom" }) },
    }]);
    assert.deepEqual(pod!.labels, {
      "app.kubernetes.io/part-of": "gha-runner-scale-set",
      "app.kubernetes.io/component": "custom",
      "app.kubernetes.io/version": "0.14.2",
      "actions.github.com/scale-set-name": "linux",
      "actions.github.com/scale-set-namespace": "arc-runners",
      "actions.github.com/organization": "acme",
      "actions.github.com/repository": "widgets",
      app: "gha",
      "actions-ephemeral-runner": "True",
    });
  });

  it("marks host-network pods", () => {
    const [pod] = podsFrom([{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: template({}, { hostNetwork: true }) } }]);
    assert.equal(pod!.hostNetwork, true);
  });
});
