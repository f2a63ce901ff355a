/** The three NoCloud seed documents of a Forgejo runner VM, rendered together. */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { renderMetaData, instanceId } from "./meta-data.ts";
import { renderNetworkConfig } from "./network-config.ts";
import { renderUserData, renderUserDataRedacted } from "./user-data.ts";

export interface CloudInitDocuments {
  /** `#cloud-config` user-data; holds the registration token unless redacted. */
  readonly userData: string;
  readonly networkConfig: string;
  readonly metaData: string;
  /** The instance-id written to meta-data (the same for the real and the redacted rendering). */
  readonly instanceId: string;
  /** Whether `userData` holds the real token (treat it as a secret) or the placeholder. */
  readonly redacted: boolean;
}

function render(vm: ResolvedForgejoVm, token: string | undefined): CloudInitDocuments {
  const redactedUserData = renderUserDataRedacted(vm);
  const networkConfig = renderNetworkConfig(vm.vm.network);
  const id = instanceId(vm.vm.name, redactedUserData, networkConfig);
  return {
    userData: token === undefined ? redactedUserData : renderUserData(vm, token),
    networkConfig,
    metaData: renderMetaData(vm.vm.name, id),
    instanceId: id,
    redacted: token === undefined,
  };
}

/** The seed documents with the real registration token: the caller must treat `userData` as a secret. */
export function renderCloudInit(vm: ResolvedForgejoVm, secrets: { readonly registrationToken: string }): CloudInitDocuments {
  return render(vm, secrets.registrationToken);
}

/** The seed documents with the token replaced by `[secret]`, for offline output, diffs and audits. */
export function renderCloudInitRedacted(vm: ResolvedForgejoVm): CloudInitDocuments {
  return render(vm, undefined);
}
