// The guard on real workflows: every finding and note its own checks give on the corpus of real
// public workflows (test/fixtures/guard/real/) is classified by hand in FINDINGS.md; this test keeps
// the table and the guard in step, and holds precision at or above 95%.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseProfiles } from "../src/model/profiles.ts";
import { GUARD_RULES, runGuard, type GuardFinding, type WorkflowFile } from "../src/audit/guard/index.ts";

const CORPUS = resolve(import.meta.dirname, "fixtures/guard/real");
const VERDICTS = ["true", "false", "noise"] as const;
type Verdict = (typeof VERDICTS)[number];

interface Row {
  readonly key: string;
  readonly verdict: Verdict;
  readonly why: string;
}

/** The rows of a Markdown table under `## heading` in FINDINGS.md (cells, without the header). */
function tableRows(heading: string): string[][] {
  const text = readFileSync(join(CORPUS, "FINDINGS.md"), "utf8");
  const start = text.indexOf(`## ${heading}\n`);
  assert.ok(start >= 0, `FINDINGS.md has no "## ${heading}" section`);
  const section = text.slice(start).split(/\n## /)[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("|") && !l.startsWith("|---"))
    .slice(1)
    .map((l) => l.slice(1, -1).split(" | ").map((c) => c.trim()));
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, "");
const keyOf = (f: Pick<GuardFinding, "file" | "line" | "job" | "rule" | "severity">) => `${f.file}:${f.line} ${f.job} ${f.rule}${f.severity === "note" ? " (note)" : ""}`;

function classified(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const cells of tableRows("Findings")) {
    assert.equal(cells.length, 6, `a Findings row has 6 cells: ${cells.join(" | ")}`);
    const [file, line, job, rule, verdict, why] = cells as [string, string, string, string, string, string];
    assert.ok((VERDICTS as readonly string[]).includes(verdict), `verdict "${verdict}" of ${file}:${line} is not true, false or noise`);
    assert.ok(why.length > 10, `row ${file}:${line} says why`);
    const note = rule.endsWith(" (note)");
    const key = keyOf({ file: unquote(file), line: Number(line), job: unquote(job), rule: unquote(rule.replace(/ \(note\)$/, "")) as GuardFinding["rule"], ...(note ? { severity: "note" as const } : {}) });
    assert.ok(!rows.has(key), `row ${key} is listed twice`);
    rows.set(key, { key, verdict: verdict as Verdict, why });
  }
  return rows;
}

/** The guard's own findings on every repository of the corpus, each with its own profiles. */
async function corpusFindings(): Promise<{ findings: GuardFinding[]; files: number; repositories: number }> {
  const findings: GuardFinding[] = [];
  let files = 0;
  const repos = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const repo of repos) {
    const profiles = parseProfiles(readFileSync(join(CORPUS, repo, "profiles.yaml"), "utf8"), `${repo}/profiles.yaml`);
    const dir = join(CORPUS, repo, ".github/workflows");
    const workflows: WorkflowFile[] = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => ({ path: `${repo}/.github/workflows/${f}`, text: readFileSync(join(dir, f), "utf8"), repository: repo, repoPath: `.github/workflows/${f}` }));
    files += workflows.length;
    findings.push(...(await runGuard(workflows, profiles, { actionlint: false, profilesSource: `${repo}/profiles.yaml` })));
  }
  return { findings, files, repositories: repos.length };
}

const corpus = corpusFindings();

test("the corpus holds at least 50 real workflows from at least 20 repositories, each with its source recorded", async () => {
  const { files, repositories } = await corpus;
  assert.ok(files >= 50, `${files} workflows`);
  assert.ok(repositories >= 20, `${repositories} repositories`);
  const sources = readFileSync(join(CORPUS, "SOURCES.md"), "utf8");
  for (const repo of readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(CORPUS, repo.name, ".github/workflows"))) {
      assert.match(sources, new RegExp(`\\| \`${repo.name.replace(/[.]/g, "\\.")}\` \\| .* \\| \`\\.github/workflows/${f.replace(/[.]/g, "\\.")}\` \\| \`[0-9a-f]{40}\` \\|`), `${repo.name}/${f} has no source line`);
    }
  }
});

test("every finding of the guard on the corpus is classified in FINDINGS.md, and every row is still reported", async () => {
  const { findings } = await corpus;
  const rows = classified();
  const reported = new Set(findings.map(keyOf));
  const unclassified = [...reported].filter((k) => !rows.has(k));
  const stale = [...rows.keys()].filter((k) => !reported.has(k));
  assert.deepEqual(unclassified, [], "findings not in FINDINGS.md: classify them by reading the workflow");
  assert.deepEqual(stale, [], "rows of FINDINGS.md the guard no longer reports: remove them (or find out why they went)");
});

test("precision on the corpus, true ÷ (true + false), is at least 95%", async () => {
  await corpus;
  const rows = [...classified().values()];
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const precision = count("true") / (count("true") + count("false"));
  assert.ok(count("true") > 0);
  assert.ok(precision >= 0.95, `precision ${(precision * 100).toFixed(1)}% (${count("true")} true, ${count("false")} false, ${count("noise")} noise)`);
});

test("no class of problem the guard is meant to catch is among the known misses", () => {
  const misses = tableRows("Known misses");
  assert.ok(misses.every((cells) => cells.length === 3), "a Known misses row has 3 cells");
  const classes = misses.map((cells) => unquote(cells[0]!));
  for (const rule of Object.keys(GUARD_RULES)) assert.ok(!classes.includes(rule), `FINDINGS.md lists ${rule}, a class the guard catches, as missed`);
});
