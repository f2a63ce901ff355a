import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { resolveForgejoVm } from "../../model/forgejo-vm.ts";
import { RUNNER_ALERT_GROUPS, renderRunnerAlertGroups } from "../monitoring/runner-alerts.ts";
import { FORGEJO_NODE_EXPORTER_DROP_IN, GUEST, REDACTED, forgejoGuest, installRunnerScript, labelsArgument, registerRunnerScript, runnerServiceUnit } from "./runner-guest.ts";
import { renderShellScript } from "./shell.ts";
import { renderSystemdUnit, unitValues } from "./systemd.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const vm = resolveForgejoVm(parse(readFileSync(join(repoRoot, "test/fixtures/libvirt/forgejo-vm.yaml"), "utf8")));

function shellcheck(name: string, text: string): void {
  const dir = mkdtempSync(join(tmpdir(), "guest-"));
  writeFileSync(join(dir, name), text);
  const r = spawnSync("shellcheck", ["--shell=sh", join(dir, name)], { encoding: "utf8" });
  assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}${r.stderr}`);
}

test("the guest scripts are shellcheck-clean", needs("shellcheck"), () => {
  requireTool("shellcheck");
  shellcheck("install-forgejo-runner", renderShellScript(installRunnerScript(vm)));
  shellcheck("register-forgejo-runner", renderShellScript(registerRunnerScript(vm)));
});

test("every ExecStart of the runner unit is a shellcheck-clean command", needs("shellcheck"), () => {
  requireTool("shellcheck");
  const unit = runnerServiceUnit();
  const execs = unitValues(unit, "Service", "ExecStart");
  assert.deepEqual(execs, ["/usr/local/bin/forgejo-runner daemon -c /etc/forgejo-runner/config.yaml"]);
  for (const e of execs) shellcheck("execstart.sh", `#!/bin/sh\n${e}\n`);
});

test("the installer refuses a download whose SHA-256 differs, before installing anything", (t) => {
  if (existsSync(GUEST.binary)) return t.skip(`${GUEST.binary} exists on this machine`);
  const dir = mkdtempSync(join(tmpdir(), "install-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // A curl stand-in that "downloads" the wrong bytes to --output.
  writeFileSync(join(bin, "curl"), '#!/bin/sh\nwhile [ "$#" -gt 0 ]; do if [ "$1" = --output ]; then printf "not the runner" >"$2"; fi; shift; done\n');
  chmodSync(join(bin, "curl"), 0o755);
  const script = join(dir, "install.sh");
  writeFileSync(script, renderShellScript(installRunnerScript(vm)));
  const r = spawnSync("/bin/sh", [script], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /checksum mismatch for https:\/\/code\.forgejo\.org\/forgejo\/runner\/releases\/download\/v12\.6\.4\/forgejo-runner-12\.6\.4-linux-amd64: expected sha256 fe83c5d5/);
  assert.equal(existsSync(GUEST.binary), false);
});

test("the installer pins the release URL and digest of the model", () => {
  const text = renderShellScript(installRunnerScript(vm));
  assert.match(text, /^url=https:\/\/code\.forgejo\.org\/forgejo\/runner\/releases\/download\/v12\.6\.4\/forgejo-runner-12\.6\.4-linux-amd64$/m);
  assert.match(text, new RegExp(`^sha256=${vm.runner.sha256}$`, "m"));
  assert.match(text, /sha256sum --check --strict --status -/);
});

test("registration is non-interactive, as the runner user, and removes the token file on every exit", () => {
  const text = renderShellScript(registerRunnerScript(vm));
  const lines = text.split("\n");
  const trap = lines.findIndex((l) => l === `trap 'rm -f "\${token_file}"' EXIT`);
  const firstExit = lines.findIndex((l) => /^\s*exit \d/.test(l));
  assert.ok(trap > 0 && trap < firstExit, "the token file is removed on every exit path");
  assert.match(text, /^token_file=\/etc\/forgejo-runner\/registration-token$/m);
  assert.match(text, /^runuser -u runner -- \/usr\/local\/bin\/forgejo-runner register --no-interactive -c \/etc\/forgejo-runner\/config\.yaml --instance https:\/\/forgejo\.example\.com --token "\$\{TOKEN\}" --name fj-runner-1 --labels fenced:docker:\/\/node:22\.12\.0-bookworm,fenced-slim:docker:\/\/node:22\.12\.0-bookworm-slim$/m);
  assert.match(text, /^cd \/home\/runner$/m);
  assert.equal(labelsArgument(vm), "fenced:docker://node:22.12.0-bookworm,fenced-slim:docker://node:22.12.0-bookworm-slim");
});

test("the runner unit runs unprivileged with the docker group and keeps the socket reachable", () => {
  const unit = runnerServiceUnit();
  const one = (k: string) => unitValues(unit, "Service", k);
  assert.deepEqual(one("User"), ["runner"]);
  assert.deepEqual(one("SupplementaryGroups"), ["docker"]);
  assert.deepEqual(one("NoNewPrivileges"), ["yes"]);
  assert.deepEqual(one("CapabilityBoundingSet"), [""]);
  assert.deepEqual(one("ProtectSystem"), ["strict"]);
  assert.deepEqual(one("ReadWritePaths"), ["/home/runner"]);
  assert.match(one("RestrictAddressFamilies")[0] ?? "", /\bAF_UNIX\b/);
  assert.deepEqual(unitValues(unit, "Unit", "ConditionPathExists"), [GUEST.registration]);
  assert.match(renderSystemdUnit(unit), /^\[Install\]\nWantedBy=multi-user\.target$/m);
});

test("the persistent Forgejo VM runs the node exporter with the systemd collector on the unit its alerts watch", () => {
  const g = forgejoGuest(vm, REDACTED);
  assert.ok(g.packages.includes("prometheus-node-exporter"));
  const dropIn = g.files.find((f) => f.path === FORGEJO_NODE_EXPORTER_DROP_IN.path);
  assert.equal(dropIn?.content, FORGEJO_NODE_EXPORTER_DROP_IN.content);
  const execStart = (dropIn?.content ?? "").split("\n").filter((l) => l.startsWith("ExecStart="));
  assert.equal(execStart[0], "ExecStart=", "the package's command line is reset first");
  const include = /--collector\.systemd\.unit-include=(\S+)/.exec(execStart[1] ?? "")?.[1] ?? "";
  const forgejoRules = (renderRunnerAlertGroups({ substrate: "libvirt" }).find((group) => group.name === RUNNER_ALERT_GROUPS.libvirtForgejo)?.rules ?? []).filter((r) => r.expr.includes("node_systemd_"));
  assert.ok(forgejoRules.length > 0);
  for (const rule of forgejoRules) {
    const unit = /name="([^"]+)"/.exec(rule.expr)?.[1] ?? "";
    assert.equal(unit, GUEST.unit);
    assert.match(unit, new RegExp(`^(?:${include})$`), `${rule.alert} watches a unit the collector exports`);
  }
});
