import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RunnerProfile } from "../profile-schema.ts";
import { allowedAccountIssues, availabilityZoneRegionIssues, AWS_TAG_LIMITS, awsRunnerProfileEntryIssues, awsRunnerProfileInput, awsTagIssues, invalidProfilesFileIssue, privateRouteSettingIssues, privateRoutesOf, secretIdBrokerSettingIssues } from "./stack.ts";

const entry = (over: Partial<RunnerProfile> = {}): RunnerProfile => ({ name: "aws-fips", forge: "github", labels: ["self-hosted", "build-fips", "linux"], trust: "trusted", fenced: true, ephemeral: true, substrate: "ec2", runnerGroup: "fips", maxParallelPerJob: 2, maxConcurrentPerWorkflow: 4, ...over });

describe("the runner profile the stack serves", () => {
  it("takes an ephemeral GitHub ec2 entry, and names the ec2 profiles when the name is unknown", () => {
    const profiles = [entry(), entry({ name: "k8s", substrate: "kubernetes-deployment" })];
    assert.deepEqual(awsRunnerProfileEntryIssues(profiles, "aws-fips", "p.yaml"), { entry: profiles[0], issues: [] });
    assert.deepEqual(awsRunnerProfileEntryIssues(profiles, "aws-fipz", "p.yaml").issues, [{ path: "profile", message: '"aws-fipz" is not a profile of p.yaml', fix: "use one of its ec2 profiles: aws-fips" }]);
  });

  it("refuses another substrate, a persistent runner and another forge, each with the fix", () => {
    const { issues } = awsRunnerProfileEntryIssues([entry({ substrate: "libvirt-vm", ephemeral: false, forge: "forgejo" })], "aws-fips", "p.yaml");
    assert.deepEqual(issues.map((i) => i.message), ['"aws-fips" runs on substrate libvirt-vm, not ec2', '"aws-fips" says ephemeral: false, but every EC2 runner takes one job and is terminated', '"aws-fips" registers with forgejo; the EC2 runners register with GitHub']);
    assert.deepEqual(issues.map((i) => i.fix), ["name a profile whose substrate is ec2", 'set ephemeral: true for "aws-fips" in p.yaml', "name a GitHub profile"]);
    assert.match(invalidProfilesFileIssue("x.yaml", [{ path: "profiles[0].labels", message: "is empty", fix: "f" }]).message, /not a valid runner profiles file \(1 problem, first: profiles\[0\]\.labels: is empty\)/);
  });

  it("builds the profile input from the entry and the provider's Vault address, refusing keys that belong to the profiles file", () => {
    const { input, issues } = awsRunnerProfileInput({ githubUrl: "https://github.com/acme", labels: ["x"] }, entry(), "aws-fips", "https://vault.example:8200");
    assert.deepEqual(input, { githubUrl: "https://github.com/acme", vault: { address: "https://vault.example:8200" }, trustLevel: "trusted", runnerGroup: "fips" });
    assert.deepEqual(issues.map((i) => i.path), ["runner.labels"]);
    assert.match(issues[0]!.fix, /^remove runner\.labels; change labels of "aws-fips" in the profiles file instead$/);
    assert.deepEqual(awsRunnerProfileInput({ vault: { address: "https://own" } }, entry({ runnerGroup: "Default" }), "aws-fips", "https://vault.example:8200").input, { vault: { address: "https://own" }, labels: ["self-hosted", "build-fips", "linux"], trustLevel: "trusted" });
  });
});

describe("provider settings", () => {
  it("aws:allowedAccountIds must list the stack's account, as 12-digit ids", () => {
    assert.deepEqual(allowedAccountIssues('["123456789012"]', "123456789012"), []);
    assert.deepEqual(allowedAccountIssues(undefined, "123456789012"), []);
    assert.deepEqual(allowedAccountIssues('["123456789012", "12"]', "123456789012").map((i) => i.path), ["aws:allowedAccountIds[1]"]);
    assert.match(allowedAccountIssues('["210987654321"]', "123456789012")[0]!.fix, /same account/);
  });

  it("the zone must be one of aws:region", () => {
    assert.deepEqual(availabilityZoneRegionIssues("eu-west-1a", "eu-west-1"), []);
    assert.deepEqual(availabilityZoneRegionIssues("us-east-1a", "eu-west-1"), [{ path: "availabilityZone", message: "is a zone of us-east-1, not of aws:region eu-west-1", fix: 'give a zone of eu-west-1, e.g. "eu-west-1a", or leave it unset' }]);
  });
});

describe("privateRoutes, secretIdBroker and tags", () => {
  it("routes: a mapping of the route keys, text values, each destination once", () => {
    const routes = [{ destinationCidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }];
    assert.deepEqual([privateRouteSettingIssues(routes), privateRoutesOf(routes)], [[], routes]);
    const bad = [...routes, "x", { destinationCidrBlock: "10.20.0.0/16", via: "tgw" }, { destinationCidrBlock: ["10.1.0.0/16"] }];
    assert.deepEqual(privateRouteSettingIssues(bad).map((i) => i.path), ["privateRoutes[1]", "privateRoutes[2].via", "privateRoutes[2].destinationCidrBlock", "privateRoutes[3].destinationCidrBlock"]);
    assert.deepEqual(privateRoutesOf(bad), [], "checked as a whole once well-formed");
  });

  it("secretIdBroker: known keys of the right type, the rest refused with the known keys listed", () => {
    assert.deepEqual(secretIdBrokerSettingIssues({ wrapTtlSeconds: 240, stsRegion: "eu-west-1" }), { broker: { wrapTtlSeconds: 240, stsRegion: "eu-west-1" }, issues: [] });
    const { broker, issues } = secretIdBrokerSettingIssues({ vaultAwsAuthMout: "aws", stsRegion: 1, wrapTtlSeconds: "300" });
    assert.deepEqual(broker, {});
    assert.deepEqual(issues.map((i) => [i.path, i.message]), [["secretIdBroker.vaultAwsAuthMout", "is not a key of the secret-id broker"], ["secretIdBroker.stsRegion", "is not a string"], ["secretIdBroker.wrapTtlSeconds", "is not a number"]]);
    assert.match(issues[0]!.fix, /known keys: wrapTtlSeconds, vaultAwsAuthMount, vaultIamServerId, stsEndpoint, stsRegion/);
    assert.equal(secretIdBrokerSettingIssues([]).issues[0]!.path, "secretIdBroker");
  });

  it("tags: AWS's limits, each problem under tags.<key>", () => {
    assert.deepEqual(awsTagIssues({ team: "ci-platform", "cost:center": "42" }), []);
    assert.deepEqual(awsTagIssues({ n: 1, "aws:x": "y", k: "v".repeat(AWS_TAG_LIMITS.maxValueLength + 1), "bad#": "x" }).map((i) => i.path), ["tags.n", "tags.aws:x", "tags.k", "tags.bad#"]);
    const many = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "v"]));
    assert.deepEqual(awsTagIssues(many).map((i) => [i.path, i.fix]), [["tags", "keep at most 45 tags"]]);
  });
});
