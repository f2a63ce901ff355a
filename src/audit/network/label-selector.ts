/**
 * Kubernetes label selectors, exactly: matchLabels AND every matchExpression; operators In, NotIn,
 * Exists, DoesNotExist; no wildcards (the value "*" matches only a label whose value is "*", which
 * no valid label can have). An empty selector `{}` matches everything.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { Labels } from "./types.ts";
import { quote, quoteValue } from "../quote.ts";
import { isRecord } from "../../model/refine.ts";

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Whether `selector` selects an object with `labels`. A selector the API server would reject
 * (unknown operator, In/NotIn without values, Exists/DoesNotExist with values) matches nothing.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined || selector === null) return true;
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== String(value)) return false;
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of expressions) {
    if (e === null || typeof e !== "object" || typeof e.key !== "string") return false;
    const has = Object.hasOwn(labels, e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    switch (e.operator) {
      case "In":
        if (values.length === 0 || !has || !values.includes(labels[e.key] ?? "")) return false;
        break;
      case "NotIn":
        // A pod without the key satisfies NotIn.
        if (values.length === 0 || (has && values.includes(labels[e.key] ?? ""))) return false;
        break;
      case "Exists":
        if (values.length > 0 || !has) return false;
        break;
      case "DoesNotExist":
        if (values.length > 0 || has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True for `{}` (and an absent matchLabels/matchExpressions): selects everything. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  if (selector === undefined || selector === null) return true;
  const labels = isRecord(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels === 0 && exprs === 0;
}

/** A short human rendering of a selector, e.g. `{app=runner, tier in (a,b)}` or `{} (everything)`. */
export function describeSelector(selector: LabelSelector | undefined): string {
  if (isEmptySelector(selector)) return "{} (everything)";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(isRecord(selector?.matchLabels) ? selector.matchLabels : {})) parts.push(`${k}=${String(v)}`);
  for (const e of Array.isArray(selector?.matchExpressions) ? selector.matchExpressions : []) {
    if (e === null || typeof e !== "object") continue;
    const values = (Array.isArray(e.values) ? e.values : []).join(",");
    if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === "In" ? "in" : e.operator === "NotIn" ? "notin" : e.operator} (${values})`);
  }
  return `{${parts.join(", ")}}`;
}

export interface SelectorProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Everything the API server would reject in a selector, plus wildcard attempts, with fixes. */
export function selectorProblems(selector: LabelSelector | undefined, path: string): SelectorProblem[] {
  const out: SelectorProblem[] = [];
  if (selector === undefined || selector === null) return out;
  if (selector.matchLabels !== undefined && !isRecord(selector.matchLabels)) {
    out.push({ path: `${path}.matchLabels`, message: "matchLabels is not a map of label keys to values", fix: "write matchLabels as `key: value` pairs" });
  }
  for (const [key, value] of Object.entries(isRecord(selector.matchLabels) ? selector.matchLabels : {})) {
    const p = `${path}.matchLabels[${quote(key)}]`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) out.push({ path: p, message: `${quote(key)} ${keyProblem}`, fix: "use a valid label key such as app.kubernetes.io/name" });
    out.push(...labelValueProblems(String(value), p));
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  expressions.forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (e === null || typeof e !== "object") {
      out.push({ path: p, message: "is not a mapping; this selector matches nothing", fix: "write {key: <label key>, operator: In|NotIn|Exists|DoesNotExist, values: [...]}" });
      return;
    }
    if (e.operator === undefined || e.operator === null) {
      out.push({ path: `${p}.operator`, message: "is missing; this selector matches nothing", fix: "use In, NotIn, Exists or DoesNotExist" });
    } else if (!OPERATORS.has(e.operator)) {
      out.push({ path: `${p}.operator`, message: `unknown operator ${quoteValue(e.operator)}; this selector matches nothing`, fix: "use In, NotIn, Exists or DoesNotExist" });
    }
    const n = Array.isArray(e.values) ? e.values.length : 0;
    if ((e.operator === "In" || e.operator === "NotIn") && n === 0) {
      out.push({ path: `${p}.values`, message: `operator ${e.operator} needs at least one value; the API server rejects an empty list`, fix: "list the values, or use Exists / DoesNotExist" });
    }
    if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0) {
      out.push({ path: `${p}.values`, message: `operator ${e.operator} takes no values; the API server rejects them`, fix: "remove values, or use In / NotIn" });
    }
    const keyProblem = typeof e.key === "string" ? labelKeyProblem(e.key) : "is missing";
    if (keyProblem !== undefined) out.push({ path: `${p}.key`, message: typeof e.key === "string" ? `${quote(e.key)} ${keyProblem}` : "the key is missing; the API server rejects the selector", fix: "use a valid label key such as app.kubernetes.io/name" });
    (Array.isArray(e.values) ? e.values : []).forEach((v, j) => out.push(...labelValueProblems(String(v), `${p}.values[${j}]`)));
  });
  return out;
}

function labelValueProblems(value: string, path: string): SelectorProblem[] {
  if (value === "" || (value.length <= 63 && NAME.test(value))) return [];
  if (value.includes("*")) {
    return [{
      path,
      message: `${quote(value)} is not a wildcard: label values have no wildcards, "*" is not even a valid label value (the API server rejects the policy), and as written it selects no pod`,
      fix: "select every pod of the namespace with `podSelector: {}`, every namespace with `namespaceSelector: {}`, or pods that carry a key with `matchExpressions: [{key: <key>, operator: Exists}]`",
    }];
  }
  return [{ path, message: `${quote(value)} is not a valid label value (at most 63 characters: alphanumerics, '-', '_', '.', starting and ending alphanumeric); the API server rejects the policy`, fix: "use the exact label value the pods carry" }];
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return "has an invalid prefix (must be a DNS subdomain)";
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return "is not a valid label key";
  return undefined;
}

