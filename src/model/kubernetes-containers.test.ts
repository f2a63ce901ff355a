// The containers of a runner pod as real manifests write them: sidecars beside the runner, init
// containers before it, the runner container's own name, ports and working directory, the
// Deployment's name, extended resources, scheduling, and the fleet's ConfigMaps. Each is rendered
// exactly as written (under the hardened container security context); every bad value is named by
// its key path with a fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { ConfigError } from "./issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { resolveForgejoK8sFleet } from "./forgejo-k8s.ts";
import { renderGhRunnerFleet } from "../render/kubernetes/gh-runner.ts";
import { forgejoRunnerDeployment } from "../render/kubernetes/forgejo-runner.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over }) as GhRunnerFleetInput;
/** A fleet of one runner with `over` written on it. */
const one = (over: Record<string, unknown>, fleetOver: Record<string, unknown> = {}) => fleet({ runners: [runner(over)], ...fleetOver });
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

/** Everything a fleet of one runner renders: its Deployment, pod spec, runner container and ConfigMaps. */
function rendered(over: Record<string, unknown> = {}, fleetOver: Record<string, unknown> = {}) {
  const docs = renderGhRunnerFleet(resolveGhRunnerFleet(one(over, fleetOver)));
  const d = docs.deployments[0]!;
  const pod = d.spec!.template.spec!;
  return { d, pod, container: pod.containers[0]!, configMaps: docs.configMaps };
}

const HARDENED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const dind = { name: "dind", image: "docker:27-dind", securityContext: { privileged: true } };

describe("unset: the pod as before", () => {
  it("one container named runner, no init containers, no ports or working directory, the Deployment named <name>-gh-runner", () => {
    const { d, pod, container } = rendered();
    assert.equal(d.metadata!.name, "build-gh-runner");
    assert.deepEqual(pod.containers.map((c) => c.name), ["runner"]);
    assert.equal(pod.initContainers, undefined);
    for (const key of ["ports", "workingDir"] as const) assert.equal(container[key], undefined, key);
    for (const key of ["restartPolicy", "affinity", "topologySpreadConstraints", "nodeName"] as const) assert.equal(pod[key], undefined, key);
    assert.deepEqual(container.securityContext, HARDENED_CONTAINER);
  });
});

