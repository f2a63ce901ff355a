import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ResolvedForgejoVm, forgejoVmPaths, forgejoVmShape, resolveForgejoVm } from "../../model/forgejo-vm.ts";
import { renderCloudInit, renderCloudInitRedacted } from "../cloud-init/cloud-init.ts";
import { renderDomainXml } from "../libvirt/domain.ts";
import { applyScript, deleteScript, forgejoVmHostCommands, stagingCommands } from "./host-commands.ts";
import { hostFiles, stageFileScript } from "./host-files.ts";
import { renderShellScript } from "./shell.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const TOKEN = "Rk7c2bV0yq1xW3n9LmA4sD8fG6hJ5tP0oQ2uE7iZ";
const BASE_BYTES = "stand-in for the Ubuntu cloud image\n";

/** Stand-ins for the host tools: they log every call and keep just enough state in files. */
const FAKES: Record<string, string> = {
  // The shutdown wait loop counts its own seconds; the stand-in keeps the test instant.
  sleep: "#!/bin/sh\nexit 0\n",
  virsh: `#!/bin/sh
echo "virsh $*" >>"$FAKE_DIR/calls"
if [ "$1" = --connect ]; then shift 2; fi
st="$FAKE_DIR/domstate"
case "$1" in
  pool-dumpxml) printf '<pool type="dir"><name>%s</name><target><path>%s</path></target></pool>\\n' "$2" "$FAKE_POOL" ;;
  domstate) if [ -f "$st" ]; then cat "$st"; echo; else echo "error: failed to get domain '$2'" >&2; exit 1; fi ;;
  define) if [ ! -f "$st" ]; then echo "shut off" >"$st"; fi ;;
  start) echo running >"$st" ;;
  shutdown) if [ "$FAKE_SHUTDOWN" != ignore ]; then echo "shut off" >"$st"; fi ;;
  destroy)
    case "$FAKE_DESTROY" in
      # The guest finished its ACPI shutdown after the caller's state check: nothing left to destroy.
      race) echo "shut off" >"$st"; echo "error: Requested operation is not valid: domain is not running" >&2; exit 1 ;;
      fail) echo "error: Failed to terminate process: Device or resource busy" >&2; exit 1 ;;
      *) echo "shut off" >"$st" ;;
    esac ;;
  undefine) rm -f "$st" ;;
esac
`,
  "qemu-img": `#!/bin/sh
echo "qemu-img $*" >>"$FAKE_DIR/calls"
case "$1" in
  create) echo "$(( \${9%G} * 1073741824 ))" >"$8" ;;
  info) printf '{\\n    "virtual-size": %s,\\n    "filename": "%s"\\n}\\n' "$(cat "$4")" "$4" ;;
  resize) echo "$(( \${3%G} * 1073741824 ))" >"$2" ;;
esac
`,
  "cloud-localds": `#!/bin/sh
echo "cloud-localds $*" >>"$FAKE_DIR/calls"
cat "$3" "$4" "\${1#--network-config=}" >"$2"
`,
  curl: `#!/bin/sh
echo "curl $*" >>"$FAKE_DIR/calls"
while [ "$#" -gt 0 ]; do if [ "$1" = --output ]; then out=$2; fi; shift; done
cp "$FAKE_DOWNLOAD" "$out"
`,
};

interface FakeHost {
  readonly dir: string;
  readonly vm: ResolvedForgejoVm;
  sh(command: string, stdin?: string, env?: Record<string, string>): { status: number | null; stderr: string };
  /** Calls logged since the previous `calls()`. */
  calls(): string[];
}

function fakeHost(download = BASE_BYTES, overrides: Record<string, unknown> = {}): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), "libvirt-host-"));
  const bin = join(dir, "bin");
  const pool = join(dir, "pool");
  mkdirSync(bin);
  mkdirSync(pool);
  for (const [name, text] of Object.entries(FAKES)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(dir, "download"), download);
  writeFileSync(join(dir, "calls"), "");
  const image = { url: "https://images.example.invalid/noble/test-base.img", sha256: createHash("sha256").update(BASE_BYTES).digest("hex") };
  const resolved = resolveForgejoVm({
    host: { address: "kvm1.lan", sshKeyPath: "/k", poolPath: pool },
    forge: { address: "https://forgejo.example.com", scope: "repo/acme/site" },
    vm: { name: "fj-runner-1", ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"], baseImage: image, ...overrides },
  });
  const vm: ResolvedForgejoVm = { ...resolved, vm: { ...resolved.vm, paths: forgejoVmPaths("fj-runner-1", pool, image, join(dir, "staging")) } };
  let seen = 0;
  return {
    dir,
    vm,
    sh: (command, stdin, env = {}) => {
      const r = spawnSync("/bin/sh", ["-c", command], {
        input: stdin ?? "",
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, FAKE_DIR: dir, FAKE_POOL: pool, FAKE_DOWNLOAD: join(dir, "download"), ...env },
      });
      return { status: r.status, stderr: r.stderr };
    },
    calls: () => {
      const all = readFileSync(join(dir, "calls"), "utf8").split("\n").filter((l) => l !== "");
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    },
  };
}

