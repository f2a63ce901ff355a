/**
 * `LibvirtRunnerVm`: one fenced Forgejo runner VM on a libvirt host, driven over SSH with
 * `@pulumi/command` (`remote.Command`). Renders everything with the same pure renderers the CLI
 * uses and runs, in this order:
 *
 * 1. `registration-token`: mints the runner registration token (API or SSH). Every host command
 *    depends on it, so a forge failure stops the deployment before the host is touched.
 * 2. `host-prep`: the k3s FORWARD fix (when `host.firewallFix`); installed once, removed on destroy.
 * 3. `staging-dir` and `stage-*`: the cloud-init sources and the domain XML, each written from
 *    stdin (the user-data as a secret). `staging-dir` only acts on destroy: it removes the staged
 *    files after the VM is gone.
 * 4. `vm`: the idempotent apply script. Its triggers are the SHA-256 of each staged file, the
 *    user-data in its redacted form (token replaced by `[secret]`), and of the token's
 *    replacement keys ({@link tokenReplacementKeyOf}). So a changed cloud-init or domain
 *    definition, or a token minted for a changed scope, URL or runner, replaces the VM: the old
 *    one (domain, overlay, seed) is deleted first, then a fresh one is created from the files
 *    already staged. The shared base image is never deleted. A larger `vm.diskGiB` alone is
 *    applied in place.
 *
 * With `runner.ephemeral: true` steps 1, 3 and 4 give way to a pool of one-job VM slots
 * (`libvirt-runner-vm-ephemeral.ts`): no registration token is minted; the host registers one
 * ephemeral runner per job through the API with `forgeApiToken`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { isDeployTimePlaceholder } from "../model/deploy-time.ts";
import { formatForgejoRunnerScope } from "../model/forgejo-scope.ts";
import { type ResolvedForgejoVm, forgejoVmRunnerPool, forgejoVmShape, resolveForgejoVm } from "../model/forgejo-vm.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { formatRunnerLabel } from "../model/runner-label.ts";
import { checkSshKeyPath } from "../model/ssh-key-path.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { type CloudInitDocuments, renderCloudInit, renderCloudInitRedacted } from "../render/cloud-init/cloud-init.ts";
import { renderDomainXml } from "../render/libvirt/domain.ts";
import { forgejoVmHostCommands, stagingCommands } from "../render/scripts/host-commands.ts";
import { type HostFileKey, hostFiles } from "../render/scripts/host-files.ts";
import { ForgejoRegistrationToken, type ForgejoRegistrationTokenArgs, forgejoRegistrationTokenIssues } from "./forgejo-registration-token.ts";
import { type EphemeralPoolResources, ephemeralPoolResources } from "./libvirt-runner-vm-ephemeral.ts";
import { type ForgejoJobMetricsArgs, type ForgejoJobMetricsResources, forgejoJobMetricsIssues, forgejoJobMetricsResources } from "./forgejo-job-metrics.ts";

export interface LibvirtRunnerVmArgs {
  /**
   * The VM description (`host`, `forge`, `vm`, `runner`; see docs/forgejo-libvirt.md). It is
   * validated, and `host.sshKeyPath` read, before anything is registered.
   */
  readonly vm: unknown;
  /** Forgejo access token to mint the registration token through the API (`forge.tokenSource: api`). Stored as a secret. */
  readonly forgeApiToken?: pulumi.Input<string>;
  /**
   * The libvirt host's SSH public key (`ssh-ed25519 AAAA...`), checked on every connection.
   * @default unset: the host key is not checked
   */
  readonly hostKey?: pulumi.Input<string>;
  /**
   * Job metrics: with a Forgejo token that reads the scope's Actions, the host runs the Forgejo job
   * exporter (queue latency and task results for the libvirt alerts; docs/monitoring.md).
   * @default unset: no exporter
   */
  readonly jobMetrics?: ForgejoJobMetricsArgs;
  /** Reads the SSH private key. @default readFileSync(path, "utf8") */
  readonly readKey?: (path: string) => string;
}

/** The text whose change mints a new registration token: the runner's name, labels and release. */
export function registrationTriggerOf(vm: ResolvedForgejoVm): string {
  return JSON.stringify({ name: vm.vm.name, labels: vm.runner.labels.map(formatRunnerLabel), version: vm.runner.version });
}

/**
 * Everything whose change replaces the `ForgejoRegistrationToken` (its forge URL, scope and
 * registration trigger): a change mints a new token, which only a new VM registers with.
 */