describe("sidecars: rendered after the runner container, as written", () => {
  it("a privileged docker:27-dind sidecar with relax.privileged: securityContext exactly { privileged: true }", () => {
    const { pod, container } = rendered({ relax: { privileged: true }, sidecars: [dind] });
    assert.deepEqual(pod.containers.map((c) => c.name), ["runner", "dind"]);
    assert.deepEqual(pod.containers[1], dind);
    // The runner itself keeps the hardened container security context.
    assert.deepEqual(container.securityContext, HARDENED_CONTAINER);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  it("a docker-in-docker sidecar sharing the work directory and a graph emptyDir with the runner: its mounts as written", () => {
    const sidecar = {
      ...dind,
      args: ["--host=tcp://127.0.0.1:2375", "--tls=false"],
      env: [{ name: "DOCKER_TLS_CERTDIR", value: "" }],
      volumeMounts: [{ name: "docker-graph", mountPath: "/var/lib/docker" }, { name: "work", mountPath: "/home/runner/_work" }, { name: "tmp", mountPath: "/tmp", readOnly: true, subPath: "dind" }],
    };
    const { pod, container } = rendered({ relax: { privileged: true }, extraVolumes: [{ name: "docker-graph", emptyDir: {} }], sidecars: [sidecar], env: [{ name: "DOCKER_HOST", value: "tcp://127.0.0.1:2375" }] });
    assert.deepEqual(pod.containers[1], sidecar);
    assert.deepEqual(pod.volumes!.map((v) => v.name), ["tmp", "work", "docker-graph"]);
    // The runner's own mounts are unchanged by the sidecar's.
    assert.deepEqual(container.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }, { name: "work", mountPath: "/home/runner/_work" }]);
  });

  it("every field as written; env sources under valueFrom; the hardened security context under the written fields", () => {
    const probe = { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 };
    const written = {
      name: "app",
      image: "ghcr.io/acme/app@sha256:" + "a".repeat(64),
      imagePullPolicy: "Always",
      command: ["/app"],
      args: ["--listen=:8080"],
      workingDir: "/srv",
      envFrom: [{ configMapRef: { name: "app-config" } }],
      ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi", "nvidia.com/gpu": 1 } },
      volumeMounts: [{ name: "tmp", mountPath: "/srv/tmp" }],
      livenessProbe: probe,
      readinessProbe: probe,
      startupProbe: { tcpSocket: { port: 8080 } },
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
    };
    const { pod } = rendered({
      sidecars: [{ ...written, env: [{ name: "A", value: "1" }, { name: "B", secretKeyRef: { name: "s", key: "k" } }], securityContext: { runAsUser: 1001 } }],
    });
    assert.deepEqual(pod.containers[1], {
      ...written,
      env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
      securityContext: { ...HARDENED_CONTAINER, runAsUser: 1001 },
    });
  });

  it("unset securityContext: the hardened one; several sidecars in the order written", () => {
    const { pod } = rendered({ sidecars: [{ name: "a", image: "busybox:1.36" }, { name: "b", image: "busybox:1.36" }] });
    assert.deepEqual(pod.containers.map((c) => c.name), ["runner", "a", "b"]);
    assert.deepEqual(pod.containers[1], { name: "a", image: "busybox:1.36", securityContext: HARDENED_CONTAINER });
  });

  it("with relax.unpinnedImages a :latest or untagged sidecar image as written", () => {
    const { pod } = rendered({ relax: { unpinnedImages: true }, sidecars: [{ name: "a", image: "docker:latest" }, { name: "b", image: "docker" }] });
    assert.deepEqual(pod.containers.slice(1).map((c) => c.image), ["docker:latest", "docker"]);
  });

  it("a sidecar mounts a hostPath volume with relax.hostPath", () => {
    const { pod } = rendered({ relax: { hostPath: true }, extraVolumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }], sidecars: [{ name: "a", image: "docker:27-cli", volumeMounts: [{ name: "sock", mountPath: "/var/run/docker.sock" }] }] });
    assert.deepEqual(pod.containers[1]!.volumeMounts, [{ name: "sock", mountPath: "/var/run/docker.sock" }]);
  });
});

