/**
 * systemd unit files as typed documents: sections of key/value entries, serialised in order.
 * Command lines are given as argv and quoted for systemd (which does its own word splitting and
 * expands `$VAR` and `%` specifiers, so both are escaped).
 */
import type { GuestService } from "../../model/runner-guest.ts";

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

/** The sandbox every runner service gets: only the runner's home (and its runtime directory) is writable. */
const GUEST_HARDENING: readonly UnitEntry[] = [
  ["UMask", "0077"],
  ["NoNewPrivileges", "yes"],
  ["CapabilityBoundingSet", ""],
  ["AmbientCapabilities", ""],
  ["ProtectSystem", "strict"],
];
const GUEST_PROTECTIONS: readonly UnitEntry[] = [
  ["PrivateTmp", "yes"],
  ["PrivateDevices", "yes"],
  ["ProtectKernelTunables", "yes"],
  ["ProtectKernelModules", "yes"],
  ["ProtectKernelLogs", "yes"],
  ["ProtectControlGroups", "yes"],
  ["ProtectClock", "yes"],
  ["ProtectHostname", "yes"],
  ["RestrictSUIDSGID", "yes"],
  ["RestrictRealtime", "yes"],
  ["RestrictNamespaces", "yes"],
  ["LockPersonality", "yes"],
  ["SystemCallArchitectures", "native"],
  ["RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"],
];

/**
 * The runner service of a guest description as a unit: run as the runner user, sandboxed, with
 * its exit behaviour: `restart` restarts a failed daemon; `power-off` powers the machine off when
 * the main process ends, whether it succeeded or failed, and never restarts it.
 */
export function guestServiceUnit(s: GuestService): SystemdUnit {
  const powerOff = s.onExit === "power-off";
  const after = ["network-online.target", ...(s.requires ?? [])].join(" ");
  return {
    fileName: s.unit,
    comment: s.comment,
    sections: [
      {
        name: "Unit",
        entries: [
          ["Description", s.description],
          ["Documentation", s.documentation],
          ["Wants", "network-online.target"],
          ["After", after],
          ...(s.requires ?? []).map((r): UnitEntry => ["Requires", r]),
          ...(s.conditionPathExists === undefined ? [] : [["ConditionPathExists", s.conditionPathExists] as UnitEntry]),
          ...(powerOff ? [["SuccessAction", "poweroff"], ["FailureAction", "poweroff"]] as UnitEntry[] : []),
        ],
      },
      {
        name: "Service",
        entries: [
          ["Type", "simple"],
          ["User", s.user],
          ["Group", s.user],
          ...(s.supplementaryGroups ?? []).map((g): UnitEntry => ["SupplementaryGroups", g]),
          ["WorkingDirectory", s.workingDirectory],
          ...(s.environment ?? []).map((e): UnitEntry => ["Environment", e]),
          ...(s.runtimeDirectory === undefined ? [] : [["RuntimeDirectory", s.runtimeDirectory], ["RuntimeDirectoryMode", "0700"]] as UnitEntry[]),
          // `+`: these run as root, outside the sandbox (they hand the runner what only root may read).
          ...(s.execStartPreAsRoot ?? []).map((argv): UnitEntry => ["ExecStartPre", `+${execLine(argv)}`]),
          ["ExecStart", execLine(s.execStart)],
          // Also as root, after the main process and before SuccessAction/FailureAction.
          ...(s.execStopPostAsRoot ?? []).map((argv): UnitEntry => ["ExecStopPost", `+${execLine(argv)}`]),
          ...(powerOff ? [["Restart", "no"]] as UnitEntry[] : [["Restart", "on-failure"], ["RestartSec", "10s"]] as UnitEntry[]),
          ["TimeoutStopSec", "5min"],
          ...GUEST_HARDENING,
          ["ReadWritePaths", s.workingDirectory],
          ...GUEST_PROTECTIONS,
        ],
      },
      { name: "Install", entries: [["WantedBy", "multi-user.target"]] },
    ],
  };
}
