/** Output helpers shared by the CLI commands: plain tables, JSON, exit codes, progress. */
import { writeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { redactCredentials } from "../model/credential-shape.ts";

/** Exit codes of every `runner-fleet` command. */
export const EXIT = {
  /** Success, no findings. */
  ok: 0,
  /** The command ran and found problems: drift, invalid documents, failed claims, findings. */
  findings: 1,
  /** Bad usage or bad input: unknown flags, missing files, invalid configuration. */
  usage: 2,
} as const;

/**
 * An error that ends the command with a message (never a stack trace) and an exit code. Nothing
 * credential-shaped survives in the message (see `model/credential-shape.ts`).
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(redactCredentials(message));
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/**
 * The width tables must fit: the terminal's on a TTY, else `$COLUMNS` when set, else unlimited
 * (piped output keeps one line per row, for grep).
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env["COLUMNS"]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Number.POSITIVE_INFINITY;
}

/** Breaks text into lines of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      let w = word;
      while (w.length > width) {
        if (line !== "") {
          out.push(line);
          line = "";
        }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (line === "") {
        line = w;
      } else if (line.length + 1 + w.length <= width) {
        line += ` ${w}`;
      } else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

const GAP = 2;
/** Columns are not squeezed below this, so that short cells stay whole. */
const MIN_COLUMN = 6;

/** Rows as blocks of `HEADER: value` lines, values wrapped to the width; for terminals too narrow for columns. */
function records(headers: readonly string[], rows: readonly (readonly string[])[], width: number): string {
  let label = 0;
  for (const h of headers) label = Math.max(label, h.length + 2);
  const blocks: string[] = [];
  for (const r of rows) {
    const lines: string[] = [];
    headers.forEach((h, i) => {
      const value = r[i] ?? "";
      if (value === "") return;
      wrapText(value, Math.max(20, width - label)).forEach((l, n) => lines.push((n === 0 ? `${h}:`.padEnd(label) : " ".repeat(label)) + l));
    });
    blocks.push(lines.join("\n"));
  }
  return `${blocks.join("\n\n")}\n`;
}

/** Wraps prose (notes, verdict lines) to the width, keeping each line's indentation on its continuations. */
export function wrapProse(text: string, width = terminalWidth()): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split("\n")
    .flatMap((line) => {
      const indent = /^\s*(- )?/.exec(line)?.[0] ?? "";
      const pad = " ".repeat(indent.length);
      return wrapText(line.slice(indent.length), Math.max(20, width - indent.length)).map((l, i) => (i === 0 ? indent : pad) + l);
    })
    .join("\n");
}

/**
 * Column widths that fit `width`: columns narrower than a fair share keep their width, the rest
 * share what is left in proportion to their natural width (never below a few characters).
 */
function fitWidths(natural: readonly number[], width: number): number[] {
  const available = width - GAP * (natural.length - 1);
  if (natural.reduce((a, b) => a + b, 0) <= available) return [...natural];
  const fixed = new Set<number>();
  let left = available;
  for (let changed = true; changed; ) {
    changed = false;
    const open = natural.map((_, i) => i).filter((i) => !fixed.has(i));
    const share = left / Math.max(1, open.length);
    for (const i of open) {
      if ((natural[i] ?? 0) <= share) {
        fixed.add(i);
        left -= natural[i] ?? 0;
        changed = true;
      }
    }
  }
  const open = natural.map((_, i) => i).filter((i) => !fixed.has(i));
  const openTotal = open.reduce((a, i) => a + (natural[i] ?? 0), 0);
  const widths = natural.map((n, i) => (fixed.has(i) ? n : Math.max(MIN_COLUMN, Math.floor((left * n) / Math.max(1, openTotal)))));
  // The minimum may have pushed the total over: take it back from the widest columns.
  for (let over = widths.reduce((a, b) => a + b, 0) - available; over > 0; over--) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= MIN_COLUMN) break; // every column at its minimum: the line runs long
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** How many rows a table shows: the first 50 on a terminal, every row when the output goes to a file or a program. */
export const TERMINAL_ROWS = 50;

/** The row limit for `stream`: {@link TERMINAL_ROWS} on a terminal, else unlimited. */
export function rowLimit(stream: { isTTY?: boolean } = process.stdout): number {
  return stream.isTTY === true ? TERMINAL_ROWS : Number.POSITIVE_INFINITY;
}

/** The line that stands for rows a table leaves out. */
export function moreRowsLine(shown: number, total: number): string {
  const more = total - shown;
  return `… and ${more.toLocaleString("en-US")} more row${more === 1 ? "" : "s"} (${total.toLocaleString("en-US")} in all): use --json for all of them`;
}

/** The longest line of a cell. */
function cellWidth(cell: string): number {
  if (!cell.includes("\n")) return cell.length;
  let max = 0;
  for (const line of cell.split("\n")) max = Math.max(max, line.length);
  return max;
}

/** Rows given one at a time (built when asked for), so that a table of any size need not hold them all. */
export interface RowSource {
  readonly length: number;
  row(index: number): readonly string[];
}

type Rows = readonly (readonly string[])[] | RowSource;

