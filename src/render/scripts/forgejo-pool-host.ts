/**
 * Host side of an ephemeral Forgejo pool, as shell text for `@pulumi/command` or an operator's terminal:
 *
 * - the fill script, run by a systemd timer: for each slot whose domain is not running, it removes
 *   the finished VM and its overlay, removes the runner last registered for the slot (best effort:
 *   a runner that took its job is gone already), registers a new ephemeral runner
 *   (`forgejo-pool-register.ts`), builds the slot's seed ISO with its uuid and token, creates a
 *   fresh overlay on the verified base image, and defines and starts the domain. At the first
 *   refusal it stops filling until the next run, so a bad token costs one request per interval.
 * - install (create = update): tools, staged files and pool checked, the base image downloaded and
 *   verified once, the scripts, service and timer installed, the timer enabled, one fill now.
 * - delete: the timer and units go, every slot's domain, overlay and seed, its runner (best
 *   effort), and the staged files; never the base image.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import type { ResolvedForgejoEphemeralPool } from "../../model/forgejo-vm-ephemeral.ts";
import { LIBVIRT_URI } from "../libvirt/virsh.ts";
import { EPHEMERAL_GUEST } from "./forgejo-ephemeral-guest.ts";
import { FORGEJO_RUNNER_ID_FILE, forgejoRegisterScript } from "./forgejo-pool-register.ts";
import { installIfChanged } from "./forward-fix.ts";
import { asHostUser, downloadBaseImage, toolChecks } from "./host-commands.ts";
import { stageFileScript } from "./host-files.ts";
import {
  type ShellNode, type ShellScript, assign, blank, capture, cmd, comment, exit, fail, forEach, ifThen, not, onExit, or, pipe, raw, ref, renderShellScript, test, withIo,
} from "./shell.ts";
import { type SystemdUnit, execLine, renderSystemdUnit } from "./systemd.ts";

/** Host tools of an ephemeral Forgejo pool, with the Debian/Ubuntu package of each. */
export const FORGEJO_POOL_HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ["virsh", "libvirt-clients"],
  ["qemu-img", "qemu-utils"],
  ["genisoimage", "genisoimage"],
  ["curl", "curl"],
  ["sha256sum", "coreutils"],
];

const UNIT_DIR = "/etc/systemd/system";
const virsh = (...args: Parameters<typeof cmd>) => cmd("virsh", "--connect", LIBVIRT_URI, ...args);
const quiet = (c: ReturnType<typeof cmd>) => withIo(c, { quiet: true });
const log = (message: Parameters<typeof cmd>[0]) => withIo(cmd("echo", ["runner-fleet: ", message]), { toStderr: true });

/** The pool of a resolved VM; throws when the VM is persistent (a caller's mistake, not an input problem). */
export function ephemeralPoolOf(vm: ResolvedForgejoVm): ResolvedForgejoEphemeralPool {
  const pool = vm.runner.ephemeral;
  if (pool === undefined) throw new TypeError(`Forgejo VM ${vm.vm.name} is not ephemeral`);
  return pool;
}

/**
 * Removes the runner last registered for `$slot`, best effort: an ephemeral runner that took its
 * job was deleted by Forgejo (404); one whose VM never took a job would otherwise stay registered.
 * Expects `auth`, `endpoint` and `staging` to be set.
 */
function deregisterSlotRunner(): ShellNode {
  const idFile = [ref("staging"), "/", ref("slot"), `/${FORGEJO_RUNNER_ID_FILE}`];
  return ifThen(test("-s", idFile), [
    capture("runner_id", cmd("cat", idFile)),
    or(
      withIo(cmd("curl", "--silent", "--max-time", "30", "--output", "/dev/null", "--request", "DELETE", "--header", ["@", ref("auth")], [ref("endpoint"), "/", ref("runner_id")]), { noStderr: true }),
      cmd("true"),
    ),
    cmd("rm", "-f", idFile),
  ]);
}

