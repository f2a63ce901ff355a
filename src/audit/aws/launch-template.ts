/**
 * Launch template claims: IMDSv2 required with hop limit 1 (containers, one hop further, cannot
 * reach the instance credentials), every EBS volume encrypted, no public address, and an instance
 * that powers off is terminated. Each names the template field it rests on.
 */
import { asList, checker, mapping, type AwsCheck, type AwsResourceLike } from "./aws-check.ts";

export const LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate";

export function launchTemplateChecks(r: AwsResourceLike): AwsCheck[] {
  if (r.type !== LAUNCH_TEMPLATE_TYPE) return [];
  const c = checker("launch-template", r);
  const md = mapping(r.inputs["metadataOptions"]);
  const hop = Number(md["httpPutResponseHopLimit"]);
  const disks = asList(r.inputs["blockDeviceMappings"]).map(mapping);
  const withEbs = disks.map((d, i) => ({ i, d })).filter(({ d }) => d["ebs"] !== undefined);
  const unencrypted = withEbs.filter(({ d }) => String(mapping(d["ebs"])["encrypted"]) !== "true");
  const deviceName = (d: Record<string, unknown>) => (typeof d["deviceName"] === "string" ? d["deviceName"] : "?");
  const nics = asList(r.inputs["networkInterfaces"]).map(mapping);
  const publicNic = nics.findIndex((n) => String(n["associatePublicIpAddress"]) === "true");
  const shutdown = r.inputs["instanceInitiatedShutdownBehavior"];
  const firstBad = unencrypted[0];
  return [
    c("IMDSv2 required", md["httpTokens"] === "required", "metadataOptions.httpTokens", md["httpTokens"] === "required" ? "httpTokens: required" : `metadataOptions.httpTokens is ${String(md["httpTokens"] ?? "unset")}. Fix: set it to "required"`),
    c("metadata hop limit 1", hop === 1, "metadataOptions.httpPutResponseHopLimit", hop === 1 ? "httpPutResponseHopLimit: 1 (containers cannot reach instance credentials)" : `metadataOptions.httpPutResponseHopLimit is ${Number.isNaN(hop) ? "unset" : hop}. Fix: set it to 1`),
    c(
      "volumes encrypted",
      withEbs.length > 0 && firstBad === undefined,
      firstBad !== undefined ? `blockDeviceMappings[${firstBad.i}].ebs.encrypted` : "blockDeviceMappings",
      withEbs.length === 0
        ? "no block device mapping: the AMI's defaults apply. Fix: map the root volume with encrypted: true"
        : firstBad === undefined
          ? `${withEbs.length} EBS volume(s), all encrypted`
          : `${unencrypted.map(({ d }) => deviceName(d)).join(", ")} not encrypted. Fix: set ebs.encrypted to true`,
    ),
    c(
      "no public address",
      publicNic < 0,
      publicNic < 0 ? "networkInterfaces" : `networkInterfaces[${publicNic}].associatePublicIpAddress`,
      publicNic < 0 ? (nics.length === 0 ? "no network interface in the template, so the subnet's mapPublicIpOnLaunch decides" : "associatePublicIpAddress: false") : "a network interface gets a public address. Fix: set associatePublicIpAddress to false",
    ),
    c("terminate on shutdown", shutdown === "terminate", "instanceInitiatedShutdownBehavior", shutdown === "terminate" ? "instanceInitiatedShutdownBehavior: terminate" : `instanceInitiatedShutdownBehavior is ${String(shutdown ?? "unset")}. Fix: set it to "terminate" so a runner that powers off is gone`),
  ];
}
