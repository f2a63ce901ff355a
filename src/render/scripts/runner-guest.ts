/**
 * What runs inside the runner VM: the checksum-verified forgejo-runner installer, the one-shot
 * registration, and the `forgejo-runner.service` unit. cloud-init delivers them (see
 * `render/cloud-init/user-data.ts`).
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { formatForgejoRunnerScope, formatRunnerLabel } from "../../model/forgejo-vm.ts";
import {
  type ShellScript, and, assign, blank, capture, cmd, comment, exit, fail, ifThen, not, onExit, pipe, ref, test,
} from "./shell.ts";
import { type SystemdUnit, execLine } from "./systemd.ts";

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

/**
 * Downloads the pinned forgejo-runner and installs it only when its SHA-256 matches; any mismatch
 * or download error exits non-zero before anything is installed. Re-running is a no-op once the
 * installed binary has the expected digest.
 */
export function installRunnerScript(vm: ResolvedForgejoVm): ShellScript {
  const checksumOf = (file: string) => cmd("printf", "%s  %s\\n", ref("sha256"), ref(file));
  return {
    description: `Installs forgejo-runner ${vm.runner.version} (linux-amd64) after verifying its SHA-256.\nFails without installing anything when the download or the checksum is wrong.`,
    body: [
      assign("url", vm.runner.downloadUrl),
      assign("sha256", vm.runner.sha256),
      assign("dest", GUEST.binary),
      ifThen(and(test("-x", ref("dest")), pipe(checksumOf("dest"), cmd("sha256sum", "--check", "--status", "-"))), [
        comment("Already installed at the pinned version."),
        exit(0),
      ]),
      capture("tmp", cmd("mktemp")),
      onExit(cmd("rm", "-f", ref("tmp"))),
      cmd("curl", "--fail", "--silent", "--show-error", "--location", "--retry", "5", "--retry-connrefused", "--output", ref("tmp"), ref("url")),
      ifThen(not(pipe(checksumOf("tmp"), cmd("sha256sum", "--check", "--strict", "--status", "-"))), [
        ...fail(["checksum mismatch for ", ref("url"), ": expected sha256 ", ref("sha256")]),
      ]),
      cmd("install", "-m", "0755", "-o", "root", "-g", "root", ref("tmp"), ref("dest")),
      cmd("echo", ["runner-fleet: installed forgejo-runner ", vm.runner.version]),
    ],
  };
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

/**
 * `forgejo-runner daemon` as the unprivileged runner user. Docker access comes from the docker
 * socket's group (SupplementaryGroups=docker), not from root; the hardening below leaves the socket
 * reachable (connecting to a UNIX socket works on a read-only mount) and everything else read-only.
 */
export function runnerServiceUnit(): SystemdUnit {
  return {
    fileName: GUEST.unit,
    comment: "Forgejo runner daemon, rendered by runner-fleet. Jobs run in Docker containers without the Docker socket.",
    sections: [
      {
        name: "Unit",
        entries: [
          ["Description", "Forgejo Actions runner"],
          ["Documentation", "https://forgejo.org/docs/latest/admin/actions/"],
          ["Wants", "network-online.target"],
          ["After", "network-online.target docker.service"],
          ["Requires", "docker.service"],
          ["ConditionPathExists", GUEST.registration],
        ],
      },
      {
        name: "Service",
        entries: [
          ["Type", "simple"],
          ["User", GUEST.runnerUser],
          ["Group", GUEST.runnerUser],
          ["SupplementaryGroups", GUEST.dockerGroup],
          ["WorkingDirectory", GUEST.runnerHome],
          ["Environment", `HOME=${GUEST.runnerHome}`],
          ["ExecStart", execLine([GUEST.binary, "daemon", "-c", GUEST.config])],
          ["Restart", "on-failure"],
          ["RestartSec", "10s"],
          ["TimeoutStopSec", "5min"],
          ["UMask", "0077"],
          ["NoNewPrivileges", "yes"],
          ["CapabilityBoundingSet", ""],
          ["AmbientCapabilities", ""],
          ["ProtectSystem", "strict"],
          ["ReadWritePaths", GUEST.runnerHome],
          ["PrivateTmp", "yes"],
          ["PrivateDevices", "yes"],
          ["ProtectKernelTunables", "yes"],
          ["ProtectKernelModules", "yes"],
          ["ProtectKernelLogs", "yes"],
          ["ProtectControlGroups", "yes"],
          ["ProtectClock", "yes"],
          ["ProtectHostname", "yes"],
          ["RestrictSUIDSGID", "yes"],
          ["RestrictRealtime", "yes"],
          ["RestrictNamespaces", "yes"],
          ["LockPersonality", "yes"],
          ["SystemCallArchitectures", "native"],
          ["RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"],
        ],
      },
      { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
    ],
  };
}
