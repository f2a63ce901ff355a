/**
 * The NoCloud seed documents of a GitHub VM pool. The user-data and network-config are the same
 * for every slot (they hold no secret: the JIT configuration is added per boot by the host); each
 * slot's meta-data names its VM. The instance-id hashes the shared documents, so a changed guest
 * is a new instance, while a new JIT configuration is not.
 */
import type { ResolvedGithubVmPool } from "../../model/github-vm.ts";
import { githubGuest } from "../scripts/github-guest.ts";
import { instanceId, renderMetaData } from "./meta-data.ts";
import { renderNetworkConfig } from "./network-config.ts";
import { renderGuestUserData } from "./user-data.ts";

export interface GithubPoolCloudInit {
  readonly userData: string;
  readonly networkConfig: string;
  readonly slots: readonly { readonly name: string; readonly metaData: string; readonly instanceId: string }[];
}

export function renderGithubPoolCloudInit(pool: ResolvedGithubVmPool): GithubPoolCloudInit {
  const userData = renderGuestUserData(githubGuest(pool));
  const networkConfig = renderNetworkConfig(pool.vm.network);
  return {
    userData,
    networkConfig,
    slots: pool.pool.slots.map((s) => {
      const id = instanceId(s.name, userData, networkConfig);
      return { name: s.name, metaData: renderMetaData(s.name, id), instanceId: id };
    }),
  };
}
