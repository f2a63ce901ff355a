/**
 * Validates Kubernetes objects against the JSON Schemas of their kinds (strict schemas reject
 * unknown fields), as kubeconform does, reporting each problem at the path of the offending field.
 */
import { Ajv, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import type { InputDocument } from "./read-documents.ts";
import { isRecord } from "../../model/refine.ts";
import { quote, safeText } from "../quote.ts";
import { type Locate, type PathSegment, type SchemaIssue, schemaIssues } from "./schema-issues.ts";
import { SchemaLoadError, type SchemaLoader } from "./schema-loader.ts";

const addFormats = formatsPlugin.default;

/** Options of {@link validateDocuments}. */
export interface ValidateOptions {
  /**
   * Report objects whose kind has no schema in any location as skipped instead of invalid.
   * @default false
   */
  readonly ignoreMissingSchemas?: boolean;
}

/** The verdict on one Kubernetes object. */
export interface ValidationResult {
  /** The file the object came from. */
  readonly file: string;
  /** Position of the document in its file, counting from 0. */
  readonly index: number;
  /** Position in the `items` of a `kind: List` document, counting from 0. */
  readonly item?: number;
  /** 1-based line where the object starts, when known. */
  readonly line?: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  /** `metadata.name`. */
  readonly name?: string;
  /** `metadata.namespace`. */
  readonly namespace?: string;
  /** True when the object matches its schema, or was skipped. */
  readonly valid: boolean;
  /** Why the object was not validated (not a Kubernetes object, or no schema with --ignore-missing-schemas). */
  readonly skipped?: string;
  /** The schema file or URL the object was checked against. */
  readonly schema?: string;
  /** The problems found; empty when valid. */
  readonly errors: readonly SchemaIssue[];
}

type Compiled =
  | { readonly found: true; readonly validate: ValidateFunction; readonly source: string }
  | { readonly found: false; readonly tried: readonly string[] };

interface LoaderState {
  readonly ajv: Ajv;
  /** Compiled validators by apiVersion and kind, so each schema is compiled once per loader. */
  readonly byKind: Map<string, Promise<Compiled>>;
  /** Compiled validators by schema source, in case two kinds share one schema file. */
  readonly bySource: Map<string, ValidateFunction>;
}

const states = new WeakMap<SchemaLoader, LoaderState>();

const GO_DURATION = /^(?:0|-?(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;
const ISO_DURATION = /^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/;

/**
 * An ajv instance set up for Kubernetes schemas: all errors, lenient about unknown keywords and
 * formats; references stay functions of their own (see {@link factorSchema}).
 */
export function createKubernetesAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateSchema: false, inlineRefs: false });
  addFormats(ajv);
  // Formats used by Kubernetes and CRD schemas that JSON Schema does not define.
  ajv.addFormat("int-or-string", true);
  ajv.addFormat("quantity", true);
  ajv.addFormat("duration", (value: string) => GO_DURATION.test(value) || ISO_DURATION.test(value));
  return ajv;
}

/** Keywords whose value is one schema, and keywords whose value is a list or a map of schemas. */
const SUBSCHEMA = ["items", "additionalProperties", "not", "additionalItems", "contains", "propertyNames", "if", "then", "else"];
const SUBSCHEMA_LIST = ["allOf", "anyOf", "oneOf", "items", "prefixItems"];
const SUBSCHEMA_MAP = ["properties", "patternProperties", "definitions", "$defs", "dependencies"];

/** Object schemas larger than this (as JSON) become definitions of their own. */
const FACTOR_ABOVE = 1000;

/**
 * The schema with every large object schema (one with `properties`) moved into `definitions`,
 * once per distinct content, and referenced from where it was. The standalone Kubernetes schemas
 * inline every type: compiled as they are, a Deployment's validator is one function of 2 MB that
 * takes V8's optimizing compilers hundreds of MiB to optimize; factored, it is many small ones.
 * Validation is unchanged: only where the subschemas live.
 */
export function factorSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const definitions = new Map<string, { name: string; schema: Record<string, unknown> }>();
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  const visit = (node: unknown, root: boolean): unknown => {
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (SUBSCHEMA_MAP.includes(key) && isObject(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, false)]));
      } else if (SUBSCHEMA_LIST.includes(key) && Array.isArray(value)) {
        out[key] = value.map((v) => visit(v, false));
      } else if (SUBSCHEMA.includes(key) && isObject(value)) {
        out[key] = visit(value, false);
      } else {
        out[key] = value;
      }
    }
    if (root || !isObject(out["properties"]) || "$id" in out || "$ref" in out) return out;
    const text = JSON.stringify(out);
    if (text.length <= FACTOR_ABOVE) return out;
    let def = definitions.get(text);
    if (def === undefined) {
      def = { name: `runner-fleet-${definitions.size}`, schema: out };
      definitions.set(text, def);
    }
    // A description beside $ref is an annotation: messages still quote it.
    return { $ref: `#/definitions/${def.name}`, ...(typeof out["description"] === "string" ? { description: out["description"] } : {}) };
  };
  const factored = visit(schema, true) as Record<string, unknown>;
  if (definitions.size === 0) return factored;
  const existing = isObject(factored["definitions"]) ? factored["definitions"] : {};
  return { ...factored, definitions: { ...existing, ...Object.fromEntries([...definitions.values()].map((d) => [d.name, d.schema])) } };
}

