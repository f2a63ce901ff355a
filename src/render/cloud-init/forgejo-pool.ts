/**
 * The NoCloud seed documents of an ephemeral Forgejo pool. The user-data and network-config are the
 * same for every slot and hold no secret (the runner's uuid and token are added per boot by the
 * host); each slot's meta-data names its VM. The instance-id hashes the shared documents, so a
 * changed guest is a new instance, while a newly registered runner is not.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import type { ResolvedForgejoEphemeralPool } from "../../model/forgejo-vm-ephemeral.ts";
import { forgejoEphemeralGuest } from "../scripts/forgejo-ephemeral-guest.ts";
import { instanceId, renderMetaData } from "./meta-data.ts";
import { renderNetworkConfig } from "./network-config.ts";
import { renderGuestUserData } from "./user-data.ts";

export interface ForgejoPoolCloudInit {
  readonly userData: string;
  readonly networkConfig: string;
  readonly slots: readonly { readonly name: string; readonly metaData: string; readonly instanceId: string }[];
}

export function renderForgejoPoolCloudInit(vm: ResolvedForgejoVm, pool: ResolvedForgejoEphemeralPool): ForgejoPoolCloudInit {
  const userData = renderGuestUserData(forgejoEphemeralGuest(vm));
  const networkConfig = renderNetworkConfig(vm.vm.network);
  return {
    userData,
    networkConfig,
    slots: pool.slots.map((s) => {
      const id = instanceId(s.name, userData, networkConfig);
      return { name: s.name, metaData: renderMetaData(s.name, id), instanceId: id };
    }),
  };
}
