/**
 * Field-by-field comparison of two versions of one Kubernetes object, the way the API sees them:
 * keyed lists matched by merge key (merge-keys.ts), server-set fields skipped (server-fields.ts),
 * server defaults accepted when the other side leaves the field out (server-defaults.ts),
 * quantities compared as amounts (quantity.ts), secrets never revealed (secret-data.ts).
 */
import type { FieldDrift } from "./drift-report.ts";
import type { PathSegment } from "./field-path.ts";
import { formatFieldPath, pathIsUnder } from "./field-path.ts";
import type { KubeObject } from "./kube-object.ts";
import { groupKind, isPlainObject } from "./kube-object.ts";
import { QUANTITY, RESOURCE_LIST, SECRET_DATA, fieldType, rootType } from "./kube-types.ts";
import type { MergeKeyField } from "./merge-keys.ts";
import { listSemantics } from "./merge-keys.ts";
import { sameQuantity } from "./quantity.ts";
import { SECRET_PLACEHOLDER, maskAll, maskLike } from "./secret-data.ts";
import type { ServerDefault } from "./server-defaults.ts";
import { NO_DEFAULT, SERVER_DEFAULTS, serverDefault } from "./server-defaults.ts";
import { isServerSetField } from "./server-fields.ts";

export interface CompareOptions {
  /** Field paths (and everything below them) not to compare, e.g. `spec.replicas` when an autoscaler owns it. @default [] */
  readonly ignore?: readonly string[];
}

export interface ObjectComparison {
  readonly fields: readonly FieldDrift[];
  /** Paths where the stack holds only the `[secret]` placeholder and the manifest a value. */
  readonly uncomparedSecrets: readonly string[];
}

type Side = "desired" | "actual";
type Siblings = Readonly<Record<string, unknown>>;

interface Walk {
  readonly object: KubeObject;
  readonly ignore: readonly string[];
  readonly fields: FieldDrift[];
  readonly secrets: string[];
}

/** Where a value sits: its path, its type, and the map that holds it on each side. */
interface Place {
  readonly path: readonly PathSegment[];
  readonly type: string | undefined;
  readonly parentType: string | undefined;
  readonly field: string | undefined;
  readonly desiredSiblings: Siblings | undefined;
  readonly actualSiblings: Siblings | undefined;
  /** Inside Secret data: values are never printed. */
  readonly sensitive: boolean;
}

const ABSENT: unique symbol = Symbol("absent");
const isAbsent = (v: unknown): v is null | undefined => v === undefined || v === null;

/** Compares `desired` (the stack) with `actual` (the manifest); both must be the same object. */
export function compareObjects(desired: KubeObject, actual: KubeObject, opts: CompareOptions = {}): ObjectComparison {
  const walk: Walk = { object: desired, ignore: opts.ignore ?? [], fields: [], secrets: [] };
  const root: Place = {
    path: [],
    type: rootType(groupKind(desired.apiVersion, desired.kind)),
    parentType: undefined,
    field: undefined,
    desiredSiblings: undefined,
    actualSiblings: undefined,
    sensitive: false,
  };
  compareMaps(walk, root, desired, actual);
  return { fields: walk.fields, uncomparedSecrets: walk.secrets };
}

function isIgnored(walk: Walk, path: string): boolean {
  return walk.ignore.some((prefix) => pathIsUnder(path, prefix));
}

function compareValue(walk: Walk, place: Place, d: unknown, a: unknown): void {
  if (isAbsent(d) && isAbsent(a)) return;
  if (d === SECRET_PLACEHOLDER) {
    if (isAbsent(a)) report(walk, place, "only-desired", d, undefined);
    else if (!isIgnored(walk, formatFieldPath(place.path))) walk.secrets.push(formatFieldPath(place.path));
    return;
  }
  if (isAbsent(a)) return compareWithAbsent(walk, place, d, "desired");
  if (isAbsent(d)) return compareWithAbsent(walk, place, a, "actual");
  if (isPlainObject(d) && isPlainObject(a)) return compareMaps(walk, place, d, a);
  if (Array.isArray(d) && Array.isArray(a)) return compareLists(walk, place, d, a);
  if (!equivalent(d, a, place.type, place.parentType)) report(walk, place, "changed", d, a);
}