const rowAt = (rows: Rows, i: number): readonly string[] => ("row" in rows ? rows.row(i) : (rows as readonly (readonly string[])[])[i]!);

/** The longest word of a column (what it cannot be narrower than without breaking words). */
function longestWord(header: string, rows: Rows, count: number, i: number): number {
  let max = header.length;
  for (let r = 0; r < count; r++) for (const w of (rowAt(rows, r)[i] ?? "").split(/\s+/)) max = Math.max(max, w.length);
  return max;
}

/** Lines are handed over in chunks of this many. */
const CHUNK_LINES = 2000;

/**
 * Writes rows as an aligned plain-text table through `write`, in chunks: the same output as
 * {@link table}, without ever holding the whole text (or, with a {@link RowSource}, the rows).
 */
export function writeTable(write: (text: string) => void, headers: readonly string[], rows: Rows, width = terminalWidth(), maxRows = rowLimit()): void {
  const count = Math.min(rows.length, Math.max(0, maxRows));
  const tail = count < rows.length ? `${moreRowsLine(count, rows.length)}\n` : "";
  const natural = headers.map((h) => h.length);
  for (let r = 0; r < count; r++) {
    const row = rowAt(rows, r);
    for (let i = 0; i < headers.length; i++) natural[i] = Math.max(natural[i] ?? 0, cellWidth(row[i] ?? ""));
  }
  const widths = Number.isFinite(width) ? fitWidths(natural, width) : natural;
  // Too narrow for columns (a header or a word would break): one block of "HEADER: value" lines per row.
  const squeezed = (w: number, i: number) => w < (natural[i] ?? 0) && w < Math.min(longestWord(headers[i] ?? "", rows, count, i), 24);
  if (widths.some(squeezed)) {
    const shown: (readonly string[])[] = [];
    for (let r = 0; r < count; r++) shown.push(rowAt(rows, r));
    write(records(headers, shown, width) + tail);
    return;
  }
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) write(`${lines.join("\n")}\n`);
    lines = [];
  };
  const render = (cells: readonly string[]): void => {
    const wrapped = cells.map((c, i) => {
      const w = Math.max(1, widths[i] ?? 1);
      return !c.includes("\n") && c.length <= w ? [c] : wrapText(c, w);
    });
    let height = 0;
    for (const w of wrapped) height = Math.max(height, w.length);
    for (let l = 0; l < height; l++) {
      lines.push(wrapped.map((w, i) => (i === wrapped.length - 1 ? (w[l] ?? "") : (w[l] ?? "").padEnd(widths[i] ?? 0))).join(" ".repeat(GAP)).trimEnd());
    }
    if (lines.length >= CHUNK_LINES) flush();
  };
  render(headers);
  lines.push(widths.map((w) => "-".repeat(w)).join(" ".repeat(GAP)).trimEnd());
  for (let r = 0; r < count; r++) {
    const row = rowAt(rows, r);
    render(headers.map((_, i) => row[i] ?? ""));
  }
  flush();
  if (tail !== "") write(tail);
}

/**
 * Renders rows as an aligned plain-text table. With a finite `width` (the terminal's), long cells
 * wrap inside their column so that every line fits; `--json` carries the full text either way.
 * At most `maxRows` rows are shown (the first 50 on a terminal), followed by a line that counts
 * the others. Any number of rows works: nothing is spread into arguments or recursed per row.
 */
export function table(headers: readonly string[], rows: Rows, width = terminalWidth(), maxRows = rowLimit()): string {
  const parts: string[] = [];
  writeTable((text) => parts.push(text), headers, rows, width, maxRows);
  return parts.join("");
}

export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + "\n");
}

/** Commander argument parser for a repeatable option: every occurrence is kept, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Where progress goes: standard error (file descriptor 2), when it is a terminal. */
interface ProgressTarget {
  readonly isTTY?: boolean;
  /** The file descriptor the line is written to. @default 2 */
  readonly fd?: number;
}

/** The worker module next to this file: `.ts` when run from source, `.js` from the build. */
const PROGRESS_WORKER = new URL(`./progress-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/**
 * Runs `work` and, when it takes longer than `delayMs` and standard error is a terminal, shows what
 * is running and for how long on one line, erased when the work ends. The line is drawn by a worker
 * thread, so it moves even while the work keeps this thread busy. Nothing is printed when standard
 * error is not a terminal or `quiet` is set (`--json`).
 */
export async function withProgress<T>(label: string, work: () => Promise<T>, opts: { quiet?: boolean; target?: ProgressTarget; delayMs?: number } = {}): Promise<T> {
  const target = opts.target ?? { isTTY: process.stderr.isTTY, fd: 2 };
  if (opts.quiet === true || target.isTTY !== true) return work();
  const fd = target.fd ?? 2;
  const flags = new Int32Array(new SharedArrayBuffer(12));
  const worker = new Worker(PROGRESS_WORKER, { workerData: { flags: flags.buffer, fd, label, delayMs: opts.delayMs ?? 1000 } });
  worker.unref();
  try {
    return await work();
  } finally {
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    Atomics.wait(flags, 2, 0, 1000);
    if (Atomics.load(flags, 1) === 1) writeSync(fd, "\r\x1b[2K");
    void worker.terminate();
  }
}
