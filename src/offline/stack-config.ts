/**
 * Reads a Pulumi project (`Pulumi.yaml`) and one stack's settings (`Pulumi.<stack>.yaml`) the
 * way the Pulumi CLI does, without the CLI: typed config declarations with defaults, required
 * keys, `secret: true` declarations, structured (object/array) values and `secure:` values.
 * Secure values cannot be decrypted offline; they become the placeholder `[secret]`.
 */
import { readFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "../model/issues.ts";
import { misspeltPrefixIssue } from "../model/stack-settings.ts";
import { parseSettingsYaml, settingsText, stackSettingsConfig } from "../model/stack-settings-file.ts";

/** Placeholder for every secret value in offline renders. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface ConfigDeclaration {
  readonly type?: "string" | "integer" | "boolean" | "array" | "object";
  readonly default?: unknown;
  readonly secret?: boolean;
  readonly description?: string;
}

export interface PulumiProject {
  readonly name: string;
  readonly runtime: string;
  readonly main?: string;
  /** Where the `Pulumi.<stack>.yaml` files are (Pulumi.yaml's `stackConfigDir`). @default the project directory */
  readonly stackConfigDir?: string;
  readonly declarations: Readonly<Record<string, ConfigDeclaration>>;
}

export interface StackConfig {
  /** Full key (`project:key`, `kubernetes:context`) to the string Pulumi hands the program. */
  readonly values: Readonly<Record<string, string>>;
  /** Full keys whose values are secret. */
  readonly secretKeys: readonly string[];
}

export function readProject(stackDir: string): PulumiProject {
  const file = join(stackDir, "Pulumi.yaml");
  if (!existsSync(stackDir)) throw new ConfigError([{ path: stackDir, message: "no such directory", fix: "pass the directory of a Pulumi project (the one holding Pulumi.yaml), e.g. infra/pulumi/gh-runner" }], "stack directory");
  if (!statSync(stackDir).isDirectory()) throw new ConfigError([{ path: stackDir, message: "is a file, not a Pulumi project directory", fix: "pass the directory of a Pulumi project (the one holding Pulumi.yaml), e.g. infra/pulumi/gh-runner" }], "stack directory");
  if (!existsSync(file)) throw new ConfigError([{ path: file, message: "does not exist", fix: "pass the directory of a Pulumi project (the one holding Pulumi.yaml), e.g. infra/pulumi/gh-runner" }], "stack directory");
  const parsed = parseSettingsYaml(settingsText(readFileSync(file), file, "Pulumi project"), file, "Pulumi project");
  const doc = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const name = doc?.["name"];
  if (typeof name !== "string") throw new ConfigError([{ path: `${file}: name`, message: "is missing", fix: "give the project a name in Pulumi.yaml" }], "Pulumi project");
  const runtime = doc?.["runtime"];
  const runtimeName = typeof runtime === "string" ? runtime : (runtime as { name?: string } | undefined)?.name ?? "";
  const declarations: Record<string, ConfigDeclaration> = {};
  const rawConfig = doc?.["config"] ?? {};
  const config = rawConfig !== null && typeof rawConfig === "object" && !Array.isArray(rawConfig) ? (rawConfig as Record<string, unknown>) : {};
  for (const [rawKey, decl] of Object.entries(config)) {
    const key = rawKey.startsWith(`${name}:`) ? rawKey.slice(name.length + 1) : rawKey;
    declarations[key] = decl !== null && typeof decl === "object" && !Array.isArray(decl) ? (decl as ConfigDeclaration) : { default: decl };
  }
  const main = doc?.["main"];
  const stackConfigDir = doc?.["stackConfigDir"];
  return { name, runtime: runtimeName, ...(typeof main === "string" ? { main } : {}), ...(typeof stackConfigDir === "string" ? { stackConfigDir } : {}), declarations };
}