function compareMaps(walk: Walk, place: Place, d: Siblings, a: Siblings): void {
  const atRoot = place.path.length === 0;
  for (const key of new Set([...Object.keys(d), ...Object.keys(a)])) {
    if (isServerSetField(place.type, key, atRoot)) continue;
    // apiVersion and kind identify the object; a different version of the same group is the same object.
    if (atRoot && (key === "apiVersion" || key === "kind")) continue;
    const type = fieldType(place.type, key);
    compareValue(
      walk,
      {
        path: [...place.path, key],
        type,
        parentType: place.type,
        field: key,
        desiredSiblings: d,
        actualSiblings: a,
        sensitive: place.sensitive || type === SECRET_DATA,
      },
      d[key],
      a[key],
    );
  }
}

function itemPlace(place: Place, segment: PathSegment): Place {
  return { path: [...place.path, segment], type: place.type, parentType: undefined, field: undefined, desiredSiblings: undefined, actualSiblings: undefined, sensitive: place.sensitive };
}

function compareLists(walk: Walk, place: Place, d: readonly unknown[], a: readonly unknown[]): void {
  const semantics = listSemantics(place.parentType, place.field);
  if (semantics.kind === "keyed") {
    const dItems = indexByKeys(d, semantics.keys);
    const aItems = indexByKeys(a, semantics.keys);
    if (dItems !== undefined && aItems !== undefined) {
      for (const key of new Set([...dItems.keys(), ...aItems.keys()])) {
        const di = dItems.get(key);
        const ai = aItems.get(key);
        const segment: PathSegment = { keys: (di ?? ai)?.display ?? [] };
        if (di !== undefined && ai !== undefined) compareValue(walk, itemPlace(place, segment), di.item, ai.item);
        else if (di !== undefined) report(walk, itemPlace(place, segment), "only-desired", di.item, undefined);
        else if (ai !== undefined) report(walk, itemPlace(place, segment), "only-actual", undefined, ai.item);
      }
      return;
    }
    // Items without their merge key (or with duplicate keys) cannot be paired: compare in order.
  }
  if (semantics.kind === "set") {
    const count = (items: readonly unknown[]) => {
      const m = new Map<string, number>();
      for (const item of items) m.set(canonicalJson(item), (m.get(canonicalJson(item)) ?? 0) + 1);
      return m;
    };
    const dc = count(d);
    const ac = count(a);
    const same = dc.size === ac.size && [...dc].every(([k, n]) => ac.get(k) === n);
    if (!same) report(walk, place, "changed", d, a);
    return;
  }
  if (d.length !== a.length) {
    report(walk, place, "changed", d, a);
    return;
  }
  d.forEach((item, i) => compareValue(walk, itemPlace(place, { index: i }), item, a[i]));
}

interface KeyedItem {
  readonly item: unknown;
  readonly display: readonly (readonly [string, string | number])[];
}

/** Items by merge key, or `undefined` when some item lacks a key or two items share one. */
function indexByKeys(items: readonly unknown[], keys: readonly MergeKeyField[]): Map<string, KeyedItem> | undefined {
  const out = new Map<string, KeyedItem>();
  for (const item of items) {
    if (!isPlainObject(item)) return undefined;
    const values: (string | number)[] = [];
    const display: (readonly [string, string | number])[] = [];
    for (const [i, k] of keys.entries()) {
      const raw = item[k.field];
      const v = isAbsent(raw) ? k.default : raw;
      if (typeof v !== "string" && typeof v !== "number") return undefined;
      values.push(v);
      // The first key always shows; later keys only when they differ from their default.
      if (i === 0 || v !== k.default) display.push([k.field, v]);
    }
    const id = JSON.stringify(values);
    if (out.has(id)) return undefined;
    out.set(id, { item, display });
  }
  return out;
}

/** What the server would fill in for this field on a side that leaves it out, if anything. */
function defaultValue(rule: ServerDefault | undefined, siblings: Siblings, object: KubeObject): unknown {
  if (rule === undefined || rule.kind === "allocated") return NO_DEFAULT;
  return rule.kind === "value" ? rule.value : rule.derive(siblings, object);
}