/** Fills one empty slot (`$slot`); sets `failed=1` when Forgejo refuses the registration. */
function fillSlot(pool: ResolvedForgejoEphemeralPool): ShellNode[] {
  const work = (file: string) => [ref("work"), `/${file}`];
  const slotDir = (file: string) => [ref("staging"), "/", ref("slot"), `/${file}`];
  return [
    comment("Its last runner finished (the guest powered off), or it never started: the VM and its overlay go."),
    ifThen(test("-n", ref("state")), [withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" })]),
    assign("overlay", [ref("pool_dir"), "/", ref("slot"), ".qcow2"]),
    assign("seed", [ref("pool_dir"), "/", ref("slot"), "-seed.iso"]),
    cmd("rm", "-f", ref("overlay"), ref("seed"), work(EPHEMERAL_GUEST.seedUuid), work(EPHEMERAL_GUEST.seedToken), work(FORGEJO_RUNNER_ID_FILE)),
    deregisterSlotRunner(),
    assign("name", [ref("slot"), "-", raw("$(date -u +%Y%m%d%H%M%S)")]),
    ifThen(not(cmd(pool.paths.registerScript, ref("name"), ref("work"), ref("auth"))), [
      log([ref("slot"), ": no runner registered; empty slots stay empty until the next run"]),
      assign("failed", "1"),
    ], [
      cmd("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", ref("base"), ref("overlay"), [ref("disk_gib"), "G"]),
      comment(`The seed: user-data, network-config, the slot's meta-data and the runner's ${EPHEMERAL_GUEST.seedUuid} and ${EPHEMERAL_GUEST.seedToken}. Root-only.`),
      cmd(
        "genisoimage", "-quiet", "-output", [ref("seed"), ".part"], "-volid", EPHEMERAL_GUEST.seedLabel, "-joliet", "-rock",
        [ref("staging"), "/user-data"], [ref("staging"), "/network-config"], slotDir("meta-data"), work(EPHEMERAL_GUEST.seedUuid), work(EPHEMERAL_GUEST.seedToken),
      ),
      comment("Remember the runner's id, so that a VM that never takes its job does not leave it registered."),
      cmd("mv", "-f", work(FORGEJO_RUNNER_ID_FILE), slotDir(FORGEJO_RUNNER_ID_FILE)),
      cmd("rm", "-f", work(EPHEMERAL_GUEST.seedToken)),
      cmd("chmod", "0600", [ref("seed"), ".part"]),
      cmd("mv", "-f", [ref("seed"), ".part"], ref("seed")),
      withIo(virsh("define", "--validate", slotDir("domain.xml")), { stdout: "/dev/null" }),
      withIo(virsh("start", ref("slot")), { stdout: "/dev/null" }),
      cmd("echo", ["runner-fleet: ", ref("slot"), ": started one-job runner ", ref("name")]),
    ]),
  ];
}

/** The fill script the timer runs (as root on the libvirt host). */
export function forgejoPoolFillScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  const p = pool.paths;
  return {
    description: `Keeps the ${pool.slots.length} VM slots of Forgejo pool ${pool.name} filled: one ephemeral runner, one job, per VM.\nRun by ${p.fillTimer}; run as root.`,
    body: [
      cmd("umask", "077"),
      assign("endpoint", pool.registerUrl),
      assign("auth", p.authHeader),
      assign("staging", p.stagingDir),
      assign("pool_dir", vm.host.poolPath),
      assign("base", vm.vm.paths.baseImage),
      assign("disk_gib", String(vm.vm.diskGiB)),
      assign("failed", "0"),
      ifThen(not(test("-f", ref("base"))), fail(["the base image ", ref("base"), " is missing: run pulumi up for this stack"])),
      ifThen(not(test("-s", ref("auth"))), [
        log(["no Forgejo API token at ", ref("auth"), ": empty slots stay empty until it is staged (pulumi up)"]),
        exit(0),
      ]),
      capture("work", cmd("mktemp", "-d")),
      onExit(cmd("rm", "-rf", ref("work"))),
      blank,
      forEach("slot", pool.slots.map((s) => s.name), [
        capture("state", or(withIo(virsh("domstate", ref("slot")), { noStderr: true }), cmd("true"))),
        ifThen(or(test("-z", ref("state")), test(ref("state"), "=", "shut off"), test(ref("state"), "=", "crashed")), [
          comment("After a refusal, no further request until the next run: no retry storm."),
          ifThen(test(ref("failed"), "=", "0"), fillSlot(pool)),
        ]),
      ]),
      ifThen(test(ref("failed"), "=", "1"), [exit(1)]),
    ],
  };
}

export function forgejoPoolFillService(vm: ResolvedForgejoVm): SystemdUnit {
  const pool = ephemeralPoolOf(vm);
  return {
    fileName: pool.paths.fillService,
    comment: `Fills the empty VM slots of Forgejo pool ${pool.name} (runner-fleet).`,
    sections: [
      { name: "Unit", entries: [["Description", `Fill the VM slots of Forgejo pool ${pool.name}`], ["Wants", "network-online.target"], ["After", "network-online.target libvirtd.service"]] },
      { name: "Service", entries: [["Type", "oneshot"], ["ExecStart", execLine([pool.paths.fillScript])], ["TimeoutStartSec", "15min"]] },
    ],
  };
}

export function forgejoPoolFillTimer(vm: ResolvedForgejoVm): SystemdUnit {
  const pool = ephemeralPoolOf(vm);
  const every = `${pool.refillSeconds}s`;
  return {
    fileName: pool.paths.fillTimer,
    comment: `Runs the fill of Forgejo pool ${pool.name} at boot and ${every} after each run ends: never in a tight loop.`,
    sections: [
      { name: "Unit", entries: [["Description", `Keep the VM slots of Forgejo pool ${pool.name} filled`]] },
      { name: "Timer", entries: [["OnBootSec", every], ["OnUnitInactiveSec", every], ["AccuracySec", "5s"], ["Unit", pool.paths.fillService]] },
      { name: "Install", entries: [["WantedBy", "timers.target"]] },
    ],
  };
}

/** The staged files the fill script reads: shared user-data and network-config, then each slot's meta-data and domain XML. */
export function forgejoPoolStagedPaths(vm: ResolvedForgejoVm): { readonly key: string; readonly path: string }[] {
  const pool = ephemeralPoolOf(vm);
  return [
    { key: "user-data", path: pool.paths.userData },
    { key: "network-config", path: pool.paths.networkConfig },
    ...pool.slots.flatMap((s) => [{ key: `${s.name}-meta-data`, path: s.metaData }, { key: `${s.name}-domain-xml`, path: s.domainXml }]),
  ];
}

/** Install (create = update). Expects the staged files and the API token to be in place. */
export function forgejoPoolInstallScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  const p = pool.paths;
  return {
    description: `Installs Forgejo pool ${pool.name} on this libvirt host: base image, registration and fill scripts, service and timer. Idempotent; run as root.`,
    body: [
      cmd("umask", "077"),
      ...toolChecks(FORGEJO_POOL_HOST_TOOLS),
      ...[...forgejoPoolStagedPaths(vm).map((f) => f.path), p.authHeader].map((f) => ifThen(not(test("-s", f)), fail(`${f} is missing: stage the pool's files and API token first`))),
      ifThen(not(pipe(virsh("pool-dumpxml", vm.host.pool), cmd("grep", "-qF", `<path>${vm.host.poolPath}</path>`))), fail(`libvirt pool ${vm.host.pool} does not exist or its target is not ${vm.host.poolPath} (set host.pool and host.poolPath to match virsh pool-dumpxml)`)),
      assign("base", vm.vm.paths.baseImage),
      assign("base_url", vm.vm.baseImage.url),
      assign("base_sha256", vm.vm.baseImage.sha256),
      onExit(cmd("rm", "-f", [ref("base"), ".part"])),
      ...downloadBaseImage(),
      blank,
      comment("The scripts and the timer: installed only when they changed."),
      assign("changed", "0"),
      ...installIfChanged(p.registerScript, "0700", renderShellScript(forgejoRegisterScript(vm, pool))),
      ...installIfChanged(p.fillScript, "0700", renderShellScript(forgejoPoolFillScript(vm))),
      ...installIfChanged(`${UNIT_DIR}/${p.fillService}`, "0644", renderSystemdUnit(forgejoPoolFillService(vm))),
      ...installIfChanged(`${UNIT_DIR}/${p.fillTimer}`, "0644", renderSystemdUnit(forgejoPoolFillTimer(vm))),
      ifThen(test(ref("changed"), "=", "1"), [cmd("systemctl", "daemon-reload")]),
      quiet(cmd("systemctl", "enable", "--now", p.fillTimer)),
      comment("Fill the slots now instead of waiting for the timer; a changed guest reaches each slot's next VM."),
      cmd("systemctl", "start", "--no-block", p.fillService),
    ],
  };
}