describe("init containers: rendered before the runner, as written", () => {
  it("in the order written; restartPolicy: Always (a native sidecar) as written; the hardened security context", () => {
    const copy = { name: "copy-tools", image: "busybox:1.36", command: ["cp", "-r", "/tools", "/work/tools"], volumeMounts: [{ name: "work", mountPath: "/work" }] };
    const proxy = { name: "proxy", image: "ghcr.io/acme/proxy:1.2.3", restartPolicy: "Always", ports: [{ containerPort: 3128 }] };
    const { pod } = rendered({ initContainers: [copy, proxy] });
    assert.deepEqual(pod.initContainers, [{ ...copy, securityContext: HARDENED_CONTAINER }, { ...proxy, securityContext: HARDENED_CONTAINER }]);
    assert.deepEqual(pod.containers.map((c) => c.name), ["runner"]);
  });

  it("a privileged init container with relax.privileged: its security context as written", () => {
    const { pod } = rendered({ relax: { privileged: true }, initContainers: [{ name: "sysctl", image: "busybox:1.36", command: ["sysctl", "-w", "vm.max_map_count=262144"], securityContext: { privileged: true } }] });
    assert.deepEqual(pod.initContainers![0]!.securityContext, { privileged: true });
  });

  it("Forgejo runners: after the forge's own registration container", () => {
    const f = resolveForgejoK8sFleet({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", initContainers: [{ name: "warm", image: "busybox:1.36" }], sidecars: [{ name: "dind", image: "docker:27-dind" }] }] });
    const pod = forgejoRunnerDeployment(f, f.runners[0]!).spec!.template.spec!;
    assert.deepEqual(pod.initContainers!.map((c) => c.name), ["register", "warm"]);
    assert.deepEqual(pod.containers.map((c) => c.name), ["runner", "dind"]);
  });
});

describe("the runner container, the Deployment and the pod: as written", () => {
  it("containerName, ports and workingDir of the runner container", () => {
    const ports = [{ containerPort: 8080, name: "metrics", protocol: "TCP" }, { containerPort: 9000 }];
    const { container } = rendered({ containerName: "main", ports, workingDir: "/home/runner" });
    assert.equal(container.name, "main");
    assert.deepEqual(container.ports, ports);
    assert.equal(container.workingDir, "/home/runner");
  });

  it("with containerName set, a sidecar may take the name runner", () => {
    const { pod } = rendered({ containerName: "main", sidecars: [{ name: "runner", image: "busybox:1.36" }] });
    assert.deepEqual(pod.containers.map((c) => c.name), ["main", "runner"]);
  });

  it("deploymentName: the Deployment's name as written, and by default its app label and selector", () => {
    const { d } = rendered({ deploymentName: "github-runner.build" });
    assert.equal(d.metadata!.name, "github-runner.build");
    assert.equal(d.metadata!.namespace, "ci");
    assert.equal(d.metadata!.labels!["app"], "github-runner.build");
    assert.deepEqual(d.spec!.selector.matchLabels, { app: "github-runner.build" });
  });

  it("restartPolicy: Always on the pod", () => {
    assert.equal(rendered({ restartPolicy: "Always" }).pod.restartPolicy, "Always");
  });

  it("resources with extended resources such as nvidia.com/gpu", () => {
    const resources = { requests: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": 1 }, limits: { memory: "8Gi", "nvidia.com/gpu": "1", "hugepages-2Mi": "1Gi" } };
    assert.deepEqual(rendered({ resources }).container.resources, resources);
  });

  it("affinity, topologySpreadConstraints and nodeName in the pod spec", () => {
    const scheduling = {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "node-role.kubernetes.io/ci", operator: "Exists" }] }] } } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "build-gh-runner" } } }],
      nodeName: "worker-1",
    };
    const { pod } = rendered(scheduling);
    assert.deepEqual({ affinity: pod.affinity, topologySpreadConstraints: pod.topologySpreadConstraints, nodeName: pod.nodeName }, scheduling);
  });
});

describe("fleet ConfigMaps and the codexConfig ConfigMap", () => {
  it("configMaps: each rendered named as written, labels and annotations as written, left out when unset", () => {
    const { configMaps } = rendered({}, {
      configMaps: [
        { name: "runner-hooks", data: { "pre.sh": "#!/bin/sh\necho pre\n", "post.sh": "" } },
        { name: "settings.v2", data: { "settings.json": "{}" }, labels: { team: "ci" }, annotations: { owner: "platform" } },
      ],
    });
    assert.deepEqual(configMaps, [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "runner-hooks", namespace: "ci" }, data: { "pre.sh": "#!/bin/sh\necho pre\n", "post.sh": "" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings.v2", namespace: "ci", labels: { team: "ci" }, annotations: { owner: "platform" } }, data: { "settings.json": "{}" } },
    ]);
  });

  it("a config file of a configMaps entry: the volume references the ConfigMap by its own name", () => {
    const { pod, container } = rendered({ configFiles: [{ configMap: "runner-hooks", key: "pre.sh", mountPath: "/hooks/pre.sh" }] }, { configMaps: [{ name: "runner-hooks", data: { "pre.sh": "echo\n" } }] });
    assert.deepEqual(pod.volumes!.find((v) => v.name === "runner-hooks"), { name: "runner-hooks", configMap: { name: "runner-hooks" } });
    assert.deepEqual(container.volumeMounts!.find((m) => m.mountPath === "/hooks/pre.sh"), { name: "runner-hooks", mountPath: "/hooks/pre.sh", subPath: "pre.sh", readOnly: true });
  });

  it("codexConfig: by default labelled app: codex-config-gh-runner, without annotations; labels and annotations as written", () => {
    const codex = { enabled: true, configToml: 'model = "o3"\n' };
    const plain = rendered({}, { codexConfig: codex }).configMaps;
    assert.deepEqual(plain, [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "codex-config-gh-runner", namespace: "ci", labels: { app: "codex-config-gh-runner" } }, data: { "config.toml": 'model = "o3"\n' } }]);
    const written = rendered({}, { codexConfig: { ...codex, labels: { "app.kubernetes.io/name": "codex" }, annotations: { owner: "platform" } } }).configMaps;
    assert.deepEqual(written[0]!.metadata, { name: "codex-config-gh-runner", namespace: "ci", labels: { "app.kubernetes.io/name": "codex" }, annotations: { owner: "platform" } });
  });

  it("codexConfig and configMaps together: the codex ConfigMap first, then the entries", () => {
    const { configMaps } = rendered({}, { codexConfig: { enabled: true, configToml: "a = 1\n" }, configMaps: [{ name: "runner-hooks", data: {} }] });
    assert.deepEqual(configMaps.map((c) => c.metadata!.name), ["codex-config-gh-runner", "runner-hooks"]);
  });
});

