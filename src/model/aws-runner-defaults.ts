/**
 * Every AWS default, in one place, one constant per concept: the runner profile
 * (`aws-runner.ts`), the fleet (`aws/fleet.ts`), the secret-id broker (`aws/secret-id-broker.ts`)
 * and the aws-firecracker-runners stack (`aws/stack.ts`). Components and the stack's settings spec
 * take their defaults from here; the docs' `@default` tags and docs/aws-runners.md quote these
 * values, and tests check that they agree.
 */

/** Who may send work to the runners: `untrusted` runners take jobs from forks and outsiders. */
export const AWS_RUNNER_TRUST_LEVELS = ["untrusted", "trusted"] as const;
export type AwsRunnerTrustLevel = (typeof AWS_RUNNER_TRUST_LEVELS)[number];

/**
 * Who mints a runner's just-in-time configuration (`generate-jitconfig`): the instance itself at
 * boot, with a GitHub App installation token it obtains from Vault, or the secret-id broker
 * (the launch hook's Lambda function), which writes it to the instance's own SSM parameter.
 */
export const AWS_JIT_CONFIG_MINTERS = ["instance", "broker"] as const;
export type AwsJitConfigMinter = (typeof AWS_JIT_CONFIG_MINTERS)[number];

/**
 * Tag on every per-instance SSM parameter (wrapped secret id, JIT configuration): the ARN of the
 * instance it belongs to. The runner role may read a per-instance parameter only when this tag
 * equals `${ec2:SourceInstanceARN}`, the instance its credentials were issued to.
 */
export const AWS_INSTANCE_PARAMETER_TAG = "runner-fleet:instance-arn";

/** How the runner reaches the AWS APIs it calls (SSM, Session Manager, CloudWatch Logs, ECR, S3). */
export const AWS_EGRESS_MODES = ["endpoints", "nat"] as const;
export type AwsEgressMode = (typeof AWS_EGRESS_MODES)[number];

/** VPC interface endpoints created in `endpoints` mode (service name suffix after `com.amazonaws.<region>.`). */
export const AWS_INTERFACE_ENDPOINT_SERVICES = ["ssm", "ssmmessages", "ec2messages", "logs", "ecr.api", "ecr.dkr"] as const;
/** VPC gateway endpoints created in `endpoints` mode (ECR keeps image layers in S3). */
export const AWS_GATEWAY_ENDPOINT_SERVICES = ["s3"] as const;