/** Stages the four files the way the Pulumi layer will: one command per file, content on stdin. */
function stage(host: FakeHost, vm: ResolvedForgejoVm, token = TOKEN): void {
  const files = hostFiles(vm, { cloudInit: renderCloudInit(vm, { registrationToken: token }), domainXml: renderDomainXml(forgejoVmShape(vm)) });
  const commands = stagingCommands(vm);
  assert.deepEqual(commands.map((c) => c.path), files.map((f) => f.path));
  for (const [i, c] of commands.entries()) {
    assert.equal(c.command.includes(token), false, "the token never appears in a command");
    const r = host.sh(c.command, files[i]?.content);
    assert.equal(r.status, 0, r.stderr);
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const has = (calls: string[], re: RegExp) => calls.some((c) => re.test(c));

test("create downloads and verifies the base image once, builds overlay and seed, defines, autostarts and starts", () => {
  const host = fakeHost();
  const p = host.vm.vm.paths;
  const cmds = forgejoVmHostCommands(host.vm);
  stage(host, host.vm);
  assert.equal(mode(p.userData), "600");
  host.calls();
  const first = host.sh(cmds.create);
  assert.equal(first.status, 0, first.stderr);
  const calls = host.calls();
  assert.ok(has(calls, /^curl .*--output .*test-base-[0-9a-f]{12}\.qcow2\.part https:\/\/images\.example\.invalid\/noble\/test-base\.img$/), calls.join("\n"));
  assert.ok(calls.includes(`qemu-img create -f qcow2 -F qcow2 -b ${p.baseImage} ${p.overlay} 40G`), calls.join("\n"));
  assert.ok(calls.includes(`cloud-localds --network-config=${p.networkConfig} ${p.seedIso}.part ${p.userData} ${p.metaData}`), calls.join("\n"));
  assert.ok(calls.includes(`virsh --connect qemu:///system define --validate ${p.domainXml}`));
  assert.ok(calls.includes("virsh --connect qemu:///system autostart fj-runner-1"));
  assert.ok(calls.includes("virsh --connect qemu:///system start fj-runner-1"));
  assert.equal(mode(p.baseImage), "444");
  assert.equal(mode(p.seedIso), "600");
  assert.equal(existsSync(`${p.baseImage}.part`), false);

  const again = host.sh(cmds.update);
  assert.equal(again.status, 0, again.stderr);
  const quiet = host.calls();
  for (const re of [/^curl /, /^qemu-img create/, /^qemu-img resize/, /^cloud-localds/, / start /, / shutdown /, / destroy /]) {
    assert.equal(has(quiet, re), false, `an unchanged apply does not run ${re}: ${quiet.join("\n")}`);
  }
  assert.ok(has(quiet, / define --validate /), "the definition is re-applied every time");
});

test("a changed cloud-init rebuilds the seed and restarts the running VM; a larger disk is grown", () => {
  const host = fakeHost();
  const cmds = forgejoVmHostCommands(host.vm);
  stage(host, host.vm);
  assert.equal(host.sh(cmds.create).status, 0);
  host.calls();
  const relabelled = { ...host.vm, runner: { ...host.vm.runner, capacity: 2 } };
  stage(host, relabelled);
  const r = host.sh(cmds.update);
  assert.equal(r.status, 0, r.stderr);
  const calls = host.calls();
  assert.ok(has(calls, /^cloud-localds /));
  const shutdown = calls.indexOf("virsh --connect qemu:///system shutdown fj-runner-1");
  const start = calls.indexOf("virsh --connect qemu:///system start fj-runner-1");
  assert.ok(shutdown >= 0 && start > shutdown, calls.join("\n"));

  const bigger = { ...host.vm, vm: { ...host.vm.vm, diskGiB: 50 } };
  stage(host, bigger);
  assert.equal(host.sh(forgejoVmHostCommands(bigger).update).status, 0);
  assert.ok(host.calls().includes("virsh --connect qemu:///system blockresize fj-runner-1 vda 50G"));
  const smaller = { ...host.vm, vm: { ...host.vm.vm, diskGiB: 20 } };
  const refused = host.sh(forgejoVmHostCommands(smaller).update);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /never shrink/);
});

test("a guest that ignores ACPI shutdown is powered off after the grace period, even if it stops just before the destroy", () => {
  const shutdown = "virsh --connect qemu:///system shutdown fj-runner-1";
  const destroy = "virsh --connect qemu:///system destroy fj-runner-1";
  const restart = (env: Record<string, string>) => {
    const host = fakeHost();
    const cmds = forgejoVmHostCommands(host.vm);
    stage(host, host.vm);
    assert.equal(host.sh(cmds.create).status, 0);
    stage(host, { ...host.vm, runner: { ...host.vm.runner, capacity: 2 } });
    host.calls();
    return { r: host.sh(cmds.update, "", { FAKE_SHUTDOWN: "ignore", ...env }), calls: host.calls() };
  };

  const plain = restart({});
  assert.equal(plain.r.status, 0, plain.r.stderr);
  assert.equal(plain.calls.filter((c) => c === destroy).length, 1, "one destroy once the grace period is over");
  assert.ok(plain.calls.indexOf(shutdown) < plain.calls.indexOf(destroy), plain.calls.join("\n"));
  assert.ok(plain.calls.includes("virsh --connect qemu:///system start fj-runner-1"), "and started again with the new seed");

  // The domain stops between the state check and the destroy: virsh destroy fails, the script goes on.
  const race = restart({ FAKE_DESTROY: "race" });
  assert.equal(race.r.status, 0, race.r.stderr);
  assert.equal(race.calls.filter((c) => c === destroy).length, 1, race.calls.join("\n"));
  assert.ok(race.calls.indexOf(destroy) < race.calls.indexOf("virsh --connect qemu:///system start fj-runner-1"), "started after the race");

  // A domain that cannot be destroyed at all: the script gives up with a message instead of looping forever.
  const stuck = restart({ FAKE_DESTROY: "fail" });
  assert.equal(stuck.r.status, 1);
  assert.match(stuck.r.stderr, /domain fj-runner-1 is still running 150 s after its shutdown: check virsh domstate --reason fj-runner-1/);
  assert.equal(stuck.calls.filter((c) => c === destroy).length, 30, "destroy is retried once a second for 30 s");
  assert.equal(stuck.calls.includes("virsh --connect qemu:///system start fj-runner-1"), false);
});

test("a base image whose SHA-256 differs is refused and not kept", () => {
  const host = fakeHost("tampered bytes\n");
  stage(host, host.vm);
  const r = host.sh(forgejoVmHostCommands(host.vm).create);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /checksum mismatch for https:\/\/images\.example\.invalid\/noble\/test-base\.img/);
  assert.equal(existsSync(host.vm.vm.paths.baseImage), false);
  assert.equal(existsSync(`${host.vm.vm.paths.baseImage}.part`), false);
  assert.equal(has(host.calls(), /^qemu-img create/), false);
});