function compareWithAbsent(walk: Walk, place: Place, value: unknown, present: Side): void {
  const absentSiblings = (present === "desired" ? place.actualSiblings : place.desiredSiblings) ?? {};
  const rule = serverDefault(place.parentType, place.field ?? "");
  const remaining = withoutDefaults(walk.object, value, place.type, rule, absentSiblings, present);
  if (remaining === ABSENT) return;
  const fallback = defaultValue(rule, absentSiblings, walk.object);
  const shown = isPlainObject(value) ? remaining : value;
  if (present === "desired") report(walk, place, "only-desired", shown, undefined, fallback);
  else report(walk, place, "only-actual", undefined, shown, fallback);
}

/**
 * `value` (set on the `present` side only) without the parts the server would fill in anyway;
 * ABSENT when nothing else remains.
 */
function withoutDefaults(object: KubeObject, value: unknown, type: string | undefined, rule: ServerDefault | undefined, absentSiblings: Siblings, present: Side): unknown {
  if (rule?.kind === "allocated" && present === "actual") return ABSENT;
  const fallback = defaultValue(rule, absentSiblings, object);
  if (fallback !== NO_DEFAULT && equivalent(value, fallback, type, undefined)) return ABSENT;
  // The API omits empty lists (`omitempty`): `[]` and no list are the same.
  if (Array.isArray(value) && value.length === 0) return ABSENT;
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value).filter((k) => !isAbsent(value[k]));
  // An empty struct whose fields the server defaults (`strategy: {}`) is filled in as if absent.
  if (keys.length === 0) return type !== undefined && SERVER_DEFAULTS[type] !== undefined ? ABSENT : value;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (isServerSetField(type, key, false)) continue;
    const child = withoutDefaults(object, value[key], fieldType(type, key), serverDefault(type, key), {}, present);
    if (child !== ABSENT) out[key] = child;
  }
  return Object.keys(out).length === 0 ? ABSENT : out;
}

/** Deep equality that treats null as absent and compares quantities as amounts. */
function equivalent(a: unknown, b: unknown, type: string | undefined, parentType: string | undefined): boolean {
  if (isAbsent(a) || isAbsent(b)) return isAbsent(a) && isAbsent(b);
  if (type === QUANTITY && sameQuantity(a, b, { roundUpToMilli: parentType === RESOURCE_LIST })) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equivalent(x, b[i], type, undefined));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => equivalent(a[k], b[k], fieldType(type, k), type));
  }
  return a === b;
}

/** A stable text form of a value: keys sorted, nulls dropped (for set comparison). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => !isAbsent(value[k])).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function report(walk: Walk, place: Place, change: FieldDrift["change"], desired: unknown, actual: unknown, fallback: unknown = NO_DEFAULT): void {
  const path = formatFieldPath(place.path);
  if (isIgnored(walk, path)) return;
  const show = (v: unknown) => (place.sensitive ? maskAll(v) : v);
  walk.fields.push({
    path,
    change,
    ...(change === "only-actual" ? {} : { desired: show(desired) }),
    ...(change === "only-desired" ? {} : { actual: show(maskLike(actual, desired)) }),
    ...(fallback === NO_DEFAULT ? {} : { serverDefault: show(fallback) }),
  });
}

/**
 * `object` as its owner wrote it, as far as the diff can tell: without the fields only the server
 * or tooling writes (status, uid, the last-applied annotation, ...) and without the fields that
 * hold their server default (`dnsPolicy: ClusterFirst`, `terminationMessagePath`, an
 * `imagePullPolicy` the image's tag implies, `false` where absent means false). What `import` reads.
 */
export function withoutServerFields(object: KubeObject): KubeObject {
  return strip(object, object, rootType(groupKind(object.apiVersion, object.kind)), true) as KubeObject;
}

function strip(object: KubeObject, value: unknown, type: string | undefined, atRoot: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(object, v, type, false));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (isAbsent(v) || isServerSetField(type, key, atRoot)) continue;
    const ft = fieldType(type, key);
    const fallback = defaultValue(serverDefault(type, key), value, object);
    if (fallback !== NO_DEFAULT && equivalent(v, fallback, ft, type)) continue;
    // The API omits empty lists: `[]` and no list are the same.
    if (Array.isArray(v) && v.length === 0) continue;
    out[key] = strip(object, v, ft, false);
  }
  return out;
}
