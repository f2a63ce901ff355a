import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./issues.ts";
import { type ForgejoRunnerScope, formatForgejoRunnerScope, forgejoRunnerScopeIssues, parseForgejoRunnerScope } from "./forgejo-scope.ts";

describe("parseForgejoRunnerScope", () => {
  const good: [string, ForgejoRunnerScope][] = [
    ["instance", { kind: "instance" }],
    ["user", { kind: "user" }],
    ["org/acme", { kind: "org", org: "acme" }],
    ["org/ACME-labs.eu", { kind: "org", org: "ACME-labs.eu" }],
    ["repo/acme/app", { kind: "repo", owner: "acme", repo: "app" }],
    ["repo/jo_doe/.profile", { kind: "repo", owner: "jo_doe", repo: ".profile" }],
  ];
  for (const [text, scope] of good) {
    it(`reads "${text}" and writes it back unchanged`, () => {
      assert.deepEqual(parseForgejoRunnerScope(text), scope);
      assert.equal(formatForgejoRunnerScope(scope), text);
    });
  }

  const bad: [unknown, RegExp][] = [
    ["", /an empty string is not a runner scope/],
    ["global", /"global" is not a runner scope/],
    ["org", /"org" is not a runner scope/],
    ["org/acme/app", /"org\/acme\/app" is not a runner scope/],
    ["repo/acme", /"repo\/acme" is not a runner scope/],
    ["instance/x", /"instance\/x" is not a runner scope/],
    ["org/", /organisation name is empty/],
    ["org/bad name", /organisation name "bad name" is not a Forgejo organisation name/],
    ["org/a--b", /is not a Forgejo organisation name/],
    ["repo/acme/..", /repository name ".." is not a Forgejo repository name/],
    ["repo/-acme/app", /owner name "-acme" is not a Forgejo owner name/],
    [42, /must be a string/],
    [undefined, /is required/],
  ];
  for (const [value, message] of bad) {
    it(`refuses ${JSON.stringify(value) ?? "undefined"}, naming forge.scope and the fix`, () => {
      assert.throws(
        () => parseForgejoRunnerScope(value),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.issues.length, 1);
          const [issue] = error.issues;
          assert.equal(issue?.path, "forge.scope");
          assert.match(issue?.message ?? "", message);
          assert.ok((issue?.fix ?? "").length > 10, "says how to fix it");
          assert.match(error.message, /forge\.scope: .*Fix: /);
          return true;
        },
      );
    });
  }

  it("tells the accepted forms when the form is wrong", () => {
    assert.throws(() => parseForgejoRunnerScope("organisation/acme"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.issues[0]?.fix ?? "", /"instance", "user", "org\/<organisation>" or "repo\/<owner>\/<repository>"/);
      return true;
    });
  });

  it("reports both names of a repository scope at once", () => {
    assert.throws(() => parseForgejoRunnerScope("repo/bad owner/bad repo"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((i) => i.path), ["forge.scope", "forge.scope"]);
      return true;
    });
  });

  it("uses the given key path", () => {
    assert.throws(() => parseForgejoRunnerScope("nope", "runners[2].forge.scope"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues[0]?.path, "runners[2].forge.scope");
      return true;
    });
  });

  it("checks scopes built in code too", () => {
    assert.deepEqual(forgejoRunnerScopeIssues({ kind: "org", org: "acme" }), []);
    assert.equal(forgejoRunnerScopeIssues({ kind: "org", org: "a/b" })[0]?.path, "forge.scope");
  });
});
