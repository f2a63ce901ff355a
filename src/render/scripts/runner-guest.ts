/**
 * The Forgejo runner guest (`RunnerGuest`): the checksum-verified forgejo-runner, the one-shot
 * registration, its config and the `forgejo-runner.service` daemon. The one guest renderer
 * (`render/cloud-init/user-data.ts`) turns it into cloud-init user-data.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { formatForgejoRunnerScope, formatRunnerLabel } from "../../model/forgejo-vm.ts";
import { ConfigError } from "../../model/issues.ts";
import type { GuestDownload, GuestService, RunnerGuest } from "../../model/runner-guest.ts";
import { renderForgejoRunnerConfig } from "../cloud-init/runner-config.ts";
import { downloadInstallScript } from "./guest-downloads.ts";
import { FORGEJO_RUNNER_UNIT } from "../monitoring/alert-groups.ts";
import { type ShellScript, assign, blank, capture, cmd, comment, exit, fail, ifThen, not, onExit, ref, renderShellScript, test } from "./shell.ts";
import { type SystemdUnit, guestServiceUnit } from "./systemd.ts";

/** Fixed paths inside the guest. */
export const GUEST = {
  runnerUser: "runner",
  runnerUid: 1000,
  runnerHome: "/home/runner",
  binary: "/usr/local/bin/forgejo-runner",
  installScript: "/usr/local/sbin/install-forgejo-runner",
  registerScript: "/usr/local/sbin/register-forgejo-runner",
  configDir: "/etc/forgejo-runner",
  config: "/etc/forgejo-runner/config.yaml",
  /** Root-only; deleted by the registration script whatever its outcome. */
  tokenFile: "/etc/forgejo-runner/registration-token",
  /** Registration result (uuid and secret of the runner); its presence means "registered". */
  registration: "/home/runner/.runner",
  cacheDir: "/home/runner/.cache/actcache",
  hostWorkdir: "/home/runner/.cache/act",
  unit: "forgejo-runner.service",
  unitPath: "/etc/systemd/system/forgejo-runner.service",
  dockerGroup: "docker",
} as const;

/** The labels as `forgejo-runner register --labels` takes them. */
export const labelsArgument = (vm: ResolvedForgejoVm): string => vm.runner.labels.map(formatRunnerLabel).join(",");

/** The pinned forgejo-runner binary as a guest download. */
export function forgejoRunnerDownload(vm: ResolvedForgejoVm): GuestDownload {
  return { name: "forgejo-runner", version: vm.runner.version, url: vm.runner.downloadUrl, sha256: vm.runner.sha256, kind: "binary", dest: GUEST.binary, installer: GUEST.installScript };
}

/**
 * Downloads the pinned forgejo-runner and installs it only when its SHA-256 matches; any mismatch
 * or download error exits non-zero before anything is installed. Re-running is a no-op once the
 * installed binary has the expected digest.
 */
export function installRunnerScript(vm: ResolvedForgejoVm): ShellScript {
  return downloadInstallScript(forgejoRunnerDownload(vm));
}

/**
 * Registers the runner once, non-interactively, as the runner user in its home. The token is read
 * from the root-only token file, which is deleted on exit whether or not registration succeeded
 * (cloud-init runs this once per instance; a failed registration needs a new instance anyway).
 */
export function registerRunnerScript(vm: ResolvedForgejoVm): ShellScript {
  return {
    description: `Registers forgejo-runner "${vm.vm.name}" with ${vm.forge.address} (scope ${formatForgejoRunnerScope(vm.forge.scope)}).\nReads the registration token from a root-only file and deletes that file on exit.`,
    body: [
      assign("token_file", GUEST.tokenFile),
      onExit(cmd("rm", "-f", ref("token_file"))),
      ifThen(test("-s", GUEST.registration), [comment("Registered on an earlier boot."), exit(0)]),
      ifThen(not(test("-s", ref("token_file"))), fail(["no registration token at ", ref("token_file")])),
      capture("TOKEN", cmd("cat", ref("token_file"))),
      cmd("cd", GUEST.runnerHome),
      blank,
      comment("The token is on the command line only for the moment of registration, before any job can run."),
      cmd(
        "runuser", "-u", GUEST.runnerUser, "--",
        GUEST.binary, "register", "--no-interactive",
        "-c", GUEST.config,
        "--instance", vm.forge.address,
        "--token", ref("TOKEN"),
        "--name", vm.vm.name,
        "--labels", labelsArgument(vm),
      ),
      ifThen(not(test("-s", GUEST.registration)), fail(["registration wrote no ", GUEST.registration])),
      cmd("chmod", "0600", GUEST.registration),
    ],
  };
}

