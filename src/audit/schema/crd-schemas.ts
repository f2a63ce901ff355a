/**
 * JSON Schemas from CustomResourceDefinitions, made strict the way kubeconform's openapi2jsonschema
 * does with `-strict`: every object schema that lists `properties` refuses other fields, unless the
 * CRD marks it `x-kubernetes-preserve-unknown-fields`. Served before the regular schema locations.
 */
import { parseAllDocuments } from "yaml";
import type { SchemaLoader, SchemaLookup } from "./schema-loader.ts";

export interface CrdSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: Record<string, unknown>;
}

function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "properties" && v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, strictify(pv)])) : strictify(v);
  if (out["properties"] && out["additionalProperties"] === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) out["additionalProperties"] = false;
  return out;
}

/** Every served version of every CRD in a (multi-document) YAML text, as strict JSON Schemas. */
export function crdSchemas(yamlText: string, source: string): CrdSchema[] {
  const out: CrdSchema[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message ?? "YAML error"}`);
    const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[] } } | null;
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      const base = v.schema?.openAPIV3Schema;
      if (!base || v.served === false) continue;
      const schema = strictify(base) as Record<string, unknown>;
      const props = { ...(schema["properties"] as Record<string, unknown>) };
      // The CRD leaves metadata open; the API server checks it as ObjectMeta.
      props["metadata"] = { type: "object" };
      out.push({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind, schema: { ...schema, properties: props } });
    }
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
