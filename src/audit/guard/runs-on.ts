/**
 * Resolves a job's `runs-on` (a label, a list of labels, or `{ group, labels }`) to the label sets
 * it can ask for: one per matrix combination when it uses `${{ matrix.* }}`. Any other expression
 * (`${{ inputs.runner }}`, `fromJSON(...)`) cannot be known before the run and is reported as such.
 */
import { inputExcerpt } from "../../model/input-excerpt.ts";
import { hasExpression, type Combination, type MatrixExpansion } from "./matrix.ts";
import { isRecord } from "../../model/refine.ts";

export type RunsOnTarget =
  | {
      readonly kind: "labels";
      readonly labels: readonly string[];
      /** Runner group of the `{ group, labels }` form. */
      readonly group?: string;
      /** The matrix values that produced it, e.g. `matrix.os=linux`; "" without a matrix. */
      readonly context: string;
      /** Matrix combinations (indices) that produce this target; empty without a matrix. */
      readonly combinations: readonly number[];
    }
  | { readonly kind: "unresolvable"; readonly expression: string; readonly reason: string; readonly context: string };

type Eval = { ok: true; value: unknown } | { ok: false; expression: string; reason: string };

const MATRIX_REF = /^matrix((?:\.[A-Za-z_][\w-]*|\[\s*'[^']*'\s*\])+)$/;
/** Longer expressions are not matrix references anyone writes; they are not parsed. */
const MAX_EXPRESSION = 500;

/** An expression as messages show it: `${{ expr }}`, shortened and redacted. */
const shownExpression = (expression: string) => `${"${{"} ${inputExcerpt(expression, 100)} }}`;

/**
 * The expression of a string that is one `${{ ... }}` and nothing else (spaces around it aside),
 * found by scanning rather than by a backtracking pattern (strings come from the workflow).
 */
function wholeExpression(value: string): string | undefined {
  const t = value.trim();
  if (!t.startsWith("${{") || !t.endsWith("}}") || t.length < 5) return undefined;
  const inner = t.slice(3, -2);
  return inner.includes("}}") ? undefined : inner.trim();
}

/** `value` with each `${{ expr }}` replaced by `replace(expr)`; an opening without a closing `}}` is left as it is. */
function replaceEmbedded(value: string, replace: (expression: string) => string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = value.indexOf("${{", from);
    if (open < 0) break;
    const close = value.indexOf("}}", open + 3);
    if (close < 0) break;
    out += value.slice(from, open) + replace(value.slice(open + 3, close).trim());
    from = close + 2;
  }
  return out + value.slice(from);
}

function evaluate(expression: string, combo: Combination | undefined, used: Set<string>): Eval {
  const m = expression.length > MAX_EXPRESSION ? null : MATRIX_REF.exec(expression);
  if (!m) return { ok: false, expression: shownExpression(expression), reason: "only matrix values are known before the run" };
  if (combo === undefined) return { ok: false, expression: shownExpression(expression), reason: "the job has no static strategy.matrix to take it from" };
  const keys = [...(m[1] ?? "").matchAll(/\.([A-Za-z_][\w-]*)|\[\s*'([^']*)'\s*\]/g)].map((k) => k[1] ?? k[2] ?? "");
  used.add(keys[0] ?? "");
  let value: unknown = combo;
  for (const k of keys) {
    if (!isRecord(value) || !Object.hasOwn(value, k)) return { ok: false, expression: shownExpression(expression), reason: `the matrix combination has no value for ${inputExcerpt(k, 60)}` };
    value = value[k];
  }
  if (hasExpression(value)) return { ok: false, expression: shownExpression(expression), reason: `its matrix value is itself an expression (${inputExcerpt(JSON.stringify(value) ?? "", 100)})` };
  return { ok: true, value };
}

function substitute(value: unknown, combo: Combination | undefined, used: Set<string>): Eval {
  if (typeof value === "string") {
    const whole = wholeExpression(value);
    if (whole !== undefined) return evaluate(whole, combo, used);
    let failure: Eval | undefined;
    const out = replaceEmbedded(value, (expr) => {
      const r = evaluate(expr, combo, used);
      if (!r.ok) failure ??= r;
      else if (typeof r.value === "string" || typeof r.value === "number" || typeof r.value === "boolean") return String(r.value);
      else failure ??= { ok: false, expression: shownExpression(expr), reason: "its matrix value is not a string" };
      return "";
    });
    return failure ?? { ok: true, value: out };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const r = substitute(v, combo, used);
      if (!r.ok) return r;
      if (Array.isArray(r.value)) for (const x of r.value as unknown[]) out.push(x);
      else out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = substitute(v, combo, used);
      if (!r.ok) return r;
      Object.defineProperty(out, k, { value: r.value, enumerable: true, writable: true, configurable: true });
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

const asLabels = (v: unknown): string[] | undefined =>
  typeof v === "string" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;

function toTarget(value: unknown, context: string, combination: number | undefined): RunsOnTarget {
  const combinations = combination === undefined ? [] : [combination];
  const labels = asLabels(value);
  if (labels && labels.length > 0) return { kind: "labels", labels, context, combinations };
  if (labels) return { kind: "unresolvable", expression: "[]", reason: "it names no label, so it asks for no runner at all", context };
  if (isRecord(value)) {
    const group = value["group"];
    const groupLabels = value["labels"] === undefined ? [] : asLabels(value["labels"]);
    if (group === undefined && groupLabels?.length === 0) {
      return { kind: "unresolvable", expression: inputExcerpt(JSON.stringify(value) ?? "", 120), reason: "it names neither a runner group nor labels", context };
    }
    if ((group === undefined || typeof group === "string") && groupLabels) {
      return { kind: "labels", labels: groupLabels, ...(group === undefined ? {} : { group }), context, combinations };
    }
  }
  return { kind: "unresolvable", expression: inputExcerpt(JSON.stringify(value) ?? String(value), 120), reason: "it is not a label, a list of labels or { group, labels }", context };
}

const describe = (combo: Combination, used: ReadonlySet<string>) =>
  [...used]
    .filter((k) => Object.hasOwn(combo, k))
    .map((k) => `matrix.${inputExcerpt(k, 60)}=${inputExcerpt(typeof combo[k] === "string" ? (combo[k] as string) : (JSON.stringify(combo[k]) ?? ""), 100)}`)
    .join(", ");

/** The label sets a job's `runs-on` can ask for, de-duplicated, each with the combination(s) behind it. */
export function resolveRunsOn(runsOn: unknown, matrix: MatrixExpansion): RunsOnTarget[] {
  if (runsOn === undefined || runsOn === null) return [];
  if (!hasExpression(runsOn)) return [toTarget(runsOn, "", undefined)];
  if (matrix.kind !== "static") {
    const r = substitute(runsOn, undefined, new Set());
    if (r.ok) return [toTarget(r.value, "", undefined)];
    const reason =
      matrix.kind === "dynamic" && r.reason.includes("no static strategy.matrix")
        ? matrix.tooLarge
          ? `the job's strategy.matrix is ${matrix.expression}, so its combinations are not listed`
          : `the job's strategy.matrix is only known at run time (${matrix.expression})`
        : r.reason;
    return [{ kind: "unresolvable", expression: r.expression, reason, context: "" }];
  }
  const out: RunsOnTarget[] = [];
  const byKey = new Map<string, number>();
  matrix.combinations.forEach((combo, i) => {
    const used = new Set<string>();
    const r = substitute(runsOn, combo, used);
    const context = describe(combo, used);
    const target = r.ok ? toTarget(r.value, context, i) : ({ kind: "unresolvable", expression: r.expression, reason: r.reason, context } as const);
    const key = target.kind === "labels" ? `L${target.group ?? ""}|${target.labels.map((l) => l.toLowerCase()).sort().join(",")}` : `U${target.expression}|${target.reason}`;
    const seen = byKey.get(key);
    const prev = seen === undefined ? undefined : out[seen];
    if (prev?.kind === "labels" && target.kind === "labels") out[seen!] = { ...prev, combinations: [...prev.combinations, i] };
    else if (prev === undefined) {
      byKey.set(key, out.length);
      out.push(target);
    }
  });
  if (matrix.combinations.length === 0) {
    const r = substitute(runsOn, undefined, new Set());
    out.push(r.ok ? toTarget(r.value, "", undefined) : { kind: "unresolvable", expression: r.expression, reason: "the job's matrix has no combinations", context: "" });
  }
  return out;
}
