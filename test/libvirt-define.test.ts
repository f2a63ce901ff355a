// The rendered domain XML defined (never booted) in a real libvirtd with the QEMU driver, where the
// machine allows it: libvirtd must be running or startable (root, Debian packages
// libvirt-daemon-system and qemu-system-x86). Otherwise the tests skip and say why.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveForgejoVm } from "../src/model/index.ts";
import { domainMac, domainUuid, renderDomainXml } from "../src/render/index.ts";

const URI = "qemu:///system";
const NAME = `rf-define-test-${process.pid}`;
const virsh = (...args: string[]) => spawnSync("virsh", ["--connect", URI, ...args], { encoding: "utf8" });
const connected = () => virsh("uri").status === 0;

/** Waits (bounded) until libvirtd answers; returns whether it does. */
function waitForDaemon(): boolean {
  for (let i = 0; i < 40; i++) {
    if (connected()) return true;
    spawnSync("sleep", ["0.25"]);
  }
  return connected();
}

/** Why libvirtd cannot be used here, or undefined when it answers (started by this test if need be). */
function daemonProblem(): string | undefined {
  if (spawnSync("virsh", ["--version"]).status !== 0) return "virsh is not installed (Debian: libvirt-clients)";
  if (connected()) return undefined;
  if (!existsSync("/usr/sbin/libvirtd")) return "no libvirtd running and /usr/sbin/libvirtd is not installed (Debian: libvirt-daemon-system, qemu-system-x86)";
  if (process.getuid?.() !== 0) return "no libvirtd running, and only root can start the system daemon";
  // Exits by itself once idle; nothing to stop afterwards.
  const daemon = spawn("/usr/sbin/libvirtd", ["--timeout", "30"], { detached: true, stdio: "ignore" });
  daemon.unref();
  return waitForDaemon() ? undefined : `libvirtd was started but ${URI} does not answer (see journalctl or run libvirtd by hand)`;
}

function skip(t: { skip: (message?: string) => void }, reason: string): void {
  console.log(`# skipped: ${reason}`);
  t.skip(reason);
}

describe("the rendered domain XML in a real libvirtd (define and undefine, never start)", () => {
  const problem = daemonProblem();
  const vm = resolveForgejoVm({
    host: { address: "kvm1.lan", sshKeyPath: "/k" },
    forge: { address: "https://forgejo.example.com", scope: "org/acme" },
    vm: { name: NAME, ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"] },
  });
  const xml = renderDomainXml(vm);
  const dir = mkdtempSync(join(tmpdir(), "rf-define-"));
  const undefine = () => virsh("undefine", "--nvram", NAME);

  before(() => {
    if (problem === undefined) undefine();
  });
  after(() => {
    if (problem === undefined) undefine();
  });

  /** Defines `text`, checks what libvirt kept, then undefines it. */
  function defineAndCheck(text: string): void {
    const file = join(dir, "domain.xml");
    writeFileSync(file, text);
    const r = virsh("define", "--validate", file);
    assert.equal(r.status, 0, `virsh define failed:\n${r.stderr}`);
    try {
      const kept = virsh("dumpxml", NAME);
      assert.equal(kept.status, 0, kept.stderr);
      assert.match(kept.stdout, new RegExp(`<uuid>${domainUuid(NAME)}</uuid>`), "the stable UUID is kept");
      assert.match(kept.stdout, new RegExp(`<mac address='${domainMac(NAME)}'/>`), "the stable MAC is kept");
      assert.match(kept.stdout, /<target dev='sda' bus='sata'\/>\s*<readonly\/>/, "the seed is a read-only SATA cdrom");
      assert.match(kept.stdout, /<serial type='pty'>/);
      assert.match(kept.stdout, /<console type='pty'>/);
      assert.match(kept.stdout, /<source bridge='br0'\/>/);
      assert.equal(virsh("domstate", NAME).stdout.trim(), "shut off", "defined, not started");
    } finally {
      const u = undefine();
      assert.equal(u.status, 0, u.stderr);
    }
    assert.notEqual(virsh("domstate", NAME).status, 0, "the domain is gone again");
  }

  it("defines the domain exactly as rendered (type kvm)", (t) => {
    if (problem !== undefined) return skip(t, problem);
    const caps = virsh("domcapabilities", "--virttype", "kvm");
    if (caps.status !== 0 || !existsSync("/dev/kvm")) {
      return skip(t, `this machine has no KVM (/dev/kvm missing), and the QEMU driver refuses type="kvm" without it: ${caps.stderr.trim().split("\n").pop() ?? ""}`);
    }
    defineAndCheck(xml);
  });

  it("defines the same domain under QEMU's TCG accelerator, so every device is checked even without KVM", (t) => {
    if (problem !== undefined) return skip(t, problem);
    assert.match(xml, /^<domain type="kvm">$/m);
    defineAndCheck(xml.replace(/^<domain type="kvm">$/m, '<domain type="qemu">'));
  });
});
