/**
 * The types of every field the audit reads, checked before it reads them: a Kubernetes object
 * parsed from a manifest may hold anything, and a field of the wrong type must be reported as
 * malformed (with its key path and the fix), never crash the audit or, worse, be read as if it
 * were absent (`privileged: "true"` is not `privileged: true`, and the API server refuses both
 * the string and the object that holds it). Null is read as absent, as the API server does.
 *
 * Also: `kind: List` documents (as `kubectl get -o yaml` writes them) expanded into their items.
 */
import { isRecord } from "../model/refine.ts";
import { describeType, formatKeyPath } from "./quote.ts";

/** A step in a key path: a mapping key or a list index. */
export type KeySegment = string | number;

/** One field of the wrong type. */
export interface ShapeIssue {
  /** Where the field is, as segments (for finding its line) ... */
  readonly segments: readonly KeySegment[];
  /** ... and as written: `spec.template.spec.containers[0].securityContext`. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

type Spec =
  | "string"
  | "boolean"
  | "integer"
  | "int-or-string"
  | "scalar"
  | "any"
  | { readonly map: Readonly<Record<string, Spec>> }
  | { readonly list: Spec }
  | { readonly values: Spec };

const map = (fields: Readonly<Record<string, Spec>>): Spec => ({ map: fields });
const list = (items: Spec): Spec => ({ list: items });
const values = (v: Spec): Spec => ({ values: v });

const STRING_MAP = values("string");
const SELECTOR = map({ matchLabels: STRING_MAP, matchExpressions: list(map({ key: "string", operator: "string", values: list("string") })) });
const SECCOMP = map({ type: "string", localhostProfile: "string" });
const SELINUX = map({ type: "string", user: "string", role: "string", level: "string" });
const WINDOWS = map({ hostProcess: "boolean" });
const APPARMOR = map({ type: "string", localhostProfile: "string" });

const CONTAINER_SECURITY = map({
  windowsOptions: WINDOWS,
  privileged: "boolean",
  capabilities: map({ add: list("string"), drop: list("string") }),
  appArmorProfile: APPARMOR,
  seLinuxOptions: SELINUX,
  procMount: "string",
  seccompProfile: SECCOMP,
  runAsNonRoot: "boolean",
  runAsUser: "integer",
  allowPrivilegeEscalation: "boolean",
});

const CONTAINER = map({
  name: "string",
  image: "string",
  ports: list(map({ name: "string", containerPort: "integer", protocol: "string", hostPort: "integer" })),
  resources: map({ requests: values("any"), limits: values("any") }),
  securityContext: CONTAINER_SECURITY,
  env: list(map({ name: "string", valueFrom: map({ secretKeyRef: map({ name: "string", key: "string" }) }) })),
  envFrom: list(map({ prefix: "string", secretRef: map({ name: "string" }) })),
});

const POD_SPEC = map({
  containers: list(CONTAINER),
  initContainers: list(CONTAINER),
  ephemeralContainers: list(CONTAINER),
  hostNetwork: "boolean",
  hostPID: "boolean",
  hostIPC: "boolean",
  automountServiceAccountToken: "boolean",
  os: map({ name: "string" }),
  volumes: list(map({ name: "string" })),
  securityContext: map({
    windowsOptions: WINDOWS,
    appArmorProfile: APPARMOR,
    seLinuxOptions: SELINUX,
    seccompProfile: SECCOMP,
    sysctls: list(map({ name: "string" })),
    runAsNonRoot: "boolean",
    runAsUser: "integer",
  }),
});

const METADATA = map({ name: "string", namespace: "string", labels: STRING_MAP, annotations: STRING_MAP });
const TEMPLATE = map({ metadata: METADATA, spec: POD_SPEC });

const PEER = map({ ipBlock: map({ cidr: "string", except: list("string") }), namespaceSelector: SELECTOR, podSelector: SELECTOR });
const PORTS = list(map({ protocol: "string", port: "int-or-string", endPort: "integer" }));

/** What the audit reads of each kind it reads, by `apiVersion/kind`. */
const SHAPES: Readonly<Record<string, Spec>> = {
  "v1/Pod": map({ metadata: METADATA, spec: POD_SPEC }),
  "apps/v1/Deployment": map({ metadata: METADATA, spec: map({ template: TEMPLATE }) }),
  "apps/v1/ReplicaSet": map({ metadata: METADATA, spec: map({ template: TEMPLATE }) }),
  "apps/v1/StatefulSet": map({ metadata: METADATA, spec: map({ template: TEMPLATE }) }),
  "apps/v1/DaemonSet": map({ metadata: METADATA, spec: map({ template: TEMPLATE }) }),
  "batch/v1/Job": map({ metadata: METADATA, spec: map({ template: TEMPLATE }) }),
  "batch/v1/CronJob": map({ metadata: METADATA, spec: map({ jobTemplate: map({ spec: map({ template: TEMPLATE }) }) }) }),
  "actions.github.com/v1alpha1/AutoscalingRunnerSet": map({ metadata: METADATA, spec: map({ githubConfigUrl: "string", template: TEMPLATE }) }),
  "networking.k8s.io/v1/NetworkPolicy": map({
    metadata: METADATA,
    spec: map({
      podSelector: SELECTOR,
      policyTypes: list("string"),
      ingress: list(map({ from: list(PEER), ports: PORTS })),
      egress: list(map({ to: list(PEER), ports: PORTS })),
    }),
  }),
  "v1/Namespace": map({ metadata: METADATA }),
};

/** A NetworkPolicy without apiVersion is read as networking.k8s.io/v1, as the audit does. */
function shapeOf(object: Record<string, unknown>): Spec | undefined {
  const kind = object["kind"];
  const apiVersion = object["apiVersion"] ?? (kind === "NetworkPolicy" ? "networking.k8s.io/v1" : kind === "Namespace" ? "v1" : undefined);
  return typeof kind === "string" && typeof apiVersion === "string" ? SHAPES[`${apiVersion}/${kind}`] : undefined;
}

function wrongType(expected: string, value: unknown): { message: string; fix: string } {
  const got = describeType(value);
  switch (expected) {
    case "string":
      return { message: `must be a string, not ${got}`, fix: typeof value === "number" || typeof value === "boolean" ? 'quote the value, e.g. "true" or "8080" (YAML reads unquoted numbers, yes/no and on/off as other types)' : "write a single string value" };
    case "boolean":
      return { message: `must be true or false, not ${got}`, fix: typeof value === "string" ? "write true or false without quotes" : "write true or false" };
    case "integer":
      return { message: `must be an integer, not ${got}`, fix: typeof value === "string" ? "write the number without quotes" : "write a whole number" };
    case "int-or-string":
      return { message: `must be a port number or a port name, not ${got}`, fix: "write a number such as 443, or the name of a container port" };
    case "scalar":
      return { message: `must be a single value, not ${got}`, fix: "write a string, a number or true/false" };
    case "map":
      return { message: `must be a mapping, not ${got}`, fix: "write a mapping of field: value pairs" };
    case "values":
      return { message: `must be a mapping of names to values, not ${got}`, fix: "write name: value pairs (quote values that YAML would read as numbers or booleans)" };
    default:
      return { message: `must be a list, not ${got}`, fix: "write a list (YAML `- item` entries, or [a, b])" };
  }
}

function fits(expected: Spec, value: unknown): boolean {
  switch (expected) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "int-or-string":
      return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
    case "scalar":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    case "any":
      return true;
    default:
      return "list" in expected ? Array.isArray(value) : isRecord(value);
  }
}

