// The runner pod's secret files as rendered: one `secret` volume per Secret and directory (items
// key -> file name, defaultMode 0400), mounted read-only in the runner container only, in a pod
// whose fsGroup makes the files readable by the non-root runner; strict schemas, Pod Security
// restricted, and no credential warning from the audit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import { resolveKubernetesFleet } from "../../model/kubernetes-fleet.ts";
import { renderKubernetesFleet } from "./index.ts";
import { auditFleet } from "../../audit/fleet-audit.ts";
import type { KubeObject } from "../../audit/network/types.ts";
import { createSchemaLoader } from "../../audit/schema/schema-loader.ts";
import { validateDocuments } from "../../audit/schema/validate-documents.ts";
import { checkPodSecurity } from "../../audit/pod-security/index.ts";
import { KUBERNETES_SCHEMAS } from "../../../test/helpers.ts";

const resources = { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } };
const secretFiles = [
  { secret: "github-runner-config", key: "openai-api-key", path: "/run/secrets/openai-api-key" },
  { secret: "github-runner-config", key: "gemini-api-key", path: "/run/secrets/gemini" },
  { secret: "github-mcp-credentials", key: "github-token", path: "/home/runner/.config/github-mcp/token" },
];

const github = renderKubernetesFleet(resolveKubernetesFleet({
  namespace: "ci",
  githubRepo: "acme/app",
  runners: [{
    name: "codex",
    image: "ghcr.io/acme/gh-runner-codex:2.329.0",
    resources,
    env: [
      { name: "ACTIONS_RUNNER_INPUT_TOKEN", secretKeyRef: { name: "github-runner-config", key: "runner-token" } },
      { name: "OPENAI_API_KEY_FILE", value: "/run/secrets/openai-api-key" },
    ],
    secretFiles,
  }],
}));
const forgejo = renderKubernetesFleet(resolveKubernetesFleet({
  forge: "forgejo",
  namespace: "ci",
  forgejoUrl: "https://code.example.com",
  runners: [{ name: "build", resources, secretFiles: [{ secret: "deploy-keys", key: "id_ed25519", path: "/run/secrets/deploy/id_ed25519" }] }],
}));

const podOf = (d: Deployment) => d.spec!.template.spec!;

describe("secret files rendered", () => {
  it("one secret volume per Secret and directory: items key -> file name, defaultMode 0400 (256)", () => {
    const pod = podOf(github.deployments[0]!);
    assert.deepEqual(pod.volumes!.filter((v) => v.secret !== undefined), [
      { name: "secret-github-runner-config", secret: { secretName: "github-runner-config", items: [{ key: "openai-api-key", path: "openai-api-key" }, { key: "gemini-api-key", path: "gemini" }], defaultMode: 256 } },
      { name: "secret-github-mcp-credentials", secret: { secretName: "github-mcp-credentials", items: [{ key: "github-token", path: "token" }], defaultMode: 256 } },
    ]);
  });

  it("mounted read-only at each directory in the runner container, after the pod's own mounts", () => {
    const runner = podOf(github.deployments[0]!).containers[0]!;
    assert.deepEqual(runner.volumeMounts!.slice(-2), [
      { name: "secret-github-runner-config", mountPath: "/run/secrets", readOnly: true },
      { name: "secret-github-mcp-credentials", mountPath: "/home/runner/.config/github-mcp", readOnly: true },
    ]);
  });

  it("the pod's fsGroup makes the files group-readable by the non-root runner (the kubelet turns 0400 into 0440)", () => {
    const pod = podOf(github.deployments[0]!);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.fsGroup, 1000);
  });

  it("the credentials are not in the environment; the registration token stays a variable (config.sh reads no file)", () => {
    const env = podOf(github.deployments[0]!).containers[0]!.env!;
    assert.deepEqual(env.filter((e) => e.valueFrom?.secretKeyRef !== undefined).map((e) => e.name), ["ACTIONS_RUNNER_INPUT_TOKEN"]);
    assert.deepEqual(env.find((e) => e.name === "OPENAI_API_KEY_FILE"), { name: "OPENAI_API_KEY_FILE", value: "/run/secrets/openai-api-key" });
  });

  it("Forgejo: in the runner container only, not in the registration init container", () => {
    const pod = podOf(forgejo.deployments[0]!);
    assert.deepEqual(pod.volumes!.find((v) => v.name === "secret-deploy-keys"), { name: "secret-deploy-keys", secret: { secretName: "deploy-keys", items: [{ key: "id_ed25519", path: "id_ed25519" }], defaultMode: 0o400 } });
    assert.deepEqual(pod.containers[0]!.volumeMounts!.filter((m) => m.name === "secret-deploy-keys"), [{ name: "secret-deploy-keys", mountPath: "/run/secrets/deploy", readOnly: true }]);
    for (const c of pod.initContainers ?? []) assert.ok(!(c.volumeMounts ?? []).some((m) => m.name === "secret-deploy-keys"), c.name);
  });

  it("no secret files: the pod has no secret volume of them", () => {
    const plain = renderKubernetesFleet(resolveKubernetesFleet({ namespace: "ci", githubRepo: "acme/app", runners: [{ name: "build", image: "ghcr.io/acme/runner:2.329.0", resources }] }));
    assert.deepEqual(podOf(plain.deployments[0]!).volumes!.filter((v) => v.secret !== undefined), []);
  });

  it("passes the strict Kubernetes schemas and Pod Security restricted", async () => {
    const deployments = [...github.deployments, ...forgejo.deployments];
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const results = await validateDocuments(deployments.map((doc, index) => ({ file: "render", index, doc })), loader);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
    for (const d of deployments) assert.deepEqual(checkPodSecurity(d.spec!.template).restricted, [], d.metadata?.name);
  });

  it("the audit warns only about the registration token, which cannot be a file", () => {
    const audit = auditFleet([...github.deployments, ...forgejo.deployments] as unknown as KubeObject[], { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] });
    assert.deepEqual(audit.credentialWarnings.map((w) => [w.pod, w.variable, w.secret, w.key]), [["ci/Deployment/codex-gh-runner", "ACTIONS_RUNNER_INPUT_TOKEN", "github-runner-config", "runner-token"]]);
  });
});
