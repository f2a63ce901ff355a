// Credentials in environment variables: every env secretKeyRef and envFrom secretRef of every
// container of every pod template is a warning naming pod, container, variable, Secret and key,
// field path and fix; ConfigMap references are not; warnings never fail the audit. Checked on
// public runner manifests (test/fixtures/import, sources in SOURCES.md) and on every kind of pod.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { podOf } from "../network/pods-from.ts";
import type { KubeObject } from "../network/types.ts";
import { auditFleet } from "../fleet-audit.ts";
import { type CredentialWarning, envCredentialWarnings } from "./env-credentials.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] };

/** The objects of a public runner manifest of the import corpus. */
function manifest(file: string): KubeObject[] {
  const text = readFileSync(path.join(repoRoot, "test/fixtures/import", file), "utf8");
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject).filter((o) => o !== null && typeof o === "object");
}

function warningsOf(objects: readonly KubeObject[]): CredentialWarning[] {
  return objects.flatMap((o) => {
    const pod = podOf(o);
    return pod === undefined ? [] : envCredentialWarnings(pod);
  });
}

const brief = (w: CredentialWarning) => [w.container, w.variable ?? `envFrom${w.prefix === undefined ? "" : ` ${w.prefix}`}`, w.secret, w.key, w.path];

describe("public runner manifests", () => {
  it("pytorch/ci-infra: the token from a Secret is a warning, the two configMapKeyRef variables are not", () => {
    const ws = warningsOf(manifest("01-pytorch-ci-infra-runner-deployment.yaml"));
    assert.deepEqual(ws.map(brief), [["runner", "RUNNER_TOKEN", "github-runner-secret", "runner-token", "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef"]]);
    assert.equal(ws[0]!.pod, "default/Deployment/github-runner");
    assert.match(ws[0]!.message, /^RUNNER_TOKEN holds key runner-token of Secret github-runner-secret as an environment variable: every process of the container inherits it/);
    assert.match(ws[0]!.fix, /secretFiles: \[\{ secret: github-runner-secret, key: runner-token, path: \/run\/secrets\/github-runner-secret\/runner-token \}\]/);
    assert.match(ws[0]!.fix, /a secret volume \{ secretName: github-runner-secret, items: \[\{ key: runner-token, path: runner-token \}\], defaultMode: 0400 \} mounted readOnly/);
  });

  it("an init container's secretKeyRef is a warning too (its path names initContainers)", () => {
    const ws = warningsOf(manifest("05-tuberlin-blockchain-prototyping-sharing-sbom-system-gitops-github-runner.yaml"));
    assert.deepEqual(ws.map(brief), [["runner-register", "GITHUB_TOKEN", "github-runner-secret", "GITHUB_TOKEN", "spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyRef"]]);
  });

  it("envFrom: the secretRef is a warning about every key of the Secret, the configMapRef is not", () => {
    const ws = warningsOf(manifest("06-tuannvm-k8s-github-runner-deployment.yaml"));
    assert.deepEqual(ws.map(brief), [["k8s-github-runner", "envFrom", "k8s-github-runner-secret", undefined, "spec.template.spec.containers[0].envFrom[1].secretRef"]]);
    assert.match(ws[0]!.message, /^every key of Secret k8s-github-runner-secret becomes an environment variable/);
    assert.match(ws[0]!.fix, /list the keys the container needs and mount them as files/);
  });

  it("a Gitea act_runner with a dind sidecar: the registration token, in the runner container only", () => {
    const ws = warningsOf(manifest("21-chhe-act_runner-dind-docker.yaml"));
    assert.deepEqual(ws.map(brief), [["runner", "GITEA_RUNNER_REGISTRATION_TOKEN", "runner-secret", "token", "spec.template.spec.containers[0].env[4].valueFrom.secretKeyRef"]]);
  });
});

/** A pod template with `containers` as given. */
const template = (spec: Record<string, unknown>) => ({ metadata: { labels: { app: "runner" } }, spec });

