import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsRunnerProfile, type AwsRunnerProfileInput } from "../../model/aws-runner.ts";
import { renderRunnerAmiSource, renderRunnerAutoScaling, renderRunnerLaunchTemplate } from "./launch-template.ts";
import { EC2_USER_DATA_LIMIT, decodeUserData, renderRunnerUserData } from "./user-data.ts";

const profile = (over: Record<string, unknown> = {}) =>
  resolveAwsRunnerProfile({ githubUrl: "https://github.com/acme", egress: { allow: [{ name: "github", cidrs: ["140.82.112.0/20"] }] }, vault: { address: "https://vault.example:8200" }, ...over } as AwsRunnerProfileInput);

describe("runner launch template", () => {
  const lt = renderRunnerLaunchTemplate(profile());
  it("requires IMDSv2 with a hop limit of 1, so containers cannot reach instance credentials", () => {
    assert.equal(lt.metadataOptions.httpTokens, "required");
    assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 1);
    assert.equal(lt.metadataOptions.httpEndpoint, "enabled");
  });
  it("encrypts the gp3 root volume and deletes it with the instance", () => {
    assert.deepEqual(lt.blockDeviceMappings, [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", deleteOnTermination: "true", volumeType: "gp3", volumeSize: 100 } }]);
    assert.equal(renderRunnerLaunchTemplate(profile(), { ebsKmsKeyId: "alias/ci" }).blockDeviceMappings[0]!.ebs.kmsKeyId, "alias/ci");
  });
  it("gives no public address and terminates on shutdown", () => {
    assert.deepEqual(lt.networkInterfaces, [{ deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true" }]);
    assert.equal(lt.instanceInitiatedShutdownBehavior, "terminate");
  });
  it("enables nested virtualization on c8i, not on metal", () => {
    assert.deepEqual(lt.cpuOptions, { nestedVirtualization: "enabled" });
    assert.equal(renderRunnerLaunchTemplate(profile({ instanceType: "c5.metal" })).cpuOptions, undefined);
  });
  it("carries the rendered user-data, base64-encoded", () => {
    assert.equal(decodeUserData(lt.userData), renderRunnerUserData(profile()));
    const bytes = Buffer.from(lt.userData, "base64");
    assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], "gzip, which cloud-init inflates");
    assert.ok(bytes.length <= EC2_USER_DATA_LIMIT, `${bytes.length} bytes fit EC2's limit`);
  });
  it("looks the image up by name and owner, or uses a fixed id", () => {
    assert.deepEqual(renderRunnerAmiSource(profile()), {
      kind: "lookup",
      args: { mostRecent: true, owners: ["self"], filters: [{ name: "name", values: ["ci-intel-runner-*"] }, { name: "state", values: ["available"] }, { name: "architecture", values: ["x86_64"] }] },
    });
    assert.deepEqual(renderRunnerAmiSource(profile({ ami: { id: "ami-0123456789abcdef0" } })), { kind: "id", imageId: "ami-0123456789abcdef0" });
  });
  it("sizes the Auto Scaling group from capacity", () => {
    assert.deepEqual(renderRunnerAutoScaling(profile({ capacity: { min: 1, max: 8, desired: 2 } })), { minSize: 1, maxSize: 8, desiredCapacity: 2, healthCheckType: "EC2", suspendedProcesses: ["AZRebalance"] });
  });
});