describe("bad containers are refused at their key paths, with a fix", () => {
  it("a privileged sidecar or init container without relax.privileged", () => {
    expectIssue(one({ sidecars: [dind] }), "runners[0].sidecars[0].securityContext.privileged", /privileged: it can take over the node/, /remove it, or set relax\.privileged: true/);
    expectIssue(one({ initContainers: [{ ...dind, name: "sysctl" }] }), "runners[0].initContainers[0].securityContext.privileged", /can take over the node/, /relax\.privileged: true/);
  });

  it("a sidecar security context that weakens a hardened default", () => {
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", securityContext: { readOnlyRootFilesystem: false } }] }), "runners[0].sidecars[0].securityContext.readOnlyRootFilesystem", /weakens the hardened default/, /relax\.writableRootFilesystem: true/);
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", securityContext: { runAsUser: 0 } }] }), "runners[0].sidecars[0].securityContext.runAsUser", /weakens the hardened default/, /non-root UID.*relax\.securityAsWritten: true/);
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36", securityContext: { capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } } }] }), "runners[0].initContainers[0].securityContext.capabilities", /weakens the hardened default/, /relax\.addCapabilities/);
  });

  it("a container name already taken in the pod: the runner's (runner by default), another sidecar's, an init container's", () => {
    expectIssue(one({ sidecars: [{ name: "dind", image: "docker:27-dind" }, { name: "runner", image: "busybox:1.36" }] }), "runners[0].sidecars[1].name", /"runner" is already the name of the runner container/, /give every container of the pod its own name/);
    expectIssue(one({ containerName: "main", sidecars: [{ name: "main", image: "busybox:1.36" }] }), "runners[0].sidecars[0].name", /"main" is already the name of the runner container/, /its own name/);
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36" }, { name: "a", image: "busybox:1.36" }] }), "runners[0].sidecars[1].name", /already the name of runners\[0\]\.sidecars\[0\]/, /its own name/);
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36" }], sidecars: [{ name: "a", image: "busybox:1.36" }] }), "runners[0].sidecars[0].name", /already the name of runners\[0\]\.initContainers\[0\]/, /its own name/);
    expectIssue(one({ initContainers: [{ name: "runner", image: "busybox:1.36" }] }), "runners[0].initContainers[0].name", /already the name of the runner container/, /its own name/);
  });

  it("a mount of a volume the pod does not have, two mounts on one path, a variable set twice", () => {
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", volumeMounts: [{ name: "nope", mountPath: "/x" }] }] }), "runners[0].sidecars[0].volumeMounts[0].name", /"nope" is not a volume of the pod/, /name one of: tmp, work, or add it to extraVolumes/);
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36", volumeMounts: [{ name: "tmp", mountPath: "/x" }, { name: "work", mountPath: "/x/" }] }] }), "runners[0].initContainers[0].volumeMounts[1].mountPath", /mount path \/x\/ is already used by volumeMounts\[0\]/, /its own path/);
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", env: [{ name: "X", value: "1" }, { name: "X", value: "2" }] }] }), "runners[0].sidecars[0].env[1].name", /X is already set by env\[0\]/, /set each environment variable once/);
  });

  it("an unpinned image without relax.unpinnedImages; a malformed one even with it", () => {
    expectIssue(one({ sidecars: [{ name: "dind", image: "docker:latest" }] }), "runners[0].sidecars[0].image", /"docker:latest" uses the floating tag latest/, /pin the image by a version tag.*relax\.unpinnedImages: true/);
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox" }] }), "runners[0].initContainers[0].image", /"busybox" has no tag or digest/, /relax\.unpinnedImages: true/);
    const malformed = one({ relax: { unpinnedImages: true }, sidecars: [{ name: "dind", image: "docker latest" }] });
    expectIssue(malformed, "runners[0].sidecars[0].image", /"docker latest" has a malformed repository/, /write a valid image reference/);
    assert.doesNotMatch(issuesOf(malformed).find((i) => i.path === "runners[0].sidecars[0].image")!.fix, /unpinnedImages/);
    expectIssue(one({ sidecars: [{ name: "a", image: "" }] }), "runners[0].sidecars[0].image", /must name an image/, /./);
  });

  it("an init container's restartPolicy other than Always; a sidecar's restartPolicy at all", () => {
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36", restartPolicy: "OnFailure" }] }), "runners[0].initContainers[0].restartPolicy", /Always/, /Always/);
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", restartPolicy: "Always" }] }), "runners[0].sidecars[0].restartPolicy", /is not a known key/, /remove it|did you mean/);
    expectIssue(one({ restartPolicy: "Never" }), "runners[0].restartPolicy", /Always/, /Always/);
  });

  it("a container name that is not a DNS label; a sidecar without a name", () => {
    expectIssue(one({ sidecars: [{ name: "Dind", image: "docker:27-dind" }] }), "runners[0].sidecars[0].name", /not a DNS-1123 label/, /lower-case letters.*a container name/);
    expectIssue(one({ sidecars: [{ image: "docker:27-dind" }] }), "runners[0].sidecars[0].name", /is required/, /set runners\[0\]\.sidecars\[0\]\.name/);
    expectIssue(one({ containerName: "Runner" }), "runners[0].containerName", /not a DNS-1123 label/, /a container name/);
  });

  it("bad resources of the runner and of a sidecar", () => {
    expectIssue(one({ resources: { limits: { gpu: 1 } } }), "runners[0].resources.limits.gpu", /is not a resource name/, /extended resource with its domain such as nvidia\.com\/gpu/);
    expectIssue(one({ sidecars: [{ name: "a", image: "busybox:1.36", resources: { limits: { memory: "lots" } } }] }), "runners[0].sidecars[0].resources.limits.memory", /not a Kubernetes quantity/, /"512Mi"/);
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] }), "runners[0].initContainers[0].resources.requests.cpu", /more than runners\[0\]\.initContainers\[0\]\.resources\.limits\.cpu/, /lower the request or raise the limit/);
  });

  it("bad ports and working directory of the runner container", () => {
    expectIssue(one({ ports: [{ containerPort: 0 }] }), "runners[0].ports[0].containerPort", /must be a port number \(1-65535\)/, /allowed range/);
    expectIssue(one({ ports: [{ containerPort: 65_536 }] }), "runners[0].ports[0].containerPort", /must be a port number \(1-65535\)/, /allowed range/);
    expectIssue(one({ ports: [{ containerPort: 8080, name: "HTTP" }] }), "runners[0].ports[0].name", /must be a port name/, /./);
    expectIssue(one({ ports: [{ containerPort: 8080, protocol: "HTTP" }] }), "runners[0].ports[0].protocol", /one of: TCP, UDP, SCTP/, /use one of/);
    expectIssue(one({ ports: [{ containerPort: 8080, hostPort: 8080 }] }), "runners[0].ports[0].hostPort", /binds a port of the node/, /./);
    expectIssue(one({ workingDir: "home/runner" }), "runners[0].workingDir", /must be an absolute path/, /./);
  });

  it("a Deployment name with capitals or underscores", () => {
    expectIssue(one({ deploymentName: "Build-Runner" }), "runners[0].deploymentName", /"Build-Runner" is not a DNS-1123 subdomain/, /lower-case letters, digits.*a Deployment name/);
    expectIssue(one({ deploymentName: "build_runner" }), "runners[0].deploymentName", /not a DNS-1123 subdomain/, /a Deployment name/);
  });
});

