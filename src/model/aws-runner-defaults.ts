/**
 * Every default of the AWS EC2 runner profile (`aws-runner.ts`), in one place. The docs'
 * `@default` tags and docs/aws-runners.md quote these values, and a test checks that they agree.
 */

/** Who may send work to the runners: `untrusted` runners take jobs from forks and outsiders. */
export const AWS_RUNNER_TRUST_LEVELS = ["untrusted", "trusted"] as const;
export type AwsRunnerTrustLevel = (typeof AWS_RUNNER_TRUST_LEVELS)[number];

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
  /** Labels the runners register with; workflows target them with `runs-on`. */
  labels: ["self-hosted", "build-fips", "linux"] as readonly string[],
  /** Root volume size in GiB (gp3, encrypted). */
  rootVolumeGiB: 100,
  /** CloudWatch Logs group the runner writes to. */
  logGroupName: "/ci-intel/runner",
  /** CloudWatch metric namespace the runner may publish to. */
  metricNamespace: "CI/IntelRunner",
  ssm: {
    /** Path every runner parameter lives under; the instance role may read only below it. */
    path: "/ci-intel/runner",
    /** SecureString holding a GitHub runner registration token (rotated by a trusted broker). */
    registrationToken: "/ci-intel/runner/registration-token",
    /** String holding the Vault AppRole role id. */
    roleId: "/ci-intel/runner/role-id",
    /** Prefix of the per-instance SecureString `<prefix>/<instance-id>` holding a response-wrapped secret id. */
    wrappedSecretId: "/ci-intel/runner/wrapped-secret-id",
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
