/**
 * Fields that only the API server or deploy tooling writes. They are never compared, whatever
 * either side says: a manifest exported with `kubectl get -o yaml` carries them, a rendered stack
 * never does, and neither side can be "right" about them.
 */

/** Ignored on every object, at the top level. */
export const ROOT_FIELDS: ReadonlySet<string> = new Set([
  // Observed state, written by controllers.
  "status",
]);

/** Ignored by type (types from kube-types.ts). */
export const TYPE_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  // Bookkeeping the API server keeps in every object's metadata (and `creationTimestamp: null`
  // in pod templates of exports).
  ObjectMeta: new Set([
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
  ]),
  // StatefulSet volume claim templates come back with `status: { phase: Pending }`.
  PersistentVolumeClaimTemplate: new Set(["status"]),
};

/** Annotations written by tools, not by the people who own the object. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  // `kubectl apply` stores the whole applied object here.
  "kubectl.kubernetes.io/last-applied-configuration",
  // The Deployment controller counts rollouts here.
  "deployment.kubernetes.io/revision",
  // The DaemonSet controller's generation marker.
  "deprecated.daemonset.template.generation",
]);

/** Annotation prefixes written by tools. */
export const ANNOTATION_PREFIXES: readonly string[] = [
  // Pulumi's own bookkeeping (`pulumi.com/autonamed`, `pulumi.com/patchForce`, ...).
  "pulumi.com/",
];

/** Whether `field` of a value of type `type` (or of the object itself, `atRoot`) is never compared. */
export function isServerSetField(type: string | undefined, field: string, atRoot: boolean): boolean {
  if (atRoot && ROOT_FIELDS.has(field)) return true;
  if (type === "Annotations") return ANNOTATIONS.has(field) || ANNOTATION_PREFIXES.some((p) => field.startsWith(p));
  return type !== undefined && (TYPE_FIELDS[type]?.has(field) ?? false);
}
