// The status clients against a corpus of real answers other people captured from GitHub and
// Forgejo (test/fixtures/status/real/, sources in SOURCES.md there). Each answer is served as it
// is, through the stand-in forge, at the endpoint it answers; the real client reads it, and what a
// user relies on is compared with the answer itself: every runner with its id, name, status, busy
// flag and label names; every waiting job with its labels and, where the forge says, when it was
// queued. Whether each answer matches the published API description is measured too: real answers
// that do not (older API versions, server quirks) must still be read when the client does not need
// what they lack.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createForgejoStatusClient } from "../src/forge/forgejo-status.ts";
import { createGithubStatusClient } from "../src/forge/github-status.ts";
import type { StatusLimits } from "../src/forge/status-client.ts";
import type { ForgeSnapshot } from "../src/model/fleet-status.ts";
import { answerProblems as githubProblems } from "./fake-forge/github-openapi.ts";
import { FakeGithub, type FakeRequest, type RawAnswer, workflowRun } from "./fake-forge/github.ts";
import { answerProblems as forgejoProblems, findOperation } from "./fake-forge/forgejo-swagger.ts";
import { FakeForgejo } from "./fake-forge/forgejo.ts";

const CORPUS = join(import.meta.dirname, "fixtures", "status", "real");
const NOW = new Date("2026-12-03T10:20:00Z");
const LIMITS: StatusLimits = { timeoutMs: 5_000, maxRequests: 50, maxRateLimitWaitSeconds: 1, rateLimitSecondMs: 1 };

type Json = Record<string, unknown>;

interface Entry {
  /** The answers, in the order they are served (several: consecutive pages of one list), relative to the corpus. */
  readonly files: readonly string[];
  /** What the answers answer. */
  readonly answers: "github-runners" | "github-jobs" | "forgejo-jobs";
  /** The scope the client is given (GitHub `org` or `owner/repo`; Forgejo `repo/owner/name`). */
  readonly scope: string;
  /** Whether every answer matches the published API description (see README.md for the reasons when not). */
  readonly validates: boolean;
}

/** Every file of the corpus, what it answers, and whether it matches the published description. */
const ENTRIES: readonly Entry[] = [
  { files: ["github/PyGithub__PyGithub__org-runners-clickhouse.json"], answers: "github-runners", scope: "ClickHouse", validates: true },
  { files: ["github/PyGithub__PyGithub__repo-runners-redasers.json"], answers: "github-runners", scope: "ReDASers/Phishing-Detection", validates: true },
  { files: ["github/PyGithub__PyGithub__repo-runners-redasers-page1.json"], answers: "github-runners", scope: "ReDASers/Phishing-Detection", validates: true },
  { files: ["github/PyGithub__PyGithub__runner-2217-wrapped.json"], answers: "github-runners", scope: "ReDASers/Phishing-Detection", validates: true },
  { files: ["github/NextChapterSoftware__ec2-action-builder__repo-runners.json"], answers: "github-runners", scope: "acme/app", validates: true },
  { files: ["github/kushin77__self-hosted-runner__issue-1406-runners.json"], answers: "github-runners", scope: "kushin77/self-hosted-runner", validates: true },
  { files: ["github/PyGithub__PyGithub__run-3881497935-jobs.json"], answers: "github-jobs", scope: "PyGithub/PyGithub", validates: true },
  { files: ["github/PyGithub__PyGithub__run-4205440316-jobs.json"], answers: "github-jobs", scope: "PyGithub/PyGithub", validates: true },
  {
    files: ["github/octokit__octokit.rb__run-3163227438-jobs-page1.json", "github/octokit__octokit.rb__run-3163227438-jobs-page2.json"],
    answers: "github-jobs",
    scope: "acme/app",
    validates: false,
  },
  { files: ["github/ademola-adebayo__cicd-poc__run-2359460971-jobs-wrapped.json"], answers: "github-jobs", scope: "ademola-adebayo/cicd-poc", validates: false },
  { files: ["github/hub4j__github-api__run-719643947-jobs.json"], answers: "github-jobs", scope: "hub4j-test-org/GHWorkflowRunTest", validates: false },
  { files: ["github/hub4j__github-api__run-719290617-jobs.json"], answers: "github-jobs", scope: "hub4j-test-org/GHWorkflowRunTest", validates: false },
  { files: ["forgejo/aahlenst.dev__blog__autoscaling-forgejo-runner-jobs.json"], answers: "forgejo-jobs", scope: "repo/andreas/test", validates: false },
];

