/**
 * A DriftReport as text, grouped by object: `~` objects that differ (one line per field,
 * `path: actual -> desired`), `+` objects only the stack has, `-` objects only the manifest has.
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

export function formatDriftReport(report: DriftReport, labels: DriftLabels): string {
  const out: string[] = [`Comparing ${labels.desired} (desired) with ${labels.actual} (actual); fields show actual -> desired.`, ""];
  for (const c of report.changed) {
    out.push(`~ ${formatObjectRef(c.object)}: ${c.fields.length} field${c.fields.length === 1 ? "" : "s"} differ${c.fields.length === 1 ? "s" : ""}`);
    for (const f of c.fields) out.push(...formatFieldDrift(f).map((l) => `    ${l}`));
  }
  for (const u of report.onlyDesired) {
    out.push(`+ ${formatObjectRef(u.object)}: only in ${labels.desired} (would be created)`);
    if (u.note !== undefined) out.push(`    note: ${u.note}`);
  }
  for (const u of report.onlyActual) {
    out.push(`- ${formatObjectRef(u.object)}: only in ${labels.actual} (not managed by the stack)`);
    if (u.note !== undefined) out.push(`    note: ${u.note}`);
  }
  if (report.uncomparedSecrets.length > 0) {
    if (report.drift) out.push("");
    out.push(`Not compared: ${report.uncomparedSecrets.length} secret value${report.uncomparedSecrets.length === 1 ? "" : "s"} the offline render only knows as [secret]:`);
    for (const s of report.uncomparedSecrets) out.push(`    ${formatObjectRef(s.object)} ${s.path}`);
  }
  if (report.drift || report.uncomparedSecrets.length > 0) out.push("");
  const { summary } = report;
  if (!report.drift) {
    out.push(`no drift: ${summary.matched} object${summary.matched === 1 ? "" : "s"} match`);
  } else {
    const parts = [
      summary.changed > 0 ? `${summary.changed} changed` : "",
      summary.onlyDesired > 0 ? `${summary.onlyDesired} would be created` : "",
      summary.onlyActual > 0 ? `${summary.onlyActual} not managed by the stack` : "",
      `${summary.matched - summary.changed} unchanged`,
    ];
    out.push(`drift: ${parts.filter((p) => p !== "").join(", ")}`);
  }
  return out.join("\n") + "\n";
}
