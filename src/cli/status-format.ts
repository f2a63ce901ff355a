/**
 * How `runner-fleet status` prints what it found: tables that fit the terminal, JSON with
 * everything, or Markdown for an issue comment. Every text from the forge (runner names, labels,
 * job names) passes through {@link shown} first, so a hostile name cannot forge lines or
 * Markdown.
 */
import { type JobDiagnosis, offlineMinutes, type PoolStatus, type StatusReport } from "../audit/status/diagnose.ts";
import type { RegisteredRunner } from "../model/fleet-status.ts";
import type { ForgeKind } from "../model/forge.ts";
import { inputExcerpt } from "../model/input-excerpt.ts";
import { table, terminalWidth, wrapProse } from "./output.ts";

/** What status learnt about one forge scope. */
export interface TargetResult {
  readonly forge: ForgeKind;
  /** The scope as shown, e.g. `github.com/acme`. */
  readonly scope: string;
  /** The declared pools that register there. */
  readonly pools: readonly string[];
  /** Undefined when the forge could not be asked (see `error`). */
  readonly report?: StatusReport;
  /** When the forge was asked. */
  readonly takenAt: Date;
  /** What could not be seen, one sentence each. */
  readonly unseen: readonly string[];
  /** The API call that removes each stale runner, by runner id. */
  readonly removeWith: ReadonlyMap<number, string>;
  /** Why the forge could not be asked (already free of credentials). */
  readonly error?: string;
}

export interface StatusResult {
  readonly targets: readonly TargetResult[];
  readonly thresholdMinutes: number;
  readonly healthy: boolean;
  /** With a state file: minutes offline after which a runner nobody declared is stale. */
  readonly staleAfterMinutes?: number;
}

const FORGE_NAMES: Readonly<Record<ForgeKind, string>> = { github: "GitHub", forgejo: "Forgejo" };

/** Forge text as the report shows it: the project's one excerpt rule (credentials redacted, control characters escaped, at most `max` characters). */
export function shown(text: string, max = 120): string {
  return inputExcerpt(text, max);
}

const labels = (ls: readonly string[]) => ls.map((l) => shown(l, 60)).join(", ");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function poolProblem(p: PoolStatus): string {
  const parts = p.mislabelled.map((m) => `runner ${shown(m.runner, 60)} registered${m.missing.length > 0 ? ` without ${labels(m.missing)}` : ""}${m.extra.length > 0 ? `${m.missing.length > 0 ? " and" : ""} with extra ${labels(m.extra)}` : ""}`);
  if (p.problem !== undefined && p.mislabelled.length === 0) parts.unshift(p.problem);
  // Not a problem, but worth knowing: registrations left by runners replaced without deregistering.
  const left = p.registered - p.online;
  if (parts.length === 0 && left > 0) parts.push(`- (${plural(left, "offline registration")}: left by replaced runners? remove ${left === 1 ? "it" : "them"} on the forge, or GitHub does after 14 days)`);
  return parts.length === 0 ? "-" : parts.join("; ");
}

function waited(j: JobDiagnosis): string {
  return j.waitedMinutes === undefined ? "unknown" : j.waitedMinutes < 120 ? `${j.waitedMinutes} min` : `${Math.floor(j.waitedMinutes / 60)} h ${j.waitedMinutes % 60} min`;
}

