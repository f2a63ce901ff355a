import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveForgejoK8sFleet } from "./forgejo-k8s.ts";
import { FORGEJO_K8S_DEFAULTS, GH_RUNNER_DEFAULTS } from "./defaults.ts";
import { kubernetesRunnerPools, resolveKubernetesFleet } from "./kubernetes-fleet.ts";
import { runsOnLabels } from "./forge.ts";
import { arcRunnerPools, resolveArcScaleSet } from "./arc-scale-set.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", ...over });
const fleet = (over: Record<string, unknown> = {}) => ({ forge: "forgejo", namespace: "forgejo-runners", forgejoUrl: "https://code.example.com", runners: [runner()], ...over });
const { issuesOf, expectIssue } = configIssueChecks(resolveForgejoK8sFleet, "configuration");

describe("Forgejo runners on Kubernetes: bad config is refused with key path and fix", () => {
  it("a docker:// label without the named relaxation", () =>
    expectIssue(fleet({ runners: [runner({ labels: ["node:docker://node:22.12.0-bookworm"] })] }), "runners[0].labels[0]", /Pod Security restricted pod cannot host/, /"node:host".*runners\[0\]\.relax\.dockerHost/));
  it("a docker:// label with an unpinned image", () =>
    expectIssue(fleet({ runners: [runner({ labels: ["node:docker://node"] })] }), "runners[0].labels[0]", /no tag or digest/, /pinned by tag or digest/));
  it("a label in GitHub form", () => expectIssue(fleet({ runners: [runner({ labels: ["self-hosted"] })] }), "runners[0].labels[0]", /has no execution kind/, /"<name>:host"/));
  it("a label name listed twice", () => expectIssue(fleet({ runners: [runner({ labels: ["k8s:host", "k8s:host"] })] }), "runners[0].labels[1]", /listed twice \(as runners\[0\]\.labels\[0\]\)/, /once/));
  it("no labels at all", () => expectIssue(fleet({ runners: [runner({ labels: [] })] }), "runners[0].labels", /no job can select this runner/, /k8s:host/));
  it("a dockerHost that is a socket", () =>
    expectIssue(fleet({ runners: [runner({ labels: ["n:docker://node:22.12.0"], relax: { dockerHost: "unix:///var/run/docker.sock" } })] }), "runners[0].relax.dockerHost", /not a tcp:\/\/host:port/, /hostPath/));
  it("plain http to another host without the opt-in", () => expectIssue(fleet({ forgejoUrl: "http://forgejo.lan" }), "forgejoUrl", /plain http/, /allowInsecureHttp: true/));
  it("a forgejoUrl that is no URL", () => expectIssue(fleet({ forgejoUrl: "code.example.com" }), "forgejoUrl", /is not a URL/, /https base URL/));
  it("capacity out of bounds", () => expectIssue(fleet({ runners: [runner({ capacity: 65 })] }), "runners[0].capacity", /more than the maximum of 64/, /raise replicas/));
  it("a name too long for <name>-forgejo-runner", () => expectIssue(fleet({ runners: [runner({ name: "a".repeat(49) })] }), "runners[0].name", /at most 48/, /lower-case/));
  it("a writable path on the data directory", () => expectIssue(fleet({ runners: [runner({ writablePaths: ["/tmp", "/data"] })] }), "runners[0].writablePaths[1]", /already used by the runner's data directory \/data/, /its own path/));
  it("DOCKER_HOST in the runner's environment", () => expectIssue(fleet({ runners: [runner({ env: [{ name: "DOCKER_HOST", value: "tcp://x:2375" }] })] }), "runners[0].env[0].name", /set by runner-fleet from relax\.dockerHost/, /set relax\.dockerHost instead/));
  it("config files, which a Forgejo fleet has no payloads for", () => expectIssue(fleet({ runners: [runner({ configFiles: [] })] }), "runners[0].configFiles", /not a known key/, /remove it/));
  it("a forgeCidrs entry that is no CIDR block", () => expectIssue(fleet({ forgeCidrs: ["192.168.1.10"] }), "forgeCidrs[0]", /is not a CIDR block/, /address and a prefix length/));
  it("a forgeCidrs entry with host bits", () => expectIssue(fleet({ forgeCidrs: ["192.168.1.10/24"] }), "forgeCidrs[0]", /host bits set/, /"192\.168\.1\.0\/24"/));
  it("a registration Secret key that is not a data key", () => expectIssue(fleet({ registrationSecret: { name: "tokens", key: "a b" } }), "registrationSecret.key", /Secret data key/, /registrationSecret\.key/));
  it("duplicate runner names, with every other problem at once", () => {
    const issues = issuesOf(fleet({ forgejoUrl: "ftp://x", runners: [runner(), runner({ image: "x:latest", labels: ["n:docker://node:22.12.0"] })] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["forgejoUrl", "runners[1].image", "runners[1].labels[0]", "runners[1].name"]);
    assert.match(issues.find((i) => i.path === "runners[1].name")!.fix, /unique name/);
  });
});

describe("Forgejo runners on Kubernetes: the fence lets the runners reach their forge", () => {
  const egress = (over: Record<string, unknown>) => resolveForgejoK8sFleet(fleet(over)).forgeEgress;
  it("a forge at a public name on port 443 needs nothing beyond public HTTPS", () => assert.equal(egress({}), undefined));
  it("a forge given by address: that address on the URL's port", () => {
    assert.deepEqual(egress({ forgejoUrl: "https://192.168.1.10:3000" }), { port: 3000, cidrs: ["192.168.1.10/32"] });
    assert.deepEqual(egress({ forgejoUrl: "http://[fd00::10]", allowInsecureHttp: true }), { port: 80, cidrs: ["fd00::10/128"] });
  });
  it("a forge by name on a private network: the blocks of forgeCidrs on its port", () => assert.deepEqual(egress({ forgejoUrl: "https://forgejo.lan", forgeCidrs: ["10.0.5.0/24"] }), { port: 443, cidrs: ["10.0.5.0/24"] }));
  it("a forge by public name on another port: public addresses on that port", () => assert.deepEqual(egress({ forgejoUrl: "https://code.example.com:3000" }), { port: 3000 }));
});

describe("Forgejo runners on Kubernetes: defaults and pools", () => {
  const resolved = resolveForgejoK8sFleet(fleet());
  const r = resolved.runners[0]!;
  it("apply the defaults constant", () => {
    assert.equal(resolved.namespace, "forgejo-runners");
    assert.deepEqual(resolved.registrationSecret, FORGEJO_K8S_DEFAULTS.registrationSecret);
    assert.equal(resolved.networkPolicies, true);
    assert.equal(r.image, FORGEJO_K8S_DEFAULTS.image);
    assert.deepEqual(r.labels, FORGEJO_K8S_DEFAULTS.labels);
    assert.equal(r.capacity, 1);
    assert.deepEqual(r.scratch.map((s) => s.mountPath), ["/tmp", "/data"]);
    assert.deepEqual([r.runAsUser, r.runAsGroup, r.fsGroup], [1000, 1000, 1000]);
    assert.equal(r.configMapName, "build-forgejo-runner-config");
  });
  it("loopback http needs no opt-in; a trailing slash is dropped", () => {
    assert.equal(resolveForgejoK8sFleet(fleet({ forgejoUrl: "http://127.0.0.1:3000/" })).instanceUrl, "http://127.0.0.1:3000");
  });
  it("resolveKubernetesFleet dispatches on forge, GitHub when unset", () => {
    assert.equal(resolveKubernetesFleet(fleet()).forge, "forgejo");
    const gh = resolveKubernetesFleet({ namespace: "ci", githubRepo: "acme/app", runners: [{ name: "codex", image: "ghcr.io/acme/runner:2.329.0", labels: ["codex"], ephemeral: true }] });
    assert.equal(gh.forge, "github");
    assert.equal(gh.networkPolicies, GH_RUNNER_DEFAULTS.networkPolicies);
    assert.deepEqual(kubernetesRunnerPools(gh), [
      { name: "codex-gh-runner", forge: "github", substrate: "kubernetes-deployment", labels: ["self-hosted", "linux", "x64", "codex"], min: 1, max: 1, oneJob: true, isolation: "container", registration: { url: "https://github.com/acme/app" } },
    ]);
  });
  it("Forgejo pools carry the label names runs-on matches, min = max = replicas", () => {
    const f = resolveForgejoK8sFleet(fleet({ runners: [runner({ labels: ["a:host", "b:docker://node:22.12.0"], replicas: 3, relax: { dockerHost: "tcp://docker:2376" } })] }));
    assert.deepEqual(kubernetesRunnerPools(f), [{ name: "build-forgejo-runner", forge: "forgejo", substrate: "kubernetes-deployment", labels: ["a", "b"], min: 3, max: 3, oneJob: false, isolation: "container", registration: { url: "https://code.example.com" } }]);
  });
  it("a Forgejo pool's slots are replicas times capacity (each runner takes capacity jobs at once)", () => {
    const f = resolveForgejoK8sFleet(fleet({ runners: [runner({ labels: ["a:host"], replicas: 2, capacity: 4 })] }));
    assert.deepEqual(kubernetesRunnerPools(f).map((p) => [p.min, p.max]), [[8, 8]]);
  });
  it("pool labels are listed once, as the forge compares them", () => {
    assert.deepEqual(runsOnLabels("github", ["Linux", "gpu"]), ["self-hosted", "linux", "gpu"]);
    assert.deepEqual(runsOnLabels("github", ["gpu"], ["arm64"]), ["self-hosted", "linux", "arm64", "gpu"]);
    assert.deepEqual(runsOnLabels("forgejo", ["k8s:host", "k8s:docker://node:22.12.0"]), ["k8s"]);
  });
  it("an ARC scale set is one pool of one-job runners, from minRunners to maxRunners, in microVMs with Firecracker", () => {
    const arc = resolveArcScaleSet({ githubScope: "acme", credentials: { kind: "pat" }, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"], minRunners: 1, maxRunners: 4 });
    assert.deepEqual(arcRunnerPools(arc), [
      { name: "arc-firecracker", forge: "github", substrate: "arc-scale-set", labels: ["self-hosted", "linux", "arc-firecracker", "x64", "firecracker"], min: 1, max: 4, oneJob: true, isolation: "microvm", registration: { url: "https://github.com/acme" } },
    ]);
    assert.equal(arcRunnerPools({ ...arc, useFirecracker: false })[0]!.isolation, "container");
  });
});

describe("a Kubernetes fleet is validated once", () => {
  it("a fleet resolveKubernetesFleet returned is taken back as it is; a copy of it is validated again", () => {
    const resolved = resolveKubernetesFleet({ namespace: "ci", githubRepo: "o/r", runners: [{ name: "a", image: "ghcr.io/actions/actions-runner:2.329.0", labels: ["x"] }] });
    assert.equal(resolveKubernetesFleet(resolved), resolved);
    // A look-alike object was never validated: it is read as input (where the resolved shape is not valid).
    assert.throws(() => resolveKubernetesFleet({ ...resolved }), /gh-runner fleet configuration/);
  });
});
