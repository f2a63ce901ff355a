/** `runner-fleet audit <stack-dir|dir>`: isolation and pod security computed from rendered objects. */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { auditFleet, type FleetAudit } from "../audit/fleet-audit.ts";
import type { KubeObject } from "../audit/network/types.ts";
import { readDocuments } from "../audit/schema/read-documents.ts";
import { kubernetesObject, type RenderedStack } from "../offline/rendered.ts";
import { derivedObject } from "../offline/derived-objects.ts";
import { CliError, EXIT, printJson, table, collect } from "./output.ts";
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

function networkFrom(flags: AuditFlags, outputs: Record<string, unknown> | undefined): ClusterNetwork {
  const fromStack = outputs?.[CLUSTER_NETWORK_OUTPUT] as ClusterNetwork | undefined;
  const podCidr = flags.podCidr ?? fromStack?.podCidr;
  const serviceCidr = flags.serviceCidr ?? fromStack?.serviceCidr;
  const nodeCidrs = flags.nodeCidr.length > 0 ? flags.nodeCidr : fromStack?.nodeCidrs;
  if (!podCidr || !serviceCidr || !nodeCidrs || nodeCidrs.length === 0) {
    throw new CliError("the cluster's pod, service and node CIDRs are unknown. Fix: pass --pod-cidr, --service-cidr and --node-cidr (or audit a stack that exports clusterNetwork)", EXIT.usage);
  }
  const nodeAddresses = flags.nodeAddress.length > 0 ? flags.nodeAddress : fromStack?.nodeAddresses;
  return { podCidr, serviceCidr, nodeCidrs, ...(nodeAddresses && nodeAddresses.length > 0 ? { nodeAddresses } : {}) };
}

interface AuditFlags extends StackFlags {
  readonly podCidr?: string;
  readonly serviceCidr?: string;
  readonly nodeCidr: string[];
  readonly nodeAddress: string[];
  readonly json?: boolean;
  readonly format: "table" | "markdown";
}

/** The audit as tables (the default output). */
export function formatAuditTables(a: FleetAudit): string {
  const claims = table(
    ["CLAIM", "POD", "TARGET", "EXPECTED", "ACTUAL", "RESULT", "RESPONSIBLE"],
    a.isolation.claims.map((c) => [c.claim, c.pod, c.target, c.expected, c.actual, c.pass ? "pass" : "FAIL", c.responsible.join("; ")]),
  );
  const pss = a.podSecurity.flatMap((p) => [...p.restricted, ...p.hardening].map((f) => [p.pod, f.level, f.control, f.path, `${f.message}. Fix: ${f.fix}`]));
  const ns = a.namespaces.map((n) => [n.namespace, n.enforce ?? "-", n.strictestMet, n.pass ? "pass" : "FAIL", n.message]);
  const findings = a.isolation.findings.map((f) => [f.severity, f.policy, f.path, `${f.message}. Fix: ${f.fix}`]);
  const podLevels = a.podSecurity.map((p) => [p.pod, p.level, String(p.restricted.length + p.hardening.length)]);
  return [
    `Isolation claims (runner pods: ${a.isolation.runnerPods.join(", ") || "none found"})`,
    claims,
    "Pod templates",
    table(["POD", "MEETS", "FINDINGS"], podLevels),
    ...(pss.length > 0 ? ["Pod security findings", table(["POD", "LEVEL", "CONTROL", "FIELD", "PROBLEM"], pss)] : []),
    ...(ns.length > 0 ? ["Namespaces", table(["NAMESPACE", "ENFORCE", "PODS MEET", "RESULT", "NOTE"], ns)] : []),
    ...(findings.length > 0 ? ["NetworkPolicy findings", table(["SEVERITY", "POLICY", "FIELD", "PROBLEM"], findings)] : []),
    a.pass ? "audit: every claim holds" : "audit: FAILED",
  ].join("\n") + "\n";
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

export async function runAudit(target: string, flags: AuditFlags): Promise<FleetAudit> {
  if (!existsSync(target)) throw new CliError(`${target}: no such file or directory. Fix: pass a stack directory (holding Pulumi.yaml) or a directory of manifests`, EXIT.usage);
  let objects: KubeObject[];
  let outputs: Record<string, unknown> | undefined;
  if (statSync(target).isDirectory() && existsSync(join(target, "Pulumi.yaml"))) {
    const { renderStack } = await import("../offline/render-stack.ts");
    const rendered = await renderStack(target, renderOptionsFrom(flags));
    objects = auditableObjects(rendered);
    outputs = rendered.outputs;
  } else {
    const docs = await readDocuments([target]);
    const bad = docs.find((d) => d.syntaxError);
    if (bad?.syntaxError) throw new CliError(`${bad.file}:${bad.syntaxError.line ?? "?"}: ${bad.syntaxError.message}. Fix: ${bad.syntaxError.fix}`, EXIT.usage);
    objects = docs.map((d) => d.doc).filter((d): d is KubeObject => d !== null && typeof d === "object" && "kind" in d);
  }
  return auditFleet(objects, networkFrom(flags, outputs));
}

export function auditCommand(): Command {
  return new Command("audit")
    .description("Compute what each runner pod can reach from the rendered NetworkPolicies (Kubernetes semantics, not policy names) and check every pod template against the Pod Security Standards")
    .argument("<stack-dir|dir>", "a Pulumi project to render offline, or a directory/file of manifests")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--pod-cidr <cidr>", "the cluster's pod CIDR (default: the stack's clusterNetwork output)")
    .option("--service-cidr <cidr>", "the cluster's service CIDR")
    .option("--node-cidr <cidr>", "a CIDR of the node network (repeatable)", collect, [])
    .option("--node-address <ip>", "a node or API endpoint address to probe on 6443/10250 (repeatable)", collect, [])
    .option("--format <format>", "table or markdown (a security checklist)", "table")
    .option("--json", "print the audit as JSON")
    .addHelpText("after", "\nExit codes: 0 every claim holds, 1 a claim or check fails (the policy or field responsible is named), 2 bad usage or input.")
    .action(async (target: string, flags: AuditFlags) => {
      if (flags.format !== "table" && flags.format !== "markdown") throw new CliError(`--format ${String(flags.format)} is unknown. Fix: use table or markdown`, EXIT.usage);
      const audit = await runAudit(target, flags);
      if (flags.json) printJson(audit);
      else process.stdout.write(flags.format === "markdown" ? formatAuditChecklist(audit) : formatAuditTables(audit));
      process.exitCode = audit.pass ? EXIT.ok : EXIT.findings;
    });
}