test("delete removes the domain, overlay, seed and staged files but never the base image", () => {
  const host = fakeHost();
  const p = host.vm.vm.paths;
  const cmds = forgejoVmHostCommands(host.vm);
  stage(host, host.vm);
  assert.equal(host.sh(cmds.create).status, 0);
  host.calls();
  const r = host.sh(cmds.delete);
  assert.equal(r.status, 0, r.stderr);
  const calls = host.calls();
  assert.ok(calls.includes("virsh --connect qemu:///system destroy fj-runner-1"));
  assert.ok(calls.includes("virsh --connect qemu:///system undefine --nvram fj-runner-1"));
  for (const gone of [p.overlay, p.seedIso, p.stagingDir]) assert.equal(existsSync(gone), false, `${gone} is removed`);
  assert.equal(existsSync(p.baseImage), true, "the shared base image stays");
  assert.equal(renderShellScript(deleteScript(host.vm)).includes(p.baseImage), false, "delete does not even name the base image");
  assert.equal(host.sh(cmds.delete).status, 0, "deleting twice is fine");
});

test("a replacement stages first, deletes the old VM keeping the staged files, then applies a fresh VM", () => {
  const host = fakeHost();
  const p = host.vm.vm.paths;
  const cmds = forgejoVmHostCommands(host.vm);
  stage(host, host.vm);
  assert.equal(host.sh(cmds.create).status, 0);
  host.calls();
  const r = host.sh(cmds.deleteKeepingStaged);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(host.calls().includes("virsh --connect qemu:///system undefine --nvram fj-runner-1"));
  for (const gone of [p.overlay, p.seedIso]) assert.equal(existsSync(gone), false, `${gone} is removed`);
  for (const kept of [p.userData, p.networkConfig, p.metaData, p.domainXml, p.baseImage]) assert.equal(existsSync(kept), true, `${kept} stays`);
  const again = host.sh(cmds.create);
  assert.equal(again.status, 0, again.stderr);
  const calls = host.calls();
  assert.ok(has(calls, /^qemu-img create /), "a fresh overlay");
  assert.ok(has(calls, /^cloud-localds /), "a fresh seed");
  assert.ok(calls.includes("virsh --connect qemu:///system start fj-runner-1"));
  assert.equal(host.sh(cmds.deleteKeepingStaged).status, 0);
  assert.equal(host.sh(cmds.deleteStaged).status, 0);
  assert.equal(existsSync(p.stagingDir), false, "the staging directory goes last");
  assert.equal(existsSync(p.baseImage), true, "the shared base image stays");
});

