// Hostile stack settings: every file of test/hostile-settings/<project>/ is a stack's real
// Pulumi.<stack>.yaml with one thing made wrong, and names (in its first line) the key path the
// error must name. Each is rendered offline in this process, as `runner-fleet render` does, and
// must be refused with a ConfigError whose issues name that path (or, for file-level problems,
// the file), never crash, and never quote a credential of the file back. The files too big to
// keep in the repository (generate.ts) are written to a temporary directory and each rendered in a
// process of its own, so that one that hangs is stopped and reported. The test prints the counts
// per outcome and every file that did not pass; `node test/hostile-settings/report.ts` prints the
// same table.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { basename } from "node:path";
import { CATEGORIES, countOutcomes, failure, formatReport, listCorpus, type Outcome, runGeneratedCorpus, runStaticCorpus, STACKS, staleBuildNote } from "./hostile-settings/corpus.ts";

describe("hostile stack settings", () => {
  it("the corpus: at least 160 files, at least 30 per stack, each with its expectation and reason", () => {
    const cases = listCorpus();
    assert.ok(cases.length >= 160, `${cases.length} files`);
    for (const project of Object.keys(STACKS)) {
      const n = cases.filter((c) => c.project === project).length;
      assert.ok(n >= 30, `${project}: ${n} files`);
    }
    for (const c of cases) {
      assert.ok((c.expect === undefined) !== (c.expectFile === undefined), `${basename(c.file)}: one of expect or expect-file`);
      assert.ok(c.expect === undefined || !c.expect.startsWith(`${c.project}:`), `${basename(c.file)}: the expected path of a key of the project has no project prefix`);
    }
  });

  it("every file is refused naming its key path (or the file), without a crash, a hang or a quoted credential", { timeout: 20 * 60_000 }, async (t) => {
    const note = staleBuildNote();
    if (note !== undefined) t.diagnostic(`note: ${note}`);
    const outcomes: Outcome[] = [...(await runStaticCorpus()), ...(await runGeneratedCorpus())];
    for (const line of formatReport(outcomes).split("\n")) t.diagnostic(line);
    const counts = countOutcomes(outcomes);
    const failing = outcomes.filter((o) => failure(o) !== undefined);
    assert.deepEqual(
      { accepted: counts["accepted-wrongly"], crashed: counts.crashed, vague: outcomes.filter((o) => o.category === "rejected-vague" && o.case.expect !== undefined).length, leaking: counts.leaking },
      { accepted: 0, crashed: 0, vague: 0, leaking: 0 },
      `${failing.length} of ${outcomes.length} files fail (${CATEGORIES.map((k) => `${counts[k]} ${k}`).join(", ")}; ${counts.leaking} quote a credential); the list is above`,
    );
  });
});
