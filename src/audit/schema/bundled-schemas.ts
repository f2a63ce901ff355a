/**
 * The schemas shipped in the package (`schemas/`, see its README for sources and versions): strict
 * Kubernetes JSON Schemas of the version the fleet targets and the ARC CRDs of the pinned chart, so
 * `runner-fleet validate` works offline with no flag.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { crdSchemas, strictJsonSchema, type CrdSchema } from "./crd-schemas.ts";
import type { SchemaLoader, SchemaLookup } from "./schema-loader.ts";

/** `schemas/` at the package root (this file is `src/audit/schema/` or `dist/audit/schema/`). */
const SCHEMAS_ROOT = path.resolve(import.meta.dirname, "../../../schemas");

/** The bundled Kubernetes schemas, a directory in the kubernetes-json-schema layout. */
export const BUNDLED_KUBERNETES_SCHEMAS = path.join(SCHEMAS_ROOT, "kubernetes-json-schema");

/** The Kubernetes versions whose schemas are bundled. */
export const BUNDLED_KUBERNETES_VERSIONS: readonly string[] = ["1.32.2"];

/** The ARC chart version whose CRDs are bundled. */
export const BUNDLED_ARC_VERSION = "0.14.2";

/** The API group of ARC's kinds. */
const ARC_GROUP = "actions.github.com/";

/** The bundled ARC CRD files, one per kind. */
export const BUNDLED_ARC_CRDS: Readonly<Record<string, string>> = Object.fromEntries(
  ["AutoscalingRunnerSet", "EphemeralRunnerSet", "EphemeralRunner", "AutoscalingListener"].map((kind) => [
    kind,
    path.join(SCHEMAS_ROOT, `arc-${BUNDLED_ARC_VERSION}`, "crds", `actions.github.com_${kind.toLowerCase()}s.yaml`),
  ]),
);

/**
 * prometheus-operator kinds whose bundled schemas (generated from the operator's CRDs, see
 * `schemas/README.md`) leave most objects open: the loader closes them, so a misspelled field of a
 * PodMonitor or ServiceMonitor is refused as it is for the built-in kinds.
 */
export const STRICT_MONITORING_KINDS: readonly string[] = ["PodMonitor", "ServiceMonitor"];

/** A loader that serves the prometheus-operator kinds of `fallback` made strict, everything else as `fallback` does. */
export function withStrictMonitoringSchemas(fallback: SchemaLoader): SchemaLoader {
  return {
    async load(apiVersion: string, kind: string): Promise<SchemaLookup> {
      const found = await fallback.load(apiVersion, kind);
      if (!found.found || apiVersion !== "monitoring.coreos.com/v1" || !STRICT_MONITORING_KINDS.includes(kind)) return found;
      return { ...found, schema: strictJsonSchema(found.schema) as Record<string, unknown>, source: `${found.source} (made strict)` };
    },
  };
}

/**
 * A loader that answers ARC kinds from the bundled CRDs (each file parsed only when its kind is
 * first asked for), the prometheus-operator kinds made strict, and everything else from `fallback`.
 */
export function withBundledArcCrds(fallback: SchemaLoader): SchemaLoader {
  const parsed = new Map<string, CrdSchema[]>();
  const strictMonitoring = withStrictMonitoringSchemas(fallback);
  return {
    async load(apiVersion: string, kind: string): Promise<SchemaLookup> {
      const file = apiVersion.startsWith(ARC_GROUP) ? BUNDLED_ARC_CRDS[kind] : undefined;
      if (file === undefined) return strictMonitoring.load(apiVersion, kind);
      let crds = parsed.get(file);
      if (crds === undefined) {
        crds = crdSchemas(readFileSync(file, "utf8"), file);
        parsed.set(file, crds);
      }
      const hit = crds.find((c) => c.apiVersion === apiVersion && c.kind === kind);
      return hit ? { found: true, schema: hit.schema, source: `bundled ARC ${BUNDLED_ARC_VERSION} CRD ${apiVersion} ${kind}` } : fallback.load(apiVersion, kind);
    },
  };
}
