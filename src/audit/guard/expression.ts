/**
 * Evaluates GitHub Actions expressions (`${{ ... }}`) over what is known before a run, with GitHub's
 * own lexer, parser and functions (`@actions/expressions`). What is not known (a repository
 * variable, a step's output, text an outsider writes) is an {@link Unknown}; the evaluation then
 * follows every way it could go and returns each possible {@link Outcome} with the unknowns it had
 * to assume. Operators and functions over known values are GitHub's own (case-insensitive `==`,
 * type coercion, `fromJSON`, `contains`, `format`, ...).
 */
import { Evaluator, Lexer, Parser, data, type Expr } from "@actions/expressions";
import { Binary, FunctionCall, Literal, Star, type ContextAccess, type ExprVisitor, type Grouping, type IndexAccess, type Logical, type Unary } from "@actions/expressions/ast";
import { TokenType, type Token } from "@actions/expressions/lexer";
import { falsy } from "@actions/expressions/result";

/**
 * Who decides an unknown value: `outsider` (the person starting the run writes it, so it can be
 * anything they like), `repository` (the repository's own name, owner or default branch: the
 * workflow is taken to name its own repository), `runtime` (decided during the run or by settings
 * the guard cannot see).
 */
export type Source = "outsider" | "repository" | "runtime";

/**
 * The name of someone or something, not known before the run but known to be one name: an
 * outsider's login or fork (`outsider-*`: equal to the same kind of name, never to a literal or to
 * the repository's), or the repository's own name, owner or branch (`repository-*`: equal to the same
 * kind of name and taken to equal the literal it is compared with, since the workflow names its own
 * repository).
 */
export type Identity = "outsider-login" | "outsider-repo" | "repository" | "repository-owner" | "repository-ref";

/** A value not known before the run. */
export class Unknown {
  readonly source: Source;
  readonly what: string;
  /** Set when the value is a name of a known kind (see {@link Identity}). */
  readonly identity: Identity | undefined;
  /** Whether the value is assumed truthy (set where a condition branches on it). */
  readonly truth: boolean | undefined;
  constructor(source: Source, what: string, identity?: Identity, truth?: boolean) {
    this.source = source;
    this.what = what;
    this.identity = identity;
    this.truth = truth;
  }
}

/** One of several known values, the choice made by `source` (e.g. the author association of an outsider). */
export class Choice {
  readonly values: readonly unknown[];
  readonly source: Source;
  readonly what: string;
  constructor(values: readonly unknown[], source: Source, what: string) {
    this.values = values;
    this.source = source;
    this.what = what;
  }
}

/** What evaluation assumed of an unknown: `what` (e.g. `vars.RUN_GPU`) and who decides it. */
export interface Assumption {
  readonly source: Source;
  readonly what: string;
  /** Set when the value was one of a known list (a {@link Choice}): each case is known. */
  readonly choice?: boolean;
  /** The truth assumed of the unknown where a condition branched on it. */
  readonly truth?: boolean;
}

/** One way an expression can come out: a plain JSON value, or an unknown; and what was assumed to get there. */
export interface Outcome {
  readonly value: unknown;
  readonly assumes: readonly Assumption[];
}

/** Context names the parser accepts, and the functions beyond GitHub's built-in ones. */
const CONTEXTS = ["github", "inputs", "matrix", "needs", "vars", "secrets", "env", "steps", "runner", "job", "jobs", "strategy"];
const STATUS_FUNCTIONS = [
  { name: "success", minArgs: 0, maxArgs: 0 },
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "failure", minArgs: 0, maxArgs: 255 },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];
/** Longest expression evaluated (GitHub's own limit); longer ones are unknown. */
const MAX_EXPRESSION = 21_000;
/** Most outcomes kept; past this the expression is unknown. */
const MAX_OUTCOMES = 64;

/** Parses an expression (the text inside `${{ }}`); `undefined` when GitHub's parser refuses it. */
export function parseExpression(text: string): Expr | undefined {
  if (text.length > MAX_EXPRESSION) return undefined;
  try {
    const { tokens } = new Lexer(text).lex();
    return new Parser(tokens, CONTEXTS, STATUS_FUNCTIONS).parse();
  } catch {
    return undefined;
  }
}

/** A filtered array (`x.*`): indexing maps over its items. */
class Filtered {
  readonly items: readonly unknown[];
  constructor(items: readonly unknown[]) {
    this.items = items;
  }
}