/** The forgejo-runner daemon as a guest service: a daemon that systemd restarts after a failure. */
export function forgejoRunnerService(): GuestService {
  return {
    unit: GUEST.unit,
    comment: "Forgejo runner daemon, rendered by runner-fleet. Jobs run in Docker containers without the Docker socket.",
    description: "Forgejo Actions runner",
    documentation: "https://forgejo.org/docs/latest/admin/actions/",
    requires: ["docker.service"],
    conditionPathExists: GUEST.registration,
    user: GUEST.runnerUser,
    supplementaryGroups: [GUEST.dockerGroup],
    workingDirectory: GUEST.runnerHome,
    environment: [`HOME=${GUEST.runnerHome}`],
    execStart: [GUEST.binary, "daemon", "-c", GUEST.config],
    onExit: "restart",
  };
}

/**
 * `forgejo-runner daemon` as the unprivileged runner user. Docker access comes from the docker
 * socket's group (SupplementaryGroups=docker), not from root; the hardening leaves the socket
 * reachable (connecting to a UNIX socket works on a read-only mount) and everything else read-only.
 */
export function runnerServiceUnit(): SystemdUnit {
  return guestServiceUnit(forgejoRunnerService());
}

/** Stands in for a secret in offline renders. */
export const REDACTED = "[secret]";

/** Refuses a token that is empty or could break out of its file; never quotes the token. */
export function checkRegistrationToken(token: string): void {
  if (token === "") throw new ConfigError([{ path: "registrationToken", message: "is empty", fix: "pass the Forgejo runner registration token of the configured scope" }], "cloud-init secrets");
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(token)) {
    throw new ConfigError([{ path: "registrationToken", message: "contains characters other than letters, digits, '.', '_' and '-'", fix: "pass the token exactly as Forgejo returns it, without whitespace or quotes" }], "cloud-init secrets");
  }
}

/**
 * The Forgejo runner guest: Docker, the pinned forgejo-runner, its config, a one-time registration
 * with a token in a root-only file, and the daemon. Pass {@link REDACTED} as the token for output
 * that may be shown.
 */
/**
 * The node exporter of a Forgejo runner VM: forgejo-runner has no metrics and no job hooks, so the
 * runner's libvirt alerts watch its service through the systemd collector (docs/monitoring.md).
 * A drop-in replaces the Debian unit's command line; it takes effect when the package installs.
 * (`unit-include` is a regular expression; the unescaped dot also matches itself.)
 */
export const FORGEJO_NODE_EXPORTER_DROP_IN = {
  path: "/etc/systemd/system/prometheus-node-exporter.service.d/runner-fleet.conf",
  content: [
    "# Rendered by runner-fleet: the systemd collector for the Forgejo runner's service (docs/monitoring.md).",
    "[Service]",
    "ExecStart=",
    `ExecStart=/usr/bin/prometheus-node-exporter --collector.systemd --collector.systemd.enable-restarts-metrics --collector.systemd.unit-include=${FORGEJO_RUNNER_UNIT}`,
    "",
  ].join("\n"),
} as const;

export function forgejoGuest(vm: ResolvedForgejoVm, registrationToken: string): RunnerGuest {
  if (registrationToken !== REDACTED) checkRegistrationToken(registrationToken);
  return {
    hostname: vm.vm.name,
    user: { name: GUEST.runnerUser, uid: GUEST.runnerUid, gecos: "Forgejo runner", home: GUEST.runnerHome },
    packages: ["docker.io", "prometheus-node-exporter"],
    enableServices: ["docker.service"],
    downloads: [forgejoRunnerDownload(vm)],
    files: [
      { path: FORGEJO_NODE_EXPORTER_DROP_IN.path, content: FORGEJO_NODE_EXPORTER_DROP_IN.content, permissions: "0644" },
      { path: GUEST.registerScript, content: renderShellScript(registerRunnerScript(vm)), permissions: "0700" },
      { path: GUEST.config, content: renderForgejoRunnerConfig(vm), permissions: "0644" },
      { path: GUEST.tokenFile, content: registrationToken, permissions: "0600", secret: true },
    ],
    setup: [[GUEST.registerScript]],
    service: forgejoRunnerService(),
  };
}
