/**
 * The files a Forgejo runner VM needs staged on the libvirt host before the apply script runs:
 * the three NoCloud sources and the domain XML. Each is written by a small script that reads the
 * content from stdin (so a secret never appears on a command line or in a script) and replaces
 * the file atomically.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { type ShellScript, assign, cmd, ref, withIo } from "./shell.ts";

/** Which staged document a file holds. */
export type HostFileKey = "userData" | "networkConfig" | "metaData" | "domainXml";

/** Where and how one staged document is written; known before any content is rendered. */
export interface HostFileTarget {
  readonly key: HostFileKey;
  /** Absolute path on the libvirt host. */
  readonly path: string;
  readonly mode: "0600" | "0644";
  /** Whether a deployment's content is secret: the user-data carries the registration token. */
  readonly secret: boolean;
}

export interface HostFile extends HostFileTarget {
  readonly content: string;
}

export interface HostFileSources {
  /** `renderCloudInit(...)` or `renderCloudInitRedacted(...)`. */
  readonly cloudInit: { readonly userData: string; readonly networkConfig: string; readonly metaData: string; readonly redacted: boolean };
  /** `renderDomainXml(forgejoVmShape(vm))`. */
  readonly domainXml: string;
}

/** The staged files, in the order they should be written. The user-data is always root-only. */
export function hostFileTargets(vm: ResolvedForgejoVm): HostFileTarget[] {
  const p = vm.vm.paths;
  return [
    { key: "userData", path: p.userData, mode: "0600", secret: true },
    { key: "networkConfig", path: p.networkConfig, mode: "0644", secret: false },
    { key: "metaData", path: p.metaData, mode: "0644", secret: false },
    { key: "domainXml", path: p.domainXml, mode: "0644", secret: false },
  ];
}

/** The staged files with their content; the user-data counts as secret unless it was redacted. */
export function hostFiles(vm: ResolvedForgejoVm, src: HostFileSources): HostFile[] {
  const content: Record<HostFileKey, string> = { ...src.cloudInit, domainXml: src.domainXml };
  return hostFileTargets(vm).map((t) => ({ ...t, secret: t.secret && !src.cloudInit.redacted, content: content[t.key] }));
}

/** Writes stdin to `file.path` with `file.mode`, atomically, creating the root-only staging directory. */
export function stageFileScript(file: Pick<HostFile, "path" | "mode">): ShellScript {
  const dir = file.path.slice(0, file.path.lastIndexOf("/")) || "/";
  return {
    description: `Writes stdin to ${file.path} (mode ${file.mode}), replacing it atomically.`,
    body: [
      cmd("umask", "077"),
      assign("dest", file.path),
      cmd("mkdir", "-p", dir),
      cmd("chmod", "0700", dir),
      withIo(cmd("cat"), { stdout: [ref("dest"), ".part"] }),
      cmd("chmod", file.mode, [ref("dest"), ".part"]),
      cmd("mv", "-f", [ref("dest"), ".part"], ref("dest")),
    ],
  };
}