const toData = (v: unknown): data.ExpressionData => JSON.parse(JSON.stringify(v instanceof Filtered ? v.items : (v ?? null)) ?? "null", data.reviver) as data.ExpressionData;
const fromData = (d: data.ExpressionData): unknown => JSON.parse(JSON.stringify(d, data.replacer) ?? "null") as unknown;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Unknown) && !(v instanceof Choice) && !(v instanceof Filtered);

/**
 * Marks a context object whose missing keys are not absent but unknown (`{ path }`: an unknown named
 * `path.key`) or take a given value (`{ path, value }`).
 */
export const OPEN = Symbol("open");
export type Open = { [OPEN]: { readonly path: string; readonly value?: unknown } };

/** Property `key` of a plain object, compared case-insensitively as GitHub does; null when absent. */
function property(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  const open = (obj as Partial<Open>)[OPEN];
  if (open !== undefined) return Object.hasOwn(open, "value") ? open.value : new Unknown("runtime", `${open.path}.${key}`);
  return null;
}

/** Whether a known value is truthy, per GitHub. */
export const truthy = (v: unknown): boolean => !falsy(toData(v));

const merge = (a: readonly Assumption[], b: readonly Assumption[]): Assumption[] => {
  const out = [...a];
  for (const x of b) if (!out.some((y) => y.source === x.source && y.what === x.what && y.truth === x.truth)) out.push(x);
  return out;
};

/** Every combination of the outcomes of several expressions (bounded). */
function product(lists: readonly (readonly Outcome[])[]): { values: unknown[]; assumes: Assumption[] }[] {
  let acc: { values: unknown[]; assumes: Assumption[] }[] = [{ values: [], assumes: [] }];
  for (const list of lists) {
    acc = acc.flatMap((a) => list.map((o) => ({ values: [...a.values, o.value], assumes: merge(a.assumes, o.assumes) })));
    if (acc.length > MAX_OUTCOMES) return [{ values: lists.map(() => new Unknown("runtime", "an expression with too many cases")), assumes: [] }];
  }
  return acc;
}

/** Expands a context value: a {@link Choice} becomes one outcome per value. */
function expand(value: unknown, assumes: readonly Assumption[]): Outcome[] {
  if (value instanceof Choice) return value.values.map((v) => ({ value: v, assumes: merge(assumes, [{ source: value.source, what: value.what, choice: true }]) }));
  return [{ value, assumes }];
}

function index(obj: unknown, key: unknown, star: boolean): unknown {
  if (obj instanceof Filtered) {
    const out: unknown[] = [];
    for (const item of obj.items) {
      const v = index(item, key, star);
      if (v instanceof Filtered) out.push(...v.items);
      else if (v !== null && v !== undefined) out.push(v);
    }
    return new Filtered(out);
  }
  if (star) return new Filtered(Array.isArray(obj) ? obj : isRecord(obj) ? Object.values(obj) : []);
  if (Array.isArray(obj)) return typeof key === "number" && Number.isInteger(key) && key >= 0 ? (obj[key] ?? null) : null;
  if (isRecord(obj)) return property(obj, typeof key === "string" ? key : String(key));
  return null;
}

/** Equality with the identity rules of {@link Unknown}: undefined when it cannot be decided. */
function identityEquals(l: unknown, r: unknown): boolean | undefined {
  const li = l instanceof Unknown ? l.identity : undefined;
  const ri = r instanceof Unknown ? r.identity : undefined;
  if (li === undefined && ri === undefined) return undefined;
  if (li !== undefined && ri !== undefined) return li === ri;
  // One side is a name, the other a literal or an unknown that is no name.
  if ((l instanceof Unknown && li === undefined) || (r instanceof Unknown && ri === undefined)) return undefined;
  return !(li ?? ri)!.startsWith("outsider");
}

/**
 * GitHub's functions over names of a known kind: an outsider's name is in no list of literals and
 * a fork's full name starts with no other owner; `format` of the repository's owner and name is the
 * repository's name. Undefined when the names do not decide it.
 */
function identityCall(name: string, values: readonly unknown[]): { value: unknown } | undefined {
  const [a, b] = values;
  const id = (v: unknown) => (v instanceof Unknown ? v.identity : undefined);
  if (name === "contains" && Array.isArray(a) && id(b)?.startsWith("outsider")) return { value: a.some((x) => x instanceof Unknown && x.identity === id(b)) };
  if (name === "startswith" && id(a) === "outsider-repo" && typeof b === "string" && b.includes("/")) return { value: false };
  if (name === "format" && values.some((v) => v instanceof Unknown) && values.every((v) => !(v instanceof Unknown) || id(v)?.startsWith("repository"))) return { value: new Unknown("repository", "a name made of the repository's", "repository") };
  return undefined;
}

