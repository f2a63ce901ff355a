/**
 * `runner-fleet audit --format svg`: the reachability matrix of the HTML page as one SVG document
 * (the summary line, a legend, the grid with hover titles, the numbered notes), for places that
 * embed images rather than pages. Monospace text, laid out by character count; every string from
 * the input is escaped.
 */
import type { FleetAudit } from "../audit/fleet-audit.ts";
import type { AuditReport } from "./audit-format.ts";
import { STATE_COLOURS, escapeHtml } from "./audit-html.ts";
import { STATE_TEXT, clean, matrixView, peerTitle, summaryLine, type CellState } from "./audit-matrix-view.ts";

const CHAR = 7.3;
const FONT = 12;
const PAD = 8;
const LINE = 16;
const MARGIN = 16;
/** Longest text a row header or a runner header shows (the full text is in its title). */
const MAX_HEADER = 60;

/** `text` with credential-shaped parts replaced, then cut to `max` characters (in this order, so no part of a secret survives the cut). */
const cut = (raw: string, max: number): string => {
  const text = clean(raw);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};
const width = (text: string): number => text.length * CHAR;

/** `text` broken at spaces into lines of at most `max` characters. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.flatMap((l) => (l.length > max ? (l.match(new RegExp(`.{1,${max}}`, "g")) ?? []) : [l]));
}

const textEl = (x: number, y: number, text: string, attrs = ""): string => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escapeHtml(text)}</text>`;

/** The matrix of a report that audited Kubernetes objects, as an SVG document. */
export function formatAuditSvg(report: AuditReport & { readonly kubernetes: FleetAudit }): string {
  const view = matrixView(report.kubernetes);
  const out: string[] = [];
  const rowHeader = Math.max(width("peer class or address"), ...view.rows.map((r) => Math.max(width(cut(peerTitle(r.peer), MAX_HEADER)), width(cut(r.peer.description, MAX_HEADER))))) + 2 * PAD;
  const cellText = (i: number, j: number): string => {
    const c = view.rows[i]!.cells[j]!;
    return c.ports.length === 0 ? "closed" : c.ports.map((p) => `${p.text}[${p.note}]`).join(" ");
  };
  const colWidth = Math.max(
    width("ingress (peer → runner)") + 2 * PAD,
    ...view.runners.map((r) => (width(cut(r, MAX_HEADER)) + 2 * PAD) / 2),
    ...view.rows.flatMap((_, i) => view.columns.map((_c, j) => width(cellText(i, j)) + 2 * PAD)),
  );
  const gridWidth = rowHeader + colWidth * view.columns.length;
  const totalWidth = Math.max(gridWidth, 720) + 2 * MARGIN;
  const chars = Math.floor((totalWidth - 2 * MARGIN) / CHAR);
  let y = MARGIN + FONT;
  out.push(textEl(MARGIN, y, `runner-fleet audit: ${report.target}`, ` font-weight="bold" font-size="${FONT + 3}"`));
  for (const line of wrap(summaryLine(report.kubernetes, view), chars)) {
    y += LINE;
    out.push(textEl(MARGIN, y, line, report.pass ? ` fill="#1b5e20"` : ` fill="#b71c1c"`));
  }
  // The legend: a swatch and its words per state.
  y += LINE / 2;
  let x = MARGIN;
  for (const s of Object.keys(STATE_TEXT) as CellState[]) {
    if (s === "forbidden" && view.counts.forbidden === 0) continue;
    const w = width(STATE_TEXT[s]) + 2 * PAD;
    if (x + w > totalWidth - MARGIN) {
      x = MARGIN;
      y += LINE + 6;
    }
    out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${LINE + 4}" fill="${STATE_COLOURS[s].fill}" stroke="#bdbdbd"/>`);
    out.push(textEl(x + PAD, y + LINE - 1, STATE_TEXT[s], ` fill="${STATE_COLOURS[s].text}"`));
    x += w + 8;
  }
  y += LINE + 14;
  if (view.runners.length === 0) {
    out.push(textEl(MARGIN, y + LINE, "No runner pod was found, so there is no matrix."));
    y += 2 * LINE;
  } else {
    // Header: the runner pods over two columns each, then the directions.
    const top = y;
    out.push(`<rect x="${MARGIN}" y="${top}" width="${rowHeader.toFixed(1)}" height="${2 * (LINE + 8)}" fill="#f5f5f5" stroke="#bdbdbd"/>`);
    out.push(textEl(MARGIN + PAD, top + LINE + 4, "peer class or address", ` font-weight="bold"`));
    view.runners.forEach((r, i) => {
      const rx = MARGIN + rowHeader + 2 * i * colWidth;
      out.push(`<g><title>${escapeHtml(r)}</title><rect x="${rx.toFixed(1)}" y="${top}" width="${(2 * colWidth).toFixed(1)}" height="${LINE + 8}" fill="#f5f5f5" stroke="#bdbdbd"/>`);
      out.push(`${textEl(rx + PAD, top + LINE, cut(r, MAX_HEADER), ` font-weight="bold"`)}</g>`);
    });
    view.columns.forEach((c, j) => {
      const cx = MARGIN + rowHeader + j * colWidth;
      out.push(`<rect x="${cx.toFixed(1)}" y="${top + LINE + 8}" width="${colWidth.toFixed(1)}" height="${LINE + 8}" fill="#f5f5f5" stroke="#bdbdbd"/>`);
      out.push(textEl(cx + PAD, top + 2 * LINE + 8, c.direction === "egress" ? "egress (runner → peer)" : "ingress (peer → runner)"));
    });
    y = top + 2 * (LINE + 8);
    const rowHeight = 2 * LINE + 8;
    view.rows.forEach((row, i) => {
      const p = row.peer;
      const named = p.namedBy.length > 0 ? `\nnamed by ${p.namedBy.join(", ")}` : "";
      out.push(`<g><title>${escapeHtml(`${p.label}\n${p.description}${named}`)}</title><rect x="${MARGIN}" y="${y.toFixed(1)}" width="${rowHeader.toFixed(1)}" height="${rowHeight}" fill="#ffffff" stroke="#bdbdbd"/>`);
      out.push(textEl(MARGIN + PAD, y + LINE, cut(peerTitle(p), MAX_HEADER)));
      out.push(`${textEl(MARGIN + PAD, y + 2 * LINE, cut(p.description, MAX_HEADER), ` fill="#616161"`)}</g>`);
      row.cells.forEach((c, j) => {
        const cx = MARGIN + rowHeader + j * colWidth;
        const colour = STATE_COLOURS[c.state];
        out.push(`<g class="${c.state}"><title>${escapeHtml(c.title)}</title><rect x="${cx.toFixed(1)}" y="${y.toFixed(1)}" width="${colWidth.toFixed(1)}" height="${rowHeight}" fill="${colour.fill}" stroke="#bdbdbd"/>`);
        out.push(`${textEl(cx + colWidth / 2, y + rowHeight / 2 + 4, cellText(i, j), ` text-anchor="middle" fill="${colour.text}"${c.state === "closed" ? "" : ` font-weight="bold"`}`)}</g>`);
      });
      y += rowHeight;
    });
    if (view.notes.length > 0) {
      y += LINE;
      out.push(textEl(MARGIN, y, "Rules that open each port", ` font-weight="bold"`));
      view.notes.forEach((n, i) => {
        wrap(`[${i + 1}] ${n}`, chars).forEach((line, k) => {
          y += LINE;
          out.push(textEl(MARGIN + (k === 0 ? 0 : 4 * CHAR), y, line));
        });
      });
    }
    y += LINE;
  }
  const height = Math.ceil(y + MARGIN);
  const w = Math.ceil(totalWidth);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${height}" viewBox="0 0 ${w} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT}">
<rect width="100%" height="100%" fill="#ffffff"/>
${out.join("\n")}
</svg>
`;
}