/** Delete: units, every slot's VM, runner and files, the staged files; never the shared base image. */
export function forgejoPoolDeleteScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  const p = pool.paths;
  return {
    description: `Deletes Forgejo pool ${pool.name}: timer, scripts, every slot's domain, overlay, seed and runner, and the staged files.\nThe base image is shared with other VMs and is never deleted.`,
    body: [
      assign("auth", p.authHeader),
      assign("endpoint", pool.registerUrl),
      assign("staging", p.stagingDir),
      or(quiet(cmd("systemctl", "disable", "--now", p.fillTimer)), cmd("true")),
      or(quiet(cmd("systemctl", "stop", p.fillService)), cmd("true")),
      cmd("rm", "-f", `${UNIT_DIR}/${p.fillTimer}`, `${UNIT_DIR}/${p.fillService}`, p.fillScript, p.registerScript),
      cmd("systemctl", "daemon-reload"),
      forEach("slot", pool.slots.map((s) => s.name), [
        ifThen(quiet(virsh("domstate", ref("slot"))), [
          capture("state", virsh("domstate", ref("slot"))),
          ifThen(test(ref("state"), "!=", "shut off"), [or(quiet(virsh("destroy", ref("slot"))), cmd("true"))]),
          withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" }),
        ]),
        ifThen(test("-s", ref("auth")), [deregisterSlotRunner()]),
        cmd("rm", "-f", [vm.host.poolPath, "/", ref("slot"), ".qcow2"], [vm.host.poolPath, "/", ref("slot"), "-seed.iso"], [vm.host.poolPath, "/", ref("slot"), "-seed.iso.part"]),
      ]),
      cmd("rm", "-rf", p.stagingDir),
      or(quiet(virsh("pool-refresh", vm.host.pool)), cmd("true")),
    ],
  };
}

