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
import type * as TemplateContextModule from "@actions/workflow-parser/templates/template-context";
import type * as TemplateReaderModule from "@actions/workflow-parser/templates/template-reader";
import type * as WorkflowSchemaModule from "@actions/workflow-parser/workflows/workflow-schema";
import type * as YamlReaderModule from "@actions/workflow-parser/workflows/yaml-object-reader";
import type { Document, LineCounter } from "yaml";
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
  /**
   * Set when GitHub's parser refuses the workflow in a way that stops every run: no `on:`, or a job
   * it cannot read (a context the job level does not have, `uses:` with `runs-on:`). Problems in
   * the `on:` filters alone are left out: GitHub runs such workflows.
   */
  readonly refused?: { readonly line: number; readonly message: string };
  readonly events: ReadonlyMap<string, EventFilter>;
  /** Defaults of the `workflow_call` inputs. */
  readonly callInputs: Readonly<Record<string, unknown>>;
  readonly jobs: ReadonlyMap<string, JobSemantics>;
}

interface Parser {
  readonly api: typeof WorkflowParser;
  readonly TemplateContext: typeof TemplateContextModule.TemplateContext;
  readonly TemplateValidationErrors: typeof TemplateContextModule.TemplateValidationErrors;
  readonly readTemplate: typeof TemplateReaderModule.readTemplate;
  readonly getWorkflowSchema: typeof WorkflowSchemaModule.getWorkflowSchema;
  readonly YamlObjectReader: typeof YamlReaderModule.YamlObjectReader;
  readonly WORKFLOW_ROOT: string;
}
let parser: Promise<Parser> | undefined;

/**
 * The parser's package imports its schema as JSON without the import attribute Node asks for;
 * a resolve hook adds it for that package's own JSON files only.
 */
function loadParser(): Promise<Parser> {
  parser ??= (async () => {
    registerHooks({
      resolve(specifier, context, next) {
        const r = next(specifier, context);
        return r.url.endsWith(".json") && r.url.includes("/@actions/workflow-parser/") ? { ...r, importAttributes: { ...context.importAttributes, type: "json" } } : r;
      },
    });
    const [api, context, reader, schema, yamlReader, constants] = await Promise.all([
      import("@actions/workflow-parser"),
      import("@actions/workflow-parser/templates/template-context"),
      import("@actions/workflow-parser/templates/template-reader"),
      import("@actions/workflow-parser/workflows/workflow-schema"),
      import("@actions/workflow-parser/workflows/yaml-object-reader"),
      import("@actions/workflow-parser/workflows/workflow-constants"),
    ]);
    return { api, TemplateContext: context.TemplateContext, TemplateValidationErrors: context.TemplateValidationErrors, readTemplate: reader.readTemplate, getWorkflowSchema: schema.getWorkflowSchema, YamlObjectReader: yamlReader.YamlObjectReader, WORKFLOW_ROOT: constants.WORKFLOW_ROOT };
  })();
  return parser;
}

/**
 * GitHub's template of a workflow, read from the YAML document the guard already parsed (within
 * its size, nesting and alias limits), so the text is parsed once. The parser's YAML reader walks
 * the document it is given; it is built around the guard's document instead of parsing the text again.
 */
function readTemplate(p: Parser, name: string, yaml: { readonly doc: Document; readonly lineCounter: LineCounter }) {
  const context = new p.TemplateContext(new p.TemplateValidationErrors(), p.getWorkflowSchema(), new p.api.NoOperationTraceWriter());
  const fileId = context.getFileId(name);
  const reader = Object.create(p.YamlObjectReader.prototype) as InstanceType<Parser["YamlObjectReader"]>;
  const fields = reader as unknown as { getNodes(n: unknown, s: Set<unknown>): unknown } & Record<string, unknown>;
  Object.assign(reader, { lineCounter: yaml.lineCounter, errors: [], doc: yaml.doc, fileId });
  fields["_generator"] = fields.getNodes(yaml.doc, new Set());
  return { context, value: p.readTemplate(context, p.WORKFLOW_ROOT, reader, fileId) };
}

/** A template token as plain data; an expression becomes its `${{ }}` text. */
function plain(t: TemplateToken | undefined, p: typeof WorkflowParser): unknown {
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
  let errors: string[];
  try {
    p = await loadParser();
    const parsed = w.yaml !== undefined ? readTemplate(p, w.file, w.yaml) : p.api.parseWorkflow({ name: w.file, content: text }, new p.api.NoOperationTraceWriter());
    if (parsed.value === undefined) return own;
    template = await p.api.convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: 1 });
    errors = parsed.context.errors.getErrors().map((e) => e.message);
  } catch {
    return own;
  }
  if (!Array.isArray(template.jobs)) return own;
  const refused = refusal(w, errors);
  const jobs = new Map(own.jobs);
  for (const j of template.jobs) {
    const id = j.id.value;
    const mine = own.jobs.get(id);
    if (mine === undefined) continue;
    const uses = j.type === "reusableWorkflowJob" ? j.ref.value : mine.uses;
    const withValues = j.type === "reusableWorkflowJob" ? plain(j["input-values"], p.api) : mine.with;
    jobs.set(id, {
      // Where GitHub's converter refused the condition (a context the job level does not have),
      // the condition as written stands: the guard still reads what the author meant.
      if: j.if === undefined || (j.if.expression === "success()" && mine.if !== "success()") ? mine.if : j.if.expression,
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
    if (v !== undefined) callInputs[k] = typeof v === "object" && v !== null ? plain(v as TemplateToken, p.api) : v;
  }
  return { ...(refused ? { refused } : {}), events: events.size > 0 ? events : own.events, callInputs, jobs };
}

/** The first of GitHub's parser errors that stops every run of the workflow (see {@link WorkflowSemantics.refused}). */
function refusal(w: ParsedWorkflow, errors: readonly string[]): WorkflowSemantics["refused"] {
  for (const e of errors) {
    const m = /\(Line: (\d+), Col: \d+\): (.*)$/s.exec(e);
    const line = m ? Number(m[1]) : 1;
    const raw = (m?.[2] ?? e).split("\n")[0]!.slice(0, 300);
    // The expression parser's codes (ErrorExceededMaxLength) read as words.
    const message = /^Error[A-Z]\w*$/.test(raw) ? `${raw.slice(5).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}${raw === "ErrorExceededMaxLength" ? " (an expression longer than GitHub's 21,000 characters)" : ""}` : raw;
    if (/Required property is missing: on\b/.test(message) || w.jobs.some((j) => line >= j.line && line <= j.endLine)) return { line, message };
  }
  return undefined;
}
