/**
 * Resolves a job's `runs-on` (a label, a list of labels, or `{ group, labels }`, any part of it an
 * expression) to the label sets it can ask for, evaluating expressions with GitHub's own evaluator
 * over what is known before the run: the matrix combination, the inputs, the event. A label set
 * that only some unknown (a repository variable, a job output) decides is a candidate; a value the
 * guard cannot know at all is unresolvable.
 */
import { inputExcerpt } from "../../model/input-excerpt.ts";
import { evaluateValue, Unknown, type Assumption, type Outcome } from "./expression.ts";
import { type Combination, type MatrixExpansion } from "./matrix.ts";
import { isRecord } from "../../model/refine.ts";
import { generalContext } from "./static-context.ts";
import type { Entry } from "./repository.ts";

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
      /** Unknowns that must hold for the job to ask for these labels (empty: it does whenever it runs). */
      readonly assumes: readonly string[];
    }
  | {
      readonly kind: "unresolvable";
      readonly expression: string;
      readonly reason: string;
      readonly context: string;
      /** Set when the value is known and names no runner (`{}`, `[]`, a number): a mistake, not an unknown. */
      readonly invalid?: true;
    };

/** Every way a workflow value can come out, lists and mappings element by element (bounded). */
function outcomes(value: unknown, ctx: Readonly<Record<string, unknown>>): Outcome[] {
  if (typeof value === "string") return evaluateValue(value, ctx);
  const combine = (parts: readonly Outcome[][], build: (vs: unknown[]) => unknown): Outcome[] => {
    let acc: { values: unknown[]; assumes: Assumption[] }[] = [{ values: [], assumes: [] }];
    for (const list of parts) {
      acc = acc.flatMap((a) => list.map((o) => ({ values: [...a.values, o.value], assumes: [...a.assumes, ...o.assumes] })));
      if (acc.length > 64) return [{ value: new Unknown("runtime", "too many cases"), assumes: [] }];
    }
    return acc.map((a) => ({ value: a.values.find((v) => v instanceof Unknown) ?? build(a.values), assumes: a.assumes }));
  };
  if (Array.isArray(value)) return combine(value.slice(0, 100).map((v) => outcomes(v, ctx)), (vs) => vs.flatMap((v) => (Array.isArray(v) ? v : [v])));
  if (isRecord(value)) {
    const keys = Object.keys(value);
    return combine(keys.map((k) => outcomes(value[k], ctx)), (vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])));
  }
  return [{ value, assumes: [] }];
}

const asLabels = (v: unknown): string[] | undefined =>
  typeof v === "string" ? (v.trim() === "" ? [] : [v]) : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;

const shown = (v: unknown) => inputExcerpt(typeof v === "string" ? v : (JSON.stringify(v) ?? String(v)), 120);

function toTarget(value: unknown, context: string, combination: number | undefined, assumes: readonly string[], written: unknown): RunsOnTarget {
  const combinations = combination === undefined ? [] : [combination];
  const labels = asLabels(value);
  if (labels && labels.length > 0) return { kind: "labels", labels, context, combinations, assumes };
  if (labels) return { kind: "unresolvable", expression: "[]", reason: "it names no label, so it asks for no runner at all", context, invalid: true };
  if (value === null || value === undefined) return { kind: "unresolvable", expression: shown(written), reason: "it comes out empty (a matrix or input value that is not set)", context };
  if (isRecord(value)) {
    const group = value["group"];
    const groupLabels = value["labels"] === undefined || value["labels"] === null ? [] : asLabels(value["labels"]);
    if ((group === undefined || group === null) && groupLabels?.length === 0) return { kind: "unresolvable", expression: shown(value), reason: "it names neither a runner group nor labels", context, invalid: true };
    if ((group === undefined || group === null || typeof group === "string") && groupLabels) {
      return { kind: "labels", labels: groupLabels, ...(typeof group === "string" ? { group } : {}), context, combinations, assumes };
    }
  }
  return { kind: "unresolvable", expression: shown(value), reason: "it is not a label, a list of labels or { group, labels }", context, invalid: true };
}

const describe = (combo: Combination, runsOn: unknown) => {
  const text = JSON.stringify(runsOn) ?? "";
  return Object.keys(combo)
    .filter((k) => text.includes(`matrix.${k}`) || text.includes(`matrix['${k}']`))
    .map((k) => `matrix.${inputExcerpt(k, 60)}=${inputExcerpt(typeof combo[k] === "string" ? (combo[k] as string) : (JSON.stringify(combo[k]) ?? ""), 100)}`)
    .join(", ");
};

const undecided = (o: Outcome) => [...new Set(o.assumes.filter((a) => a.source !== "outsider" && a.choice !== true).map((a) => a.what))];

/** The label sets a job's `runs-on` can ask for in an entry, de-duplicated, each with the combination(s) behind it. */
export function resolveRunsOn(runsOn: unknown, matrix: MatrixExpansion, entry: Pick<Entry, "events" | "inputs"> = { events: new Map(), inputs: {} }): RunsOnTarget[] {
  if (runsOn === undefined || runsOn === null) return [];
  const combos: (Combination | undefined)[] = matrix.kind === "static" && matrix.combinations.length > 0 ? [...matrix.combinations] : [undefined];
  const out: RunsOnTarget[] = [];
  const byKey = new Map<string, number>();
  combos.forEach((combo, i) => {
    const m = combo ?? (matrix.kind === "dynamic" ? new Unknown("runtime", "strategy.matrix") : null);
    const why = (u: Unknown) =>
      !u.what.startsWith("strategy.matrix") || matrix.kind !== "dynamic"
        ? `${inputExcerpt(u.what, 120)} is not known before the run`
        : matrix.tooLarge
          ? `the job's strategy.matrix is ${matrix.expression}, so its combinations are not listed`
          : `the job's strategy.matrix is only known at run time (${matrix.expression})`;
    const context = combo === undefined ? "" : describe(combo, runsOn);
    for (const o of outcomes(runsOn, generalContext(entry, m))) {
      const target: RunsOnTarget =
        o.value instanceof Unknown
          ? { kind: "unresolvable", expression: shown(runsOn), reason: why(o.value), context }
          : toTarget(o.value, context, combo === undefined ? undefined : i, undecided(o), runsOn);
      const key = target.kind === "labels" ? `L${target.group ?? ""}|${target.labels.map((l) => l.toLowerCase()).sort().join(",")}|${target.assumes.join(",")}` : `U${target.expression}|${target.reason}`;
      const seen = byKey.get(key);
      const prev = seen === undefined ? undefined : out[seen];
      if (prev?.kind === "labels" && target.kind === "labels") out[seen!] = { ...prev, combinations: [...new Set([...prev.combinations, ...target.combinations])] };
      else if (prev === undefined) {
        byKey.set(key, out.length);
        out.push(target);
      }
    }
  });
  return out;
}
