// GitHub's published REST description (@octokit/openapi), loaded on first use (each file is over
// 10 MB): the response schema of each operation and status, compiled with ajv, and the published
// examples the fixture builders start from. api.github.com.json describes github.com; the
// enterprise operations exist only in the GitHub Enterprise Server description (ghes-3.19.json).
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type GithubSpecName = "api.github.com" | "ghes-3.19";

interface LoadedSpec {
  readonly spec: Json;
  /** `components` with `null` added to every nullable enum (OpenAPI 3.0 `nullable` does not reach `enum` in ajv). */
  readonly components: Json;
  readonly ajv: Ajv;
  readonly validators: Map<string, ValidateFunction | "no-body">;
}

const loaded = new Map<GithubSpecName, LoadedSpec>();
const require = createRequire(import.meta.url);

function load(name: GithubSpecName): LoadedSpec {
  let entry = loaded.get(name);
  if (entry === undefined) {
    const spec = require(`@octokit/openapi/generated/${name}.json`) as Json;
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    formatsPlugin.default(ajv);
    entry = { spec, components: nullableEnums(spec["components"]) as Json, ajv, validators: new Map() };
    loaded.set(name, entry);
  }
  return entry;
}

/** OpenAPI 3.0: `nullable: true` admits null, also where an `enum` lists the values. */
function nullableEnums(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableEnums);
  if (node === null || typeof node !== "object") return node;
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableEnums(v)]));
  if (out["nullable"] === true && Array.isArray(out["enum"]) && !out["enum"].includes(null)) out["enum"] = [...out["enum"], null];
  return out;
}

/** The description that covers an API path: enterprise operations are GitHub Enterprise Server's. */
export function specFor(apiPath: string): GithubSpecName {
  return apiPath.startsWith("/enterprises/") ? "ghes-3.19" : "api.github.com";
}

/** Shared responses an operation does not list, by status (every GitHub error body is a `basic-error`). */
const COMMON_RESPONSES: Readonly<Record<number, string>> = {
  301: "moved_permanently", 302: "found", 307: "temporary_redirect", 401: "requires_authentication", 403: "forbidden", 404: "not_found",
  422: "validation_failed_simple", 500: "internal_error", 503: "service_unavailable",
};

function responseObject(entry: LoadedSpec, template: string | undefined, method: string, status: number): Json {
  const declared = template === undefined ? undefined : (entry.spec["paths"][template]?.[method.toLowerCase()]?.["responses"]?.[String(status)] as Json | undefined);
  const common = COMMON_RESPONSES[status];
  const response = declared ?? (common === undefined ? undefined : { $ref: `#/components/responses/${common}` });
  if (response === undefined) {
    if (status >= 200 && status < 300) throw new Error(`GitHub's description has no ${status} answer for ${method} ${template ?? "(unknown path)"}`);
    return { content: { "application/json": { schema: { $ref: "#/components/schemas/basic-error" } } } };
  }
  const ref = response["$ref"];
  return typeof ref === "string" ? (entry.spec["components"]["responses"][ref.split("/").pop()!] as Json) : response;
}

/**
 * Checks an answer against the published description of the operation (`template` is the
 * description's path, e.g. `/orgs/{org}/actions/runners`; undefined for a path it does not have).
 * Returns the problems, none when the answer is what GitHub documents.
 */
export function answerProblems(template: string | undefined, apiPath: string, method: string, status: number, body: unknown): string[] {
  const entry = load(specFor(apiPath));
  const key = `${method} ${template ?? "?"} ${status}`;
  let validate = entry.validators.get(key);
  if (validate === undefined) {
    let response: Json;
    try {
      response = responseObject(entry, template, method, status);
    } catch (error) {
      return [(error as Error).message];
    }
    const schema = (response["content"] as Json | undefined)?.["application/json"]?.["schema"] as Json | undefined;
    validate = schema === undefined ? "no-body" : entry.ajv.compile({ ...schema, components: entry.components });
    entry.validators.set(key, validate);
  }
  if (validate === "no-body") return body === undefined ? [] : [`the description gives HTTP ${status} no body, but one was sent`];
  if (body === undefined) return [`the description gives HTTP ${status} a JSON body, but none was sent`];
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? "is invalid"}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
}

/** A copy of one of the description's published examples (`components.examples[name].value`). */
export function githubExample(name: string, spec: GithubSpecName = "api.github.com"): Json {
  const example = load(spec).spec["components"]["examples"][name] as Json | undefined;
  if (example === undefined) throw new Error(`GitHub's description has no example "${name}"`);
  return structuredClone(example["value"]) as Json;
}
