/** Output helpers shared by the CLI commands: plain tables, JSON, exit codes. */

/** Exit codes of every `runner-fleet` command. */
export const EXIT = {
  /** Success, no findings. */
  ok: 0,
  /** The command ran and found problems: drift, invalid documents, failed claims, findings. */
  findings: 1,
  /** Bad usage or bad input: unknown flags, missing files, invalid configuration. */
  usage: 2,
} as const;

/** An error that ends the command with a message (never a stack trace) and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
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
const MIN_COLUMN = 8;

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
  return natural.map((n, i) => (fixed.has(i) ? n : Math.max(MIN_COLUMN, Math.floor((left * n) / Math.max(1, openTotal)))));
}

/**
 * Renders rows as an aligned plain-text table. With a finite `width` (the terminal's), long cells
 * wrap inside their column so that every line fits; `--json` carries the full text either way.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], width = terminalWidth()): string {
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.max(...(r[i] ?? "").split("\n").map((l) => l.length)))));
  const widths = Number.isFinite(width) ? fitWidths(natural, width) : natural;
  const render = (cells: readonly string[]): string[] => {
    const wrapped = cells.map((c, i) => wrapText(c, Math.max(1, widths[i] ?? 1)));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, l) =>
      wrapped.map((w, i) => (i === wrapped.length - 1 ? (w[l] ?? "") : (w[l] ?? "").padEnd(widths[i] ?? 0))).join(" ".repeat(GAP)).trimEnd(),
    );
  };
  return [...render(headers), render(widths.map((w) => "-".repeat(w)))[0] ?? "", ...rows.flatMap(render)].join("\n") + "\n";
}

export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + "\n");
}

/** Commander argument parser for a repeatable option: every occurrence is kept, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Where progress goes: standard error, when it is a terminal. */
interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Runs `work` and, when it takes longer than `delayMs` and `stream` is a terminal, shows what is
 * running and for how long on one line of standard error, erased when the work ends. Nothing is
 * printed when standard error is not a terminal or `quiet` is set (`--json`).
 */
export async function withProgress<T>(label: string, work: () => Promise<T>, opts: { quiet?: boolean; stream?: ProgressStream; delayMs?: number } = {}): Promise<T> {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet === true || stream.isTTY !== true) return work();
  const started = Date.now();
  let shown = false;
  const frames = ["|", "/", "-", "\\"];
  let frame = 0;
  const tick = () => {
    shown = true;
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r\x1b[2K${frames[frame++ % frames.length] ?? ""} ${label} ${seconds}s`);
  };
  let timer: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    tick();
    timer = setInterval(tick, 250);
  }, opts.delayMs ?? 1000);
  try {
    return await work();
  } finally {
    clearTimeout(first);
    if (timer) clearInterval(timer);
    if (shown) stream.write("\r\x1b[2K");
  }
}
