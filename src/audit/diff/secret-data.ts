/**
 * Secret values in a diff. The offline render replaces every secret with the placeholder
 * `[secret]`; a placeholder cannot be compared, and whatever the other side holds there is never
 * printed. Secret objects keep `stringData` only on write: the API server base64-encodes it into
 * `data`, so both sides are brought to `data` before comparing.
 */
import type { KubeObject } from "./kube-object.ts";
import { apiGroup, isPlainObject } from "./kube-object.ts";

/** What the offline render puts where a secret value would be. */
export const SECRET_PLACEHOLDER = "[secret]";

export function containsSecretPlaceholder(value: unknown): boolean {
  if (value === SECRET_PLACEHOLDER) return true;
  if (Array.isArray(value)) return value.some(containsSecretPlaceholder);
  if (isPlainObject(value)) return Object.values(value).some(containsSecretPlaceholder);
  return false;
}

/** Every scalar replaced by the placeholder (for Secret data: the keys show, the values never do). */
export function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return value === undefined || value === null ? value : SECRET_PLACEHOLDER;
}

/** `actual`, with every part whose desired counterpart is (or contains) a placeholder masked. */
export function maskLike(actual: unknown, desired: unknown): unknown {
  if (!containsSecretPlaceholder(desired)) return actual;
  if (isPlainObject(actual) && isPlainObject(desired)) {
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, k in desired ? maskLike(v, desired[k]) : v]));
  }
  return SECRET_PLACEHOLDER;
}

/** A core/v1 Secret with `stringData` folded into base64 `data`, as the API server stores it. */
export function withStringDataEncoded(obj: KubeObject): KubeObject {
  if (obj.kind !== "Secret" || apiGroup(obj.apiVersion) !== "") return obj;
  const stringData = obj["stringData"];
  if (stringData === undefined || stringData === null) return obj;
  const { stringData: _, ...rest } = obj;
  if (!isPlainObject(stringData)) {
    // A whole-map placeholder (or something odd): keep it where it can be compared and masked.
    return { ...rest, data: stringData } as KubeObject;
  }
  const data: Record<string, unknown> = isPlainObject(obj["data"]) ? { ...obj["data"] } : {};
  for (const [key, v] of Object.entries(stringData)) {
    data[key] = typeof v === "string" && v !== SECRET_PLACEHOLDER ? Buffer.from(v, "utf8").toString("base64") : v;
  }
  return { ...rest, data } as KubeObject;
}
