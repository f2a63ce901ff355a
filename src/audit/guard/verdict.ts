/**
 * The verdict on a condition's outcomes (see expression.ts): can it be made true, whatever the run
 * decides, by what an outsider chooses?
 */
import { truthy, Unknown, type Assumption, type Outcome } from "./expression.ts";

/** How a condition comes out for an outsider: it can be made true, it cannot, or only unknowns would tell. */
export type Verdict =
  | { readonly kind: "true"; readonly assumes: readonly Assumption[] }
  | { readonly kind: "false" }
  | { readonly kind: "unknown"; readonly unknowns: readonly string[] };

/** Most runtime unknowns whose truth assignments are enumerated; past this a condition is unknown. */
const MAX_RUNTIME_UNKNOWNS = 8;

/**
 * Whether a condition's outcomes let it be true whatever the run decides: `true` when, for every
 * truth of the runtime unknowns it branches on, some outcome is truthy assuming only what outsiders
 * or the repository's name decide; `false` when no outcome can be truthy; `unknown` otherwise (it
 * depends on a repository variable, a job output, ...).
 */
export function verdict(outcomes: readonly Outcome[]): Verdict {
  const runtime = (a: Assumption) => a.source === "runtime" && a.choice !== true;
  const candidates: { needs: ReadonlyMap<string, boolean>; assumes: readonly Assumption[] }[] = [];
  const undecided = new Set<string>();
  for (const o of outcomes) {
    const v = o.value;
    if (v instanceof Unknown ? v.truth === false : !truthy(v)) continue;
    if (v instanceof Unknown && v.truth === undefined && v.source === "runtime") {
      undecided.add(v.what);
      continue;
    }
    const needs = new Map<string, boolean>();
    let consistent = true;
    for (const a of o.assumes.filter(runtime)) {
      if (a.truth === undefined) undecided.add(a.what);
      else if (needs.get(a.what) === !a.truth) consistent = false;
      else needs.set(a.what, a.truth);
    }
    if (consistent && ![...o.assumes.filter(runtime)].some((a) => a.truth === undefined)) candidates.push({ needs, assumes: v instanceof Unknown ? [...o.assumes, { source: v.source, what: v.what }] : o.assumes });
  }
  const names = [...new Set(candidates.flatMap((c) => [...c.needs.keys()]))];
  if (candidates.length === 0) return undecided.size > 0 ? { kind: "unknown", unknowns: [...undecided] } : { kind: "false" };
  if (names.length > MAX_RUNTIME_UNKNOWNS) return { kind: "unknown", unknowns: names };
  let covered = true;
  for (let bits = 0; bits < 1 << names.length && covered; bits++) {
    const truth = (name: string) => ((bits >> names.indexOf(name)) & 1) === 1;
    covered = candidates.some((c) => [...c.needs].every(([n, t]) => truth(n) === t));
  }
  if (covered) return { kind: "true", assumes: candidates.find((c) => c.needs.size === 0)?.assumes ?? candidates[0]!.assumes };
  return { kind: "unknown", unknowns: [...new Set([...names, ...undecided])] };
}
