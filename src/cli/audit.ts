/** `runner-fleet audit <stack-dir|dir>`: isolation and pod security computed from rendered objects. */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { FleetAuditBuilder, MalformedObjectsError, auditFleet, describeObject, type FleetAudit } from "../audit/fleet-audit.ts";
import type { KubeObject } from "../audit/network/types.ts";
import type { IsolationClaimOptions } from "../audit/network/isolation-claims.ts";
import { expandList, type ShapeIssue } from "../audit/object-shape.ts";
import { InputError, type InputDocument, decodeManifest, parseJsonDocument, readBytesSync, streamDocuments } from "../audit/schema/read-documents.ts";
import { RENDER_SUMMARY_FILE, readRenderSummary, resourceFiles } from "../audit/schema/render-summary.ts";
import { kubernetesObject, type RenderedStack } from "../offline/rendered.ts";
import { derivedObject } from "../offline/derived-objects.ts";
import { auditAwsResources, hasAwsResources, type AwsAudit, type AwsResourceLike } from "../audit/aws/aws-resource-audit.ts";
import { CliError, EXIT, printJson, collect, withProgress } from "./output.ts";
import { formatAuditChecklist, formatAuditReport, type AuditReport, type ClusterNetwork } from "./audit-format.ts";
import { formatAuditHtml } from "./audit-html.ts";
import { formatAuditMermaid } from "./audit-mermaid.ts";
import { formatAuditSvg } from "./audit-svg.ts";
import { TopologyCollector } from "./audit-topology.ts";

export { formatAuditChecklist, formatAuditReport, formatAuditTables, type AuditReport, type ClusterNetwork } from "./audit-format.ts";
export { formatAwsTable } from "./audit-aws-format.ts";
export { formatAuditHtml } from "./audit-html.ts";
export { formatAuditMermaid } from "./audit-mermaid.ts";
export { formatAuditSvg } from "./audit-svg.ts";
export { TopologyCollector } from "./audit-topology.ts";
import { configFileOption, renderOptionsFrom, stackOption, type StackFlags } from "./stack-options.ts";

/** Stack output a stack may export so the audit knows its cluster's CIDRs. */
export const CLUSTER_NETWORK_OUTPUT = "clusterNetwork";


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
/**
 * The stack's clusterNetwork output as the audit can use it: a render folder's index is input like
 * any other, so a field of the wrong type is bad input (exit 2) naming the field, not a crash.
 */
function stackNetwork(outputs: Record<string, unknown> | undefined): Partial<ClusterNetwork> | undefined {
  const raw = outputs?.[CLUSTER_NETWORK_OUTPUT];
  if (raw === undefined || raw === null) return undefined;
  const where = `the stack output ${CLUSTER_NETWORK_OUTPUT}`;
  const fix = "export clusterNetwork as { podCidr: string, serviceCidr: string, nodeCidrs: string[], nodeAddresses?: string[] }, or pass --pod-cidr, --service-cidr and --node-cidr";
  if (typeof raw !== "object" || Array.isArray(raw)) throw new CliError(`${where} is not a mapping. Fix: ${fix}`, EXIT.usage);
  const o = raw as Record<string, unknown>;
  const out: { podCidr?: string; serviceCidr?: string; nodeCidrs?: readonly string[]; nodeAddresses?: readonly string[] } = {};
  for (const key of ["podCidr", "serviceCidr"] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw new CliError(`${where}.${key} is not a string. Fix: ${fix}`, EXIT.usage);
    out[key] = v;
  }
  for (const key of ["nodeCidrs", "nodeAddresses"] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new CliError(`${where}.${key} is not a list of strings. Fix: ${fix}`, EXIT.usage);
    out[key] = v as string[];
  }
  return out;
}

