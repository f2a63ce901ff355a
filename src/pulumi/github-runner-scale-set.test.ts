// Component tests: GitHubRunnerScaleSet under Pulumi mocks (types, names, parents, ordering, secret-ness).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, promiseOf, recordingMocks, type Registered } from "../../test/pulumi-mocks.ts";
import type { ArcScaleSetInput } from "../model/arc-scale-set.ts";

let registered: Registered[] = [];

before(async () => {
  ({ registered } = await recordingMocks("scale-set-test"));
});

const config: ArcScaleSetInput = { githubScope: "acme/app", credentials: { kind: "pat" }, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.1.0/24"] };

describe("GitHubRunnerScaleSet component", async () => {
  const { GitHubRunnerScaleSet, createGitHubRunners } = await import("./github-runner-scale-set.ts");

  it("registers every child under the component with stable names", async () => {
    registered.length = 0;
    const c = new GitHubRunnerScaleSet("runners", { config, githubToken: "ghp_CANARYcomponent000000000000" });
    const children = [...c.namespaces, c.credentialsSecret!, c.runtimeClass!, c.kataDeploy!, c.controller, c.scaleSet, ...c.networkPolicies];
    const urns = await Promise.all(children.map((r) => promiseOf(r.urn)));
    for (const urn of urns) assert.match(urn, /^urn:pulumi:test::scale-set-test::runner-fleet:kubernetes:GitHubRunnerScaleSet\$/);
    assert.deepEqual(urns.map((u) => u.split("::").at(-1)), [
      "arc-systems", "arc-runners", "arc-firecracker-github-config", "kata-fc", "kata-deploy", "arc", "arc-firecracker",
      "default-deny-all", "allow-dns-egress", "allow-https-egress-public",
    ]);
    assert.deepEqual(c.runsOn, ["arc-firecracker"]);
    assert.deepEqual(c.pools, [
      { name: "arc-firecracker", forge: "github", substrate: "arc-scale-set", labels: ["self-hosted", "linux", "arc-firecracker", "x64", "firecracker"], min: 0, max: 5, oneJob: true, isolation: "microvm" },
    ]);
  });

  it("passes the PAT only as a secret inside the Secret it owns, never in the chart values", async () => {
    registered.length = 0;
    const canary = "ghp_CANARYcomponent111111111111";
    const c = new GitHubRunnerScaleSet("secretness", { config, githubToken: canary });
    await promiseOf(c.scaleSet.urn);
    await promiseOf(c.credentialsSecret!.urn);
    const secret = registered.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    const envelope = secret.inputs["stringData"] as Record<string, unknown>;
    assert.ok(isSecretEnvelope(envelope), "stringData is registered as a secret");
    assert.equal(await promiseOf(pulumi.output(c.credentialsSecret!.stringData).apply((d) => d?.["github_token"])), canary);
    for (const r of registered.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) assert.ok(!JSON.stringify(r.inputs).includes(canary), r.name);
  });

  it("starts the scale set only after the fence: it depends on the policies, the RuntimeClass and the controller", async () => {
    const deps: Record<string, string[]> = {};
    const c = new GitHubRunnerScaleSet("ordering", { config, githubToken: "x" }, {
      transformations: [(a) => { deps[a.name] = ((a.opts.dependsOn ?? []) as pulumi.Resource[]).map((d) => (d as unknown as { __name?: string }).__name ?? "?"); return undefined; }],
    });
    await promiseOf(c.scaleSet.urn);
    assert.deepEqual(new Set(deps["arc-firecracker"]), new Set(["arc", "default-deny-all", "allow-dns-egress", "allow-https-egress-public", "kata-fc", "arc-firecracker-github-config"]));
  });

  it("an existing Secret is referenced: no Secret resource", async () => {
    registered.length = 0;
    const c = new GitHubRunnerScaleSet("existing", { config: { ...config, credentials: { kind: "existingSecret", secretName: "arc-app" } } });
    await promiseOf(c.scaleSet.urn);
    assert.equal(c.credentialsSecret, undefined);
    assert.equal(registered.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
  });

  it("a PAT scale set without the token is refused before anything registers, naming the key", () => {
    registered.length = 0;
    assert.throws(() => new GitHubRunnerScaleSet("no-token", { config }), /githubToken: is required for credentials\.kind pat\. Fix: run `pulumi config set --secret githubToken/);
    assert.equal(registered.length, 0);
  });

  it("createGitHubRunners takes the CIDRs from the cluster description", async () => {
    const c = createGitHubRunners({ podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12", nodeCidrs: ["192.168.10.0/24"] }, { githubScope: "acme", credentials: { kind: "pat" }, githubToken: "x" }, "convenience");
    await promiseOf(c.scaleSet.urn);
    assert.deepEqual([c.settings.podCidr, c.settings.serviceCidr, c.settings.nodeCidrs], ["10.244.0.0/16", "10.96.0.0/12", ["192.168.10.0/24"]]);
  });
});
