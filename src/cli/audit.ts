/** `runner-fleet audit <stack-dir|dir>`: isolation and pod security computed from rendered objects. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { auditFleet, type FleetAudit } from "../audit/fleet-audit.ts";
import type { KubeObject } from "../audit/network/types.ts";
import { readDocuments } from "../audit/schema/read-documents.ts";
import { RENDER_SUMMARY_FILE, readRenderSummary, resourceFiles } from "../audit/schema/render-summary.ts";
import { kubernetesObject, type RenderedStack } from "../offline/rendered.ts";
import { derivedObject } from "../offline/derived-objects.ts";
import { auditAwsResources, hasAwsResources, type AwsAudit, type AwsResourceLike } from "../audit/aws/aws-resource-audit.ts";
import { CliError, EXIT, printJson, table, collect, terminalWidth, withProgress, wrapProse } from "./output.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

/** Stack output a stack may export so the audit knows its cluster's CIDRs. */
export const CLUSTER_NETWORK_OUTPUT = "clusterNetwork";

export interface ClusterNetwork {
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly nodeCidrs: readonly string[];
  readonly nodeAddresses?: readonly string[];
}

/**
 * Kubernetes objects of a rendered stack, with each gha-runner-scale-set Helm release expanded to
 * the AutoscalingRunnerSet the chart creates (so its runner pod template is audited).
 */
export function auditableObjects(rendered: RenderedStack): KubeObject[] {
  const out: KubeObject[] = [];
  for (const r of rendered.resources) {
    const obj = kubernetesObject(r);
    if (obj) {
      out.push(obj as KubeObject);
      continue;
    }
    try {
      const derived = derivedObject(r);
      if (derived) out.push(derived.object as KubeObject);
    } catch (e) {
      throw new CliError((e as Error).message, EXIT.usage);
    }
  }
  return out;
}

/**
 * The CIDRs a Kubernetes cluster uses when neither flags nor the stack say: k3s's defaults for pods
 * and services, and the common home-network range for nodes. The audit names them as the source.
 */
export const DEFAULT_CLUSTER_NETWORK: ClusterNetwork = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] };

/** The cluster network to probe and where each part came from: flags, the stack, or the documented defaults. */
export function networkFrom(flags: AuditFlags, outputs: Record<string, unknown> | undefined): ClusterNetwork & { readonly source: string } {
  const fromStack = outputs?.[CLUSTER_NETWORK_OUTPUT] as Partial<ClusterNetwork> | undefined;
  const sources = new Set<string>();
  const pick = <T>(flag: T | undefined, stack: T | undefined, fallback: T): T => {
    const [source, value] = flag !== undefined ? ["flags", flag] : stack !== undefined ? [`the stack's ${CLUSTER_NETWORK_OUTPUT} output`, stack] : ["the documented defaults for k3s (pass --pod-cidr, --service-cidr and --node-cidr for your cluster)", fallback];
    sources.add(source);
    return value;
  };
  const podCidr = pick(flags.podCidr, fromStack?.podCidr, DEFAULT_CLUSTER_NETWORK.podCidr);
  const serviceCidr = pick(flags.serviceCidr, fromStack?.serviceCidr, DEFAULT_CLUSTER_NETWORK.serviceCidr);
  const nodeCidrs = pick(flags.nodeCidr.length > 0 ? flags.nodeCidr : undefined, fromStack?.nodeCidrs && fromStack.nodeCidrs.length > 0 ? fromStack.nodeCidrs : undefined, DEFAULT_CLUSTER_NETWORK.nodeCidrs);
  const nodeAddresses = flags.nodeAddress.length > 0 ? flags.nodeAddress : fromStack?.nodeAddresses;
  return { podCidr, serviceCidr, nodeCidrs, ...(nodeAddresses && nodeAddresses.length > 0 ? { nodeAddresses } : {}), source: [...sources].join(" and ") };
}

/** What `runner-fleet audit` reports: the Kubernetes audit, the AWS checks, or both, and every failure in words. */
export interface AuditReport {
  readonly target: string;
  /** The cluster network the claims probe, with its source; absent when nothing Kubernetes was audited. */
  readonly network?: ClusterNetwork & { readonly source: string };
  readonly kubernetes?: FleetAudit;
  readonly aws?: AwsAudit;
  /** Why the audit fails, one line each; empty when it passes. */
  readonly failures: readonly string[];
  readonly notes: readonly string[];
  readonly pass: boolean;
}

