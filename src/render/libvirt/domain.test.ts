import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { forgejoVmShape, resolveForgejoVm } from "../../model/forgejo-vm.ts";
import { domainMac, domainUuid, renderDomainXml } from "./domain.ts";
import { virshCommands } from "./virsh.ts";
import { needs, requireTool } from "../../../test/validators.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const vm = resolveForgejoVm(parse(readFileSync(join(repoRoot, "test/fixtures/libvirt/forgejo-vm.yaml"), "utf8")));
const xml = renderDomainXml(forgejoVmShape(vm));

function xmlFile(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), "domain-")), "domain.xml");
  writeFileSync(f, text);
  return f;
}

test("virt-xml-validate accepts the domain XML", needs("virt-xml-validate"), () => {
  requireTool("virt-xml-validate");
  const r = spawnSync("virt-xml-validate", [xmlFile(xml), "domain"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("virsh defines it on the test driver with schema validation, type kvm unchanged", needs("virsh"), () => {
  requireTool("virsh");
  const r = spawnSync("virsh", ["-c", "test:///default", "define", "--validate", xmlFile(xml)], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /Domain 'fj-runner-1' defined/);
  // The same check refuses a broken document, so passing it means something.
  const broken = spawnSync("virsh", ["-c", "test:///default", "define", "--validate", xmlFile(xml.replace('<memballoon model="virtio"/>', '<memballoon model="bogus"/>'))], { encoding: "utf8" });
  assert.notEqual(broken.status, 0);
});

test("the console is a pty serial port, never file-backed", () => {
  assert.match(xml, /<serial type="pty">\s*<target type="isa-serial" port="0">/);
  assert.match(xml, /<console type="pty">\s*<target type="serial" port="0"\/>/);
  assert.doesNotMatch(xml, /<serial type="file"/);
  assert.doesNotMatch(xml, /<console type="file"/);
  assert.doesNotMatch(xml, /<graphics/);
});

test("KVM q35 guest with the configured size, host-passthrough CPU and lifecycle actions", () => {
  assert.match(xml, /<domain type="kvm">/);
  assert.match(xml, /<name>fj-runner-1<\/name>/);
  assert.match(xml, /<memory unit="MiB">4096<\/memory>/);
  assert.match(xml, /<vcpu placement="static">2<\/vcpu>/);
  assert.match(xml, /<type arch="x86_64" machine="q35">hvm<\/type>/);
  assert.match(xml, /<features>\s*<acpi\/>\s*<apic\/>\s*<\/features>/);
  assert.match(xml, /<cpu mode="host-passthrough"/);
  assert.match(xml, /<on_poweroff>destroy<\/on_poweroff>\s*<on_reboot>restart<\/on_reboot>\s*<on_crash>restart<\/on_crash>/);
});

test("devices: virtio overlay disk, read-only seed cdrom, bridged virtio NIC, guest agent channel, virtio RNG", () => {
  assert.match(xml, /<disk type="file" device="disk">\s*<driver name="qemu" type="qcow2" discard="unmap"\/>\s*<source file="\/var\/lib\/libvirt\/images\/fj-runner-1\.qcow2"\/>\s*<target dev="vda" bus="virtio"\/>/);
  assert.match(xml, /<disk type="file" device="cdrom">\s*<driver name="qemu" type="raw"\/>\s*<source file="\/var\/lib\/libvirt\/images\/fj-runner-1-seed\.iso"\/>\s*<target dev="sda" bus="sata"\/>\s*<readonly\/>/);
  assert.match(xml, /<interface type="bridge">\s*<mac address="52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}"\/>\s*<source bridge="br0"\/>\s*<model type="virtio"\/>/);
  assert.match(xml, /<channel type="unix">\s*<target type="virtio" name="org\.qemu\.guest_agent\.0"\/>/);
  assert.match(xml, /<rng model="virtio">\s*<backend model="random">\/dev\/urandom<\/backend>/);
  const other = renderDomainXml({ ...forgejoVmShape(vm), network: { bridge: "br-ci" } });
  assert.match(other, /<source bridge="br-ci"\/>/);
});

test("UUID and MAC are stable per name and differ between names", () => {
  assert.equal(renderDomainXml(forgejoVmShape(vm)), xml);
  assert.match(domainUuid("fj-runner-1"), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(domainUuid("fj-runner-1"), domainUuid("fj-runner-2"));
  assert.notEqual(domainMac("fj-runner-1"), domainMac("fj-runner-2"));
  assert.ok(xml.includes(`<uuid>${domainUuid("fj-runner-1")}</uuid>`));
});

test("autostart and the other lifecycle actions are virsh commands on qemu:///system", () => {
  const v = virshCommands(vm);
  assert.deepEqual(v.autostart, ["virsh", "--connect", "qemu:///system", "autostart", "fj-runner-1"]);
  assert.deepEqual(v.define, ["virsh", "--connect", "qemu:///system", "define", "--validate", "/var/lib/runner-fleet/fj-runner-1/domain.xml"]);
  assert.deepEqual(v.undefine, ["virsh", "--connect", "qemu:///system", "undefine", "--nvram", "fj-runner-1"]);
  assert.doesNotMatch(xml, /autostart/);
});
