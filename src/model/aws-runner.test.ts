import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ConfigError } from "./issues.ts";
import { configIssueChecks } from "../../test/config-issues.ts";
import { AWS_RUNNER_DEFAULTS, type AwsRunnerProfileInput, durationSeconds, kvmSource, parseCidr, resolveAwsRunnerProfile, resolveAwsScope } from "./aws-runner.ts";

const GITHUB = { name: "github", cidrs: ["140.82.112.0/20", "2606:50c0::/32"] };
const NTP = { name: "ntp", cidrs: ["169.254.169.123/32"], port: 123, protocol: "udp" };
const profile = (over: Record<string, unknown> = {}): AwsRunnerProfileInput =>
  ({ githubUrl: "https://github.com/acme", egress: { allow: [GITHUB, NTP] }, vault: { address: "https://vault.internal.example:8200" }, ...over }) as AwsRunnerProfileInput;

const { issuesOf, expectIssue } = configIssueChecks(resolveAwsRunnerProfile, "profile");

describe("AWS runner profile: defaults", () => {
  const p = resolveAwsRunnerProfile(profile());
  it("uses the documented network, instance, capacity and label defaults", () => {
    assert.equal(p.vpcCidr, "10.42.0.0/16");
    assert.equal(p.subnetCidr, "10.42.10.0/24");
    assert.equal(p.egress.mode, "endpoints");
    assert.deepEqual(p.sshAllowedCidrs, []);
    assert.equal(p.sessionManager, false);
    assert.deepEqual(p.ecr, { pullRepositoryArns: [], pushRepositoryArns: [] });
    assert.equal(p.instanceType, "c8i.2xlarge");
    assert.equal(p.kvm, "nested-virtualization");
    assert.deepEqual(p.ami, { kind: "lookup", nameFilter: "ci-intel-runner-*", owners: ["self"] });
    assert.deepEqual(p.capacity, { min: 0, max: 4, desired: 1 });
    assert.deepEqual(p.labels, ["self-hosted", "build-fips", "linux"]);
    assert.equal(p.trustLevel, "untrusted");
    assert.equal(p.roleName, "ci-intel-runner-role");
  });
  it("defaults an egress rule to tcp 443 and keeps NTP as udp 123", () => {
    assert.deepEqual(p.egress.allow[0], { name: "github", protocol: "tcp", port: 443, cidrs: ["140.82.112.0/20", "2606:50c0::/32"] });
    assert.deepEqual(p.egress.allow[1], { name: "ntp", protocol: "udp", port: 123, cidrs: ["169.254.169.123/32"] });
  });
  it("uses the documented SSM parameter names", () => {
    assert.deepEqual(p.ssm, { path: "/ci-intel/runner", roleId: "/ci-intel/runner/role-id", wrappedSecretId: "/ci-intel/runner/wrapped-secret-id", jitConfig: "/ci-intel/runner/jit-config" });
    assert.ok(!("registrationToken" in p.ssm), "no registration token parameter");
  });
  it("registers just in time, minted by the instance, in the Default group, with GitHub's implicit labels", () => {
    assert.deepEqual(p.github, {
      mintedBy: "instance",
      scope: { kind: "org", org: "acme" },
      apiUrl: "https://api.github.com",
      jitConfigUrl: "https://api.github.com/orgs/acme/actions/runners/generate-jitconfig",
      runnersUrl: "https://api.github.com/orgs/acme/actions/runners",
      runnerGroupId: 1,
      labels: ["self-hosted", "build-fips", "linux"],
    });
    assert.deepEqual([AWS_RUNNER_DEFAULTS.runnerGroupId, AWS_RUNNER_DEFAULTS.jitConfigMintedBy], [1, "instance"]);
    const ghes = resolveAwsRunnerProfile(profile({ githubUrl: "https://ghes.example.com/acme/app", labels: ["gpu"], jitConfigMintedBy: "broker" })).github;
    assert.deepEqual([ghes.mintedBy, ghes.jitConfigUrl, ghes.labels], ["broker", "https://ghes.example.com/api/v3/repos/acme/app/actions/runners/generate-jitconfig", ["gpu", "self-hosted", "linux"]]);
    const group = resolveAwsRunnerProfile(profile({ githubUrl: "https://github.com/enterprises/big-co", runnerGroup: "fips", runnerGroupId: 7 })).github;
    assert.deepEqual([group.runnersUrl, group.runnerGroupId], ["https://api.github.com/enterprises/big-co/actions/runners", 7]);
  });
  it("uses the documented Vault paths and AppRole lifetimes, in seconds", () => {
    assert.equal(p.vault.githubTokenPath, "github/token");
    assert.equal(p.vault.kvPath, "kv/data/ci/intel/*");
    assert.equal(p.vault.policyName, "ci-runner");
    assert.deepEqual(p.vault.approle, { mountPath: "approle", roleName: "ci-intel-runner", secretIdTtlSeconds: 900, secretIdNumUses: 1, tokenTtlSeconds: 900, tokenMaxTtlSeconds: 1800 });
  });
  it("every @default in the schema and docs/aws-runners.md quotes AWS_RUNNER_DEFAULTS", () => {
    const src = readFileSync(new URL("./aws-runner.ts", import.meta.url), "utf8");
    const docs = readFileSync(new URL("../../docs/aws-runners.md", import.meta.url), "utf8");
    const d = AWS_RUNNER_DEFAULTS;
    for (const quoted of [`"${d.instanceType}"`, `"${d.vpcCidr}"`, `"${d.subnetCidr}"`, `"${d.egressMode}"`, `"${d.logGroupName}"`, `"${d.metricNamespace}"`, String(d.rootVolumeGiB)]) {
      assert.ok(src.includes(`@default ${quoted}`), `schema lacks @default ${quoted}`);
      assert.ok(docs.includes(quoted.replaceAll('"', "`")), `docs lack ${quoted}`);
    }
    assert.ok(src.includes(`@default ${JSON.stringify(d.labels)}`), "schema lacks the labels @default");
    assert.ok(docs.includes(d.ssm.jitConfig) && docs.includes(d.ssm.roleId) && docs.includes(d.ssm.wrappedSecretId));
    assert.ok(src.includes(`@default ${d.runnerGroupId}`) && src.includes(`@default "${d.jitConfigMintedBy}"`), "schema lacks the JIT @defaults");
  });
});

