import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FORWARD_FIX, forwardFixInstallScript, forwardFixScript, forwardFixService, forwardFixTimer, forwardFixUninstallScript,
} from "./forward-fix.ts";
import { renderShellScript } from "./shell.ts";
import { renderSystemdUnit, unitValues } from "./systemd.ts";
import { needs, requireTool } from "../../../test/validators.ts";

function shellcheck(name: string, text: string): void {
  const dir = mkdtempSync(join(tmpdir(), "fwd-"));
  writeFileSync(join(dir, name), text);
  const r = spawnSync("shellcheck", ["--shell=sh", join(dir, name)], { encoding: "utf8" });
  assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

/** iptables/ip6tables stand-ins keeping FORWARD rules in a file per tool; -C/-I/-D as the real ones. */
const FAKE_IPTABLES = `#!/bin/sh
f="$FAKE_DIR/$(basename "$0").rules"
touch "$f"
op=""
for a in "$@"; do case "$a" in -C|-I|-D) op=$a ;; esac; done
rule=$(printf '%s ' "$@" | sed 's/^-w 10 -[CID] //')
echo "$(basename "$0") $op" >>"$FAKE_DIR/calls"
case "$op" in
  -C) grep -qxF "$rule" "$f" ;;
  -I) { echo "$rule"; cat "$f"; } >"$f.new" && mv "$f.new" "$f" ;;
  -D) grep -vxF "$rule" "$f" >"$f.new" || true; mv "$f.new" "$f" ;;
esac
`;

function fakeHost(): { dir: string; run: (script: string) => ReturnType<typeof spawnSync>; rules: (tool: string) => string[]; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "fwd-host-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const tool of ["iptables", "ip6tables"]) {
    writeFileSync(join(bin, tool), FAKE_IPTABLES);
    chmodSync(join(bin, tool), 0o755);
  }
  const script = join(dir, "fix.sh");
  const read = (f: string) => readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l !== "");
  return {
    dir,
    run: (text) => {
      writeFileSync(script, text);
      return spawnSync("/bin/sh", [script], { encoding: "utf8", env: { ...process.env, FAKE_DIR: dir, PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
    },
    rules: (tool) => read(`${tool}.rules`),
    calls: () => read("calls"),
  };
}

const RULE = "FORWARD -m physdev --physdev-is-bridged -j ACCEPT ";

test("the fix inserts the bridged ACCEPT rule only when it is missing, and again after a reset", () => {
  const host = fakeHost();
  const text = renderShellScript(forwardFixScript());
  assert.equal(host.run(text).status, 0);
  assert.equal(host.run(text).status, 0);
  assert.deepEqual(host.rules("iptables"), [RULE], "one rule after two runs");
  assert.deepEqual(host.rules("ip6tables"), [RULE]);
  // kube-router re-syncs FORWARD: the rule is gone until the next timer run.
  writeFileSync(join(host.dir, "iptables.rules"), "");
  assert.equal(host.run(text).status, 0);
  assert.deepEqual(host.rules("iptables"), [RULE]);
  assert.deepEqual(host.calls().filter((c) => c === "iptables -I"), ["iptables -I", "iptables -I"]);
});

test("the fix script uses the check-or-insert form with the xtables lock wait", () => {
  const text = renderShellScript(forwardFixScript());
  assert.match(text, /^iptables -w 10 -C FORWARD -m physdev --physdev-is-bridged -j ACCEPT >\/dev\/null 2>&1 \|\| iptables -w 10 -I FORWARD -m physdev --physdev-is-bridged -j ACCEPT$/m);
});

test("the uninstaller removes every copy of the rule", () => {
  const host = fakeHost();
  writeFileSync(join(host.dir, "iptables.rules"), `${RULE}\n${RULE}\n`);
  const text = renderShellScript(forwardFixUninstallScript()).replace(/^(systemctl|rm) .*$/gm, ":");
  assert.equal(host.run(text).status, 0);
  assert.deepEqual(host.rules("iptables"), []);
});

test("the timer runs at boot and every 60 seconds after each run", () => {
  const timer = forwardFixTimer();
  assert.deepEqual(unitValues(timer, "Timer", "OnBootSec"), ["30s"]);
  assert.deepEqual(unitValues(timer, "Timer", "OnUnitActiveSec"), ["60s"]);
  assert.deepEqual(unitValues(timer, "Timer", "Unit"), [FORWARD_FIX.service]);
  assert.deepEqual(unitValues(timer, "Install", "WantedBy"), ["timers.target"]);
  assert.deepEqual(unitValues(forwardFixService(), "Service", "Type"), ["oneshot"]);
});

test("installer, uninstaller, fix script and ExecStart lines are shellcheck-clean", needs("shellcheck"), () => {
  requireTool("shellcheck");
  shellcheck("install.sh", renderShellScript(forwardFixInstallScript()));
  shellcheck("uninstall.sh", renderShellScript(forwardFixUninstallScript()));
  shellcheck("fix.sh", renderShellScript(forwardFixScript()));
  for (const e of unitValues(forwardFixService(), "Service", "ExecStart")) shellcheck("exec.sh", `#!/bin/sh\n${e}\n`);
});

test("the installer writes exactly the rendered units and script, enables the timer and applies the rule now", () => {
  const text = renderShellScript(forwardFixInstallScript());
  for (const content of [renderSystemdUnit(forwardFixService()), renderSystemdUnit(forwardFixTimer()), renderShellScript(forwardFixScript())]) {
    assert.ok(text.includes(`<<'RUNNER_FLEET_EOF'\n${content}RUNNER_FLEET_EOF\n`), "content is written verbatim by a quoted here-document");
  }
  assert.match(text, /^systemctl enable --now runner-fleet-bridge-forward\.timer$/m);
  assert.match(text, /^systemctl start runner-fleet-bridge-forward\.service$/m);
  assert.match(text, /^if cmp -s /m, "files are only replaced when they changed");
});