export function networkFrom(flags: AuditFlags, outputs: Record<string, unknown> | undefined): ClusterNetwork & { readonly source: string } {
  const fromStack = stackNetwork(outputs);
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

function kubernetesFailures(a: FleetAudit): string[] {
  const out: string[] = [];
  if (a.isolation.runnerPods.length === 0) out.push("no runner pod found, so no isolation claim could be checked (runner pods are recognised by their runner container or labels)");
  for (const c of a.isolation.claims) if (!c.pass) out.push(`claim ${c.claim} for ${c.pod}: ${c.target} is ${c.actual}, expected ${c.expected} (${c.responsible.join("; ") || "no policy isolates it"})`);
  for (const p of a.podSecurity) for (const f of [...p.restricted, ...p.hardening]) out.push(`pod ${p.pod}: ${f.path}: ${f.message}`);
  for (const n of a.namespaces) if (!n.pass) out.push(`namespace ${n.namespace}: ${n.message}`);
  for (const g of a.roleGrants) if (!g.allowed) out.push(`pod ${g.pod}: ${g.message}`);
  // The API server refuses such a policy: the fence the claims assume would not exist.
  for (const f of a.isolation.findings) if (f.severity === "error") out.push(`NetworkPolicy ${f.policy}: ${f.path}: ${f.message}. Fix: ${f.fix}`);
  return out;
}

interface AuditFlags extends StackFlags {
  readonly podCidr?: string;
  readonly serviceCidr?: string;
  readonly nodeCidr: string[];
  readonly nodeAddress: string[];
  readonly json?: boolean;
  readonly format: AuditFormat;
  readonly out?: string;
}

/** The output formats of `audit`. */
export const AUDIT_FORMATS = ["table", "json", "markdown", "html", "svg", "mermaid"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** The stack outputs and the non-Kubernetes resources of a folder written by `runner-fleet render`. */
function readRenderFolder(dir: string): { outputs: Record<string, unknown> | undefined; resources: AwsResourceLike[] } {
  const read = (file: string): unknown => {
    const doc = parseJsonDocument(join(dir, file), decodeManifest(join(dir, file), readBytesSync(join(dir, file), join(dir, file)), "json"));
    if (doc.syntaxError) throw new CliError(`${join(dir, file)}:${doc.syntaxError.line ?? 1}: cannot be read as JSON (${doc.syntaxError.message}). Fix: render the stack again into ${dir}`, EXIT.usage);
    return doc.doc;
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

/** At most this many malformed fields are spelled out in one message. */
const MAX_LISTED = 50;

/**
 * The malformed fields of one object as message lines (`file:line: document N (Kind ns/name):
 * path: message. Fix: fix`), in the order they appear in the file.
 */
function malformedLines(doc: InputDocument, item: number | undefined, object: unknown, issues: readonly ShapeIssue[]): string[] {
  const what = `document ${doc.index + 1}${item === undefined ? "" : `, items[${item}]`}`;
  return issues
    .map((issue) => ({ issue, line: doc.locate?.(item === undefined ? issue.segments : ["items", item, ...issue.segments]) ?? doc.line }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map(({ issue, line }) => `${doc.file}${line === undefined ? "" : `:${line}`}: ${what} (${describeObject(object)}): ${issue.path}: ${issue.message}. Fix: ${issue.fix}`);
}

/**
 * Audits the Kubernetes objects of a manifest file or directory, read one document at a time (a
 * file of any number of documents costs what the audit keeps). A document that cannot be read and
 * an object whose fields have the wrong types are bad input: one message naming each file, line
 * and field with the fix (exit 2). `kind: List` documents are expanded into their items.
 */
export async function auditDocuments(
  target: string,
  docs: AsyncIterable<InputDocument> | Iterable<InputDocument>,
  network: IsolationClaimOptions,
  topology?: TopologyCollector,
): Promise<{ kubernetes?: FleetAudit; documents: number }> {
  let builder: FleetAuditBuilder | undefined;
  const problems: string[] = [];
  let malformedObjects = 0;
  let documents = 0;
  for await (const doc of docs) {
    documents++;
    if (doc.syntaxError) {
      throw new CliError(`${doc.file}:${doc.syntaxError.line ?? doc.line ?? "?"}: ${doc.syntaxError.message}. Fix: ${doc.syntaxError.fix}`, EXIT.usage);
    }
    const { items, isList } = expandList(doc.doc);
    items.forEach((object, i) => {
      // Documents that are not Kubernetes objects (no kind: values files, notes) are not audited.
      if (object === null || typeof object !== "object" || Array.isArray(object) || !("kind" in object)) return;
      builder ??= new FleetAuditBuilder(network);
      const issues = builder.add(object as KubeObject);
      if (issues.length === 0) {
        topology?.add(object as KubeObject);
        return;
      }
      malformedObjects++;
      if (problems.length <= MAX_LISTED) for (const line of malformedLines(doc, isList ? i : undefined, object, issues)) problems.push(line);
    });
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED);
    const more = problems.length > MAX_LISTED ? "\n  … and more: correct these first" : "";
    throw new CliError(
      `${target}: ${malformedObjects} object${malformedObjects === 1 ? "" : "s"} cannot be audited, because fields the audit reads have the wrong type:\n${listed.map((p) => `  - ${p}`).join("\n")}${more}`,
      EXIT.usage,
    );
  }
  return { ...(builder && builder.objects > 0 ? { kubernetes: builder.finish() } : {}), documents };
}

/**
 * Audits a stack directory (rendered offline), a render folder, or manifests. `topology`, when
 * given, also collects what the topology view needs from the same objects and stack outputs.
 */
export async function runAudit(target: string, flags: AuditFlags, topology?: TopologyCollector): Promise<AuditReport> {
  if (!existsSync(target)) throw new CliError(`${target}: no such file or directory. Fix: pass a stack directory (holding Pulumi.yaml) or a directory of manifests`, EXIT.usage);
  let outputs: Record<string, unknown> | undefined;
  let resources: readonly AwsResourceLike[] = [];
  const notes: string[] = [];
  const failures: string[] = [];
  let network: AuditReport["network"];
  let kubernetes: FleetAudit | undefined;
  if (statSync(target).isDirectory() && existsSync(join(target, "Pulumi.yaml"))) {
    const { renderStack } = await import("../offline/render-stack.ts");
    const rendered = await renderStack(target, renderOptionsFrom(flags));
    const objects = auditableObjects(rendered);
    outputs = rendered.outputs;
    resources = rendered.resources;
    if (topology) for (const o of objects) topology.add(o);
    if (objects.length > 0) {
      network = networkFrom(flags, outputs);
      try {
        kubernetes = auditFleet(objects, network);
      } catch (e) {
        if (e instanceof MalformedObjectsError) throw new CliError(`${target}: ${e.message}`, EXIT.usage);
        throw e;
      }
    }
  } else {
    // A folder written by `runner-fleet render`: its index brings the stack's outputs and its other resources.
    const renderFolder = statSync(target).isDirectory() && existsSync(join(target, RENDER_SUMMARY_FILE));
    if (renderFolder) ({ outputs, resources } = readRenderFolder(target));
    const candidate = networkFrom(flags, outputs);
    let result: Awaited<ReturnType<typeof auditDocuments>>;
    try {
      result = await auditDocuments(target, streamDocuments([target]), candidate, topology);
    } catch (e) {
      if (e instanceof InputError) throw new CliError(e.message, EXIT.usage);
      throw e;
    }
    if (result.kubernetes) {
      network = candidate;
      kubernetes = result.kubernetes;
    } else if (!renderFolder) {
      throw new CliError(
        `${target}: its ${result.documents} document${result.documents === 1 ? " is" : "s are"} no Kubernetes object (none has a kind), so there is nothing to audit. Fix: pass manifests of Kubernetes objects (Deployments, Pods, NetworkPolicies, Namespaces), or a stack directory`,
        EXIT.usage,
      );
    }
  }
  topology?.addOutputs(outputs);
  if (kubernetes) for (const f of kubernetesFailures(kubernetes)) failures.push(f);
  let aws: AwsAudit | undefined;
  if (hasAwsResources(resources)) {
    aws = await auditAwsResources(resources);
    for (const c of aws.checks) if (!c.pass) failures.push(`${c.resource}: ${c.check}: ${c.message}`);
  }
  if (!kubernetes && !aws) notes.push(`${target} renders no Kubernetes object and no AWS resource, so the audit checked nothing: check a libvirt stack's render with \`cloud-init schema --config-file <render>/*.user-data.yaml\` and \`virt-xml-validate <render>/*.domain.xml\``);
  return { target, ...(network ? { network } : {}), ...(kubernetes ? { kubernetes } : {}), ...(aws ? { aws } : {}), failures, notes, pass: failures.length === 0 };
}

export function auditCommand(): Command {
  return new Command("audit")
    .description("Compute what each runner pod can reach from the rendered NetworkPolicies (Kubernetes semantics, not policy names) check every pod template against the Pod Security Standards, warn about credentials in environment variables, and check AWS resources (IAM simulated call by call, the Lambda resource policy, security groups, launch templates)")
    .argument("<stack-dir|dir>", "a Pulumi project to render offline, or a directory/file of manifests")
    .addOption(stackOption())
    .addOption(configFileOption())
    .option("--pod-cidr <cidr>", "the cluster's pod CIDR (default: the stack's clusterNetwork output, else k3s's 10.42.0.0/16)")
    .option("--service-cidr <cidr>", "the cluster's service CIDR (default: the stack's, else k3s's 10.43.0.0/16)")
    .option("--node-cidr <cidr>", "a CIDR of the node network, repeatable (default: the stack's, else 192.168.0.0/16)", collect, [])
    .option("--node-address <ip>", "a node or API endpoint address to probe on 6443/10250 (repeatable)", collect, [])
    .option("--format <format>", "table, json (same as --json), markdown (a security checklist), html (a page with the claims and the reachability matrix), svg (the matrix as an image) or mermaid (the fleet's topology as a flowchart)", "table")
    .option("--out <file>", "write the output to this file instead of standard output")
    .option("--json", "print the audit as JSON")
    .addHelpText("after", "\nExit codes: 0 every claim holds, 1 a claim or check fails (the policy or field responsible is named), 2 bad usage or input.")
    .action(async (target: string, flags: AuditFlags) => {
      if (!(AUDIT_FORMATS as readonly string[]).includes(flags.format)) throw new CliError(`--format ${String(flags.format)} is unknown. Fix: use ${AUDIT_FORMATS.slice(0, -1).join(", ")} or ${AUDIT_FORMATS.at(-1)!}`, EXIT.usage);
      const topology = flags.format === "mermaid" ? new TopologyCollector() : undefined;
      const report = await withProgress(`auditing ${target}`, () => runAudit(target, flags, topology), { quiet: flags.json === true });
      if (flags.json && flags.out === undefined) printJson(report);
      else writeOutput(flags.out, flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(report, flags.format, topology));
      process.exitCode = report.pass ? EXIT.ok : EXIT.findings;
    });
}

/** The report in `format` (not json); the views of Kubernetes isolation need Kubernetes objects. */
export function formatAudit(report: AuditReport, format: AuditFormat, topology?: TopologyCollector): string {
  if (format === "table") return formatAuditReport(report);
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const { kubernetes } = report;
  if (!kubernetes) {
    const what = format === "markdown" ? "The Markdown checklist covers" : `The ${format} view shows`;
    throw new CliError(`${report.target}: ${what} Kubernetes isolation, and this target renders no Kubernetes object. Fix: use the table output`, EXIT.usage);
  }
  const k = { ...report, kubernetes };
  switch (format) {
    case "markdown":
      return formatAuditChecklist(kubernetes);
    case "html":
      return formatAuditHtml(k);
    case "svg":
      return formatAuditSvg(k);
    case "mermaid":
      return formatAuditMermaid(k, (topology ?? new TopologyCollector()).facts());
    default: {
      const unknown: never = format;
      throw new CliError(`--format ${String(unknown)} is unknown`, EXIT.usage);
    }
  }
}

/** Writes `text` to standard output, or to `file`, as a usage error naming the file when that fails. */
function writeOutput(file: string | undefined, text: string): void {
  if (file === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`--out ${file}: cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: name a file in an existing, writable directory`, EXIT.usage);
  }
}