describe("AWS runner profile: bad config is refused with key path and fix", () => {
  it("invalid CIDR", () => expectIssue(profile({ vpcCidr: "10.42.0.0/33" }), "vpcCidr", /not a CIDR block/, /address and a prefix length/));
  it("CIDR with host bits set names the network address", () => expectIssue(profile({ subnetCidr: "10.42.10.7/24" }), "subnetCidr", /host bits set/, /"10\.42\.10\.0\/24"/));
  it("subnet outside the VPC", () => expectIssue(profile({ subnetCidr: "10.50.0.0/24" }), "subnetCidr", /does not lie inside vpcCidr 10\.42\.0\.0\/16/, /choose a subnet inside/));
  it("subnet outside a default VPC names the default", () => expectIssue(profile({ subnetCidr: "192.168.0.0/24" }), "subnetCidr", /inside vpcCidr/, /widen vpcCidr/));
  it("VPC larger than AWS allows", () => expectIssue(profile({ vpcCidr: "10.0.0.0/8", subnetCidr: "10.0.0.0/24" }), "vpcCidr", /between \/16 and \/28/, /\/16 to \/28/));
  it("empty egress allowlist", () => expectIssue(profile({ egress: { allow: [] } }), "egress.allow", /is empty/, /list each destination/));
  it("0.0.0.0/0 in the allowlist", () => expectIssue(profile({ egress: { allow: [{ name: "all", cidrs: ["0.0.0.0/0"] }] } }), "egress.allow[0].cidrs[0]", /allows every destination/, /own CIDR blocks or a managed prefix list/));
  it("::/0 in the allowlist", () => expectIssue(profile({ egress: { allow: [GITHUB, { name: "all6", cidrs: ["::/0"], port: 53, protocol: "udp" }] } }), "egress.allow[1].cidrs[0]", /allows every destination/, /never contains/));
  it("the review's split catch-all 0.0.0.0/1 + 128.0.0.0/1 is refused, block by block", () => {
    const issues = issuesOf(profile({ egress: { allow: [GITHUB, NTP, { name: "wide", cidrs: ["0.0.0.0/1", "128.0.0.0/1"] }] } }));
    for (const [i, block] of [[0, "0.0.0.0/1"], [1, "128.0.0.0/1"]] as const) {
      const at = issues.filter((x) => x.path === `egress.allow[2].cidrs[${i}]`);
      assert.equal(at.length, 1, JSON.stringify(issues));
      assert.match(at[0]!.message, new RegExp(`${block.replaceAll(".", "\\.")} is wider than /8, the widest IPv4 block`));
      assert.match(at[0]!.fix, /published ranges.*managed prefix list \(prefixListId\)/);
    }
  });
  it("an IPv4 block wider than /8 is refused; a /8 is accepted", () => {
    expectIssue(profile({ egress: { allow: [GITHUB, { name: "half", cidrs: ["64.0.0.0/2"] }] } }), "egress.allow[1].cidrs[0]", /64\.0\.0\.0\/2 is wider than \/8/, /published ranges/);
    expectIssue(profile({ egress: { allow: [GITHUB, { name: "seven", cidrs: ["10.0.0.0/7"] }] } }), "egress.allow[1].cidrs[0]", /wider than \/8/, /managed prefix list/);
    const p = resolveAwsRunnerProfile(profile({ egress: { allow: [GITHUB, { name: "corp", cidrs: ["10.0.0.0/8"], port: 8200 }] } }));
    assert.deepEqual(p.egress.allow[1]!.cidrs, ["10.0.0.0/8"]);
  });
  it("an IPv6 block wider than /32 is refused; a /32 is accepted", () => {
    expectIssue(profile({ egress: { allow: [GITHUB, { name: "v6", cidrs: ["2000::/3"] }] } }), "egress.allow[1].cidrs[0]", /2000::\/3 is wider than \/32, the widest IPv6 block/, /published ranges/);
    expectIssue(profile({ egress: { allow: [GITHUB, { name: "v6", cidrs: ["2001:d00::/24"] }] } }), "egress.allow[1].cidrs[0]", /wider than \/32/, /prefixListId/);
    assert.deepEqual(resolveAwsRunnerProfile(profile()).egress.allow[0]!.cidrs, ["140.82.112.0/20", "2606:50c0::/32"]);
  });
  it("SSH sources get the same width bound", () =>
    expectIssue(profile({ ssh: { allowedCidrs: ["0.0.0.0/1"] } }), "ssh.allowedCidrs[0]", /wider than \/8/, /bastion's or VPN's own blocks/));
  it("overlapping CIDRs across rules with the same protocol and port name both key paths", () =>
    expectIssue(
      profile({ egress: { allow: [GITHUB, NTP, { name: "corp", cidrs: ["10.0.0.0/8"] }, { name: "registry", cidrs: ["192.0.2.0/24", "10.20.0.0/16"] }] } }),
      "egress.allow[3].cidrs[1]",
      /10\.20\.0\.0\/16 overlaps 10\.0\.0\.0\/8 at egress\.allow\[2\]\.cidrs\[0\], which already allows tcp 443/,
      /drop one of egress\.allow\[3\]\.cidrs\[1\] and egress\.allow\[2\]\.cidrs\[0\], or merge the two rules/,
    ));
  it("the same block in two rules is refused when protocol and port agree (defaults included)", () =>
    expectIssue(profile({ egress: { allow: [GITHUB, NTP, { name: "github-again", cidrs: ["140.82.112.0/20"], port: 443, protocol: "tcp" }] } }), "egress.allow[2].cidrs[0]", /overlaps 140\.82\.112\.0\/20 at egress\.allow\[0\]\.cidrs\[0\]/, /egress\.allow\[0\]\.cidrs\[0\]/));
  it("IPv6 overlaps across rules are caught too", () =>
    expectIssue(profile({ egress: { allow: [GITHUB, NTP, { name: "gh-pages", cidrs: ["2606:50c0:8000::/48"] }] } }), "egress.allow[2].cidrs[0]", /overlaps 2606:50c0::\/32 at egress\.allow\[0\]\.cidrs\[1\]/, /merge the two rules/));
  it("the same destination on another port is a separate service, not an overlap", () => {
    const p = resolveAwsRunnerProfile(profile({ egress: { allow: [GITHUB, NTP, { name: "github-ssh", cidrs: ["140.82.112.0/20"], port: 22 }] } }));
    assert.deepEqual(p.egress.allow[2], { name: "github-ssh", protocol: "tcp", port: 22, cidrs: ["140.82.112.0/20"] });
  });
  it("protocol -1 is never allowed", () => expectIssue(profile({ egress: { allow: [{ ...GITHUB, protocol: "-1" }] } }), "egress.allow[0].protocol", /every protocol and port/, /"tcp" or "udp"/));
  it("unknown protocol", () => expectIssue(profile({ egress: { allow: [{ ...GITHUB, protocol: "icmp" }] } }), "egress.allow[0].protocol", /not tcp or udp/, /"tcp" or "udp"/));
  it("overlapping CIDRs in one rule", () => expectIssue(profile({ egress: { allow: [{ name: "reg", cidrs: ["10.0.0.0/16", "10.0.4.0/24"] }] } }), "egress.allow[0].cidrs[1]", /overlaps 10\.0\.0\.0\/16/, /drop the narrower block/));
  it("rule with both cidrs and a prefix list", () => expectIssue(profile({ egress: { allow: [{ ...GITHUB, prefixListId: "pl-0123456789abcdef0" }] } }), "egress.allow[0]", /exactly one of cidrs or prefixListId/, /prefixListId/));
  it("rule with neither cidrs nor a prefix list", () => expectIssue(profile({ egress: { allow: [{ name: "vault" }] } }), "egress.allow[0]", /exactly one/, /CIDR blocks/));
  it("duplicate rule names", () => expectIssue(profile({ egress: { allow: [GITHUB, GITHUB] } }), "egress.allow[1].name", /already the name of egress\.allow\[0\]/, /unique name/));
  it("labels follow GitHub's rules: repeats compared without case, no commas or whitespace", () => {
    expectIssue(profile({ labels: ["self-hosted", "Self-Hosted"] }), "labels[1]", /listed twice \(GitHub compares labels without case\)/, /list each label once/);
    expectIssue(profile({ labels: ["build fips"] }), "labels[0]", /contains a comma or whitespace/, /without commas or whitespace/);
  });
  it("a repository listed twice", () => expectIssue(profile({ ecr: { pullRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/base", "arn:aws:ecr:eu-west-1:123456789012:repository/ci/base"] } }), "ecr.pullRepositoryArns[1]", /already given at ecr\.pullRepositoryArns\[0\]/, /list each repository once/));
  it("SSH open to the internet", () => expectIssue(profile({ ssh: { allowedCidrs: ["0.0.0.0/0"] } }), "ssh.allowedCidrs[0]", /whole internet/, /sessionManager/));
  it("min > max", () => expectIssue(profile({ capacity: { min: 5, max: 2, desired: 2 } }), "capacity.min", /5 is more than capacity\.max 2/, /min <= max/));
  it("desired outside [min, max]", () => expectIssue(profile({ capacity: { min: 1, max: 3, desired: 7 } }), "capacity.desired", /7 lies outside \[1, 3\]/, /between capacity\.min/));
  it("max of 0", () => expectIssue(profile({ capacity: { min: 0, max: 0, desired: 0 } }), "capacity.max", /no runner can ever start/, /1 or more/));
  it("TTL of 0", () => expectIssue(profile({ vault: { address: "https://v.example", approle: { secretIdTtl: "0s" } } }), "vault.approle.secretIdTtl", /more than 0/, /positive duration/));
  it("negative TTL", () => expectIssue(profile({ vault: { address: "https://v.example", approle: { tokenMaxTtl: -5 } } }), "vault.approle.tokenMaxTtl", /more than 0/, /positive duration/));
  it("malformed TTL", () => expectIssue(profile({ vault: { address: "https://v.example", approle: { tokenTtl: "15 minutes" } } }), "vault.approle.tokenTtl", /not a duration/, /"15m"/));
  it("token_ttl > token_max_ttl", () => expectIssue(profile({ vault: { address: "https://v.example", approle: { tokenTtl: "1h", tokenMaxTtl: "30m" } } }), "vault.approle.tokenTtl", /3600s is longer than .*1800s/, /tokenTtl <= tokenMaxTtl/));
  it("secret_id_num_uses other than 1 for an untrusted profile", () =>
    expectIssue(profile({ vault: { address: "https://v.example", approle: { secretIdNumUses: 3 } } }), "vault.approle.secretIdNumUses", /untrusted profile's secret id must log in exactly once/, /set vault\.approle\.secretIdNumUses to 1/));
  it("a trusted profile may allow more secret-id uses", () => {
    const p = resolveAwsRunnerProfile(profile({ trustLevel: "trusted", vault: { address: "https://v.example", approle: { secretIdNumUses: 3 } } }));
    assert.equal(p.vault.approle.secretIdNumUses, 3);
  });
  it("AMI given neither as id nor as filter", () => expectIssue(profile({ ami: {} }), "ami", /neither an id nor a lookup filter/, /ami: \{ id: "ami-\.\.\." \}/));
  it("AMI given both as id and as filter", () => expectIssue(profile({ ami: { id: "ami-0123456789abcdef0", nameFilter: "x-*", owners: ["self"] } }), "ami", /both an id and a lookup filter/, /either/));
  it("AMI filter without owners", () => expectIssue(profile({ ami: { nameFilter: "ci-intel-runner-*", owners: [] } }), "ami.owners", /any account's image could match/, /list the accounts/));
  it("instance type without KVM", () => expectIssue(profile({ instanceType: "c5.2xlarge" }), "instanceType", /no \/dev\/kvm/, /c8i\.2xlarge.*c5\.metal/));
  it("push access for an untrusted profile", () =>
    expectIssue(profile({ ecr: { pushRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/ci/base"] } }), "ecr.pushRepositoryArns", /untrusted profile/, /trustLevel: "trusted"/));
  it("wildcard ECR repository", () => expectIssue(profile({ ecr: { pullRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/*"] } }), "ecr.pullRepositoryArns[0]", /not the ARN of one ECR repository/, /no wildcards/));
  it("SSM parameter outside the readable path", () => expectIssue(profile({ ssm: { roleId: "/prod/role-id" } }), "ssm.roleId", /outside ssm\.path/, /\/ci-intel\/runner\/<name>/));
  it("runner group id that is no whole number", () => expectIssue(profile({ runnerGroupId: 1.5 }), "runnerGroupId", /1\.5 is not a runner group id/, /settings URL.*1 is the Default group/));
  it("runner group id 0", () => expectIssue(profile({ runnerGroupId: 0 }), "runnerGroupId", /0 is not a runner group id/, /runner-groups\/<id>/));
  it("a named runner group without its id", () => expectIssue(profile({ runnerGroup: "fips" }), "runnerGroupId (default 1)", /names group "fips"/, /runner-groups/));
  it("a group id without a named group", () => expectIssue(profile({ runnerGroupId: 9 }), "runnerGroupId", /names no group/, /runnerGroup/));
  it("a group id for repository runners", () => expectIssue(profile({ githubUrl: "https://github.com/acme/app", runnerGroup: "fips", runnerGroupId: 9 }), "runnerGroupId", /repository runners belong to no runner group/, /register with the organisation/));
  it("a githubUrl that names no scope", () => expectIssue(profile({ githubUrl: "https://github.com" }), "githubUrl", /names no organisation/, /https:\/\/github\.com\/acme/));
  it("an unknown minter", () => expectIssue(profile({ jitConfigMintedBy: "lambda" }), "jitConfigMintedBy", /instance|broker/, /./));
  it("per-instance parameters sharing a name", () => expectIssue(profile({ ssm: { jitConfig: "/ci-intel/runner/wrapped-secret-id" } }), "ssm.jitConfig", /another ssm parameter/, /names of their own/));
  it("too many labels for a JIT request", () => expectIssue(profile({ labels: Array.from({ length: 100 }, (_, i) => `l${i}`) }), "labels", /at most 100/, /at most 100 labels/));
  it("plain-http Vault address", () => expectIssue(profile({ vault: { address: "http://vault:8200" } }), "vault.address", /not an https URL/, /https:/));
  it("missing githubUrl", () => expectIssue({ egress: { allow: [GITHUB] }, vault: { address: "https://v.example" } }, "githubUrl", /required/, /set githubUrl/));
  it("reports every problem at once", () => {
    const issues = issuesOf(profile({ subnetCidr: "10.50.0.0/24", egress: { allow: [] }, capacity: { min: 2, max: 1 }, instanceType: "t3.large" }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["capacity.min", "egress.allow", "instanceType", "subnetCidr"]);
  });
  it("a secret put in the profile is refused without echoing it", () => {
    const canary = "ghr_CANARY_d7f3a91e";
    const issues = issuesOf({ ...profile(), registrationToken: canary, ssm: { registrationToken: canary } });
    assert.deepEqual(issues.map((i) => i.path).sort(), ["registrationToken", "ssm.registrationToken"]);
    assert.ok(!JSON.stringify(issues).includes(canary));
  });
});

describe("AWS runner profile: helpers", () => {
  it("parseCidr normalises IPv6 and refuses host bits", () => {
    assert.deepEqual((({ text, prefix }) => ({ text, prefix }))(parseCidr("2001:0db8:0000::/32") as { text: string; prefix: number }), { text: "2001:db8::/32", prefix: 32 });
    assert.match((parseCidr("2001:db8::1/32") as { problem: string }).problem, /host bits/);
  });
  it("kvmSource knows nested-virtualization and metal types", () => {
    assert.equal(kvmSource("c8i.2xlarge"), "nested-virtualization");
    assert.equal(kvmSource("m8i-flex.large"), "nested-virtualization");
    assert.equal(kvmSource("c5.metal"), "bare-metal");
    assert.equal(kvmSource("c8i.metal-48xl"), "bare-metal");
    assert.equal(kvmSource("c7i.2xlarge"), undefined);
  });
  it("durationSeconds reads Vault durations", () => {
    assert.equal(durationSeconds("15m"), 900);
    assert.equal(durationSeconds("1h30m"), 5400);
    assert.equal(durationSeconds("900"), 900);
    assert.equal(durationSeconds(900), 900);
    assert.equal(durationSeconds("15 minutes"), undefined);
  });
  it("resolveAwsScope refuses a malformed account id with path and fix", () => {
    assert.throws(() => resolveAwsScope({ region: "eu-west-1", accountId: "1234" }), (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === "accountId" && /12-digit/.test(e.issues[0].message) && /getCallerIdentity/.test(e.issues[0].fix));
    assert.deepEqual(resolveAwsScope({ region: "eu-west-1", accountId: "123456789012" }), { partition: "aws", region: "eu-west-1", accountId: "123456789012" });
  });
});
