/**
 * NetworkPolicies that fence runner pods, written once for every Kubernetes substrate: default deny
 * in both directions, DNS to the cluster's DNS pods, HTTPS to public addresses only. Policies only
 * ever allow, so these three are the whole of what a fenced pod may reach.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.js";

export interface NetworkFence {
  readonly namespace: string;
  /** The pods fenced (`{}`: every pod of the namespace). */
  readonly podSelector: LabelSelector;
  /** Prefix of the policies' names ("" for the plain names). */
  readonly namePrefix: string;
  readonly dns: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** Ranges HTTPS egress never reaches. */
  readonly except: readonly string[];
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
  ];
}

