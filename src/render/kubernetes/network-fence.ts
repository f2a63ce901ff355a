/**
 * NetworkPolicies that fence runner pods, written once for every Kubernetes substrate: default deny
 * in both directions, DNS to the cluster's DNS pods, HTTPS to public addresses only, the forge
 * where public HTTPS does not reach it (a private address or another port), and each extra egress
 * destination the fleet names (a block and its ports, one policy each). Policies only ever allow,
 * so these are the whole of what a fenced pod may reach.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";
import { type EgressProtocol, EXTRA_EGRESS_POLICY } from "../../model/extra-egress.ts";

export interface NetworkFence {
  readonly namespace: string;
  /** The pods fenced (`{}`: every pod of the namespace). */
  readonly podSelector: LabelSelector;
  /** Prefix of the policies' names ("" for the plain names). */
  readonly namePrefix: string;
  readonly dns: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** Ranges HTTPS egress never reaches. */
  readonly except: readonly string[];
  /** The forge, when public HTTPS on port 443 does not reach it: its port and blocks (none: public addresses). */
  readonly forge?: { readonly port: number; readonly cidrs?: readonly string[] };
  /** Further destinations, each its own policy `<namePrefix>allow-egress-<name>`: one block, its ports. */
  readonly extraEgress?: readonly FenceEgress[];
}

/** One destination beyond the fence's own: a block and the ports on it. */
export interface FenceEgress {
  readonly name: string;
  readonly cidr: string;
  readonly ports: readonly { readonly port: number; readonly protocol: EgressProtocol }[];
}

export function fenceNetworkPolicies(f: NetworkFence): NetworkPolicy[] {
  const meta = (name: string) => ({ name: `${f.namePrefix}${name}`, namespace: f.namespace, labels: { "app.kubernetes.io/part-of": "runner-fleet" } });
  const podSelector = () => structuredClone(f.podSelector) as LabelSelector;
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("default-deny-all"),
      spec: { podSelector: podSelector(), policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-dns-egress"),
      spec: {
        podSelector: podSelector(),
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": f.dns.namespace } }, podSelector: { matchLabels: { ...f.dns.podLabels } } }],
            ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
          },
        ],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-https-egress-public"),
      spec: {
        podSelector: podSelector(),
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...f.except] } }], ports: [{ protocol: "TCP", port: 443 }] }],
      },
    },
    ...(f.forge === undefined ? [] : [forgePolicy(f, f.forge, meta("allow-forge-egress"), podSelector())]),
    ...(f.extraEgress ?? []).map((e): NetworkPolicy => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(`${EXTRA_EGRESS_POLICY}${e.name}`),
      spec: { podSelector: podSelector(), policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: e.cidr } }], ports: e.ports.map((p) => ({ protocol: p.protocol, port: p.port })) }] },
    })),
  ];
}

/** Egress to the forge only: its blocks (or public addresses) on its port. */
function forgePolicy(f: NetworkFence, forge: NonNullable<NetworkFence["forge"]>, metadata: NetworkPolicy["metadata"], podSelector: LabelSelector): NetworkPolicy {
  const to = forge.cidrs === undefined ? [{ ipBlock: { cidr: "0.0.0.0/0", except: [...f.except] } }] : forge.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    ...(metadata === undefined ? {} : { metadata }),
    spec: { podSelector, policyTypes: ["Egress"], egress: [{ to, ports: [{ protocol: "TCP", port: forge.port }] }] },
  };
}

