/**
 * A composed YAML value checked as data: tagged values (binary, sets, ordered maps, timestamps)
 * made plain JSON, and aliases that share or repeat parts expanded under a budget, with recursive
 * aliases and runaway nesting refused.
 */
import { READ_LIMITS, type ReadLimits } from "./manifest-bytes.ts";

/** Why a value cannot be read, and how to fix it. */
export type ValueProblem = { readonly message: string; readonly fix: string };

/** The fix for a document that nests deeper than `limit` levels. */
export const DEPTH_FIX = (limit: number) => `Kubernetes objects nest a few dozen levels at most: look for runaway brackets or indentation there; runner-fleet reads at most ${limit} levels`;

/** Go's RFC 3339 form of a time, as kubectl sends a YAML timestamp: `2024-01-31T00:00:00Z`. */
export function rfc3339(date: Date): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/(\.\d*?)0+Z$/, "$1Z").replace(/\.Z$/, "Z");
}

/** Plain JSON-like values for what YAML tags may produce (binary, sets, ordered maps). */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Set) return Object.fromEntries([...value].map((k) => [String(k), null]));
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), v]));
  if (value instanceof Date) return rfc3339(value) ?? null;
  return value;
}

function setChild(parent: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Checks a parsed value whose aliases may share or repeat parts: no part contains itself, the
 * nesting stays within the limit, and the values counted with every alias expanded stay within
 * budget. Tagged values (binary, sets, ordered maps) become plain JSON values in place.
 */
export function checkValueTree(root: unknown, limits: Pick<ReadLimits, "depth" | "expandedValues"> = READ_LIMITS): { value: unknown } | { problem: ValueProblem } {
  const value = plain(root);
  if (value === null || typeof value !== "object") return { value };
  interface Frame {
    readonly node: Record<string, unknown> | unknown[];
    readonly keys: readonly (string | number)[];
    i: number;
    height: number;
    size: number;
  }
  const done = new Map<object, { height: number; size: number }>();
  const open = new Set<object>();
  const frame = (node: Record<string, unknown> | unknown[]): Frame => {
    open.add(node);
    return { node, keys: Array.isArray(node) ? Array.from(node.keys()) : Object.keys(node), i: 0, height: 0, size: 1 };
  };
  const stack: Frame[] = [frame(value as Record<string, unknown>)];
  const tooDeep = { problem: { message: `the document nests more than ${limits.depth} levels deep`, fix: DEPTH_FIX(limits.depth) } };
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i < top.keys.length) {
      const key = top.keys[top.i++]!;
      const raw = (top.node as Record<string | number, unknown>)[key];
      const child = plain(raw);
      if (child !== raw) setChild(top.node, key, child);
      if (child === null || typeof child !== "object") {
        top.size++;
        continue;
      }
      if (open.has(child)) {
        return { problem: { message: "an alias refers to a node that contains it, which makes the document infinitely deep", fix: "write the repeated part out instead of the alias; Kubernetes objects cannot be recursive" } };
      }
      const known = done.get(child);
      if (known) {
        top.height = Math.max(top.height, known.height);
        top.size += known.size;
      } else {
        if (stack.length >= limits.depth) return tooDeep;
        stack.push(frame(child as Record<string, unknown>));
      }
    } else {
      stack.pop();
      open.delete(top.node);
      const result = { height: top.height + 1, size: top.size };
      if (result.size > limits.expandedValues) {
        return { problem: { message: `YAML aliases expand the document to more than ${limits.expandedValues.toLocaleString("en-US")} values`, fix: "write the document without aliases, or split it; runner-fleet refuses documents that expand beyond that to stay within memory" } };
      }
      done.set(top.node, result);
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.height = Math.max(parent.height, result.height);
        parent.size += result.size;
      }
    }
  }
  if ((done.get(value)?.height ?? 0) > limits.depth) return tooDeep;
  return { value };
}
