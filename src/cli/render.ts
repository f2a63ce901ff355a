/** `runner-fleet render <stack-dir>`: run a stack offline and write what it would create. */
import { rmSync, writeFileSync } from "node:fs";
import { makeDirectory } from "../io/make-directory.ts";
import { RENDER_SUMMARY_FILE, readRenderSummary, renderedFiles, type RenderSummaryEntry } from "../audit/schema/render-summary.ts";
import { join, relative, resolve } from "node:path";
import { Command } from "commander";
import { isManifestResource, kubernetesObject, type RenderedResource, type RenderedStack } from "../offline/rendered.ts";
import { derivedObject } from "../offline/derived-objects.ts";
import { embeddedDocuments } from "../offline/embedded-documents.ts";
import { yamlText } from "../offline/yaml-text.ts";
import { CliError, EXIT, printJson, table, withProgress } from "./output.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

/** What one render wrote for a resource; the index lets the next render into the same folder remove stale files. */
export type RenderedFile = RenderSummaryEntry;

function fileNameFor(r: RenderedResource, taken: Set<string>): string {
  const obj = kubernetesObject(r);
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
  let base: string;
  if (obj) {
    const meta = (obj["metadata"] ?? {}) as { name?: string; namespace?: string };
    base = `${safe(String(obj["kind"]))}-${safe(meta.name ?? r.name)}`;
    if (taken.has(`${base}.yaml`) && meta.namespace) base = `${safe(meta.namespace)}-${base}`;
  } else {
    base = `${safe(r.type.replace(/^.*:/, ""))}-${safe(r.name)}`;
  }
  const ext = obj ? ".yaml" : ".json";
  let candidate = `${base}${ext}`;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base}-${i}${ext}`;
  taken.add(candidate);
  return candidate;
}

/** apiVersion, kind and metadata first, as people write manifests; the rest as rendered. */
function conventionalOrder(obj: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, ...(metadata === undefined ? {} : { metadata }), ...rest };
}

/** Writes a rendered stack's manifests into `outDir` and returns what was written. */
export function writeRendered(rendered: RenderedStack, outDir: string): RenderedFile[] {
  try {
    makeDirectory(outDir);
  } catch (e) {
    throw new CliError(`--out ${outDir}: cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: pass --out with a folder you can write`, EXIT.usage);
  }
  const summaryPath = join(outDir, RENDER_SUMMARY_FILE);
  const previous = readRenderSummary(outDir);
  const taken = new Set<string>();
  const files: RenderedFile[] = rendered.resources.map((r) => {
    if (!isManifestResource(r)) return { type: r.type, name: r.name };
    const file = fileNameFor(r, taken);
    const obj = kubernetesObject(r);
    // A dynamic provider's serialised code (with machine-specific paths) is not what gets deployed.
    const inputs = typeof r.inputs["__provider"] === "string" ? { ...r.inputs, __provider: "[dynamic provider code]" } : r.inputs;
    const body = obj ? yamlText(conventionalOrder(obj)) : JSON.stringify({ type: r.type, name: r.name, inputs }, null, 2) + "\n";
    writeFileSync(join(outDir, file), body);
    const base = file.replace(/\.(yaml|json)$/, "");
    const embedded = embeddedDocuments(r).map((d) => {
      const name = `${base}.${d.suffix}`;
      taken.add(name);
      writeFileSync(join(outDir, name), d.content);
      return { field: d.field, file: name };
    });
    return { type: r.type, name: r.name, file, ...(embedded.length > 0 ? { embedded } : {}) };
  });
  for (const r of rendered.resources) {
    let derived;
    try {
      derived = derivedObject(r);
    } catch (e) {
      throw new CliError((e as Error).message, EXIT.usage);
    }
    if (!derived) continue;
    const meta = derived.object["metadata"] as { name: string };
    const file = `${String(derived.object["kind"]).toLowerCase()}-${meta.name}.derived.yaml`;
    const header = `# Derived, not a Pulumi resource: what chart release "${derived.from}" creates from its values.\n`;
    writeFileSync(join(outDir, file), header + yamlText(conventionalOrder(derived.object)));
    files.push({ type: `derived:${String(derived.object["kind"])}`, name: meta.name, derivedFrom: derived.from, file });
  }
  // What the previous render wrote and this one did not is stale: removed (the rest was overwritten).
  const written = new Set(files.flatMap((f) => [f.file, ...(f.embedded ?? []).map((d) => d.file)]));
  for (const name of previous ? renderedFiles(previous) : []) if (!written.has(name)) rmSync(join(outDir, name), { force: true });
  writeFileSync(summaryPath, JSON.stringify({ project: rendered.project, stack: rendered.stack, resources: files, outputs: rendered.outputs, deployTime: rendered.deployTime }, null, 2) + "\n");
  return files;
}

/** One line naming the values only a real deployment needs, or undefined when there are none. */
export function deployTimeNote(values: RenderedStack["deployTime"]): string | undefined {
  if (values.length === 0) return undefined;
  return `Deploy-time values shown as placeholders (not needed offline; set them before \`pulumi up\`): ${values.map((v) => `${v.name} (${v.neededFor})`).join(", ")}`;
}

export function renderCommand(): Command {
  return new Command("render")
    .description("Run a Pulumi stack offline (no Pulumi CLI, no cluster) and write every resource it would create: Kubernetes objects as YAML, others as JSON. Secret values appear only as [secret].")
    .argument("<stack-dir>", "directory of the Pulumi project (holds Pulumi.yaml)")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--out <dir>", "output directory (default: out/<project>-<stack>)")
    .option("--json", "print the summary as JSON")
    .action(async (stackDir: string, opts: StackFlags & { out?: string; json?: boolean }) => {
      const rendered = await withProgress(`rendering ${stackDir}`, async () => {
        const { renderStack } = await import("../offline/render-stack.ts");
        return renderStack(stackDir, renderOptionsFrom(opts));
      }, { quiet: opts.json === true });
      const outDir = resolve(opts.out ?? join("out", `${rendered.project}-${rendered.stack}`));
      const files = writeRendered(rendered, outDir);
      if (opts.json) {
        printJson({ project: rendered.project, stack: rendered.stack, outDir, resources: files, outputs: rendered.outputs, deployTime: rendered.deployTime });
        return;
      }
      const rows = files.map((f) => [f.type, f.name, f.file ?? (f.type.startsWith("pulumi:providers:") ? "(provider)" : "(component)")]);
      process.stdout.write(table(["TYPE", "NAME", "FILE"], rows));
      const written = files.filter((f) => f.file && !f.derivedFrom).length;
      const documents = files.reduce((n, f) => n + (f.embedded?.length ?? 0), 0);
      const where = relative(process.cwd(), outDir) || ".";
      process.stdout.write(`\n${written} resource${written === 1 ? "" : "s"} of ${rendered.project} (stack ${rendered.stack}) written to ${where}${documents > 0 ? `, with ${documents} embedded document${documents === 1 ? "" : "s"} as files of their own` : ""}\n`);
      const note = deployTimeNote(rendered.deployTime);
      if (note) process.stdout.write(`${note}\n`);
    });
}
