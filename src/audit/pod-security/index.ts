export * from "./types.ts";
export { BASELINE_CAPABILITIES, SAFE_SYSCTLS, SELINUX_TYPES } from "./baseline-checks.ts";
export { RESTRICTED_VOLUME_TYPES } from "./restricted-checks.ts";
export { REQUIRED_RESOURCES } from "./hardening-checks.ts";
export { checkPodSecurity, strictestLevel, podSecurityOfObjects, podSecurityOf } from "./check-pod-security.ts";
export type { WorkloadPodSecurity } from "./check-pod-security.ts";
export { TRUST_LEVEL_LABEL, containerModesOf, runnerPlacement, privilegeVerdict } from "./container-mode.ts";
export type { ContainerModeUse } from "./container-mode.ts";
