/**
 * Host-side commands for one Forgejo runner VM, rendered as shell text for `@pulumi/command`
 * (`remote.Command` create/update/delete) or for an operator's terminal:
 *
 * - apply (create = update): download and verify the base image once, create the qcow2 overlay
 *   once (grow it when `vm.diskGiB` grows), rebuild the seed ISO when cloud-init changed, define the
 *   domain, mark it autostart, start it, or restart it when its definition or seed changed.
 * - delete: destroy and undefine the domain, remove its overlay, seed and staged files; never the
 *   base image, which other VMs' overlays may be backed by.
 *
 * Every script runs under /bin/sh as root: {@link asHostUser} wraps it in `sudo -n` for another user.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { virshCommands } from "../libvirt/virsh.ts";
import { forwardFixInstallScript, forwardFixUninstallScript } from "./forward-fix.ts";
import { type HostFileTarget, hostFileTargets, stageFileScript } from "./host-files.ts";
import {
  type ShellNode, type ShellScript, and, assign, blank, capture, cmd, comment, fail, ifThen, not, onExit, or, pipe, raw, ref,
  renderShellScript, shQuote, test, whileDo, withIo,
} from "./shell.ts";

/** Seconds the apply script waits for an ACPI shutdown before it powers the VM off. */
export const SHUTDOWN_GRACE_SECONDS = 120;
/** Seconds after the grace period during which the apply script keeps powering the VM off before it gives up. */
export const POWER_OFF_SECONDS = 30;

/** Host tools the apply script needs, with the Debian/Ubuntu package that provides each. */
export const HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ["virsh", "libvirt-clients"],
  ["qemu-img", "qemu-utils"],
  ["cloud-localds", "cloud-image-utils"],
  ["curl", "curl"],
  ["sha256sum", "coreutils"],
];

const argv = (words: readonly string[]) => cmd(...words);
const quiet = (c: ReturnType<typeof cmd>) => withIo(c, { quiet: true });

/** Fails with the package to install for each tool that is missing. */
export function toolChecks(tools: readonly (readonly [tool: string, pkg: string])[]): ShellNode[] {
  return tools.map(([tool, pkg]) => ifThen(not(quiet(cmd("command", "-v", tool))), fail(`${tool} is missing: apt-get install ${pkg}`)));
}

/**
 * Downloads the base image once per URL and digest into `$base`, verified against `$base_sha256`
 * before it is used, then read-only. Expects `base`, `base_url` and `base_sha256` to be set, and
 * an exit trap that removes `$base.part`.
 */
export function downloadBaseImage(): ShellNode[] {
  const checksum = (file: string) => pipe(cmd("printf", "%s  %s\\n", ref("base_sha256"), [ref(file), ".part"]), cmd("sha256sum", "--check", "--strict", "--status", "-"));
  return [
    comment("Base image: downloaded once per URL and digest, verified before it is used, then read-only."),
    ifThen(not(test("-f", ref("base"))), [
      cmd("curl", "--fail", "--silent", "--show-error", "--location", "--retry", "5", "--retry-connrefused", "--output", [ref("base"), ".part"], ref("base_url")),
      ifThen(not(checksum("base")), fail(["checksum mismatch for ", ref("base_url"), ": expected sha256 ", ref("base_sha256")])),
      cmd("chmod", "0444", [ref("base"), ".part"]),
      cmd("mv", "-f", [ref("base"), ".part"], ref("base")),
    ]),
  ];
}

