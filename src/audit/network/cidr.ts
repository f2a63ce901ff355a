/**
 * CIDR math for ipBlock peers (IPv4 and IPv6), on top of ipaddr.js. Addresses are parsed strictly:
 * IPv4 only in dotted-quad form, as the Kubernetes API accepts them.
 */
import ipaddr from "ipaddr.js";

export type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = readonly [Address, number];

/** Parses an address, or returns undefined when it is not a valid IPv4 (dotted quad) or IPv6 address. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== "string") return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/** Parses `addr/bits`, or returns undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  if (ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return ipaddr.IPv4.parseCIDR(text);
  if (text.includes(":") && ipaddr.IPv6.isValidCIDR(text)) return ipaddr.IPv6.parseCIDR(text);
  return undefined;
}

/** Whether `address` lies inside `cidr` (different address families never match). */
export function cidrContains(cidr: Cidr, address: Address): boolean {
  const [net, bits] = cidr;
  if (net.kind() !== address.kind()) return false;
  return address.kind() === "ipv4"
    ? (address as ipaddr.IPv4).match(net as ipaddr.IPv4, bits)
    : (address as ipaddr.IPv6).match(net as ipaddr.IPv6, bits);
}

/** Whether `inner` is a strict subset of `outer` (what the API requires of `ipBlock.except`). */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  return inner[0].kind() === outer[0].kind() && inner[1] > outer[1] && cidrContains(outer, inner[0]);
}

/** The network address of a CIDR plus `offset` (1 = first host), as text. */
export function hostAddress(cidr: Cidr, offset = 1): string {
  const bytes = networkBytes(cidr);
  let carry = offset;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (bytes[i] ?? 0) + carry;
    bytes[i] = sum & 0xff;
    carry = Math.floor(sum / 256);
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/** The first host address of a CIDR (network address + 1), e.g. 10.96.0.1 for 10.96.0.0/12. */
export function firstHost(text: string): string | undefined {
  const cidr = parseCidr(text);
  return cidr === undefined ? undefined : hostAddress(cidr, 1);
}

function networkBytes(cidr: Cidr): number[] {
  const [addr, bits] = cidr;
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    bytes[i] = (bytes[i] ?? 0) & mask;
  }
  return bytes;
}

/** Canonical text of a CIDR's network, e.g. `10.0.0.0/8` for `10.1.2.3/8`. */
export function canonicalCidr(cidr: Cidr): string {
  const addr = ipaddr.fromByteArray(networkBytes(cidr));
  const text = addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
  return `${text}/${cidr[1]}`;
}

/** The first address after the range (broadcast + 1), or undefined when the range ends the address space. */
export function addressAfter(cidr: Cidr): string | undefined {
  const bytes = networkBytes(cidr);
  const bits = cidr[1];
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = (bytes[i] ?? 0) | (0xff >> keep);
  }
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] ?? 0) < 0xff) {
      bytes[i] = (bytes[i] ?? 0) + 1;
      const addr = ipaddr.fromByteArray(bytes);
      return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
    }
    bytes[i] = 0;
  }
  return undefined;
}
