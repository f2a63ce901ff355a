/** The audit report and its text forms: tables for a terminal, a Markdown checklist for READMEs. */
import type { FleetAudit } from "../audit/fleet-audit.ts";
import type { CredentialWarning } from "../audit/pod-security/env-credentials.ts";
import type { AwsAudit } from "../audit/aws/aws-resource-audit.ts";
import { formatAwsTable } from "./audit-aws-format.ts";
import { moreRowsLine, rowLimit, table, terminalWidth, wrapProse } from "./output.ts";

/** The cluster network the isolation claims probe. */
export interface ClusterNetwork {
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
  readonly nodeAddresses?: readonly string[];
}

/** What `runner-fleet audit` reports: the Kubernetes audit, the AWS checks, or both, and every failure in words. */
export interface AuditReport {
  readonly target: string;
  /** The cluster network the claims probe, with its source; absent when nothing Kubernetes was audited. */
  readonly network?: ClusterNetwork & { readonly source: string };
  readonly kubernetes?: FleetAudit;
  readonly aws?: AwsAudit;
  /** Why the audit fails, one line each; empty when it passes. */
  readonly failures: readonly string[];
  readonly notes: readonly string[];
  readonly pass: boolean;
}

/** The variable a warning is about, in words: the name, or what `envFrom` makes of the Secret. */
function variableOf(w: CredentialWarning): string {
  if (w.variable !== undefined) return w.variable;
  return w.prefix === undefined ? "every key (envFrom)" : `every key as ${w.prefix}<key> (envFrom)`;
}

/** Where a warning's credential comes from: `Secret s key k`, or `Secret s` for envFrom. */
const sourceOf = (w: CredentialWarning) => `Secret ${w.secret}${w.key === undefined ? "" : ` key ${w.key}`}`;

/** How many warnings, in words: "2 warnings". */
const warningCount = (n: number) => `${n} warning${n === 1 ? "" : "s"}`;

/** The Kubernetes audit as tables. */
export function formatAuditTables(a: FleetAudit, width = terminalWidth(), maxRows = rowLimit()): string {
  const claims = table(
    ["CLAIM", "POD", "TARGET", "EXPECTED", "ACTUAL", "RESULT", "RESPONSIBLE"],
    a.isolation.claims.map((c) => [c.claim, c.pod, c.target, c.expected, c.actual, c.pass ? "pass" : "FAIL", c.responsible.join("; ")]),
    width,
    maxRows,
  );
  const pss = a.podSecurity.flatMap((p) => [...p.restricted, ...p.hardening].map((f) => [p.pod, f.level, f.control, f.path, `${f.message}. Fix: ${f.fix}`]));
  const ns = a.namespaces.map((n) => [n.namespace, n.enforce ?? "-", n.strictestMet, n.pass ? "pass" : "FAIL", n.message]);
  const findings = a.isolation.findings.map((f) => [f.severity, f.policy, f.path, `${f.message}. Fix: ${f.fix}`]);
  const podLevels = a.podSecurity.map((p) => [p.pod, p.level, String(p.restricted.length + p.hardening.length)]);
  const warnings = a.credentialWarnings.map((w) => [w.pod, w.container, variableOf(w), sourceOf(w), w.path, `${w.message}. Fix: ${w.fix}`]);
  const privileges = [
    ...a.podSecurity.flatMap((p) => p.containerModes.map((m) => [p.pod, `containerMode ${m.mode}`, m.allowed ? "allowed" : "REFUSED", `${m.message}${m.allowed ? ` (${p.accepted.length} finding${p.accepted.length === 1 ? "" : "s"} accepted)` : ""}`])),
    ...a.roleGrants.map((g) => [g.pod, `Role ${g.role}`, g.allowed ? "allowed" : "REFUSED", g.message]),
  ];
  return [
    wrapProse(`Isolation claims (runner pods: ${a.isolation.runnerPods.join(", ") || "none found"})`, width),
    claims,
    "Pod templates",
    table(["POD", "MEETS", "FINDINGS"], podLevels, width, maxRows),
    ...(pss.length > 0 ? ["Pod security findings", table(["POD", "LEVEL", "CONTROL", "FIELD", "PROBLEM"], pss, width, maxRows)] : []),
    ...(privileges.length > 0 ? ["Runner privileges (container modes, roles)", table(["POD", "PRIVILEGE", "RESULT", "WHY"], privileges, width, maxRows)] : []),
    ...(ns.length > 0 ? ["Namespaces", table(["NAMESPACE", "ENFORCE", "PODS MEET", "RESULT", "NOTE"], ns, width, maxRows)] : []),
    ...(findings.length > 0 ? ["NetworkPolicy findings", table(["SEVERITY", "POLICY", "FIELD", "PROBLEM"], findings, width, maxRows)] : []),
    ...(warnings.length > 0 ? [wrapProse(`Warnings: credentials in environment variables (${warningCount(warnings.length)}; warnings do not fail the audit)`, width), table(["POD", "CONTAINER", "VARIABLE", "FROM", "FIELD", "WARNING"], warnings, width, maxRows)] : []),
  ].join("\n");
}

/**
 * The whole report as text: tables, then the verdict with every failure named (on a terminal, the
 * first 50 of each table and of the failures, with a count of the others).
 */
