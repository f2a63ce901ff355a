// The foundation-runners stack: fenced Forgejo runner VMs on a libvirt host. Everything comes from
// stack config; the SSH key path comes from RUNNER_SSH_KEY_PATH. This program dials only the
// libvirt host and the forge's public API (or SSH): it reads no other stack and uses none of the
// forge's own providers, so the forge's stack never depends on the runner host being up.
import { LibvirtRunnerVm, readFoundationRunnersStackConfig } from "runner-fleet/libvirt";

const { vm, ephemeralVm, forgeApiToken, forgeReadToken, hostKey } = readFoundationRunnersStackConfig({ sshKeyPath: process.env["RUNNER_SSH_KEY_PATH"] });
const access = { ...(forgeApiToken === undefined ? {} : { forgeApiToken }), ...(hostKey === undefined ? {} : { hostKey }) };
// With a read token, the host exports each pool's waiting jobs and task results (docs/monitoring.md).
const jobMetrics = forgeReadToken === undefined ? {} : { jobMetrics: { readToken: forgeReadToken } };
const runner = new LibvirtRunnerVm("runner", { vm, ...access, ...jobMetrics });
// The one-job pool for untrusted jobs (`ephemeralPool`): a fresh VM and a fresh runner per job.
const pool = ephemeralVm === undefined ? undefined : new LibvirtRunnerVm("ephemeral", { vm: ephemeralVm, ...access, ...jobMetrics });

export const vmName = runner.vmName;
export const libvirtHost = runner.resolved.host.address;
export const labels = runner.resolved.runner.labels.map((l) => l.name);
export const instanceId = runner.cloudInitRedacted.instanceId;
/** What workflows can target: forge, substrate, labels (as runs-on matches them), runners and isolation. */
export const runnerPools = [...runner.pools, ...(pool?.pools ?? [])];