function kubernetesFailures(a: FleetAudit): string[] {
  const out: string[] = [];
  if (a.isolation.runnerPods.length === 0) out.push("no runner pod found, so no isolation claim could be checked (runner pods are recognised by their runner container or labels)");
  for (const c of a.isolation.claims) if (!c.pass) out.push(`claim ${c.claim} for ${c.pod}: ${c.target} is ${c.actual}, expected ${c.expected} (${c.responsible.join("; ") || "no policy isolates it"})`);
  for (const p of a.podSecurity) for (const f of [...p.restricted, ...p.hardening]) out.push(`pod ${p.pod}: ${f.path}: ${f.message}`);
  for (const n of a.namespaces) if (!n.pass) out.push(`namespace ${n.namespace}: ${n.message}`);
  return out;
}

interface AuditFlags extends StackFlags {
  readonly podCidr?: string;
  readonly serviceCidr?: string;
  readonly nodeCidr: string[];
  readonly nodeAddress: string[];
  readonly json?: boolean;
  readonly format: "table" | "json" | "markdown";
}

/** The Kubernetes audit as tables. */
export function formatAuditTables(a: FleetAudit, width = terminalWidth()): string {
  const claims = table(
    ["CLAIM", "POD", "TARGET", "EXPECTED", "ACTUAL", "RESULT", "RESPONSIBLE"],
    a.isolation.claims.map((c) => [c.claim, c.pod, c.target, c.expected, c.actual, c.pass ? "pass" : "FAIL", c.responsible.join("; ")]),
    width,
  );
  const pss = a.podSecurity.flatMap((p) => [...p.restricted, ...p.hardening].map((f) => [p.pod, f.level, f.control, f.path, `${f.message}. Fix: ${f.fix}`]));
  const ns = a.namespaces.map((n) => [n.namespace, n.enforce ?? "-", n.strictestMet, n.pass ? "pass" : "FAIL", n.message]);
  const findings = a.isolation.findings.map((f) => [f.severity, f.policy, f.path, `${f.message}. Fix: ${f.fix}`]);
  const podLevels = a.podSecurity.map((p) => [p.pod, p.level, String(p.restricted.length + p.hardening.length)]);
  return [
    wrapProse(`Isolation claims (runner pods: ${a.isolation.runnerPods.join(", ") || "none found"})`, width),
    claims,
    "Pod templates",
    table(["POD", "MEETS", "FINDINGS"], podLevels, width),
    ...(pss.length > 0 ? ["Pod security findings", table(["POD", "LEVEL", "CONTROL", "FIELD", "PROBLEM"], pss, width)] : []),
    ...(ns.length > 0 ? ["Namespaces", table(["NAMESPACE", "ENFORCE", "PODS MEET", "RESULT", "NOTE"], ns, width)] : []),
    ...(findings.length > 0 ? ["NetworkPolicy findings", table(["SEVERITY", "POLICY", "FIELD", "PROBLEM"], findings, width)] : []),
  ].join("\n");
}

/** The AWS checks as a table. */
export function formatAwsTable(a: AwsAudit, width = terminalWidth()): string {
  return ["AWS resources (IAM policies, security group rules, launch templates)", table(["AREA", "RESOURCE", "CHECK", "RESULT", "DETAIL"], a.checks.map((c) => [c.area, c.resource, c.check, c.pass ? "pass" : "FAIL", c.message]), width)].join("\n");
}

/** The whole report as text: tables, then the verdict with every failure named. */
export function formatAuditReport(r: AuditReport, width = terminalWidth()): string {
  const parts: string[] = [];
  const prose = (text: string) => `${wrapProse(text, width)}\n`;
  if (r.network) parts.push(prose(`Cluster network: pods ${r.network.podCidr}, services ${r.network.serviceCidr}, nodes ${r.network.nodeCidrs.join(", ")}; from ${r.network.source}`));
  if (r.kubernetes) parts.push(formatAuditTables(r.kubernetes, width));
  if (r.aws) parts.push(formatAwsTable(r.aws, width));
  for (const n of r.notes) parts.push(prose(`Note: ${n}`));
  if (r.pass) parts.push(r.kubernetes ? "audit: every claim holds\n" : "audit: every check holds\n");
  else parts.push(prose(`audit: FAILED (${r.failures.length} problem${r.failures.length === 1 ? "" : "s"})\n${r.failures.map((f) => `  - ${f}`).join("\n")}`));
  return parts.join("\n");
}

