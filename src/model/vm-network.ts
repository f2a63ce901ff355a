/**
 * The guest network of a libvirt VM: DHCP, or a static IPv4 interface address (`vm.ipCidr`, host
 * bits included) with its gateway and DNS servers. Checks of single keys and of the keys together.
 */
import ipaddr from "ipaddr.js";
import type { ConfigIssue } from "./issues.ts";

export type VmNetwork =
  | { readonly kind: "dhcp"; readonly dns: readonly string[] }
  | { readonly kind: "static"; readonly cidr: string; readonly address: string; readonly prefixLength: number; readonly gateway: string; readonly dns: readonly string[] };

/** How to write `vm.ipCidr`. */
export const VM_IP_CIDR_FIX = 'write the VM\'s address and prefix length, e.g. "192.168.1.15/24", or "" for DHCP';

/** True for a dotted IPv4 address or an IPv6 address. */
export const isIpAddress = (v: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(v) || (v.includes(":") && ipaddr.IPv6.isValid(v));

/**
 * Why `v` is not an IPv4 interface address in CIDR form (`192.168.1.15/24`), if it is not. Unlike a
 * network block, the host bits are the point; the network and broadcast addresses are refused.
 */
export function interfaceCidrProblem(v: string): string | undefined {
  const slash = v.indexOf("/");
  if (slash < 0) return "has no prefix length (/1 to /32)";
  const addr = v.slice(0, slash);
  const prefix = v.slice(slash + 1);
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr)) return "does not start with a dotted IPv4 address";
  if (!/^\d{1,2}$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > 32) return "has a prefix length outside 1-32";
  if (Number(prefix) <= 30) {
    if (ipaddr.IPv4.networkAddressFromCIDR(v).toString() === addr) return "is the network address of its subnet, not a host address";
    if (ipaddr.IPv4.broadcastAddressFromCIDR(v).toString() === addr) return "is the broadcast address of its subnet, not a host address";
  }
  return undefined;
}

/**
 * Checks across `vm.ipCidr`, `vm.gateway` and `vm.dns` (raw input): a static address needs a
 * gateway inside its subnet and at least one DNS server; DHCP takes no gateway. Each check only
 * fires when the keys it compares are individually well-formed (those are reported on their own).
 */
export function vmNetworkIssues(vm: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const cidr = typeof vm["ipCidr"] === "string" ? vm["ipCidr"] : undefined;
  const gateway = vm["gateway"];
  if (cidr !== undefined && cidr !== "" && interfaceCidrProblem(cidr) === undefined) {
    if (gateway === undefined) {
      issues.push({ path: "vm.gateway", message: "is missing while vm.ipCidr sets a static address", fix: 'give the default gateway of the subnet, e.g. "192.168.1.1", or set vm.ipCidr to "" for DHCP' });
    } else if (typeof gateway === "string" && ipaddr.IPv4.isValidFourPartDecimal(gateway)) {
      const [net, len] = ipaddr.IPv4.parseCIDR(cidr);
      if (!ipaddr.IPv4.parse(gateway).match(net, len)) {
        issues.push({ path: "vm.gateway", message: `${gateway} is outside the subnet of vm.ipCidr (${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${len})`, fix: "give a gateway inside the VM's subnet, or correct the prefix length of vm.ipCidr" });
      } else if (gateway === cidr.slice(0, cidr.indexOf("/"))) {
        issues.push({ path: "vm.gateway", message: "is the VM's own address", fix: "give the router's address as the gateway" });
      }
    }
    if (!Array.isArray(vm["dns"]) || vm["dns"].length === 0) {
      issues.push({ path: "vm.dns", message: "is empty while vm.ipCidr sets a static address", fix: 'list at least one DNS server, e.g. ["192.168.1.1"]' });
    }
  } else if ((cidr === undefined || cidr === "") && gateway !== undefined) {
    issues.push({ path: "vm.gateway", message: "is set while the VM uses DHCP (vm.ipCidr is empty)", fix: "remove vm.gateway, or set vm.ipCidr to a static address" });
  }
  if (Array.isArray(vm["dns"])) {
    const dns = vm["dns"] as unknown[];
    dns.forEach((d, i) => {
      const first = dns.indexOf(d);
      if (typeof d === "string" && first !== i) issues.push({ path: `vm.dns[${i}]`, message: `repeats vm.dns[${first}]`, fix: "list each DNS server once" });
    });
  }
  return issues;
}

/** The network of validated keys: DHCP for an empty `ipCidr`, otherwise the static address. */
export function resolveVmNetwork(ipCidr: string, gateway: string | undefined, dns: readonly string[]): VmNetwork {
  if (ipCidr === "") return { kind: "dhcp", dns };
  const slash = ipCidr.indexOf("/");
  return { kind: "static", cidr: ipCidr, address: ipCidr.slice(0, slash), prefixLength: Number(ipCidr.slice(slash + 1)), gateway: gateway ?? "", dns };
}