class Evaluation implements ExprVisitor<Outcome[]> {
  private readonly context: Readonly<Record<string, unknown>>;
  constructor(context: Readonly<Record<string, unknown>>) {
    this.context = context;
  }

  eval(n: Expr): Outcome[] {
    const out = n.accept(this);
    return out.length > MAX_OUTCOMES ? [{ value: new Unknown("runtime", "an expression with too many cases"), assumes: [] }] : out;
  }

  visitLiteral(l: Literal): Outcome[] {
    return [{ value: fromData(l.literal), assumes: [] }];
  }

  visitGrouping(g: Grouping): Outcome[] {
    return this.eval(g.group);
  }

  visitUnary(u: Unary): Outcome[] {
    return this.eval(u.expr).flatMap((o) => this.split(o).map((s) => ({ value: !s.truth, assumes: s.assumes })));
  }

  /** An outcome with its truth: known values have one; an unknown is split into its true and false cases. */
  private split(o: Outcome): { value: unknown; truth: boolean; assumes: readonly Assumption[] }[] {
    const v = o.value;
    if (!(v instanceof Unknown)) return [{ value: v, truth: truthy(v), assumes: o.assumes }];
    if (v.truth !== undefined) return [{ value: v, truth: v.truth, assumes: o.assumes }];
    return [true, false].map((truth) => ({ value: new Unknown(v.source, v.what, v.identity, truth), truth, assumes: merge(o.assumes, [{ source: v.source, what: v.what, truth }]) }));
  }

  visitLogical(l: Logical): Outcome[] {
    const and = l.operator.type === TokenType.AND;
    const done: Outcome[] = [];
    let pending: { assumes: readonly Assumption[] }[] = [{ assumes: [] }];
    l.args.forEach((arg, i) => {
      const outs = this.eval(arg);
      const next: { assumes: readonly Assumption[] }[] = [];
      for (const p of pending) {
        for (const o of outs) {
          for (const s of this.split({ value: o.value, assumes: merge(p.assumes, o.assumes) })) {
            const stops = and ? s.truth === false : s.truth === true;
            if (stops || i === l.args.length - 1) done.push({ value: s.value, assumes: s.assumes });
            else next.push({ assumes: s.assumes });
          }
        }
      }
      pending = next.length > MAX_OUTCOMES ? [{ assumes: [{ source: "runtime", what: "an expression with too many cases" }] }] : next;
    });
    return done;
  }

  visitBinary(b: Binary): Outcome[] {
    const out: Outcome[] = [];
    for (const { values, assumes } of product([this.eval(b.left), this.eval(b.right)])) {
      const [l, r] = values;
      const eq = b.operator.type === TokenType.EQUAL_EQUAL || b.operator.type === TokenType.BANG_EQUAL;
      if (l instanceof Unknown || r instanceof Unknown) {
        const same = eq ? identityEquals(l, r) : undefined;
        if (same !== undefined) out.push({ value: b.operator.type === TokenType.EQUAL_EQUAL ? same : !same, assumes });
        else {
          // A comparison is its own proposition: name it by both sides, so it is not taken for the operand's truth.
          const u = unknownOf([l, r]);
          const side = (v: unknown) => (v instanceof Unknown ? v.what : typeof v === "string" ? `'${v.slice(0, 60)}'` : (JSON.stringify(v) ?? "null").slice(0, 60));
          out.push({ value: new Unknown(u.source, `${side(l)} ${b.operator.lexeme} ${side(r)}`), assumes });
        }
        continue;
      }
      out.push({ value: fromData(new Evaluator(new Binary(literal(l, b.operator), b.operator, literal(r, b.operator)), new data.Dictionary()).evaluate()), assumes });
    }
    return out;
  }

  visitContextAccess(c: ContextAccess): Outcome[] {
    return expand(property(this.context, c.name.lexeme), []);
  }

  visitIndexAccess(ia: IndexAccess): Outcome[] {
    const star = ia.index instanceof Star;
    const keys = star ? [{ value: null, assumes: [] }] : this.eval(ia.index);
    const out: Outcome[] = [];
    for (const { values, assumes } of product([this.eval(ia.expr), keys])) {
      const [obj, key] = values;
      if (obj instanceof Unknown) out.push({ value: obj.identity === undefined && (typeof key === "string" || typeof key === "number") ? new Unknown(obj.source, `${obj.what}.${key}`) : obj, assumes });
      else if (key instanceof Unknown) out.push({ value: new Unknown(key.source, key.what), assumes });
      else out.push(...expand(index(obj, key, star), assumes));
    }
    return out;
  }

