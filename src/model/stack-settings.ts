/**
 * The one reader of a stack's settings, used by every stack program (through Pulumi's config, see
 * `src/pulumi/stack-settings.ts`) and by the offline CLI (through the stack settings file, see
 * `stack-settings-file.ts`). A stack declares its keys once ({@link SettingsSpec}); the reader
 * reports every problem at once, each under the key a user sets:
 * - keys the stack does not read, with a "did you mean" for near misses, other cases and
 *   invisible characters, also in the project prefix (`Gh-Runner:namespace`);
 * - values of the wrong kind, integers outside their bounds, over-long strings;
 * - secret keys set in plain text (never quoted);
 * - credential-shaped values (tokens, private keys, URLs with credentials) in plain settings,
 *   never quoted; a value that only looks like one is accepted when its key path is listed
 *   under the built-in setting `notSecret`.
 */
import { credentialKind } from "./credential-shape.ts";
import { didYouMean, hasInvisible, normalizeKey, visible } from "./did-you-mean.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import { isRecord } from "./refine.ts";

/** Where settings come from: Pulumi's runtime config, or a parsed stack settings file. */
export interface StackSettingsSource {
  /** The project name: the namespace of the stack's own keys. */
  readonly project: string;
  /** Every full key that is set (`<project>:<key>`, `aws:region`, ...). */
  keys(): readonly string[];
  /** The value of a full key as Pulumi hands it to a program: a string (structured values as JSON). */
  get(fullKey: string): string | undefined;
  /** Whether a full key was set as a secret. */
  isSecret(fullKey: string): boolean;
}

/**
 * What one setting holds. Every integer has bounds drawn from the real system's limits. `default`
 * is the model's default (taken from its defaults constant); the stack's `Pulumi.yaml` must declare
 * the same one (test/stack-defaults.test.ts).
 */
export type SettingSpec =
  | { readonly kind: "string"; readonly maxLength?: number; readonly default?: string }
  | { readonly kind: "integer"; readonly min: number; readonly max: number; readonly default?: number }
  | { readonly kind: "boolean"; readonly default?: boolean }
  | { readonly kind: "list"; readonly maxItems?: number; readonly default?: readonly string[] }
  | { readonly kind: "mapping" }
  | { readonly kind: "secret"; readonly maxLength?: number };

/** The settings of one stack: own keys by name, provider keys by full name (`aws:region`). */
export type SettingsSpec = Readonly<Record<string, SettingSpec>>;

/** Provider namespaces whose keys a stack may set besides its own. */
export const PROVIDER_NAMESPACES = ["pulumi", "kubernetes", "aws", "vault", "command", "random", "tls"] as const;

/** The built-in setting that lists key paths whose credential-shaped values are known not to be secrets. */
export const NOT_SECRET_KEY = "notSecret";

/** Default length limit of a plain string setting. */
const MAX_STRING = 4096;
/** Default length limit of a list setting. */
const MAX_ITEMS = 1000;
/** Strings longer than this are not scanned for credentials piecewise; they are refused by their own limits. */
const SCAN_LIMIT = 1 << 20;

export interface ReadSettings {
  /** Own keys that are set, converted to their kind (secrets are not here: read them from the source). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Own secret keys that are set (as secrets). */
  readonly secrets: ReadonlySet<string>;
  /** Every problem found; empty when the settings are fine. */
  readonly issues: ConfigIssue[];
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "text";
  return `a ${typeof v}`;
}

/** A structured value from its JSON form, or the text itself when it is not JSON (a plain string setting). */
function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Reads the settings of `source` against `spec`. Never throws for bad settings: every problem is
 * in `issues` (see {@link requireSettings}).
 */
