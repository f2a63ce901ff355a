/**
 * JSON Schemas from CustomResourceDefinitions, made strict the way kubeconform's openapi2jsonschema
 * does with `-strict`: every object schema that lists `properties` refuses other fields, unless the
 * CRD marks it `x-kubernetes-preserve-unknown-fields`. Served before the regular schema locations.
 */
import { InputError } from "../input-error.ts";
import { isRecord } from "../../model/refine.ts";
import { formatKeyPath } from "../quote.ts";
import { yamlDocuments } from "./yaml-stream.ts";
import type { SchemaLoader, SchemaLookup } from "./schema-loader.ts";

export interface CrdSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: Record<string, unknown>;
}

/**
 * A JSON Schema made strict as kubeconform's `-strict` does: every object schema that lists
 * `properties` refuses other fields, unless it is marked `x-kubernetes-preserve-unknown-fields`.
 */
export function strictJsonSchema(node: unknown): unknown {
  return strictify(node);
}

function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "properties" && v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, strictify(pv)])) : strictify(v);
  if (out["properties"] && out["additionalProperties"] === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) out["additionalProperties"] = false;
  return out;
}

/**
 * Every served version of every CRD in a (multi-document) YAML text, as strict JSON Schemas. The
 * text is read within the manifest limits; a document that cannot be read, or a CRD whose fields
 * have the wrong types, is an {@link InputError} naming `source`, the line and the field.
 */
export function crdSchemas(yamlText: string, source: string): CrdSchema[] {
  const out: CrdSchema[] = [];
  const fix = "pass a CustomResourceDefinition YAML file (apiextensions.k8s.io/v1), as the chart or operator ships it";
  for (const doc of yamlDocuments(source, yamlText)) {
    const at = `${source}:${doc.syntaxError?.line ?? doc.line ?? 1}`;
    if (doc.syntaxError) throw new InputError(`${at}: ${doc.syntaxError.message}`, doc.syntaxError.fix);
    const crd = doc.doc;
    if (!isRecord(crd) || crd["kind"] !== "CustomResourceDefinition") continue;
    const bad = (field: readonly (string | number)[], what: string) => new InputError(`${source}:${doc.locate?.(field) ?? doc.line ?? 1}: ${formatKeyPath(field)} ${what}`, fix);
    const spec = crd["spec"];
    if (!isRecord(spec)) throw bad(["spec"], "must be a mapping");
    const names = spec["names"];
    if (typeof spec["group"] !== "string" || spec["group"] === "") throw bad(["spec", "group"], "must be a non-empty string");
    if (!isRecord(names) || typeof names["kind"] !== "string" || names["kind"] === "") throw bad(["spec", "names", "kind"], "must be a non-empty string");
    const versions = spec["versions"];
    if (!Array.isArray(versions)) throw bad(["spec", "versions"], "must be a list");
    versions.forEach((v: unknown, i) => {
      if (!isRecord(v) || typeof v["name"] !== "string") throw bad(["spec", "versions", i], "must be a mapping with a name");
      const schema = isRecord(v["schema"]) ? v["schema"] : undefined;
      const base = schema?.["openAPIV3Schema"];
      if (base === undefined || base === null || v["served"] === false) return;
      if (!isRecord(base)) throw bad(["spec", "versions", i, "schema", "openAPIV3Schema"], "must be a mapping");
      const strict = strictify(base) as Record<string, unknown>;
      const props = { ...(isRecord(strict["properties"]) ? strict["properties"] : {}) };
      // The CRD leaves metadata open; the API server checks it as ObjectMeta.
      props["metadata"] = { type: "object" };
      out.push({ apiVersion: `${spec["group"]}/${v["name"]}`, kind: names["kind"] as string, schema: { ...strict, properties: props } });
    });
  }
  return out;
}

/** A loader that answers CRD kinds from `crds` and everything else from `fallback`. */
export function withCrdSchemas(crds: readonly CrdSchema[], fallback: SchemaLoader | undefined, source = "CRD"): SchemaLoader {
  return {
    async load(apiVersion: string, kind: string): Promise<SchemaLookup> {
      const hit = crds.find((c) => c.apiVersion === apiVersion && c.kind === kind);
      if (hit) return { found: true, schema: hit.schema, source: `${source} ${apiVersion} ${kind}` };
      return fallback ? fallback.load(apiVersion, kind) : { found: false, tried: [source] };
    },
  };
}
