/**
 * Duplicate keys in a parsed YAML document, found in one pass. The `yaml` package's own
 * `uniqueKeys` check compares every key with every earlier key of its mapping, which takes minutes
 * on a mapping of 100,000 keys; this walk keeps a set per mapping and never recurses.
 */
import type { Document } from "yaml";
import { yamlPackage } from "./yaml-package.ts";

/** The offset of the first key that repeats an earlier key of its mapping, or undefined. */
export function firstDuplicateKey(doc: Document): number | undefined {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlPackage();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = item.key;
        if (isScalar(key)) {
          const text = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(text)) return key.range?.[0] ?? 0;
          seen.add(text);
        } else if (key !== null && typeof key === "object") stack.push(key);
        stack.push(item.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isAlias(node) || isScalar(node)) {
      continue;
    }
  }
  return undefined;
}