/** The create/update script (idempotent). Expects the files of `hostFiles` to be staged. */
export function applyScript(vm: ResolvedForgejoVm): ShellScript {
  const p = vm.vm.paths;
  const v = virshCommands(vm);
  const stamp = (what: string) => `${p.stagingDir}/${what}.sha256`;
  const readStamp = (variable: string, file: string): ShellNode =>
    ifThen(test("-f", file), [capture(variable, cmd("cat", file))], [assign(variable, "")]);
  return {
    description: `Creates or updates Forgejo runner VM ${vm.vm.name} on this libvirt host. Idempotent; run as root.`,
    body: [
      cmd("umask", "077"),
      assign("name", vm.vm.name),
      assign("base", p.baseImage),
      assign("base_url", vm.vm.baseImage.url),
      assign("base_sha256", vm.vm.baseImage.sha256),
      assign("overlay", p.overlay),
      assign("seed", p.seedIso),
      assign("disk_gib", String(vm.vm.diskGiB)),
      assign("disk_bytes", String(vm.vm.diskGiB * 1024 ** 3)),
      blank,
      ...toolChecks(HOST_TOOLS),
      ...[p.userData, p.networkConfig, p.metaData, p.domainXml].map((f) => ifThen(not(test("-s", f)), fail(`${f} is missing: stage the cloud-init and domain files first`))),
      ifThen(not(pipe(argv(v.poolTarget), cmd("grep", "-qF", `<path>${vm.host.poolPath}</path>`))), fail(`libvirt pool ${vm.host.pool} does not exist or its target is not ${vm.host.poolPath} (set host.pool and host.poolPath to match virsh pool-dumpxml)`)),
      onExit(cmd("rm", "-f", [ref("base"), ".part"], [ref("seed"), ".part"])),
      blank,
      ...downloadBaseImage(),
      blank,
      comment("Overlay disk: created once (it is the VM's state), grown when vm.diskGiB grows, never shrunk."),
      capture("state_now", or(withIo(argv(v.state), { noStderr: true }), cmd("true"))),
      ifThen(not(test("-f", ref("overlay"))), [
        cmd("qemu-img", "create", "-f", "qcow2", "-F", "qcow2", "-b", ref("base"), ref("overlay"), [ref("disk_gib"), "G"]),
      ], [
        capture("size", pipe(cmd("qemu-img", "info", "--force-share", "--output=json", ref("overlay")), cmd("sed", "-n", 's/^ *"virtual-size": \\([0-9]*\\),*$/\\1/p'), cmd("head", "-n", "1"))),
        ifThen(test(ref("size"), "-gt", ref("disk_bytes")), fail(["the overlay ", ref("overlay"), " is larger than vm.diskGiB; disks never shrink: raise vm.diskGiB or recreate the VM"])),
        ifThen(test(ref("size"), "-lt", ref("disk_bytes")), [
          ifThen(test(ref("state_now"), "=", "running"), [
            argv(v.growDisk),
          ], [
            cmd("qemu-img", "resize", ref("overlay"), [ref("disk_gib"), "G"]),
          ]),
        ]),
      ]),
      blank,
      comment("Seed ISO: rebuilt only when user-data, network-config or meta-data changed. It holds the token: root-only."),
      capture("seed_sum", pipe(cmd("cat", p.userData, p.networkConfig, p.metaData), cmd("sha256sum"))),
      readStamp("seed_was", stamp("seed")),
      ifThen(or(not(test("-f", ref("seed"))), test(ref("seed_was"), "!=", ref("seed_sum"))), [
        cmd("cloud-localds", `--network-config=${p.networkConfig}`, [ref("seed"), ".part"], p.userData, p.metaData),
        cmd("chmod", "0600", [ref("seed"), ".part"]),
        cmd("mv", "-f", [ref("seed"), ".part"], ref("seed")),
        withIo(cmd("printf", "%s\\n", ref("seed_sum")), { stdout: stamp("seed") }),
      ]),
      blank,
      comment("Domain: (re)defined from the staged XML every time; autostart is a flag outside the XML."),
      argv(v.define),
      withIo(argv(v.autostart), { stdout: "/dev/null" }),
      withIo(argv(v.poolRefresh), { stdout: "/dev/null" }),
      blank,
      comment("Start it, or restart it when its definition or seed changed since it was last started."),
      capture("applied", pipe(cmd("cat", p.domainXml, p.userData, p.networkConfig, p.metaData), cmd("sha256sum"))),
      readStamp("applied_was", stamp("applied")),
      capture("state", argv(v.state)),
      ifThen(and(test(ref("state"), "=", "running"), test(ref("applied_was"), "!=", ref("applied"))), [
        argv(v.shutdown),
        assign("waited", "0"),
        whileDo(test(ref("state"), "=", "running"), [
          ifThen(test(ref("waited"), "-ge", String(SHUTDOWN_GRACE_SECONDS + POWER_OFF_SECONDS)), fail(["domain ", ref("name"), " is still running ", String(SHUTDOWN_GRACE_SECONDS + POWER_OFF_SECONDS), " s after its shutdown: check virsh domstate --reason ", ref("name"), ", then apply again"])),
          ifThen(test(ref("waited"), "-ge", String(SHUTDOWN_GRACE_SECONDS)), [
            comment("Power it off. It may stop on its own between the check and the destroy, which then fails: the loop re-checks."),
            capture("state", argv(v.state)),
            ifThen(test(ref("state"), "=", "running"), [or(argv(v.destroy), cmd("true"))]),
          ]),
          cmd("sleep", "1"),
          assign("waited", raw("$((waited + 1))")),
          capture("state", argv(v.state)),
        ]),
      ]),
      ifThen(or(test(ref("state"), "=", "shut off"), test(ref("state"), "=", "crashed")), [
        argv(v.start),
      ], [
        ifThen(test(ref("state"), "!=", "running"), fail(["domain ", ref("name"), " is ", ref("state"), ": resume or destroy it, then apply again"])),
      ]),
      withIo(cmd("printf", "%s\\n", ref("applied")), { stdout: stamp("applied") }),
    ],
  };
}

