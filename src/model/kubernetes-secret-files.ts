/**
 * Credentials as files instead of environment variables: keys of existing Secrets mounted
 * read-only into the runner container. A variable is inherited by every process of every job and
 * readable in `/proc/<pid>/environ`; a file is read only by what opens it. The files of one Secret
 * in one directory are one `secret` volume (items: key -> file name, `defaultMode` 0400) mounted
 * read-only at that directory. The kubelet makes a secret volume's files owned by root and, with
 * the pod's `fsGroup`, group-owned by it with group read added (0440): that is how the non-root
 * runner reads them. Only references enter the model, never a value.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import type { ConfigIssue } from "./issues.ts";
import { objectName } from "./refine.ts";

/** The mode a secret file is written with (0400, i.e. 256); with the pod's fsGroup the kubelet adds group read (0440). */
export const SECRET_FILE_MODE = 0o400;

/** A Secret data key as the API server takes it (`IsConfigMapKey`). */
const secretKey = z.string({ error: "must be a string (a key of the Secret)" }).superRefine((v, ctx) => {
  if (v.length < 1 || v.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(v) || v === "." || v.startsWith("..")) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a Secret data key`, params: { fix: 'use the key as the Secret lists it under data: 1-253 letters, digits, "-", "_" and ".", not "." and not starting with ".."' } });
  }
});

/** Why `v` is not a file path a secret volume can hold, or undefined. */
function secretFilePathProblem(v: string): string | undefined {
  if (!v.startsWith("/") || v.length > 4096 || v.includes("\0")) return "is not an absolute path";
  const parts = v.slice(1).split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return "is not a plain absolute path (an empty, . or .. part, or a trailing /)";
  if (parts.length < 2) return "is a file directly under /, where no volume can be mounted";
  const name = parts.at(-1) ?? "";
  if (name.startsWith("..")) return `has a file name starting with "..", which Kubernetes keeps for its own files in a secret volume`;
  if (Buffer.byteLength(name, "utf8") > 255) return "has a file name longer than 255 bytes";
  return undefined;
}

const secretFilePath = z.string({ error: "must be a string (an absolute file path)" }).superRefine((v, ctx) => {
  const problem = secretFilePathProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: `"${v}" ${problem}`, params: { fix: 'write the file\'s path from the container root, in a directory of its own, e.g. "/run/secrets/<secret>/<key>"' } });
});

/** One key of an existing Secret as a read-only file of the runner container. */
export const secretFileSchema = strictObject({
  /** The existing Secret, in the runner's namespace (referenced, never created or read by runner-fleet). */
  secret: objectName("the name of an existing Secret"),
  /** The Secret's data key whose value the file holds. */
  key: secretKey,
  /** The file's absolute path in the runner container, e.g. `/run/secrets/openai-api-key`; its directory holds this Secret's files only. */
  path: secretFilePath,
});

export type SecretFileInput = z.output<typeof secretFileSchema>;

export const secretFilesShape = {
  /**
   * Keys of existing Secrets as read-only files of the runner container (mode 0400; 0440 and
   * group-owned by the pod's fsGroup once mounted), instead of environment variables. @default []
   */
  secretFiles: z.array(secretFileSchema).max(50, { error: "lists more than 50 files" }).optional(),
};

/** The files of one Secret in one directory: one `secret` volume mounted read-only at the directory. */
export interface ResolvedSecretFiles {
  readonly volumeName: string;
  readonly secretName: string;
  /** The directory the volume is mounted at. */
  readonly mountPath: string;
  /** Each key and the file name it is written to in the directory. */
  readonly items: readonly { readonly key: string; readonly path: string }[];
  /** Key path of the first file in the directory, for messages (`runners[0].secretFiles[1].path`). */
  readonly where: string;
}

/** A mount the pod's path checks see: the directory of a secret volume, with words for messages. */
export interface SecretFilesMount {
  readonly path: string;
  /** Key path of the first file in the directory. */
  readonly where: string;
  /** The directory in words: `the directory /run/secrets of /run/secrets/token (Secret s's files)`. */
  readonly what: string;
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
const fileOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** A volume name for a Secret's files that no other volume of the pod has: `secret-<secret>`, then `-2`, `-3`. */
function volumeNameFor(secret: string, taken: Set<string>): string {
  const base = `secret-${secret.replace(/[^a-z0-9-]+/g, "-")}`.slice(0, 63).replace(/-+$/, "");
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base.slice(0, 63 - String(n).length - 1).replace(/-+$/, "")}-${n}`;
  taken.add(name);
  return name;
}

/**
 * Groups `files` (at key path `${at}.secretFiles`) into one volume per Secret and directory, named
 * apart from `takenNames`; pushes to `issues` two files at one path and two Secrets in one
 * directory. Returns the volumes and the directories to check against the pod's other mounts.
 */
export function resolveSecretFiles(files: readonly SecretFileInput[] | undefined, at: string, takenNames: Iterable<string>, issues: ConfigIssue[]): { volumes: ResolvedSecretFiles[]; mounts: SecretFilesMount[] } {
  const taken = new Set(takenNames);
  const groups = new Map<string, { secret: string; dir: string; where: string; items: { key: string; path: string }[] }>();
  const paths = new Map<string, number>();
  (files ?? []).forEach((f, j) => {
    const where = `${at}.secretFiles[${j}].path`;
    const dir = dirOf(f.path);
    const prev = paths.get(f.path);
    if (prev !== undefined) {
      issues.push({ path: where, message: `file ${f.path} is already secretFiles[${prev}]`, fix: "give every secret file its own path" });
      return;
    }
    paths.set(f.path, j);
    const group = groups.get(dir);
    if (group === undefined) groups.set(dir, { secret: f.secret, dir, where, items: [{ key: f.key, path: fileOf(f.path) }] });
    else if (group.secret === f.secret) group.items.push({ key: f.key, path: fileOf(f.path) });
    else {
      issues.push({
        path: where,
        message: `its directory ${dir} already holds the files of Secret "${group.secret}" (${group.where}): a directory is the mount point of one Secret's volume`,
        fix: `put the files of each Secret in a directory of their own, e.g. ${dir}/${f.secret}/${fileOf(f.path)}`,
      });
    }
  });
  const volumes: ResolvedSecretFiles[] = [];
  const mounts: SecretFilesMount[] = [];
  for (const g of groups.values()) {
    volumes.push({ volumeName: volumeNameFor(g.secret, taken), secretName: g.secret, mountPath: g.dir, items: g.items, where: g.where });
    mounts.push({ path: g.dir, where: g.where, what: `the directory ${g.dir} of this file (where Secret "${g.secret}" is mounted)` });
  }
  return { volumes, mounts };
}

