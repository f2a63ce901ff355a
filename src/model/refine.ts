/**
 * Refinements every model shares, written once: plain-object checks, DNS-1123 names, http(s) base
 * URLs, whole numbers within bounds and duplicates in a list. Each returns the problem in words (or
 * a `ConfigIssue` with its key path and fix), so a model composes them into zod schemas or issue
 * lists without restating the rule.
 */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";

/** A plain object (not null, not a list). */
export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS name of labels separated by dots, at most 253 characters. */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/** A DNS-1123 subdomain: lower-case labels separated by dots (object names such as a Secret's). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** The name of an existing Kubernetes object (a DNS-1123 subdomain); `what` names it in the fix. */
export const objectName = (what: string) =>
  z.string({ error: `must be a string (${what})` }).superRefine((v, ctx) => {
    if (v.length > 253 || !DNS1123_SUBDOMAIN.test(v)) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not a DNS-1123 subdomain of at most 253 characters`, params: { fix: `use lower-case letters, digits, "-" and "." (${what})` } });
    }
  });

/** A path from the container root, without `..`. */
export const absolutePath = z.string().superRefine((v, ctx) => {
  if (!v.startsWith("/") || v.includes("\0") || v.split("/").includes("..")) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not an absolute path`, params: { fix: 'write the path from the container root, e.g. "/home/runner"' } });
  }
});

/** A path inside a volume: relative, without `..` (empty: the volume's root). */
export const relativePath = z.string().max(4096).regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]*$/, { error: "must be a relative path inside the volume (no leading / and no ..)" });

/** A zod string that is a DNS-1123 label of at most `max` characters; `what` says what it names. */
export const dnsLabel = (what: string, max = 63) =>
  z.string({ error: `must be a string (${what})` }).superRefine((v, ctx) => {
    if (!DNS1123_LABEL.test(v) || v.length > max) {
      ctx.addIssue({
        code: "custom",
        message: `"${v}" is not a DNS-1123 label of at most ${max} characters`,
        params: { fix: `use lower-case letters, digits and "-", starting and ending with a letter or digit (${what})` },
      });
    }
  });

/**
 * Why `v` is not an http(s) base URL (no surrounding spaces, credentials, query or fragment), or
 * undefined when it is one. Whether plain http is acceptable is each model's named opt-in.
 */
export function baseUrlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return "is not a URL";
  }
  if (v !== v.trim()) return "has surrounding spaces";
  if (u.protocol !== "https:" && u.protocol !== "http:") return `uses ${u.protocol} instead of https: or http:`;
  if (u.username !== "" || u.password !== "") return "contains credentials";
  if (u.search !== "" || u.hash !== "") return "has a query or fragment";
  return undefined;
}

/** Whether a valid base URL uses plain http to a host other than loopback. */
export function isInsecureHttp(url: string): boolean {
  const u = new URL(url);
  if (u.protocol !== "http:") return false;
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return !(host === "localhost" || host === "::1" || /^127\./.test(host));
}

/** Why `v` is not a whole number from `min` to `max`, or undefined. */
export function wholeNumberProblem(v: number, min: number, max: number): string | undefined {
  if (!Number.isInteger(v)) return `${v} is not a whole number`;
  if (v < min) return `${v} is less than the minimum of ${min}`;
  if (v > max) return `${v} is more than the maximum of ${max}`;
  return undefined;
}

/**
 * One issue per item whose key repeats an earlier item's, naming the first one.
 * `keyOf` returns undefined for items that cannot be compared (malformed input).
 */
export function duplicateIssues<T>(items: readonly T[], keyOf: (item: T) => string | undefined, pathOf: (index: number) => string, what: string, fix: string): ConfigIssue[] {
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (key === undefined) return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else issues.push({ path: pathOf(i), message: `${what} is already given at ${pathOf(first)}`, fix });
  });
  return issues;
}