const CLAIM_TEXT: Record<string, string> = {
  "metadata-unreachable": "Cloud metadata is unreachable",
  "kubernetes-service-unreachable": "The Kubernetes API (kubernetes Service) is unreachable",
  "node-apiserver-unreachable": "The API server on node addresses is unreachable",
  "node-kubelet-unreachable": "The kubelet on node addresses is unreachable",
  "other-namespace-pods-unreachable": "Pods in other namespaces are unreachable",
  "unreachable-from-other-namespaces": "Runner pods are unreachable from other namespaces",
  "dns-udp-reachable": "DNS over UDP reaches kube-dns",
  "dns-tcp-reachable": "DNS over TCP reaches kube-dns",
  "public-https-reachable": "Public HTTPS is reachable",
};

/** The audit as a Markdown security checklist (what stack READMEs embed, generated, never hand-written). */
export function formatAuditChecklist(a: FleetAudit): string {
  const box = (ok: boolean) => (ok ? "[x]" : "[ ]");
  const lines = [`Computed by \`runner-fleet audit\` from the rendered objects; runner pods: ${a.isolation.runnerPods.map((p) => `\`${p}\``).join(", ") || "none"}.`, ""];
  for (const c of a.isolation.claims) lines.push(`- ${box(c.pass)} ${CLAIM_TEXT[c.claim] ?? c.claim}: \`${c.target}\` is ${c.actual} (${c.responsible.join("; ")})`);
  for (const p of a.podSecurity) {
    const n = p.restricted.length + p.hardening.length;
    lines.push(`- ${box(n === 0)} Pod template \`${p.pod}\` meets Pod Security \`${p.level}\`, images pinned, requests and limits set, no service-account token${n === 0 ? "" : ` (${n} finding${n === 1 ? "" : "s"})`}`);
  }
  for (const n of a.namespaces) lines.push(`- ${box(n.pass)} Namespace \`${n.namespace}\`: ${n.message}`);
  lines.push(`- ${box(a.isolation.findings.length === 0)} No NetworkPolicy uses wildcard selectors or names a deny it does not enforce${a.isolation.findings.length === 0 ? "" : ` (${a.isolation.findings.length} findings)`}`);
  return lines.join("\n") + "\n";
}

/** The stack outputs and the non-Kubernetes resources of a folder written by `runner-fleet render`. */
function readRenderFolder(dir: string): { outputs: Record<string, unknown> | undefined; resources: AwsResourceLike[] } {
  const read = (file: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (e) {
      throw new CliError(`${join(dir, file)}: cannot be read as JSON (${(e as Error).message}). Fix: render the stack again into ${dir}`, EXIT.usage);
    }
  };
  const summary = readRenderSummary(dir);
  if (summary === undefined) throw new CliError(`${join(dir, RENDER_SUMMARY_FILE)}: not a render index. Fix: render the stack again into ${dir}`, EXIT.usage);
  const resources: AwsResourceLike[] = [];
  for (const file of resourceFiles(summary, /\.json$/)) {
    const doc = read(file) as Partial<AwsResourceLike> | null;
    if (typeof doc?.type === "string" && typeof doc.name === "string" && doc.inputs !== null && typeof doc.inputs === "object") resources.push({ type: doc.type, name: doc.name, inputs: doc.inputs });
  }
  return { outputs: summary?.outputs, resources };
}