export function readSettings(source: StackSettingsSource, spec: SettingsSpec): ReadSettings {
  const project = source.project;
  const own = Object.keys(spec).filter((k) => !k.includes(":"));
  const ownWithBuiltIns = [...own, NOT_SECRET_KEY];
  const issues: ConfigIssue[] = [];
  const values: Record<string, unknown> = {};
  const secrets = new Set<string>();
  const keys = source.keys();

  for (const fullKey of keys) {
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? project : fullKey.slice(0, colon);
    const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    if (ns === project) {
      if (ownWithBuiltIns.includes(key)) continue;
      const near = didYouMean(key, own);
      issues.push({
        path: visible(key),
        message: `is not a setting of ${project}${hasInvisible(key) ? " (it holds an invisible character)" : ""}`,
        fix: near !== undefined ? `did you mean ${near}? Rename it (\`pulumi config rm ${visible(key)}\`, then set ${near})` : `remove it (\`pulumi config rm ${visible(key)}\`); the settings of ${project} are: ${own.join(", ")}`,
      });
      continue;
    }
    if (fullKey in spec) continue;
    const prefixIssue = misspeltPrefixIssue(fullKey, project);
    if (prefixIssue !== undefined) {
      issues.push(prefixIssue);
      continue;
    }
    // A provider's setting that the stack reads, misspelt (`aws:regoin`).
    const providerKeys = Object.keys(spec).filter((k) => k.startsWith(`${ns}:`));
    const near = didYouMean(fullKey, providerKeys);
    if (near !== undefined) {
      issues.push({ path: visible(fullKey), message: `is not a setting of the ${ns} provider that this stack reads`, fix: `did you mean ${near}? Rename it (\`pulumi config rm ${visible(fullKey)}\`, then set ${near})` });
    }
  }

  for (const [key, s] of Object.entries(spec)) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    const raw = source.get(fullKey);
    if (raw === undefined) continue;
    const secret = source.isSecret(fullKey);
    if (s.kind === "secret") {
      if (!secret) {
        issues.push({ path: key, message: "is set in plain text but must be a secret (its value is not shown)", fix: `remove it (\`pulumi config rm ${key}\`), then run \`pulumi config set --secret ${key} <value>\`` });
      } else if (raw.length > (s.maxLength ?? 64 * 1024)) {
        issues.push({ path: key, message: `is ${raw.length} characters long; at most ${s.maxLength ?? 64 * 1024}`, fix: `set ${key} to the credential itself` });
      } else if (raw.trim() === "") {
        issues.push({ path: key, message: "is empty", fix: `run \`pulumi config set --secret ${key} <value>\` with the credential, or remove it` });
      } else if (!key.includes(":")) secrets.add(key);
      continue;
    }
    const value = convert(key, raw, s, issues);
    if (value !== undefined && !key.includes(":")) values[key] = value;
  }

  issues.push(...credentialIssues(source, spec, keys));
  return { values, secrets, issues };
}

/**
 * The issue of a key whose namespace is the project's name misspelt (another case, an invisible
 * character, a typo): the program would never read it. Undefined for the project's own keys and
 * for other namespaces.
 */
export function misspeltPrefixIssue(fullKey: string, project: string): ConfigIssue | undefined {
  const colon = fullKey.indexOf(":");
  if (colon < 0) return undefined;
  const ns = fullKey.slice(0, colon);
  const key = fullKey.slice(colon + 1);
  if (ns === project || (PROVIDER_NAMESPACES as readonly string[]).includes(ns)) return undefined;
  if (normalizeKey(ns) !== normalizeKey(project) && didYouMean(ns, [project]) === undefined) return undefined;
  const why = hasInvisible(ns) ? "holds an invisible character" : ns.toLowerCase() === project.toLowerCase() ? "is in another case" : "is misspelt";
  return {
    path: visible(fullKey),
    message: `has the prefix "${visible(ns)}", which ${why}: the project is "${project}", so the program never reads it`,
    fix: `write it as ${project}:${visible(key)}`,
  };
}

