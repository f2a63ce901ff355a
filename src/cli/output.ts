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

/** Renders rows as an aligned plain-text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + "\n");
}

/** Commander argument parser for a repeatable option: every occurrence is kept, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
