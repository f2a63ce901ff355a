/**
 * forgejo-runner's `config.yaml` as a typed object (the keys of the runner's `config.Config`),
 * written once for every substrate that runs forgejo-runner (a libvirt VM, a Kubernetes pod) and
 * serialised with `yaml`. Job containers get no privileged mode and no host volume
 * (`valid_volumes: []`), and no Docker socket unless the substrate names a daemon (`dockerHost`).
 */
import { yamlPackage } from "../../model/yaml-package.ts";

/** Where a substrate keeps the runner's files, and what it runs. */
export interface ForgejoRunnerPlacement {
  /** The registration file, absolute, so that `register` and `daemon` agree whatever their working directory. */
  readonly file: string;
  readonly capacity: number;
  /** Labels as forgejo-runner reads them (`name:host`, `name:docker://image`). */
  readonly labels: readonly string[];
  readonly cacheDir: string;
  /** Where `:host` jobs get their working directories. */
  readonly workdirParent: string;
  /** A Docker daemon outside the runner (`tcp://host:port`). @default "-": the local daemon, its socket never mounted into jobs */
  readonly dockerHost?: string;
}

export interface ForgejoRunnerConfig {
  readonly log: { readonly level: "info"; readonly job_level: "info" };
  readonly runner: {
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
    readonly docker_host: string;
    readonly force_pull: false;
  };
  readonly host: { readonly workdir_parent: string };
}

export function forgejoRunnerConfigOf(p: ForgejoRunnerPlacement): ForgejoRunnerConfig {
  return {
    log: { level: "info", job_level: "info" },
    runner: {
      file: p.file,
      capacity: p.capacity,
      envs: {},
      timeout: "3h",
      shutdown_timeout: "3h",
      insecure: false,
      fetch_timeout: "5s",
      fetch_interval: "2s",
      labels: [...p.labels],
    },
    cache: { enabled: true, dir: p.cacheDir },
    container: { network: "", enable_ipv6: false, privileged: false, valid_volumes: [], docker_host: p.dockerHost ?? "-", force_pull: false },
    host: { workdir_parent: p.workdirParent },
  };
}

/** The config file's text; `of` names the runner in its header line. */
export function renderForgejoRunnerConfigOf(p: ForgejoRunnerPlacement, of?: string): string {
  return `# forgejo-runner configuration${of === undefined ? "" : ` of ${of}`}, rendered by runner-fleet.\n${yamlPackage().stringify(forgejoRunnerConfigOf(p))}`;
}
