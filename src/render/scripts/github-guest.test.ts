import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveGithubVmPool } from "../../model/github-vm.ts";
import { actionsRunnerDownload, githubGuest, jitConfigScript, runnerStartScript } from "./github-guest.ts";
import { downloadInstallScript } from "./guest-downloads.ts";
import { JOB_REPORT_PATHS, renderJobHookFiles } from "../monitoring/job-report.ts";
import { renderShellScript } from "./shell.ts";
import { guestServiceUnit, renderSystemdUnit, unitValues } from "./systemd.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const pool = resolveGithubVmPool({ libvirtHost: "kvm1.lan", sshKeyPath: "/k", githubScope: "acme", runnerLabels: ["fenced-vm"] });

function shellcheck(name: string, text: string): void {
  const f = join(mkdtempSync(join(tmpdir(), "gh-guest-")), name);
  writeFileSync(f, text);
  const r = spawnSync("shellcheck", ["--shell=sh", f], { encoding: "utf8" });
  assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

test("the guest's scripts are shellcheck-clean", needs("shellcheck"), () => {
  requireTool("shellcheck");
  shellcheck("install-actions-runner", renderShellScript(downloadInstallScript(actionsRunnerDownload(pool))));
  shellcheck("github-runner-jit", renderShellScript(jitConfigScript()));
  shellcheck("github-runner-once", renderShellScript(runnerStartScript()));
});

test("one job, then power-off; Docker only when asked for", () => {
  const unit = guestServiceUnit(githubGuest(pool).service);
  assert.deepEqual(unitValues(unit, "Unit", "SuccessAction"), ["poweroff"]);
  assert.deepEqual(unitValues(unit, "Unit", "FailureAction"), ["poweroff"]);
  assert.deepEqual(unitValues(unit, "Service", "Restart"), ["no"]);
  assert.deepEqual(unitValues(unit, "Service", "SupplementaryGroups"), ["docker"]);
  const noDocker = resolveGithubVmPool({ libvirtHost: "kvm1.lan", sshKeyPath: "/k", githubScope: "acme", runnerLabels: ["fenced-vm"], docker: false });
  const g = githubGuest(noDocker);
  assert.deepEqual([g.packages, g.enableServices], [["prometheus-node-exporter"], []]);
  assert.doesNotMatch(renderSystemdUnit(guestServiceUnit(g.service)), /docker/);
});

test("the job's series: the started hook for the runner, the report as root after the job and before power-off", () => {
  const g = githubGuest(pool);
  const unit = guestServiceUnit(g.service);
  assert.deepEqual(unitValues(unit, "Service", "Environment"), ["HOME=/home/runner", `ACTIONS_RUNNER_HOOK_JOB_STARTED=${JOB_REPORT_PATHS.startedHook}`]);
  assert.deepEqual(unitValues(unit, "Service", "ExecStopPost"), [`+${JOB_REPORT_PATHS.reportScript} --wait-for-scrape 90`]);
  const expected = renderJobHookFiles({ substrate: "libvirt", pool: pool.pool.name, githubApiUrl: pool.github.apiUrl });
  for (const f of expected) assert.deepEqual(g.files.find((x) => x.path === f.path), { path: f.path, content: f.content, permissions: f.mode });
  assert.deepEqual(g.setup.at(-1), ["systemd-tmpfiles", "--create", JOB_REPORT_PATHS.tmpfiles]);
  assert.ok(g.packages.includes("prometheus-node-exporter"));
});

/** Runs the tarball installer against a stub curl that serves `payload`, with the install root moved under a temp dir. */
function install(payloadSha: "right" | "wrong"): { status: number | null; stderr: string; dest: string } {
  const root = mkdtempSync(join(tmpdir(), "gh-install-"));
  const bin = join(root, "bin");
  mkdirSync(bin);
  const tarball = join(root, "runner.tar.gz");
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "run.sh"), "#!/bin/sh\n");
  spawnSync("tar", ["-czf", tarball, "-C", join(root, "src"), "run.sh"]);
  const sha = spawnSync("sha256sum", [tarball], { encoding: "utf8" }).stdout.split(" ")[0] ?? "";
  writeFileSync(join(bin, "curl"), `#!/bin/sh\nout=""; prev=""; for a; do if [ "$prev" = --output ]; then out=$a; fi; prev=$a; done; cp '${tarball}' "$out"\n`);
  chmodSync(join(bin, "curl"), 0o755);
  const dest = join(root, "actions-runner");
  const me = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
  const d = { ...actionsRunnerDownload(pool), dest, owner: me, sha256: payloadSha === "right" ? sha : "0".repeat(64) };
  const script = join(root, "install");
  writeFileSync(script, renderShellScript(downloadInstallScript(d)).replace(/^install -d -m 0755 -o \S+ -g \S+/m, "install -d -m 0755"));
  const r = spawnSync("/bin/sh", [script], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
  return { status: r.status, stderr: r.stderr, dest };
}

test("the tarball is extracted only when its SHA-256 matches", () => {
  const good = install("right");
  assert.equal(good.status, 0, good.stderr);
  assert.equal(spawnSync("test", ["-f", join(good.dest, "run.sh")]).status, 0);
  const bad = install("wrong");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /checksum mismatch for https:\/\/github\.com\/actions\/runner\/releases\/download\/v2\.329\.0\/actions-runner-linux-x64-2\.329\.0\.tar\.gz/);
  assert.equal(spawnSync("test", ["-e", bad.dest]).status, 1, "nothing installed");
});