/** Removes the staged API token (its directory too, when empty). */
export function forgejoPoolRemoveCredentialScript(vm: ResolvedForgejoVm): ShellScript {
  const file = ephemeralPoolOf(vm).paths.authHeader;
  return {
    description: `Removes the Forgejo API token of pool ${vm.vm.name} from this host.`,
    body: [cmd("rm", "-f", file), or(withIo(cmd("rmdir", file.slice(0, file.lastIndexOf("/"))), { noStderr: true }), cmd("true"))],
  };
}

export interface ForgejoPoolHostCommands {
  readonly install: string;
  readonly delete: string;
  /** Writes stdin (the `Authorization` header line) to the root-only header file. */
  readonly stageCredential: string;
  readonly removeCredential: string;
  /** One command per staged file, each writing stdin. */
  readonly stage: readonly { readonly key: string; readonly path: string; readonly command: string }[];
}

export function forgejoPoolHostCommands(vm: ResolvedForgejoVm): ForgejoPoolHostCommands {
  const pool = ephemeralPoolOf(vm);
  return {
    install: asHostUser(vm, forgejoPoolInstallScript(vm)),
    delete: asHostUser(vm, forgejoPoolDeleteScript(vm)),
    stageCredential: asHostUser(vm, stageFileScript({ path: pool.paths.authHeader, mode: "0600" })),
    removeCredential: asHostUser(vm, forgejoPoolRemoveCredentialScript(vm)),
    stage: forgejoPoolStagedPaths(vm).map((f) => ({ ...f, command: asHostUser(vm, stageFileScript({ path: f.path, mode: "0644" })) })),
  };
}