test("host scripts are shellcheck-clean, wrapped or not", needs("shellcheck"), () => {
  requireTool("shellcheck");
  const host = fakeHost();
  const nonRoot = { ...host.vm, host: { ...host.vm.host, user: "ubuntu" } };
  const texts: [string, string][] = [
    ["apply.sh", renderShellScript(applyScript(host.vm))],
    ["delete.sh", renderShellScript(deleteScript(host.vm))],
    ["delete-keep.sh", renderShellScript(deleteScript(host.vm, { staged: "keep" }))],
    ["delete-staged-wrapped.sh", `#!/bin/sh\n${forgejoVmHostCommands(nonRoot).deleteStaged}\n`],
    ["stage.sh", renderShellScript(stageFileScript({ path: host.vm.vm.paths.userData, mode: "0600" }))],
    ["create-wrapped.sh", `#!/bin/sh\n${forgejoVmHostCommands(nonRoot).create}\n`],
    ["fix-wrapped.sh", `#!/bin/sh\n${forgejoVmHostCommands(nonRoot).firewallFix?.create ?? ""}\n`],
  ];
  for (const [name, text] of texts) {
    const f = join(host.dir, name);
    writeFileSync(f, text);
    const r = spawnSync("shellcheck", ["--shell=sh", f], { encoding: "utf8" });
    assert.equal(r.status, 0, `shellcheck ${name}:\n${r.stdout}`);
  }
});

test("commands run as root directly and through sudo -n otherwise; the FORWARD fix follows host.firewallFix", () => {
  const vm = resolveForgejoVm({ host: { address: "kvm1.lan", sshKeyPath: "/k" }, forge: { address: "https://forgejo.example.com", scope: "instance" }, vm: { name: "fj-runner-1" } });
  assert.match(forgejoVmHostCommands(vm).create, /^\/bin\/sh -c '#!\/bin\/sh\n/);
  assert.equal(forgejoVmHostCommands(vm).create, forgejoVmHostCommands(vm).update);
  assert.ok(forgejoVmHostCommands(vm).firewallFix);
  const ubuntu = resolveForgejoVm({ host: { address: "kvm1.lan", user: "ubuntu", sshKeyPath: "/k", firewallFix: false }, forge: { address: "https://forgejo.example.com", scope: "instance" }, vm: { name: "fj-runner-1" } });
  const cmds = forgejoVmHostCommands(ubuntu);
  assert.match(cmds.delete, /^sudo -n \/bin\/sh -c '/);
  assert.equal(cmds.firewallFix, undefined);
});

test("staged files mark only the real user-data as secret", () => {
  const host = fakeHost();
  const real = hostFiles(host.vm, { cloudInit: renderCloudInit(host.vm, { registrationToken: TOKEN }), domainXml: renderDomainXml(forgejoVmShape(host.vm)) });
  assert.deepEqual(real.map((f) => [f.key, f.path.split("/").pop(), f.mode, f.secret]), [["userData", "user-data", "0600", true], ["networkConfig", "network-config", "0644", false], ["metaData", "meta-data", "0644", false], ["domainXml", "domain.xml", "0644", false]]);
  assert.equal(stagingCommands(host.vm).find((c) => c.key === "userData")?.secret, true, "the user-data write is secret before any content exists");
  const redacted = hostFiles(host.vm, { cloudInit: renderCloudInitRedacted(host.vm), domainXml: renderDomainXml(forgejoVmShape(host.vm)) });
  assert.equal(redacted.some((f) => f.secret), false);
});
