/**
 * NoCloud `network-config`: netplan version 2, one ethernet matched by name (`en*`, the virtio NIC
 * on q35 is `enp1s0`), with a static address, default route and nameservers, or DHCPv4.
 */
import { stringify } from "yaml";
import type { VmNetwork } from "../../model/vm-network.ts";

/** Key of the ethernet entry; netplan uses it as an ID only, `match` selects the NIC. */
export const NETWORK_ID = "primary";

export interface NetplanEthernet {
  readonly match: { readonly name: string };
  readonly dhcp4: boolean;
  readonly dhcp6: false;
  /** DHCP leases follow the (stable) MAC address instead of the machine-id based DUID. */
  readonly "dhcp-identifier"?: "mac";
  readonly addresses?: readonly string[];
  /**
   * The default route as `0.0.0.0/0`: netplan reads it the same as `default`, and cloud-init
   * releases before 23.x (e.g. Debian 12's 22.4) refuse `to: default` when parsing network-config.
   */
  readonly routes?: readonly { readonly to: "0.0.0.0/0"; readonly via: string }[];
  readonly nameservers?: { readonly addresses: readonly string[] };
}

export interface NetworkConfig {
  readonly version: 2;
  readonly ethernets: Readonly<Record<string, NetplanEthernet>>;
}

export function networkConfig(n: VmNetwork): NetworkConfig {
  const nameservers = n.dns.length > 0 ? { nameservers: { addresses: [...n.dns] } } : {};
  const eth: NetplanEthernet =
    n.kind === "dhcp"
      ? { match: { name: "en*" }, dhcp4: true, dhcp6: false, "dhcp-identifier": "mac", ...nameservers }
      : { match: { name: "en*" }, dhcp4: false, dhcp6: false, addresses: [n.cidr], routes: [{ to: "0.0.0.0/0", via: n.gateway }], ...nameservers };
  return { version: 2, ethernets: { [NETWORK_ID]: eth } };
}

export function renderNetworkConfig(n: VmNetwork): string {
  return stringify(networkConfig(n));
}
