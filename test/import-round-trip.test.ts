// `runner-fleet import` against real public runner manifests (test/fixtures/import/SOURCES.md):
// import, then render the gh-runner stack with the written settings and `diff --against` the
// original: no drift. What the settings cannot express is listed by path, exit 1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { REPO } from "./helpers.ts";

const CORPUS = join(REPO, "test/fixtures/import");
const STACK = join(REPO, "infra/pulumi/gh-runner");
const files = readdirSync(CORPUS).filter((f) => f.endsWith(".yaml")).sort();
const tmp = mkdtempSync(join(tmpdir(), "rf-import-"));

const cli = (args: string[], input?: string) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8", ...(input === undefined ? {} : { input }) });

/** Files whose Deployments name no namespace are applied with `kubectl apply -n ci`: import and diff place them so. */
function namespaced(file: string): { path: string; args: string[] } {
  const docs = parseAllDocuments(readFileSync(join(CORPUS, file), "utf8")).map((d) => d.toJS() as { kind?: string; metadata?: { namespace?: string } } | null);
  const runner = docs.find((d) => d?.kind === "Deployment");
  return { path: join(CORPUS, file), args: runner?.metadata?.namespace === undefined ? ["--namespace", "ci"] : [] };
}

/** Gaps the importer must report, and why the settings cannot express them. */
const EXPECTED_GAPS: Readonly<Record<string, RegExp>> = {
  // A literal credential-named value in env: the model only takes it from a Secret.
  "02-officeos-co-officeos-github-runner.yaml": /env\[7\]\.value: is a literal value for ACCESS_TOKEN/,
  "14-Ni0406-Uptime_monitor-github-runner.yaml": /env\[1\]\.value: is a literal value for RUNNER_TOKEN/,
  // A `<youracrname>` placeholder is not an image reference.
  "16-torivara-tf-aks-github-runners-runner.yaml": /runners\[0\]\.image: image "<youracrname>.azurecr.io\/myoung34\/github-runner:latest" has a malformed repository/,
};

