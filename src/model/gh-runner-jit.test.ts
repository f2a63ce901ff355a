import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { GH_RUNNER_JIT_DEFAULTS } from "./gh-runner-jit.ts";
import { kubernetesRunnerPools, resolveKubernetesFleet } from "./kubernetes-fleet.ts";

const jit = (over: Record<string, unknown> = {}) => ({ secretName: "github-runner-app", auth: "app", ...over });
const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/actions/actions-runner:2.329.0", registration: "jit", labels: ["fenced"], jit: jit(), ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over }) as GhRunnerFleetInput;
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

describe("gh-runner model: registration: jit", () => {
  it("resolves a GitHub App runner: defaults, scope, labels as guard sees them, ephemeral", () => {
    const r = resolveGhRunnerFleet(fleet()).runners[0]!;
    assert.equal(r.registration, "jit");
    assert.equal(r.ephemeral, true);
    assert.deepEqual(r.jit, {
      secretName: "github-runner-app",
      auth: "app",
      keys: { appId: "github_app_id", installationId: "github_app_installation_id", privateKey: "github_app_private_key" },
      runnerGroupId: GH_RUNNER_JIT_DEFAULTS.runnerGroupId,
      runScript: "/home/runner/run.sh",
      image: GH_RUNNER_JIT_DEFAULTS.image,
      apiUrl: "https://api.github.com",
      runnersPath: "/repos/acme/app/actions/runners",
      labels: ["self-hosted", "linux", "x64", "fenced"],
      workFolder: "_work",
      tokenRequest: { repositories: ["app"], permissions: { administration: "write" } },
    });
  });

  it("the labels a JIT runner registers with are the labels its pool offers", () => {
    const f = resolveKubernetesFleet(fleet({ runners: [runner({ nodeSelector: { "kubernetes.io/arch": "arm64" } })] }));
    const [pool] = kubernetesRunnerPools(f);
    assert.ok(f.forge === "github");
    assert.deepEqual(f.runners[0]!.jit!.labels, pool!.labels);
    assert.deepEqual(pool!.labels, ["self-hosted", "linux", "arm64", "fenced"]);
    assert.equal(pool!.oneJob, true);
  });

  it("organisation and enterprise scopes on GitHub Enterprise Server; a token with written keys", () => {
    const org = resolveGhRunnerFleet(fleet({ githubRepo: "acme", githubUrl: "https://ghes.example.com/" })).runners[0]!.jit!;
    assert.equal(org.apiUrl, "https://ghes.example.com/api/v3");
    assert.equal(org.runnersPath, "/orgs/acme/actions/runners");
    assert.deepEqual(org.tokenRequest, { permissions: { organization_self_hosted_runners: "write" } });
    const ent = resolveGhRunnerFleet(fleet({ githubRepo: "enterprises/big-co", runners: [runner({ jit: jit({ auth: "token", keys: { token: "pat" }, runnerGroupId: 7 }) })] })).runners[0]!.jit!;
    assert.equal(ent.runnersPath, "/enterprises/big-co/actions/runners");
    assert.deepEqual(ent.keys, { token: "pat" });
    assert.equal(ent.runnerGroupId, 7);
    assert.equal(ent.tokenRequest, undefined);
  });

  it("a work directory outside the runner's install directory is sent as an absolute path", () => {
    assert.equal(resolveGhRunnerFleet(fleet({ runners: [runner({ workDir: "/work" })] })).runners[0]!.jit!.workFolder, "/work");
    assert.equal(resolveGhRunnerFleet(fleet({ runners: [runner({ workDir: "/home/runner/w/x" })] })).runners[0]!.jit!.workFolder, "w/x");
  });

  it("the other modes keep working: actions-runner-input needs no jit, image neither", () => {
    const f = resolveGhRunnerFleet(fleet({ runners: [{ name: "a", image: "ghcr.io/acme/r:1.0.0" }, { name: "b", image: "ghcr.io/acme/r:1.0.0", registration: "image" }] }));
    assert.deepEqual(f.runners.map((r) => [r.registration, r.jit]), [["actions-runner-input", undefined], ["image", undefined]]);
  });
});

