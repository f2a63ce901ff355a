/**
 * `runner-fleet/libvirt`: runners in libvirt VMs — Forgejo runner VMs (`LibvirtRunnerVm`, the
 * foundation-runners stack-config reader, `ForgejoRegistrationToken`) and GitHub runner pools
 * (`GitHubLibvirtRunners` and its stack-config reader), the cloud-init, libvirt and host-script
 * renderers and the model they take. Loads `@pulumi/pulumi` and `@pulumi/command` only: no
 * Kubernetes, AWS or Vault provider.
 */
export * from "../pulumi/libvirt-runner-vm.ts";
export * from "../pulumi/foundation-runners-config.ts";
export * from "../pulumi/forgejo-registration-token.ts";
export * from "../pulumi/forgejo-job-metrics.ts";
export * from "../pulumi/github-libvirt-runners.ts";
export * from "../pulumi/github-libvirt-config.ts";
export * from "../render/cloud-init/index.ts";
export * from "../render/libvirt/index.ts";
export * from "../render/scripts/index.ts";
export * from "../render/monitoring/index.ts";
export * from "../model/forgejo-vm.ts";
export * from "../model/forgejo-scope.ts";
export * from "../model/github-vm.ts";
export * from "../model/runner-guest.ts";
export * from "../model/forge.ts";
export * from "../model/substrate.ts";
export * from "../model/issues.ts";
export * from "../model/stack-settings.ts";
