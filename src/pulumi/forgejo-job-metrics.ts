/**
 * The Forgejo job exporter on the libvirt host of a `LibvirtRunnerVm` (persistent runner or
 * one-job pool), when the component is given a read token: the token into a root-only file, then
 * the exporter script, its oneshot service and its every-minute timer (`render/monitoring/
 * forgejo-exporter.ts`), which write `runner_fleet_forgejo_*` series for the host's node exporter.
 * Destroy stops the timer and removes the files and the token.
 */
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { ResolvedForgejoVm } from "../model/forgejo-vm.ts";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { type ForgejoExporterOptions, forgejoExporterPaths, renderForgejoExporterFiles, resolveForgejoExporter } from "../render/monitoring/forgejo-exporter.ts";
import { asHostUser } from "../render/scripts/host-commands.ts";
import { stageFileScript } from "../render/scripts/host-files.ts";
import { isBareToken } from "./libvirt-runner-vm-ephemeral.ts";
import { type ShellScript, cmd, heredoc, or, withIo } from "../render/scripts/shell.ts";

/** What a `LibvirtRunnerVm` needs to export its jobs' metrics. */
export interface ForgejoJobMetricsArgs {
  /** A Forgejo token that reads the scope's Actions (read-only scopes suffice; docs/monitoring.md). Stored as a secret. */
  readonly readToken: pulumi.Input<string>;
  /** `owner/name` of each repository whose finished tasks feed the failure rate. @default the scope's repository, else none */
  readonly repositories?: readonly string[];
}

/** The exporter's settings for a VM: its name as the pool, its forge, scope and label names. */
export function forgejoExporterOptionsOf(vm: ResolvedForgejoVm, args: Pick<ForgejoJobMetricsArgs, "repositories">): ForgejoExporterOptions {
  return {
    pool: vm.vm.name,
    forgeUrl: vm.forge.address,
    scope: vm.forge.scope,
    labels: vm.runner.labels.map((l) => l.name),
    allowInsecureHttp: vm.forge.allowInsecureHttp,
    ...(args.repositories === undefined ? {} : { repositories: args.repositories }),
  };
}

/** The problems of the exporter's settings, under `jobMetrics.` (the component's argument). */
export function forgejoJobMetricsIssues(vm: ResolvedForgejoVm, args: Pick<ForgejoJobMetricsArgs, "repositories">): ConfigIssue[] {
  try {
    resolveForgejoExporter(forgejoExporterOptionsOf(vm, args));
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => ({ ...i, path: `jobMetrics.${i.path}` }));
  }
}

/** The token file's content; a token with whitespace or control characters is refused, never quoted. */
export function exporterTokenFile(token: string): string {
  if (!isBareToken(token)) {
    throw new ConfigError([{ path: "jobMetrics.readToken", message: "is empty or contains whitespace or control characters", fix: "set the token exactly as Forgejo shows it: pulumi config set --secret forgeReadToken <token>" }], "Forgejo runner VM");
  }
  return `${token}\n`;
}

/** Install: every file from a heredoc, root-owned, then the timer enabled and started. */
export function forgejoExporterInstallScript(options: ForgejoExporterOptions): ShellScript {
  const o = resolveForgejoExporter(options);
  const paths = forgejoExporterPaths(o.pool);
  return {
    description: `Installs the Forgejo job exporter of pool ${o.pool} and starts its timer.`,
    body: [
      cmd("mkdir", "-p", o.textfileDir),
      ...renderForgejoExporterFiles(o).map((f) => heredoc(cmd("install", "-D", "-o", "root", "-g", "root", "-m", f.mode, "/dev/stdin", f.path), f.content)),
      cmd("systemctl", "daemon-reload"),
      cmd("systemctl", "enable", "--now", paths.timer),
    ],
  };
}

/** Delete: the timer stopped, the files, the textfile and state removed. */
export function forgejoExporterDeleteScript(options: ForgejoExporterOptions): ShellScript {
  const o = resolveForgejoExporter(options);
  const p = forgejoExporterPaths(o.pool);
  return {
    description: `Removes the Forgejo job exporter of pool ${o.pool}: timer, service, script, its series and state.`,
    body: [
      or(withIo(cmd("systemctl", "disable", "--now", p.timer), { noStderr: true }), cmd("true")),
      cmd("rm", "-f", `/etc/systemd/system/${p.timer}`, `/etc/systemd/system/${p.service}`, p.script, `${o.textfileDir}/${p.textfile}`, p.stateFile),
      cmd("systemctl", "daemon-reload"),
    ],
  };
}

export interface ForgejoJobMetricsResources {
  readonly token: remote.Command;
  readonly exporter: remote.Command;
}

/** Creates the exporter's resources as children of `parent`, after `prepared`. */
export function forgejoJobMetricsResources(
  parent: pulumi.Resource, name: string, vm: ResolvedForgejoVm, connection: remote.CommandArgs["connection"], args: ForgejoJobMetricsArgs, prepared: readonly pulumi.Resource[],
): ForgejoJobMetricsResources {
  const options = forgejoExporterOptionsOf(vm, args);
  const tokenFile = resolveForgejoExporter(options).tokenFile;
  const removeToken: ShellScript = { description: `Removes the Forgejo read token of pool ${vm.vm.name}.`, body: [cmd("rm", "-f", tokenFile)] };
  const token = new remote.Command(
    `${name}-metrics-token`,
    { connection, create: asHostUser(vm, stageFileScript({ path: tokenFile, mode: "0600" })), delete: asHostUser(vm, removeToken), stdin: pulumi.secret(pulumi.output(args.readToken).apply(exporterTokenFile)), logging: "stderr" },
    { parent, dependsOn: [...prepared] },
  );
  const exporter = new remote.Command(
    `${name}-metrics-exporter`,
    { connection, create: asHostUser(vm, forgejoExporterInstallScript(options)), delete: asHostUser(vm, forgejoExporterDeleteScript(options)) },
    { parent, dependsOn: [...prepared, token] },
  );
  return { token, exporter };
}
