import { test } from "node:test";
import assert from "node:assert/strict";
import { findingText, githubAnnotation, sortFindings, type GuardFinding } from "./finding.ts";

const f: GuardFinding = { file: "a,b:c.yml", line: 3, column: 5, job: "build", rule: "concurrency", message: 'job "build": 100% wrong\nreally', fix: "fix it" };

test("GitHub annotations escape data and properties as the workflow command syntax requires", () => {
  assert.equal(githubAnnotation(f), "::error file=a%2Cb%3Ac.yml,line=3,col=5,title=runner-fleet guard%3A concurrency::job \"build\": 100%25 wrong%0Areally. Fix: fix it");
  const { column: _c, ...noColumn } = f;
  assert.match(githubAnnotation(noColumn), /^::error file=a%2Cb%3Ac\.yml,line=3,title=/);
});

test("the one-line text carries the fix; findings sort by file and line", () => {
  assert.equal(findingText({ ...f, message: "m" }), "m. Fix: fix it");
  const sorted = sortFindings([{ ...f, file: "b", line: 1 }, { ...f, file: "a", line: 9 }, { ...f, file: "a", line: 2 }]);
  assert.deepEqual(sorted.map((x) => `${x.file}:${x.line}`), ["a:2", "a:9", "b:1"]);
});
