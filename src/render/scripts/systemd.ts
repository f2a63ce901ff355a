/**
 * systemd unit files as typed documents: sections of key/value entries, serialised in order.
 * Command lines are given as argv and quoted for systemd (which does its own word splitting and
 * expands `$VAR` and `%` specifiers, so both are escaped).
 */

export type UnitEntry = readonly [key: string, value: string];

export interface UnitSection {
  readonly name: "Unit" | "Service" | "Timer" | "Install";
  readonly entries: readonly UnitEntry[];
}

export interface SystemdUnit {
  /** File name, e.g. `forgejo-runner.service`. */
  readonly fileName: string;
  /** Header comment lines. */
  readonly comment: string;
  readonly sections: readonly UnitSection[];
}

const PLAIN = /^[A-Za-z0-9_./:=@+,-]+$/;

/** Quotes one argument of an Exec line for systemd. */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (arg !== "" && PLAIN.test(arg)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** An `ExecStart=`-style value from argv; the first word must be an absolute path. */
export function execLine(argv: readonly string[]): string {
  const [first] = argv;
  if (first === undefined || !first.startsWith("/")) throw new Error("an Exec command needs an absolute executable path");
  return argv.map(systemdQuote).join(" ");
}

export function renderSystemdUnit(u: SystemdUnit): string {
  const out: string[] = u.comment.split("\n").map((l) => `# ${l}`.trimEnd());
  for (const s of u.sections) {
    out.push("", `[${s.name}]`);
    for (const [k, v] of s.entries) {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k)) throw new Error(`not a unit key: ${k}`);
      if (/[\r\n]/.test(v)) throw new Error(`unit value of ${k} spans lines`);
      out.push(`${k}=${v}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** The values of one key in one section (for tests and audits). */
export function unitValues(u: SystemdUnit, section: UnitSection["name"], key: string): string[] {
  return u.sections.filter((s) => s.name === section).flatMap((s) => s.entries.filter(([k]) => k === key).map(([, v]) => v));
}
