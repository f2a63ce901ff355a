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
 *
 * What both forges' one-job pools share on the host is in `slot-pool-host.ts`; this module adds
 * how a runner is minted for a slot and removed again.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import type { ResolvedForgejoEphemeralPool } from "../../model/forgejo-vm-ephemeral.ts";
import { EPHEMERAL_GUEST } from "./forgejo-ephemeral-guest.ts";
import { FORGEJO_RUNNER_ID_FILE, forgejoRegisterScript } from "./forgejo-pool-register.ts";
import { type ShellNode, type ShellScript, assign, cmd, comment, ifThen, not, ref, renderShellScript, test } from "./shell.ts";
import {
  type SlotPool, type SlotPoolHostCommands, SLOT_POOL_HOST_TOOLS, clearSlot, deregisterSlotRunner, log, slotFile, slotPoolDeleteScript, slotPoolFillScript, slotPoolFillService,
  slotPoolFillTimer, slotPoolHostCommands, slotPoolInstallScript, slotPoolRemoveCredentialScript, slotPoolStagedPaths, startSlot, workFile,
} from "./slot-pool-host.ts";
import type { SystemdUnit } from "./systemd.ts";

/** Host tools of an ephemeral Forgejo pool, with the Debian/Ubuntu package of each. */
export const FORGEJO_POOL_HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = SLOT_POOL_HOST_TOOLS;

/** The pool of a resolved VM; throws when the VM is persistent (a caller's mistake, not an input problem). */
export function ephemeralPoolOf(vm: ResolvedForgejoVm): ResolvedForgejoEphemeralPool {
  const pool = vm.runner.ephemeral;
  if (pool === undefined) throw new TypeError(`Forgejo VM ${vm.vm.name} is not ephemeral`);
  return pool;
}

/** The pool as the shared host scripts see it. */
function slotPoolOf(vm: ResolvedForgejoVm): SlotPool {
  const pool = ephemeralPoolOf(vm);
  return {
    title: `Forgejo pool ${pool.name}`,
    runnerKind: "ephemeral",
    credential: "Forgejo API token",
    host: vm.host,
    slots: pool.slots,
    refillSeconds: pool.refillSeconds,
    diskGiB: vm.vm.diskGiB,
    baseImage: { path: vm.vm.paths.baseImage, url: vm.vm.baseImage.url, sha256: vm.vm.baseImage.sha256 },
    paths: pool.paths,
  };
}

/**
 * Removes the runner last registered for `$slot`, best effort: an ephemeral runner that took its
 * job was deleted by Forgejo (404); one whose VM never took a job would otherwise stay registered.
 * Expects `auth`, `endpoint` and `staging` to be set.
 */
const deregisterForgejoRunner = (): ShellNode => deregisterSlotRunner({ idFile: FORGEJO_RUNNER_ID_FILE, urlVariable: "endpoint", headers: [] });

/** Fills one empty slot (`$slot`); sets `failed=1` when Forgejo refuses the registration. */
function fillSlot(pool: ResolvedForgejoEphemeralPool): ShellNode[] {
  return [
    ...clearSlot(
      "Its last runner finished (the guest powered off), or it never started: the VM and its overlay go.",
      [EPHEMERAL_GUEST.seedUuid, EPHEMERAL_GUEST.seedToken, FORGEJO_RUNNER_ID_FILE],
      deregisterForgejoRunner(),
    ),
    ifThen(not(cmd(pool.paths.registerScript, ref("name"), ref("work"), ref("auth"))), [
      log([ref("slot"), ": no runner registered; empty slots stay empty until the next run"]),
      assign("failed", "1"),
    ], startSlot({
      seedLabel: EPHEMERAL_GUEST.seedLabel,
      seedComment: `The seed: user-data, network-config, the slot's meta-data and the runner's ${EPHEMERAL_GUEST.seedUuid} and ${EPHEMERAL_GUEST.seedToken}. Root-only.`,
      seedFiles: [EPHEMERAL_GUEST.seedUuid, EPHEMERAL_GUEST.seedToken],
      remember: cmd("mv", "-f", workFile(FORGEJO_RUNNER_ID_FILE), slotFile(FORGEJO_RUNNER_ID_FILE)),
      scratch: [EPHEMERAL_GUEST.seedToken],
      started: "one-job runner",
    })),
  ];
}

/** The fill script the timer runs (as root on the libvirt host). */
export function forgejoPoolFillScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  return slotPoolFillScript(slotPoolOf(vm), {
    urls: [["endpoint", pool.registerUrl]],
    extra: [],
    emptySlot: [
      comment("After a refusal, no further request until the next run: no retry storm."),
      ifThen(test(ref("failed"), "=", "0"), fillSlot(pool)),
    ],
  });
}

export function forgejoPoolFillService(vm: ResolvedForgejoVm): SystemdUnit {
  return slotPoolFillService(slotPoolOf(vm));
}

export function forgejoPoolFillTimer(vm: ResolvedForgejoVm): SystemdUnit {
  return slotPoolFillTimer(slotPoolOf(vm));
}

/** The staged files the fill script reads: shared user-data and network-config, then each slot's meta-data and domain XML. */
export function forgejoPoolStagedPaths(vm: ResolvedForgejoVm): { readonly key: string; readonly path: string }[] {
  return slotPoolStagedPaths(slotPoolOf(vm));
}

/** Install (create = update). Expects the staged files and the API token to be in place. */
export function forgejoPoolInstallScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  return slotPoolInstallScript(slotPoolOf(vm), {
    description: `Installs Forgejo pool ${pool.name} on this libvirt host: base image, registration and fill scripts, service and timer. Idempotent; run as root.`,
    credential: "API token",
    poolSettings: "host.pool and host.poolPath",
    scriptsComment: "The scripts and the timer: installed only when they changed.",
    scripts: [
      [pool.paths.registerScript, renderShellScript(forgejoRegisterScript(vm, pool))],
      [pool.paths.fillScript, renderShellScript(forgejoPoolFillScript(vm))],
    ],
  });
}

/** Delete: units, every slot's VM, runner and files, the staged files; never the shared base image. */
export function forgejoPoolDeleteScript(vm: ResolvedForgejoVm): ShellScript {
  const pool = ephemeralPoolOf(vm);
  return slotPoolDeleteScript(slotPoolOf(vm), {
    description: `Deletes Forgejo pool ${pool.name}: timer, scripts, every slot's domain, overlay, seed and runner, and the staged files.\nThe base image is shared with other VMs and is never deleted.`,
    url: ["endpoint", pool.registerUrl],
    extraFiles: [pool.paths.registerScript],
    deregister: deregisterForgejoRunner(),
  });
}

/** Removes the staged API token (its directory too, when empty). */
export function forgejoPoolRemoveCredentialScript(vm: ResolvedForgejoVm): ShellScript {
  return slotPoolRemoveCredentialScript(slotPoolOf(vm), `Removes the Forgejo API token of pool ${vm.vm.name} from this host.`);
}

export type ForgejoPoolHostCommands = SlotPoolHostCommands;

export function forgejoPoolHostCommands(vm: ResolvedForgejoVm): ForgejoPoolHostCommands {
  return slotPoolHostCommands(slotPoolOf(vm), {
    install: forgejoPoolInstallScript(vm),
    delete: forgejoPoolDeleteScript(vm),
    removeCredential: forgejoPoolRemoveCredentialScript(vm),
  });
}
