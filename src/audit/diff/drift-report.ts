/**
 * The result of comparing what a stack would deploy (desired) with a manifest (actual), e.g. a
 * `kubectl get -o yaml` export of the cluster or the plain manifests that existed before Pulumi.
 * Values read "actual -> desired": what applying the stack would change.
 */
import type { ObjectRef } from "./kube-object.ts";

export type FieldChange =
  /** Both sides set the field, to different values. */
  | "changed"
  /** Only the stack sets the field. */
  | "only-desired"
  /** Only the manifest sets the field. */
  | "only-actual";

/** One field that differs. Secret values are shown as `[secret]`, never as their value. */
export interface FieldDrift {
  /** Readable path, e.g. `spec.template.spec.containers[name=runner].image`. */
  readonly path: string;
  readonly change: FieldChange;
  /** The stack's value; absent for `only-actual`. */
  readonly desired?: unknown;
  /** The manifest's value; absent for `only-desired`. */
  readonly actual?: unknown;
  /** What the server fills in on the side that leaves the field out, when the table has a default for it. */
  readonly serverDefault?: unknown;
}

/** An object found on one side only. */
export interface UnmatchedObject {
  readonly object: ObjectRef;
  /** Why it may have been meant to match something, e.g. the same name in another namespace. */
  readonly note?: string;
}

/** An object on both sides whose fields differ. */
export interface ObjectDrift {
  readonly object: ObjectRef;
  readonly fields: readonly FieldDrift[];
}

/** A secret value the offline render only knows as `[secret]`: its path, never compared. */
export interface UncomparedSecret {
  readonly object: ObjectRef;
  readonly path: string;
}

export interface DriftReport {
  /**
   * True when anything would be created, is unmanaged, or differs; with `managedOnly`, objects only
   * in the manifest are left out: true when anything would be created or differs.
   */
  readonly drift: boolean;
  /**
   * Objects only in the manifest are not counted as drift (`--managed-only`): a manifest that also
   * holds objects the stack only references (Namespaces, RBAC, Secrets, a whole-namespace export).
   * They are still listed in `onlyActual`.
   */
  readonly managedOnly: boolean;
  readonly summary: {
    readonly desired: number;
    readonly actual: number;
    readonly matched: number;
    readonly changed: number;
    readonly onlyDesired: number;
    readonly onlyActual: number;
  };
  /** In the stack only: applying the stack would create them. */
  readonly onlyDesired: readonly UnmatchedObject[];
  /** In the manifest only: not managed by the stack (drift unless `managedOnly`). */
  readonly onlyActual: readonly UnmatchedObject[];
  /** On both sides, with differing fields. */
  readonly changed: readonly ObjectDrift[];
  /** Secret values that could not be compared offline (not drift). */
  readonly uncomparedSecrets: readonly UncomparedSecret[];
}
