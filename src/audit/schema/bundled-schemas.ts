/**
 * The schemas shipped in the package (`schemas/`, see its README for sources and versions): strict
 * Kubernetes JSON Schemas of the version the fleet targets and the ARC CRDs of the pinned chart, so
 * `runner-fleet validate` works offline with no flag.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { crdSchemas, type CrdSchema } from "./crd-schemas.ts";
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
 * A loader that answers ARC kinds from the bundled CRDs (each file parsed only when its kind is
 * first asked for) and everything else from `fallback`.
 */
export function withBundledArcCrds(fallback: SchemaLoader): SchemaLoader {
  const parsed = new Map<string, CrdSchema[]>();
  return {
    async load(apiVersion: string, kind: string): Promise<SchemaLookup> {
      const file = apiVersion.startsWith(ARC_GROUP) ? BUNDLED_ARC_CRDS[kind] : undefined;
      if (file === undefined) return fallback.load(apiVersion, kind);
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
