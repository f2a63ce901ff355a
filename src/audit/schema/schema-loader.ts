/**
 * Finds the JSON Schema of a Kubernetes kind in an ordered list of schema locations (local
 * directories or URL templates), downloading over http(s) at most once: downloads are kept in a
 * cache directory and read from there on later runs.
 */
import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { makeDirectory } from "../../io/make-directory.ts";
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  DEFAULT_KUBERNETES_VERSION,
  type SchemaLocation,
  SchemaLocationError,
  expandTemplate,
  normalizeKubernetesVersion,
  parseSchemaLocation,
  schemaTemplateData,
} from "./schema-location.ts";
import { BUNDLED_KUBERNETES_SCHEMAS, BUNDLED_KUBERNETES_VERSIONS } from "./bundled-schemas.ts";
import { InputError } from "../input-error.ts";

/** Options of {@link createSchemaLoader}. */
export interface SchemaLoaderOptions {
  /**
   * Schema locations, tried in order; the first that has the kind wins.
   * @default [BUNDLED_KUBERNETES_SCHEMAS] (the strict schemas shipped in the package, offline);
   * `"default"` names the public kubeconform-format repository, as in kubeconform
   */
  readonly locations?: readonly string[];
  /**
   * Kubernetes version whose schemas are used.
   * @default "1.32.2"
   */
  readonly kubernetesVersion?: string;
  /**
   * Use the strict schemas (`-strict` suffix), which reject unknown fields.
   * @default true
   */
  readonly strict?: boolean;
  /**
   * Where downloaded schemas are kept.
   * @default `$XDG_CACHE_HOME/runner-fleet/schemas`, or `~/.cache/runner-fleet/schemas`
   */
  readonly cacheDir?: string;
  /**
   * Directory that relative locations are resolved against.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * How long one download may take, in milliseconds.
   * @default 60000
   */
  readonly downloadTimeoutMs?: number;
  /**
   * The HTTP client used for downloads.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
}

/** The outcome of looking a kind up. */
export type SchemaLookup =
  | { readonly found: true; readonly schema: Record<string, unknown>; readonly source: string }
  | { readonly found: false; readonly tried: readonly string[] };

/** Looks up JSON Schemas of Kubernetes kinds. */
export interface SchemaLoader {
  /** The schema of `kind` in `apiVersion`, from the first location that has one. */
  load(apiVersion: string, kind: string): Promise<SchemaLookup>;
}

/** A schema that exists but could not be read or downloaded; the CLI reports it as bad input. */
export class SchemaLoadError extends InputError {
  constructor(message: string, fix: string) {
    super(message, fix);
    this.name = "SchemaLoadError";
  }
}

/** The default download cache: `$XDG_CACHE_HOME/runner-fleet/schemas`, else `~/.cache/runner-fleet/schemas`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env["XDG_CACHE_HOME"] && path.isAbsolute(env["XDG_CACHE_HOME"]) ? env["XDG_CACHE_HOME"] : path.join(os.homedir(), ".cache");
  return path.join(base, "runner-fleet", "schemas");
}

/** The file a download of `url` is cached in: the SHA-256 of the URL, as kubeconform names its cache. */
export function cacheFileFor(cacheDir: string, url: string): string {
  return path.join(cacheDir, `${createHash("sha256").update(url).digest("hex")}.json`);
}

function parseSchema(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SchemaLoadError(`schema ${source} is not valid JSON (${(e as Error).message})`, "replace it with a JSON Schema file, or remove it from the schema location");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SchemaLoadError(`schema ${source} is not a JSON object`, "replace it with a JSON Schema file, or remove it from the schema location");
  }
  return parsed as Record<string, unknown>;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

async function readLocal(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new SchemaLoadError(`cannot read schema ${file} (${code ?? (e as Error).message})`, "check the file's permissions");
  }
  return parseSchema(text, file);
}

async function readCache(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // absent or damaged: download again
  }
}

