/**
 * Kubernetes' own validation rules for the fields a runner description passes through, so that a
 * value the API server would refuse is refused here first, under the user's key path:
 * resource quantities (k8s.io/apimachinery `resource.Quantity`), label keys and values
 * (`IsQualifiedName`, `IsValidLabelValue`), and tolerations (`validateTolerations`).
 */
import type { ConfigIssue } from "./issues.ts";

/** A quantity: a signed decimal or exponent number with an optional binary or decimal SI suffix. */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const SUFFIX: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value of a Kubernetes quantity (`500m` -> 0.5, `4Gi` -> 4294967296), or undefined when it is not one. */
export function parseQuantity(v: unknown): number | undefined {
  const text = typeof v === "number" ? String(v) : v;
  if (typeof text !== "string" || text.length > 64) return undefined;
  const m = QUANTITY.exec(text.trim());
  if (m === null) return undefined;
  const base = Number(m[1]);
  const value = m[2] !== undefined ? base * SUFFIX[m[2]]! : m[3] !== undefined ? base * 10 ** Number(m[3]) : base;
  return Number.isFinite(value) ? value : undefined;
}

/** Resource names without a domain: the standard ones only (extended resources need a domain). */
const STANDARD_RESOURCE = /^(cpu|memory|ephemeral-storage|storage|hugepages-[0-9]+(Ki|Mi|Gi))$/;

/** Upper bounds that no single container reaches on real nodes (the largest cloud machines: 896 vCPUs, 32 TiB). */
const MAX_RESOURCE: Readonly<Record<string, number>> = { cpu: 1024, memory: 64 * 2 ** 40, "ephemeral-storage": 1024 * 2 ** 40 };
const EXAMPLE: Readonly<Record<string, string>> = { cpu: '"500m" or "2"', memory: '"512Mi" or "4Gi"', "ephemeral-storage": '"10Gi"' };

/**
 * Problems of a container's `resources` (`{ requests, limits }`): every quantity parsed and
 * positive and within real machines' sizes, and no request above its limit.
 */
export function resourceIssues(resources: unknown, at: string): ConfigIssue[] {
  if (resources === null || typeof resources !== "object" || Array.isArray(resources)) return [];
  const issues: ConfigIssue[] = [];
  const values: Record<string, Record<string, number>> = {};
  for (const part of ["requests", "limits"] as const) {
    const list = (resources as Record<string, unknown>)[part];
    if (list === null || typeof list !== "object" || Array.isArray(list)) continue;
    values[part] = {};
    for (const [name, raw] of Object.entries(list as Record<string, unknown>)) {
      const path = `${at}.${part}.${name}`;
      if (!isQualifiedName(name) || (!name.includes("/") && !STANDARD_RESOURCE.test(name))) {
        issues.push({ path, message: "is not a resource name", fix: "use cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with its domain such as nvidia.com/gpu" });
        continue;
      }
      const q = parseQuantity(raw);
      const example = EXAMPLE[name] ?? '"1"';
      if (q === undefined) {
        issues.push({ path, message: "is not a Kubernetes quantity", fix: `write a quantity such as ${example}` });
      } else if (q <= 0) {
        issues.push({ path, message: "must be more than 0", fix: `write a positive quantity such as ${example}, or leave ${name} out` });
      } else if (q > (MAX_RESOURCE[name] ?? Number.MAX_SAFE_INTEGER)) {
        issues.push({ path, message: "is larger than any node", fix: `write a quantity a node can hold, such as ${example}` });
      } else if (name === "cpu" && q < 0.001) {
        issues.push({ path, message: "is below 1m, the smallest CPU quantity", fix: 'write at least "1m"' });
      } else values[part]![name] = q;
    }
  }
  for (const [name, request] of Object.entries(values["requests"] ?? {})) {
    const limit = values["limits"]?.[name];
    if (limit !== undefined && request > limit) {
      issues.push({ path: `${at}.requests.${name}`, message: `is more than ${at}.limits.${name}; Kubernetes refuses a request above its limit`, fix: `lower the request or raise the limit so that requests.${name} <= limits.${name}` });
    }
  }
  return issues;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label or annotation key: `[prefix/]name`, name at most 63 characters, prefix a DNS subdomain. */
export function isQualifiedName(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    return prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix);
  }
  return true;
}

/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && NAME.test(value));
}

/** Problems of a node selector or label map: qualified keys, label values. */
export function labelMapIssues(map: unknown, at: string): ConfigIssue[] {
  if (map === null || typeof map !== "object" || Array.isArray(map)) return [];
  const issues: ConfigIssue[] = [];
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    const path = `${at}.${k.length > 80 ? `${k.slice(0, 80)}…` : k}`;
    if (!isQualifiedName(k)) issues.push({ path, message: "is not a valid label key", fix: 'write "[prefix/]name": name at most 63 letters, digits, "-", "_", "." (starting and ending with a letter or digit), prefix a DNS subdomain' });
    else if (typeof v !== "string") issues.push({ path, message: "must be text", fix: "quote the value" });
    else if (!isLabelValue(v)) issues.push({ path, message: "is not a valid label value", fix: 'use at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit' });
  }
  return issues;
}

/** Problems of one toleration, as the API server checks them. */
export function tolerationIssues(t: unknown, at: string): ConfigIssue[] {
  if (t === null || typeof t !== "object" || Array.isArray(t)) return [];
  const { key, operator, value, effect, tolerationSeconds } = t as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (typeof key === "string" && key !== "" && !isQualifiedName(key)) issues.push({ path: `${at}.key`, message: "is not a valid taint key", fix: 'write "[prefix/]name", e.g. "node-role.kubernetes.io/ci"' });
  if ((key === undefined || key === "") && operator !== "Exists") issues.push({ path: `${at}.operator`, message: "must be Exists when key is empty (an empty key matches every taint)", fix: "set operator: Exists, or give the taint's key" });
  if (operator === "Exists" && typeof value === "string" && value !== "") issues.push({ path: `${at}.value`, message: "must be empty when operator is Exists", fix: "remove value, or use operator: Equal" });
  if (typeof value === "string" && !isLabelValue(value)) issues.push({ path: `${at}.value`, message: "is not a valid taint value", fix: 'use at most 63 letters, digits, "-", "_", "."' });
  if (tolerationSeconds !== undefined && effect !== "NoExecute") issues.push({ path: `${at}.tolerationSeconds`, message: "is only valid with effect: NoExecute", fix: "set effect: NoExecute, or remove tolerationSeconds" });
  return issues;
}