/** At most this many problems are reported for one object. */
const MAX_ISSUES = 20;

/**
 * The fields the audit reads that have the wrong type, in document order (at most 20). Empty for
 * well-formed objects and for kinds the audit does not read.
 */
export function shapeIssues(object: unknown): ShapeIssue[] {
  if (!isRecord(object)) return [];
  const issues: ShapeIssue[] = [];
  const kindIssue = (key: "kind" | "apiVersion") => {
    const v = object[key];
    if (v !== undefined && v !== null && typeof v !== "string") {
      const { message, fix } = wrongType("string", v);
      issues.push({ segments: [key], path: key, message, fix });
    }
  };
  kindIssue("apiVersion");
  kindIssue("kind");
  const spec = shapeOf(object);
  if (spec === undefined) return issues;
  // The stack holds what is left to check; the spec, not the data, bounds its depth.
  const stack: [Spec, unknown, readonly KeySegment[]][] = [[spec, object, []]];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const [expected, value, at] = stack.pop()!;
    if (value === null || value === undefined) continue;
    if (!fits(expected, value)) {
      const kind = typeof expected === "string" ? expected : "map" in expected ? "map" : "values" in expected ? "values" : "list";
      issues.push({ segments: at, path: formatKeyPath(at, 60), ...wrongType(kind, value) });
      continue;
    }
    if (typeof expected === "string") continue;
    const children: [Spec, unknown, readonly KeySegment[]][] = [];
    if ("map" in expected) {
      const record = value as Record<string, unknown>;
      for (const [key, child] of Object.entries(expected.map)) if (Object.hasOwn(record, key)) children.push([child, record[key], [...at, key]]);
    } else if ("values" in expected) {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) children.push([expected.values, child, [...at, key]]);
    } else {
      (value as unknown[]).forEach((item, i) => {
        // A list item that is null is no value at all: the API server refuses it.
        if (item === null && expected.list !== "any") issues.push({ segments: [...at, i], path: formatKeyPath([...at, i], 60), message: "is empty (null)", fix: "remove the empty list item, or give it a value" });
        else children.push([expected.list, item, [...at, i]]);
      });
    }
    // Reversed, so that the stack pops them in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return issues.slice(0, MAX_ISSUES);
}

/** A `kind: List` (or a typed list such as `DeploymentList`) as its items; anything else as itself. */
export function expandList(value: unknown): { items: unknown[]; isList: boolean } {
  if (!isRecord(value)) return { items: [value], isList: false };
  const kind = value["kind"];
  const items = value["items"];
  if (typeof kind !== "string" || !kind.endsWith("List") || !Array.isArray(items)) return { items: [value], isList: false };
  // Items of typed lists straight from the API carry no apiVersion/kind of their own.
  const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
  return {
    isList: true,
    items: items.map((item: unknown) => {
      if (itemKind === undefined || !isRecord(item)) return item;
      return { apiVersion: value["apiVersion"], kind: itemKind, ...item };
    }),
  };
}