export interface DeleteScriptOptions {
  /**
   * What happens to the staged files (cloud-init sources, domain XML, stamps). `keep` is for a
   * deployment that stages the next version before it deletes the old VM (a Pulumi replacement):
   * the files it just wrote must survive the delete. @default "remove"
   */
  readonly staged?: "remove" | "keep";
}

/** The delete script: the VM and its own files go, the shared base image stays. */
export function deleteScript(vm: ResolvedForgejoVm, options: DeleteScriptOptions = {}): ShellScript {
  const p = vm.vm.paths;
  const v = virshCommands(vm);
  const keep = options.staged === "keep";
  return {
    description: `Deletes Forgejo runner VM ${vm.vm.name}: domain, overlay${keep ? " and seed ISO (the staged files stay)" : ", seed ISO and staged files"}.\nThe base image is shared with other VMs and is never deleted.`,
    body: [
      ifThen(quiet(argv(v.state)), [
        capture("state", argv(v.state)),
        ifThen(test(ref("state"), "!=", "shut off"), [argv(v.destroy)]),
        argv(v.undefine),
      ]),
      cmd("rm", "-f", p.overlay, p.seedIso, `${p.seedIso}.part`),
      ...(keep ? [] : [cmd("rm", "-rf", p.stagingDir)]),
      or(quiet(argv(v.poolRefresh)), cmd("true")),
    ],
  };
}

/** Removes the VM's staging directory (the staged user-data holds the registration token). */
export function removeStagedScript(vm: ResolvedForgejoVm): ShellScript {
  return {
    description: `Removes the staged cloud-init sources and domain XML of Forgejo runner VM ${vm.vm.name}.`,
    body: [cmd("rm", "-rf", vm.vm.paths.stagingDir)],
  };
}

/**
 * Wraps a script for the SSH user: `/bin/sh -c '<script>'` for root (whatever the login shell),
 * `sudo -n /bin/sh -c '<script>'` otherwise (needs passwordless sudo). Stdin passes through.
 */
export function asHostUser(vm: { readonly host: { readonly user: string } }, script: ShellScript): string {
  const text = renderShellScript(script);
  return `${vm.host.user === "root" ? "" : "sudo -n "}/bin/sh -c ${shQuote(text)}`;
}

/** A staged file with the command that writes it: run `command` on the host with the content on stdin. */
export interface StagingCommand extends HostFileTarget {
  readonly command: string;
}

/**
 * One command per staged file. The commands do not depend on the content, so a Pulumi component
 * can create them up front and feed each its content (an Output, secret for the user-data) as stdin.
 */
export function stagingCommands(vm: ResolvedForgejoVm): StagingCommand[] {
  return hostFileTargets(vm).map((t) => ({ ...t, command: asHostUser(vm, stageFileScript(t)) }));
}

export interface ForgejoVmHostCommands {
  /** Creates the VM (the apply script). */
  readonly create: string;
  /** Applies changes (the same idempotent apply script). */
  readonly update: string;
  /** Deletes the VM, its overlay, seed ISO and staged files. */
  readonly delete: string;
  /**
   * Deletes the VM, its overlay and seed ISO but leaves the staged files: for a deployment that
   * replaces the VM after staging the new files, paired with {@link ForgejoVmHostCommands.deleteStaged}.
   */
  readonly deleteKeepingStaged: string;
  /** Removes the staged files (run when the staging itself is torn down, after the VM is gone). */
  readonly deleteStaged: string;
  /** The k3s FORWARD fix, present when `host.firewallFix` is true. */
  readonly firewallFix?: { readonly create: string; readonly delete: string };
}

export function forgejoVmHostCommands(vm: ResolvedForgejoVm): ForgejoVmHostCommands {
  const apply = asHostUser(vm, applyScript(vm));
  return {
    create: apply,
    update: apply,
    delete: asHostUser(vm, deleteScript(vm)),
    deleteKeepingStaged: asHostUser(vm, deleteScript(vm, { staged: "keep" })),
    deleteStaged: asHostUser(vm, removeStagedScript(vm)),
    ...(vm.host.firewallFix ? { firewallFix: { create: asHostUser(vm, forwardFixInstallScript()), delete: asHostUser(vm, forwardFixUninstallScript()) } } : {}),
  };
}
