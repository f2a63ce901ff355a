/**
 * The Forgejo runner guest of a one-job (ephemeral) VM: Docker, the pinned forgejo-runner, its
 * config, and `forgejo-runner.service`, which runs `forgejo-runner one-job` with the runner the
 * host registered for this VM, takes exactly one job and powers the VM off. The guest holds no
 * Forgejo API token: the host registers the runner and hands the guest only that runner's uuid and
 * token, which Forgejo invalidates after the one job.
 *
 * How the credentials travel: the host writes `runner-uuid` and `runner-token` onto the NoCloud
 * seed (volume `cidata`). As root, `ExecStartPre=+` copies them into the service's runtime
 * directory (runner-owned, 0400); the start script reads the uuid, and forgejo-runner reads the
 * token itself from that file (`--token-url file:`), so the token is never on a command line.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { formatRunnerLabel } from "../../model/runner-label.ts";
import type { GuestService, RunnerGuest } from "../../model/runner-guest.ts";
import { renderForgejoRunnerConfig } from "../cloud-init/runner-config.ts";
import { GUEST, forgejoRunnerDownload } from "./runner-guest.ts";
import { mountSeedIso } from "./seed-iso.ts";
import { type ShellScript, assign, capture, cmd, fail, ifThen, not, ref, renderShellScript, test } from "./shell.ts";

/** Fixed paths of the one-job guest, besides those it shares with the persistent one ({@link GUEST}). */
export const EPHEMERAL_GUEST = {
  /** Root: copies the runner's uuid and token from the seed ISO for the runner. */
  credentialsScript: "/usr/local/sbin/forgejo-runner-credentials",
  /** The runner: `forgejo-runner one-job` with the uuid read from its file. */
  startScript: "/usr/local/bin/forgejo-runner-once",
  runtimeDirectory: "forgejo-runner",
  uuidFile: "/run/forgejo-runner/uuid",
  tokenFile: "/run/forgejo-runner/token",
  /** The files' names on the seed ISO (next to user-data and meta-data). */
  seedUuid: "runner-uuid",
  seedToken: "runner-token",
  seedLabel: "cidata",
} as const;

const E = EPHEMERAL_GUEST;

/** Root, before the runner starts: copies the uuid and token from the read-only seed ISO (0400, runner-owned). */
export function runnerCredentialsScript(): ShellScript {
  const onSeed = (file: string) => [ref("mnt"), `/${file}`];
  return {
    description: "Copies the one-job runner's uuid and token from the NoCloud seed ISO for the runner (0400).\nRun as root by forgejo-runner.service (ExecStartPre=+) before the runner starts.",
    body: [
      ...mountSeedIso(E.seedLabel),
      ...[E.seedUuid, E.seedToken].map((f) => ifThen(not(test("-s", onSeed(f))), fail(["the seed ISO has no ", f, ": the host registered no runner for this VM"]))),
      cmd("install", "-m", "0400", "-o", GUEST.runnerUser, "-g", GUEST.runnerUser, onSeed(E.seedUuid), E.uuidFile),
      cmd("install", "-m", "0400", "-o", GUEST.runnerUser, "-g", GUEST.runnerUser, onSeed(E.seedToken), E.tokenFile),
    ],
  };
}

/** The runner: one job with the registered runner; the token is read by forgejo-runner from its file. */
export function oneJobStartScript(vm: ResolvedForgejoVm): ShellScript {
  return {
    description: `Runs forgejo-runner for exactly one job from ${vm.forge.address}, with the ephemeral runner the host registered for this VM.\nThe token stays in its file (--token-url file:), never on a command line.`,
    body: [
      assign("uuid_file", E.uuidFile),
      ifThen(not(test("-s", ref("uuid_file"))), fail(["no runner uuid at ", ref("uuid_file")])),
      capture("uuid", cmd("cat", ref("uuid_file"))),
      cmd(
        "exec", GUEST.binary, "one-job", "-c", GUEST.config,
        "--url", vm.forge.address,
        "--uuid", ref("uuid"),
        "--token-url", `file:${E.tokenFile}`,
        ...vm.runner.labels.flatMap((l) => ["--label", formatRunnerLabel(l)]),
        "--wait",
      ),
    ],
  };
}

/** The runner service: one job, then the VM powers off (the host destroys it and refills the slot). */
export function oneJobRunnerService(): GuestService {
  return {
    unit: GUEST.unit,
    comment: "Forgejo runner for one job, rendered by runner-fleet. When it exits, the VM powers off and the host replaces it. Jobs run in Docker containers without the Docker socket.",
    description: "Forgejo Actions runner (one job)",
    documentation: "https://forgejo.org/docs/latest/admin/actions/",
    requires: ["docker.service"],
    user: GUEST.runnerUser,
    supplementaryGroups: [GUEST.dockerGroup],
    workingDirectory: GUEST.runnerHome,
    environment: [`HOME=${GUEST.runnerHome}`],
    runtimeDirectory: E.runtimeDirectory,
    execStartPreAsRoot: [[E.credentialsScript]],
    execStart: [E.startScript],
    onExit: "power-off",
  };
}

/** The one-job guest of an ephemeral pool. It is the same for every slot: the seed's meta-data names each VM. */
export function forgejoEphemeralGuest(vm: ResolvedForgejoVm): RunnerGuest {
  return {
    user: { name: GUEST.runnerUser, uid: GUEST.runnerUid, gecos: "Forgejo runner", home: GUEST.runnerHome },
    packages: ["docker.io"],
    enableServices: ["docker.service"],
    downloads: [forgejoRunnerDownload(vm)],
    files: [
      { path: E.credentialsScript, content: renderShellScript(runnerCredentialsScript()), permissions: "0700" },
      { path: E.startScript, content: renderShellScript(oneJobStartScript(vm)), permissions: "0755" },
      { path: GUEST.config, content: renderForgejoRunnerConfig(vm), permissions: "0644" },
    ],
    setup: [],
    service: oneJobRunnerService(),
  };
}
