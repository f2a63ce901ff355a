export * from "./types.ts";
export { podOf, podsFrom, declaredPorts, DEFAULT_NAMESPACE } from "./pods-from.ts";
export type { WorkloadPod } from "./pods-from.ts";
export { selectorMatches, isEmptySelector, describeSelector } from "./label-selector.ts";
export { firstHost } from "./cidr.ts";
export {
  NAMESPACE_NAME_LABEL,
  networkPoliciesFrom,
  namespacesFrom,
  namespaceLabels,
  effectivePolicyTypes,
  isolatingPolicies,
  policyId,
} from "./policy-model.ts";
export type { NamespaceLabels } from "./policy-model.ts";
export { egressVerdict, ingressVerdict, connectionVerdict, describePeer, describeEndpoint } from "./verdict.ts";
export { networkPolicyFindings, policyFindings } from "./network-policy-findings.ts";
export { checkIsolationClaims, IsolationCollector, isRunnerPod, METADATA_ADDRESS, PROBE_POD_LABELS } from "./isolation-claims.ts";
export type { RunnerPod, ClaimId, ClaimResult, IsolationClaimOptions, IsolationReport, Reachability } from "./isolation-claims.ts";
