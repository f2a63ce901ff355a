/**
 * The AWS runner profile's egress allowlist and SSH source list: which CIDR blocks a profile may
 * name, and the checks that keep an allowlist an allowlist (no catch-all, no block so wide that it
 * covers a large share of the internet, no block listed twice for the same protocol and port).
 */
import { AWS_RUNNER_DEFAULTS } from "./aws-runner-defaults.ts";
import { type Cidr, cidrsOverlap, isCidr, parseCidr } from "./cidr.ts";
import type { ConfigIssue } from "./issues.ts";

/** One allowed egress destination, resolved. */
export interface AwsEgressRule {
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  /** Normalised CIDR blocks (IPv4 and IPv6); empty when `prefixListId` is set. */
  readonly cidrs: readonly string[];
  readonly prefixListId?: string;
}

/** One egress rule as written (after the schema's syntax checks). */
export interface AwsEgressRuleInput {
  readonly name: string;
  readonly cidrs?: readonly string[] | undefined;
  readonly prefixListId?: string | undefined;
  readonly port?: number | undefined;
  readonly protocol?: string | undefined;
}

/**
 * The shortest prefix an allowlist or SSH source block may have. An IPv4 /8 is 16.7 million
 * addresses (the largest block a single organisation holds); an IPv6 /32 is the usual size of a
 * regional registry's allocation to one provider. Anything wider is a slice of the internet rather
 * than a destination: `0.0.0.0/1` + `128.0.0.0/1` is the whole IPv4 internet without ever writing
 * `0.0.0.0/0`.
 */
export const AWS_ALLOWLIST_MIN_PREFIX = { ipv4: 8, ipv6: 32 } as const;

const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);

/** Why a block may not appear in an allowlist, or undefined when it may. */
function tooWide(c: Cidr, anywhere: { message: string; fix: string }, what: string, fix: string): { message: string; fix: string } | undefined {
  if (ANYWHERE.has(c.text)) return anywhere;
  const min = AWS_ALLOWLIST_MIN_PREFIX[c.family];
  if (c.prefix >= min) return undefined;
  const v = c.family === "ipv4" ? "IPv4" : "IPv6";
  return { message: `${c.text} is wider than /${min}, the widest ${v} block ${what} may name, so it would open a large share of the internet`, fix };
}

/**
 * Validates the egress allowlist, pushing every problem onto `issues`, and returns the rules
 * with defaults applied. Overlapping blocks are refused within a rule and across rules that share
 * a protocol and port; rules with different ports may name the same destination (GitHub on tcp
 * 443 and tcp 22, say).
 */
