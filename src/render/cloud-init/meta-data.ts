/**
 * NoCloud `meta-data`. The instance-id is derived from the redacted user-data and the
 * network-config: a changed cloud-init document means a new instance (cloud-init runs its
 * per-instance modules again), while a new registration token alone does not.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";

export interface MetaData {
  readonly "instance-id": string;
  readonly "local-hostname": string;
}

/** `iid-<name>-<first 16 hex digits of sha256(redacted user-data, network-config)>`. */
export function instanceId(vm: ResolvedForgejoVm, redactedUserData: string, networkConfig: string): string {
  const h = createHash("sha256").update(redactedUserData).update("\0").update(networkConfig).digest("hex");
  return `iid-${vm.vm.name}-${h.slice(0, 16)}`;
}

export function metaData(vm: ResolvedForgejoVm, id: string): MetaData {
  return { "instance-id": id, "local-hostname": vm.vm.name };
}

export function renderMetaData(vm: ResolvedForgejoVm, id: string): string {
  return stringify(metaData(vm, id));
}