function stateFor(loader: SchemaLoader): LoaderState {
  let state = states.get(loader);
  if (!state) {
    state = { ajv: createKubernetesAjv(), byKind: new Map(), bySource: new Map() };
    states.set(loader, state);
  }
  return state;
}

async function compile(loader: SchemaLoader, state: LoaderState, apiVersion: string, kind: string): Promise<Compiled> {
  const lookup = await loader.load(apiVersion, kind);
  if (!lookup.found) return lookup;
  let validate = state.bySource.get(lookup.source);
  if (!validate) {
    // Published schemas name a draft-04 style meta-schema ajv does not ship; it adds nothing here.
    const { $schema: _metaSchema, ...schema } = lookup.schema;
    try {
      validate = state.ajv.compile(factorSchema(schema));
    } catch (e) {
      throw new SchemaLoadError(
        `schema ${lookup.source} cannot be used (${(e as Error).message})`,
        "use standalone schemas (the *-standalone* folders of kubernetes-json-schema), which have no external references",
      );
    }
    state.bySource.set(lookup.source, validate);
  }
  return { found: true, validate, source: lookup.source };
}

function compiledFor(loader: SchemaLoader, apiVersion: string, kind: string): Promise<Compiled> {
  const state = stateFor(loader);
  const key = `${apiVersion}\n${kind}`;
  let pending = state.byKind.get(key);
  if (!pending) {
    pending = compile(loader, state, apiVersion, kind);
    state.byKind.set(key, pending);
  }
  return pending;
}

/** One object to check: a document, or one item of a `kind: List` document. */
interface Unit {
  readonly input: InputDocument;
  readonly object: unknown;
  readonly item?: number;
  readonly line?: number;
  readonly locate?: Locate;
}

