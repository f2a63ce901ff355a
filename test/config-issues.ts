// Shared assertions for bad-input tests: a resolver must refuse with a ConfigError whose issues
// name the key path and say how to fix it.
import assert from "node:assert/strict";
import { ConfigError, type ConfigIssue } from "../src/model/issues.ts";

/** Checks for one resolver: `issuesOf(input)` and `expectIssue(input, path, message, fix)`. */
export function configIssueChecks(resolve: (input: unknown) => unknown, subject = "configuration") {
  function issuesOf(input: unknown): ConfigIssue[] {
    try {
      resolve(input);
    } catch (e) {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      return [...e.issues];
    }
    assert.fail(`${subject} was accepted but must be refused`);
  }
  /** Asserts exactly one issue at `path` whose message and fix match. */
  function expectIssue(input: unknown, path: string, message: RegExp, fix: RegExp): void {
    const issues = issuesOf(input);
    const at = issues.filter((i) => i.path === path);
    assert.equal(at.length, 1, `expected one issue at ${path}, got: ${JSON.stringify(issues)}`);
    assert.match(at[0]!.message, message);
    assert.match(at[0]!.fix, fix);
  }
  return { issuesOf, expectIssue };
}
