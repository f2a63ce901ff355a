/**
 * The libvirt domain XML of a runner VM, built with xmlbuilder2 from the VM's shape alone (name,
 * vCPUs, memory, disk, network; no forge): a KVM q35 guest with
 * host-passthrough CPU, a virtio qcow2 overlay disk, the NoCloud seed ISO as a read-only SATA
 * cdrom, a virtio NIC on the host bridge, a pty serial console (never a file), the QEMU guest
 * agent channel, a virtio RNG and no graphics. Autostart is not part of the XML: see `virsh.ts`.
 */
import { createHash } from "node:crypto";
import { create } from "xmlbuilder2";
import type { VmShape } from "../../model/runner-guest.ts";

/** Namespace of the name-based (version 5) domain UUIDs. */
export const DOMAIN_UUID_NAMESPACE = "6f1c5e0a-9d0b-4c7e-8a53-2f6e4b7d9c01";

/**
 * A stable UUID for a domain name (RFC 4122 version 5). libvirt refuses to redefine a domain
 * whose XML carries a different UUID than the defined one, and an XML without a UUID gets a random
 * one, so the UUID must not change between renders.
 */
export function domainUuid(name: string): string {
  const ns = Buffer.from(DOMAIN_UUID_NAMESPACE.replace(/-/g, ""), "hex");
  const b = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A stable MAC address in QEMU's locally administered 52:54:00 range. Without one, libvirt picks a
 * random MAC on every define, and a DHCP reservation (or lease) would not follow the VM.
 */
export function domainMac(name: string): string {
  const h = createHash("sha256").update(`runner-fleet/forgejo-vm/${name}`).digest("hex");
  return `52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/** Device names inside the guest definition. */
export const DOMAIN_TARGETS = { disk: "vda", seed: "sda" } as const;

export function renderDomainXml(vm: VmShape): string {
  const { name, cpus, memoryMiB, title } = vm;
  const doc = create({ version: "1.0", encoding: "UTF-8" });
  const domain = doc.ele("domain", { type: "kvm" });
  domain.com(` ${title} VM, rendered by runner-fleet; redefine it from the stack, do not edit it in place. `);
  domain.ele("name").txt(name);
  domain.ele("uuid").txt(domainUuid(name));
  domain.ele("description").txt(`${title} ${name} (runner-fleet)`);
  domain.ele("memory", { unit: "MiB" }).txt(String(memoryMiB));
  domain.ele("currentMemory", { unit: "MiB" }).txt(String(memoryMiB));
  domain.ele("vcpu", { placement: "static" }).txt(String(cpus));
  const os = domain.ele("os");
  os.ele("type", { arch: "x86_64", machine: "q35" }).txt("hvm");
  os.ele("boot", { dev: "hd" });
  const features = domain.ele("features");
  features.ele("acpi");
  features.ele("apic");
  domain.ele("cpu", { mode: "host-passthrough", check: "none", migratable: "on" });
  domain.ele("clock", { offset: "utc" });
  // A guest that powers itself off (a one-job runner) is destroyed, not restarted: the host refills the slot.
  domain.ele("on_poweroff").txt("destroy");
  domain.ele("on_reboot").txt("restart");
  domain.ele("on_crash").txt("restart");

  const devices = domain.ele("devices");
  const disk = devices.ele("disk", { type: "file", device: "disk" });
  disk.ele("driver", { name: "qemu", type: "qcow2", discard: "unmap" });
  disk.ele("source", { file: vm.disk.overlay });
  disk.ele("target", { dev: DOMAIN_TARGETS.disk, bus: "virtio" });

  const seed = devices.ele("disk", { type: "file", device: "cdrom" });
  seed.ele("driver", { name: "qemu", type: "raw" });
  seed.ele("source", { file: vm.disk.seedIso });
  // q35 has no IDE controller: the cdrom sits on SATA.
  seed.ele("target", { dev: DOMAIN_TARGETS.seed, bus: "sata" });
  seed.ele("readonly");

  const nic = devices.ele("interface", { type: "bridge" });
  nic.ele("mac", { address: domainMac(name) });
  nic.ele("source", { bridge: vm.network.bridge });
  nic.ele("model", { type: "virtio" });

  // A pty console: `virsh console` works, and nothing grows on the host's disk.
  devices.ele("serial", { type: "pty" }).ele("target", { type: "isa-serial", port: "0" }).ele("model", { name: "isa-serial" });
  devices.ele("console", { type: "pty" }).ele("target", { type: "serial", port: "0" });

  devices.ele("channel", { type: "unix" }).ele("target", { type: "virtio", name: "org.qemu.guest_agent.0" });
  devices.ele("video").ele("model", { type: "none" });
  devices.ele("memballoon", { model: "virtio" });
  devices.ele("rng", { model: "virtio" }).ele("backend", { model: "random" }).txt("/dev/urandom");
  return `${doc.end({ prettyPrint: true })}\n`;
}