export async function runAudit(target: string, flags: AuditFlags): Promise<AuditReport> {
  if (!existsSync(target)) throw new CliError(`${target}: no such file or directory. Fix: pass a stack directory (holding Pulumi.yaml) or a directory of manifests`, EXIT.usage);
  let objects: KubeObject[];
  let outputs: Record<string, unknown> | undefined;
  let resources: readonly AwsResourceLike[] = [];
  if (statSync(target).isDirectory() && existsSync(join(target, "Pulumi.yaml"))) {
    const { renderStack } = await import("../offline/render-stack.ts");
    const rendered = await renderStack(target, renderOptionsFrom(flags));
    objects = auditableObjects(rendered);
    outputs = rendered.outputs;
    resources = rendered.resources;
  } else {
    const docs = await readDocuments([target]);
    const bad = docs.find((d) => d.syntaxError);
    if (bad?.syntaxError) throw new CliError(`${bad.file}:${bad.syntaxError.line ?? "?"}: ${bad.syntaxError.message}. Fix: ${bad.syntaxError.fix}`, EXIT.usage);
    objects = docs.map((d) => d.doc).filter((d): d is KubeObject => d !== null && typeof d === "object" && !Array.isArray(d) && "kind" in d);
    // A folder written by `runner-fleet render`: its index brings the stack's outputs and its other resources.
    if (statSync(target).isDirectory() && existsSync(join(target, RENDER_SUMMARY_FILE))) ({ outputs, resources } = readRenderFolder(target));
  }
  const notes: string[] = [];
  const failures: string[] = [];
  let network: AuditReport["network"];
  let kubernetes: FleetAudit | undefined;
  if (objects.length > 0) {
    network = networkFrom(flags, outputs);
    kubernetes = auditFleet(objects, network);
    failures.push(...kubernetesFailures(kubernetes));
  }
  let aws: AwsAudit | undefined;
  if (hasAwsResources(resources)) {
    aws = await auditAwsResources(resources);
    for (const c of aws.checks) if (!c.pass) failures.push(`${c.resource}: ${c.check}: ${c.message}`);
  }
  if (!kubernetes && !aws) notes.push(`${target} renders no Kubernetes object and no AWS resource, so there is nothing for the audit to check (libvirt VMs are checked by the render's own validators: cloud-init schema, virt-xml-validate)`);
  return { target, ...(network ? { network } : {}), ...(kubernetes ? { kubernetes } : {}), ...(aws ? { aws } : {}), failures, notes, pass: failures.length === 0 };
}

export function auditCommand(): Command {
  return new Command("audit")
    .description("Compute what each runner pod can reach from the rendered NetworkPolicies (Kubernetes semantics, not policy names) and check every pod template against the Pod Security Standards")
    .argument("<stack-dir|dir>", "a Pulumi project to render offline, or a directory/file of manifests")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--pod-cidr <cidr>", "the cluster's pod CIDR (default: the stack's clusterNetwork output, else k3s's 10.42.0.0/16)")
    .option("--service-cidr <cidr>", "the cluster's service CIDR (default: the stack's, else k3s's 10.43.0.0/16)")
    .option("--node-cidr <cidr>", "a CIDR of the node network, repeatable (default: the stack's, else 192.168.0.0/16)", collect, [])
    .option("--node-address <ip>", "a node or API endpoint address to probe on 6443/10250 (repeatable)", collect, [])
    .option("--format <format>", "table, json (same as --json) or markdown (a security checklist)", "table")
    .option("--json", "print the audit as JSON")
    .addHelpText("after", "\nExit codes: 0 every claim holds, 1 a claim or check fails (the policy or field responsible is named), 2 bad usage or input.")
    .action(async (target: string, flags: AuditFlags) => {
      if (flags.format !== "table" && flags.format !== "markdown" && flags.format !== "json") throw new CliError(`--format ${String(flags.format)} is unknown. Fix: use table, json or markdown`, EXIT.usage);
      const report = await withProgress(`auditing ${target}`, () => runAudit(target, flags), { quiet: flags.json === true });
      if (flags.json) printJson(report);
      else if (flags.format === "markdown") {
        if (!report.kubernetes) throw new CliError(`${target}: the Markdown checklist covers Kubernetes isolation, and this target renders no Kubernetes object. Fix: use the table output`);
        process.stdout.write(formatAuditChecklist(report.kubernetes));
      } else process.stdout.write(formatAuditReport(report));
      process.exitCode = report.pass ? EXIT.ok : EXIT.findings;
    });
}