describe("bad ConfigMaps are refused at their key paths, with a fix", () => {
  it("a configMaps name already taken: by the codexConfig ConfigMap (either of its names) or another entry", () => {
    const codex = { codexConfig: { enabled: true, configToml: "a = 1\n" } };
    expectIssue(fleet({ ...codex, configMaps: [{ name: "codex-config", data: {} }] }), "configMaps[0].name", /"codex-config" is already the name of the codexConfig ConfigMap/, /give every ConfigMap its own name/);
    expectIssue(fleet({ ...codex, configMaps: [{ name: "codex-config-gh-runner", data: {} }] }), "configMaps[0].name", /already the name of the codexConfig ConfigMap/, /its own name/);
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: {} }, { name: "hooks", data: {} }] }), "configMaps[1].name", /"hooks" is already the name of another ConfigMap/, /its own name/);
  });

  it("a data key that is not a ConfigMap key, a name that is not an object name, too much data", () => {
    // The path names the offending key itself.
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: { "bad/key": "x" } }] }), "configMaps[0].data.bad/key", /key/, /key/);
    expectIssue(fleet({ configMaps: [{ name: "Hooks", data: {} }] }), "configMaps[0].name", /not a DNS-1123 subdomain/, /a ConfigMap name/);
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: { big: "x".repeat(513 * 1024) } }] }), "configMaps[0].data", /more than 512 KiB/, /./);
    expectIssue(fleet({ configMaps: [{ name: "hooks" }] }), "configMaps[0].data", /is required/, /set configMaps\[0\]\.data/);
  });

  it("labels that are not labels, on a configMaps entry and on codexConfig", () => {
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: {}, labels: { team: "not valid!" } }] }), "configMaps[0].labels.team", /not a valid label value/, /at most 63 letters/);
    expectIssue(fleet({ codexConfig: { enabled: true, configToml: "a = 1\n", labels: { "bad key!": "x" } } }), "codexConfig.labels.bad key!", /not a valid label key/, /prefix/);
  });

  it("a config file naming a key its configMaps entry does not have, or an entry that does not exist", () => {
    const configMaps = [{ name: "runner-hooks", data: { "pre.sh": "echo\n" } }];
    expectIssue(one({ configFiles: [{ configMap: "runner-hooks", key: "post.sh", mountPath: "/hooks/post.sh" }] }, { configMaps }), "runners[0].configFiles[0].key", /"post.sh" is not a file of config payload "runner-hooks"/, /use one of: pre\.sh/);
    expectIssue(one({ configFiles: [{ configMap: "hooks", key: "pre.sh", mountPath: "/hooks/pre.sh" }] }, { configMaps }), "runners[0].configFiles[0].configMap", /"hooks", which is not configured/, /use one of: runner-hooks/);
  });
});

