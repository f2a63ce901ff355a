/**
 * Reads a workflow the way GitHub does, with its own parser and template converter
 * (`@actions/workflow-parser`): the events with their filters, each job's `if` (with the
 * `success() &&` GitHub adds when it names no status function), `needs`, and the reusable workflow
 * a job calls with the inputs it passes. Where GitHub's converter gives up on a broken file, the
 * guard's own reading of the YAML stands in (actionlint reports what is broken).
 */
import { registerHooks } from "node:module";
import type * as WorkflowParser from "@actions/workflow-parser";
import type { WorkflowTemplate } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isRecord } from "../../model/refine.ts";
import type { ParsedWorkflow } from "./workflow.ts";

/** An event of `on:` with the filters the guard uses. */
export interface EventFilter {
  /** `types:` of the event, when given. */
  readonly types?: readonly string[];
  /** `workflows:` of `workflow_run`. */
  readonly workflows?: readonly string[];
}

/** What the guard needs of one job. */
export interface JobSemantics {
  /** The job's condition as GitHub runs it (always names a status function). */
  readonly if: string;
  readonly needs: readonly string[];
  /** The reusable workflow it calls (`uses:`), if any. */
  readonly uses?: string;
  /** The inputs it passes to that workflow (`with:`). */
  readonly with: Readonly<Record<string, unknown>>;
}

export interface WorkflowSemantics {
  readonly events: ReadonlyMap<string, EventFilter>;
  /** Defaults of the `workflow_call` inputs. */
  readonly callInputs: Readonly<Record<string, unknown>>;
  readonly jobs: ReadonlyMap<string, JobSemantics>;
}

type Parser = typeof WorkflowParser;
let parser: Promise<Parser> | undefined;

/**
 * The parser's package imports its schema as JSON without the import attribute Node asks for;
 * a resolve hook adds it for that package's own JSON files only.
 */
function loadParser(): Promise<Parser> {
  parser ??= (() => {
    registerHooks({
      resolve(specifier, context, next) {
        const r = next(specifier, context);
        return r.url.endsWith(".json") && r.url.includes("/@actions/workflow-parser/") ? { ...r, importAttributes: { ...context.importAttributes, type: "json" } } : r;
      },
    });
    return import("@actions/workflow-parser");
  })();
  return parser;
}

/** A template token as plain data; an expression becomes its `${{ }}` text. */
function plain(t: TemplateToken | undefined, p: Parser): unknown {
  if (t === undefined) return undefined;
  if (p.isBasicExpression(t)) return `\${{ ${t.expression} }}`;
  if (p.isMapping(t)) {
    const out: Record<string, unknown> = {};
    for (const { key, value } of t) out[String(plain(key, p))] = plain(value, p);
    return out;
  }
  if (p.isSequence(t)) return [...t].map((x) => plain(x, p));
  if (p.isString(t) || p.isNumber(t) || p.isBoolean(t)) return t.value;
  return null;
}

const asStrings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : undefined);

/** The events of `on:` from the YAML alone (a string, a list or a mapping). */
function eventsOf(on: unknown): Map<string, EventFilter> {
  const out = new Map<string, EventFilter>();
  for (const e of typeof on === "string" ? [on] : Array.isArray(on) ? on : isRecord(on) ? Object.keys(on) : []) {
    if (typeof e !== "string") continue;
    const cfg = isRecord(on) ? on[e] : undefined;
    const types = isRecord(cfg) ? asStrings(cfg["types"]) : undefined;
    const workflows = isRecord(cfg) ? asStrings(cfg["workflows"]) : undefined;
    out.set(e, { ...(types ? { types } : {}), ...(workflows ? { workflows } : {}) });
  }
  return out;
}

/** GitHub's reading of a job condition: `success() && (...)` unless it names a status function. */
function conditionOf(v: unknown): string {
  if (v === undefined || v === null) return "success()";
  let text = typeof v === "string" ? v.trim() : String(v);
  if (text.startsWith("${{") && text.endsWith("}}") && !text.slice(3, -2).includes("}}")) text = text.slice(3, -2).trim();
  return /\b(success|failure|cancelled|always)\s*\(/.test(text) ? text : `success() && (${text})`;
}

function fromYaml(w: ParsedWorkflow): WorkflowSemantics {
  const events = eventsOf(w.doc["on"]);
  const call = isRecord(w.doc["on"]) ? w.doc["on"]["workflow_call"] : undefined;
  const inputs = isRecord(call) && isRecord(call["inputs"]) ? call["inputs"] : {};
  const callInputs = Object.fromEntries(Object.entries(inputs).flatMap(([k, d]) => (isRecord(d) && d["default"] !== undefined ? [[k, d["default"]]] : [])));
  const jobs = new Map<string, JobSemantics>();
  for (const j of w.jobs) {
    const needs = asStrings(j.body["needs"]) ?? [];
    const uses = j.body["uses"];
    jobs.set(j.id, { if: conditionOf(j.body["if"]), needs, ...(typeof uses === "string" ? { uses } : {}), with: isRecord(j.body["with"]) ? j.body["with"] : {} });
  }
  return { events, callInputs, jobs };
}

/** Reads the workflow with GitHub's parser; never throws (the YAML reading stands in). */
export async function workflowSemantics(w: ParsedWorkflow, text: string): Promise<WorkflowSemantics> {
  const own = fromYaml(w);
  let template: WorkflowTemplate;
  let p: Parser;
  try {
    p = await loadParser();
    const parsed = p.parseWorkflow({ name: w.file, content: text }, new p.NoOperationTraceWriter());
    if (parsed.value === undefined) return own;
    template = await p.convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: 1 });
  } catch {
    return own;
  }
  if (!Array.isArray(template.jobs)) return own;
  const jobs = new Map(own.jobs);
  for (const j of template.jobs) {
    const id = j.id.value;
    const mine = own.jobs.get(id);
    if (mine === undefined) continue;
    const uses = j.type === "reusableWorkflowJob" ? j.ref.value : mine.uses;
    const withValues = j.type === "reusableWorkflowJob" ? plain(j["input-values"], p) : mine.with;
    jobs.set(id, {
      if: j.if?.expression ?? mine.if,
      needs: j.needs?.map((n) => n.value) ?? mine.needs,
      ...(uses === undefined ? {} : { uses }),
      with: isRecord(withValues) ? withValues : {},
    });
  }
  const events = new Map<string, EventFilter>();
  for (const [name, cfg] of Object.entries(template.events ?? {})) {
    const c = cfg as { types?: unknown; workflows?: unknown } | undefined;
    const types = asStrings(c?.types);
    const workflows = asStrings(c?.workflows);
    events.set(name, { ...(types ? { types } : {}), ...(workflows ? { workflows } : {}) });
  }
  const callInputs: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(template.events?.workflow_call?.inputs ?? {})) {
    const v = (d as { default?: unknown }).default;
    if (v !== undefined) callInputs[k] = typeof v === "object" && v !== null ? plain(v as TemplateToken, p) : v;
  }
  return { events: events.size > 0 ? events : own.events, callInputs, jobs };
}
