import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JOB_REPORT_PATHS, jobHookEnvLines, renderJobHookFiles, renderJobReportScript, renderJobStartedHook, type JobReportOptions } from "./job-report.ts";
import { JOB_METRICS } from "./job-metrics.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const JOB = "9f1c2d3e-aaaa-bbbb-cccc-ddddeeeeffff";
const listening = "[2024-01-02 03:00:01Z INFO Terminal] WRITE LINE: 2024-01-02 03:00:01Z: Listening for Jobs";
const received = `[2024-01-02 03:01:00Z INFO JobDispatcher] Job request 42 for plan 0b8b6a7e-1111-2222-3333-444455556666 job ${JOB} received.`;
const running = "[2024-01-02 03:01:00Z INFO Terminal] WRITE LINE: 2024-01-02 03:01:00Z: Running job: build";
const completed = (result: string) => `[2024-01-02 03:05:30Z INFO Terminal] WRITE LINE: 2024-01-02 03:05:30Z: Job build completed with result: ${result}`;

/** Runs the rendered report over a runner directory whose listener log has `lines`; returns the textfile. */
function report(lines: string[] | undefined): { text: string; files: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "job-report-"));
  try {
    const options: JobReportOptions = { substrate: "libvirt", pool: "gh-small", runnerDir: `${dir}/runner`, textfileDir: `${dir}/textfile`, spoolDir: `${dir}/spool` };
    mkdirSync(`${dir}/runner/_diag`, { recursive: true });
    mkdirSync(`${dir}/textfile`);
    if (lines !== undefined) writeFileSync(`${dir}/runner/_diag/Runner_20240102-030000-utc.log`, lines.join("\n") + "\n");
    writeFileSync(`${dir}/report`, renderJobReportScript(options));
    const r = spawnSync("bash", [`${dir}/report`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return { text: readFileSync(`${dir}/textfile/${JOB_REPORT_PATHS.textfile}`, "utf8"), files: readdirSync(`${dir}/textfile`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sample = (text: string, metric: string) => text.split("\n").find((l) => l.startsWith(`${metric}{`));

describe("job report", () => {
  it("a job that failed: its result, duration and id from the listener's log, the exit as outcome job", () => {
    const { text, files } = report([listening, received, running, completed("Failed")]);
    assert.equal(sample(text, JOB_METRICS.completedTimestamp), `${JOB_METRICS.completedTimestamp}{pool="gh-small",job_id="${JOB}",result="failed"} ${Date.UTC(2024, 0, 2, 3, 5, 30) / 1000}`);
    assert.equal(sample(text, JOB_METRICS.durationSeconds), `${JOB_METRICS.durationSeconds}{pool="gh-small",job_id="${JOB}"} 270`);
    assert.match(sample(text, JOB_METRICS.exitTimestamp)!, /\{pool="gh-small",outcome="job"\} \d+$/);
    assert.equal(sample(text, JOB_METRICS.queueSeconds), undefined, "no queue time without a token file");
    assert.deepEqual(files, [JOB_REPORT_PATHS.textfile], "the temp file was renamed, nothing else is left");
  });

  it("a job name that imitates the completed line does not decide the result", () => {
    const fake = "[2024-01-02 03:01:00Z INFO Terminal] WRITE LINE: 2024-01-02 03:01:00Z: Running job: x completed with result: Succeeded";
    const { text } = report([listening, received, fake, completed("Failed").replace("Job build", "Job x completed with result: Succeeded")]);
    assert.match(sample(text, JOB_METRICS.completedTimestamp)!, /result="failed"/);
  });

  it("results: SucceededWithIssues counts as succeeded; a job the listener never reported done was abandoned", () => {
    assert.match(sample(report([listening, received, running, completed("SucceededWithIssues")]).text, JOB_METRICS.completedTimestamp)!, /result="succeeded"/);
    assert.match(sample(report([listening, received, running, completed("Canceled")]).text, JOB_METRICS.completedTimestamp)!, /result="canceled"/);
    assert.match(sample(report([listening, received, running]).text, JOB_METRICS.completedTimestamp)!, /result="abandoned"/);
  });

  it("a runner that listened but got no job exits idle; one that never listened (or left no log) exits never_listened", () => {
    const idle = report([listening]).text;
    assert.match(sample(idle, JOB_METRICS.exitTimestamp)!, /outcome="idle"/);
    assert.equal(sample(idle, JOB_METRICS.completedTimestamp), undefined);
    assert.match(sample(report(["[2024-01-02 03:00:01Z ERR  Runner] registration failed"]).text, JOB_METRICS.exitTimestamp)!, /outcome="never_listened"/);
    assert.match(sample(report(undefined).text, JOB_METRICS.exitTimestamp)!, /outcome="never_listened"/);
  });

  it("promtool check metrics accepts the textfile", needs("promtool"), () => {
    requireTool("promtool");
    for (const lines of [[listening, received, running, completed("Failed")], [listening], undefined]) {
      const r = spawnSync("promtool", ["check", "metrics"], { input: report(lines).text, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
  });

  it("the started hook records the run atomically, and never fails the job, even when it cannot write", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "job-hook-"));
    try {
      mkdirSync(`${dir}/spool`);
      writeFileSync(`${dir}/hook.sh`, renderJobStartedHook({ substrate: "ec2", pool: "aws-fips", spoolDir: `${dir}/spool` }));
      const env = { PATH: process.env["PATH"] ?? "", GITHUB_REPOSITORY: "acme/web", GITHUB_RUN_ID: "123", GITHUB_RUN_ATTEMPT: "2" };
      // The runner runs .sh hooks as `bash -e <file>`.
      const r = spawnSync("bash", ["-e", `${dir}/hook.sh`], { env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(readFileSync(`${dir}/spool/job`, "utf8"), /^repository=acme\/web\nrun_id=123\nrun_attempt=2\nstarted=\d+\n$/);
      assert.deepEqual(readdirSync(`${dir}/spool`), ["job"]);
      rmSync(`${dir}/spool`, { recursive: true });
      assert.equal(spawnSync("bash", ["-e", `${dir}/hook.sh`], { env, encoding: "utf8" }).status, 0, "a missing spool does not fail the job");
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the hook and report scripts are shellcheck-clean", needs("shellcheck"), () => {
    requireTool("shellcheck");
    for (const substrate of ["ec2", "libvirt"] as const) {
      for (const file of renderJobHookFiles({ substrate, pool: "p" }).filter((f) => f.mode === "0755")) {
        const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: file.content, encoding: "utf8" });
        assert.equal(r.status, 0, `${file.path}: ${r.stdout}`);
      }
    }
  });

  it("installs under fixed paths for each substrate's runner, with the hook turned on through the runner's .env", () => {
    const ec2 = renderJobHookFiles({ substrate: "ec2", pool: "aws-fips" });
    assert.deepEqual(ec2.map((f) => [f.path, f.mode]), [[JOB_REPORT_PATHS.startedHook, "0755"], [JOB_REPORT_PATHS.reportScript, "0755"], [JOB_REPORT_PATHS.tmpfiles, "0644"]]);
    assert.match(ec2[1]!.content, /^readonly RUNNER_DIR='?\/opt\/actions-runner'?$/m);
    assert.match(renderJobHookFiles({ substrate: "libvirt", pool: "gh" })[1]!.content, /^readonly RUNNER_DIR='?\/home\/runner\/actions-runner'?$/m);
    assert.match(ec2[2]!.content, /^d \/var\/lib\/runner-fleet\/spool 0750 runner runner -$/m);
    assert.deepEqual(jobHookEnvLines(), [`ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_REPORT_PATHS.startedHook}`]);
  });

  it("refuses settings that could not be a label value or a plain path, naming each key and the fix", () => {
    assert.throws(() => renderJobHookFiles({ substrate: "ec2", pool: 'a"b', textfileDir: "relative/dir", githubApiUrl: "http://api.github.com" }), (e: Error) => {
      assert.equal(e.name, "ConfigError");
      assert.match(e.message, /pool: "a\\"b" is not a label value\. Fix: name the pool with 1-63 letters/);
      assert.match(e.message, /textfileDir: "relative\/dir" is not a plain absolute path\. Fix:/);
      assert.match(e.message, /githubApiUrl: "http:\/\/api\.github\.com" is not an https URL\. Fix:/);
      return true;
    });
  });
});
