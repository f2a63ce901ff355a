/**
 * How jobs of a scale set run containers (`container:`, `services:`, docker), and the trust level
 * that decides whether the privilege a mode needs is allowed. Each mode grants something: `dind`
 * a privileged docker daemon beside the runner, `kubernetes`/`kubernetes-novolume` a Role over
 * pods, pods/exec, pods/log, jobs and secrets of the runner namespace. Both are refused on an
 * untrusted scale set unless its pods run in a microVM.
 */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";
import { strictObject } from "./zod-issues.ts";
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";
import { parseQuantity } from "./kubernetes-rules.ts";

import type { TrustLevel } from "./profile-schema.ts";

/** Every default of the container modes, in one place. */
export const ARC_CONTAINER_MODE_DEFAULTS = {
  /** A scale set is untrusted unless marked otherwise. */
  trust: "untrusted" as TrustLevel,
  /** The docker daemon of `dind`, pinned (the 0.14.2 chart's own `containerMode.type: dind` uses an unpinned `docker:dind`). */
  dockerImage: "docker:28.3.3-dind",
  /** Group id of the docker socket; the runner image's `docker` group (the chart's `DOCKER_GROUP_GID`). */
  dockerGroupId: 123,
  /** Work volume of `kubernetes` mode: one ReadWriteOnce claim per runner. */
  workVolume: { accessModes: ["ReadWriteOnce"] as readonly string[], storage: "1Gi" },
} as const;

const ACCESS_MODES = ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"] as const;

export const containerModeSchema = z.discriminatedUnion("type", [
  strictObject({
    type: z.literal("dind"),
    /** @default "docker:28.3.3-dind" */
    dockerImage: z.string().optional(),
  }),
  strictObject({
    type: z.literal("kubernetes"),
    /** The runner's work volume (`containerMode.kubernetesModeWorkVolumeClaim`), shared with the job pods. */
    workVolumeClaim: strictObject({
      /** StorageClass of the claim (the cluster's default class when unset). */
      storageClassName: z.string().min(1).max(253).optional(),
      /** @default ["ReadWriteOnce"] */
      accessModes: z.array(z.enum(ACCESS_MODES)).min(1).optional(),
      /** @default "1Gi" */
      storage: z.string().optional(),
    }).optional(),
  }),
  strictObject({ type: z.literal("kubernetes-novolume") }),
], { error: 'must be { type: dind }, { type: kubernetes, workVolumeClaim? } or { type: kubernetes-novolume }' });

export type ContainerModeInput = z.input<typeof containerModeSchema>;

export type ResolvedContainerMode =
  | { readonly type: "dind"; readonly dockerImage: string; readonly dockerGroupId: number }
  | { readonly type: "kubernetes"; readonly workVolumeClaim: { readonly storageClassName?: string; readonly accessModes: readonly string[]; readonly storage: string } }
  | { readonly type: "kubernetes-novolume" };

/** What a mode grants, in words for messages. */
export function containerModeGrant(type: ResolvedContainerMode["type"]): string {
  return type === "dind" ? "a privileged docker daemon beside the runner" : "a Role over pods, pods/exec, pods/log, jobs and secrets of the runner namespace";
}

/**
 * Problems of `containerMode` at `at`: the image pinned, the claim's size a quantity, and the mode
 * allowed for the trust level: on an untrusted scale set only inside a microVM.
 */
export function containerModeIssues(mode: z.output<typeof containerModeSchema> | undefined, trust: TrustLevel, useFirecracker: boolean, at: string): ConfigIssue[] {
  if (mode === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (mode.type === "dind" && mode.dockerImage !== undefined) {
    const parsed = parseImage(mode.dockerImage);
    // docker's `dind`, `stable` and `cli` tags move with every release: a pinned tag carries a version.
    const problem = typeof parsed === "string" ? parsed : parsed.digest === undefined && !/\d/.test(parsed.tag ?? "") ? `uses the floating tag ${parsed.tag ?? ""}` : undefined;
    if (problem !== undefined) issues.push({ path: `${at}.dockerImage`, message: `image "${mode.dockerImage.slice(0, 200)}" ${problem}`, fix: `${PIN_IMAGE_FIX}, e.g. ${ARC_CONTAINER_MODE_DEFAULTS.dockerImage}` });
  }
  if (mode.type === "kubernetes" && mode.workVolumeClaim?.storage !== undefined) {
    const q = parseQuantity(mode.workVolumeClaim.storage);
    if (q === undefined || q <= 0) issues.push({ path: `${at}.workVolumeClaim.storage`, message: `"${mode.workVolumeClaim.storage.slice(0, 40)}" is not a positive Kubernetes quantity`, fix: 'write a size such as "10Gi"' });
  }
  if (trust === "untrusted" && !useFirecracker) {
    issues.push({
      path: `${at}.type`,
      message: `${mode.type} on an untrusted scale set outside a microVM gives jobs from outsiders ${containerModeGrant(mode.type)}`,
      fix: `set useFirecracker: true (the mode's privilege stays inside the microVM), or mark the scale set trust: trusted if only trusted workflows reach it, or remove ${at}`,
    });
  }
  return issues;
}

/** The mode with its defaults applied. */
export function resolveContainerMode(mode: z.output<typeof containerModeSchema> | undefined): ResolvedContainerMode | undefined {
  const d = ARC_CONTAINER_MODE_DEFAULTS;
  if (mode === undefined) return undefined;
  switch (mode.type) {
    case "dind":
      return { type: "dind", dockerImage: mode.dockerImage ?? d.dockerImage, dockerGroupId: d.dockerGroupId };
    case "kubernetes": {
      const c = mode.workVolumeClaim;
      return { type: "kubernetes", workVolumeClaim: { ...(c?.storageClassName === undefined ? {} : { storageClassName: c.storageClassName }), accessModes: c?.accessModes ?? d.workVolume.accessModes, storage: c?.storage ?? d.workVolume.storage } };
    }
    case "kubernetes-novolume":
      return { type: "kubernetes-novolume" };
  }
}
