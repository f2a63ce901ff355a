/**
 * `runner-fleet audit --format mermaid`: the fleet's topology as a Mermaid flowchart. The forge,
 * each namespace (with its Pod Security `enforce` level) holding its runner pods (with their
 * RuntimeClass, such as kata-fc) and a node listing its NetworkPolicies, and the paths the
 * reachability matrix finds open: runner to DNS, to public HTTPS, to any other class of pods or
 * address, and into the runners. Node ids are sanitised to [A-Za-z0-9_]; every label is quoted and escaped.
 */
import type { FleetAudit } from "../audit/fleet-audit.ts";
import type { MatrixPeer } from "../audit/network/reachability-matrix.ts";
import type { AuditReport } from "./audit-format.ts";
import { clean, matrixView, type CellState } from "./audit-matrix-view.ts";
import type { TopologyFacts } from "./audit-topology.ts";

/**
 * Text for a quoted Mermaid label: credential-shaped parts replaced, then every character that
 * could end the quote, start markup or an entity written as Mermaid's entity code (`#quot;`), line
 * breaks as spaces.
 */
export function mermaidText(text: string): string {
  const codes: Readonly<Record<string, string>> = { "#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;", "|": "#124;", "\\": "#92;" };
  return clean(text)
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[#"&<>`|\\]/g, (c) => codes[c] ?? c);
}

/** Gives every thing one node id made of [A-Za-z0-9_] only, unique within the diagram. */
export class NodeIds {
  readonly #byKey = new Map<string, string>();
  readonly #used = new Set<string>();

  /** The id of `key` (made once): `prefix_` and the key with every character but [A-Za-z0-9_] as `_`, cut at 80 characters. */
  id(prefix: string, key: string): string {
    const known = this.#byKey.get(`${prefix}\u0000${key}`);
    if (known !== undefined) return known;
    // Made from the key with credential-shaped parts replaced, so that no id carries a secret.
    const base = `${prefix}_${clean(key).replace(/[^A-Za-z0-9_]/g, "_")}`.slice(0, 80);
    let id = base;
    for (let n = 2; this.#used.has(id); n++) id = `${base}_${n}`;
    this.#used.add(id);
    this.#byKey.set(`${prefix}\u0000${key}`, id);
    return id;
  }
}

/** The Mermaid class of each state of an open path (closed paths are not drawn). */
const CLASS_DEFS = [
  "classDef forge fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
  "classDef runner fill:#ffffff,stroke:#424242,color:#212121",
  "classDef policy fill:#f3e5f5,stroke:#6a1b9a,color:#4a148c",
  "classDef lateral fill:#d32f2f,stroke:#b71c1c,color:#ffffff",
  "classDef forbidden fill:#d32f2f,stroke:#b71c1c,color:#ffffff",
  "classDef expected fill:#c8e6c9,stroke:#2e7d32,color:#1b5e20",
  "classDef open fill:#ffe082,stroke:#ff8f00,color:#3e2723",
];

const RED: readonly CellState[] = ["lateral", "forbidden"];

/** `Deployment runner-small` or `scale set arc-firecracker`, from `namespace/Kind/name`. */
function podTitle(pod: string): string {
  const [, kind = "", ...rest] = pod.split("/");
  return `${kind === "AutoscalingRunnerSet" ? "scale set" : kind} ${rest.join("/")}`;
}

/** The topology of a report that audited Kubernetes objects. */
export function formatAuditMermaid(report: AuditReport & { readonly kubernetes: FleetAudit }, facts: TopologyFacts): string {
  const audit = report.kubernetes;
  const view = matrixView(audit);
  const ids = new NodeIds();
  const q = (text: string) => `"${mermaidText(text)}"`;
  const lines: string[] = [`%% runner-fleet audit --format mermaid ${mermaidText(report.target)}`, "flowchart LR"];
  const classes = new Map<string, string[]>();
  const classOf = (id: string, cls: string) => classes.set(cls, [...(classes.get(cls) ?? []), id]);

  const forge = ids.id("forge", "forge");
  lines.push(`  ${forge}[${q(facts.forges.length > 0 ? `${facts.forges.join(" and ")} (forge)` : "forge")}]`);
  classOf(forge, "forge");

  // Namespaces: those of the runner pods, of the policies, and the Namespace objects.
  const checks = new Map(audit.namespaces.map((n) => [n.namespace, n]));
  const level = new Map(audit.podSecurity.map((p) => [p.pod, p.level]));
  const namespaces = [...new Set([...view.runners.map((r) => r.slice(0, r.indexOf("/"))), ...facts.policies.map((p) => p.namespace), ...checks.keys()])].sort();
  const peerNodes = new Map<string, string>();
  const peerNode = (p: MatrixPeer) => {
    let id = peerNodes.get(p.id);
    if (id === undefined) {
      id = ids.id("peer", p.label);
      peerNodes.set(p.id, id);
    }
    return id;
  };
  // The peers with an open path, and the most alarming state of each.
  const openPeers = new Map<string, { peer: MatrixPeer; state: CellState }>();
  const order: readonly CellState[] = ["lateral", "forbidden", "open", "expected"];
  for (const row of view.rows) {
    for (const c of row.cells) {
      if (c.state === "closed") continue;
      const before = openPeers.get(row.peer.id)?.state;
      if (before === undefined || order.indexOf(c.state) < order.indexOf(before)) openPeers.set(row.peer.id, { peer: row.peer, state: c.state });
    }
  }
  const peerLine = (p: MatrixPeer) => `${peerNode(p)}[("${mermaidText(p.description)}${p.kind === "address" ? `<br/>${mermaidText(p.label)}` : ""}")]`;

  for (const ns of namespaces) {
    const check = checks.get(ns);
    const pss = check === undefined ? "no Namespace object in the render" : check.enforce === undefined ? "no Pod Security enforce label" : `Pod Security enforce=${check.enforce}`;
    lines.push(`  subgraph ${ids.id("ns", ns)}["namespace ${mermaidText(ns)}<br/>${mermaidText(pss)}"]`);
    lines.push("    direction TB");
    for (const r of view.runners.filter((r) => r.startsWith(`${ns}/`))) {
      const id = ids.id("runner", r);
      const runtime = facts.runtimeClasses.get(r);
      const handler = runtime === undefined ? undefined : facts.handlers.get(runtime);
      const parts = [podTitle(r), ...(runtime === undefined ? ["no RuntimeClass (runc)"] : [`RuntimeClass ${runtime}${handler === undefined || handler === runtime ? "" : ` (handler ${handler})`}`]), ...(level.has(r) ? [`pod meets ${level.get(r)!}`] : [])];
      lines.push(`    ${id}["${parts.map(mermaidText).join("<br/>")}"]`);
      classOf(id, "runner");
    }
    // The namespace's NetworkPolicies as one node, a line each: name, what it selects, its types.
    const policies = facts.policies.filter((p) => p.namespace === ns);
    if (policies.length > 0) {
      const id = ids.id("policies", ns);
      const each = policies.map((p) => mermaidText(`${p.name}: ${p.selects}, ${p.types.join(" and ") || "no policy types"}`));
      lines.push(`    ${id}["${policies.length === 1 ? "NetworkPolicy" : `NetworkPolicies (${policies.length})`}<br/>${each.join("<br/>")}"]`);
      classOf(id, "policy");
    }
    for (const { peer, state } of openPeers.values()) {
      if (peer.kind !== "pod" || peer.namespace !== ns) continue;
      lines.push(`    ${peerLine(peer)}`);
      classOf(peerNode(peer), state);
    }
    lines.push("  end");
  }
  for (const { peer, state } of openPeers.values()) {
    if (peer.kind === "pod" && namespaces.includes(peer.namespace ?? "")) continue;
    lines.push(`  ${peerLine(peer)}`);
    classOf(peerNode(peer), state);
  }

  // The open paths: egress from the runner, ingress into it; red ones drawn thick and red.
  const edges: string[] = [];
  const redEdges: number[] = [];
  for (const row of view.rows) {
    row.cells.forEach((c, j) => {
      if (c.state === "closed") return;
      const col = view.columns[j]!;
      const runner = ids.id("runner", col.runner);
      const peer = peerNode(row.peer);
      const rules = [...new Set(c.ports.map((p) => view.notes[p.note - 1] ?? ""))].join("; ");
      const label = `"${mermaidText(c.ports.map((p) => p.text).join(", "))}<br/>${mermaidText(rules)}"`;
      if (RED.includes(c.state)) redEdges.push(edges.length);
      edges.push(col.direction === "egress" ? `  ${runner} -->|${label}| ${peer}` : `  ${peer} -->|${label}| ${runner}`);
    });
  }
  // The runners reach the forge over public HTTPS where that path is open (the forge's own address is not known).
  const publicPeers = new Set<string>();
  for (const row of view.rows) {
    if (row.peer.kind !== "address") continue;
    row.cells.forEach((c, j) => {
      if (c.state === "expected" && view.columns[j]!.direction === "egress") publicPeers.add(row.peer.id);
    });
  }
  for (const p of view.rows.filter((r) => publicPeers.has(r.peer.id))) edges.push(`  ${peerNode(p.peer)} -.->|${q("runners register and take jobs over HTTPS")}| ${forge}`);
  for (const r of view.runners) {
    const reaches = view.rows.some((row) => publicPeers.has(row.peer.id) && row.cells.some((c, j) => view.columns[j]!.runner === r && c.state === "expected"));
    if (!reaches) edges.push(`  ${ids.id("runner", r)} -.-x|${q("no public HTTPS path: the forge is out of reach")}| ${forge}`);
  }
  lines.push(...edges);
  lines.push(...CLASS_DEFS.map((d) => `  ${d}`));
  for (const [cls, members] of classes) lines.push(`  class ${members.join(",")} ${cls}`);
  if (redEdges.length > 0) lines.push(`  linkStyle ${redEdges.join(",")} stroke:#d32f2f,stroke-width:3px`);
  return `${lines.join("\n")}\n`;
}
