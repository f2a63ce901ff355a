/**
 * `runner-fleet/kubernetes`: runners on Kubernetes — hardened Deployments (`KubernetesRunners`, GitHub or Forgejo runners)
 * and ARC scale sets (`GitHubRunnerScaleSet`), their stack-config readers, the Kubernetes
 * renderers and the model they take. Loads `@pulumi/pulumi` and `@pulumi/kubernetes` only: no
 * AWS, Vault or Command provider.
 */
export * from "../pulumi/kubernetes-runners.ts";
export * from "../pulumi/github-runner-scale-set.ts";
export * from "../pulumi/arc-controller.ts";
export * from "../pulumi/arc-stack-config.ts";
export * from "../pulumi/stack-config.ts";
export * from "../render/kubernetes/index.ts";
export * from "../model/kubernetes-fleet.ts";
export * from "../model/gh-runner.ts";
export * from "../model/forgejo-k8s.ts";
export * from "../model/arc-scale-set.ts";
export * from "../model/arc-fleet.ts";
export * from "../model/arc-metrics.ts";
export * from "../model/arc-container-mode.ts";
export * from "../model/kubernetes-runner.ts";
export * from "../model/defaults.ts";
export * from "../model/forge.ts";
export * from "../model/substrate.ts";
export * from "../model/issues.ts";
export * from "../model/stack-settings.ts";
