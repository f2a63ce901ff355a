// The github-libvirt-runners stack: GitHub Actions runners in libvirt VMs, one job per VM. Everything
// comes from stack config; the SSH key path comes from RUNNER_SSH_KEY_PATH. The GitHub token is
// staged on the libvirt host only (root-only), where a timer mints a just-in-time configuration
// for each empty VM slot; no guest ever holds the token.
import { GitHubLibvirtRunners, readGithubLibvirtStackConfig } from "runner-fleet/libvirt";

const { pool, githubToken, hostKey } = readGithubLibvirtStackConfig({ sshKeyPath: process.env["RUNNER_SSH_KEY_PATH"] });
const runners = new GitHubLibvirtRunners("gh", {
  pool,
  githubToken,
  ...(hostKey === undefined ? {} : { hostKey }),
});

export const libvirtHost = runners.resolved.host.address;
export const slots = runners.resolved.pool.slots.map((s) => s.name);
export const jitConfigUrl = runners.resolved.github.jitConfigUrl;
/** What workflows can target: forge, substrate, labels (as runs-on matches them), runners and isolation. */
export const runnerPools = runners.pools;
