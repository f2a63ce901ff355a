/**
 * The k3s FORWARD fix for a libvirt host that also runs k3s. With `br_netfilter` loaded
 * (`bridge-nf-call-iptables=1`), frames between the VM's tap and the uplink on the host bridge
 * traverse the iptables FORWARD chain, whose policy k3s/kube-router (and Docker) set to DROP;
 * kube-router also flushes and re-syncs its rules periodically. A rule added once at boot is
 * therefore lost, so a systemd timer re-asserts it every minute: check, insert only when missing.
 * See docs/forgejo-libvirt.md.
 */
import {
  type ShellNode, type ShellScript, assign, blank, cmd, comment, fail, heredoc, ifThen, not, or, ref, renderShellScript, test, whileDo, withIo,
} from "./shell.ts";
import { type SystemdUnit, execLine, renderSystemdUnit } from "./systemd.ts";

export const FORWARD_FIX = {
  script: "/usr/local/sbin/runner-fleet-bridge-forward",
  service: "runner-fleet-bridge-forward.service",
  timer: "runner-fleet-bridge-forward.timer",
  unitDir: "/etc/systemd/system",
  /** The rule, after `iptables -C|-I|-D FORWARD`. */
  rule: ["-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"],
  /** Seconds to wait for the xtables lock, which kube-router holds while it syncs. */
  lockWaitSeconds: 10,
  /** Timer: first run after boot, then this long after each run. */
  onBootSec: "30s",
  onUnitActiveSec: "60s",
} as const;

const ipt = (tool: "iptables" | "ip6tables", op: "-C" | "-I" | "-D") => cmd(tool, "-w", String(FORWARD_FIX.lockWaitSeconds), op, "FORWARD", ...FORWARD_FIX.rule);

/** `iptables -C FORWARD <rule> || iptables -I FORWARD <rule>` for IPv4, and (best effort) for IPv6 when ip6tables exists. */
export function forwardFixScript(): ShellScript {
  return {
    description: "Keeps bridged traffic (libvirt VMs on a host bridge) accepted in the FORWARD chain.\nRun by runner-fleet-bridge-forward.timer; inserts the rule only when it is missing.",
    body: [
      or(withIo(ipt("iptables", "-C"), { quiet: true }), ipt("iptables", "-I")),
      // IPv6 is best effort: a host without IPv6 netfilter must not fail the IPv4 fix.
      ifThen(withIo(cmd("command", "-v", "ip6tables"), { quiet: true }), [
        or(withIo(ipt("ip6tables", "-C"), { quiet: true }), ipt("ip6tables", "-I"), withIo(cmd("echo", "runner-fleet: could not insert the IPv6 FORWARD rule"), { toStderr: true })),
      ]),
    ],
  };
}

export function forwardFixService(): SystemdUnit {
  return {
    fileName: FORWARD_FIX.service,
    comment: "Re-asserts the bridged-traffic ACCEPT rule in FORWARD (runner-fleet k3s FORWARD fix).",
    sections: [
      {
        name: "Unit",
        entries: [
          ["Description", "Accept bridged traffic in the iptables FORWARD chain"],
          ["Documentation", "man:iptables-extensions(8)"],
          ["After", "network-pre.target"],
        ],
      },
      { name: "Service", entries: [["Type", "oneshot"], ["ExecStart", execLine([FORWARD_FIX.script])], ["TimeoutStartSec", "60s"]] },
    ],
  };
}

export function forwardFixTimer(): SystemdUnit {
  return {
    fileName: FORWARD_FIX.timer,
    comment: "Runs the FORWARD fix at boot and every minute: kube-router resets FORWARD and re-syncs its rules periodically.",
    sections: [
      { name: "Unit", entries: [["Description", "Keep bridged traffic accepted in FORWARD"]] },
      {
        name: "Timer",
        entries: [
          ["OnBootSec", FORWARD_FIX.onBootSec],
          ["OnUnitActiveSec", FORWARD_FIX.onUnitActiveSec],
          ["AccuracySec", "5s"],
          ["Unit", FORWARD_FIX.service],
        ],
      },
      { name: "Install", entries: [["WantedBy", "timers.target"]] },
    ],
  };
}

/** Writes `content` to `path` only when it differs, setting `changed=1` when it wrote. */
export function installIfChanged(path: string, mode: string, content: string): ShellNode[] {
  const next = `${path}.runner-fleet-new`;
  return [
    heredoc(withIo(cmd("cat"), { stdout: next }), content),
    cmd("chmod", mode, next),
    ifThen(cmd("cmp", "-s", next, path), [cmd("rm", "-f", next)], [cmd("mv", "-f", next, path), assign("changed", "1")]),
  ];
}

/** Idempotent installer (run as root on the libvirt host): script, service and timer, then enables the timer and applies the rule now. */
export function forwardFixInstallScript(): ShellScript {
  return {
    description: "Installs the runner-fleet k3s FORWARD fix (script, service, timer) and applies it now. Idempotent.",
    body: [
      ifThen(not(withIo(cmd("command", "-v", "iptables"), { quiet: true })), fail("iptables is not installed; the FORWARD fix needs it")),
      assign("changed", "0"),
      ...installIfChanged(FORWARD_FIX.script, "0755", renderShellScript(forwardFixScript())),
      ...installIfChanged(`${FORWARD_FIX.unitDir}/${FORWARD_FIX.service}`, "0644", renderSystemdUnit(forwardFixService())),
      ...installIfChanged(`${FORWARD_FIX.unitDir}/${FORWARD_FIX.timer}`, "0644", renderSystemdUnit(forwardFixTimer())),
      ifThen(test(ref("changed"), "=", "1"), [cmd("systemctl", "daemon-reload")]),
      cmd("systemctl", "enable", "--now", FORWARD_FIX.timer),
      blank,
      comment("Apply the rule right away instead of waiting for the timer."),
      cmd("systemctl", "start", FORWARD_FIX.service),
    ],
  };
}

/** Removes the fix: timer, service, script, and the rule itself. */
export function forwardFixUninstallScript(): ShellScript {
  return {
    description: "Removes the runner-fleet k3s FORWARD fix and its rule.",
    body: [
      or(withIo(cmd("systemctl", "disable", "--now", FORWARD_FIX.timer), { quiet: true }), cmd("true")),
      cmd("rm", "-f", `${FORWARD_FIX.unitDir}/${FORWARD_FIX.timer}`, `${FORWARD_FIX.unitDir}/${FORWARD_FIX.service}`, FORWARD_FIX.script),
      cmd("systemctl", "daemon-reload"),
      ...(["iptables", "ip6tables"] as const).map((tool) =>
        ifThen(withIo(cmd("command", "-v", tool), { quiet: true }), [
          whileDo(withIo(ipt(tool, "-C"), { quiet: true }), [ipt(tool, "-D")]),
        ])),
    ],
  };
}
