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
/** The config in namespaces of its own: every scale set with its own controller claims its namespaces' names in the program. */
const own = (tag: string): ArcScaleSetInput => ({ ...config, controllerNamespace: `${tag}-systems`, runnerNamespace: `${tag}-runners` });

describe("GitHubRunnerScaleSet component", async () => {
  const { GitHubRunnerScaleSet, createGitHubRunners } = await import("./github-runner-scale-set.ts");

  it("registers every child under the component, named after it; without a controller it declares its own", async () => {
    registered.length = 0;
    const c = new GitHubRunnerScaleSet("runners", { config, githubToken: "ghp_CANARYcomponent000000000000" });
    const own = [c.credentialsSecret!, c.scaleSet];
    const arc = [...c.arc.namespaces, c.arc.runtimeClass!, c.arc.kataDeploy!, c.arc.controller, ...c.arc.networkPolicies, ...c.arc.monitors];
    const urns = await Promise.all(own.map((r) => promiseOf(r.urn)));
    for (const urn of urns) assert.match(urn, /^urn:pulumi:test::scale-set-test::runner-fleet:kubernetes:GitHubRunnerScaleSet\$/);
    assert.deepEqual(urns.map((u) => u.split("::").at(-1)), ["runners-github-config", "runners-scale-set"]);
    const arcUrns = await Promise.all(arc.map((r) => promiseOf(r.urn)));
    for (const urn of arcUrns) assert.match(urn, /::(runner-fleet:kubernetes:GitHubRunnerScaleSet\$)?runner-fleet:kubernetes:ArcController\$/);
    assert.deepEqual(arcUrns.map((u) => u.split("::").at(-1)), [
      "runners-controller-arc-systems", "runners-controller-arc-runners", "runners-controller-kata-fc", "runners-controller-kata-deploy", "runners-controller-controller",
      "runners-controller-arc-runners-default-deny-all", "runners-controller-arc-runners-allow-dns-egress", "runners-controller-arc-runners-allow-https-egress-public",
      "runners-controller-arc-systems-allow-metrics-scrape", "runners-controller-arc-metrics",
    ]);
    assert.deepEqual(c.runsOn, ["arc-firecracker"]);
    assert.deepEqual(c.pools, [
      { name: "arc-firecracker", forge: "github", substrate: "arc-scale-set", labels: ["self-hosted", "linux", "arc-firecracker", "x64", "firecracker"], min: 0, max: 5, oneJob: true, isolation: "microvm", registration: { url: "https://github.com/acme/app" } },
    ]);
  });

  it("passes the PAT only as a secret inside the Secret it owns, never in the chart values", async () => {
    registered.length = 0;
    const canary = "ghp_CANARYcomponent111111111111";
    const c = new GitHubRunnerScaleSet("secretness", { config: own("secretness"), githubToken: canary });
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
    const c = new GitHubRunnerScaleSet("ordering", { config: own("ordering"), githubToken: "x" }, {
      transformations: [(a) => { deps[a.name] = ((a.opts.dependsOn ?? []) as pulumi.Resource[]).map((d) => (d as unknown as { __name?: string }).__name ?? "?"); return undefined; }],
    });
    await promiseOf(c.scaleSet.urn);
    assert.deepEqual(new Set(deps["ordering-scale-set"]), new Set([
      "ordering-controller-ordering-runners", "ordering-controller-controller", "ordering-controller-ordering-runners-default-deny-all", "ordering-controller-ordering-runners-allow-dns-egress",
      "ordering-controller-ordering-runners-allow-https-egress-public", "ordering-controller-kata-fc", "ordering-github-config",
    ]));
  });

  it("an existing Secret is referenced: no Secret resource", async () => {
    registered.length = 0;
    const c = new GitHubRunnerScaleSet("existing", { config: { ...own("existing"), credentials: { kind: "existingSecret", secretName: "arc-app" } } });
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
    const c = createGitHubRunners({ podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12", nodeCidrs: ["192.168.10.0/24"] }, { githubScope: "acme", credentials: { kind: "pat" }, controllerNamespace: "conv-systems", runnerNamespace: "conv-runners", githubToken: "x" }, "convenience");
    await promiseOf(c.scaleSet.urn);
    assert.deepEqual([c.settings.podCidr, c.settings.serviceCidr, c.settings.nodeCidrs], ["10.244.0.0/16", "10.96.0.0/12", ["192.168.10.0/24"]]);
  });
});

describe("one ArcController, several GitHubRunnerScaleSets", async () => {
  const { GitHubRunnerScaleSet } = await import("./github-runner-scale-set.ts");
  const { ArcController } = await import("./arc-controller.ts");
  const { resolveArcFleet } = await import("../model/arc-fleet.ts");
  const { ConfigError } = await import("../model/issues.ts");
  const fleetInput = {
    ...config,
    controllerNamespace: "fleet-systems",
    runnerNamespace: "fleet-runners",
    scaleSets: [
      { scaleSetName: "fc-untrusted", runnerLabels: ["fc-untrusted"] },
      { scaleSetName: "dind-trusted", trust: "trusted", useFirecracker: false, containerMode: { type: "dind" }, runnerNamespace: "arc-trusted", runnerLabels: ["dind-trusted"] },
    ],
  };

  it("two scale sets register unique URNs and unique Kubernetes names under one controller", async () => {
    registered.length = 0;
    const fleet = resolveArcFleet(fleetInput);
    const arc = new ArcController("fleet-arc", { settings: fleet.controller });
    const sets = fleet.scaleSets.map((settings) => new GitHubRunnerScaleSet(settings.scaleSetName, { settings, controller: arc, githubToken: "x" }));
    await Promise.all(sets.map((s) => promiseOf(s.scaleSet.urn)));
    // A URN is the parent types, the type and the name: (type, name) unique means every URN is.
    const urns = registered.map((r) => `${r.type}::${r.name}`);
    assert.equal(new Set(urns).size, urns.length, `a URN is registered twice: ${urns.join(", ")}`);
    assert.equal(registered.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs["chart"]).endsWith("-controller")).length, 1, "one controller");
    const k8sNames = registered
      .filter((r) => typeof r.inputs["kind"] === "string" || r.type === "kubernetes:helm.sh/v3:Release")
      .map((r) => `${r.type}|${JSON.stringify((r.inputs["metadata"] as { namespace?: string })?.namespace ?? r.inputs["namespace"] ?? "")}|${String((r.inputs["metadata"] as { name?: string })?.name ?? r.inputs["name"])}`);
    assert.equal(new Set(k8sNames).size, k8sNames.length, `Kubernetes names collide: ${k8sNames.join(", ")}`);
    const releases = registered.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs["name"]).sort();
    assert.deepEqual(releases, ["arc", "dind-trusted", "fc-untrusted", "kata-deploy"]);
    const ns = registered.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs["metadata"] as { name: string; labels: Record<string, string> }));
    assert.deepEqual(ns.map((n) => [n.name, n.labels["pod-security.kubernetes.io/enforce"]]), [["fleet-systems", "baseline"], ["fleet-runners", "restricted"], ["arc-trusted", "privileged"]]);
  });

  it("a second scale set with the name of the first, or a second controller, is refused before it registers", () => {
    const fleet = resolveArcFleet(fleetInput);
    const arc = new ArcController("dup-arc-a", { settings: { ...fleet.controller, controllerNamespace: "dup-systems", runnerNamespaces: [{ name: "dup-runners", podSecurity: "restricted" }] } });
    const settings = { ...fleet.scaleSets[0]!, controllerNamespace: "dup-systems", runnerNamespace: "dup-runners" };
    new GitHubRunnerScaleSet("dup-one", { settings, controller: arc, githubToken: "x" });
    assert.throws(() => new GitHubRunnerScaleSet("dup-two", { settings, controller: arc, githubToken: "x" }), (e: unknown) => e instanceof ConfigError && /AutoscalingRunnerSet dup-runners\/fc-untrusted: is also rendered by component runner-fleet:kubernetes:GitHubRunnerScaleSet "dup-one"/.test(e.message));
    assert.throws(() => new ArcController("dup-arc-b", { settings: { ...fleet.controller, controllerNamespace: "dup-systems", runnerNamespaces: [{ name: "dup-runners", podSecurity: "restricted" }] } }), /Namespace dup-systems: is also rendered by component runner-fleet:kubernetes:ArcController "dup-arc-a"/);
  });

  it("a privileged scale set under a controller whose namespace enforces restricted is refused with the key and the fix", () => {
    const fleet = resolveArcFleet(fleetInput);
    const arc = new ArcController("strict-arc", { settings: { ...fleet.controller, controllerNamespace: "strict-systems", runnerNamespaces: [{ name: "strict-trusted", podSecurity: "restricted" }] } });
    assert.throws(() => new GitHubRunnerScaleSet("strict-dind", { settings: { ...fleet.scaleSets[1]!, controllerNamespace: "strict-systems", runnerNamespace: "strict-trusted" }, controller: arc, githubToken: "x" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const issue = e.issues.find((i) => i.path === "strict-dind.runnerNamespace");
      assert.ok(issue, JSON.stringify(e.issues));
      assert.match(issue.message, /enforces Pod Security restricted, which refuses this scale set's privileged pods/);
      assert.match(issue.fix, /podSecurity: privileged/);
      return true;
    });
  });

  it("a component name that cannot name Kubernetes objects is refused", () => {
    assert.throws(() => new GitHubRunnerScaleSet("Bad_Name", { config, githubToken: "x" }), /name: "Bad_Name" cannot name the scale set's Kubernetes objects\. Fix: name the component with a DNS-1123 label/);
  });
});