describe("hostile input is refused with a ConfigError, never another exception", () => {
  it("sidecars: \"x\" and securityContext: [] name their key paths", () => {
    expectIssue(one({ sidecars: "x", securityContext: [] }), "runners[0].sidecars", /must be an array/, /array/);
    expectIssue(one({ sidecars: "x", securityContext: [] }), "runners[0].securityContext", /must be an object/, /object/);
  });

  it("wrong types anywhere in containers, ports, names and ConfigMaps", () => {
    const hostile: GhRunnerFleetInput[] = [
      one({ sidecars: [null], initContainers: {} }),
      one({ sidecars: [{ name: "a", image: 5, volumeMounts: [{ name: null }] }], initContainers: [{ name: "b", image: "", restartPolicy: 1 }] }),
      one({ sidecars: [{ name: "a", image: "b:1", env: "X=1", ports: [{ containerPort: "80" }], resources: { limits: [] } }] }),
      one({ sidecars: [{ name: "a", image: "b:1", resources: { limits: { "nvidia.com/gpu": {} } }, livenessProbe: [] }] }),
      one({ deploymentName: 5, containerName: [], ports: [null], workingDir: 1, resources: { limits: { cpu: null } } }),
      one({ affinity: "x", topologySpreadConstraints: {}, nodeName: 1, restartPolicy: true }),
      fleet({ configMaps: [null] }),
      fleet({ configMaps: "x" }),
      fleet({ configMaps: [{ name: "a", data: null, labels: [] }] }),
      fleet({ configMaps: [{ name: "a", data: { k: 1 }, annotations: "x" }] }),
      fleet({ codexConfig: { enabled: true, labels: [], annotations: null } }),
      fleet({ codexConfig: "x", configMaps: {} }),
    ];
    // Each is refused with a ConfigError (issuesOf fails on anything else), every issue complete.
    for (const input of hostile) for (const i of issuesOf(input)) assert.ok(i.path !== "" && i.message !== "" && i.fix !== "", JSON.stringify(i));
  });
});