/** Every default of the AWS runner profile, in one place; the docs quote these values. */
export const AWS_RUNNER_DEFAULTS = {
  /** Base name of the profile's resources: role `<name>-role`, Vault role `<name>`. */
  name: "ci-intel-runner",
  /** Untrusted until declared otherwise. */
  trustLevel: "untrusted" as AwsRunnerTrustLevel,
  /** VPC address range. */
  vpcCidr: "10.42.0.0/16",
  /** The runners' private subnet; it must lie inside `vpcCidr`. */
  subnetCidr: "10.42.10.0/24",
  /** AWS APIs through VPC endpoints, so they need no allowlist entry and never cross the internet. */
  egressMode: "endpoints" as AwsEgressMode,
  /** Port of an egress rule. */
  egressPort: 443,
  /** Protocol of an egress rule. */
  egressProtocol: "tcp" as "tcp" | "udp",
  /** No SSH ingress. */
  sshAllowedCidrs: [] as readonly string[],
  /** Session Manager shell access (and its IAM statements) is off. */
  sessionManager: false,
  /** No ECR repositories to pull from or push to. */
  ecrRepositoryArns: [] as readonly string[],
  /** Intel Xeon 6 instance type with nested virtualization, so Firecracker gets /dev/kvm. */
  instanceType: "c8i.2xlarge",
  /** The image Packer builds (`infra/packer/ci-intel-runner.pkr.json`) in the deploying account. */
  ami: { nameFilter: "ci-intel-runner-*", owners: ["self"] as readonly string[] },
  /** Auto Scaling group size: no floor, at most 4 runners, 1 idle runner waiting for a job. */
  capacity: { min: 0, max: 4, desired: 1 },
  /** The runner group the runners join (`runner_group_id` of the JIT request): 1 is the Default group. */
  runnerGroupId: 1,
  /** The instance mints its own JIT configuration: the broker then needs no GitHub credential. */
  jitConfigMintedBy: "instance" as AwsJitConfigMinter,
  /** Labels the runners register with; workflows target them with `runs-on`. */
  labels: ["self-hosted", "build-fips", "linux"] as readonly string[],
  /** Root volume size in GiB (gp3, encrypted). */
  rootVolumeGiB: 100,
  /** CloudWatch Logs group the runner writes to. */
  logGroupName: "/ci-intel/runner",
  /** CloudWatch metric namespace the runner may publish to. */
  metricNamespace: "CI/IntelRunner",
  ssm: {
    /** Path every runner parameter lives under. */
    path: "/ci-intel/runner",
    /** SecureString holding the Vault AppRole role id (shared by the instances). */
    roleId: "/ci-intel/runner/role-id",
    /** Prefix of the per-instance SecureString `<prefix>/<instance-id>` holding a response-wrapped secret id. */
    wrappedSecretId: "/ci-intel/runner/wrapped-secret-id",
    /** Prefix of the per-instance SecureString `<prefix>/<instance-id>` holding a JIT configuration (jitConfigMintedBy: broker). */
    jitConfig: "/ci-intel/runner/jit-config",
  },
  vault: {
    /** Vault path that mints a short-lived GitHub token (GitHub secrets engine). */
    githubTokenPath: "github/token",
    /** KV v2 data path the runner may read. */
    kvPath: "kv/data/ci/intel/*",
    /** Name of the Vault policy granting the two paths above. */
    policyName: "ci-runner",
    approle: {
      /** Mount path of the AppRole auth method. */
      mountPath: "approle",
      /** Lifetime of a secret id. */
      secretIdTtl: "15m",
      /** A secret id logs in once. */
      secretIdNumUses: 1,
      /** Lifetime of a login token. */
      tokenTtl: "15m",
      /** Longest a login token may be renewed to. */
      tokenMaxTtl: "30m",
    },
  },
} as const;

/** Defaults of the runner fleet's options (`AwsRunnerFleet`). */
export const AWS_RUNNER_FLEET_DEFAULTS = {
  /** Days the runner log group keeps events. */
  logRetentionDays: 30,
  /** Replace instances when the launch template changes. */
  instanceRefresh: true,
  /** Launch and termination lifecycle hooks for the secret-id broker. */
  lifecycleHooks: true,
  /** Seconds the broker has to deliver (or revoke) a secret id before the hook's default result applies. */
  lifecycleHookTimeoutSeconds: 300,
} as const;

/** Defaults of the secret-id broker's function settings (`secretIdBrokerSettings`). */
export const SECRET_ID_BROKER_DEFAULTS = {
  /** Lifetime of a wrapping token: as long as the launch hook waits. */
  wrapTtlSeconds: 300,
  /** Mount path of Vault's AWS auth method. */
  vaultAwsAuthMount: "aws",
  /** Vault's default STS endpoint and signing region for IAM logins. */
  stsEndpoint: "https://sts.amazonaws.com/",
  stsRegion: "us-east-1",
  attempts: 3,
  vaultTimeoutMs: 5000,
} as const;

/** Defaults of the secret-id broker's AWS resources (`SecretIdBroker`). */
export const SECRET_ID_BROKER_COMPONENT_DEFAULTS = {
  /** Days the function's log group keeps events. */
  logRetentionDays: 30,
  /** Seconds one invocation may take (three Vault attempts with 5 s timeouts fit well inside). */
  timeoutSeconds: 60,
  memorySizeMb: 128,
  /** How long EventBridge and Lambda keep retrying an event: the launch hook's timeout. */
  maximumEventAgeSeconds: 300,
} as const;

/** Defaults of the broker's Vault role. */
export const SECRET_ID_BROKER_VAULT_DEFAULTS = {
  /** A login serves one invocation (at most a few Vault requests). */
  tokenTtl: 120,
  tokenMaxTtl: 300,
} as const;

/** Defaults of the aws-firecracker-runners stack's own keys (its settings spec and Pulumi.yaml state the same). */
export const AWS_STACK_DEFAULTS = {
  /** Runner profile of `config/runner-isolation.yaml` whose labels and trust the runners take. */
  profile: "aws-fips",
  /** The profiles file, relative to the stack directory. */
  profilesFile: "../../../config/runner-isolation.yaml",
} as const;