export function resolveEgressAllowlist(rules: readonly AwsEgressRuleInput[], issues: ConfigIssue[]): AwsEgressRule[] {
  const d = AWS_RUNNER_DEFAULTS;
  const allow: AwsEgressRule[] = [];
  if (rules.length === 0) {
    issues.push({ path: "egress.allow", message: "is empty, so the runners could reach nothing (not even GitHub)", fix: "list each destination the runners need: { name, cidrs | prefixListId, port, protocol }, e.g. GitHub, the container registry, the artifact store, Vault and NTP (udp 123)" });
  }
  const ruleNames = new Map<string, number>();
  /** Accepted blocks of earlier rules, by "protocol/port", with their key paths. */
  const byService = new Map<string, { c: Cidr; path: string }[]>();
  rules.forEach((r, i) => {
    const p = `egress.allow[${i}]`;
    const first = ruleNames.get(r.name);
    if (first !== undefined) issues.push({ path: `${p}.name`, message: `"${r.name}" is already the name of egress.allow[${first}]`, fix: "give every egress rule a unique name" });
    else ruleNames.set(r.name, i);
    const protocol = r.protocol ?? d.egressProtocol;
    const validProtocol = protocol === "tcp" || protocol === "udp";
    if (protocol === "-1" || protocol === "all") {
      issues.push({ path: `${p}.protocol`, message: `"${protocol}" opens every protocol and port`, fix: 'allow one protocol and port per rule: protocol "tcp" or "udp" with a port' });
    } else if (!validProtocol) {
      issues.push({ path: `${p}.protocol`, message: `"${protocol}" is not tcp or udp`, fix: 'use "tcp" or "udp"' });
    }
    if ((r.cidrs === undefined) === (r.prefixListId === undefined)) {
      issues.push({ path: p, message: "needs exactly one of cidrs or prefixListId", fix: 'give the destination\'s CIDR blocks (cidrs: ["192.0.2.0/24"]) or a managed prefix list (prefixListId: "pl-...")' });
    } else if (r.cidrs !== undefined && r.cidrs.length === 0) {
      issues.push({ path: `${p}.cidrs`, message: "is empty", fix: "list the destination's CIDR blocks, or use prefixListId" });
    }
    const port = r.port ?? d.egressPort;
    const cidrPath = `${p}.cidrs`;
    const accepted = checkCidrList(r.cidrs ?? [], cidrPath, issues, (c) =>
      tooWide(
        c,
        { message: `${c.text} allows every destination, so the allowlist would allow everything`, fix: "list the destination's own CIDR blocks or a managed prefix list; the allowlist never contains 0.0.0.0/0 or ::/0" },
        "an egress rule",
        "list the destination's published ranges (e.g. GitHub's from https://api.github.com/meta) or use a managed prefix list (prefixListId); never split the internet into wide blocks",
      ),
    );
    if (validProtocol) {
      const service = `${protocol}/${port}`;
      const earlier = byService.get(service) ?? [];
      const kept: { c: Cidr; i: number }[] = [];
      for (const a of accepted) {
        const other = earlier.find((e) => cidrsOverlap(e.c, a.c));
        if (other) {
          issues.push({ path: `${cidrPath}[${a.i}]`, message: `${a.c.text} overlaps ${other.c.text} at ${other.path}, which already allows ${protocol} ${port}`, fix: `list each destination block once per protocol and port: drop one of ${cidrPath}[${a.i}] and ${other.path}, or merge the two rules` });
        } else kept.push(a);
      }
      byService.set(service, [...earlier, ...kept.map((a) => ({ c: a.c, path: `${cidrPath}[${a.i}]` }))]);
    }
    allow.push({ name: r.name, protocol: protocol === "udp" ? "udp" : "tcp", port, cidrs: accepted.map((a) => a.c.text), ...(r.prefixListId === undefined ? {} : { prefixListId: r.prefixListId }) });
  });
  return allow;
}

/** Validates `ssh.allowedCidrs` (same width bound as the allowlist) and returns the normalised blocks. */
export function resolveSshAllowedCidrs(texts: readonly string[], issues: ConfigIssue[]): string[] {
  return checkCidrList(texts, "ssh.allowedCidrs", issues, (c) =>
    tooWide(
      c,
      { message: `${c.text} opens SSH to the whole internet`, fix: "list your bastion's or VPN's blocks, or use sessionManager: true instead of SSH" },
      "ssh.allowedCidrs",
      "list your bastion's or VPN's own blocks, or use sessionManager: true instead of SSH",
    ),
  ).map((a) => a.c.text);
}

/** Parses a list of CIDR blocks (already syntax-checked by the schema), reporting refused and overlapping blocks. */
function checkCidrList(texts: readonly string[], path: string, issues: ConfigIssue[], refuse: (c: Cidr) => { message: string; fix: string } | undefined): { c: Cidr; i: number }[] {
  const seen: { c: Cidr; i: number }[] = [];
  texts.forEach((t, i) => {
    const c = parseCidr(t);
    if (!isCidr(c)) return;
    const refused = refuse(c);
    if (refused) {
      issues.push({ path: `${path}[${i}]`, ...refused });
      return;
    }
    const other = seen.find((s) => cidrsOverlap(s.c, c));
    if (other) issues.push({ path: `${path}[${i}]`, message: `${c.text} overlaps ${other.c.text} (${path}[${other.i}])`, fix: "list each block once: drop the narrower block or merge the two" });
    else seen.push({ c, i });
  });
  return seen;
}
