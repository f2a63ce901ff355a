/**
 * virsh invocations for one domain, as argv (for `@pulumi/command` or the host scripts). They use
 * `qemu:///system`, where the bridge, the pool and autostart live.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { DOMAIN_TARGETS } from "./domain.ts";

export const LIBVIRT_URI = "qemu:///system";

export interface VirshCommands {
  readonly define: readonly string[];
  /** Autostart is a flag libvirt keeps outside the domain XML. */
  readonly autostart: readonly string[];
  readonly start: readonly string[];
  /** Exit status 0 and the state on stdout ("running", "shut off", ...); non-zero when undefined. */
  readonly state: readonly string[];
  /** ACPI shutdown request (the guest may take a while). */
  readonly shutdown: readonly string[];
  /** Immediate power-off. */
  readonly destroy: readonly string[];
  /** Removes the definition, its NVRAM and autostart link; never the disks. */
  readonly undefine: readonly string[];
  /** Grows the running VM's disk to `vm.diskGiB` (the guest's growpart takes it at the next boot). */
  readonly growDisk: readonly string[];
  readonly poolTarget: readonly string[];
  readonly poolRefresh: readonly string[];
}

export function virshCommands(vm: ResolvedForgejoVm): VirshCommands {
  const v = (...args: string[]) => ["virsh", "--connect", LIBVIRT_URI, ...args];
  const name = vm.vm.name;
  return {
    define: v("define", "--validate", vm.vm.paths.domainXml),
    autostart: v("autostart", name),
    start: v("start", name),
    state: v("domstate", name),
    shutdown: v("shutdown", name),
    destroy: v("destroy", name),
    undefine: v("undefine", "--nvram", name),
    growDisk: v("blockresize", name, DOMAIN_TARGETS.disk, `${vm.vm.diskGiB}G`),
    poolTarget: v("pool-dumpxml", vm.host.pool),
    poolRefresh: v("pool-refresh", vm.host.pool),
  };
}
