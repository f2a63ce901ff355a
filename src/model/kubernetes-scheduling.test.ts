// Where a runner's pods may run: affinity, topology spread and node name as real manifests write
// them, parsed to exactly what was written; every value the API server would refuse named by key path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { schedulingShape, labelSelectorSchema } from "./kubernetes-scheduling.ts";
import { strictObject, zodIssues } from "./zod-issues.ts";
import type { ConfigIssue } from "./issues.ts";

const schema = strictObject(schedulingShape);

function issuesOf(input: unknown): ConfigIssue[] {
  const parsed = schema.safeParse(input, { reportInput: true });
  assert.ok(!parsed.success, `accepted but must be refused: ${JSON.stringify(input)}`);
  return zodIssues(parsed.error);
}
/** Asserts exactly one issue at `path` whose message and fix match. */
function expectIssue(input: unknown, path: string, message: RegExp, fix: RegExp = /./): void {
  const issues = issuesOf(input);
  const at = issues.filter((i) => i.path === path);
  assert.equal(at.length, 1, `expected one issue at ${path}, got: ${JSON.stringify(issues)}`);
  assert.match(at[0]!.message, message);
  assert.match(at[0]!.fix, fix);
}
function parsesAsWritten(input: Record<string, unknown>): void {
  const parsed = schema.safeParse(input, { reportInput: true });
  assert.ok(parsed.success, `refused: ${parsed.success ? "" : JSON.stringify(zodIssues(parsed.error))}`);
  assert.deepEqual(parsed.data, input);
}

const REQ = "requiredDuringSchedulingIgnoredDuringExecution";
const PREF = "preferredDuringSchedulingIgnoredDuringExecution";
const nodeTerm = (expr: Record<string, unknown>) => ({ affinity: { nodeAffinity: { [REQ]: { nodeSelectorTerms: [{ matchExpressions: [expr] }] } } } });
const TERM0 = `affinity.nodeAffinity.${REQ}.nodeSelectorTerms[0]`;
const EXPR0 = `${TERM0}.matchExpressions[0]`;
const spread = (over: Record<string, unknown> = {}) => ({ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "github-runner" } }, ...over });

describe("scheduling as real manifests write it: parsed to exactly what was written", () => {
  it("the affinity of an imported runner Deployment (test/fixtures/import/04)", () => {
    const text = readFileSync(new URL("../../test/fixtures/import/04-jewon-oh-homelab-infra-public-github-runner.yaml", import.meta.url), "utf8");
    const deployment = parseAllDocuments(text).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { affinity: Record<string, unknown> } } } }).find((d) => d?.kind === "Deployment");
    const affinity = deployment!.spec!.template.spec.affinity;
    assert.deepEqual(affinity, nodeTerm({ key: "node-role.kubernetes.io/ops", operator: "Exists" }).affinity);
    parsesAsWritten({ affinity });
  });

  it("required node affinity on kubernetes.io/hostname, a preferred node label, Gt, and a node field", () => {
    parsesAsWritten({
      affinity: {
        nodeAffinity: {
          [REQ]: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node1"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["node2"] }] }] },
          [PREF]: [
            { weight: 1, preference: { matchExpressions: [{ key: "another-node-label-key", operator: "In", values: ["another-node-label-value"] }] } },
            { weight: 100, preference: { matchExpressions: [{ key: "example.com/cpu-cores", operator: "Gt", values: ["8"] }, { key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] } },
          ],
        },
      },
    });
  });

  it("one runner per node by preferred pod anti-affinity on kubernetes.io/hostname, and pod affinity by zone", () => {
    parsesAsWritten({
      affinity: {
        podAntiAffinity: { [PREF]: [{ weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["github-runner"] }] }, topologyKey: "kubernetes.io/hostname" } }] },
        podAffinity: { [REQ]: [{ labelSelector: { matchLabels: { security: "S1" } }, namespaces: ["ci"], namespaceSelector: {}, topologyKey: "topology.kubernetes.io/zone", matchLabelKeys: ["pod-template-hash"] }] },
      },
    });
  });

  it("a topology spread over topology.kubernetes.io/zone with every field, one over hostnames, and a node name", () => {
    parsesAsWritten({
      topologySpreadConstraints: [
        spread({ minDomains: 3, nodeAffinityPolicy: "Honor", nodeTaintsPolicy: "Ignore", matchLabelKeys: ["pod-template-hash"] }),
        spread({ topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" }),
      ],
      nodeName: "worker-1.example.internal",
    });
  });

  it("none set: nothing", () => {
    parsesAsWritten({});
  });

  it("the label selector on its own", () => {
    const selector = { matchLabels: { "app.kubernetes.io/name": "runner" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] };
    assert.deepEqual(labelSelectorSchema.parse(selector), selector);
  });
});

