/**
 * Checks of the cluster an ARC installation runs on, shared by the single scale-set form and the
 * fleet form (one controller, several scale sets).
 */
import { type Cidr, cidrsOverlap } from "./cidr.ts";
import type { ConfigIssue } from "./issues.ts";

/**
 * Pod, service and node networks must be disjoint: the runner's egress rules exclude each of them,
 * and a cluster whose networks overlap routes neither correctly. Node blocks are listed once.
 */
export function overlapIssues(nets: readonly (readonly [string, Cidr])[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pod = nets.find(([p]) => p === "podCidr")?.[1];
  const service = nets.find(([p]) => p === "serviceCidr")?.[1];
  if (pod !== undefined && service !== undefined && cidrsOverlap(pod, service)) {
    issues.push({ path: "serviceCidr", message: `overlaps podCidr (${pod.text})`, fix: "give the cluster's real service CIDR (e.g. 10.43.0.0/16 on k3s), distinct from its pod CIDR" });
  }
  const seen = new Map<string, string>();
  const nodes: [string, Cidr][] = [];
  for (const [p, n] of nets) {
    if (!p.startsWith("nodeCidrs")) continue;
    const dup = seen.get(n.text);
    if (dup !== undefined) {
      issues.push({ path: p, message: `repeats ${dup}`, fix: "list each node block once" });
      continue;
    }
    seen.set(n.text, p);
    for (const [other, o] of [["podCidr", pod], ["serviceCidr", service]] as const) {
      if (o !== undefined && cidrsOverlap(n, o)) issues.push({ path: p, message: `overlaps ${other} (${o.text})`, fix: `give the nodes' own network, outside ${other}` });
    }
    const earlier = nodes.find(([, m]) => cidrsOverlap(m, n));
    if (earlier !== undefined) issues.push({ path: p, message: `overlaps ${earlier[0]} (${earlier[1].text})`, fix: "list disjoint node blocks (the larger block alone covers both)" });
    nodes.push([p, n]);
  }
  return issues;
}

