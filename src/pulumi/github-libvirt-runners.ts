/**
 * `GitHubLibvirtRunners`: a pool of one-job GitHub Actions runner VMs on one libvirt host, driven
 * over SSH with `@pulumi/command` (`remote.Command`), like `LibvirtRunnerVm`. In this order:
 *
 * 1. `host-prep`: the k3s FORWARD fix (when `firewallFix`); installed once, removed on destroy.
 * 2. `credential`: the GitHub token, as an `Authorization` header line on stdin (a secret), into a
 *    root-only file on the host. Only the host's fill script reads it; no guest ever does.
 * 3. `stage-*`: the shared user-data and network-config, and each slot's meta-data and domain XML,
 *    each written from stdin. None holds a secret.
 * 4. `slots`: the install script: base image (verified), fill script, service and timer. The timer
 *    keeps every slot filled; a changed guest reaches each slot's next VM, so a running job is
 *    never cut short by a deployment. Destroy removes the timer, every slot's VM and files, and
 *    the staged files (never the base image), then the token.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { isDeployTimePlaceholder } from "../model/deploy-time.ts";
import { type ResolvedGithubVmPool, githubVmRunnerPool, githubVmSlotShape, resolveGithubVmPool } from "../model/github-vm.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { checkSshKeyPath } from "../model/ssh-key-path.ts";
import { type RunnerPool } from "../model/substrate.ts";
import { type GithubPoolCloudInit, renderGithubPoolCloudInit } from "../render/cloud-init/github-pool.ts";
import { renderDomainXml } from "../render/libvirt/domain.ts";
import { forwardFixInstallScript, forwardFixUninstallScript } from "../render/scripts/forward-fix.ts";
import { githubPoolHostCommands } from "../render/scripts/github-pool-host.ts";
import { asHostUser } from "../render/scripts/host-commands.ts";

export interface GitHubLibvirtRunnersArgs {
  /** The pool (see docs/github-libvirt.md): validated, and `sshKeyPath` read, before anything is registered. */
  readonly pool: unknown;
  /** A GitHub token that may manage the scope's self-hosted runners (a Pulumi secret); staged on the host only. */
  readonly githubToken: pulumi.Input<string>;
  /** The libvirt host's SSH public key, checked on every connection. @default unset: not checked */
  readonly hostKey?: pulumi.Input<string>;
  /** Reads the SSH private key. @default readFileSync(path, "utf8") */
  readonly readKey?: (path: string) => string;
}

/** The header line the fill script sends; a token with whitespace would break out of it, so it is refused (never quoted). */
export function authorizationHeader(token: string): string {
  if (token.trim() === "" || /[\s\p{Cc}]/u.test(token)) {
    throw new ConfigError([{ path: "githubToken", message: "is empty or contains whitespace or control characters", fix: "set the token exactly as GitHub shows it: pulumi config set --secret githubToken <token>" }], "GitHub libvirt runners");
  }
  return `Authorization: Bearer ${token}\n`;
}

function validate(args: GitHubLibvirtRunnersArgs, readKey: (path: string) => string): { pool: ResolvedGithubVmPool; privateKey: string } {
  const issues: ConfigIssue[] = [];
  let pool: ResolvedGithubVmPool | undefined;
  try {
    pool = resolveGithubVmPool(args.pool);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  const keyPath = (args.pool as { sshKeyPath?: unknown } | undefined)?.sshKeyPath;
  let privateKey = "";
  if (isDeployTimePlaceholder(keyPath)) {
    privateKey = keyPath as string; // offline render: no key is read, the connection shows the placeholder
  } else if (typeof keyPath === "string" && keyPath.trim() !== "") {
    issues.push(...checkSshKeyPath(keyPath, (p) => (privateKey = readKey(p))).map((i) => ({ ...i, path: "sshKeyPath" })));
  }
  if (issues.length > 0 || pool === undefined) throw new ConfigError(issues, "GitHub libvirt runners");
  return { pool, privateKey };
}

export class GitHubLibvirtRunners extends pulumi.ComponentResource {
  /** Stable type token of this component. */
  static readonly TYPE = "runner-fleet:libvirt:GitHubLibvirtRunners";

  /** The validated pool with every default applied. */
  readonly resolved: ResolvedGithubVmPool;
  /** The seed documents (no secret in them: each VM's JIT configuration is added by the host). */
  readonly cloudInit: GithubPoolCloudInit;
  /** What workflows can target: one pool of `slots` one-job runners. */
  readonly pools: readonly RunnerPool[];
  readonly hostPreparation: remote.Command | undefined;
  /** The root-only token file on the host. */
  readonly credential: remote.Command;
  readonly stagedFiles: readonly remote.Command[];
  /** The fill script, service and timer (and, on destroy, every slot's VM). */
  readonly slots: remote.Command;

  constructor(name: string, args: GitHubLibvirtRunnersArgs, opts?: pulumi.ComponentResourceOptions) {
    const { pool, privateKey } = validate(args, args.readKey ?? ((p) => readFileSync(p, "utf8")));
    super(GitHubLibvirtRunners.TYPE, name, {}, opts);
    this.resolved = pool;
    this.cloudInit = renderGithubPoolCloudInit(pool);
    this.pools = [githubVmRunnerPool(pool)];

    const connection: remote.CommandArgs["connection"] = {
      host: pool.host.address,
      user: pool.host.user,
      privateKey: pulumi.secret(privateKey),
      ...(args.hostKey === undefined ? {} : { hostKey: args.hostKey }),
    };
    const cmds = githubPoolHostCommands(pool);

    this.hostPreparation = pool.host.firewallFix
      ? new remote.Command(`${name}-host-prep`, { connection, create: asHostUser(pool, forwardFixInstallScript()), delete: asHostUser(pool, forwardFixUninstallScript()) }, { parent: this })
      : undefined;
    const prepared = this.hostPreparation ? [this.hostPreparation] : [];

    this.credential = new remote.Command(
      `${name}-credential`,
      { connection, create: cmds.stageCredential, delete: cmds.removeCredential, stdin: pulumi.secret(pulumi.output(args.githubToken).apply(authorizationHeader)), logging: "stderr" },
      { parent: this, dependsOn: prepared },
    );

    const content = new Map<string, string>([
      ["user-data", this.cloudInit.userData],
      ["network-config", this.cloudInit.networkConfig],
      ...pool.pool.slots.flatMap((s, i): [string, string][] => [
        [`${s.name}-meta-data`, this.cloudInit.slots[i]?.metaData ?? ""],
        [`${s.name}-domain-xml`, renderDomainXml(githubVmSlotShape(pool, s))],
      ]),
    ]);
    this.stagedFiles = cmds.stage.map((f) => new remote.Command(
      `${name}-stage-${f.key}`,
      { connection, create: f.command, stdin: content.get(f.key) ?? "", logging: "stderr" },
      { parent: this, dependsOn: prepared },
    ));

    this.slots = new remote.Command(
      `${name}-slots`,
      // No `update`: a changed install script runs again in place (create), never replacing the slots.
      { connection, create: cmds.install, delete: cmds.delete },
      { parent: this, dependsOn: [...prepared, this.credential, ...this.stagedFiles] },
    );

    this.registerOutputs({
      slots: pool.pool.slots.map((s) => s.name),
      labels: [...pool.runner.jitLabels],
      jitConfigUrl: pool.github.jitConfigUrl,
      pools: this.pools,
    });
  }
}
