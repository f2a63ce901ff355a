/**
 * Where JSON Schemas for Kubernetes kinds live, written the way kubeconform users write it: a local
 * directory in the kubernetes-json-schema layout, or a path/URL template with kubeconform's
 * variables (`{{ .NormalizedKubernetesVersion }}`, `{{ .StrictSuffix }}`, `{{ .ResourceKind }}`,
 * `{{ .ResourceAPIVersion }}`, `{{ .Group }}`, `{{ .KindSuffix }}`).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../input-error.ts";

/** The Kubernetes version whose schemas are used unless another is asked for. */
export const DEFAULT_KUBERNETES_VERSION = "1.32.2";

/** The file layout of kubernetes-json-schema repositories, appended to a plain directory or URL. */
export const STANDARD_LAYOUT = "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/** The public kubeconform-format schema repository; used when no location is given. */
export const DEFAULT_SCHEMA_LOCATION = `https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/${STANDARD_LAYOUT}`;

/** The variables a location template may use (the names kubeconform uses). */
export interface SchemaTemplateData {
  /** `v1.32.2` for Kubernetes version `1.32.2`; `master` stays `master`. */
  readonly NormalizedKubernetesVersion: string;
  /** `-strict` when unknown fields are rejected, otherwise empty. */
  readonly StrictSuffix: string;
  /** The kind in lower case: `deployment`. */
  readonly ResourceKind: string;
  /** The version part of the apiVersion: `v1` for `apps/v1`. */
  readonly ResourceAPIVersion: string;
  /** The group part of the apiVersion: `apps` for `apps/v1` (`v1` for the core group, as in kubeconform). */
  readonly Group: string;
  /** `-apps-v1` for `apps/v1`, `-v1` for `v1`, `-monitoring-v1` for `monitoring.coreos.com/v1`. */
  readonly KindSuffix: string;
}

const TEMPLATE_VARIABLES: readonly (keyof SchemaTemplateData)[] = [
  "NormalizedKubernetesVersion",
  "StrictSuffix",
  "ResourceKind",
  "ResourceAPIVersion",
  "Group",
  "KindSuffix",
];

/** A schema location that could not be understood; the CLI reports it as a usage error. */
export class SchemaLocationError extends InputError {
  constructor(message: string, fix: string) {
    super(message, fix);
    this.name = "SchemaLocationError";
  }
}

/** A parsed `--schema-location`. */
export interface SchemaLocation {
  /** What the user wrote. */
  readonly raw: string;
  /** `file` for local paths (and `file://` URLs), `http` for http(s) URLs. */
  readonly type: "file" | "http";
  /** The full template, the standard layout appended when the location was a plain directory or URL. */
  readonly template: string;
  /** For `file` locations: the directory that must exist (the part before the first variable). */
  readonly baseDir?: string;
}

/**
 * Turns `1.32.2` into `v1.32.2` (kubeconform's NormalizedKubernetesVersion); `master` is kept.
 * A leading `v` is accepted too.
 */
export function normalizeKubernetesVersion(version: string): string {
  if (version === "master") return version;
  const m = /^v?(\d+\.\d+\.\d+)$/.exec(version);
  if (!m) {
    throw new SchemaLocationError(
      `Kubernetes version "${version}" is not a MAJOR.MINOR.PATCH version`,
      `pass --kubernetes-version as MAJOR.MINOR.PATCH, e.g. ${DEFAULT_KUBERNETES_VERSION}, or "master"`,
    );
  }
  return `v${m[1]}`;
}

/** The template variables for one kind, computed exactly as kubeconform computes them. */
export function schemaTemplateData(kind: string, apiVersion: string, kubernetesVersion: string, strict: boolean): SchemaTemplateData {
  const groupParts = apiVersion.split("/");
  const group = groupParts[0] ?? "";
  const version = groupParts[groupParts.length - 1] ?? "";
  const firstGroupLabel = group.split(".")[0] ?? "";
  let kindSuffix = `-${firstGroupLabel.toLowerCase()}`;
  if (groupParts.length > 1) kindSuffix += `-${(groupParts[1] ?? "").toLowerCase()}`;
  return {
    NormalizedKubernetesVersion: normalizeKubernetesVersion(kubernetesVersion),
    StrictSuffix: strict ? "-strict" : "",
    ResourceKind: kind.toLowerCase(),
    ResourceAPIVersion: version,
    Group: group,
    KindSuffix: kindSuffix,
  };
}

const VARIABLE = /\{\{-?\s*\.([A-Za-z]+)\s*-?\}\}/g;

/** Fills in a location template. */
export function expandTemplate(template: string, data: SchemaTemplateData): string {
  return template.replace(VARIABLE, (_, name: string) => data[name as keyof SchemaTemplateData]);
}

function checkTemplate(raw: string, template: string): void {
  for (const m of template.matchAll(VARIABLE)) {
    const name = m[1] ?? "";
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new SchemaLocationError(
        `schema location "${raw}" uses the unknown variable {{ .${name} }}`,
        `use only ${TEMPLATE_VARIABLES.map((v) => `{{ .${v} }}`).join(", ")}`,
      );
    }
  }
  if (template.replace(VARIABLE, "").includes("{{")) {
    throw new SchemaLocationError(
      `schema location "${raw}" has template syntax other than {{ .Variable }}`,
      "write each variable as {{ .Name }}; functions and pipelines are not supported",
    );
  }
}

/**
 * Parses one `--schema-location` value, the way kubeconform does: `default` is the public
 * repository; a location that does not end in `json` is a directory or URL in the standard layout,
 * so {@link STANDARD_LAYOUT} is appended; anything else is a full template. Relative paths are
 * resolved against `cwd`.
 */
export function parseSchemaLocation(raw: string, cwd: string = process.cwd()): SchemaLocation {
  const value = raw.trim();
  if (value === "") {
    throw new SchemaLocationError("schema location is empty", "pass a directory, a URL template, or \"default\"");
  }
  if (value === "default") return { raw, type: "http", template: DEFAULT_SCHEMA_LOCATION };
  const full = value.endsWith("json") ? value : `${value.replace(/\/+$/, "")}/${STANDARD_LAYOUT}`;
  checkTemplate(raw, full);
  if (/^https?:\/\//i.test(full)) return { raw, type: "http", template: full };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(full) && !/^file:\/\//i.test(full)) {
    throw new SchemaLocationError(
      `schema location "${raw}" uses an unsupported URL scheme`,
      "use a local directory, a file:// URL, or an http(s):// URL template",
    );
  }
  const asPath = /^file:\/\//i.test(full) ? fileURLToPath(full) : full;
  const template = path.resolve(cwd, asPath);
  const firstVariable = template.search(/\{\{/);
  const staticPart = firstVariable === -1 ? template : template.slice(0, firstVariable);
  const baseDir = firstVariable === -1 ? path.dirname(template) : staticPart.endsWith(path.sep) ? staticPart : path.dirname(staticPart);
  return { raw, type: "file", template, baseDir };
}
