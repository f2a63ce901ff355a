/**
 * Where a runner's pods may run: node and pod (anti-)affinity, topology spread constraints and a
 * fixed node, in Kubernetes' own core/v1 form, so that each renders exactly as written and is left
 * out when unset. A value the API server would refuse is refused here first, by key path.
 */
import { z } from "./zod.ts";
import { strictObject } from "./zod-issues.ts";
import { dnsLabel, objectName } from "./refine.ts";
import { isLabelValue, isQualifiedName } from "./kubernetes-rules.ts";

const MAX = 50;
const list = <T extends z.ZodType>(item: T, what: string, max = MAX) => z.array(item).max(max, { error: `lists more than ${max} ${what}` });

/** A string that passes `test`, else one issue with `message` and `fix`. */
const checked = (test: (v: string) => boolean, message: string, fix: string) =>
  z.string().superRefine((v, ctx) => {
    if (!test(v)) ctx.addIssue({ code: "custom", message, params: { fix } });
  });

const KEY_FIX = 'write "[prefix/]name", e.g. "kubernetes.io/hostname": name at most 63 letters, digits, "-", "_", ".", prefix a DNS subdomain';
const labelKey = checked(isQualifiedName, "is not a label key", KEY_FIX);
const labelValue = checked(isLabelValue, "is not a label value", 'use at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit');
const topologyKey = checked(isQualifiedName, "is not a node label key", 'name the node label that makes the domains, e.g. "kubernetes.io/hostname" or "topology.kubernetes.io/zone"');
const weight = z.number().int({ error: "must be a whole number from 1 to 100" }).min(1, { error: "must be from 1 to 100" }).max(100, { error: "must be from 1 to 100" });
const INTEGER = /^[+-]?[0-9]{1,18}$/;

/** Kubernetes' rule for `values` by operator: In/NotIn need some, Exists/DoesNotExist none, Gt/Lt one integer. */
function valuesRule(r: { operator: string; values?: string[] | undefined }, ctx: z.RefinementCtx): void {
  const n = r.values?.length ?? 0;
  const issue = (message: string, fix: string, path: (string | number)[] = ["values"]) => ctx.addIssue({ code: "custom", path, message, params: { fix } });
  if ((r.operator === "In" || r.operator === "NotIn") && n === 0) issue(`needs at least one value with operator ${r.operator}`, "list the values to match, or use operator: Exists");
  else if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) issue(`must be empty with operator ${r.operator}`, "remove values, or use operator: In");
  else if (r.operator === "Gt" || r.operator === "Lt") {
    if (n !== 1) issue(`needs exactly one value with operator ${r.operator}`, 'write one integer in quotes, e.g. values: ["4"]');
    else if (!INTEGER.test(r.values?.[0] ?? "")) issue(`is not an integer, which operator ${r.operator} compares with`, 'write an integer in quotes, e.g. "4"', ["values", 0]);
  }
}

/** A label selector, as pod affinity terms and topology spread constraints select pods. */
export const labelSelectorSchema = strictObject({
  matchLabels: z.record(z.string(), labelValue).superRefine((m, ctx) => {
    for (const k of Object.keys(m)) if (!isQualifiedName(k)) ctx.addIssue({ code: "custom", path: [k], message: "is not a label key", params: { fix: KEY_FIX } });
  }).optional(),
  matchExpressions: list(strictObject({
    key: labelKey,
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: list(labelValue, "values").optional(),
  }).superRefine(valuesRule), "expressions").optional(),
});

const nodeRequirement = strictObject({
  key: labelKey,
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  values: list(z.string().max(253), "values").optional(),
}).superRefine(valuesRule);

/** A node's fields can only be matched by `metadata.name`, with In or NotIn and one value. */
const fieldRequirement = nodeRequirement.superRefine((r, ctx) => {
  if (r.key !== "metadata.name") ctx.addIssue({ code: "custom", path: ["key"], message: "is not a node field Kubernetes can match", params: { fix: "use key: metadata.name, or match a node label under matchExpressions" } });
  else if (r.operator !== "In" && r.operator !== "NotIn") ctx.addIssue({ code: "custom", path: ["operator"], message: "must be In or NotIn for a node field", params: { fix: "write operator: In, values: [<node name>]" } });
  else if ((r.values?.length ?? 0) > 1) ctx.addIssue({ code: "custom", path: ["values"], message: "must hold exactly one node name for a node field", params: { fix: "write one term per node name" } });
});

