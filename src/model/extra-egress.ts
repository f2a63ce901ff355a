/**
 * Extra egress through the fence around a Kubernetes fleet's runner pods: a named CIDR block and
 * its ports per entry (an MCP server or a model endpoint on a private address), each rendered as a
 * NetworkPolicy of its own named after the entry. Fenced pods reach nothing else beyond DNS and
 * public HTTPS, so an entry is exactly what it opens; without the fence it would do nothing.
 */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";
import { strictObject } from "./zod-issues.ts";
import { dnsLabel, duplicateIssues, isRecord, wholeNumberProblem } from "./refine.ts";
import { isCidr, parseCidr } from "./cidr.ts";

/** The protocols a NetworkPolicy port names. */
export const EGRESS_PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
export type EgressProtocol = (typeof EGRESS_PROTOCOLS)[number];

/** Most entries of `extraEgress`, and most ports of one entry. */
export const MAX_EXTRA_EGRESS = 50;
export const MAX_EXTRA_EGRESS_PORTS = 20;

/** Infix of the NetworkPolicy of each entry: `<fence prefix>allow-egress-<name>`. */
export const EXTRA_EGRESS_POLICY = "allow-egress-";

const portSchema = strictObject({
  /** The destination port: the pod's port for a pod, not a Service's (the policy sees it after translation). */
  port: z.number({ error: "must be a number (a port from 1 to 65535)" }).superRefine((v, ctx) => {
    const problem = wholeNumberProblem(v, 1, 65535);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `${problem}, not a port`, params: { fix: "set port to the destination port, a whole number from 1 to 65535" } });
  }),
  /** @default "TCP" */
  protocol: z.enum(EGRESS_PROTOCOLS, { error: "must be TCP, UDP or SCTP (in capitals)" }).optional(),
});

/** One destination the fenced runner pods may reach beyond DNS and public HTTPS. */
export const extraEgressEntrySchema = strictObject({
  /** Names the entry's NetworkPolicy, `<prefix>allow-egress-<name>`: say what it reaches, e.g. `mcp`. */
  name: dnsLabel("it names the NetworkPolicy <prefix>allow-egress-<name>; say what it reaches, e.g. mcp"),
  /** The destination's addresses as one CIDR block, e.g. "10.0.5.10/32" for one address. */
  cidr: z.string({ error: 'must be text (a CIDR block such as "10.0.5.10/32")' }).superRefine((v, ctx) => {
    const c = parseCidr(v);
    if (!isCidr(c)) ctx.addIssue({ code: "custom", message: c.problem, params: { fix: `${c.fix}; one address is a /32 (IPv4) or /128 (IPv6) block` } });
  }),
  /** The destination ports (at least one: a policy without ports would open every port). */
  ports: z.array(portSchema, { error: "must be a list of { port, protocol }" }).superRefine((v, ctx) => {
    if (v.length === 0) ctx.addIssue({ code: "custom", message: "lists no ports (a NetworkPolicy rule without ports would allow every port)", params: { fix: "list the ports the destination serves, e.g. ports: [{ port: 8443, protocol: TCP }]" } });
    if (v.length > MAX_EXTRA_EGRESS_PORTS) ctx.addIssue({ code: "custom", message: `lists ${v.length} ports, more than ${MAX_EXTRA_EGRESS_PORTS}`, params: { fix: "list only the ports the destination serves" } });
  }),
});

/** `extraEgress` of a Kubernetes fleet. @default [] (the fence opens DNS and public HTTPS only) */
export const extraEgressSchema = z.array(extraEgressEntrySchema, { error: "must be a list of { name, cidr, ports }" }).superRefine((v, ctx) => {
  if (v.length > MAX_EXTRA_EGRESS) ctx.addIssue({ code: "custom", message: `lists ${v.length} destinations, more than ${MAX_EXTRA_EGRESS}`, params: { fix: "merge destinations into wider CIDR blocks, or move the runners next to what they reach" } });
});

export type ExtraEgressInput = z.input<typeof extraEgressEntrySchema>;

export interface ResolvedEgressPort {
  readonly port: number;
  readonly protocol: EgressProtocol;
}
/** One extra egress destination, its block normalised and every port's protocol set. */
export interface ResolvedExtraEgress {
  readonly name: string;
  readonly cidr: string;
  readonly ports: readonly ResolvedEgressPort[];
}

/**
 * Problems across the entries that the schema cannot see (repeated names, repeated ports) and
 * entries given while the fence is off. Read from raw input, so they are reported with every
 * other problem; `fenced` is the fleet's `networkPolicies` as written, `fencedByDefault` its default.
 */
export function extraEgressIssues(input: unknown, fencedByDefault: boolean): ConfigIssue[] {
  const list = isRecord(input) ? input["extraEgress"] : undefined;
  if (!Array.isArray(list)) return [];
  const fenced = isRecord(input) && typeof input["networkPolicies"] === "boolean" ? input["networkPolicies"] : fencedByDefault;
  const issues: ConfigIssue[] = [];
  if (!fenced && list.length > 0) {
    issues.push({
      path: "extraEgress",
      message: "lists destinations while networkPolicies is false: without the fence the runner pods reach every address already, so these entries would do nothing",
      fix: "remove extraEgress, or remove networkPolicies: false so that the fence is on and extraEgress opens exactly these destinations",
    });
  }
  const entries = list.map((e) => (isRecord(e) ? e : {}));
  issues.push(...duplicateIssues(entries, (e) => (typeof e["name"] === "string" ? e["name"] : undefined), (i) => `extraEgress[${i}].name`, "this name", "give every extraEgress entry its own name (each names its NetworkPolicy)"));
  entries.forEach((e, i) => {
    const ports = e["ports"];
    if (!Array.isArray(ports)) return;
    const portKey = (p: unknown) => (isRecord(p) && typeof p["port"] === "number" ? `${p["port"]}/${typeof p["protocol"] === "string" ? p["protocol"] : "TCP"}` : undefined);
    issues.push(...duplicateIssues(ports as unknown[], portKey, (j) => `extraEgress[${i}].ports[${j}]`, "this port and protocol", "list each port once"));
  });
  return issues;
}

/** The entries with their blocks normalised and every protocol set (TCP when unset). */
export function resolveExtraEgress(entries: readonly ExtraEgressInput[] | undefined): ResolvedExtraEgress[] {
  return (entries ?? []).map((e) => {
    const c = parseCidr(e.cidr);
    return { name: e.name, cidr: isCidr(c) ? c.text : e.cidr, ports: e.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) };
  });
}