describe("gh-runner model: registration: jit, bad config is refused with key path and fix", () => {
  it("no jit settings", () => expectIssue(fleet({ runners: [runner({ jit: undefined })] }), "runners[0].jit", /registration: jit needs the Secret/, /secretName: <existing Secret>, auth: app/));
  it("no scope", () => expectIssue(fleet({ githubRepo: undefined }), "githubRepo", /registers just in time/, /organisation \("my-org"\).*enterprise/));
  it("a scope that is not one", () => expectIssue(fleet({ githubRepo: "a/b/c" }), "githubRepo", /not "owner\/repo"|neither/, /githubRepo|organisation/));
  it("an auth kind that is neither", () => expectIssue(fleet({ runners: [runner({ jit: jit({ auth: "password" }) })] }), "runners[0].jit.auth", /"app".*"token"/, /.+/));
  it("a missing Secret name", () => expectIssue(fleet({ runners: [runner({ jit: { auth: "token" } })] }), "runners[0].jit.secretName", /.+/, /.+/));
  it("a key of the other auth kind", () => expectIssue(fleet({ runners: [runner({ jit: jit({ keys: { token: "t" } }) })] }), "runners[0].jit.keys.token", /not read with auth: app/, /appId, installationId, privateKey/));
  it("a Secret key that is not one", () => expectIssue(fleet({ runners: [runner({ jit: jit({ keys: { appId: "app id" } }) })] }), "runners[0].jit.keys.appId", /Secret data key/, /.+/));
  it("a runner group id that is not a whole positive number", () => {
    expectIssue(fleet({ runners: [runner({ jit: jit({ runnerGroupId: 0 }) })] }), "runners[0].jit.runnerGroupId", /1 or more/, /.+/);
    expectIssue(fleet({ runners: [runner({ jit: jit({ runnerGroupId: 1.5 }) })] }), "runners[0].jit.runnerGroupId", /whole number/, /.+/);
  });
  it("a GitHub App for an enterprise", () => expectIssue(fleet({ githubRepo: "enterprises/big-co" }), "runners[0].jit.auth", /cannot manage an enterprise's runners/, /auth: token.*manage_runners:enterprise/));
  it("an unpinned minter image", () => expectIssue(fleet({ runners: [runner({ jit: jit({ image: "alpine" }) })] }), "runners[0].jit.image", /no tag or digest/, /pin the image/));
  it("secret files whose read-only directory holds the JIT mounts, or lies inside them", () => {
    expectIssue(fleet({ runners: [runner({ secretFiles: [{ secret: "openai", key: "api-key", path: "/run/api-key" }] })] }), "runners[0].secretFiles[0].path", /mounted read-only, and registration: jit mounts \/run\/runner-fleet inside it/, /another directory/);
    expectIssue(fleet({ runners: [runner({ secretFiles: [{ secret: "openai", key: "api-key", path: "/run/runner-fleet/api-key" }] })] }), "runners[0].secretFiles[0].path", /overlaps \/run\/runner-fleet/, /mount it elsewhere/);
  });
  it("settings that do nothing under jit", () => {
    expectIssue(fleet({ runners: [runner({ runnerGroup: "trusted" })] }), "runners[0].runnerGroup", /no effect with registration: jit/, /jit\.runnerGroupId/);
    expectIssue(fleet({ runners: [runner({ replace: true })] }), "runners[0].replace", /no effect/, /new name/);
    expectIssue(fleet({ runners: [runner({ command: ["/bin/sh"] })] }), "runners[0].command", /no effect/, /jit\.runScript/);
    expectIssue(fleet({ runners: [runner({ ephemeral: false })] }), "runners[0].ephemeral", /exactly one job/, /actions-runner-input/);
  });
  it("jit settings under another mode", () => expectIssue(fleet({ runners: [runner({ registration: "image" })] }), "runners[0].jit", /no effect with registration: image/, /registration: jit/));
  it("a variable that would register the runner besides its configuration", () =>
    expectIssue(fleet({ runners: [runner({ env: [{ name: "ACTIONS_RUNNER_INPUT_TOKEN", secretKeyRef: { name: "s", key: "k" } }] })] }), "runners[0].env[0].name", /besides its JIT configuration/, /JIT configuration carries/));
  it("names and paths runner-fleet adds to the pod", () => {
    expectIssue(fleet({ runners: [runner({ extraVolumes: [{ name: "jit", emptyDir: {} }] })] }), "runners[0].extraVolumes[0].name", /registration: jit adds/, /another name/);
    expectIssue(fleet({ runners: [runner({ sidecars: [{ name: "jit-minter", image: "busybox:1.37.0" }] })] }), "runners[0].sidecars[0].name", /mints the runner's JIT configurations/, /another name/);
    expectIssue(fleet({ runners: [runner({ writablePaths: ["/tmp", "/run/runner-fleet/x"] })] }), "runners[0].writablePaths", /overlaps \/run\/runner-fleet/, /mount it elsewhere/);
    expectIssue(fleet({ runners: [runner()], configMaps: [{ name: "github-jit-gh-runner", data: { a: "b" } }] }), "configMaps[0].name", /scripts of the JIT runners/, /another name/);
  });
  it("too many labels for a JIT configuration", () =>
    expectIssue(fleet({ runners: [runner({ labels: Array.from({ length: 99 }, (_, i) => `l${i}`) })] }), "runners[0].labels", /102 labels, more than the 100/, /at most 97 labels/));
  it("every problem at once", () => {
    const issues = issuesOf(fleet({ githubRepo: undefined, runners: [runner({ jit: jit({ keys: { token: "t" } }), replace: false })] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["githubRepo", "runners[0].jit.keys.token", "runners[0].replace"]);
  });
});

describe("registration: jit reports every problem in one run", () => {
  it("settings jit ignores and keys of the other auth are reported alongside a schema problem elsewhere", () => {
    const paths = issuesOf(fleet({ runners: [runner({ runnerGroup: "foo", ephemeral: false, jit: { auth: "token", keys: { appId: "x" }, runnerGroupId: 0 } })] })).map((i) => i.path).sort();
    for (const p of ["runners[0].runnerGroup", "runners[0].ephemeral", "runners[0].jit.keys.appId", "runners[0].jit.runnerGroupId", "runners[0].jit.secretName"]) assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
  });
});