const nodeSelectorTerm = strictObject({
  matchExpressions: list(nodeRequirement, "expressions").optional(),
  matchFields: list(fieldRequirement, "fields").optional(),
});

/** Keys of the pod's own labels that narrow (`matchLabelKeys`) or widen a selector: they need one. */
function labelKeysNeedSelector(t: { labelSelector?: object | undefined; matchLabelKeys?: string[] | undefined; mismatchLabelKeys?: string[] | undefined }, ctx: z.RefinementCtx): void {
  if (t.labelSelector !== undefined) return;
  for (const key of ["matchLabelKeys", "mismatchLabelKeys"] as const) {
    if (t[key] !== undefined && t[key].length > 0) ctx.addIssue({ code: "custom", path: [key], message: "needs a labelSelector", params: { fix: "add a labelSelector, or remove it" } });
  }
}

const podAffinityTerm = strictObject({
  labelSelector: labelSelectorSchema.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  namespaces: list(dnsLabel("a namespace"), "namespaces").optional(),
  topologyKey,
  matchLabelKeys: list(labelKey, "keys").optional(),
  mismatchLabelKeys: list(labelKey, "keys").optional(),
}).superRefine(labelKeysNeedSelector);

const podAffinity = strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: list(podAffinityTerm, "terms").optional(),
  preferredDuringSchedulingIgnoredDuringExecution: list(strictObject({ weight, podAffinityTerm }), "terms").optional(),
});

const affinity = strictObject({
  nodeAffinity: strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: strictObject({
      nodeSelectorTerms: list(nodeSelectorTerm, "terms").min(1, { error: "needs at least one term" }),
    }).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: list(strictObject({ weight, preference: nodeSelectorTerm }), "terms").optional(),
  }).optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

const topologySpreadConstraint = strictObject({
  maxSkew: z.number().int({ error: "must be a whole number of at least 1" }).min(1, { error: "must be at least 1" }),
  topologyKey,
  whenUnsatisfiable: z.enum(["DoNotSchedule", "ScheduleAnyway"]),
  labelSelector: labelSelectorSchema.optional(),
  minDomains: z.number().int({ error: "must be a whole number of at least 1" }).min(1, { error: "must be at least 1" }).optional(),
  nodeAffinityPolicy: z.enum(["Honor", "Ignore"]).optional(),
  nodeTaintsPolicy: z.enum(["Honor", "Ignore"]).optional(),
  matchLabelKeys: list(labelKey, "keys").optional(),
}).superRefine((c, ctx) => {
  if (c.minDomains !== undefined && c.whenUnsatisfiable !== "DoNotSchedule") ctx.addIssue({ code: "custom", path: ["minDomains"], message: "is only valid with whenUnsatisfiable: DoNotSchedule", params: { fix: "set whenUnsatisfiable: DoNotSchedule, or remove minDomains" } });
  labelKeysNeedSelector(c, ctx);
});

/** Where the pods may run, each optional: spread into a runner's schema. */
export const schedulingShape = {
  /** Node affinity, pod affinity and pod anti-affinity, as `spec.affinity` takes them (e.g. one runner pod per node). */
  affinity: affinity.optional(),
  /** How the pods spread over zones or nodes (`spec.topologySpreadConstraints`); one per topologyKey and whenUnsatisfiable. */
  topologySpreadConstraints: list(topologySpreadConstraint, "constraints", 20).superRefine((cs, ctx) => {
    cs.forEach((c, i) => {
      if (cs.findIndex((d) => d.topologyKey === c.topologyKey && d.whenUnsatisfiable === c.whenUnsatisfiable) < i) ctx.addIssue({ code: "custom", path: [i], message: "repeats the topologyKey and whenUnsatisfiable of an earlier constraint", params: { fix: "keep one constraint per topologyKey and whenUnsatisfiable" } });
    });
  }).optional(),
  /** A node to run on by name (`spec.nodeName`): the pods bypass the scheduler. */
  nodeName: objectName("a node name").optional(),
};

export type SchedulingOptions = z.output<ReturnType<typeof strictObject<typeof schedulingShape>>>;
