/**
 * The reachability matrix laid out for a page (`audit --format html|svg`): one row per peer class
 * or probed address, one column per runner pod and direction, each cell classified (open to
 * another namespace, open where a claim wants it closed, open as a claim expects, open otherwise,
 * closed) with the rules that open each port as numbered notes.
 */
import type { FleetAudit } from "../audit/fleet-audit.ts";
import { PROBE_POD_LABELS, type ClaimResult } from "../audit/network/isolation-claims.ts";
import type { MatrixDirection, MatrixEntry, MatrixPeer, OpenPort } from "../audit/network/reachability-matrix.ts";
import { redactCredentials } from "../model/credential-shape.ts";

/**
 * What an open port means for the isolation claims:
 * - `lateral`: a pod in another namespace (DNS to the DNS pods excepted);
 * - `forbidden`: an address a claim wants unreachable (cloud metadata, API server, kubelet);
 * - `expected`: a path a claim wants open (DNS to the DNS pods, public HTTPS);
 * - `open`: anything else (pods of the runner's own namespace, connections from an address).
 */
export type PortState = "lateral" | "forbidden" | "expected" | "open";
export type CellState = PortState | "closed";

/** One open port of a cell, e.g. `6379/TCP`, with its note number (1-based) in {@link MatrixView.notes}. */
export interface ViewPort {
  readonly text: string;
  readonly state: PortState;
  readonly note: number;
}

export interface ViewCell {
  /** The most alarming state of its ports, or `closed`. */
  readonly state: CellState;
  readonly ports: readonly ViewPort[];
  /** Hover text: each port with the rules that open it, or the policies that close the cell. */
  readonly title: string;
}

export interface ViewColumn {
  readonly runner: string;
  readonly direction: MatrixDirection;
}

export interface ViewRow {
  readonly peer: MatrixPeer;
  /** One per column, in column order. */
  readonly cells: readonly ViewCell[];
}

export interface MatrixView {
  readonly runners: readonly string[];
  readonly columns: readonly ViewColumn[];
  readonly rows: readonly ViewRow[];
  /** The notes the ports point to: note n is `notes[n - 1]`, the rules that open the port. */
  readonly notes: readonly string[];
  /** How many cells are in each state. */
  readonly counts: Readonly<Record<CellState, number>>;
}

/** Words for each state, for legends and hover text. */
export const STATE_TEXT: Readonly<Record<CellState, string>> = {
  lateral: "open to pods in another namespace",
  forbidden: "open to an address a claim wants unreachable",
  expected: "open as a claim expects (DNS to the DNS pods, public HTTPS)",
  open: "open, not covered by a claim (own namespace, or from an address)",
  closed: "closed",
};

/** The order of alarm: a cell shows its most alarming port. */
const ALARM: readonly CellState[] = ["lateral", "forbidden", "open", "expected", "closed"];

/** Where the audit looks for DNS (the claims' defaults, which the CLI does not change). */
const DNS_NAMESPACE = "kube-system";
const DNS_LABELS: Readonly<Record<string, string>> = { "k8s-app": "kube-dns" };

/** Input text for a page: credential-shaped parts replaced (escaping is the renderer's job). */
export const clean = (text: string): string => redactCredentials(text);

/** The namespace of a runner pod named `namespace/Kind/name`. */
export const runnerNamespace = (runner: string): string => runner.slice(0, Math.max(0, runner.indexOf("/")));

/** `6379/TCP`. */
export const portText = (p: OpenPort): string => `${p.port}/${p.protocol}`;

/**
 * The pod labels a peer class stands for, read back from its id (`pod:<namespace>:<labels as
 * JSON>`, see `peerId`); undefined for addresses and ids of another shape.
 */
