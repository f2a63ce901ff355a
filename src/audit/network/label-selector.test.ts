import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { selectorMatches, selectorProblems } from "./label-selector.ts";

describe("label selectors", () => {
  const pod = { app: "runner", tier: "ci" };

  it("an empty or absent selector matches everything", () => {
    assert.equal(selectorMatches({}, pod), true);
    assert.equal(selectorMatches(undefined, {}), true);
  });

  it("matchLabels and matchExpressions are ANDed", () => {
    assert.equal(selectorMatches({ matchLabels: { app: "runner" }, matchExpressions: [{ key: "tier", operator: "In", values: ["ci"] }] }, pod), true);
    assert.equal(selectorMatches({ matchLabels: { app: "runner" }, matchExpressions: [{ key: "tier", operator: "In", values: ["prod"] }] }, pod), false);
  });

  it("In needs the key; NotIn is satisfied by a missing key", () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, pod), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, pod), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["runner"] }] }, pod), false);
  });

  it("Exists and DoesNotExist look at keys only", () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, pod), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, pod), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, pod), true);
  });

  it("has no wildcards: '*' matches only the literal value", () => {
    assert.equal(selectorMatches({ matchLabels: { app: "*" } }, pod), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "In", values: ["*"] }] }, pod), false);
    assert.equal(selectorMatches({ matchLabels: { app: "run*" } }, pod), false);
  });

  it("selectors the API server rejects match nothing and are reported with a fix", () => {
    const bad = { matchExpressions: [{ key: "app", operator: "In", values: [] }, { key: "app", operator: "Exists", values: ["x"] }, { key: "app", operator: "Equals", values: ["runner"] }] };
    for (const e of bad.matchExpressions) assert.equal(selectorMatches({ matchExpressions: [e] }, pod), false, e.operator);
    const problems = selectorProblems(bad, "spec.podSelector");
    assert.deepEqual(problems.map((p) => p.path), ["spec.podSelector.matchExpressions[0].values", "spec.podSelector.matchExpressions[1].values", "spec.podSelector.matchExpressions[2].operator"]);
    assert.ok(problems.every((p) => p.fix.length > 0));
  });

  it("reports wildcard values wherever they appear, saying how to select everything", () => {
    const problems = selectorProblems({ matchLabels: { app: "*" }, matchExpressions: [{ key: "tier", operator: "In", values: ["ci", "*"] }] }, "spec.egress[0].to[0].podSelector");
    assert.deepEqual(problems.map((p) => p.path), ['spec.egress[0].to[0].podSelector.matchLabels["app"]', "spec.egress[0].to[0].podSelector.matchExpressions[0].values[1]"]);
    assert.match(problems[0]!.message, /no wildcards/);
    assert.match(problems[0]!.fix, /podSelector: \{\}/);
  });
});
