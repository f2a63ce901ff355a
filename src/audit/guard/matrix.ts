/**
 * Static expansion of `strategy.matrix` the way GitHub expands it: the product of the listed
 * values, minus `exclude`, then `include` entries merged into every combination they do not
 * contradict (or appended as new combinations).
 */
import { isDeepStrictEqual } from "node:util";
import { inputExcerpt } from "../../model/input-excerpt.ts";
import { isRecord } from "../../model/refine.ts";

export type Combination = Readonly<Record<string, unknown>>;

export type MatrixExpansion =
  /** The job has no matrix. */
  | { readonly kind: "none" }
  /** Every combination is known. */
  | { readonly kind: "static"; readonly combinations: readonly Combination[] }
  /**
   * Part of the matrix is an expression (`${{ fromJSON(...) }}`), known only at run time; or the
   * matrix is larger than GitHub runs (`tooLarge`), so its combinations are not listed.
   */
  | { readonly kind: "dynamic"; readonly expression: string; readonly tooLarge?: boolean };

/** GitHub runs at most this many jobs of one matrix. */
export const MATRIX_LIMIT = 256;
/** Combinations expanded before `exclude` and `include`: beyond this the matrix is too large whatever they do. */
const EXPAND_LIMIT = 4 * MATRIX_LIMIT;

/** A value as the text of a matrix expression in messages (short, redacted). */
const asText = (v: unknown): string => (typeof v === "string" ? inputExcerpt(v, 120) : inputExcerpt(JSON.stringify(v) ?? String(v), 120));

const tooLarge = (count: string): MatrixExpansion => ({ kind: "dynamic", expression: `a matrix of ${count} combinations, more than the ${MATRIX_LIMIT} GitHub runs`, tooLarge: true });

/** Expands a job's `strategy.matrix` value. */
export function expandMatrix(matrix: unknown): MatrixExpansion {
  if (matrix === undefined || matrix === null) return { kind: "none" };
  if (typeof matrix === "string") return { kind: "dynamic", expression: inputExcerpt(matrix, 120) };
  if (!isRecord(matrix)) return { kind: "dynamic", expression: asText(matrix) };
  const include = matrix["include"];
  const exclude = matrix["exclude"];
  for (const part of [include, exclude]) {
    if (typeof part === "string") return { kind: "dynamic", expression: inputExcerpt(part, 120) };
  }
  const keys = Object.keys(matrix).filter((k) => k !== "include" && k !== "exclude");
  let product = keys.length === 0 ? 0 : 1;
  for (const k of keys) {
    const values = matrix[k];
    if (!Array.isArray(values)) return { kind: "dynamic", expression: asText(values) };
    product *= values.length;
  }
  const includes = Array.isArray(include) ? include.filter(isRecord) : [];
  if (product > EXPAND_LIMIT) return tooLarge(`${product}`);
  if (includes.length > EXPAND_LIMIT) return tooLarge(`at least ${includes.length}`);
  let combos: Record<string, unknown>[] = keys.length === 0 ? [] : [{}];
  for (const k of keys) {
    const values = matrix[k] as unknown[];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  const excludes = Array.isArray(exclude) ? exclude.filter(isRecord).slice(0, EXPAND_LIMIT) : [];
  combos = combos.filter((c) => !excludes.some((x) => Object.entries(x).every(([k, v]) => isDeepStrictEqual(c[k], v))));
  const base = combos.length;
  for (const entry of includes) {
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
  if (combos.length > MATRIX_LIMIT) return tooLarge(`${combos.length}`);
  return { kind: "static", combinations: combos };
}
