// Render tests for Forgejo runners on Kubernetes: strict schemas, Pod Security restricted, the
// registration script run under /bin/sh against a stand-in forgejo-runner, and the config.yaml.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { resolveKubernetesFleet } from "../../model/kubernetes-fleet.ts";
import { FORGEJO_POD_PATHS, REGISTER_SCRIPT, forgejoK8sRunnerConfig, renderKubernetesFleet } from "./index.ts";
import { checkPodSecurity } from "../../audit/pod-security/index.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const fleet = resolveKubernetesFleet({
  forge: "forgejo",
  namespace: "ci",
  forgejoUrl: "https://code.example.com",
  registrationSecret: { name: "runner-token", key: "forgejo" },
  runners: [
    { name: "build", labels: ["k8s:host"], capacity: 2, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } }, volumes: [{ claimName: "cache", mountPath: "/cache" }] },
    { name: "docker", labels: ["node:docker://node:22.12.0-bookworm"], relax: { dockerHost: "tcp://docker.ci.svc:2376" }, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } } },
  ],
});
const docs = renderKubernetesFleet(fleet);

describe("Forgejo runner Deployments", () => {
  it("every object passes the strict Kubernetes schemas", async () => {
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const all = [...docs.configMaps, ...docs.deployments, ...docs.networkPolicies];
    const results = await validateDocuments(all.map((doc, index) => ({ file: "render", index, doc })), loader);
    assert.equal(results.length, 7);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("every pod template meets Pod Security restricted, init container included", () => {
    for (const d of docs.deployments) {
      const result = checkPodSecurity(d.spec!.template);
      assert.deepEqual([...result.baseline, ...result.restricted, ...result.hardening], [], d.metadata?.name);
      assert.equal(d.spec!.template.spec!.initContainers!.length, 1);
    }
  });

  it("the fence selects exactly the fleet's runner pods", () => {
    for (const p of docs.networkPolicies) {
      assert.deepEqual(p.spec!.podSelector, { matchExpressions: [{ key: "app", operator: "In", values: ["build-forgejo-runner", "docker-forgejo-runner"] }] });
      assert.equal(p.metadata!.namespace, "ci");
    }
  });

  it("config.yaml hands jobs no Docker socket, unless relax.dockerHost names a daemon outside the pod", () => {
    const [build, docker] = fleet.forge === "forgejo" ? fleet.runners : [];
    assert.equal(forgejoK8sRunnerConfig(build!).container.docker_host, "-");
    assert.equal(forgejoK8sRunnerConfig(docker!).container.docker_host, "tcp://docker.ci.svc:2376");
    const text = docs.configMaps[0]!.data!["config.yaml"]!;
    assert.match(text, /^# forgejo-runner configuration of build-forgejo-runner/);
    assert.equal((parse(text) as { runner: { capacity: number } }).runner.capacity, 2);
  });

  it("the claim is mounted in the runner and the register containers; the token only in the register container", () => {
    const spec = docs.deployments[0]!.spec!.template.spec!;
    const mounts = (c: { volumeMounts?: { mountPath: string }[] }) => (c.volumeMounts ?? []).map((m) => m.mountPath);
    assert.deepEqual(mounts(spec.containers[0]!), ["/cache", "/tmp", "/data", FORGEJO_POD_PATHS.configDir]);
    assert.deepEqual(mounts(spec.initContainers![0]!), ["/cache", "/tmp", "/data", FORGEJO_POD_PATHS.configDir, FORGEJO_POD_PATHS.tokenDir]);
  });
});

describe("the registration script", () => {
  /** Runs REGISTER_SCRIPT with a stand-in forgejo-runner that records its arguments. */
  function register(dir: string, token: string | undefined): { status: number | null; args: string[]; stderr: string } {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "forgejo-runner"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${join(dir, "args")}"\n: > "$RUNNER_FILE"\necho registered >> "$RUNNER_FILE"\n`);
    chmodSync(join(bin, "forgejo-runner"), 0o755);
    if (token !== undefined) writeFileSync(join(dir, "token"), token);
    const env = {
      PATH: `${bin}:/usr/bin:/bin`,
      FORGEJO_INSTANCE_URL: "https://code.example.com",
      RUNNER_NAME: "build-forgejo-runner-5d9f-abcde",
      RUNNER_LABELS: "k8s:host,b:host",
      RUNNER_FILE: join(dir, ".runner"),
      CONFIG_FILE: "/etc/forgejo-runner/config.yaml",
      TOKEN_FILE: join(dir, "token"),
    };
    const r = spawnSync("/bin/sh", ["-c", REGISTER_SCRIPT], { env, encoding: "utf8" });
    let args: string[] = [];
    try {
      args = readFileSync(join(dir, "args"), "utf8").trimEnd().split("\n");
    } catch { /* not run */ }
    return { status: r.status, args, stderr: r.stderr };
  }

  it("registers once with every value as one argument, and skips when .runner exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "rf-register-"));
    const first = register(dir, "tok en$(x)\n");
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(first.args, [
      "register", "--no-interactive", "--config", "/etc/forgejo-runner/config.yaml", "--instance", "https://code.example.com",
      "--token", "tok en$(x)", "--name", "build-forgejo-runner-5d9f-abcde", "--labels", "k8s:host,b:host",
    ]);
    writeFileSync(join(dir, "args"), "untouched\n");
    const again = register(dir, "other");
    assert.equal(again.status, 0);
    assert.deepEqual(again.args, ["untouched"], "a restarted pod does not register twice");
  });

  it("fails with a message naming the file when the Secret holds no token", () => {
    const r = register(mkdtempSync(join(tmpdir(), "rf-register-")), "");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no registration token in .*token/);
  });

  it("is shellcheck-clean", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const file = join(mkdtempSync(join(tmpdir(), "rf-register-")), "register.sh");
    writeFileSync(file, `#!/bin/sh\n${REGISTER_SCRIPT}\n`);
    const r = spawnSync("shellcheck", ["--shell=sh", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