const read = (file: string): string => readFileSync(join(CORPUS, file), "utf8");
const parse = (file: string): unknown => JSON.parse(read(file)) as unknown;
const json = (raw: string, headers: Readonly<Record<string, string>> = {}): RawAnswer => ({ status: 200, headers: { "content-type": "application/json; charset=utf-8", ...headers }, raw });
const byId = <T extends { id: number }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.id - b.id);

/** What the answer says of its runners, read independently of the client: the facts a user relies on. */
function runnersOf(answer: unknown): { id: number; name: string; status: "online" | "offline"; busy: boolean; labels: string[] }[] {
  const runners = (answer as { runners: Json[] }).runners;
  return runners.map((r) => ({
    id: r["id"] as number,
    name: r["name"] as string,
    status: String(r["status"]).toLowerCase() === "offline" ? "offline" : "online",
    busy: r["busy"] as boolean,
    labels: (r["labels"] as (string | { name: string })[]).map((l) => (typeof l === "string" ? l : l.name)),
  }));
}

/** The queued jobs of GitHub job lists, with their labels and creation time. */
function queuedGithubJobs(answers: readonly unknown[]): { id: number; labels: string[]; queuedAt?: string }[] {
  return answers
    .flatMap((a) => (a as { jobs: Json[] }).jobs)
    .filter((j) => j["status"] === "queued")
    .map((j) => ({ id: j["id"] as number, labels: j["labels"] as string[], ...(typeof j["created_at"] === "string" ? { queuedAt: j["created_at"] } : {}) }));
}

const runnerFacts = (snapshot: ForgeSnapshot) => byId((snapshot.runners ?? []).map(({ id, name, status, busy, labels }) => ({ id, name, status, busy, labels: [...labels] })));
const jobFacts = (snapshot: ForgeSnapshot) => byId(snapshot.jobs.map(({ id, labels, queuedAt }) => ({ id, labels: [...labels], ...(queuedAt === undefined ? {} : { queuedAt }) })));

/** The path (below the API base) an entry's answers are served at. */
function githubPath(entry: Entry, runId?: number): { template: string; apiPath: string } {
  if (entry.answers === "github-runners") {
    return entry.scope.includes("/")
      ? { template: "/repos/{owner}/{repo}/actions/runners", apiPath: `/repos/${entry.scope}/actions/runners` }
      : { template: "/orgs/{org}/actions/runners", apiPath: `/orgs/${entry.scope}/actions/runners` };
  }
  return { template: "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", apiPath: `/repos/${entry.scope}/actions/runs/${runId ?? 0}/jobs` };
}

/** The problems each answer of an entry has against the published description (empty: it matches). */
function descriptionProblems(entry: Entry): string[][] {
  return entry.files.map((file) => {
    const body = parse(file);
    if (entry.answers === "forgejo-jobs") {
      const apiPath = `/repos/${entry.scope.slice("repo/".length)}/actions/runners/jobs`;
      return forgejoProblems("v15", findOperation("v15", "GET", apiPath)?.template, "GET", 200, body);
    }
    const runId = entry.answers === "github-jobs" ? ((body as { jobs: Json[] }).jobs[0]?.["run_id"] as number | undefined) : undefined;
    const { template, apiPath } = githubPath(entry, runId);
    return githubProblems(template, apiPath, "GET", 200, body);
  });
}

