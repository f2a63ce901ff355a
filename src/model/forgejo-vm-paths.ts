/** Where the files of one Forgejo runner VM live on the libvirt host. */

/** Host directory where the cloud-init sources and the domain XML of a VM are staged. */
export const FORGEJO_VM_STAGING_ROOT = "/var/lib/runner-fleet";

/** Files on the libvirt host that belong to one VM. The base image is shared and never deleted. */
export interface ForgejoVmPaths {
  /** Verified base image in the pool, named after its URL and digest so that versions never collide. */
  readonly baseImage: string;
  /** The VM's qcow2 overlay, backed by the base image. */
  readonly overlay: string;
  /** The NoCloud seed ISO (volume label `cidata`). */
  readonly seedIso: string;
  /** Directory holding the staged cloud-init sources and domain XML. */
  readonly stagingDir: string;
  readonly userData: string;
  readonly networkConfig: string;
  readonly metaData: string;
  readonly domainXml: string;
}

/** The verified base image in the pool, named after its URL and digest so that versions never collide; shared by every VM on the host. */
export function baseImagePath(poolPath: string, image: { readonly url: string; readonly sha256: string }): string {
  const file = new URL(image.url).pathname.split("/").pop() ?? "";
  const stem = file.replace(/\.(img|qcow2)$/, "").replace(/[^A-Za-z0-9._-]/g, "-") || "base";
  return `${poolPath}/${stem}-${image.sha256.slice(0, 12)}.qcow2`;
}

/** The host paths of a VM (see {@link ForgejoVmPaths}). */
export function forgejoVmPaths(
  name: string,
  poolPath: string,
  image: { readonly url: string; readonly sha256: string },
  stagingRoot: string = FORGEJO_VM_STAGING_ROOT,
): ForgejoVmPaths {
  const stagingDir = `${stagingRoot}/${name}`;
  return {
    baseImage: baseImagePath(poolPath, image),
    overlay: `${poolPath}/${name}.qcow2`,
    seedIso: `${poolPath}/${name}-seed.iso`,
    stagingDir,
    userData: `${stagingDir}/user-data`,
    networkConfig: `${stagingDir}/network-config`,
    metaData: `${stagingDir}/meta-data`,
    domainXml: `${stagingDir}/domain.xml`,
  };
}
