export * from "./diff-manifests.ts";
export * from "./drift-report.ts";
export * from "./compare-objects.ts";
export * from "./format-drift-report.ts";
export * from "./kube-object.ts";
export { parseQuantity, sameQuantity, type Quantity } from "./quantity.ts";
export { SECRET_PLACEHOLDER } from "./secret-data.ts";
export { formatFieldPath, pathIsUnder, type PathSegment } from "./field-path.ts";
export { ManifestProblemsError, STDIN, indexManifest, indexManifestInWorker, indexManifestText, manifestObjects, objectsOf, readManifest, type ManifestIndex, type ReadManifestOptions } from "./manifest-index.ts";
