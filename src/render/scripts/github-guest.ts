/**
 * The GitHub Actions runner guest (`RunnerGuest`) of a one-job VM: the pinned actions/runner,
 * Docker (optional), and `github-runner.service`, which takes the just-in-time configuration the
 * host put on the seed ISO, runs exactly one job and powers the VM off. The guest holds no GitHub
 * credential: a JIT configuration registers one runner for one job and is useless afterwards.
 *
 * How the configuration travels: the host writes it as the file `jitconfig` on the NoCloud seed
 * (volume `cidata`). As root, `ExecStartPre=+` copies it into the service's runtime directory
 * (runner-owned, 0400); the runner's start script reads it into `ACTIONS_RUNNER_INPUT_JITCONFIG`
 * (the runner reads every flag from such a variable), deletes the file and starts `run.sh`. It is
 * never on a command line.
 */
import type { GuestDownload, GuestService, RunnerGuest } from "../../model/runner-guest.ts";
import type { ResolvedGithubVmPool } from "../../model/github-vm.ts";
import { JOB_REPORT_PATHS, JOB_REPORT_SCRAPE_WAIT_SECONDS, jobHookEnvLines, renderJobHookFiles } from "../monitoring/job-report.ts";
import { GITHUB_GUEST } from "./github-guest-paths.ts";
import { mountSeedIso } from "./seed-iso.ts";
import { type ShellScript, assign, capture, cmd, fail, ifThen, not, ref, renderShellScript, test } from "./shell.ts";

export { GITHUB_GUEST } from "./github-guest-paths.ts";

const G = GITHUB_GUEST;

/** The pinned actions/runner tarball, extracted into the runner's home. */
export function actionsRunnerDownload(pool: ResolvedGithubVmPool): GuestDownload {
  return { name: "actions-runner", version: pool.runner.version, url: pool.runner.downloadUrl, sha256: pool.runner.sha256, kind: "tar.gz", dest: G.runnerDir, owner: G.runnerUser, installer: G.installScript };
}

/** Root, before the runner starts: copies `jitconfig` from the read-only seed ISO into the runtime directory. */
export function jitConfigScript(): ShellScript {
  return {
    description: "Copies the runner's just-in-time configuration from the NoCloud seed ISO for the runner (0400).\nRun as root by github-runner.service (ExecStartPre=+) before the runner starts.",
    body: [
      ...mountSeedIso(G.seedLabel),
      ifThen(not(test("-s", [ref("mnt"), `/${G.seedFile}`])), fail(["the seed ISO has no ", G.seedFile, ": the host did not mint one for this VM"])),
      cmd("install", "-m", "0400", "-o", G.runnerUser, "-g", G.runnerUser, [ref("mnt"), `/${G.seedFile}`], G.jitFile),
    ],
  };
}

/** The runner: the JIT configuration into the environment (never argv), the file deleted, then `run.sh` for one job. */
export function runnerStartScript(): ShellScript {
  return {
    description: "Runs the GitHub Actions runner for exactly one job with its just-in-time configuration.\nThe configuration is read from a file the runner owns, which is deleted before the runner starts.",
    body: [
      assign("jit_file", G.jitFile),
      ifThen(not(test("-s", ref("jit_file"))), fail(["no just-in-time configuration at ", ref("jit_file")])),
      capture(G.jitVariable, cmd("cat", ref("jit_file"))),
      cmd("rm", "-f", ref("jit_file")),
      cmd("export", G.jitVariable),
      cmd("exec", `${G.runnerDir}/run.sh`),
    ],
  };
}

/** The runner service: one job, then the VM powers off (the host refills the slot). */
export function githubRunnerService(pool: ResolvedGithubVmPool): GuestService {
  return {
    unit: G.unit,
    comment: "GitHub Actions runner for one job, rendered by runner-fleet. When it exits, the VM powers off and the host replaces it.",
    description: "GitHub Actions runner (one job)",
    documentation: "https://docs.github.com/en/actions/hosting-your-own-runners",
    ...(pool.runner.docker ? { requires: ["docker.service"], supplementaryGroups: [G.dockerGroup] } : {}),
    user: G.runnerUser,
    workingDirectory: G.runnerHome,
    environment: [`HOME=${G.runnerHome}`, ...jobHookEnvLines()],
    runtimeDirectory: G.runtimeDirectory,
    execStartPreAsRoot: [[G.jitScript]],
    execStart: [G.startScript],
    // The job's series for the node exporter (docs/monitoring.md), before the VM powers off.
    execStopPostAsRoot: [[JOB_REPORT_PATHS.reportScript, "--wait-for-scrape", String(JOB_REPORT_SCRAPE_WAIT_SECONDS)]],
    onExit: "power-off",
  };
}

/** The GitHub runner guest of a pool. It is the same for every slot: the seed's meta-data names each VM. */
export function githubGuest(pool: ResolvedGithubVmPool): RunnerGuest {
  return {
    user: { name: G.runnerUser, uid: G.runnerUid, gecos: "GitHub Actions runner", home: G.runnerHome },
    // prometheus-node-exporter: its textfile collector serves the job report's series.
    packages: [...(pool.runner.docker ? ["docker.io"] : []), "prometheus-node-exporter"],
    enableServices: pool.runner.docker ? ["docker.service"] : [],
    downloads: [actionsRunnerDownload(pool)],
    files: [
      { path: G.jitScript, content: renderShellScript(jitConfigScript()), permissions: "0700" },
      { path: G.startScript, content: renderShellScript(runnerStartScript()), permissions: "0755" },
      ...renderJobHookFiles({ substrate: "libvirt", pool: pool.pool.name, githubApiUrl: pool.github.apiUrl, allowInsecureHttp: pool.github.allowInsecureHttp }).map((f) => ({ path: f.path, content: f.content, permissions: f.mode })),
    ],
    setup: [
      // The runner's own installer of the libraries it needs (ICU, Kerberos, ...), for the image's distribution.
      [`${G.runnerDir}/bin/installdependencies.sh`],
      ["systemd-tmpfiles", "--create", JOB_REPORT_PATHS.tmpfiles],
    ],
    service: githubRunnerService(pool),
  };
}
