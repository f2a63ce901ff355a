/**
 * The index `runner-fleet render` writes into its output folder (`render-summary.json`): which file
 * holds which resource, the documents embedded in each, the stack's outputs. `render` writes it and
 * removes the previous render's files through it; `validate` and `audit` read a render folder
 * through it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const RENDER_SUMMARY_FILE = "render-summary.json";

/** One resource of a render and the files written for it. */
export interface RenderSummaryEntry {
  readonly type: string;
  readonly name: string;
  /** For objects a chart creates from a release's values: the release. Not a Pulumi resource. */
  readonly derivedFrom?: string;
  /** File written for the resource, relative to the output folder; absent for components and providers. */
  readonly file?: string;
  /** Documents embedded in the resource's inputs, each also written as a file of its own. */
  readonly embedded?: readonly { readonly field: string; readonly file: string }[];
}

export interface RenderSummary {
  readonly resources: readonly RenderSummaryEntry[];
  readonly outputs?: Record<string, unknown>;
}

/** A file name the index may name: one inside the folder, never a path out of it. */
const isPlainFileName = (f: unknown): f is string => typeof f === "string" && f !== "" && !f.includes("/") && !f.includes("\\") && !f.startsWith(".");

/** The folder's index, or undefined when there is none or it is not one (unreadable, not JSON, no resource list). */
export function readRenderSummary(dir: string): RenderSummary | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.join(dir, RENDER_SUMMARY_FILE), "utf8"));
  } catch {
    return undefined;
  }
  const summary = parsed as { resources?: unknown; outputs?: unknown } | null;
  if (!Array.isArray(summary?.resources)) return undefined;
  const resources = summary.resources.filter((r): r is RenderSummaryEntry => r !== null && typeof r === "object");
  const outputs = summary.outputs !== null && typeof summary.outputs === "object" ? (summary.outputs as Record<string, unknown>) : undefined;
  return { resources, ...(outputs ? { outputs } : {}) };
}

/** Every file the index names (resources and embedded documents), as plain names inside the folder. */
export function renderedFiles(summary: RenderSummary): string[] {
  return summary.resources.flatMap((r) => [r.file, ...(Array.isArray(r.embedded) ? r.embedded.map((e) => e.file) : [])]).filter(isPlainFileName);
}

/** The files of the resources themselves (not embedded documents) whose name ends in `extension`. */
export function resourceFiles(summary: RenderSummary, extension: RegExp): string[] {
  return summary.resources.map((r) => r.file).filter((f): f is string => isPlainFileName(f) && extension.test(f));
}
