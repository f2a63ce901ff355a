// The fence of Kubernetes Deployment fleets: on by default for both forges, `networkPolicies: false`
// the named opt-out, and `extraEgress` (a named block and its ports per entry) validated field by
// field, each bad input refused with its key path and the fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet } from "./gh-runner.ts";
import { resolveForgejoK8sFleet } from "./forgejo-k8s.ts";
import { FORGEJO_K8S_DEFAULTS, GH_RUNNER_DEFAULTS } from "./defaults.ts";
import { MAX_EXTRA_EGRESS, MAX_EXTRA_EGRESS_PORTS } from "./extra-egress.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "codex", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}) => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over });
const forgejoFleet = (over: Record<string, unknown> = {}) => ({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build" }], ...over });
const mcp = (over: Record<string, unknown> = {}) => ({ name: "mcp", cidr: "10.0.5.10/32", ports: [{ port: 8443, protocol: "TCP" }], ...over });
const egress = (...entries: unknown[]) => fleet({ extraEgress: entries });

const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");
const forgejo = configIssueChecks(resolveForgejoK8sFleet, "configuration");

describe("the fence is on by default; networkPolicies: false is the opt-out", () => {
  it("a GitHub fleet that says nothing is fenced, with no extra egress", () => {
    const f = resolveGhRunnerFleet(fleet());
    assert.equal(GH_RUNNER_DEFAULTS.networkPolicies, true);
    assert.equal(f.networkPolicies, true);
    assert.deepEqual(f.extraEgress, []);
  });
  it("a Forgejo fleet likewise", () => {
    const f = resolveForgejoK8sFleet(forgejoFleet());
    assert.equal(FORGEJO_K8S_DEFAULTS.networkPolicies, true);
    assert.deepEqual([f.networkPolicies, f.extraEgress], [true, []]);
  });
  it("networkPolicies: false turns it off", () => assert.equal(resolveGhRunnerFleet(fleet({ networkPolicies: false })).networkPolicies, false));
  it("a fenced fleet whose pods lack app: <Deployment name> is refused, naming the opt-out", () =>
    expectIssue(fleet({ runners: [runner({ selector: { role: "ci" }, podMetadata: { labels: { role: "ci" } } })] }), "runners[0].podMetadata.labels", /lacks app: codex-gh-runner, by which the fleet's NetworkPolicies select its pods/, /add app: codex-gh-runner to podMetadata\.labels, or set networkPolicies: false/));
  it("a pod that lacks the app label the Deployment selects by is reported once, not once more for the fence", () => {
    const issues = issuesOf(fleet({ runners: [runner({ podMetadata: { labels: { role: "ci" } } })] }));
    assert.deepEqual(issues.map((i) => i.path), ["runners[0].podMetadata.labels"]);
    assert.match(issues[0]!.message, /the Deployment selects its pods by app: codex-gh-runner/);
  });
  it("the same pods pass unfenced", () => assert.equal(resolveGhRunnerFleet(fleet({ networkPolicies: false, runners: [runner({ selector: { role: "ci" }, podMetadata: { labels: { role: "ci" } } })] })).runners.length, 1));
});

describe("extraEgress: resolved", () => {
  it("each entry keeps its name, its block normalised, TCP where no protocol is given", () => {
    const f = resolveGhRunnerFleet(egress(mcp(), { name: "models", cidr: "fd00:0:0:0::10/128", ports: [{ port: 11434 }, { port: 5353, protocol: "UDP" }, { port: 3868, protocol: "SCTP" }] }));
    assert.deepEqual(f.extraEgress, [
      { name: "mcp", cidr: "10.0.5.10/32", ports: [{ port: 8443, protocol: "TCP" }] },
      { name: "models", cidr: "fd00::10/128", ports: [{ port: 11434, protocol: "TCP" }, { port: 5353, protocol: "UDP" }, { port: 3868, protocol: "SCTP" }] },
    ]);
  });
  it("an empty list opens nothing and is accepted unfenced too", () => assert.deepEqual(resolveGhRunnerFleet(fleet({ networkPolicies: false, extraEgress: [] })).extraEgress, []));
  it("a Forgejo fleet takes the same entries", () => assert.deepEqual(resolveForgejoK8sFleet(forgejoFleet({ extraEgress: [mcp()] })).extraEgress, [{ name: "mcp", cidr: "10.0.5.10/32", ports: [{ port: 8443, protocol: "TCP" }] }]));
});

describe("extraEgress: bad input is refused with key path and fix", () => {
  it("given while networkPolicies is false", () =>
    expectIssue(fleet({ networkPolicies: false, extraEgress: [mcp()] }), "extraEgress", /while networkPolicies is false.*would do nothing/, /remove extraEgress, or remove networkPolicies: false/));
  it("not a list", () => expectIssue(fleet({ extraEgress: mcp() }), "extraEgress", /must be a list of \{ name, cidr, ports \}/, /./));
  it("an entry that is not a mapping", () => expectIssue(egress("10.0.5.10/32"), "extraEgress[0]", /must be an object/, /./));
  it("an address without a prefix length", () => expectIssue(egress(mcp({ cidr: "10.0.5.10" })), "extraEgress[0].cidr", /"10\.0\.5\.10" is not a CIDR block/, /prefix length.*one address is a \/32/));
  it("a host name", () => expectIssue(egress(mcp({ cidr: "mcp.internal" })), "extraEgress[0].cidr", /is not a CIDR block/, /"10\.42\.0\.0\/16"/));
  it("a block with host bits set", () => expectIssue(egress(mcp({ cidr: "10.0.5.10/24" })), "extraEgress[0].cidr", /has host bits set/, /"10\.0\.5\.0\/24"/));
  it("a prefix length out of range", () => expectIssue(egress(mcp({ cidr: "10.0.5.10/33" })), "extraEgress[0].cidr", /is not a CIDR block/, /prefix length/));
  it("a block that is not text", () => expectIssue(egress(mcp({ cidr: 167773450 })), "extraEgress[0].cidr", /must be text \(a CIDR block/, /./));
  it("no cidr", () => expectIssue(egress({ name: "mcp", ports: [{ port: 8443 }] }), "extraEgress[0].cidr", /is required/, /set extraEgress\[0\]\.cidr/));
  it("port 0", () => expectIssue(egress(mcp({ ports: [{ port: 0 }] })), "extraEgress[0].ports[0].port", /less than the minimum of 1, not a port/, /1 to 65535/));
  it("port 65536", () => expectIssue(egress(mcp({ ports: [{ port: 65536 }] })), "extraEgress[0].ports[0].port", /more than the maximum of 65535/, /1 to 65535/));
  it("a port that is not a whole number", () => expectIssue(egress(mcp({ ports: [{ port: 84.43 }] })), "extraEgress[0].ports[0].port", /not a whole number/, /1 to 65535/));
  it("a port written as text", () => expectIssue(egress(mcp({ ports: [{ port: "8443" }] })), "extraEgress[0].ports[0].port", /must be a number \(a port from 1 to 65535\)/, /./));
  it("a protocol in lower case", () => expectIssue(egress(mcp({ ports: [{ port: 8443, protocol: "tcp" }] })), "extraEgress[0].ports[0].protocol", /must be TCP, UDP or SCTP \(in capitals\)/, /use one of: TCP, UDP, SCTP/));
  it("a protocol NetworkPolicies do not know", () => expectIssue(egress(mcp({ ports: [{ port: 8443, protocol: "ICMP" }] })), "extraEgress[0].ports[0].protocol", /must be TCP, UDP or SCTP/, /use one of/));
  it("no ports: a rule without ports would open every port", () => expectIssue(egress(mcp({ ports: [] })), "extraEgress[0].ports", /lists no ports .*allow every port/, /ports: \[\{ port: 8443, protocol: TCP \}\]/));
  it("ports missing", () => expectIssue(egress({ name: "mcp", cidr: "10.0.5.10/32" }), "extraEgress[0].ports", /is required/, /set extraEgress\[0\]\.ports/));
  it("a port given as a number, not a mapping", () => expectIssue(egress(mcp({ ports: [8443] })), "extraEgress[0].ports[0]", /must be an object/, /./));
  it("the same port twice", () => expectIssue(egress(mcp({ ports: [{ port: 8443 }, { port: 8443, protocol: "TCP" }] })), "extraEgress[0].ports[1]", /already given at extraEgress\[0\]\.ports\[0\]/, /each port once/));
  it(`more than ${MAX_EXTRA_EGRESS_PORTS} ports`, () => expectIssue(egress(mcp({ ports: Array.from({ length: MAX_EXTRA_EGRESS_PORTS + 1 }, (_, i) => ({ port: 8000 + i })) })), "extraEgress[0].ports", /more than 20/, /only the ports/));
  it("a name that is not a DNS label", () => expectIssue(egress(mcp({ name: "MCP server" })), "extraEgress[0].name", /not a DNS-1123 label/, /lower-case letters.*allow-egress-<name>/));
  it("a name too long", () => expectIssue(egress(mcp({ name: "m".repeat(64) })), "extraEgress[0].name", /at most 63 characters/, /lower-case/));
  it("no name", () => expectIssue(egress({ cidr: "10.0.5.10/32", ports: [{ port: 8443 }] }), "extraEgress[0].name", /is required/, /set extraEgress\[0\]\.name/));
  it("the same name twice", () => expectIssue(egress(mcp(), mcp({ cidr: "10.0.6.0/24" })), "extraEgress[1].name", /already given at extraEgress\[0\]\.name/, /its own name/));
  it("a misspelt key", () => expectIssue(egress({ name: "mcp", cidrs: ["10.0.5.10/32"], ports: [{ port: 8443 }] }), "extraEgress[0].cidrs", /not a known key/, /did you mean cidr\?/));
  it("a misspelt port key", () => expectIssue(egress(mcp({ ports: [{ port: 8443, protcol: "TCP" }] })), "extraEgress[0].ports[0].protcol", /not a known key/, /did you mean protocol\?/));
  it(`more than ${MAX_EXTRA_EGRESS} entries`, () => expectIssue(egress(...Array.from({ length: MAX_EXTRA_EGRESS + 1 }, (_, i) => mcp({ name: `d${i}` }))), "extraEgress", /more than 50/, /wider CIDR blocks/));
  it("every problem at once, with the fleet's other problems", () => {
    const issues = issuesOf(fleet({ networkPolicies: false, runners: [runner({ replicas: -1 })], extraEgress: [mcp({ cidr: "10.0.5.10" }), mcp({ ports: [{ port: 0 }] })] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["extraEgress", "extraEgress[0].cidr", "extraEgress[1].name", "extraEgress[1].ports[0].port", "runners[0].replicas"]);
  });
  it("a Forgejo fleet refuses the same inputs, with its own opt-out", () => {
    forgejo.expectIssue(forgejoFleet({ extraEgress: [mcp({ cidr: "10.0.5.10/24" })] }), "extraEgress[0].cidr", /host bits set/, /"10\.0\.5\.0\/24"/);
    forgejo.expectIssue(forgejoFleet({ networkPolicies: false, extraEgress: [mcp()] }), "extraEgress", /while networkPolicies is false/, /remove networkPolicies: false/);
  });
});