/** The stacks of a project: the `<stack>` of every `Pulumi.<stack>.yaml`, sorted. */
export function listStacks(stackDir: string, project: PulumiProject): string[] {
  const dir = resolve(stackDir, project.stackConfigDir ?? ".");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * The stack to render: the one asked for; else the one a `--config-file` named `Pulumi.<stack>.yaml`
 * names; else the project's only stack. With several stacks and none asked for, the error lists them.
 */
export function chooseStack(stackDir: string, project: PulumiProject, requested: string | undefined, configFile?: string): string {
  if (requested !== undefined) return requested;
  if (configFile !== undefined) return /^Pulumi\.(.+)\.ya?ml$/.exec(basename(configFile))?.[1] ?? "dev";
  const stacks = listStacks(stackDir, project);
  if (stacks.length === 1) return stacks[0]!;
  const where = resolve(stackDir, project.stackConfigDir ?? ".");
  if (stacks.length === 0) {
    throw new ConfigError([{ path: where, message: "has no stack settings file (Pulumi.<stack>.yaml)", fix: "create one with `pulumi stack init <name>` and set its config, or pass --config-file FILE" }], "stack settings");
  }
  throw new ConfigError([{ path: "--stack", message: `is needed: ${project.name} has ${stacks.length} stacks (${stacks.join(", ")})`, fix: `pass --stack with one of them, e.g. --stack ${stacks[0]}` }], "stack settings");
}

const isSecure = (v: unknown): v is { secure: string } =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Replaces nested `{ secure: ... }` values with the placeholder; reports whether any was found. */
function maskSecure(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const m = maskSecure(v);
      secret ||= m.secret;
      return m.value;
    });
    return { value: out, secret };
  }
  if (value !== null && typeof value === "object") {
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = maskSecure(v);
      secret ||= m.secret;
      out[k] = m.value;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

function typeOf(v: unknown): ConfigDeclaration["type"] {
  if (Array.isArray(v)) return "array";
  if (v === null) return undefined;
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : undefined;
  return "string";
}

/**
 * Reads `Pulumi.<stack>.yaml` against the project's declarations. Reports every problem at once:
 * a required key that is unset, a value of the wrong type, and a key declared `secret: true` that
 * is set in plain text (its value is never quoted). Undeclared keys pass through: Pulumi.yaml
 * cannot declare structured values, so the program itself refuses keys it does not know.
 */
export function readStackConfig(stackDir: string, project: PulumiProject, stack: string, configFile?: string): StackConfig {
  const file = configFile ?? join(resolve(stackDir, project.stackConfigDir ?? "."), `Pulumi.${stack}.yaml`);
  if (configFile !== undefined && !existsSync(configFile)) {
    throw new ConfigError([{ path: configFile, message: "does not exist", fix: "pass --config-file with an existing stack settings file (Pulumi.<stack>.yaml layout)" }], "stack settings");
  }
  if (!existsSync(file)) {
    const stacks = listStacks(stackDir, project);
    const have = stacks.length === 0 ? "the project has no stack settings yet" : `the project's stacks: ${stacks.join(", ")}`;
    throw new ConfigError([{ path: file, message: `does not exist (${have})`, fix: stacks.length === 0 ? `create it with \`pulumi stack init ${stack}\`` : `pass --stack ${stacks[0]}${stacks.length > 1 ? " (or another listed stack)" : ""}, or create it with \`pulumi stack init ${stack}\`` }], "stack settings");
  }
  if (!statSync(file).isFile()) {
    throw new ConfigError([{ path: file, message: "is a directory, not a stack settings file", fix: "pass the Pulumi.<stack>.yaml file itself" }], "stack settings");
  }
  const bytes = readFileSync(file);
  const raw = stackSettingsConfig(bytes, file, project.name);
  const issues: ConfigIssue[] = [];
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declared = project.declarations;
  const seen = new Set<string>();
  for (const [fullKey, rawValue] of Object.entries(raw)) {
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? project.name : fullKey.slice(0, colon);
    const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    const target = `${ns}:${key}`;
    const prefixIssue = misspeltPrefixIssue(target, project.name);
    if (prefixIssue !== undefined) {
      // Reported here; the key it was meant to be is then not also "required".
      issues.push(prefixIssue);
      seen.add(key);
      continue;
    }
    const { value, secret } = maskSecure(rawValue);
    if (value === null) {
      issues.push({ path: colon < 0 || ns === project.name ? key : fullKey, message: "has no value", fix: "give it a value, or remove the line" });
      continue;
    }
    if (ns === project.name) {
      seen.add(key);
      const decl = declared[key];
      // Structured keys (lists, objects) cannot be declared in Pulumi.yaml; the program checks them.
      if (decl === undefined) {
        values[target] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(target);
        continue;
      }
      if (decl.secret && !secret) {
        issues.push({ path: key, message: "is set in plain text but must be a secret", fix: `remove it from ${basename(file)} and run \`pulumi config set --secret ${key}\`` });
        continue;
      }
      const actual = secret && typeof value === "string" ? "string" : typeOf(value);
      if (decl.type !== undefined && actual !== decl.type) {
        issues.push({ path: key, message: `must be of type ${decl.type}, not ${actual ?? "null"}`, fix: `set ${key} to a value of type ${decl.type}` });
        continue;
      }
    }
    values[target] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(target);
  }
  for (const [key, decl] of Object.entries(declared)) {
    if (seen.has(key)) continue;
    if (decl.default === undefined) {
      issues.push({ path: key, message: "is required and not set", fix: decl.secret ? `run \`pulumi config set --secret ${key} <value>\`` : `run \`pulumi config set ${key} <value>\`` });
    } else {
      values[`${project.name}:${key}`] = typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, `stack ${stack} (${file})`);
  return { values, secretKeys };
}