async function writeCache(file: string, text: string): Promise<void> {
  makeDirectory(path.dirname(file));
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function checkLocation(location: SchemaLocation): void {
  if (location.type !== "file" || location.baseDir === undefined) return;
  let isDir = false;
  try {
    isDir = statSync(location.baseDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new SchemaLocationError(
      `schema location "${location.raw}": directory ${location.baseDir} does not exist`,
      "pass an existing directory laid out like kubernetes-json-schema (e.g. v1.32.2-standalone-strict/deployment-apps-v1.json), or a URL template",
    );
  }
}

/**
 * Creates a loader over `locations` (tried in order). Throws {@link SchemaLocationError} at once for
 * a location that cannot work (unknown template variable, missing directory, bad version).
 */
export function createSchemaLoader(options: SchemaLoaderOptions = {}): SchemaLoader {
  const kubernetesVersion = options.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  normalizeKubernetesVersion(kubernetesVersion); // fail early on a bad version
  const strict = options.strict ?? true;
  const cwd = options.cwd ?? process.cwd();
  const cacheDir = path.resolve(cwd, options.cacheDir ?? defaultCacheDir());
  const timeout = options.downloadTimeoutMs ?? 60_000;
  const httpGet = options.fetch ?? globalThis.fetch;
  const given = options.locations ?? [];
  const bundled = given.length === 0;
  if (bundled && !BUNDLED_KUBERNETES_VERSIONS.includes(kubernetesVersion.replace(/^v/, ""))) {
    throw new SchemaLocationError(
      `no schemas for Kubernetes ${kubernetesVersion} are bundled (bundled: ${BUNDLED_KUBERNETES_VERSIONS.join(", ")})`,
      `pass --schema-location with a directory or URL template that has them (\`--schema-location default\` downloads from the public kubeconform-format repository), or use --kubernetes-version ${DEFAULT_KUBERNETES_VERSION}`,
    );
  }
  const rawLocations = bundled ? [BUNDLED_KUBERNETES_SCHEMAS] : given;
  const locations = rawLocations.map((raw) => parseSchemaLocation(raw, cwd));
  locations.forEach(checkLocation);

  const downloads = new Map<string, Promise<Record<string, unknown> | undefined>>();
  const lookups = new Map<string, Promise<SchemaLookup>>();

  async function download(url: string): Promise<Record<string, unknown> | undefined> {
    const cacheFile = cacheFileFor(cacheDir, url);
    const cached = await readCache(cacheFile);
    if (cached) return cached;
    let response: Response;
    try {
      response = await httpGet(url, { signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new SchemaLoadError(
        `cannot download schema ${url} (${cause?.code ?? cause?.message ?? (e as Error).message})`,
        `check network access, or pass --schema-location with a local directory of schemas; downloaded schemas are kept in ${cacheDir}`,
      );
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SchemaLoadError(`cannot download schema ${url} (HTTP ${response.status})`, "retry later, or pass --schema-location with a local directory of schemas");
    }
    const text = await response.text();
    const schema = parseSchema(text, url);
    await writeCache(cacheFile, text);
    return schema;
  }

  async function lookUp(apiVersion: string, kind: string): Promise<SchemaLookup> {
    const data = schemaTemplateData(kind, apiVersion, kubernetesVersion, strict);
    const tried: string[] = [];
    for (const location of locations) {
      const source = expandTemplate(location.template, data);
      tried.push(source);
      let schema: Record<string, unknown> | undefined;
      if (location.type === "file") {
        schema = await readLocal(source);
      } else {
        let pending = downloads.get(source);
        if (!pending) {
          pending = download(source);
          downloads.set(source, pending);
        }
        schema = await pending;
      }
      if (schema) return { found: true, schema, source };
    }
    return { found: false, tried };
  }

  return {
    load(apiVersion, kind) {
      const key = `${apiVersion}\n${kind}`;
      let pending = lookups.get(key);
      if (!pending) {
        pending = lookUp(apiVersion, kind);
        lookups.set(key, pending);
      }
      return pending;
    },
  };
}
