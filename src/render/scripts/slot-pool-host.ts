/**
 * The host side that the libvirt one-job pools of both forges share (`forgejo-pool-host.ts`,
 * `github-pool-host.ts`): a fixed set of VM slots, each a domain, an overlay on the shared base
 * image and a seed ISO, kept filled by a systemd timer that runs the pool's fill script.
 *
 * What differs between the forges is passed in: how the pool is named, how a runner is minted for
 * a slot and how it is removed again (the per-forge deregistration request), and the words of the
 * descriptions. The rest (the slot's clearing and start, the fill loop, the units, install,
 * delete, the credential's removal and the host commands) is here once.
 */
import type { ResolvedLibvirtHost } from "../../model/libvirt-host.ts";
import { LIBVIRT_URI } from "../libvirt/virsh.ts";
import { installIfChanged } from "./forward-fix.ts";
import { asHostUser, downloadBaseImage, toolChecks } from "./host-commands.ts";
import { stageFileScript } from "./host-files.ts";
import {
  type ShellNode, type ShellScript, type ShellWord, assign, blank, capture, cmd, comment, exit, fail, forEach, ifThen, not, onExit, or, pipe, raw, ref, test, withIo,
} from "./shell.ts";
import { type SystemdUnit, execLine, renderSystemdUnit } from "./systemd.ts";

/** Host tools of a one-job pool, with the Debian/Ubuntu package of each. */
export const SLOT_POOL_HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ["virsh", "libvirt-clients"],
  ["qemu-img", "qemu-utils"],
  ["genisoimage", "genisoimage"],
  ["curl", "curl"],
  ["sha256sum", "coreutils"],
];

const UNIT_DIR = "/etc/systemd/system";
export const virsh = (...args: Parameters<typeof cmd>) => cmd("virsh", "--connect", LIBVIRT_URI, ...args);
export const quiet = (c: ReturnType<typeof cmd>) => withIo(c, { quiet: true });
export const log = (message: Parameters<typeof cmd>[0]) => withIo(cmd("echo", ["runner-fleet: ", message]), { toStderr: true });

/** A file in the fill script's work directory (`$work`). */
export const workFile = (file: string): ShellWord[] => [ref("work"), `/${file}`];
/** A file beside the staged files of the slot `$slot`. */
export const slotFile = (file: string): ShellWord[] => [ref("staging"), "/", ref("slot"), `/${file}`];

/** A one-job pool as the shared host scripts see it. */
export interface SlotPool {
  /** How descriptions name the pool, e.g. `Forgejo pool fj-eph`. */
  readonly title: string;
  /** What kind of runner one VM gets, e.g. `ephemeral`. */
  readonly runnerKind: string;
  /** What the staged credential is called in the fill script's log, e.g. `Forgejo API token`. */
  readonly credential: string;
  readonly host: Pick<ResolvedLibvirtHost, "user" | "pool" | "poolPath">;
  readonly slots: readonly { readonly name: string; readonly metaData: string; readonly domainXml: string }[];
  readonly refillSeconds: number;
  readonly diskGiB: number;
  readonly baseImage: { readonly path: string; readonly url: string; readonly sha256: string };
  /** The staged files' directory and shared files, the root-only `Authorization` header file, the fill script and its units. */
  readonly paths: Readonly<Record<"stagingDir" | "userData" | "networkConfig" | "authHeader" | "fillScript" | "fillService" | "fillTimer", string>>;
}

/** How the runner last minted for a slot is removed from the forge. */
export interface SlotRunnerApi {
  /** The file beside the slot's staged files that holds the runner's id. */
  readonly idFile: string;
  /** The variable holding the URL the id is appended to. */
  readonly urlVariable: string;
  /** Headers sent besides the `Authorization` line read from `$auth`. */
  readonly headers: readonly string[];
}

/**
 * Removes the runner last minted for `$slot`, best effort: a runner that took its job is gone
 * already (404); one whose VM never took a job would otherwise stay registered.
 * Expects `auth`, the API's URL variable and `staging` to be set.
 */
