/** `runner-fleet validate`: check Kubernetes manifests against strict JSON Schemas, offline once cached. */
import { Command, Option } from "commander";
import { InputError, readDocuments } from "../audit/schema/read-documents.ts";
import { SchemaLoadError, createSchemaLoader } from "../audit/schema/schema-loader.ts";
import { DEFAULT_KUBERNETES_VERSION, SchemaLocationError } from "../audit/schema/schema-location.ts";
import { type ValidationResult, validateDocuments } from "../audit/schema/validate-documents.ts";
import { crdSchemas, withCrdSchemas } from "../audit/schema/crd-schemas.ts";
import { withBundledArcCrds } from "../audit/schema/bundled-schemas.ts";
import { readFileSync } from "node:fs";
import { CliError, EXIT, printJson, table, collect, withProgress } from "./output.ts";

interface ValidateFlags {
  readonly schemaLocation: string[];
  readonly crd: string[];
  readonly kubernetesVersion: string;
  readonly cacheDir?: string;
  readonly strict: boolean;
  readonly ignoreMissingSchemas?: boolean;
  readonly json?: boolean;
}

/** Counts of a validation run. */
export interface ValidationSummary {
  readonly valid: number;
  readonly invalid: number;
  readonly skipped: number;
}

/** Counts valid, invalid and skipped results (skipped ones are not counted as valid). */
export function summarize(results: readonly ValidationResult[]): ValidationSummary {
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  const invalid = results.filter((r) => !r.valid).length;
  return { valid: results.length - invalid - skipped, invalid, skipped };
}

/** The summary line: `3 valid, 1 invalid` (and `, 2 skipped` when some were skipped). */
export function summaryLine(summary: ValidationSummary): string {
  return `${summary.valid} valid, ${summary.invalid} invalid${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ""}`;
}

/** The results as a table: one row per problem, one row per valid or skipped object. */
export function resultsTable(results: readonly ValidationResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    const doc = r.item === undefined ? String(r.index) : `${r.index} items[${r.item}]`;
    const object = r.kind === undefined ? "-" : `${r.kind}/${r.name ?? "-"}`;
    const at = (line: number | undefined) => (line === undefined ? r.file : `${r.file}:${line}`);
    if (r.skipped !== undefined) {
      rows.push([at(r.line), doc, object, "skipped", r.skipped]);
    } else if (r.errors.length === 0) {
      rows.push([at(r.line), doc, object, "valid", ""]);
    } else {
      for (const e of r.errors) rows.push([at(e.line ?? r.line), doc, object, "invalid", `${e.path || "(document)"}: ${e.message}. Fix: ${e.fix}`]);
    }
  }
  return table(["FILE", "DOC", "KIND/NAME", "RESULT", "ERROR"], rows);
}

export function validateCommand(): Command {
  return new Command("validate")
    .description(
      "Check Kubernetes manifests against the strict JSON Schemas of a Kubernetes version, as kubeconform does: " +
        "unknown fields, wrong types and missing required fields, each named by its path.",
    )
    .argument("<paths...>", "manifest files (multi-document YAML, or JSON) or directories (every *.yaml, *.yml and *.json below, sorted)")
    .addOption(
      new Option(
        "--schema-location <location>",
        "a directory in the kubernetes-json-schema layout, or a path/URL template with {{ .NormalizedKubernetesVersion }}, {{ .StrictSuffix }}, " +
          "{{ .ResourceKind }}, {{ .ResourceAPIVersion }}, {{ .Group }}, {{ .KindSuffix }}; repeat to add locations, tried in order; " +
          "\"default\" names the public kubeconform-format repository (downloads cached)",
      )
        .argParser(collect)
        .default([], "the strict schemas bundled with runner-fleet, offline"),
    )
    .addOption(
      new Option("--crd <file>", "a CustomResourceDefinition YAML whose schemas (made strict) validate its kinds; repeat for more").argParser(collect).default([], "the bundled ARC 0.14.2 CRDs"),
    )
    .option("--kubernetes-version <version>", "Kubernetes version whose schemas are used", DEFAULT_KUBERNETES_VERSION)
    .option("--cache-dir <dir>", "where downloaded schemas are kept (default: $XDG_CACHE_HOME/runner-fleet/schemas or ~/.cache/runner-fleet/schemas)")
    .option("--no-strict", "use the non-strict schemas, which allow unknown fields")
    .option("--ignore-missing-schemas", "skip objects whose kind has no schema instead of reporting them as invalid")
    .option("--json", "print the results as JSON")
    .action(async (paths: string[], flags: ValidateFlags) => {
      let results: ValidationResult[];
      const notes: string[] = [];
      try {
        const base = createSchemaLoader({
          locations: flags.schemaLocation,
          kubernetesVersion: flags.kubernetesVersion,
          strict: flags.strict,
          ...(flags.cacheDir === undefined ? {} : { cacheDir: flags.cacheDir }),
        });
        const crds = flags.crd.flatMap((file) => {
          try {
            return crdSchemas(readFileSync(file, "utf8"), file);
          } catch (e) {
            throw new InputError(`${file}: cannot read CRD (${(e as Error).message})`, "pass a CustomResourceDefinition YAML file");
          }
        });
        // The ARC CRDs of the chart version the fleet pins are bundled; --crd files come first.
        const withArc = withBundledArcCrds(base);
        const loader = crds.length > 0 ? withCrdSchemas(crds, withArc) : withArc;
        results = await withProgress(`validating ${paths.join(" ")}`, async () => {
          const docs = await readDocuments(paths, notes);
          return validateDocuments(docs, loader, { ignoreMissingSchemas: flags.ignoreMissingSchemas === true });
        }, { quiet: flags.json === true });
      } catch (e) {
        if (e instanceof SchemaLocationError || e instanceof SchemaLoadError || e instanceof InputError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      const summary = summarize(results);
      if (flags.json) {
        printJson({ summary, results, notes });
      } else {
        for (const note of notes) process.stderr.write(`runner-fleet validate: ${note}\n`);
        if (results.length > 0) process.stdout.write(resultsTable(results));
        process.stdout.write(`${summaryLine(summary)}\n`);
      }
      process.exitCode = summary.invalid > 0 ? EXIT.findings : EXIT.ok;
    });
}