describe("problems found in review, fixed", () => {
  it("two runners whose Deployments would have the same name are refused", () => {
    expectIssue(fleet({ runners: [runner({ name: "a", deploymentName: "b-gh-runner" }), runner({ name: "b" })] }), "runners[1].deploymentName", /already/, /./);
    expectIssue(fleet({ runners: [runner({ name: "a", deploymentName: "ci" }), runner({ name: "b", deploymentName: "ci" })] }), "runners[1].deploymentName", /already/, /./);
  });

  it("a deploymentName longer than a label value is refused while it is the default app label and selector", () => {
    expectIssue(one({ deploymentName: "a".repeat(64) }), "runners[0].deploymentName", /./, /./);
  });

  it("a bad ConfigMap data key is explained as one", () => {
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: { "bad/key": "x" } }] }), "configMaps[0].data.bad/key", /ConfigMap data key/, /letters, digits, -, _ and \./);
  });

  it("an init container's restartPolicy is explained as the schema says", () => {
    expectIssue(one({ initContainers: [{ name: "a", image: "busybox:1.36", restartPolicy: "OnFailure" }] }), "runners[0].initContainers[0].restartPolicy", /native sidecar/, /left out|remove/);
  });

  it("a hostPort's fix says to remove it", () => {
    expectIssue(one({ ports: [{ containerPort: 8080, hostPort: 8080 }] }), "runners[0].ports[0].hostPort", /binds a port of the node/, /remove/);
  });

  it("a ConfigMap's data is measured in bytes, as the API server measures it", () => {
    expectIssue(fleet({ configMaps: [{ name: "hooks", data: { big: "\u20ac".repeat(400_000) } }] }), "configMaps[0].data", /more than 512 KiB/, /./);
  });

  it("Forgejo: an init container named like the forge's own registration container is refused", () => {
    assert.throws(() => resolveForgejoK8sFleet({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", initContainers: [{ name: "register", image: "busybox:1.36" }] }] }), ConfigError);
  });
});

describe("security problems are reported with every other problem at once", () => {
  it("a privileged sidecar and a weakening runner field without their relaxations, next to a malformed deploymentName and replicas", () => {
    const paths = issuesOf(one({ deploymentName: "Bad_Name", replicas: -3, sidecars: [dind], containerSecurityContext: { readOnlyRootFilesystem: false } })).map((i) => i.path).sort();
    assert.deepEqual(paths, ["runners[0].containerSecurityContext.readOnlyRootFilesystem", "runners[0].deploymentName", "runners[0].replicas", "runners[0].sidecars[0].securityContext.privileged"]);
  });
  it("reported once when nothing else is wrong", () => {
    assert.deepEqual(issuesOf(one({ sidecars: [dind] })).map((i) => i.path), ["runners[0].sidecars[0].securityContext.privileged"]);
  });
  it("a malformed relax or security context is left to the schema's report, without a crash", () => {
    for (const bad of [{ relax: "x", sidecars: [dind] }, { sidecars: [{ ...dind, securityContext: null }], replicas: -1 }, { securityContext: [], containerSecurityContext: 5, replicas: -1 }]) {
      assert.ok(issuesOf(one(bad)).length > 0);
    }
  });
});
