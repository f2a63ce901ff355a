/**
 * The resources of an ephemeral Forgejo pool inside `LibvirtRunnerVm` (`runner.ephemeral: true`),
 * driven over SSH with `@pulumi/command` like the persistent VM. In this order:
 *
 * 1. `credential`: the Forgejo API token, as an `Authorization` header line on stdin (a secret),
 *    into a root-only file on the host. Only the host's registration script reads it; no guest
 *    ever does: a guest gets only the uuid and token of its own one-job runner.
 * 2. `stage-*`: the shared user-data and network-config, and each slot's meta-data and domain XML,
 *    each written from stdin. None holds a secret.
 * 3. `slots`: the install script: base image (verified), registration and fill scripts, service
 *    and timer. The timer keeps every slot filled; a changed guest reaches each slot's next VM, so
 *    a running job is never cut short by a deployment. Destroy removes the timer, every slot's VM,
 *    runner and files, and the staged files (never the base image), then the token.
 */
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { type ResolvedForgejoVm } from "../model/forgejo-vm.ts";
import { ConfigError } from "../model/issues.ts";
import type { VmShape } from "../model/runner-guest.ts";
import { type ForgejoPoolCloudInit, renderForgejoPoolCloudInit } from "../render/cloud-init/forgejo-pool.ts";
import { renderDomainXml } from "../render/libvirt/domain.ts";
import { ephemeralPoolOf, forgejoPoolHostCommands } from "../render/scripts/forgejo-pool-host.ts";

/** Whether `token` can stand alone on a line: not empty, no whitespace or control character. */
export const isBareToken = (token: string): boolean => token.trim() !== "" && !/[\s\p{Cc}]/u.test(token);

/** The header line the registration script sends; a token with whitespace would break out of it, so it is refused (never quoted). */
export function forgejoAuthorizationHeader(token: string): string {
  if (!isBareToken(token)) {
    throw new ConfigError([{ path: "forgeApiToken", message: "is empty or contains whitespace or control characters", fix: "set the token exactly as Forgejo shows it: pulumi config set --secret forgeApiToken <token>" }], "Forgejo runner VM");
  }
  return `Authorization: token ${token}\n`;
}

export interface EphemeralPoolResources {
  readonly cloudInit: ForgejoPoolCloudInit;
  readonly credential: remote.Command;
  readonly stagedFiles: readonly remote.Command[];
  readonly slots: remote.Command;
}

/** Creates the pool's resources as children of `parent`, after `prepared` (the host preparation). */
export function ephemeralPoolResources(
  parent: pulumi.Resource, name: string, vm: ResolvedForgejoVm, connection: remote.CommandArgs["connection"], forgeApiToken: pulumi.Input<string>, prepared: readonly pulumi.Resource[],
): EphemeralPoolResources {
  const pool = ephemeralPoolOf(vm);
  const cloudInit = renderForgejoPoolCloudInit(vm, pool);
  const cmds = forgejoPoolHostCommands(vm);
  const credential = new remote.Command(
    `${name}-credential`,
    { connection, create: cmds.stageCredential, delete: cmds.removeCredential, stdin: pulumi.secret(pulumi.output(forgeApiToken).apply(forgejoAuthorizationHeader)), logging: "stderr" },
    { parent, dependsOn: [...prepared] },
  );
  const shape = (slot: string): VmShape => ({ name: slot, title: "Forgejo one-job runner", cpus: vm.vm.cpus, memoryMiB: vm.vm.memoryMiB, disk: { overlay: `${vm.host.poolPath}/${slot}.qcow2`, seedIso: `${vm.host.poolPath}/${slot}-seed.iso` }, network: { bridge: vm.host.bridge } });
  const content = new Map<string, string>([
    ["user-data", cloudInit.userData],
    ["network-config", cloudInit.networkConfig],
    ...pool.slots.flatMap((s, i): [string, string][] => [[`${s.name}-meta-data`, cloudInit.slots[i]?.metaData ?? ""], [`${s.name}-domain-xml`, renderDomainXml(shape(s.name))]]),
  ]);
  const stagedFiles = cmds.stage.map((f) => new remote.Command(
    `${name}-stage-${f.key}`,
    { connection, create: f.command, stdin: content.get(f.key) ?? "", logging: "stderr" },
    { parent, dependsOn: [...prepared] },
  ));
  const slots = new remote.Command(
    `${name}-slots`,
    // No `update`: a changed install script runs again in place (create), never replacing the slots.
    { connection, create: cmds.install, delete: cmds.delete },
    { parent, dependsOn: [...prepared, credential, ...stagedFiles] },
  );
  return { cloudInit, credential, stagedFiles, slots };
}