export function tokenReplacementKeyOf(vm: ResolvedForgejoVm): string {
  return JSON.stringify({ forgeUrl: vm.forge.address, scope: formatForgejoRunnerScope(vm.forge.scope), registrationTrigger: registrationTriggerOf(vm) });
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const kebab = (key: HostFileKey): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function tokenArgs(vm: ResolvedForgejoVm, forgeApiToken: pulumi.Input<string> | undefined): ForgejoRegistrationTokenArgs {
  return {
    forgeUrl: vm.forge.address,
    scope: formatForgejoRunnerScope(vm.forge.scope),
    registrationTrigger: registrationTriggerOf(vm),
    // The model refuses a plain-http, non-loopback forge.address unless forge.allowInsecureHttp is set.
    allowInsecureHttp: vm.forge.allowInsecureHttp,
    ...(vm.forge.ssh === undefined ? {} : { ssh: vm.forge.ssh }),
    ...(forgeApiToken === undefined ? {} : { apiToken: forgeApiToken }),
  };
}

/** Validates everything before `super()`: the model, the SSH key and the token settings, every problem at once. */
function validate(args: LibvirtRunnerVmArgs, readKey: (path: string) => string): { vm: ResolvedForgejoVm; privateKey: string } {
  const issues: ConfigIssue[] = [];
  let vm: ResolvedForgejoVm | undefined;
  try {
    vm = resolveForgejoVm(args.vm);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  const keyPath = (args.vm as { host?: { sshKeyPath?: unknown } } | undefined)?.host?.sshKeyPath;
  let privateKey = "";
  if (isDeployTimePlaceholder(keyPath)) {
    privateKey = keyPath as string; // offline render: no key is read, the connection shows the placeholder
  } else if (typeof keyPath === "string" && keyPath.trim() !== "") {
    issues.push(...checkSshKeyPath(keyPath, (p) => (privateKey = readKey(p))));
  }
  if (vm !== undefined && vm.runner.ephemeral === undefined) issues.push(...forgejoRegistrationTokenIssues(tokenArgs(vm, args.forgeApiToken)));
  if (vm?.runner.ephemeral !== undefined && args.forgeApiToken === undefined) {
    issues.push({ path: "forgeApiToken", message: "is not set while runner.ephemeral is true", fix: "pass a Forgejo access token that may register runners in forge.scope (docs/forgejo-libvirt.md names its scope)" });
  }
  if (vm !== undefined && args.jobMetrics !== undefined) issues.push(...forgejoJobMetricsIssues(vm, args.jobMetrics));
  if (issues.length > 0 || vm === undefined) throw new ConfigError(issues, "Forgejo runner VM");
  return { vm, privateKey };
}

export class LibvirtRunnerVm extends pulumi.ComponentResource {
  /** Stable type token of this component. */
  static readonly TYPE = "runner-fleet:libvirt:LibvirtRunnerVm";

  /** The validated VM with every default applied. */
  readonly resolved: ResolvedForgejoVm;
  /** The domain, guest hostname and runner name. */
  readonly vmName: string;
  /** What workflows can target: one persistent runner, matched by its label names. */
  readonly pools: readonly RunnerPool[];
  /** The cloud-init documents with the token replaced by `[secret]`: what the VM gets, minus the secret. */
  readonly cloudInitRedacted: CloudInitDocuments;
  /** The minted registration token of a persistent runner; absent for an ephemeral pool. */
  readonly registrationToken: ForgejoRegistrationToken | undefined;
  /** The pool of one-job VM slots; present exactly when `runner.ephemeral` is true. */
  readonly ephemeral: EphemeralPoolResources | undefined;
  /** The k3s FORWARD fix; absent when `host.firewallFix` is false. */
  readonly hostPreparation: remote.Command | undefined;
  /** Removes the staged files on destroy, after the VM (persistent runner only). */
  readonly stagingDir: remote.Command | undefined;
  /** One command per staged file, in staging order (user-data, network-config, meta-data, domain XML). */
  readonly stagedFiles: readonly remote.Command[];
  /** The VM itself: apply on create and update, delete on destroy or replacement (persistent runner only). */
  readonly vm: remote.Command | undefined;
  /** The host's Forgejo job exporter; present exactly when `jobMetrics` is given. */
  readonly jobMetrics: ForgejoJobMetricsResources | undefined;

  constructor(name: string, args: LibvirtRunnerVmArgs, opts?: pulumi.ComponentResourceOptions) {
    const { vm, privateKey } = validate(args, args.readKey ?? ((p) => readFileSync(p, "utf8")));
    super(LibvirtRunnerVm.TYPE, name, {}, opts);
    this.resolved = vm;
    this.vmName = vm.vm.name;
    this.pools = [forgejoVmRunnerPool(vm)];
    this.cloudInitRedacted = renderCloudInitRedacted(vm);

    const connection: remote.CommandArgs["connection"] = {
      host: vm.host.address,
      user: vm.host.user,
      privateKey: pulumi.secret(privateKey),
      ...(args.hostKey === undefined ? {} : { hostKey: args.hostKey }),
    };
    const cmds = forgejoVmHostCommands(vm);
    this.jobMetrics = args.jobMetrics === undefined ? undefined : forgejoJobMetricsResources(this, name, vm, connection, args.jobMetrics, []);

    if (vm.runner.ephemeral !== undefined && args.forgeApiToken !== undefined) {
      this.registrationToken = undefined;
      this.hostPreparation = cmds.firewallFix === undefined ? undefined : new remote.Command(`${name}-host-prep`, { connection, create: cmds.firewallFix.create, delete: cmds.firewallFix.delete }, { parent: this });
      this.ephemeral = ephemeralPoolResources(this, name, vm, connection, args.forgeApiToken, this.hostPreparation ? [this.hostPreparation] : []);
      this.stagingDir = undefined;
      this.stagedFiles = this.ephemeral.stagedFiles;
      this.vm = undefined;
      this.registerOutputs({
        vmName: this.vmName,
        scope: formatForgejoRunnerScope(vm.forge.scope),
        labels: vm.runner.labels.map(formatRunnerLabel),
        slots: vm.runner.ephemeral.slots.map((s) => s.name),
        registerUrl: vm.runner.ephemeral.registerUrl,
      });
      return;
    }
    this.ephemeral = undefined;

    const registrationToken = new ForgejoRegistrationToken(`${name}-registration-token`, tokenArgs(vm, args.forgeApiToken), { parent: this });
    this.registrationToken = registrationToken;

    this.hostPreparation = cmds.firewallFix === undefined
      ? undefined
      : new remote.Command(`${name}-host-prep`, { connection, create: cmds.firewallFix.create, delete: cmds.firewallFix.delete }, { parent: this, dependsOn: [registrationToken] });
    const prepared = [registrationToken, ...(this.hostPreparation ? [this.hostPreparation] : [])];

    const stagingDir = new remote.Command(`${name}-staging-dir`, { connection, delete: cmds.deleteStaged, triggers: [vm.vm.paths.stagingDir] }, { parent: this, dependsOn: prepared });
    this.stagingDir = stagingDir;

    // The only secret is the token; under mocks (offline renders) it has no value, and the
    // redacted user-data stands in for it.
    const files = registrationToken.token.apply((token) => {
      const cloudInit = typeof token === "string" && token !== "" ? renderCloudInit(vm, { registrationToken: token }) : renderCloudInitRedacted(vm);
      return hostFiles(vm, { cloudInit, domainXml: renderDomainXml(forgejoVmShape(vm)) }).map((f) => ({ key: f.key, content: f.content }));
    });
    const contentOf = (key: HostFileKey): pulumi.Output<string> => files.apply((all) => all.find((f) => f.key === key)?.content ?? "");

    const stagedFiles = stagingCommands(vm).map((s) => {
      const content = contentOf(s.key);
      return new remote.Command(
        `${name}-stage-${kebab(s.key)}`,
        { connection, create: s.command, stdin: s.secret ? pulumi.secret(content) : content, logging: "stderr" },
        { parent: this, dependsOn: [...prepared, stagingDir] },
      );
    });
    this.stagedFiles = stagedFiles;

    // Digests of the staged files with the user-data redacted, so that no trigger is computed from
    // the token and a preview still shows which file changed; plus the digest of what re-mints
    // the token, so that a token minted for a new scope, URL, name, labels or release replaces
    // the VM too (a runner registers only at its first boot).
    const redacted = hostFiles(vm, { cloudInit: this.cloudInitRedacted, domainXml: renderDomainXml(forgejoVmShape(vm)) });
    const triggers = [
      ...stagingCommands(vm).map((s) => sha256(redacted.find((f) => f.key === s.key)?.content ?? "")),
      sha256(tokenReplacementKeyOf(vm)),
    ];
    this.vm = new remote.Command(
      `${name}-vm`,
      { connection, create: cmds.create, update: cmds.update, delete: cmds.deleteKeepingStaged, triggers },
      { parent: this, dependsOn: [...prepared, stagingDir, ...stagedFiles], deleteBeforeReplace: true },
    );

    this.registerOutputs({
      vmName: this.vmName,
      scope: formatForgejoRunnerScope(vm.forge.scope),
      labels: vm.runner.labels.map(formatRunnerLabel),
      instanceId: this.cloudInitRedacted.instanceId,
    });
  }
}