  visitFunctionCall(f: FunctionCall): Outcome[] {
    const name = f.functionName.lexeme.toLowerCase();
    if (name === "success") return expand(this.context["success()"] ?? true, []);
    if (name === "failure") return expand(this.context["failure()"] ?? new Unknown("runtime", "failure()"), []);
    // A run is cancelled by a newer run or by a maintainer, not by what the job's condition reads.
    if (name === "cancelled") return [{ value: false, assumes: [] }];
    if (name === "always") return [{ value: true, assumes: [] }];
    if (name === "hashfiles") return [{ value: new Unknown("runtime", "hashFiles()"), assumes: [] }];
    const out: Outcome[] = [];
    for (const { values, assumes } of product(f.args.map((a) => this.eval(a)))) {
      const named = identityCall(name, values);
      if (named !== undefined) {
        out.push({ value: named.value, assumes });
        continue;
      }
      if (values.some((v) => v instanceof Unknown || (Array.isArray(v) && v.some((x) => x instanceof Unknown)))) {
        out.push({ value: unknownOf(values.flatMap((v) => (Array.isArray(v) ? v : [v]))), assumes });
        continue;
      }
      try {
        const call = new FunctionCall(f.functionName, values.map((v) => literal(v, f.functionName)));
        out.push({ value: fromData(new Evaluator(call, new data.Dictionary()).evaluate()), assumes });
      } catch {
        out.push({ value: new Unknown("runtime", `${f.functionName.lexeme}() of these arguments`), assumes });
      }
    }
    return out;
  }
}

const literal = (v: unknown, token: Token) => new Literal(toData(v), token);

/** The unknown an operation on unknown operands gives: the outsider's when only outsiders' values are involved. */
function unknownOf(values: readonly unknown[]): Unknown {
  const unknowns = values.filter((v): v is Unknown => v instanceof Unknown);
  const source: Source = unknowns.some((u) => u.source === "runtime") ? "runtime" : unknowns.some((u) => u.source === "repository") ? "repository" : "outsider";
  return new Unknown(source, unknowns.map((u) => u.what).join(", "));
}

/** Every way the expression can come out over the context (a plain object whose leaves may be {@link Unknown} or {@link Choice}). */
export function evaluate(expr: Expr, context: Readonly<Record<string, unknown>>): Outcome[] {
  try {
    return new Evaluation(context).eval(expr);
  } catch {
    return [{ value: new Unknown("runtime", "an expression the guard could not evaluate"), assumes: [] }];
  }
}

/**
 * A workflow value that may hold expressions: a string that is one `${{ }}` gives that
 * expression's value; a string with embedded ones gives the text with each replaced (GitHub's
 * `format`); anything else is returned as it is.
 */
export function evaluateValue(value: unknown, context: Readonly<Record<string, unknown>>): Outcome[] {
  if (typeof value !== "string" || !value.includes("${{")) return [{ value, assumes: [] }];
  const parts: (string | Expr)[] = [];
  let from = 0;
  for (;;) {
    const open = value.indexOf("${{", from);
    if (open < 0) break;
    const close = value.indexOf("}}", open + 3);
    if (close < 0) break;
    if (open > from) parts.push(value.slice(from, open));
    const expr = parseExpression(value.slice(open + 3, close).trim());
    if (expr === undefined) return [{ value: new Unknown("runtime", `an expression GitHub's parser refuses (${value.slice(open, close + 2).slice(0, 80)})`), assumes: [] }];
    parts.push(expr);
    from = close + 2;
  }
  if (from < value.length) parts.push(value.slice(from));
  if (parts.length === 1 && typeof parts[0] !== "string" && value.trim().startsWith("${{") && value.trim().endsWith("}}")) return evaluate(parts[0]!, context);
  return product(parts.map((p) => (typeof p === "string" ? [{ value: p, assumes: [] }] : evaluate(p, context)))).map(({ values, assumes }) =>
    values.some((v) => v instanceof Unknown) ? { value: unknownOf(values), assumes } : { value: values.map(stringOf).join(""), assumes },
  );
}

const stringOf = (v: unknown): string => toData(v).coerceString();
