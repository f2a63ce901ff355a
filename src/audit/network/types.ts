/**
 * Vocabulary of the NetworkPolicy reachability engine: pods, endpoints, verdicts and findings.
 * The engine is pure: it reads Kubernetes objects and never talks to a cluster.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

/** Any Kubernetes object as parsed from YAML or rendered by the project. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly [field: string]: unknown;
}

export type Labels = Readonly<Record<string, string>>;

/** NetworkPolicy protocols. A port without a protocol means TCP. */
export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** A container port a pod declares; named NetworkPolicy ports resolve against these. */
export interface DeclaredPort {
  readonly name?: string;
  readonly containerPort: number;
  /** @default "TCP" */
  readonly protocol?: string;
}

/** A pod as the engine sees it: where it lives and which labels it carries. */
export interface PodRef {
  readonly namespace: string;
  readonly labels: Labels;
  /** Display name used in reasons, e.g. `ci/Deployment/runner`. */
  readonly name?: string;
  /**
   * The pod's address. Only needed when ipBlock rules should also be matched against the pod:
   * whether a CNI applies ipBlock to pod addresses differs (see docs/audit.md).
   */
  readonly ip?: string;
  /** Container ports, to resolve named ports. */
  readonly ports?: readonly DeclaredPort[];
  /** A host-network pod: NetworkPolicy does not apply to it. @default false */
  readonly hostNetwork?: boolean;
}

/** An address outside the pod model (node, service, metadata, internet). */
export interface IpPeer {
  readonly ip: string;
}

/** The destination port of a connection. */
export interface PortSpec {
  readonly port: number;
  /** @default "TCP" */
  readonly protocol?: Protocol;
}

export type IpEndpoint = IpPeer & PortSpec;
export type PodEndpoint = PodRef & PortSpec;
/** A connection's destination: an address or a pod, with the destination port. */
export type Endpoint = IpEndpoint | PodEndpoint;
/** A connection's source, or the far side of an ingress rule. */
export type Peer = IpPeer | PodRef;

export function isPod(e: Peer | Endpoint): e is PodRef {
  return typeof (e as { namespace?: unknown }).namespace === "string";
}

export type Direction = "Ingress" | "Egress";

/** The outcome for one direction of one connection. */
export interface Verdict {
  readonly allowed: boolean;
  /** Whether some policy selecting the pod lists this direction (otherwise everything is allowed). */
  readonly isolated: boolean;
  /** One sentence a person can act on. */
  readonly reason: string;
  /**
   * When allowed by policy: every rule that allows it, as `namespace/name egress[i]`.
   * When denied: every policy that isolates the pod for this direction, as `namespace/name`.
   * When not isolated: empty.
   */
  readonly policies: readonly string[];
}

/** Both halves of a pod-to-pod (or address-to-pod) connection. */
export interface ConnectionVerdict {
  readonly allowed: boolean;
  readonly reason: string;
  /** Egress of the source pod; absent when the source is an address. */
  readonly egress?: Verdict;
  /** Ingress of the destination pod; absent when the destination is an address. */
  readonly ingress?: Verdict;
}

/** A problem in a NetworkPolicy itself: invalid (the API server rejects it) or misleading. */
export interface NetworkPolicyFinding {
  readonly severity: "error" | "warning";
  /** `namespace/name` of the policy. */
  readonly policy: string;
  /** Field path inside the policy, e.g. `spec.egress[0].to[0].ipBlock.except[0]`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}
