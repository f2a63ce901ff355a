/**
 * `runner-fleet import <manifest.yaml|->`: writes the gh-runner stack settings
 * (`Pulumi.<stack>.yaml`) that reproduce a manifest's runner Deployments and the ConfigMaps they
 * use, so that the first `pulumi up` adopts them and changes nothing. Exit 0 when everything is
 * reproduced, 1 when some fields cannot be (each listed by object and path), 2 bad usage or input.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { redactCredentials } from "../model/credential-shape.ts";
import { yamlPackage } from "../model/yaml-package.ts";
import { readProject } from "../offline/stack-config.ts";
import { importManifest, type ImportResult } from "../import/import-manifest.ts";
import { InputError } from "../audit/input-error.ts";
import { ManifestProblemsError, readManifest } from "../audit/diff/manifest-index.ts";
import { CliError, EXIT, printJson } from "./output.ts";

const DEFAULT_STACK_DIR = join("infra", "pulumi", "gh-runner");

/** The settings file's text: `config:` with the project's keys, adoption on, and a header saying where it came from. */
export function settingsFileText(project: string, source: string, result: ImportResult): string {
  const config: Record<string, unknown> = { [`${project}:adoptExisting`]: true };
  for (const [k, v] of Object.entries(result.settings)) config[`${project}:${k}`] = v;
  const header = [
    `# Written by \`runner-fleet import ${source}\`: the settings that reproduce its runner Deployments.`,
    "# Secrets and PersistentVolumeClaims are referenced by name, never copied. Check before the first",
    "# `pulumi up` (which adopts the running objects): runner-fleet diff <stack-dir> --config-file <this file> --against <manifest> --managed-only",
    ...(result.gaps.length > 0 ? [`# ${result.gaps.length} field(s) could not be expressed; see the import report.`] : []),
  ];
  return `${header.join("\n")}\n${yamlPackage().stringify({ config }, { lineWidth: 0 })}`;
}

export function importCommand(): Command {
  return new Command("import")
    .description("Write the gh-runner stack settings (Pulumi.<stack>.yaml) that reproduce the runner Deployments of a manifest and the ConfigMaps they use")
    .argument("<manifest>", "YAML manifest: plain manifests or a kubectl get -o yaml export (kind: List); - reads standard input")
    .option("--stack-dir <dir>", "the gh-runner Pulumi project whose settings are written", DEFAULT_STACK_DIR)
    .option("--namespace <namespace>", "namespace of objects that name none (where kubectl apply -n would put them)")
    .option("--out <file>", "write the settings to this file (refused if it exists) instead of standard output")
    .option("--json", "print the settings, gaps and notes as JSON")
    .addHelpText("after", "\nExit codes: 0 every field reproduced, 1 some fields cannot be expressed (listed with their paths), 2 bad usage or input.")
    .showHelpAfterError()
    .exitOverride()
    .action((manifest: string, opts: { stackDir: string; namespace?: string; out?: string; json?: boolean }) => {
      if (!existsSync(join(opts.stackDir, "Pulumi.yaml")) || !statSync(opts.stackDir).isDirectory()) {
        throw new CliError(`--stack-dir ${opts.stackDir}: no Pulumi.yaml there. Fix: pass the directory of the gh-runner Pulumi project, e.g. --stack-dir ${DEFAULT_STACK_DIR}`);
      }
      if (opts.out !== undefined && existsSync(opts.out)) throw new CliError(`--out ${opts.out}: the file exists and is not overwritten. Fix: name a new file, or move the existing one away first`);
      const project = readProject(opts.stackDir).name;
      let objects;
      try {
        objects = readManifest(manifest);
      } catch (e) {
        if (e instanceof ManifestProblemsError || (e instanceof Error && e.name === "InputError")) throw new CliError(e.message);
        throw e;
      }
      let result: ImportResult;
      try {
        result = importManifest(objects, opts.namespace === undefined ? {} : { namespace: opts.namespace });
      } catch (e) {
        if (e instanceof InputError) throw new CliError(`${manifest === "-" ? "standard input" : manifest}: ${e.message}`);
        throw e;
      }
      const source = manifest === "-" ? "-" : manifest;
      // Settings the model refused are never written; a credential-shaped value never is either.
      const text = redactCredentials(settingsFileText(project, source, result));
      if (opts.json === true) printJson(JSON.parse(redactCredentials(JSON.stringify({ project, ...(result.checked ? { settings: result.settings } : {}), gaps: result.gaps, notes: result.notes }))) as unknown);
      else if (opts.out === undefined && result.checked) process.stdout.write(text);
      if (opts.out !== undefined && result.checked) {
        try {
          writeFileSync(opts.out, text, { flag: "wx" });
        } catch (e) {
          throw new CliError(`--out ${opts.out}: cannot be written (${(e as NodeJS.ErrnoException).code ?? "error"}). Fix: name a new file in an existing, writable directory`);
        }
      }
      const report = process.stderr;
      for (const n of result.notes) report.write(`runner-fleet import: ${redactCredentials(n)}\n`);
      for (const g of result.gaps) report.write(`runner-fleet import: cannot express ${g.object}: ${g.path}: ${redactCredentials(g.reason)}\n`);
      if (opts.out !== undefined && result.checked) report.write(`runner-fleet import: wrote ${opts.out}\n`);
      if (!result.checked) report.write("runner-fleet import: no settings written: the fields above leave a runner without a setting it needs; fix them in the manifest, or import without that runner\n");
      else if (result.gaps.length > 0) report.write(`runner-fleet import: ${result.gaps.length} field(s) cannot be expressed; the settings reproduce everything else\n`);
      if (result.gaps.length > 0) {
        process.exitCode = EXIT.findings;
      }
    });
}
