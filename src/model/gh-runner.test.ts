import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { GH_RUNNER_DEFAULTS } from "./defaults.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "codex", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over }) as GhRunnerFleetInput;

/** Resolves and returns the issues of the ConfigError it must throw. */
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

describe("gh-runner model: bad config is refused with key path and fix", () => {
  it("no runners", () => expectIssue(fleet({ runners: [] }), "runners", /no runners/, /add at least one runner/));
  it("runners missing entirely", () => expectIssue({ namespace: "ci", githubRepo: "acme/app" }, "runners", /required/, /set runners/));
  it("no namespace: there is no default, the error names the key and the fix", () => {
    const { namespace: _, ...noNamespace } = fleet();
    expectIssue(noNamespace, "namespace", /not set, and runner-fleet has no default namespace/, /set namespace to the existing namespace the runners run in/);
    // Reported with the other problems of the same input.
    const paths = issuesOf({ ...noNamespace, runners: [runner({ replicas: "two" })] }).map((i) => i.path).sort();
    assert.deepEqual(paths, ["namespace", "runners[0].replicas"]);
  });
  it("duplicate runner names", () =>
    expectIssue(fleet({ runners: [runner(), runner()] }), "runners[1].name", /already the name of runners\[0\]/, /unique name/));
  it("name that is not a DNS-1123 label", () =>
    expectIssue(fleet({ runners: [runner({ name: "Codex_Runner" })] }), "runners[0].name", /not a DNS-1123 label/, /lower-case letters/));
  it("name too long for <name>-gh-runner", () =>
    expectIssue(fleet({ runners: [runner({ name: "a".repeat(54) })] }), "runners[0].name", /at most 53/, /lower-case/));
  it("negative replicas", () => expectIssue(fleet({ runners: [runner({ replicas: -1 })] }), "runners[0].replicas", /not a whole number from 0 to 1000/, /set replicas to 0/));
  it("replicas beyond what a Deployment of runners should hold", () => expectIssue(fleet({ runners: [runner({ replicas: 1e9 })] }), "runners[0].replicas", /1000000000 is not a whole number from 0 to 1000/, /scale set/));
  it("cpu that is not a quantity, memory below zero", () => {
    const issues = issuesOf(fleet({ runners: [runner({ resources: { requests: { cpu: "two", memory: -0.5 }, limits: { cpu: "lots" } } })] }));
    const at = (p: string) => issues.find((i) => i.path === p);
    assert.match(at("runners[0].resources.requests.cpu")?.message ?? "", /not a Kubernetes quantity/);
    assert.match(at("runners[0].resources.requests.cpu")?.fix ?? "", /500m/);
    assert.match(at("runners[0].resources.limits.cpu")?.message ?? "", /not a Kubernetes quantity/);
    assert.match(at("runners[0].resources.requests.memory")?.message ?? "", /more than 0/);
  });
  it("a request above its limit", () => expectIssue(fleet({ runners: [runner({ resources: { requests: { memory: "8Gi" }, limits: { memory: "4Gi" } } })] }), "runners[0].resources.requests.memory", /more than runners\[0\]\.resources\.limits\.memory/, /requests\.memory <= limits\.memory/));
  it("tolerations Kubernetes refuses", () => {
    const issues = issuesOf(fleet({ runners: [runner({ tolerations: [{ key: "ci", operator: "Exists", value: "x" }, { key: "ci", operator: "Equal", value: "y", effect: "NoSchedule", tolerationSeconds: 30 }] })] }));
    assert.match(issues.find((i) => i.path === "runners[0].tolerations[0].value")?.fix ?? "", /operator: Equal/);
    assert.match(issues.find((i) => i.path === "runners[0].tolerations[1].tolerationSeconds")?.message ?? "", /only valid with effect: NoExecute/);
  });
  it("a node selector value that is not a label value", () => expectIssue(fleet({ runners: [runner({ nodeSelector: { "kubernetes.io/arch": "amd 64" } })] }), "runners[0].nodeSelector.kubernetes.io/arch", /not a valid label value/, /63/));
  it("fractional replicas", () => expectIssue(fleet({ runners: [runner({ replicas: 1.5 })] }), "runners[0].replicas", /1\.5 is not a whole number/, /set replicas/));
  it("replicas as a string", () => expectIssue(fleet({ runners: [runner({ replicas: "two" })] }), "runners[0].replicas", /must be a number/, /type number/));
  it("image without tag", () => expectIssue(fleet({ runners: [runner({ image: "ghcr.io/acme/runner" })] }), "runners[0].image", /no tag or digest/, /pin the image/));
  it("image with :latest", () => expectIssue(fleet({ runners: [runner({ image: "ghcr.io/acme/runner:latest" })] }), "runners[0].image", /floating tag latest/, /pin the image/));
  it("image pinned by digest is accepted", () => {
    const r = resolveGhRunnerFleet(fleet({ runners: [runner({ image: `ghcr.io/acme/runner@sha256:${"a".repeat(64)}` })] }));
    assert.equal(r.runners[0]!.image, `ghcr.io/acme/runner@sha256:${"a".repeat(64)}`);
  });
  it("label containing a comma", () => expectIssue(fleet({ runners: [runner({ labels: ["a,b"] })] }), "runners[0].labels[0]", /comma or whitespace/, /own list item/));
  it("label containing whitespace", () => expectIssue(fleet({ runners: [runner({ labels: ["ok", "two words"] })] }), "runners[0].labels[1]", /comma or whitespace/, /own list item/));
  it("duplicated label", () => expectIssue(fleet({ runners: [runner({ labels: ["gpu", "gpu"] })] }), "runners[0].labels[1]", /listed twice/, /once/));
  it("relative mount path", () =>
    expectIssue(fleet({ runners: [runner({ volumes: [{ claimName: "home", mountPath: "home/runner" }] })] }), "runners[0].volumes[0].mountPath", /not an absolute path/, /from the container root/));
  it("duplicated mount path", () =>
    expectIssue(
      fleet({ runners: [runner({ volumes: [{ claimName: "a", mountPath: "/data" }, { claimName: "b", mountPath: "/data/" }] })] }),
      "runners[0].volumes[1].mountPath",
      /already used by runners\[0\]\.volumes\[0\]\.mountPath/,
      /its own path/,
    ));
  it("mount path that collides with the work directory", () =>
    expectIssue(fleet({ runners: [runner({ volumes: [{ claimName: "a", mountPath: "/home/runner/_work" }] })] }), "runners[0].workDir", /already used by runners\[0\]\.volumes\[0\]/, /its own path/));
  it("invalid TOML in codexConfig", () =>
    expectIssue(fleet({ codexConfig: { enabled: true, configToml: 'model = "x"\n[broken' } }), "codexConfig.configToml", /not valid TOML .*line 2/, /correct the TOML/));
  it("codexConfig enabled without TOML", () => expectIssue(fleet({ codexConfig: { enabled: true } }), "codexConfig.configToml", /empty/, /enabled: false/));
  it("config file mount of a disabled codexConfig", () =>
    expectIssue(
      fleet({ codexConfig: { enabled: false }, runners: [runner({ configFiles: [{ configMap: "codex-config", key: "config.toml", mountPath: "/home/runner/.codex/config.toml" }] })] }),
      "runners[0].configFiles[0].configMap",
      /codexConfig is missing or disabled/,
      /enabled: true/,
    ));
  it("literal token where a secret reference is required", () => {
    const issues = issuesOf(fleet({ runners: [runner({ env: [{ name: "GITHUB_TOKEN", value: "ghp_CANARY0123456789" }] })] }));
    const issue = issues.find((i) => i.path === "runners[0].env[0].value");
    assert.ok(issue, JSON.stringify(issues));
    assert.match(issue.message, /literal value for GITHUB_TOKEN/);
    assert.match(issue.fix, /secretKeyRef/);
    assert.ok(!JSON.stringify(issues).includes("CANARY"), "the literal value must never be quoted");
  });
  it("a literal token under an innocent-looking name, recognised by its shape and never quoted", () => {
    const issues = issuesOf(fleet({ runners: [runner({ env: [{ name: "RUNNER_REG", value: `ghp_${"CANARY".repeat(6)}` }] })] }));
    const issue = issues.find((i) => i.path === "runners[0].env[0].value");
    assert.ok(issue, JSON.stringify(issues));
    assert.match(issue.message, /literal credential \(it has the shape of a GitHub token/);
    assert.match(issue.fix, /secretKeyRef/);
    assert.ok(!JSON.stringify(issues).includes("CANARY"));
  });
  it("env with both value and secretKeyRef", () =>
    expectIssue(fleet({ runners: [runner({ env: [{ name: "X", value: "1", secretKeyRef: { name: "s", key: "k" } }] })] }), "runners[0].env[0]", /exactly one of value, secretKeyRef/, /secretKeyRef/));
  it("env that runner-fleet derives itself", () =>
    expectIssue(fleet({ runners: [runner({ env: [{ name: "ACTIONS_RUNNER_INPUT_LABELS", value: "x" }] })] }), "runners[0].env[0].name", /set by runner-fleet from labels/, /set labels instead/));
  it("unknown keys at every level", () => {
    const issues = issuesOf(fleet({ namespce: "x", runners: [runner({ replica: 2, securityContext: { runAsUser: 1001, zzz: 1 } })] }));
    const paths = issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ["namespce", "runners[0].replica", "runners[0].securityContext.zzz"]);
    for (const i of issues) assert.match(i.message, /not a known key \(known keys: /);
    assert.deepEqual(issues.map((i) => i.fix).sort(), ["did you mean namespace? Rename it", "did you mean replicas? Rename it", "remove it, or correct its spelling"]);
  });
  it("githubRepo that is not owner/repo", () => expectIssue(fleet({ githubRepo: "https://github.com/acme/app" }), "githubRepo", /not "owner\/repo"/, /githubRepo/));
  it("githubUrl that is not a URL", () => expectIssue(fleet({ githubUrl: "ghes.example.com" }), "githubUrl", /not an https URL/, /Enterprise Server/));
  it("an http scheme in capitals or a URL with a leading space", () => {
    expectIssue(fleet({ githubUrl: "HTTP://ghes.example.com" }), "githubUrl", /plain http/, /allowInsecureHttp: true/);
    expectIssue(fleet({ githubUrl: " http://ghes.example.com" }), "githubUrl", /not an https URL/, /Enterprise Server/);
  });
  it("a label with a control character", () => expectIssue(fleet({ runners: [runner({ labels: ["co\u0007dex"] })] }), "runners[0].labels[0]", /control character/, /own list item/));
  it("plain-http githubUrl without the named opt-in", () => {
    expectIssue(fleet({ githubUrl: "http://ghes.example.com" }), "githubUrl", /plain http/, /allowInsecureHttp: true/);
    assert.equal(resolveGhRunnerFleet(fleet({ githubUrl: "http://ghes.example.com", allowInsecureHttp: true })).registrationUrl, "http://ghes.example.com/acme/app");
  });
  it("reports every problem at once", () => {
    const issues = issuesOf({ namespace: "ci", githubRepo: "acme/app", runners: [runner({ name: "Bad", replicas: -2, image: "x:latest" }), runner({ labels: ["a b"] })] });
    assert.deepEqual(issues.map((i) => i.path).sort(), ["runners[0].image", "runners[0].name", "runners[0].replicas", "runners[1].labels[0]"]);
  });
  it("the error message lists each issue with its path and fix", () => {
    assert.throws(() => resolveGhRunnerFleet(fleet({ runners: [runner({ replicas: -1 })] })), (e: Error) => {
      assert.match(e.message, /runners\[0\]\.replicas: -1 is not a whole number from 0 to 1000\. Fix: set replicas to 0/);
      return true;
    });
  });
});

describe("gh-runner model: defaults", () => {
  const resolved = resolveGhRunnerFleet(fleet()).runners[0]!;
  it("apply the documented defaults", () => {
    assert.equal(resolved.replicas, GH_RUNNER_DEFAULTS.replicas);
    assert.deepEqual(resolved.labels, []);
    assert.equal(resolved.ephemeral, false);
    assert.equal(resolved.replace, true);
    assert.equal(resolved.disableUpdates, true);
    assert.equal(resolved.workDir, "/home/runner/_work");
    assert.equal(resolved.imagePullPolicy, "IfNotPresent");
    assert.deepEqual([resolved.runAsUser, resolved.runAsGroup, resolved.fsGroup], [1000, 1000, 1000]);
    assert.deepEqual(resolved.scratch.map((s) => s.mountPath), ["/tmp", "/home/runner/_work"]);
    assert.deepEqual(resolved.relax, { writableRootFilesystem: false, allowPrivilegeEscalation: false, addCapabilities: [], unconfinedSeccomp: false, securityAsWritten: false, privileged: false, hostPath: false, unpinnedImages: false });
    assert.equal(resolveGhRunnerFleet(fleet()).namespace, "ci");
    assert.equal(resolveGhRunnerFleet(fleet()).registrationUrl, "https://github.com/acme/app");
  });
  it("every @default in the runner schema's docs is the value resolution applies", () => {
    // The GitHub runner's own keys, then the pod keys every forge shares.
    const source = readFileSync(new URL("./gh-runner.ts", import.meta.url), "utf8");
    const shared = readFileSync(new URL("./kubernetes-runner.ts", import.meta.url), "utf8");
    const runnerBlock = source.slice(source.indexOf("export const runnerSchema"), source.indexOf("export type RunnerInput")) + shared.slice(shared.indexOf("export const runnerPodShape"), shared.indexOf("export interface ParsedRunnerPod"));
    const documented = [...runnerBlock.matchAll(/@default (.+?) \*\/\n\s+(\w+):/g)].map((m) => [m[2]!, JSON.parse(m[1]!)] as const);
    assert.ok(documented.length >= 7, `found only ${documented.length} documented defaults`);
    const actual: Record<string, unknown> = { ...resolved, writablePaths: resolved.scratch.filter((s) => s.volumeName !== "work").map((s) => s.mountPath) };
    for (const [key, value] of documented) assert.deepEqual(actual[key], value, `documented default of ${key}`);
  });
  it("GitHub Enterprise Server URL and organisation scope", () => {
    const r = resolveGhRunnerFleet(fleet({ githubUrl: "https://ghes.example.com/", githubRepo: "acme" }));
    assert.equal(r.registrationUrl, "https://ghes.example.com/acme");
  });
});