describe("every pod template and container", () => {
  it("a Pod (paths from spec), a CronJob (paths through jobTemplate), an ARC scale set with an envFrom prefix, an ephemeral container", () => {
    const secretEnv = [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }];
    const objects: KubeObject[] = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ci" }, spec: { containers: [{ name: "app", image: "a:1", env: secretEnv }], ephemeralContainers: [{ name: "debug", image: "b:1", env: secretEnv }] } },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "gc", namespace: "ci" }, spec: { schedule: "@daily", jobTemplate: { spec: { template: template({ containers: [{ name: "gc", image: "a:1", env: secretEnv }] }) } } } },
      { apiVersion: "actions.github.com/v1alpha1", kind: "AutoscalingRunnerSet", metadata: { name: "arc", namespace: "arc-runners" }, spec: { githubConfigUrl: "https://github.com/acme", template: template({ containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", envFrom: [{ prefix: "APP_", secretRef: { name: "app-secrets" } }] }] }) } },
    ];
    assert.deepEqual(warningsOf(objects).map((w) => [w.pod, ...brief(w)]), [
      ["ci/Pod/p", "app", "TOKEN", "s", "k", "spec.containers[0].env[0].valueFrom.secretKeyRef"],
      ["ci/Pod/p", "debug", "TOKEN", "s", "k", "spec.ephemeralContainers[0].env[0].valueFrom.secretKeyRef"],
      ["ci/CronJob/gc", "gc", "TOKEN", "s", "k", "spec.jobTemplate.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef"],
      ["arc-runners/AutoscalingRunnerSet/arc", "runner", "envFrom APP_", "app-secrets", undefined, "spec.template.spec.containers[0].envFrom[0].secretRef"],
    ]);
  });

  it("plain values, ConfigMap keys, pod fields and resource fields are not credentials", () => {
    const env = [
      { name: "A", value: "1" },
      { name: "B", valueFrom: { configMapKeyRef: { name: "cm", key: "b" } } },
      { name: "C", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "D", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
    ];
    const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "a:1", env, envFrom: [{ configMapRef: { name: "cm" } }] }] } };
    assert.deepEqual(warningsOf([pod]), []);
  });

  it("the actions runner's registration token gets the fix that works: register just in time", () => {
    const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "r" }, spec: { containers: [{ name: "runner", image: "a:1", env: [{ name: "ACTIONS_RUNNER_INPUT_TOKEN", valueFrom: { secretKeyRef: { name: "reg", key: "token" } } }] }] } };
    const [w] = warningsOf([pod]);
    assert.match(w!.message, /keeps it out of its jobs' environment, but every process that started with it \(the container's first process among them\) still shows it in \/proc\/<pid>\/environ to any process of the same user/);
    assert.match(w!.fix, /from its environment or its command line only, never from a file/);
    assert.match(w!.fix, /registration: jit/);
    assert.doesNotMatch(w!.fix, /secretFiles/);
  });

  it("odd shapes are read without throwing; a credential-shaped name is never quoted", () => {
    const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [
      { name: "a", env: "not a list", envFrom: { secretRef: { name: "x" } } },
      { name: "b", env: [null, 1, { name: token, valueFrom: { secretKeyRef: { name: "s" } } }, { valueFrom: { secretKeyRef: "s" } }], envFrom: [null, { secretRef: null }, { secretRef: {} }] },
      "not a container",
    ] } };
    const ws = warningsOf([pod]);
    assert.deepEqual(ws.map((w) => [w.container, w.secret, w.key, w.path]), [
      ["b", "s", "(no key)", "spec.containers[1].env[2].valueFrom.secretKeyRef"],
      ["b", "(unnamed)", undefined, "spec.containers[1].envFrom[2].secretRef"],
    ]);
    assert.ok(!JSON.stringify(ws).includes(token));
  });
});

describe("in the fleet audit", () => {
  it("warnings are listed in credentialWarnings and do not fail the audit", () => {
    const objects = manifest("01-pytorch-ci-infra-runner-deployment.yaml");
    const audit = auditFleet(objects, NETWORK);
    assert.equal(audit.credentialWarnings.length, 1);
    const without = auditFleet(JSON.parse(JSON.stringify(objects).replaceAll('"secretKeyRef"', '"configMapKeyRef"')) as KubeObject[], NETWORK);
    assert.deepEqual(without.credentialWarnings, []);
    assert.equal(audit.pass, without.pass, "the warning changes nothing else");
    assert.deepEqual(audit.podSecurity, without.podSecurity);
  });
});
