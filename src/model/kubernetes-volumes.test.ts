// Extra volumes of the common kinds and the runner container's mounts of them: rendered exactly as
// written, checked against the pod's other volumes and mounts, every bad value named by key path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { renderGhRunnerFleet } from "../render/kubernetes/gh-runner.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner(over)] }) as GhRunnerFleetInput;
const { expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

const volumes = [
  { name: "docker-graph", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
  { name: "hooks", configMap: { name: "runner-hooks", items: [{ key: "pre.sh", path: "pre.sh", mode: 0o755 }], defaultMode: 0o644 } },
  { name: "certs", secret: { secretName: "dind-certs", optional: true } },
  { name: "cache", persistentVolumeClaim: { claimName: "runner-cache", readOnly: true } },
  { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token", audience: "vault", expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } }] } },
];
const mounts = [
  { name: "docker-graph", mountPath: "/var/lib/docker" },
  { name: "hooks", mountPath: "/hooks", readOnly: true },
  { name: "certs", mountPath: "/certs/client", subPath: "client", readOnly: true },
  { name: "cache", mountPath: "/cache" },
  { name: "token", mountPath: "/var/run/secrets/vault" },
];

describe("extra volumes: rendered as written", () => {
  it("every kind, and the runner's mounts of them, after the pod's own", () => {
    const d = renderGhRunnerFleet(resolveGhRunnerFleet(fleet({ extraVolumes: volumes, extraVolumeMounts: mounts }))).deployments[0]!;
    const pod = d.spec!.template.spec!;
    assert.deepEqual(pod.volumes!.slice(-volumes.length), volumes);
    assert.deepEqual(pod.containers[0]!.volumeMounts!.slice(-mounts.length), mounts);
    // The pod's own volumes are still there, and the hardened defaults still apply.
    assert.deepEqual(pod.volumes!.slice(0, 2).map((v) => v.name), ["tmp", "work"]);
    assert.equal(pod.containers[0]!.securityContext?.readOnlyRootFilesystem, true);
  });
  it("a mount may name any volume of the pod, e.g. the work emptyDir at a second path", () => {
    const d = renderGhRunnerFleet(resolveGhRunnerFleet(fleet({ extraVolumeMounts: [{ name: "work", mountPath: "/runner/_work" }] }))).deployments[0]!;
    assert.deepEqual(d.spec!.template.spec!.containers[0]!.volumeMounts!.at(-1), { name: "work", mountPath: "/runner/_work" });
  });
});

describe("extra volumes: bad values name their key path and the fix", () => {
  it("a volume with no source, or two", () => {
    expectIssue(fleet({ extraVolumes: [{ name: "x" }] }), "runners[0].extraVolumes[0]", /exactly one source: emptyDir, configMap, secret, persistentVolumeClaim, projected/, /one volume per entry/);
    expectIssue(fleet({ extraVolumes: [{ name: "x", emptyDir: {}, secret: { secretName: "s" } }] }), "runners[0].extraVolumes[0]", /exactly one source/, /one volume per entry/);
  });
  it("a host path only with the named relaxation relax.hostPath", () => {
    expectIssue(fleet({ extraVolumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }] }), "runners[0].extraVolumes[0].hostPath", /node's filesystem/, /relax.hostPath: true/);
    expectIssue(fleet({ extraVolumes: [{ name: "sock", hostPath: { path: "run/docker.sock" } }] }), "runners[0].extraVolumes[0].hostPath.path", /not an absolute path/, /container root/);
  });
  it("a projected source with two projections, a bad medium, size and mode", () => {
    expectIssue(fleet({ extraVolumes: [{ name: "p", projected: { sources: [{ secret: { name: "a" }, configMap: { name: "b" } }] } }] }), "runners[0].extraVolumes[0].projected.sources[0]", /exactly one of configMap, secret, serviceAccountToken, downwardAPI/, /one projection per entry/);
    expectIssue(fleet({ extraVolumes: [{ name: "m", emptyDir: { medium: "HugePages" } }] }), "runners[0].extraVolumes[0].emptyDir.medium", /one of: , Memory/, /use one of/);
    expectIssue(fleet({ extraVolumes: [{ name: "m", emptyDir: { sizeLimit: "lots" } }] }), "runners[0].extraVolumes[0].emptyDir.sizeLimit", /matches none|quantity/, /./);
    expectIssue(fleet({ extraVolumes: [{ name: "c", configMap: { name: "cm", defaultMode: 0o1777 } }] }), "runners[0].extraVolumes[0].configMap.defaultMode", /permission bits/, /allowed range/);
  });
  it("a volume name the pod already has, a mount of a volume it does not have, a mount on a taken path", () => {
    expectIssue(fleet({ extraVolumes: [{ name: "tmp", emptyDir: {} }] }), "runners[0].extraVolumes[0].name", /volume name "tmp" is already used by/, /its own name/);
    expectIssue(fleet({ extraVolumeMounts: [{ name: "nope", mountPath: "/x" }] }), "runners[0].extraVolumeMounts[0].name", /"nope" is not a volume of the pod/, /name one of: tmp, work, or add it to extraVolumes/);
    expectIssue(fleet({ extraVolumes: [{ name: "e", emptyDir: {} }], extraVolumeMounts: [{ name: "e", mountPath: "/tmp" }] }), "runners[0].extraVolumeMounts[0].mountPath", /mount path \/tmp is already used by/, /its own path/);
    expectIssue(fleet({ extraVolumeMounts: [{ name: "work", mountPath: "/x", subPath: "../up" }] }), "runners[0].extraVolumeMounts[0].subPath", /relative path inside the volume/, /./);
  });
  it("a config file volume named like a claim mount", () => {
    const input = { namespace: "ci", githubRepo: "acme/app", codexConfig: { enabled: true, configToml: "a = 1\n" }, runners: [runner({ volumes: [{ claimName: "home", mountPath: "/home/runner", name: "cfg" }], configFiles: [{ configMap: "codex-config", key: "config.toml", mountPath: "/etc/codex.toml", volumeName: "cfg" }] })] };
    expectIssue(input, "runners[0].configFiles[0].volumeName", /volume name "cfg" is already used by runners\[0\]\.volumes\[0\]\.name/, /its own name/);
  });
});
