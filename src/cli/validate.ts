/** `runner-fleet validate`: check Kubernetes manifests against strict JSON Schemas, offline once cached. */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { InputError, decodeManifest, readBytesSync, streamDocuments } from "../audit/schema/read-documents.ts";
import { SchemaLoadError, createSchemaLoader } from "../audit/schema/schema-loader.ts";
import { DEFAULT_KUBERNETES_VERSION, SchemaLocationError } from "../audit/schema/schema-location.ts";
import { type ValidationResult, validateDocumentStream } from "../audit/schema/validate-documents.ts";
import { crdSchemas, withCrdSchemas } from "../audit/schema/crd-schemas.ts";
import { withBundledArcCrds } from "../audit/schema/bundled-schemas.ts";
import { CliError, EXIT, type RowSource, printJson, collect, rowLimit, terminalWidth, withProgress, writeTable } from "./output.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

interface ValidateFlags extends StackFlags {
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
  let skipped = 0;
  let invalid = 0;
  for (const r of results) {
    if (r.skipped !== undefined) skipped++;
    if (!r.valid) invalid++;
  }
  return { valid: results.length - invalid - skipped, invalid, skipped };
}

/** The summary line: `3 valid, 1 invalid` (and `, 2 skipped` when some were skipped). */
export function summaryLine(summary: ValidationSummary): string {
  return `${summary.valid} valid, ${summary.invalid} invalid${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ""}`;
}

/**
 * Writes the results as a table through `write`: one row per problem, one row per valid or
 * skipped object. When there are more rows than `maxRows` (a terminal shows 50), valid objects
 * are left out first (the summary line counts them), then the table shows the first rows and
 * counts the rest. Rows are built as they are written, so any number of results works.
 */
export function writeResultsTable(write: (text: string) => void, results: readonly ValidationResult[], width = terminalWidth(), maxRows = rowLimit()): void {
  const problemsOnly = results.length > maxRows;
  // Row r shows result rowResult[r], and its error rowError[r] (-1: the object itself).
  let count = 0;
  let validLeftOut = 0;
  for (const r of results) {
    if (r.skipped === undefined && r.errors.length === 0 && problemsOnly) validLeftOut++;
    else count += Math.max(1, r.skipped === undefined ? r.errors.length : 1);
  }
  const rowResult = new Int32Array(count);
  const rowError = new Int32Array(count);
  let n = 0;
  results.forEach((r, i) => {
    if (r.skipped !== undefined || r.errors.length === 0) {
      if (r.skipped !== undefined || !problemsOnly) {
        rowResult[n] = i;
        rowError[n++] = -1;
      }
    } else {
      for (let e = 0; e < r.errors.length; e++) {
        rowResult[n] = i;
        rowError[n++] = e;
      }
    }
  });
  const rows: RowSource = {
    length: count,
    row(index) {
      const r = results[rowResult[index]!]!;
      const doc = r.item === undefined ? String(r.index) : `${r.index} items[${r.item}]`;
      const object = r.kind === undefined ? "-" : `${r.kind}/${r.name ?? "-"}`;
      const at = (line: number | undefined) => (line === undefined ? r.file : `${r.file}:${line}`);
      if (r.skipped !== undefined) return [at(r.line), doc, object, "skipped", r.skipped];
      const e = r.errors[rowError[index]!];
      if (e === undefined) return [at(r.line), doc, object, "valid", ""];
      return [at(e.line ?? r.line), doc, object, "invalid", `${e.path || "(document)"}: ${e.message}. Fix: ${e.fix}`];
    },
  };
  if (count > 0) writeTable(write, ["FILE", "DOC", "KIND/NAME", "RESULT", "ERROR"], rows, width, maxRows);
  if (validLeftOut > 0) write(`(${validLeftOut.toLocaleString("en-US")} valid object${validLeftOut === 1 ? "" : "s"} not listed: use --json for every result)\n`);
}