const POOL_HEADERS = ["POOL", "MIN/MAX", "REGISTERED", "ONLINE", "BUSY", "PROBLEM"];
const poolRow = (p: PoolStatus) => [p.pool, `${p.min}/${p.max}`, String(p.registered), String(p.online), String(p.busy), poolProblem(p)];
const JOB_HEADERS = ["WAITING JOB", "WAITED", "LABELS", "POOLS", "REASON", "FIX"];
const jobRow = (j: JobDiagnosis) => [`${shown(j.job.repository, 80)}: ${shown(j.job.name)}`, waited(j), labels(j.job.labels), j.pools.length === 0 ? "none" : j.pools.join(", "), `${j.reason}: ${shown(j.explanation, 400)}`, shown(j.fix, 400)];
const RUNNER_HEADERS = ["RUNNER NOBODY DECLARED", "ID", "STATUS", "LABELS"];
const duration = (minutes: number) => (minutes < 120 ? `${minutes} min` : minutes < 2880 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 1440)} days`);
function runnerState(r: RegisteredRunner, at: Date): string {
  if (r.status === "online") return r.busy ? "online, busy" : "online";
  const m = offlineMinutes(r, at);
  return m === undefined ? "offline" : `offline ${duration(m)}`;
}
const runnerRow = (result: StatusResult, t: TargetResult, r: RegisteredRunner) => [
  shown(r.name, 80),
  String(r.id),
  `${runnerState(r, t.takenAt)}${r.status === "offline" && !t.removeWith.has(r.id) ? ` (stale after ${duration(result.staleAfterMinutes ?? 0)})` : ""}`,
  labels(r.labels),
];
/**
 * The calls that remove the stale runners: the API's address once, then each call by its path, so
 * that a call fits a line (a path is never broken in the middle).
 */
function removals(t: TargetResult): { readonly base: string; readonly calls: readonly string[] } {
  const split = [...t.removeWith.values()].map((c) => /^(\w+) (https?:\/\/.*?)(\/(?:repos|orgs|enterprises|admin|user)\/.*)$/.exec(c));
  const bases = new Set(split.map((m) => m?.[2]));
  const base = bases.size === 1 ? [...bases][0] : undefined;
  if (base === undefined) return { base: "", calls: [...t.removeWith.values()] };
  return { base, calls: split.map((m) => `${m![1]} ${m![3]}`) };
}
const removalIntro = (base: string) => `Stale (offline, nobody declared): --prune removes them, or by hand${base === "" ? "" : ` at ${base}`}:`;

/** One line that says how the whole fleet is doing. */
export function summaryLine(result: StatusResult): string {
  const reports = result.targets.flatMap((t) => (t.report === undefined ? [] : [t.report]));
  const pools = reports.flatMap((r) => r.pools);
  const jobs = reports.flatMap((r) => r.jobs);
  const late = jobs.filter((j) => (j.waitedMinutes ?? 0) > result.thresholdMinutes).length;
  const stale = reports.reduce((n, r) => n + r.stale.length, 0);
  const failed = result.targets.filter((t) => t.error !== undefined).length;
  const unseen = reports.some((r) => !r.complete);
  const parts = [
    `${plural(pools.length, "pool")}, ${pools.filter((p) => p.problem !== undefined).length} with a problem`,
    `${plural(jobs.length, "job")} waiting, ${late} longer than ${result.thresholdMinutes} min`,
    `${plural(stale, "stale runner")} (offline, nobody declared)`,
    ...(failed > 0 ? [`${plural(failed, "forge scope")} not reached`] : []),
  ];
  const verdict = failed > 0 ? "incomplete" : unseen ? "incomplete (see Not seen)" : result.healthy ? "healthy" : "needs attention";
  return `${parts.join("; ")}: ${verdict}`;
}

/** The report as tables, one block per forge scope. */
export function statusTable(result: StatusResult, width = terminalWidth()): string {
  const out: string[] = [];
  const prose = (text: string) => wrapProse(text, width).replace(/\n$/, "");
  for (const t of result.targets) {
    const r = t.report;
    out.push(prose(`${FORGE_NAMES[t.forge]} ${t.scope}${r === undefined ? "" : `: ${r.runnersVisible ? plural(r.registered, "runner") : "runners not listed"}, ${plural(r.jobs.length, "waiting job")}`}`));
    if (t.error !== undefined) {
      out.push(prose(`Not reached: ${shown(t.error, 2000)}`), "");
      continue;
    }
    if (r === undefined) continue;
    out.push("", table(POOL_HEADERS, r.pools.map(poolRow), width).trimEnd());
    if (r.jobs.length > 0) out.push("", table(JOB_HEADERS, r.jobs.map(jobRow), width).trimEnd());
    if (r.undeclared.length > 0) out.push("", table(RUNNER_HEADERS, r.undeclared.map((u) => runnerRow(result, t, u)), width).trimEnd());
    if (t.removeWith.size > 0) {
      const { base, calls } = removals(t);
      out.push("", prose(removalIntro(base)), ...calls.map((c) => prose(`  ${c}`)));
    }
    for (const u of t.unseen) out.push("", prose(`Not seen: ${shown(u, 600)}`));
    out.push("");
  }
  out.push(prose(summaryLine(result)));
  return `${out.join("\n")}\n`;
}

/** A Markdown table cell: one line, pipes and backticks escaped. */
const cell = (text: string) => text.replace(/\p{Cc}+/gu, " ").replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[`*_<>[\]]/g, (c) => `\\${c}`);
function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${headers.map((h) => cell(h.charAt(0) + h.slice(1).toLowerCase())).join(" | ")} |`, `|${headers.map(() => " --- ").join("|")}|`, ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)].join("\n");
}

/** The report as Markdown, for an issue or pull-request comment. */
export function statusMarkdown(result: StatusResult): string {
  const out: string[] = ["## Runner fleet status", "", `**${cell(summaryLine(result))}**`];
  for (const t of result.targets) {
    out.push("", `### ${FORGE_NAMES[t.forge]} ${cell(t.scope)}`, "");
    if (t.error !== undefined) {
      out.push(`Not reached: ${cell(t.error)}`);
      continue;
    }
    const r = t.report;
    if (r === undefined) continue;
    out.push(mdTable(POOL_HEADERS, r.pools.map(poolRow)));
    if (r.jobs.length > 0) out.push("", mdTable(JOB_HEADERS, r.jobs.map(jobRow)));
    if (r.undeclared.length > 0) out.push("", mdTable(RUNNER_HEADERS, r.undeclared.map((u) => runnerRow(result, t, u))));
    if (t.removeWith.size > 0) {
      const { base, calls } = removals(t);
      out.push("", cell(removalIntro(base)), "", "```text", ...calls.map((c) => c.replace(/`/g, "")), "```");
    }
    for (const u of t.unseen) out.push("", `Not seen: ${cell(u)}`);
  }
  return `${out.join("\n")}\n`;
}

/** Everything, for programs: the same facts as the tables, untruncated. */
export function statusJson(result: StatusResult): unknown {
  return {
    healthy: result.healthy,
    thresholdMinutes: result.thresholdMinutes,
    summary: summaryLine(result),
    targets: result.targets.map((t) => ({
      forge: t.forge,
      scope: t.scope,
      pools: t.pools,
      ...(t.error === undefined ? {} : { error: t.error }),
      ...(t.report === undefined
        ? {}
        : {
            runnersVisible: t.report.runnersVisible,
            poolStatus: t.report.pools,
            jobs: t.report.jobs.map((j) => ({ ...j.job, ...(j.waitedMinutes === undefined ? {} : { waitedMinutes: j.waitedMinutes }), pools: j.pools, reason: j.reason, explanation: j.explanation, fix: j.fix })),
            undeclared: t.report.undeclared.map((r) => {
              const m = offlineMinutes(r, t.takenAt);
              return { ...r, ...(m === undefined ? {} : { offlineMinutes: m }), ...(t.removeWith.has(r.id) ? { removeWith: t.removeWith.get(r.id) } : {}) };
            }),
          }),
      unseen: t.unseen,
    })),
  };
}
