/**
 * NoCloud `meta-data`. The instance-id is derived from the redacted user-data and the
 * network-config (whatever the forge): a changed cloud-init document means a new instance (cloud-init runs its
 * per-instance modules again), while a new registration token alone does not.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";

export interface MetaData {
  readonly "instance-id": string;
  readonly "local-hostname": string;
}

/** `iid-<name>-<first 16 hex digits of sha256(redacted user-data, network-config)>`. */
export function instanceId(name: string, redactedUserData: string, networkConfig: string): string {
  const h = createHash("sha256").update(redactedUserData).update("\0").update(networkConfig).digest("hex");
  return `iid-${name}-${h.slice(0, 16)}`;
}

export function metaData(name: string, id: string): MetaData {
  return { "instance-id": id, "local-hostname": name };
}

export function renderMetaData(name: string, id: string): string {
  return stringify(metaData(name, id));
}