/** Converts one setting to its kind, adding an issue (and returning undefined) when it does not fit. */
function convert(key: string, raw: string, s: Exclude<SettingSpec, { kind: "secret" }>, issues: ConfigIssue[]): unknown {
  switch (s.kind) {
    case "string": {
      const max = s.maxLength ?? MAX_STRING;
      if (raw.length > max) {
        issues.push({ path: key, message: `is ${raw.length} characters long; at most ${max}`, fix: `shorten ${key}` });
        return undefined;
      }
      const v = parsed(raw);
      if (typeof v === "object" && v !== null) {
        issues.push({ path: key, message: `must be text, not ${kindOf(v)}`, fix: `set ${key} to a single value` });
        return undefined;
      }
      return raw;
    }
    case "integer": {
      const n = /^\s*-?\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) {
        issues.push({ path: key, message: `must be a whole number from ${s.min} to ${s.max}, not ${kindOf(parsed(raw)) === "a number" ? "that number" : kindOf(parsed(raw))}`, fix: `set ${key} to a whole number from ${s.min} to ${s.max}` });
        return undefined;
      }
      if (!Number.isInteger(n) || n < s.min || n > s.max) {
        issues.push({ path: key, message: `is ${raw.length > 24 ? "a number" : raw.trim()}; it must be a whole number from ${s.min} to ${s.max}`, fix: `set ${key} to a whole number from ${s.min} to ${s.max}` });
        return undefined;
      }
      return n;
    }
    case "boolean": {
      if (raw !== "true" && raw !== "false") {
        issues.push({ path: key, message: "must be true or false", fix: `set ${key} to true or false (unquoted)` });
        return undefined;
      }
      return raw === "true";
    }
    case "list": {
      const v = parsed(raw);
      if (!Array.isArray(v)) {
        issues.push({ path: key, message: `must be a list, not ${kindOf(v)}`, fix: `write ${key} as a YAML list (one "- item" per line)` });
        return undefined;
      }
      const max = s.maxItems ?? MAX_ITEMS;
      if (v.length > max) {
        issues.push({ path: key, message: `lists ${v.length} items; at most ${max}`, fix: `shorten ${key}` });
        return undefined;
      }
      return v;
    }
    case "mapping": {
      const v = parsed(raw);
      if (!isRecord(v)) {
        issues.push({ path: key, message: `must be a mapping of settings, not ${kindOf(v)}`, fix: `write ${key} as a YAML mapping (key: value lines indented under it)` });
        return undefined;
      }
      return v;
    }
  }
}

/** Strings inside a value with their key paths, without recursion (values may be deep). */
function* strings(value: unknown, at: string): Generator<[string, string]> {
  const stack: [unknown, string][] = [[value, at]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v === "string") yield [p, v];
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}[${i}]`]);
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        // Keys are rendered too (label maps, tags): a credential-shaped key is named by its parent.
        stack.push([x, `${p}.${k}`], [k, p]);
      }
    }
  }
}

/** Plain settings that hold something credential-shaped, named by key path, never quoted. */
function credentialIssues(source: StackSettingsSource, spec: SettingsSpec, keys: readonly string[]): ConfigIssue[] {
  const project = source.project;
  const notSecretRaw = source.get(`${project}:${NOT_SECRET_KEY}`);
  const notSecretValue = notSecretRaw === undefined ? [] : parsed(notSecretRaw);
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(notSecretValue) || !notSecretValue.every((p) => typeof p === "string")) {
    issues.push({ path: NOT_SECRET_KEY, message: "must be a list of key paths", fix: 'list the key paths whose values only look like credentials, e.g. ["runners[0].env[1].value"]' });
  }
  const notSecret = new Set(Array.isArray(notSecretValue) ? notSecretValue.filter((p): p is string => typeof p === "string") : []);
  for (const fullKey of keys) {
    if (source.isSecret(fullKey)) continue;
    const own = fullKey.startsWith(`${project}:`);
    const key = own ? fullKey.slice(project.length + 1) : fullKey;
    if (key === NOT_SECRET_KEY) continue;
    if (own && spec[key]?.kind === "secret") continue; // reported as plain text already
    const raw = source.get(fullKey);
    if (raw === undefined || raw.length > SCAN_LIMIT) continue;
    for (const [path, text] of strings(parsed(raw), key)) {
      const kind = credentialKind(text);
      if (kind === undefined) continue;
      const url = kind.startsWith("a URL");
      if (!url && notSecret.has(path)) continue;
      issues.push({
        path,
        message: `looks like a secret (${kind}); its value is not shown`,
        fix: url
          ? "remove the credentials from the URL and give them as a secret setting or a Kubernetes Secret reference"
          : `move it into a secret (\`pulumi config set --secret ...\`, or a Kubernetes Secret referenced by the runner); if it is not a secret, list "${path}" under ${NOT_SECRET_KEY}`,
      });
    }
  }
  return issues;
}

/** Throws a {@link ConfigError} with `issues` when there are any. */
export function requireSettings(issues: readonly ConfigIssue[], subject: string): void {
  if (issues.length > 0) throw new ConfigError(issues, subject);
}

/** A source over plain values (full key -> string), e.g. from a stack settings file or a test. */
export function settingsFromValues(project: string, values: Readonly<Record<string, string>>, secretKeys: readonly string[] = []): StackSettingsSource {
  const secret = new Set(secretKeys);
  return {
    project,
    keys: () => Object.keys(values),
    get: (k) => (Object.hasOwn(values, k) ? values[k] : undefined),
    isSecret: (k) => secret.has(k),
  };
}
