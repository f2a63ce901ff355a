/**
 * forgejo-runner's `config.yaml` as a typed object (the keys of the runner's `config.Config`),
 * serialised with `yaml`. Job containers get neither the Docker socket (`docker_host: "-"`) nor
 * privileged mode nor any host volume (`valid_volumes: []`).
 */
import { stringify } from "yaml";
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { formatRunnerLabel } from "../../model/forgejo-vm.ts";
import { GUEST } from "../scripts/runner-guest.ts";

export interface ForgejoRunnerConfig {
  readonly log: { readonly level: "info"; readonly job_level: "info" };
  readonly runner: {
    /** Registration result, absolute so that `register` and `daemon` agree whatever their working directory. */
    readonly file: string;
    readonly capacity: number;
    readonly envs: Readonly<Record<string, string>>;
    readonly timeout: string;
    readonly shutdown_timeout: string;
    readonly insecure: false;
    readonly fetch_timeout: string;
    readonly fetch_interval: string;
    /** Declared on every start; they override the labels stored at registration. */
    readonly labels: readonly string[];
  };
  readonly cache: { readonly enabled: boolean; readonly dir: string };
  readonly container: {
    /** "" creates a fresh Docker network per job, so concurrent jobs do not share one. */
    readonly network: "";
    readonly enable_ipv6: false;
    readonly privileged: false;
    /** No host volume or bind mount may be mounted into a job container. */
    readonly valid_volumes: readonly string[];
    /** "-": find the local Docker daemon, and do NOT mount its socket into job containers. */
    readonly docker_host: "-";
    readonly force_pull: false;
  };
  readonly host: { readonly workdir_parent: string };
}

export function forgejoRunnerConfig(vm: ResolvedForgejoVm): ForgejoRunnerConfig {
  return {
    log: { level: "info", job_level: "info" },
    runner: {
      file: GUEST.registration,
      capacity: vm.runner.capacity,
      envs: {},
      timeout: "3h",
      shutdown_timeout: "3h",
      insecure: false,
      fetch_timeout: "5s",
      fetch_interval: "2s",
      labels: vm.runner.labels.map(formatRunnerLabel),
    },
    cache: { enabled: true, dir: GUEST.cacheDir },
    container: {
      network: "",
      enable_ipv6: false,
      privileged: false,
      valid_volumes: [],
      docker_host: "-",
      force_pull: false,
    },
    host: { workdir_parent: GUEST.hostWorkdir },
  };
}

export function renderForgejoRunnerConfig(vm: ResolvedForgejoVm): string {
  return `# forgejo-runner configuration, rendered by runner-fleet.\n${stringify(forgejoRunnerConfig(vm))}`;
}