/** A kind name: CamelCase letters and digits (what the API server accepts for resource kinds). */
const KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
/** `group/version` (the group a DNS subdomain, the version a DNS label) or a core `version`. */
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*\/)?[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** The errors of a valid result: one shared empty list, so that many valid results cost little. */
const NO_ERRORS: readonly SchemaIssue[] = Object.freeze([]);

function isList(doc: Record<string, unknown>): boolean {
  return doc["apiVersion"] === "v1" && typeof doc["kind"] === "string" && doc["kind"].endsWith("List") && Array.isArray(doc["items"]);
}

function expand(input: InputDocument): Unit[] {
  const doc = input.doc;
  const base = { input, object: doc, ...(input.line === undefined ? {} : { line: input.line }), ...(input.locate ? { locate: input.locate } : {}) };
  if (!isRecord(doc) || !isList(doc)) return [base];
  const locate = input.locate;
  return (doc["items"] as unknown[]).map((object, item): Unit => {
    const itemLocate: Locate | undefined = locate ? (p: readonly PathSegment[]) => locate(["items", item, ...p]) : undefined;
    const line = itemLocate?.([]) ?? input.line;
    return { input, object, item, ...(line === undefined ? {} : { line }), ...(itemLocate ? { locate: itemLocate } : {}) };
  });
}

function identity(unit: Unit) {
  const object = isRecord(unit.object) ? unit.object : {};
  const metadata = isRecord(object["metadata"]) ? object["metadata"] : {};
  // Names are echoed in tables and JSON: never a credential, never longer than Kubernetes allows.
  const str = (v: unknown) => (typeof v === "string" ? safeText(v, 253) : undefined);
  const fields = {
    apiVersion: str(object["apiVersion"]),
    kind: str(object["kind"]),
    name: str(metadata["name"]),
    namespace: str(metadata["namespace"]),
  };
  const out: Record<string, string | number> = { file: unit.input.file, index: unit.input.index };
  if (unit.item !== undefined) out["item"] = unit.item;
  if (unit.line !== undefined) out["line"] = unit.line;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as Pick<ValidationResult, "file" | "index" | "item" | "line" | "apiVersion" | "kind" | "name" | "namespace">;
}

function issueAt(unit: Unit, path: string, message: string, fix: string): SchemaIssue {
  const line = unit.locate?.(path === "" ? [] : [path]) ?? unit.line;
  return line === undefined ? { path, message, fix } : { path, message, fix, line };
}

/** The checks that come before any schema: parse errors, non-objects, missing apiVersion or kind. */
function precheck(unit: Unit): ValidationResult | { id: ReturnType<typeof identity>; apiVersion: string; kind: string } {
  const id = identity(unit);
  if (unit.input.syntaxError) return { ...id, valid: false, errors: [unit.input.syntaxError] };
  const object = unit.object;
  const isJson = unit.input.format === "json" || (unit.input.format === undefined && unit.input.file.toLowerCase().endsWith(".json"));
  if (isJson && unit.item === undefined && (!isRecord(object) || (object["apiVersion"] === undefined && object["kind"] === undefined))) {
    return { ...id, valid: true, skipped: "not a Kubernetes object (no apiVersion and kind)", errors: NO_ERRORS };
  }
  if (!isRecord(object)) {
    return {
      ...id,
      valid: false,
      errors: [issueAt(unit, "", `the document is ${Array.isArray(object) ? "a list" : `a ${typeof object}`}, not a Kubernetes object`, "write each document as a mapping with apiVersion, kind and metadata")],
    };
  }
  const { apiVersion, kind } = object;
  const errors: SchemaIssue[] = [];
  if (typeof apiVersion !== "string" || apiVersion === "") {
    errors.push(issueAt(unit, "apiVersion", apiVersion === undefined ? "missing required field \"apiVersion\"" : "must be a non-empty string", "set apiVersion, e.g. apiVersion: apps/v1"));
  } else if (!API_VERSION.test(apiVersion) || apiVersion.length > 317) {
    // Checked before any schema is looked up: the apiVersion and kind become a schema file's name.
    errors.push(issueAt(unit, "apiVersion", `${quote(apiVersion)} is not an apiVersion`, "write group/version (e.g. apps/v1) or a core version (v1)"));
  }
  if (typeof kind !== "string" || kind === "") {
    errors.push(issueAt(unit, "kind", kind === undefined ? "missing required field \"kind\"" : "must be a non-empty string", "set kind, e.g. kind: Deployment"));
  } else if (!KIND.test(kind)) {
    errors.push(issueAt(unit, "kind", `${quote(kind)} is not a kind name`, "write the kind in CamelCase letters and digits, e.g. kind: Deployment"));
  }
  if (errors.length > 0) return { ...id, valid: false, errors };
  return { id, apiVersion: apiVersion as string, kind: kind as string };
}

/**
 * Validates documents one at a time as they come, yielding one result per object in document
 * order (`kind: List` documents are expanded into one result per item), so a stream of any length
 * takes the memory of its results only. Schemas come from `loader` and are compiled once per
 * loader and kind, when the kind is first seen. Throws {@link SchemaLoadError} when a schema exists
 * but cannot be read or downloaded.
 */
export async function* validateDocumentStream(
  docs: AsyncIterable<InputDocument> | Iterable<InputDocument>,
  loader: SchemaLoader,
  opts: ValidateOptions = {},
): AsyncGenerator<ValidationResult> {
  for await (const input of docs) {
    for (const unit of expand(input)) yield await validateUnit(unit, loader, opts);
  }
}

async function validateUnit(unit: Unit, loader: SchemaLoader, opts: ValidateOptions): Promise<ValidationResult> {
  const c = precheck(unit);
  if ("errors" in c) return c;
  const { id } = c;
  const compiled = await compiledFor(loader, c.apiVersion, c.kind);
  if (!compiled.found) {
    const message = `no schema for kind ${safeText(c.kind)} apiVersion ${safeText(c.apiVersion)} in ${compiled.tried.join(", ")}`;
    if (opts.ignoreMissingSchemas) return { ...id, valid: true, skipped: message, errors: NO_ERRORS };
    return {
      ...id,
      valid: false,
      errors: [issueAt(unit, "", message, "add a --schema-location that has this kind (e.g. a folder of CRD schemas), correct apiVersion/kind, or pass --ignore-missing-schemas")],
    };
  }
  const ok = compiled.validate(unit.object);
  const errors = ok ? NO_ERRORS : schemaIssues(compiled.validate.errors ?? [], unit.object, unit.locate);
  return { ...id, valid: ok, schema: compiled.source, errors };
}

/**
 * Validates each document against the schema of its kind, in order; see
 * {@link validateDocumentStream}, which this collects.
 */
export async function validateDocuments(
  docs: readonly InputDocument[] | AsyncIterable<InputDocument>,
  loader: SchemaLoader,
  opts: ValidateOptions = {},
): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for await (const r of validateDocumentStream(docs, loader, opts)) results.push(r);
  return results;
}