export function formatAuditReport(r: AuditReport, width = terminalWidth(), maxRows = rowLimit()): string {
  const parts: string[] = [];
  const prose = (text: string) => `${wrapProse(text, width)}\n`;
  if (r.network) parts.push(prose(`Cluster network: pods ${r.network.podCidr}, services ${r.network.serviceCidr}, nodes ${r.network.nodeCidrs.join(", ")}; from ${r.network.source}`));
  if (r.kubernetes) parts.push(formatAuditTables(r.kubernetes, width, maxRows));
  if (r.aws) parts.push(formatAwsTable(r.aws, width, maxRows));
  for (const n of r.notes) parts.push(prose(`Note: ${n}`));
  const warned = r.kubernetes?.credentialWarnings.length ?? 0;
  const warnedNote = warned === 0 ? "" : `${warningCount(warned)}, which ${warned === 1 ? "does" : "do"} not fail the audit: see Warnings`;
  if (r.pass) parts.push(r.kubernetes ? `audit: every claim holds${warned === 0 ? "" : ` (${warnedNote})`}\n` : r.aws ? "audit: every check holds\n" : "audit: nothing to check\n");
  else {
    const listed = r.failures.length > maxRows ? r.failures.slice(0, maxRows) : r.failures;
    const more = listed.length < r.failures.length ? `\n  ${moreRowsLine(listed.length, r.failures.length).replace("row", "problem")}` : "";
    parts.push(prose(`audit: FAILED (${r.failures.length} problem${r.failures.length === 1 ? "" : "s"}${warned === 0 ? "" : `; ${warnedNote}`})\n${listed.map((f) => `  - ${f}`).join("\n")}${more}`));
  }
  return parts.join("\n");
}

const CLAIM_TEXT: Record<string, string> = {
  "metadata-unreachable": "Cloud metadata is unreachable",
  "kubernetes-service-unreachable": "The Kubernetes API (kubernetes Service) is unreachable",
  "node-apiserver-unreachable": "The API server on node addresses is unreachable",
  "node-kubelet-unreachable": "The kubelet on node addresses is unreachable",
  "other-namespace-pods-unreachable": "Pods in other namespaces are unreachable",
  "unreachable-from-other-namespaces": "Runner pods are unreachable from other namespaces",
  "dns-udp-reachable": "DNS over UDP reaches kube-dns",
  "dns-tcp-reachable": "DNS over TCP reaches kube-dns",
  "public-https-reachable": "Public HTTPS is reachable",
};

/** The audit as a Markdown security checklist (what stack READMEs embed, generated, never hand-written). */
export function formatAuditChecklist(a: FleetAudit): string {
  const box = (ok: boolean) => (ok ? "[x]" : "[ ]");
  const lines = [`Computed by \`runner-fleet audit\` from the rendered objects; runner pods: ${a.isolation.runnerPods.map((p) => `\`${p}\``).join(", ") || "none"}.`, ""];
  for (const c of a.isolation.claims) lines.push(`- ${box(c.pass)} ${CLAIM_TEXT[c.claim] ?? c.claim}: \`${c.target}\` is ${c.actual} (${c.responsible.join("; ")})`);
  for (const p of a.podSecurity) {
    const n = p.restricted.length + p.hardening.length;
    const modes = p.containerModes.filter((m) => m.allowed).map((m) => `; ${m.message}, its ${p.accepted.length} finding${p.accepted.length === 1 ? "" : "s"} accepted`).join("");
    lines.push(`- ${box(n === 0)} Pod template \`${p.pod}\` meets Pod Security \`${p.level}\`, images pinned, requests and limits set, no service-account token${modes}${n === 0 ? "" : ` (${n} finding${n === 1 ? "" : "s"})`}`);
  }
  for (const g of a.roleGrants) lines.push(`- ${box(g.allowed)} Pod template \`${g.pod}\`: ${g.message}`);
  for (const n of a.namespaces) lines.push(`- ${box(n.pass)} Namespace \`${n.namespace}\`: ${n.message}`);
  lines.push(`- ${box(a.isolation.findings.length === 0)} No NetworkPolicy uses wildcard selectors or names a deny it does not enforce${a.isolation.findings.length === 0 ? "" : ` (${a.isolation.findings.length} findings)`}`);
  lines.push(...credentialLines(a.credentialWarnings));
  return lines.join("\n") + "\n";
}

/** Text in a Markdown code span (a backtick in the input would end it). */
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/**
 * One unchecked line per pod template whose containers take credentials from Secrets as
 * environment variables, marked as a warning (it does not fail the audit); none when there is none.
 */
function credentialLines(warnings: readonly CredentialWarning[]): string[] {
  const byPod = new Map<string, CredentialWarning[]>();
  for (const w of warnings) byPod.set(w.pod, [...(byPod.get(w.pod) ?? []), w]);
  return [...byPod].map(([pod, ws]) => {
    const each = ws.map((w) => `${w.variable === undefined ? `every key of Secret ${code(w.secret)} (envFrom)` : `${code(w.variable)} (Secret ${code(w.secret)}, key ${code(w.key ?? "")})`} in container ${code(w.container)}`);
    const runnerInput = ws.some((w) => w.variable?.startsWith("ACTIONS_RUNNER_INPUT_") === true);
    const fix = `mount them as files (\`secretFiles\` in a runner description, or a secret volume with defaultMode 0400)${runnerInput ? "; the actions runner takes `ACTIONS_RUNNER_INPUT_*` from its environment only: register just in time (`registration: jit`)" : ""}`;
    return `- [ ] Pod template ${code(pod)} passes no credential as an environment variable (warning, does not fail the audit; ${warningCount(ws.length)}): ${each.join("; ")}. Fix: ${fix}`;
  });
}
