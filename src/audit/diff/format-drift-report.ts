/**
 * A DriftReport as text, grouped by object: `~` objects that differ (one line per field,
 * `path: actual -> desired`), `+` objects only the stack has, `-` objects only the manifest has
 * (still listed when the report is `managedOnly`, but then not counted as drift).
 */
import type { DriftReport, FieldDrift } from "./drift-report.ts";
import { formatObjectRef } from "./kube-object.ts";
import { lineDiff } from "./line-diff.ts";
import { SECRET_PLACEHOLDER } from "./secret-data.ts";

export interface DriftLabels {
  /** How to name the desired side, e.g. `stack "dev"`. */
  readonly desired: string;
  /** How to name the actual side, e.g. the manifest's path. */
  readonly actual: string;
}

/** A value as it appears in a diff line: strings quoted, structures as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(absent)";
  return JSON.stringify(value) ?? String(value);
}

function side(value: unknown, serverDefault: unknown, hasDefault: boolean): string {
  if (value !== undefined || !hasDefault) return formatValue(value);
  return `(absent, server default ${formatValue(serverDefault)})`;
}

export function formatFieldDrift(f: FieldDrift): string[] {
  const hasDefault = "serverDefault" in f;
  if (typeof f.actual === "string" && typeof f.desired === "string" && (f.actual.includes("\n") || f.desired.includes("\n"))) {
    return [`${f.path}:`, ...lineDiff(f.actual, f.desired).map((l) => `    ${l}`)];
  }
  const line = `${f.path}: ${side(f.actual, f.serverDefault, hasDefault)} -> ${side(f.desired, f.serverDefault, hasDefault)}`;
  // Secret data on both sides: the values differ, neither is shown.
  return [f.actual === SECRET_PLACEHOLDER && f.desired === SECRET_PLACEHOLDER ? `${line} (secret values differ; not shown)` : line];
}

export interface DriftFormatOptions {
  /** At most this many objects of each list (changed, only in the stack, only in the manifest); the others are counted. @default all */
  readonly maxObjects?: number;
}

/** The first `max` items, and a line that counts the others. */
function firstOf<T>(items: readonly T[], max: number, what: string): { shown: readonly T[]; more?: string } {
  if (items.length <= max) return { shown: items };
  const more = items.length - max;
  return { shown: items.slice(0, Math.max(0, max)), more: `… and ${more.toLocaleString("en-US")} more ${what} (${items.length.toLocaleString("en-US")} in all): use --json for all of them` };
}

export function formatDriftReport(report: DriftReport, labels: DriftLabels, opts: DriftFormatOptions = {}): string {
  const parts: string[] = [];
  writeDriftReport((text) => parts.push(text), report, labels, opts);
  return parts.join("");
}

/** Lines are handed over in chunks of this many. */
const CHUNK_LINES = 2000;

/**
 * Writes the report as text through `write`, in chunks: the same text as {@link formatDriftReport}
 * without ever holding all of it (a report on hundreds of thousands of objects).
 */
export function writeDriftReport(write: (text: string) => void, report: DriftReport, labels: DriftLabels, opts: DriftFormatOptions = {}): void {
  const max = opts.maxObjects ?? Number.POSITIVE_INFINITY;
  let lines: string[] = [];
  const out = {
    push(line: string) {
      lines.push(line);
      if (lines.length >= CHUNK_LINES) {
        write(`${lines.join("\n")}\n`);
        lines = [];
      }
    },
  };
  out.push(`Comparing ${labels.desired} (desired) with ${labels.actual} (actual); fields show actual -> desired.`);
  out.push("");
  const changed = firstOf(report.changed, max, "changed objects");
  const onlyDesired = firstOf(report.onlyDesired, max, `objects only in ${labels.desired}`);
  const onlyActual = firstOf(report.onlyActual, max, `objects only in ${labels.actual}`);
  for (const c of changed.shown) {
    out.push(`~ ${formatObjectRef(c.object)}: ${c.fields.length} field${c.fields.length === 1 ? "" : "s"} differ${c.fields.length === 1 ? "s" : ""}`);
    for (const f of c.fields) for (const l of formatFieldDrift(f)) out.push(`    ${l}`);
  }
  if (changed.more) out.push(changed.more);
  for (const u of onlyDesired.shown) {
    out.push(`+ ${formatObjectRef(u.object)}: only in ${labels.desired} (would be created)`);
    if (u.note !== undefined) out.push(`    note: ${u.note}`);
  }
  if (onlyDesired.more) out.push(onlyDesired.more);
  for (const u of onlyActual.shown) {
    out.push(`- ${formatObjectRef(u.object)}: only in ${labels.actual} (not managed by the stack)`);
    if (u.note !== undefined) out.push(`    note: ${u.note}`);
  }
  if (onlyActual.more) out.push(onlyActual.more);
  // Objects only in the manifest are listed even when they are not drift (managedOnly).
  const listed = report.changed.length + report.onlyDesired.length + report.onlyActual.length > 0;
  if (report.uncomparedSecrets.length > 0) {
    if (listed) out.push("");
    out.push(`Not compared: ${report.uncomparedSecrets.length} secret value${report.uncomparedSecrets.length === 1 ? "" : "s"} the offline render only knows as [secret]:`);
    const secrets = firstOf(report.uncomparedSecrets, max, "secret values");
    for (const s of secrets.shown) out.push(`    ${formatObjectRef(s.object)} ${s.path}`);
    if (secrets.more) out.push(`    ${secrets.more}`);
  }
  if (listed || report.uncomparedSecrets.length > 0) out.push("");
  const { summary } = report;
  // With managedOnly, objects only in the manifest are listed but are not drift: the summary says how many.
  const uncounted = report.managedOnly && summary.onlyActual > 0 ? `; ${summary.onlyActual} not managed by the stack, not counted as drift (--managed-only)` : "";
  if (!report.drift) {
    out.push(`no drift: ${summary.matched} object${summary.matched === 1 ? " matches" : "s match"}${uncounted}`);
  } else {
    const parts = [
      summary.changed > 0 ? `${summary.changed} changed` : "",
      summary.onlyDesired > 0 ? `${summary.onlyDesired} would be created` : "",
      summary.onlyActual > 0 && !report.managedOnly ? `${summary.onlyActual} not managed by the stack` : "",
      `${summary.matched - summary.changed} unchanged`,
    ];
    out.push(`drift: ${parts.filter((p) => p !== "").join(", ")}${uncounted}`);
  }
  if (lines.length > 0) write(`${lines.join("\n")}\n`);
}