/** The results as a table (see {@link writeResultsTable}). */
export function resultsTable(results: readonly ValidationResult[], width = terminalWidth(), maxRows = rowLimit()): string {
  const parts: string[] = [];
  writeResultsTable((text) => parts.push(text), results, width, maxRows);
  return parts.join("");
}

/** The schemas of the --crd files, each read within the same limits as manifests. */
function crdFileSchemas(files: readonly string[]) {
  return files.flatMap((file) => {
    const bytes = readBytesSync(file, file);
    return crdSchemas(decodeManifest(file, bytes, "yaml"), file);
  });
}

/** A Pulumi project directory (holds Pulumi.yaml), which `validate` renders first. */
function isStackDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, "Pulumi.yaml"));
}

/**
 * The paths to read: each Pulumi project directory is rendered offline into a temporary folder,
 * exactly as `render` writes it, and that folder is read instead. `shown` and `shownText` put
 * what the user named in place of a folder (in a file name, in a note); `cleanup` removes them.
 */
async function renderStackDirs(paths: readonly string[], flags: StackFlags): Promise<{ paths: string[]; shown: (file: string) => string; shownText: (text: string) => string; cleanup: () => void }> {
  const folders = new Map<string, string>();
  const out: string[] = [];
  try {
    for (const p of paths) {
      if (!isStackDir(p)) {
        out.push(p);
        continue;
      }
      const [{ renderStack }, { writeRendered }] = await Promise.all([import("../offline/render-stack.ts"), import("./render.ts")]);
      const rendered = await renderStack(p, renderOptionsFrom(flags));
      const folder = mkdtempSync(join(tmpdir(), "rf-validate-"));
      folders.set(folder, `${p} (stack ${rendered.stack}, rendered)`);
      writeRendered(rendered, folder);
      out.push(folder);
    }
  } catch (e) {
    for (const f of folders.keys()) rmSync(f, { recursive: true, force: true });
    throw e;
  }
  return {
    paths: out,
    shown: (file) => {
      for (const [folder, label] of folders) if (file.startsWith(`${folder}/`)) return `${label} ${file.slice(folder.length + 1)}`;
      return file;
    },
    shownText: (text) => [...folders].reduce((t, [folder, label]) => t.split(`${folder}/`).join(`${label} `).split(folder).join(label), text),
    cleanup: () => {
      for (const f of folders.keys()) rmSync(f, { recursive: true, force: true });
    },
  };
}

export function validateCommand(): Command {
  return new Command("validate")
    .description(
      "Check Kubernetes manifests against the strict JSON Schemas of a Kubernetes version, as kubeconform does: " +
        "unknown fields, wrong types and missing required fields, each named by its path.",
    )
    .argument("<paths...>", "manifest files (multi-document YAML, or JSON), directories (every *.yaml, *.yml and *.json below, sorted), or Pulumi project directories (rendered offline first)")
    .addOption(stackOption("for a Pulumi project directory: the stack whose Pulumi.<name>.yaml settings are used"))
    .addOption(configFileOption())
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
        const crds = crdFileSchemas(flags.crd);
        // The ARC CRDs of the chart version the fleet pins are bundled; --crd files come first.
        const withArc = withBundledArcCrds(base);
        const loader = crds.length > 0 ? withCrdSchemas(crds, withArc) : withArc;
        results = await withProgress(`validating ${paths.join(" ")}`, async () => {
          const input = await renderStackDirs(paths, flags);
          try {
            // One document at a time: a file of any number of documents holds only the results.
            const out: ValidationResult[] = [];
            for await (const r of validateDocumentStream(streamDocuments(input.paths, notes), loader, { ignoreMissingSchemas: flags.ignoreMissingSchemas === true })) out.push({ ...r, file: input.shown(r.file) });
            notes.forEach((n, i) => (notes[i] = input.shownText(n)));
            return out;
          } finally {
            input.cleanup();
          }
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
        if (results.length > 0) writeResultsTable((text) => void process.stdout.write(text), results);
        process.stdout.write(`${summaryLine(summary)}\n`);
      }
      process.exitCode = summary.invalid > 0 ? EXIT.findings : EXIT.ok;
    });
}