/**
 * Mounts inside a secret files directory: a secret volume is mounted read-only, so no mount point
 * can be made inside it and the container would not start. `mounts` are all of the pod's mounts.
 */
export function nestedMountIssues(dirs: readonly SecretFilesMount[], mounts: readonly { readonly path: string; readonly where: string }[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const d of dirs) {
    for (const m of mounts) {
      const inner = m.path.replace(/\/+$/, "");
      if (!inner.startsWith(`${d.path}/`)) continue;
      issues.push({
        path: d.where,
        message: `its directory ${d.path} is mounted read-only, and ${m.where} mounts ${m.path} inside it: the container could not start`,
        fix: "give each Secret's files a directory of their own that holds no other mount, e.g. /run/secrets/<secret>/<key> for every Secret",
      });
    }
  }
  return issues;
}

/** What the readability check reads of a runner's security settings. */
interface RunnerIdentity {
  readonly secretFiles?: readonly unknown[] | undefined;
  readonly securityContext?: { readonly fsGroup?: number | undefined; readonly runAsUser?: number | undefined } | undefined;
  readonly containerSecurityContext?: { readonly runAsUser?: number | undefined } | undefined;
  readonly relax?: { readonly securityAsWritten?: boolean | undefined } | undefined;
}

/**
 * Secret files a non-root runner could not read: with `relax.securityAsWritten` the pod gets no
 * default fsGroup, so the files stay root's with mode 0400. The hardened pod always has one.
 */
export function unreadableSecretFileIssues(r: RunnerIdentity, at: string): ConfigIssue[] {
  if ((r.secretFiles?.length ?? 0) === 0 || r.relax?.securityAsWritten !== true || r.securityContext?.fsGroup !== undefined) return [];
  if ((r.containerSecurityContext?.runAsUser ?? r.securityContext?.runAsUser) === 0) return [];
  return [{
    path: `${at}.securityContext.fsGroup`,
    message: "is not set, and with relax.securityAsWritten the pod gets no default fsGroup: the secretFiles would belong to root with mode 0400, which a runner that is not root cannot read",
    fix: "set securityContext.fsGroup to a group of the runner (e.g. 1000): the kubelet then makes the files group-owned by it and group-readable (0440)",
  }];
}
