// The rendered domain XML defined (never booted) in a real libvirtd with the QEMU driver: libvirtd
// must be running or startable (root, Debian packages libvirt-daemon-system and qemu-system-x86).
// Where it is not, the tests skip and say how to install it, or fail with CI=true (test/validators.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forgejoVmShape, resolveForgejoVm } from "../src/model/index.ts";
import { domainMac, domainUuid, renderDomainXml } from "../src/render/index.ts";
import { available, LIBVIRT_SYSTEM_URI, needs, requireTool } from "./validators.ts";

const URI = LIBVIRT_SYSTEM_URI;
const NAME = `rf-define-test-${process.pid}`;
const virsh = (...args: string[]) => spawnSync("virsh", ["--connect", URI, ...args], { encoding: "utf8" });
/** How libvirt refuses type="kvm" where the host has no KVM: the QEMU capabilities lack the kvm virt type (libvirt >= 5.x), or older libvirt finds no kvm domain in its capabilities. */
const NO_KVM = /Emulator '[^']+' does not support virt type 'kvm'|could not find capabilities for [^\n]*domaintype=kvm/;

describe("the rendered domain XML in a real libvirtd (define and undefine, never start)", () => {
  const vm = resolveForgejoVm({
    host: { address: "kvm1.lan", sshKeyPath: "/k" },
    forge: { address: "https://forgejo.example.com", scope: "org/acme" },
    vm: { name: NAME, ipCidr: "192.168.1.15/24", gateway: "192.168.1.1", dns: ["192.168.1.1"] },
  });
  const xml = renderDomainXml(forgejoVmShape(vm));
  const dir = mkdtempSync(join(tmpdir(), "rf-define-"));
  const undefine = () => virsh("undefine", "--nvram", NAME);

  before(() => {
    if (available("libvirtd")) undefine();
  });
  after(() => {
    if (available("libvirtd")) undefine();
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

  // Both kinds of machine check something real: with KVM the rendered domain defines as it is;
  // without, libvirt refuses it, and only for want of KVM (the next test defines the same XML as type="qemu").
  const kvm = existsSync("/dev/kvm");
  it(kvm ? "defines the domain exactly as rendered (type kvm), this machine having /dev/kvm" : "refuses the domain as rendered (type kvm) only for want of KVM, this machine having no /dev/kvm", needs("libvirtd"), () => {
    requireTool("libvirtd");
    assert.match(xml, /^<domain type="kvm">$/m);
    if (kvm) {
      const caps = virsh("domcapabilities", "--virttype", "kvm");
      assert.equal(caps.status, 0, `/dev/kvm exists but libvirt offers no kvm virt type:\n${caps.stderr}`);
      defineAndCheck(xml);
      return;
    }
    const file = join(dir, "domain-kvm.xml");
    writeFileSync(file, xml);
    const r = virsh("define", "--validate", file);
    if (r.status === 0) undefine();
    assert.notEqual(r.status, 0, "libvirt defined a type=\"kvm\" domain on a machine without /dev/kvm");
    assert.match(r.stderr, NO_KVM, `refused, but not (only) for want of KVM:\n${r.stderr}`);
    assert.notEqual(virsh("domstate", NAME).status, 0, "nothing was defined");
  });

  it("defines the same domain under QEMU's TCG accelerator, so every device is checked even without KVM", needs("libvirtd"), () => {
    requireTool("libvirtd");
    assert.match(xml, /^<domain type="kvm">$/m);
    defineAndCheck(xml.replace(/^<domain type="kvm">$/m, '<domain type="qemu">'));
  });
});
