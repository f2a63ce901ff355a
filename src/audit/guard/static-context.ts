/**
 * What is known of a run before it starts, as an expression context: the events that can start it
 * (`github.event_name`), the inputs it gets, the matrix combination of the job. Everything else
 * (`vars`, `secrets`, `needs`, `steps`, ...) is unknown.
 */
import { Choice, evaluateValue, OPEN, Unknown } from "./expression.ts";
import { isRecord } from "../../model/refine.ts";
import type { Entry } from "./repository.ts";

const runtime = (name: string) => new Unknown("runtime", name);

/** The context of a job's `runs-on`, `strategy` and `with:` in an entry, for one matrix combination. */
export function generalContext(entry: Pick<Entry, "events" | "inputs">, matrix: unknown): Record<string, unknown> {
  const events = [...entry.events.keys()];
  return {
    github: {
      event_name: events.length === 1 ? events[0] : events.length > 1 ? new Choice(events, "runtime", "github.event_name") : runtime("github.event_name"),
      // A dispatch's inputs are also github.event.inputs.
      event: { inputs: { ...entry.inputs, [OPEN]: { path: "github.event.inputs" } }, [OPEN]: { path: "github.event" } },
      [OPEN]: { path: "github" },
    },
    inputs: { ...entry.inputs, [OPEN]: { path: "inputs" } },
    matrix: matrix ?? null,
    vars: runtime("vars"),
    secrets: runtime("secrets"),
    needs: runtime("needs"),
    steps: runtime("steps"),
    env: runtime("env"),
    runner: runtime("runner"),
    job: runtime("job"),
    jobs: runtime("jobs"),
    strategy: runtime("strategy"),
  };
}

/** The single known value of an expression-valued string, or `undefined`. */
function known(value: unknown, ctx: Readonly<Record<string, unknown>>): unknown {
  if (typeof value !== "string" || !value.includes("${{")) return value;
  const outs = evaluateValue(value, ctx);
  const [first] = outs;
  return outs.length === 1 && first !== undefined && !(first.value instanceof Unknown) ? first.value : undefined;
}

/** A matrix value with its expressions evaluated: known ones replaced, unknown ones an {@link Unknown}. */
function value(v: unknown, ctx: Readonly<Record<string, unknown>>, depth = 0): unknown {
  if (typeof v === "string" && v.includes("${{")) return known(v, ctx) ?? new Unknown("runtime", v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => value(x, ctx, depth + 1));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, ctx, depth + 1)]));
  return v;
}

/**
 * `strategy.matrix` with every expression GitHub would evaluate before expanding it replaced by its
 * value where that is known statically (`${{ fromJSON(inputs.targets) }}` with a default, a list
 * from `inputs`); the rest is left as written.
 */
export function resolveMatrix(matrix: unknown, ctx: Readonly<Record<string, unknown>>): unknown {
  const whole = known(matrix, ctx);
  if (whole === undefined) return matrix;
  if (!isRecord(whole)) return whole;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(whole)) {
    const list = known(v, ctx);
    out[k] = list === undefined ? v : Array.isArray(list) ? list.slice(0, 1000).map((x) => value(x, ctx)) : list;
  }
  return out;
}