describe("the corpus of real answers", () => {
  it("lists every file of the corpus once, and SOURCES.md names each with its repository, path and commit", () => {
    const files = ["github", "forgejo"].flatMap((dir) => readdirSync(join(CORPUS, dir)).filter((f) => f.endsWith(".json")).map((f) => `${dir}/${f}`)).sort();
    assert.deepEqual([...ENTRIES.flatMap((e) => e.files)].sort(), files);
    const sources = read("SOURCES.md");
    for (const file of files) {
      const row = sources.split("\n").find((line) => line.includes(`\`${file}\``));
      assert.ok(row !== undefined, `SOURCES.md has a row for ${file}`);
      assert.match(row, /\b[0-9a-f]{40}\b|https:\/\//, `the row of ${file} gives a commit (or, for a page, its address)`);
    }
  });

  for (const entry of ENTRIES) {
    it(`${entry.files.join(" + ")}: ${entry.validates ? "matches" : "does not match"} the published description`, (t) => {
      const problems = descriptionProblems(entry);
      t.diagnostic(problems.flat().slice(0, 5).join(" | ") || "no problems");
      assert.equal(problems.every((p) => p.length === 0), entry.validates, problems.flat().join("\n"));
    });
  }
});

describe("the GitHub status client reads real GitHub answers", () => {
  let fake: FakeGithub;
  before(async () => {
    fake = await new FakeGithub().start();
  });
  after(async () => {
    await fake.stop();
  });

  const client = (scope: string) => createGithubStatusClient({ url: fake.url, scope, auth: { kind: "token", token: "ghp_corpusTestToken0123456789", from: "GITHUB_TOKEN" }, limits: LIMITS, declaredLabels: [], now: () => NOW });

  /** The fake knows the scope and has nothing else; the entry's answers take over their endpoint. */
  function serve(entry: Entry, runId?: number): void {
    const org = entry.scope.includes("/") ? undefined : entry.scope;
    fake.requests.length = 0;
    fake.state = { ...fake.state, runners: {}, runnerGroups: {}, repositories: {}, runs: {}, jobs: {} };
    if (org !== undefined) {
      fake.state.repositories[org] = [];
      fake.state.runnerGroups[org] = [];
    } else {
      fake.state.runs[entry.scope] = runId === undefined ? [] : [workflowRun({ id: runId, repository: entry.scope, status: "in_progress" })];
    }
    if (entry.answers === "github-jobs") fake.state.runners[entry.scope] = [];
    const { apiPath } = githubPath(entry, runId);
    fake.override = (r: FakeRequest) => {
      if (r.apiPath !== apiPath) return undefined;
      const page = Number(r.query.get("page") ?? "1");
      const file = entry.files[page - 1];
      if (file === undefined) return undefined;
      const next = new URL(`${fake.apiUrl}${apiPath}`);
      r.query.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.set("page", String(page + 1));
      return json(read(file), page < entry.files.length ? { link: `<${next.href}>; rel="next"` } : {});
    };
  }

  for (const entry of ENTRIES.filter((e) => e.answers === "github-runners")) {
    it(`${entry.files[0]!}: every runner comes back with its id, name, status, busy flag and labels`, async () => {
      serve(entry);
      const answer = parse(entry.files[0]!);
      const snapshot = await client(entry.scope).snapshot();
      assert.deepEqual(runnerFacts(snapshot), byId(runnersOf(answer)));
      assert.deepEqual(snapshot.unseen, [], "GitHub's documented statuses raise no note");
      fake.assertValid();
    });
  }

  for (const entry of ENTRIES.filter((e) => e.answers === "github-jobs")) {
    it(`${entry.files.join(" + ")}: every page is read and every queued job comes back with its labels and creation time`, async () => {
      const answers = entry.files.map(parse);
      const runId = (answers[0] as { jobs: Json[] }).jobs[0]?.["run_id"] as number;
      serve(entry, runId);
      const snapshot = await client(entry.scope).snapshot();
      assert.deepEqual(jobFacts(snapshot), byId(queuedGithubJobs(answers)));
      const pages = fake.requests.filter((r) => r.apiPath === githubPath(entry, runId).apiPath);
      assert.equal(pages.length, entry.files.length, "each page of the job list was asked for once");
      fake.assertValid();
    });
  }
});

describe("the Forgejo status client reads real Forgejo answers", () => {
  let fake: FakeForgejo;
  before(async () => {
    fake = await new FakeForgejo().start();
  });
  after(async () => {
    await fake.stop();
  });

  for (const entry of ENTRIES.filter((e) => e.answers === "forgejo-jobs")) {
    it(`${entry.files[0]!}: every waiting job comes back with its labels; a job that names no run has no wait`, async () => {
      const repo = entry.scope.slice("repo/".length);
      fake.state = { ...fake.state, runners: { [entry.scope]: [] }, jobs: {}, runs: [], repositories: [] };
      fake.override = (r) => (r.apiPath === `/repos/${repo}/actions/runners/jobs` ? json(read(entry.files[0]!)) : undefined);
      const client = createForgejoStatusClient({ url: fake.url, scope: entry.scope, auth: { kind: "token", token: "0123456789abcdef0123456789abcdef01234567", from: "FORGEJO_TOKEN" }, limits: LIMITS, declaredLabels: [], now: () => NOW });
      const snapshot = await client.snapshot();
      const answer = parse(entry.files[0]!) as Json[];
      const waiting = answer.filter((j) => j["status"] === "waiting");
      assert.deepEqual(jobFacts(snapshot), byId(waiting.map((j) => ({ id: j["id"] as number, labels: j["runs_on"] as string[] }))));
      assert.ok(snapshot.jobs.every((j) => j.repository === repo && j.queuedAt === undefined));
      assert.ok(snapshot.unseen.some((s) => s.includes('"run_id"')), `the report says why the wait is unknown: ${snapshot.unseen.join(" | ")}`);
      fake.assertValid();
    });
  }
});