export function peerLabels(peer: MatrixPeer): Readonly<Record<string, string>> | undefined {
  const prefix = `pod:${peer.namespace ?? ""}:`;
  if (peer.kind !== "pod" || !peer.id.startsWith(prefix)) return undefined;
  try {
    const labels: unknown = JSON.parse(peer.id.slice(prefix.length));
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return undefined;
    return Object.values(labels).every((v) => typeof v === "string") ? (labels as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `peer` is (a class of) the DNS pods. */
export function isDnsPeer(peer: MatrixPeer): boolean {
  const labels = peerLabels(peer);
  return peer.namespace === DNS_NAMESPACE && labels !== undefined && Object.entries(DNS_LABELS).every(([k, v]) => labels[k] === v);
}

/**
 * The short name of a peer: its label (`data {app=cache}`, `169.254.169.254`), with the labels the
 * audit gives the pod no selector matches shown as `{no selector matches}`.
 */
export function peerTitle(peer: MatrixPeer): string {
  const labels = peerLabels(peer);
  const probe = labels !== undefined && JSON.stringify(labels) === JSON.stringify(PROBE_POD_LABELS);
  return probe ? `${peer.namespace ?? ""} {no selector matches}` : peer.label;
}

/** The address a peer of kind `address` stands for. */
export const peerAddress = (peer: MatrixPeer): string => peer.id.replace(/^address:/, "");

/** What one open port means (see {@link PortState}); `claims` are the runner's own. */
export function portState(runner: string, peer: MatrixPeer, direction: MatrixDirection, port: OpenPort, claims: readonly ClaimResult[]): PortState {
  if (peer.kind === "address") {
    if (direction === "ingress") return "open";
    const target = `${peerAddress(peer)}:${port.port}/${port.protocol}`;
    const claim = claims.find((c) => c.target === target);
    if (claim === undefined) return "open";
    return claim.expected === "reachable" ? "expected" : "forbidden";
  }
  if (peer.namespace === runnerNamespace(runner)) return "open";
  if (direction === "egress" && port.port === 53 && (port.protocol === "UDP" || port.protocol === "TCP") && isDnsPeer(peer)) return "expected";
  return "lateral";
}

/** The rules that open a port, in words (also when no policy governs the path). */
const rulesText = (p: OpenPort): string => (p.rules.length > 0 ? p.rules.join("; ") : "no policy governs this path");

/** The view of the audit's matrix (empty when no runner pod was found). */
export function matrixView(audit: FleetAudit): MatrixView {
  const m = audit.isolation.matrix;
  const columns: ViewColumn[] = m.runners.flatMap((runner) => (["egress", "ingress"] as const).map((direction) => ({ runner, direction })));
  const byCell = new Map<string, MatrixEntry>();
  for (const e of m.entries) byCell.set(JSON.stringify([e.runner, e.peer, e.direction]), e);
  const claimsOf = new Map<string, ClaimResult[]>();
  for (const c of audit.isolation.claims) claimsOf.set(c.pod, [...(claimsOf.get(c.pod) ?? []), c]);
  const notes: string[] = [];
  const noteOf = new Map<string, number>();
  const note = (text: string): number => {
    let n = noteOf.get(text);
    if (n === undefined) {
      notes.push(text);
      n = notes.length;
      noteOf.set(text, n);
    }
    return n;
  };
  const counts: Record<CellState, number> = { lateral: 0, forbidden: 0, expected: 0, open: 0, closed: 0 };
  const rows: ViewRow[] = m.peers.map((peer) => ({
    peer,
    cells: columns.map(({ runner, direction }) => {
      const entry = byCell.get(JSON.stringify([runner, peer.id, direction]));
      const ports: ViewPort[] = (entry?.open ?? []).map((p) => ({ text: portText(p), state: portState(runner, peer, direction, p, claimsOf.get(runner) ?? []), note: note(clean(rulesText(p))) }));
      const state = ALARM.find((s) => ports.some((p) => p.state === s)) ?? "closed";
      counts[state]++;
      const title = ports.length > 0
        ? (entry?.open ?? []).map((p, i) => `${portText(p)}${p.address === undefined ? "" : ` at ${p.address}`} (${STATE_TEXT[ports[i]!.state]}): opened by ${rulesText(p)}`).join("\n")
        : entry === undefined ? "not probed" : `closed${entry.closedBy.length > 0 ? `: isolated by ${entry.closedBy.join(", ")}` : ""}`;
      return { state, ports, title: clean(title) };
    }),
  }));
  return { runners: m.runners, columns, rows, notes, counts };
}

/** One row of the claims table: a claim and its target, with each runner pod's result. */
export interface ClaimRow {
  readonly claim: string;
  /** The target, with the runner pod's own name written as "the runner pod". */
  readonly target: string;
  readonly expected: string;
  readonly byPod: ReadonlyMap<string, ClaimResult>;
}

/**
 * The claims grouped into rows: the k-th claim of one id for each runner pod shares a row (every
 * runner pod is checked against the same claims, the node claims once per node address).
 */
export function claimRows(audit: FleetAudit): ClaimRow[] {
  const rows = new Map<string, { claim: string; target: string; expected: string; byPod: Map<string, ClaimResult> }>();
  const seen = new Map<string, number>();
  for (const c of audit.isolation.claims) {
    const k = seen.get(`${c.pod}\u0000${c.claim}`) ?? 0;
    seen.set(`${c.pod}\u0000${c.claim}`, k + 1);
    const key = `${c.claim}\u0000${k}`;
    const row = rows.get(key) ?? { claim: c.claim, target: c.target.split(c.pod).join("the runner pod"), expected: c.expected, byPod: new Map<string, ClaimResult>() };
    row.byPod.set(c.pod, c);
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** One line that sums the audit up: runner pods, cells by state, claims passed. */
export function summaryLine(audit: FleetAudit, view: MatrixView): string {
  const claims = audit.isolation.claims;
  const passed = claims.filter((c) => c.pass).length;
  const c = view.counts;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return clean(
    `${plural(view.runners.length, "runner pod")} against ${view.rows.length} peers (classes of pods and probed addresses): ` +
      `${plural(c.lateral, "cell")} open to another namespace, ${plural(c.forbidden, "cell")} open to an address a claim wants unreachable, ` +
      `${c.expected} open as expected, ${c.open} open otherwise, ${c.closed} closed; claims: ${passed} of ${claims.length} pass; audit ${audit.pass ? "passes" : "FAILS"}`,
  );
}
