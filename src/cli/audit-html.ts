/**
 * `runner-fleet audit --format html`: one self-contained page (inline CSS, no script, no external
 * font or image) with the summary, the isolation claims and the reachability matrix, whose open
 * ports carry their opening rules on hover and as numbered notes under the table (so a printout
 * or a screenshot shows them too). Every string from the input is escaped.
 */
import type { FleetAudit } from "../audit/fleet-audit.ts";
import type { AuditReport } from "./audit-format.ts";
import { STATE_TEXT, claimRows, clean, matrixView, peerTitle, summaryLine, type CellState, type MatrixView, type ViewRow } from "./audit-matrix-view.ts";

/** Text for HTML content and attribute values: credential-shaped parts replaced, `& < > " '` escaped. */
export function escapeHtml(text: string): string {
  return clean(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The colours of the states (background, text), shared with the SVG. */
export const STATE_COLOURS: Readonly<Record<CellState, { readonly fill: string; readonly text: string }>> = {
  lateral: { fill: "#d32f2f", text: "#ffffff" },
  forbidden: { fill: "#d32f2f", text: "#ffffff" },
  open: { fill: "#ffe082", text: "#3e2723" },
  expected: { fill: "#c8e6c9", text: "#1b5e20" },
  closed: { fill: "#eeeeee", text: "#757575" },
};

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem; color: #212121; background: #ffffff; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
.summary { font-weight: 600; } .summary.fail { color: #b71c1c; } .summary.pass { color: #1b5e20; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #bdbdbd; padding: .3rem .45rem; vertical-align: top; text-align: left; font-size: .85rem; }
th { background: #f5f5f5; }
td.pass { color: #1b5e20; font-weight: 600; } td.fail { color: #b71c1c; font-weight: 700; }
.matrix td.cell { text-align: center; white-space: nowrap; min-width: 6rem; }
th.peer { font-weight: 400; } th.peer .mono { font-weight: 700; }
.peer .desc { display: block; color: #616161; font-size: .8rem; } .peer .named { display: block; color: #616161; font-size: .75rem; }
${(Object.entries(STATE_COLOURS) as [CellState, { fill: string; text: string }][]).map(([s, c]) => `.${s} { background: ${c.fill}; color: ${c.text}; }`).join("\n")}
td.lateral, td.forbidden { font-weight: 700; }
.port { display: inline-block; margin: 0 .15rem; } sup a { color: inherit; }
.legend span { display: inline-block; padding: .1rem .5rem; margin: 0 .4rem .3rem 0; border: 1px solid #bdbdbd; font-size: .8rem; }
ol.notes, ul.failures { font-size: .8rem; padding-left: 2rem; } ol.notes li, ul.failures li { margin: .15rem 0; }
`;

/** One matrix row: the peer (label, description, the policy fields naming it) and its cells. */
function rowHtml(row: ViewRow): string {
  const p = row.peer;
  const named = p.namedBy.length > 0 ? `<span class="named">named by ${p.namedBy.map((n) => `<code>${escapeHtml(n)}</code>`).join(", ")}</span>` : "";
  const head = `<th class="peer" scope="row"><span class="mono">${escapeHtml(peerTitle(p))}</span><span class="desc">${escapeHtml(p.description)}</span>${named}</th>`;
  const cells = row.cells.map((c) => {
    const body = c.ports.length === 0 ? "closed" : c.ports.map((port) => `<span class="port">${escapeHtml(port.text)}<sup><a href="#note-${port.note}">${port.note}</a></sup></span>`).join(" ");
    return `<td class="cell ${c.state}" title="${escapeHtml(c.title)}">${body}</td>`;
  });
  return `<tr>${head}${cells.join("")}</tr>`;
}

/** The matrix table with its legend and notes. */
export function matrixHtml(view: MatrixView): string {
  if (view.runners.length === 0) return `<p>No runner pod was found, so there is no matrix.</p>`;
  const runners = view.runners.map((r) => `<th colspan="2" scope="colgroup"><code>${escapeHtml(r)}</code></th>`).join("");
  const directions = view.columns.map((c) => `<th scope="col">${c.direction === "egress" ? "egress (runner → peer)" : "ingress (peer → runner)"}</th>`).join("");
  const legend = (Object.keys(STATE_TEXT) as CellState[]).filter((s) => s !== "forbidden" || view.counts.forbidden > 0).map((s) => `<span class="${s}">${STATE_TEXT[s]}</span>`).join("");
  return [
    `<p class="legend">${legend}</p>`,
    `<table class="matrix"><thead><tr><th rowspan="2" scope="col">peer class or address</th>${runners}</tr><tr>${directions}</tr></thead>`,
    `<tbody>${view.rows.map(rowHtml).join("\n")}</tbody></table>`,
    view.notes.length > 0 ? `<h2>Rules that open each port</h2>\n<ol class="notes">${view.notes.map((n, i) => `<li id="note-${i + 1}">${escapeHtml(n)}</li>`).join("\n")}</ol>` : "",
  ].join("\n");
}

/**
 * The claims, one row per claim and target, one column per runner pod (pass or FAIL, what decides
 * it on hover), so the table stays short above the matrix; what decides each failure follows the
 * matrix in words.
 */
function claimsHtml(audit: FleetAudit): string {
  const rows = claimRows(audit);
  const pods = audit.isolation.runnerPods;
  const head = `<tr><th>claim</th><th>target</th><th>expected</th>${pods.map((p) => `<th><code>${escapeHtml(p)}</code></th>`).join("")}</tr>`;
  const body = rows.map((r) =>
    `<tr><td><code>${escapeHtml(r.claim)}</code></td><td>${escapeHtml(r.target)}</td><td>${r.expected}</td>` +
      pods.map((pod) => {
        const c = r.byPod.get(pod);
        if (c === undefined) return "<td>-</td>";
        return `<td class="${c.pass ? "pass" : "fail"}" title="${escapeHtml(`${c.target} is ${c.actual}: ${c.responsible.join("; ") || "no policy decides it"}`)}">${c.pass ? "pass" : "FAIL"}</td>`;
      }).join("") + "</tr>",
  );
  return `<table class="claims"><thead>${head}</thead>\n<tbody>${body.join("\n")}</tbody></table>`;
}

/** Each failed claim with what decides it. */
function failuresHtml(audit: FleetAudit): string {
  const failed = audit.isolation.claims.filter((c) => !c.pass);
  if (failed.length === 0) return "";
  const items = failed.map((c) => `<li><code>${escapeHtml(c.claim)}</code> for <code>${escapeHtml(c.pod)}</code>: ${escapeHtml(c.target)} is ${c.actual}, expected ${c.expected}. ${escapeHtml(c.responsible.join("; ") || "no policy isolates it")}</li>`);
  return `<h2>Failed claims</h2>\n<ul class="failures">${items.join("\n")}</ul>`;
}

/** The whole page for a report that audited Kubernetes objects. */
export function formatAuditHtml(report: AuditReport & { readonly kubernetes: FleetAudit }): string {
  const audit = report.kubernetes;
  const view = matrixView(audit);
  const net = report.network;
  const network = net === undefined ? "" : `<p>Cluster network: pods <code>${escapeHtml(net.podCidr)}</code>, services <code>${escapeHtml(net.serviceCidr)}</code>, nodes ${net.nodeCidrs.map((c) => `<code>${escapeHtml(c)}</code>`).join(", ")}${net.nodeAddresses ? ` (probed at ${net.nodeAddresses.map((a) => `<code>${escapeHtml(a)}</code>`).join(", ")})` : ""}; from ${escapeHtml(net.source)}.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>runner-fleet audit: ${escapeHtml(report.target)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>runner-fleet audit: <code>${escapeHtml(report.target)}</code></h1>
<p class="summary ${report.pass ? "pass" : "fail"}">${escapeHtml(summaryLine(audit, view))}</p>
${network}
<h2>Isolation claims</h2>
${claimsHtml(audit)}
<h2>Reachability matrix</h2>
<p>Rows: the classes of pods the NetworkPolicies tell apart and the addresses the claims probe. Columns: each runner pod, egress (runner to peer) and ingress (peer to runner). A cell lists the open ports; hover for the rules that open them, or see the numbered notes.</p>
${matrixHtml(view)}
${failuresHtml(audit)}
</body>
</html>
`;
}