export function deregisterSlotRunner(api: SlotRunnerApi): ShellNode {
  const idFile = slotFile(api.idFile);
  return ifThen(test("-s", idFile), [
    capture("runner_id", cmd("cat", idFile)),
    or(
      withIo(cmd(
        "curl", "--silent", "--max-time", "30", "--output", "/dev/null", "--request", "DELETE",
        "--header", ["@", ref("auth")], ...api.headers.flatMap((h) => ["--header", h]),
        [ref(api.urlVariable), "/", ref("runner_id")],
      ), { noStderr: true }),
      cmd("true"),
    ),
    cmd("rm", "-f", idFile),
  ]);
}

/** The start of a slot's fill: the finished VM, its overlay, seed and work files, and its last runner go; `$name` is set. */
export function clearSlot(why: string, workFiles: readonly string[], deregister: ShellNode): ShellNode[] {
  return [
    comment(why),
    ifThen(test("-n", ref("state")), [withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" })]),
    assign("overlay", [ref("pool_dir"), "/", ref("slot"), ".qcow2"]),
    assign("seed", [ref("pool_dir"), "/", ref("slot"), "-seed.iso"]),
    cmd("rm", "-f", ref("overlay"), ref("seed"), ...workFiles.map(workFile)),
    deregister,
    assign("name", [ref("slot"), "-", raw("$(date -u +%Y%m%d%H%M%S)")]),
  ];
}

export interface SlotStart {
  /** The seed ISO's volume label. */
  readonly seedLabel: string;
  /** The comment above the seed's build. */
  readonly seedComment: string;
  /** Work files put on the seed after user-data, network-config and the slot's meta-data. */
  readonly seedFiles: readonly string[];
  /** Records the minted runner's id beside the slot's staged files. */
  readonly remember: ShellNode;
  /** Work files removed once the seed is built. */
  readonly scratch: readonly string[];
  /** The runner as the log names it, e.g. `one-job runner`. */
  readonly started: string;
}

/** The end of a slot's fill, once a runner is minted: overlay, seed ISO, the runner's id, and the domain defined and started. */
export function startSlot(s: SlotStart): ShellNode[] {
  return [
    cmd("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", ref("base"), ref("overlay"), [ref("disk_gib"), "G"]),
    comment(s.seedComment),
    cmd(
      "genisoimage", "-quiet", "-output", [ref("seed"), ".part"], "-volid", s.seedLabel, "-joliet", "-rock",
      [ref("staging"), "/user-data"], [ref("staging"), "/network-config"], slotFile("meta-data"), ...s.seedFiles.map(workFile),
    ),
    comment("Remember the runner's id, so that a VM that never takes its job does not leave it registered."),
    s.remember,
    cmd("rm", "-f", ...s.scratch.map(workFile)),
    cmd("chmod", "0600", [ref("seed"), ".part"]),
    cmd("mv", "-f", [ref("seed"), ".part"], ref("seed")),
    withIo(virsh("define", "--validate", slotFile("domain.xml")), { stdout: "/dev/null" }),
    withIo(virsh("start", ref("slot")), { stdout: "/dev/null" }),
    cmd("echo", ["runner-fleet: ", ref("slot"), `: started ${s.started} `, ref("name")]),
  ];
}

export interface SlotPoolFill {
  /** Variables set before `auth` (the forge's URLs). */
  readonly urls: readonly (readonly [name: string, value: string])[];
  /** Variables set after `disk_gib`. */
  readonly extra: readonly (readonly [name: string, value: string])[];
  /** What runs for each slot whose domain is not running (`$slot`, `$state`). */
  readonly emptySlot: readonly ShellNode[];
}

/** The fill script the timer runs (as root on the libvirt host). */
export function slotPoolFillScript(pool: SlotPool, fill: SlotPoolFill): ShellScript {
  return {
    description: `Keeps the ${pool.slots.length} VM slots of ${pool.title} filled: one ${pool.runnerKind} runner, one job, per VM.\nRun by ${pool.paths.fillTimer}; run as root.`,
    body: [
      cmd("umask", "077"),
      ...fill.urls.map(([name, value]) => assign(name, value)),
      assign("auth", pool.paths.authHeader),
      assign("staging", pool.paths.stagingDir),
      assign("pool_dir", pool.host.poolPath),
      assign("base", pool.baseImage.path),
      assign("disk_gib", String(pool.diskGiB)),
      ...fill.extra.map(([name, value]) => assign(name, value)),
      assign("failed", "0"),
      ifThen(not(test("-f", ref("base"))), fail(["the base image ", ref("base"), " is missing: run pulumi up for this stack"])),
      ifThen(not(test("-s", ref("auth"))), [
        log([`no ${pool.credential} at `, ref("auth"), ": empty slots stay empty until it is staged (pulumi up)"]),
        exit(0),
      ]),
      capture("work", cmd("mktemp", "-d")),
      onExit(cmd("rm", "-rf", ref("work"))),
      blank,
      forEach("slot", pool.slots.map((s) => s.name), [
        capture("state", or(withIo(virsh("domstate", ref("slot")), { noStderr: true }), cmd("true"))),
        ifThen(or(test("-z", ref("state")), test(ref("state"), "=", "shut off"), test(ref("state"), "=", "crashed")), fill.emptySlot),
      ]),
      ifThen(test(ref("failed"), "=", "1"), [exit(1)]),
    ],
  };
}

export function slotPoolFillService(pool: SlotPool): SystemdUnit {
  return {
    fileName: pool.paths.fillService,
    comment: `Fills the empty VM slots of ${pool.title} (runner-fleet).`,
    sections: [
      { name: "Unit", entries: [["Description", `Fill the VM slots of ${pool.title}`], ["Wants", "network-online.target"], ["After", "network-online.target libvirtd.service"]] },
      { name: "Service", entries: [["Type", "oneshot"], ["ExecStart", execLine([pool.paths.fillScript])], ["TimeoutStartSec", "15min"]] },
    ],
  };
}

export function slotPoolFillTimer(pool: SlotPool): SystemdUnit {
  const every = `${pool.refillSeconds}s`;
  return {
    fileName: pool.paths.fillTimer,
    comment: `Runs the fill of ${pool.title} at boot and ${every} after each run ends: never in a tight loop.`,
    sections: [
      { name: "Unit", entries: [["Description", `Keep the VM slots of ${pool.title} filled`]] },
      { name: "Timer", entries: [["OnBootSec", every], ["OnUnitInactiveSec", every], ["AccuracySec", "5s"], ["Unit", pool.paths.fillService]] },
      { name: "Install", entries: [["WantedBy", "timers.target"]] },
    ],
  };
}

/** The staged files the fill script reads, in order: shared user-data and network-config, then each slot's meta-data and domain XML. */
export function slotPoolStagedPaths(pool: SlotPool): { readonly key: string; readonly path: string }[] {
  return [
    { key: "user-data", path: pool.paths.userData },
    { key: "network-config", path: pool.paths.networkConfig },
    ...pool.slots.flatMap((s) => [{ key: `${s.name}-meta-data`, path: s.metaData }, { key: `${s.name}-domain-xml`, path: s.domainXml }]),
  ];
}

export interface SlotPoolInstall {
  readonly description: string;
  /** What the staged credential is called when it is missing, e.g. `API token`. */
  readonly credential: string;
  /** The settings that name the libvirt pool and its directory, e.g. `pool and poolPath`. */
  readonly poolSettings: string;
  /** The comment above the scripts and units. */
  readonly scriptsComment: string;
  /** The root-only scripts to install, in order: path and content. */
  readonly scripts: readonly (readonly [path: string, content: string])[];
}

/** Install (create = update). Expects the staged files and the credential to be in place. */
export function slotPoolInstallScript(pool: SlotPool, install: SlotPoolInstall): ShellScript {
  const p = pool.paths;
  return {
    description: install.description,
    body: [
      cmd("umask", "077"),
      ...toolChecks(SLOT_POOL_HOST_TOOLS),
      ...[...slotPoolStagedPaths(pool).map((f) => f.path), p.authHeader].map((f) => ifThen(not(test("-s", f)), fail(`${f} is missing: stage the pool's files and ${install.credential} first`))),
      ifThen(not(pipe(virsh("pool-dumpxml", pool.host.pool), cmd("grep", "-qF", `<path>${pool.host.poolPath}</path>`))), fail(`libvirt pool ${pool.host.pool} does not exist or its target is not ${pool.host.poolPath} (set ${install.poolSettings} to match virsh pool-dumpxml)`)),
      assign("base", pool.baseImage.path),
      assign("base_url", pool.baseImage.url),
      assign("base_sha256", pool.baseImage.sha256),
      onExit(cmd("rm", "-f", [ref("base"), ".part"])),
      ...downloadBaseImage(),
      blank,
      comment(install.scriptsComment),
      assign("changed", "0"),
      ...install.scripts.flatMap(([path, content]) => installIfChanged(path, "0700", content)),
      ...installIfChanged(`${UNIT_DIR}/${p.fillService}`, "0644", renderSystemdUnit(slotPoolFillService(pool))),
      ...installIfChanged(`${UNIT_DIR}/${p.fillTimer}`, "0644", renderSystemdUnit(slotPoolFillTimer(pool))),
      ifThen(test(ref("changed"), "=", "1"), [cmd("systemctl", "daemon-reload")]),
      quiet(cmd("systemctl", "enable", "--now", p.fillTimer)),
      comment("Fill the slots now instead of waiting for the timer; a changed guest reaches each slot's next VM."),
      cmd("systemctl", "start", "--no-block", p.fillService),
    ],
  };
}

export interface SlotPoolDelete {
  readonly description: string;
  /** The variable the deregistration reads the API's URL from, and its value. */
  readonly url: readonly [name: string, value: string];
  /** Installed files that go besides the units and the fill script. */
  readonly extraFiles: readonly string[];
  /** Removes the slot's last runner (`$slot`); run only when the credential is staged. */
  readonly deregister: ShellNode;
}

/** Delete: units, every slot's VM, runner and files, the staged files; never the shared base image. */
export function slotPoolDeleteScript(pool: SlotPool, del: SlotPoolDelete): ShellScript {
  const p = pool.paths;
  const inPool = (suffix: string) => [pool.host.poolPath, "/", ref("slot"), suffix];
  return {
    description: del.description,
    body: [
      assign("auth", p.authHeader),
      assign(...del.url),
      assign("staging", p.stagingDir),
      or(quiet(cmd("systemctl", "disable", "--now", p.fillTimer)), cmd("true")),
      or(quiet(cmd("systemctl", "stop", p.fillService)), cmd("true")),
      cmd("rm", "-f", `${UNIT_DIR}/${p.fillTimer}`, `${UNIT_DIR}/${p.fillService}`, p.fillScript, ...del.extraFiles),
      cmd("systemctl", "daemon-reload"),
      forEach("slot", pool.slots.map((s) => s.name), [
        ifThen(quiet(virsh("domstate", ref("slot"))), [
          capture("state", virsh("domstate", ref("slot"))),
          ifThen(test(ref("state"), "!=", "shut off"), [or(quiet(virsh("destroy", ref("slot"))), cmd("true"))]),
          withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" }),
        ]),
        ifThen(test("-s", ref("auth")), [del.deregister]),
        cmd("rm", "-f", inPool(".qcow2"), inPool("-seed.iso"), inPool("-seed.iso.part")),
      ]),
      cmd("rm", "-rf", p.stagingDir),
      or(quiet(virsh("pool-refresh", pool.host.pool)), cmd("true")),
    ],
  };
}

/** Removes the staged credential (its directory too, when empty). */
export function slotPoolRemoveCredentialScript(pool: SlotPool, description: string): ShellScript {
  const file = pool.paths.authHeader;
  return {
    description,
    body: [cmd("rm", "-f", file), or(withIo(cmd("rmdir", file.slice(0, file.lastIndexOf("/"))), { noStderr: true }), cmd("true"))],
  };
}

export interface SlotPoolHostCommands {
  readonly install: string;
  readonly delete: string;
  /** Writes stdin (the `Authorization` header line) to the root-only header file. */
  readonly stageCredential: string;
  readonly removeCredential: string;
  /** One command per staged file, each writing stdin. */
  readonly stage: readonly { readonly key: string; readonly path: string; readonly command: string }[];
}

/** The pool's scripts as commands for the host's user (through `sudo -n` unless root). */
export function slotPoolHostCommands(pool: SlotPool, scripts: { readonly install: ShellScript; readonly delete: ShellScript; readonly removeCredential: ShellScript }): SlotPoolHostCommands {
  return {
    install: asHostUser(pool, scripts.install),
    delete: asHostUser(pool, scripts.delete),
    stageCredential: asHostUser(pool, stageFileScript({ path: pool.paths.authHeader, mode: "0600" })),
    removeCredential: asHostUser(pool, scripts.removeCredential),
    stage: slotPoolStagedPaths(pool).map((f) => ({ ...f, command: asHostUser(pool, stageFileScript({ path: f.path, mode: "0644" })) })),
  };
}
