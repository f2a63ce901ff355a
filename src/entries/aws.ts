/**
 * `runner-fleet/aws`: hardened EC2 runners — `AwsRunnerNetwork`, `AwsRunnerIam`,
 * `AwsRunnerFleet`, `AwsSecretIdBroker`, `VaultRunnerAppRole`, the AWS stack-config reader, the
 * AWS, Vault and monitoring renderers and the model they take. Loads `@pulumi/pulumi`,
 * `@pulumi/aws` and `@pulumi/vault` only: no Kubernetes or Command provider.
 */
export * from "../pulumi/aws-runner-network.ts";
export * from "../pulumi/aws-runner-iam.ts";
export * from "../pulumi/aws-runner-fleet.ts";
export * from "../pulumi/aws-secret-id-broker.ts";
export * from "../pulumi/vault-runner-approle.ts";
export * from "../pulumi/aws-stack-config.ts";
export * from "../render/aws/index.ts";
export * from "../render/vault/index.ts";
export * from "../render/monitoring/index.ts";
export * from "../model/aws-runner.ts";
export * from "../model/aws-scope.ts";
export * from "../model/profiles.ts";
export * from "../model/forge.ts";
export * from "../model/substrate.ts";
export * from "../model/issues.ts";
export * from "../model/stack-settings.ts";