describe("bad values name their key path", () => {
  it("In and NotIn without values", () => {
    expectIssue(nodeTerm({ key: "kubernetes.io/hostname", operator: "In" }), `${EXPR0}.values`, /at least one value with operator In/, /operator: Exists/);
    expectIssue(nodeTerm({ key: "kubernetes.io/hostname", operator: "NotIn", values: [] }), `${EXPR0}.values`, /at least one value with operator NotIn/);
    expectIssue({ topologySpreadConstraints: [spread({ labelSelector: { matchExpressions: [{ key: "app", operator: "In" }] } })] }, "topologySpreadConstraints[0].labelSelector.matchExpressions[0].values", /at least one value/);
  });
  it("Exists and DoesNotExist with values", () => {
    expectIssue(nodeTerm({ key: "node-role.kubernetes.io/ops", operator: "Exists", values: ["true"] }), `${EXPR0}.values`, /must be empty with operator Exists/, /remove values/);
    expectIssue({ affinity: { podAffinity: { [REQ]: [{ labelSelector: { matchExpressions: [{ key: "app", operator: "DoesNotExist", values: ["x"] }] }, topologyKey: "kubernetes.io/hostname" }] } } }, `affinity.podAffinity.${REQ}[0].labelSelector.matchExpressions[0].values`, /must be empty with operator DoesNotExist/);
  });
  it("Gt and Lt with anything but one integer", () => {
    expectIssue(nodeTerm({ key: "example.com/cpu-cores", operator: "Gt", values: ["eight"] }), `${EXPR0}.values[0]`, /not an integer/, /"4"/);
    expectIssue(nodeTerm({ key: "example.com/cpu-cores", operator: "Lt", values: ["1.5"] }), `${EXPR0}.values[0]`, /not an integer/);
    expectIssue(nodeTerm({ key: "example.com/cpu-cores", operator: "Gt", values: ["1", "2"] }), `${EXPR0}.values`, /exactly one value with operator Gt/);
    expectIssue(nodeTerm({ key: "example.com/cpu-cores", operator: "Lt" }), `${EXPR0}.values`, /exactly one value with operator Lt/);
  });
  it("an operator a selector does not know, and keys that are not label keys", () => {
    expectIssue({ topologySpreadConstraints: [spread({ labelSelector: { matchExpressions: [{ key: "n", operator: "Gt", values: ["1"] }] } })] }, "topologySpreadConstraints[0].labelSelector.matchExpressions[0].operator", /one of: In, NotIn, Exists, DoesNotExist/);
    expectIssue(nodeTerm({ key: "bad key!", operator: "Exists" }), `${EXPR0}.key`, /not a label key/, /prefix\/\]name/);
    expectIssue({ topologySpreadConstraints: [spread({ labelSelector: { matchLabels: { "a/b/c": "x" } } })] }, "topologySpreadConstraints[0].labelSelector.matchLabels.a/b/c", /not a label key/);
    expectIssue({ topologySpreadConstraints: [spread({ labelSelector: { matchLabels: { app: "not valid!" } } })] }, "topologySpreadConstraints[0].labelSelector.matchLabels.app", /not a label value/);
  });
  it("node fields other than metadata.name, or matched otherwise than by In with one name", () => {
    const fields = (f: Record<string, unknown>) => ({ affinity: { nodeAffinity: { [REQ]: { nodeSelectorTerms: [{ matchFields: [f] }] } } } });
    expectIssue(fields({ key: "spec.unschedulable", operator: "In", values: ["true"] }), `${TERM0}.matchFields[0].key`, /not a node field/, /metadata\.name/);
    expectIssue(fields({ key: "metadata.name", operator: "Exists" }), `${TERM0}.matchFields[0].operator`, /In or NotIn/);
    expectIssue(fields({ key: "metadata.name", operator: "In", values: ["a", "b"] }), `${TERM0}.matchFields[0].values`, /exactly one node name/);
  });
  it("weights outside 1-100", () => {
    for (const weight of [0, 101, 1.5]) {
      expectIssue({ affinity: { nodeAffinity: { [PREF]: [{ weight, preference: {} }] } } }, `affinity.nodeAffinity.${PREF}[0].weight`, /1 to 100/, /./);
      expectIssue({ affinity: { podAntiAffinity: { [PREF]: [{ weight, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }] } } }, `affinity.podAntiAffinity.${PREF}[0].weight`, /1 to 100/);
    }
  });
  it("a missing or empty topologyKey", () => {
    expectIssue({ affinity: { podAntiAffinity: { [REQ]: [{ labelSelector: { matchLabels: { app: "runner" } } }] } } }, `affinity.podAntiAffinity.${REQ}[0].topologyKey`, /is required/, /set affinity/);
    expectIssue({ affinity: { podAntiAffinity: { [PREF]: [{ weight: 1, podAffinityTerm: { topologyKey: "" } }] } } }, `affinity.podAntiAffinity.${PREF}[0].podAffinityTerm.topologyKey`, /not a node label key/, /kubernetes\.io\/hostname/);
    expectIssue({ topologySpreadConstraints: [{ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" }] }, "topologySpreadConstraints[0].topologyKey", /is required/);
  });
  it("no node selector term, or too many", () => {
    expectIssue({ affinity: { nodeAffinity: { [REQ]: { nodeSelectorTerms: [] } } } }, `affinity.nodeAffinity.${REQ}.nodeSelectorTerms`, /at least one term/);
    expectIssue({ affinity: { nodeAffinity: { [REQ]: { nodeSelectorTerms: Array.from({ length: 51 }, () => ({})) } } } }, `affinity.nodeAffinity.${REQ}.nodeSelectorTerms`, /more than 50 terms/);
  });
  it("maxSkew below 1, minDomains without DoNotSchedule, and a repeated constraint", () => {
    expectIssue({ topologySpreadConstraints: [spread({ maxSkew: 0 })] }, "topologySpreadConstraints[0].maxSkew", /at least 1/);
    expectIssue({ topologySpreadConstraints: [spread({ whenUnsatisfiable: "ScheduleAnyway", minDomains: 2 })] }, "topologySpreadConstraints[0].minDomains", /only valid with whenUnsatisfiable: DoNotSchedule/, /remove minDomains/);
    expectIssue({ topologySpreadConstraints: [spread(), spread({ maxSkew: 2 })] }, "topologySpreadConstraints[1]", /repeats the topologyKey/);
    expectIssue({ topologySpreadConstraints: [spread({ whenUnsatisfiable: "Never" })] }, "topologySpreadConstraints[0].whenUnsatisfiable", /DoNotSchedule, ScheduleAnyway/);
  });
  it("matchLabelKeys without a labelSelector", () => {
    expectIssue({ topologySpreadConstraints: [spread({ labelSelector: undefined, matchLabelKeys: ["pod-template-hash"] })] }, "topologySpreadConstraints[0].matchLabelKeys", /needs a labelSelector/);
    expectIssue({ affinity: { podAffinity: { [REQ]: [{ topologyKey: "kubernetes.io/hostname", mismatchLabelKeys: ["tenant"] }] } } }, `affinity.podAffinity.${REQ}[0].mismatchLabelKeys`, /needs a labelSelector/);
  });
  it("unknown keys, at the top and deep inside", () => {
    expectIssue({ affinty: {} }, "affinty", /is not a known key/, /did you mean affinity/);
    expectIssue(nodeTerm({ key: "kubernetes.io/hostname", operator: "In", values: ["node1"], value: "node1" }), `${EXPR0}.value`, /is not a known key/);
    expectIssue({ topologySpreadConstraints: [spread({ maxskew: 1 })] }, "topologySpreadConstraints[0].maxskew", /is not a known key/, /did you mean maxSkew/);
  });
  it("a node name that is not a DNS-1123 subdomain", () => {
    expectIssue({ nodeName: "Node_1" }, "nodeName", /not a DNS-1123 subdomain/, /a node name/);
  });
});
