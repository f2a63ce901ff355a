/**
 * The secret-id broker's settings: what its Lambda function (`src/lambda/secret-id-broker.ts`,
 * shipped as `index.mjs`) runs with, as the `settings.json` beside it in the function's archive.
 * Names, addresses and limits only: no secret. The code itself is the compiled module, the same
 * for every profile; `SecretIdBroker` puts both files into the archive.
 */
import type { AwsRunnerProfile } from "../../model/aws-runner.ts";
import { AWS_INSTANCE_PARAMETER_TAG, SECRET_ID_BROKER_DEFAULTS } from "../../model/aws-runner-defaults.ts";
import type { SecretIdBrokerOptions } from "../../model/aws/secret-id-broker.ts";
import type { SecretIdBrokerSettings } from "../../lambda/secret-id-broker.ts";
import { runnerLifecycleHookNames, secretIdBrokerNames } from "./secret-id-broker-names.ts";

export type { SecretIdBrokerSettings };

/** The settings for a profile. */
export function secretIdBrokerSettings(profile: AwsRunnerProfile, options: SecretIdBrokerOptions = {}): SecretIdBrokerSettings {
  const d = SECRET_ID_BROKER_DEFAULTS;
  const hooks = runnerLifecycleHookNames(profile);
  const { approle } = profile.vault;
  return {
    vaultAddress: profile.vault.address.replace(/\/+$/, ""),
    vaultAwsAuthMount: options.vaultAwsAuthMount ?? d.vaultAwsAuthMount,
    vaultAwsAuthRole: secretIdBrokerNames(profile).vaultRoleName,
    vaultIamServerId: options.vaultIamServerId ?? new URL(profile.vault.address).hostname,
    stsEndpoint: options.stsEndpoint ?? d.stsEndpoint,
    stsRegion: options.stsRegion ?? d.stsRegion,
    secretIdPath: `auth/${approle.mountPath}/role/${approle.roleName}/secret-id`,
    wrapTtlSeconds: options.wrapTtlSeconds ?? d.wrapTtlSeconds,
    parameterPrefix: profile.ssm.wrappedSecretId,
    instanceParameterTag: AWS_INSTANCE_PARAMETER_TAG,
    // With jitConfigMintedBy: broker the function mints each instance's JIT configuration instead.
    jitConfig:
      profile.github.mintedBy === "broker"
        ? { parameterPrefix: profile.ssm.jitConfig, githubTokenPath: profile.vault.githubTokenPath, url: profile.github.jitConfigUrl, runnerGroupId: profile.github.runnerGroupId, labels: [...profile.github.labels] }
        : null,
    kmsKeyId: profile.ssm.kmsKeyArn ?? "",
    autoScalingGroupName: options.autoScalingGroupName ?? profile.name,
    launchHookName: hooks.launch,
    terminateHookName: hooks.terminate,
    attempts: d.attempts,
    vaultTimeoutMs: d.vaultTimeoutMs,
  };
}

/** The files of the function's archive, and its handler. */
export const SECRET_ID_BROKER_FILE = "index.mjs";
export const SECRET_ID_BROKER_SETTINGS_FILE = "settings.json";
export const SECRET_ID_BROKER_HANDLER = "index.handler";

/** `settings.json` of the function's archive. */
export function renderSecretIdBrokerSettingsFile(settings: SecretIdBrokerSettings): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}