describe("import round trip over real public runner manifests", () => {
  const reproduced: string[] = [];
  for (const file of files) {
    it(`${file}: import, render, diff --against the original`, () => {
      const original = namespaced(file);
      const settings = join(tmp, `Pulumi.${file}`);
      const imported = cli(["import", join(CORPUS, file), "--out", settings, ...original.args]);
      const gap = EXPECTED_GAPS[file];
      if (gap !== undefined) {
        assert.equal(imported.status, 1, imported.stderr);
        assert.match(imported.stderr, gap);
        assert.match(imported.stderr, /cannot be expressed; the settings reproduce everything else|no settings written/);
        return;
      }
      assert.equal(imported.status, 0, imported.stderr);
      assert.doesNotMatch(imported.stderr, /cannot express/);
      // The original, byte for byte.
      const diff = cli(["diff", STACK, "--config-file", settings, "--against", original.path, "--managed-only", ...original.args]);
      assert.equal(diff.status, 0, `${diff.stdout}\n${diff.stderr}`);
      assert.match(diff.stdout, /no drift: \d+ objects? match/);
      reproduced.push(file);
    });
  }
  it("reproduces at least 10 files of at least 4 kinds of image, with sidecars and config maps", () => {
    assert.ok(reproduced.length >= 10, `only ${reproduced.length} reproduced`);
    const text = reproduced.map((f) => readFileSync(join(CORPUS, f), "utf8")).join("\n");
    for (const image of [/actions\/actions-runner|actions-runner/, /summerwind\/actions-runner/, /myoung34\/github-runner/, /image: (?!.*(myoung34|summerwind|actions\/))\S*runner/]) assert.match(text, image);
    assert.match(text, /-dind/);
    assert.match(text, /configMapKeyRef|configMapRef/);
  });
  it("diff --namespace places objects that name none, as kubectl apply -n does; without it they do not match", () => {
    const file = join(CORPUS, "01-pytorch-ci-infra-runner-deployment.yaml");
    const settings = join(tmp, "Pulumi.ns.yaml");
    assert.equal(cli(["import", file, "--namespace", "ci", "--out", settings]).status, 0);
    const without = cli(["diff", STACK, "--config-file", settings, "--against", file, "--managed-only"]);
    assert.equal(without.status, 1);
    assert.match(without.stdout, /objects only match within one namespace/);
    assert.equal(cli(["diff", STACK, "--config-file", settings, "--against", file, "--managed-only", "--namespace", "ci"]).status, 0);
  });
  it("our own baseline deploy/gh-runner round-trips, hardened defaults kept (no relaxation)", () => {
    const baseline = join(REPO, "deploy/gh-runner/deployment.yaml");
    const settings = join(tmp, "Pulumi.baseline.yaml");
    const imported = cli(["import", baseline, "--out", settings]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.doesNotMatch(readFileSync(settings, "utf8"), /relax:/);
    const diff = cli(["diff", STACK, "--config-file", settings, "--against", baseline]);
    assert.equal(diff.status, 0, diff.stdout);
    assert.match(diff.stdout, /no drift: 3 objects match/);
  });
});

describe("import of a kubectl get deploy,cm,secret -o yaml export", () => {
  const CANARY = "canary-7f3a9c1e-d0e4-4b7e-9a51-secret-value";
  const b64 = Buffer.from(CANARY).toString("base64");
  const server = { uid: "0b1c", resourceVersion: "4711", generation: 3, creationTimestamp: "2026-11-30T10:00:00Z", managedFields: [{ manager: "kubectl", operation: "Apply" }] };
  const secret = { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "runner-token", namespace: "ci", ...server, annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ stringData: { token: CANARY } }) } }, data: { token: b64, "pat": b64 } };
  const deployment = {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "build", namespace: "ci", labels: { app: "build" }, ...server, annotations: { "deployment.kubernetes.io/revision": "3" } },
    spec: {
      replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, selector: { matchLabels: { app: "build" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: "build" } },
        spec: {
          containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:2.329.0", imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", resources: {},
            env: [{ name: "RUNNER_TOKEN", valueFrom: { secretKeyRef: { name: "runner-token", key: "token" } } }], envFrom: [{ configMapRef: { name: "runner-env" } }] }],
          dnsPolicy: "ClusterFirst", restartPolicy: "Always", schedulerName: "default-scheduler", securityContext: {}, terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { replicas: 1, readyReplicas: 1 },
  };
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "runner-env", namespace: "ci", ...server }, data: { RUNNER_SCOPE: "repo" } };
  const list = stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: [deployment, configMap, secret] });

  it("no Secret value reaches the settings, the report or the JSON; the Secret is a reference by name", () => {
    const text = cli(["import", "-"], list);
    const json = cli(["import", "-", "--json"], list);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(json.status, 0, json.stderr);
    for (const out of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      assert.ok(!out.includes(CANARY) && !out.includes(b64), "a Secret value reached the output");
    }
    assert.match(text.stdout, /secretKeyRef:\s+name: runner-token\s+key: token/);
    assert.match(text.stderr, /Secret ci\/runner-token: referenced by name, never copied \(keys: token, pat\)/);
    assert.doesNotMatch(text.stdout, /kind: Secret|uid|resourceVersion|managedFields|last-applied|revision|terminationMessagePath|schedulerName/);
  });
  it("the settings reproduce the export: diff --managed-only finds no drift", () => {
    const settings = join(tmp, "Pulumi.export.yaml");
    const manifest = join(tmp, "export.yaml");
    writeFileSync(manifest, list);
    assert.equal(cli(["import", manifest, "--out", settings]).status, 0);
    const diff = cli(["diff", STACK, "--config-file", settings, "--against", manifest, "--managed-only"]);
    assert.equal(diff.status, 0, diff.stdout + diff.stderr);
  });
  it("bad input: no runner Deployment, no namespace, an existing --out file; each names the fix (exit 2, no stack trace)", () => {
    const none = cli(["import", "-"], stringify(configMap));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no runner Deployment.*Fix: pass the manifest of your runner Deployments/s);
    const { namespace: _ns, ...meta } = deployment.metadata;
    const noNs = cli(["import", "-"], stringify({ ...deployment, metadata: meta }));
    assert.equal(noNs.status, 2);
    assert.match(noNs.stderr, /names no namespace\. Fix: pass --namespace/);
    const exists = cli(["import", "-", "--out", join(REPO, "README.md")], list);
    assert.equal(exists.status, 2);
    assert.match(exists.stderr, /--out .*README\.md: the file exists and is not overwritten\. Fix:/);
    const broken = cli(["import", "-"], stringify({ ...deployment, spec: { ...deployment.spec, template: { spec: { containers: 5 } } } }));
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /Deployment ci\/build: spec\.template\.spec\.containers is not a list of containers\. Fix:/);
    const garbage = cli(["import", "-"], "kind: [\n");
    assert.equal(garbage.status, 2);
    for (const r of [none, noNs, exists, broken, garbage]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe("literal credentials in a runner's env are gaps and never reach the output", () => {
  it("two literal credentials next to each other: both left out, neither written", () => {
    const TOKEN = "ghp_CANARYliteral0123456789abcdefghijklmnop";
    const manifest = stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "r", namespace: "ci" }, spec: { selector: { matchLabels: { app: "r" } }, template: { metadata: { labels: { app: "r" } }, spec: { containers: [{ name: "runner", image: "myoung34/github-runner:2.333.0", env: [{ name: "RUNNER_TOKEN", value: "CANARYtok1-plain" }, { name: "ACCESS_TOKEN", value: TOKEN }, { name: "LABELS", value: "x" }] }] } } } });
    const r = cli(["import", "-"], manifest);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!r.stdout.includes("CANARY") && !r.stderr.includes("CANARY"), "a literal credential reached the output");
    assert.match(r.stderr, /env\[0\]\.value: is a literal value for RUNNER_TOKEN/);
    assert.match(r.stderr, /env\[1\]\.value: is a literal value for ACCESS_TOKEN/);
    assert.match(r.stdout, /name: LABELS/);
  });
});

describe("relaxations an import sets are reported by audit, computed from the rendered pods", () => {
  it("a privileged docker-in-docker sidecar (relax.privileged) and an unpinned image (relax.unpinnedImages)", () => {
    const file = "03-dasmlab-souverix-github-runner.yaml";
    const settings = join(tmp, "Pulumi.audit.yaml");
    assert.equal(cli(["import", join(CORPUS, file), "--out", settings]).status, 0);
    const written = readFileSync(settings, "utf8");
    assert.match(written, /relax:[\s\S]*privileged: true/);
    assert.match(written, /unpinnedImages: true/);
    const audit = cli(["audit", STACK, "--config-file", settings]);
    assert.equal(audit.status, 1, audit.stdout);
    assert.match(audit.stdout, /containers\[1\]\.securityContext\.privileged|privileged/);
    assert.match(audit.stdout, /uses the floating tag latest/);
  });
});
