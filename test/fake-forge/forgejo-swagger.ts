// Forgejo's published API description (Swagger 2.0), as the tests keep it: the Forgejo 15
// excerpts under test/reference/forgejo-v15/ (runners.json and actions-jobs.json, merged) and the
// whole Forgejo 12 file (test/reference/forgejo/v1_json.tmpl). Finds the operation a request
// path names and checks an answer against the response the description declares for it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Which description: Forgejo 15 (the excerpts) or the Forgejo 12 line (the whole file). */
export type ForgejoSpecName = "v15" | "v12";

const REFERENCE = join(import.meta.dirname, "..", "reference");

interface LoadedSpec {
  readonly spec: Json;
  readonly ajv: Ajv;
  readonly validators: Map<string, ValidateFunction | "no-body">;
  /** Path templates with their patterns, most specific first (literal segments before `{params}`). */
  readonly templates: readonly { template: string; pattern: RegExp }[];
}

const loaded = new Map<ForgejoSpecName, LoadedSpec>();

function read(file: string): Json {
  const text = readFileSync(join(REFERENCE, file), "utf8").replaceAll("{{AppSubUrl | JSEscape}}", "").replaceAll("{{AppVer | JSEscape}}", "0.0.0-test");
  return JSON.parse(text) as Json;
}

function merge(files: readonly Json[]): Json {
  const out: Json = { paths: {}, definitions: {}, responses: {} };
  for (const f of files) {
    for (const [path, ops] of Object.entries(f["paths"] as Json)) out["paths"][path] = { ...(out["paths"][path] as Json | undefined), ...(ops as Json) };
    Object.assign(out["definitions"], f["definitions"]);
    Object.assign(out["responses"], f["responses"]);
  }
  return out;
}

function load(name: ForgejoSpecName): LoadedSpec {
  let entry = loaded.get(name);
  if (entry === undefined) {
    const spec = name === "v15" ? merge([read("forgejo-v15/runners.json"), read("forgejo-v15/actions-jobs.json")]) : read("forgejo/v1_json.tmpl");
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    formatsPlugin.default(ajv);
    const templates = Object.keys(spec["paths"] as Json)
      .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`) }))
      // `/admin/actions/runners/jobs` before `/admin/actions/runners/{runner_id}`.
      .sort((a, b) => a.template.split("{").length - b.template.split("{").length);
    entry = { spec, ajv, validators: new Map(), templates };
    loaded.set(name, entry);
  }
  return entry;
}

/** The operation of the description that a request names, with its path parameters (decoded). */
export function findOperation(name: ForgejoSpecName, method: string, apiPath: string): { template: string; operationId: string; params: Record<string, string> } | undefined {
  const entry = load(name);
  for (const { template, pattern } of entry.templates) {
    const m = pattern.exec(apiPath);
    const op = m === null ? undefined : (entry.spec["paths"][template][method.toLowerCase()] as Json | undefined);
    if (m === null || op === undefined) continue;
    const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    return { template, operationId: String(op["operationId"]), params };
  }
  return undefined;
}

/**
 * Answers any route may give whether or not its operation lists them: the token check (401, 403),
 * an unknown route or object (404), the rate limiter (429) and a server failure, each with
 * Forgejo's error body.
 */
const COMMON_RESPONSES: Readonly<Record<number, string>> = { 401: "unauthorized", 403: "forbidden", 404: "notFound", 429: "error", 500: "error", 502: "error", 503: "error" };

/** The response object the description gives `status` of the operation (`template` undefined: a path it does not have). */
function responseFor(entry: LoadedSpec, template: string | undefined, method: string, status: number): { name: string; response: Json } | string {
  const declared = template === undefined ? undefined : (entry.spec["paths"][template]?.[method.toLowerCase()]?.["responses"]?.[String(status)] as Json | undefined);
  if (declared === undefined && status >= 300 && status < 400) return { name: "redirect", response: { description: "a redirect" } };
  const ref = typeof declared?.["$ref"] === "string" ? String(declared["$ref"]).split("/").pop()! : COMMON_RESPONSES[status];
  if (declared !== undefined && typeof declared["$ref"] !== "string") return { name: `${method} ${template ?? ""} ${status}`, response: declared };
  if (ref === undefined) return `the description gives ${method} ${template ?? "(no such path)"} no HTTP ${status} answer`;
  const response = entry.spec["responses"][ref] as Json | undefined;
  return response === undefined ? `the description has no response "${ref}"` : { name: ref, response };
}

/**
 * The problems of an answer by the description: its body against the declared schema, and its
 * integer headers (`X-Total-Count`). None when the answer is what Forgejo documents. The job
 * listings (`RunJobList`) may answer `null`: Forgejo encodes an empty list so (see
 * test/reference/forgejo-v15/SOURCE.md).
 */
export function answerProblems(name: ForgejoSpecName, template: string | undefined, method: string, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): string[] {
  const entry = load(name);
  const found = responseFor(entry, template, method, status);
  if (typeof found === "string") return [found];
  const problems: string[] = [];
  for (const [header, spec] of Object.entries((found.response["headers"] ?? {}) as Json)) {
    const value = Object.entries(headers).find(([k]) => k.toLowerCase() === header.toLowerCase())?.[1];
    if (value !== undefined && (spec as Json)["type"] === "integer" && !/^\d+$/.test(value)) problems.push(`header ${header} must be an integer, not "${value}"`);
  }
  let validate = entry.validators.get(found.name);
  if (validate === undefined) {
    const schema = found.response["schema"] as Json | undefined;
    validate = schema === undefined ? "no-body" : entry.ajv.compile({ ...schema, definitions: entry.spec["definitions"] });
    entry.validators.set(found.name, validate);
  }
  if (validate === "no-body") return body === undefined ? problems : [...problems, `the description gives HTTP ${status} no body, but one was sent`];
  if (body === undefined) return [...problems, `the description gives HTTP ${status} a JSON body, but none was sent`];
  if (body === null && found.name === "RunJobList") return problems;
  if (!validate(body)) {
    problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? "is invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`));
  }
  return problems;
}
