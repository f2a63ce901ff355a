/** CIDR arithmetic for network configuration, on ipaddr.js: parse, normalise, containment, overlap. */
import ipaddr from "ipaddr.js";

/** A parsed CIDR block: its normalised text, address family, network address and prefix length. */
export interface Cidr {
  readonly text: string;
  readonly family: "ipv4" | "ipv6";
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
}

/** Parses a CIDR block; returns a reason string (and, for host bits, the corrected block) when it is not one. */
export function parseCidr(text: string): Cidr | { readonly problem: string; readonly fix: string } {
  const v4 = ipaddr.IPv4.isValidCIDRFourPartDecimal(text);
  if (!v4 && !(text.includes(":") && ipaddr.IPv6.isValidCIDR(text))) {
    return { problem: `"${text}" is not a CIDR block`, fix: 'write an address and a prefix length, e.g. "10.42.0.0/16" or "2001:db8::/32"' };
  }
  const [addr, prefix] = ipaddr.parseCIDR(text);
  const network = v4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  const canonical = `${network.toString()}/${prefix}`;
  if (addr.toNormalizedString() !== network.toNormalizedString()) {
    return { problem: `"${text}" has host bits set`, fix: `use the network address: "${canonical}"` };
  }
  return { text: canonical, family: network.kind(), network, prefix };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && inner.network.match(outer.network, outer.prefix);
}

/** True when two blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Narrows a {@link parseCidr} result to a block. */
export const isCidr = (c: ReturnType<typeof parseCidr>): c is Cidr => "text" in c;
