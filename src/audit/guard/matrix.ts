/**
 * Static expansion of `strategy.matrix` the way GitHub expands it: the product of the listed
 * values, minus `exclude`, then `include` entries merged into every combination they do not
 * contradict (or appended as new combinations).
 */
import { isDeepStrictEqual } from "node:util";
import { isRecord } from "./workflow.ts";

export type Combination = Readonly<Record<string, unknown>>;

export type MatrixExpansion =
  /** The job has no matrix. */
  | { readonly kind: "none" }
  /** Every combination is known. */
  | { readonly kind: "static"; readonly combinations: readonly Combination[] }
  /** Part of the matrix is an expression (`${{ fromJSON(...) }}`), known only at run time. */
  | { readonly kind: "dynamic"; readonly expression: string };

export const hasExpression = (v: unknown): boolean =>
  typeof v === "string" ? v.includes("${{") : Array.isArray(v) ? v.some(hasExpression) : isRecord(v) ? Object.values(v).some(hasExpression) : false;

/** Expands a job's `strategy.matrix` value. */
export function expandMatrix(matrix: unknown): MatrixExpansion {
  if (matrix === undefined || matrix === null) return { kind: "none" };
  if (typeof matrix === "string") return { kind: "dynamic", expression: matrix };
  if (!isRecord(matrix)) return { kind: "dynamic", expression: JSON.stringify(matrix) };
  const include = matrix["include"];
  const exclude = matrix["exclude"];
  for (const part of [include, exclude]) {
    if (typeof part === "string") return { kind: "dynamic", expression: part };
  }
  const keys = Object.keys(matrix).filter((k) => k !== "include" && k !== "exclude");
  for (const k of keys) {
    const values = matrix[k];
    if (!Array.isArray(values)) return { kind: "dynamic", expression: typeof values === "string" ? values : JSON.stringify(values) };
  }
  let combos: Record<string, unknown>[] = keys.length === 0 ? [] : [{}];
  for (const k of keys) {
    const values = matrix[k] as unknown[];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  const excludes = Array.isArray(exclude) ? exclude.filter(isRecord) : [];
  combos = combos.filter((c) => !excludes.some((x) => Object.entries(x).every(([k, v]) => isDeepStrictEqual(c[k], v))));
  const base = combos.length;
  for (const entry of Array.isArray(include) ? include.filter(isRecord) : []) {
    let merged = false;
    for (let i = 0; i < base; i++) {
      const c = combos[i]!;
      const contradicts = keys.some((k) => k in entry && !isDeepStrictEqual(c[k], entry[k]));
      if (!contradicts) {
        combos[i] = { ...c, ...entry };
        merged = true;
      }
    }
    if (!merged) combos.push({ ...entry });
  }
  return { kind: "static", combinations: combos };
}
