/**
 * Runs a Pulumi program offline — no Pulumi CLI, no cluster, no cloud — under
 * `pulumi.runtime.setMocks`, and records every resource it registers with its inputs. Secret
 * values (config declared or set as secret, `pulumi.secret(...)`) are recorded as `[secret]`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../model/issues.ts";
import { CREDENTIAL_ANYWHERE } from "../model/credential-shape.ts";
import { type DeployTimeValue, isDeployTimePlaceholder, withOfflineRender } from "../model/deploy-time.ts";
import { chooseStack, readProject, readStackConfig, SECRET_PLACEHOLDER } from "./stack-config.ts";

/** Signature key Pulumi uses to mark a secret value in serialised inputs. */
const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

import type { RenderedResource, RenderedStack, RenderOptions } from "./rendered.ts";
export * from "./rendered.ts";

/** Marker for a resource output that has no value offline (an ARN, an id the cloud assigns). */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/**
 * Keys of a secret object whose values are not secret: an SSH connection is marked secret as a
 * whole because it holds the private key, but its host, user and port are what a reviewer checks.
 */
const PUBLIC_KEYS_IN_SECRETS = new Set(["host", "user", "port", "hostKey", "dialErrorLimit", "perDialTimeout", "agentSocketPath"]);

/**
 * Replaces Pulumi secret envelopes (and config placeholders) with `[secret]`. Only secret values
 * themselves are masked: a secret document whose secret parts the program already replaced with
 * `[secret]` (a redacted user-data) stays readable, and every known secret value (`knownSecrets`)
 * is masked wherever it appears. A secret value with no such mark is masked whole.
 */
export function maskSecrets(value: unknown, knownSecrets: readonly string[] = []): unknown {
  const known = knownSecrets.filter((k) => k.length >= 4 && k !== SECRET_PLACEHOLDER);
  const scrub = (text: string) => known.reduce((t, k) => t.split(k).join(SECRET_PLACEHOLDER), text);
  // Copy on write: a resource with no secret in it (most of them) is returned as it came.
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return known.length === 0 ? v : scrub(v);
    if (Array.isArray(v)) return mapList(v, walk);
    if (v !== null && typeof v === "object") {
      const obj = v as Record<string, unknown>;
      if (obj[SPECIAL_SIG_KEY] === SECRET_SIG) return reveal(walk(obj["value"]));
      return mapFields(obj, walk);
    }
    return v;
  };
  // Inside a secret: what may be shown, given that `walk` already masked every known secret value.
  const reveal = (v: unknown): unknown => {
    if (typeof v === "string") return (v.includes(SECRET_PLACEHOLDER) && !CREDENTIAL_ANYWHERE.test(v)) || isDeployTimePlaceholder(v) ? v : SECRET_PLACEHOLDER;
    if (Array.isArray(v)) return v.map(reveal);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, PUBLIC_KEYS_IN_SECRETS.has(k) && (typeof x !== "object" || x === null) ? x : reveal(x)]));
    }
    return SECRET_PLACEHOLDER;
  };
  return walk(value);
}

/** `list` with `f` applied to each element; the same list when `f` changed none. */
function mapList(list: readonly unknown[], f: (x: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    const y = f(x);
    if (out !== undefined) out.push(y);
    else if (y !== x) {
      out = list.slice(0, i);
      out.push(y);
    }
  }
  return out ?? (list as unknown[]);
}

/** `obj` with `f` applied to each field's value; the same object when `f` changed none. */
function mapFields(obj: Record<string, unknown>, f: (x: unknown) => unknown): Record<string, unknown> {
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const x = obj[keys[i]!];
    const y = f(x);
    if (y === x) continue;
    const entries: [string, unknown][] = keys.slice(0, i).map((k) => [k, obj[k]]);
    entries.push([keys[i]!, y]);
    for (const k of keys.slice(i + 1)) entries.push([k, f(obj[k])]);
    return Object.fromEntries(entries);
  }
  return obj;
}

/** Whether `value` holds a Pulumi asset or archive anywhere (checked before any promise is made). */
function holdsAssets(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (value instanceof pulumi.asset.Asset || value instanceof pulumi.asset.Archive) return true;
  if (Array.isArray(value)) return value.some(holdsAssets);
  for (const k in value) if (holdsAssets((value as Record<string, unknown>)[k])) return true;
  return false;
}

/** Pulumi assets and archives with their contents read (`StringAsset` text is a promise). */
async function materializeAssets(value: unknown): Promise<unknown> {
  if (value instanceof pulumi.asset.Asset) {
    const a = value as unknown as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
    if (a.text !== undefined) return { text: await a.text };
    if (a.path !== undefined) return { path: await a.path };
    return { uri: await a.uri };
  }
  if (value instanceof pulumi.asset.Archive) {
    const a = value as unknown as { assets?: Promise<Record<string, unknown>>; path?: Promise<string>; uri?: Promise<string> };
    if (a.assets !== undefined) {
      const entries = await Promise.all(Object.entries(await a.assets).map(async ([k, x]) => [k, await materializeAssets(x)] as const));
      return { archive: Object.fromEntries(entries) };
    }
    return a.path !== undefined ? { path: await a.path } : { uri: await a.uri };
  }
  if (Array.isArray(value)) return Promise.all(value.map(materializeAssets));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, x]) => [k, await materializeAssets(x)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Outputs a cloud assigns (ARNs) are unknown offline. The mock answers them with a marker, so that
 * an input built from one shows `[unknown]` instead of vanishing.
 */
function mockState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type.startsWith("kubernetes:")) return inputs;
  return { arn: UNKNOWN_PLACEHOLDER, ...inputs };
}

let runs = 0;

/**
 * Renders one stack of the Pulumi project in `stackDir`. Throws a ConfigError (from the stack
 * settings or the program's own validation) before any resource is recorded when config is bad.
 */
export async function renderStack(stackDir: string, opts: RenderOptions = {}): Promise<RenderedStack> {
  const dir = resolve(stackDir);
  const project = readProject(dir);
  if (project.runtime !== "nodejs") throw new ConfigError([{ path: join(dir, "Pulumi.yaml"), message: `runtime "${project.runtime}" is not supported offline`, fix: "render a Pulumi project whose runtime is nodejs" }], "Pulumi project");
  const configFile = opts.configFile === undefined ? undefined : resolve(opts.configFile);
  const stack = chooseStack(dir, project, opts.stack, configFile);
  const read = readStackConfig(dir, project, stack, configFile);
  const secretEntries = Object.entries(opts.secretValues ?? {}).map(([k, v]): [string, string] => [`${project.name}:${k}`, v]);
  const config = {
    values: { ...read.values, ...Object.fromEntries(secretEntries) } as Record<string, string>,
    secretKeys: [...new Set([...read.secretKeys, ...secretEntries.map(([k]) => k)])],
  };
  const knownSecrets = secretEntries.map(([, v]) => v);
  const main = programPath(dir, project);

  const resources: RenderedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const inputs = (holdsAssets(args.inputs) ? await materializeAssets(args.inputs) : args.inputs) as Record<string, unknown>;
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: maskSecrets(inputs, knownSecrets) as Record<string, unknown> });
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: mockState(args.type, args.inputs) };
      },
      call(args) {
        return args.inputs;
      },
    },
    project.name,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig({ ...config.values }, [...config.secretKeys]);

  const previousCwd = process.cwd();
  process.chdir(dir);
  let exported: Record<string, unknown>;
  let deployTime: DeployTimeValue[];
  try {
    const run = await withOfflineRender(async () => {
      // A fresh module instance per render: the program runs again even in one process.
      try {
        const mod = (await import(`${pathToFileURL(main).href}?render=${++runs}`)) as Record<string, unknown>;
        const out = await resolveExports(mod, knownSecrets);
        await pulumi.runtime.disconnect();
        return out;
      } catch (e) {
        throw programError(e, main);
      }
    });
    exported = run.result;
    deployTime = run.deployTime;
  } finally {
    process.chdir(previousCwd);
  }
  // Registration order depends on promise timing; sort so every render lists the same order.
  resources.sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  return { project: project.name, stack, resources, outputs: exported, deployTime };
}

/** A program that fails to load (a bad import, a syntax error, a throw) is bad input, not a crash. */
function programError(e: unknown, main: string): Error {
  if (e instanceof Error && (e.name === "ConfigError" || e.name === "InputError")) return e;
  const message = e instanceof Error ? e.message.split("\n")[0] ?? e.message : String(e);
  return new ConfigError([{ path: main, message: `the stack program failed: ${message}`, fix: "correct the program (run it with --debug to see the stack trace)" }], "stack program", { cause: e });
}

function programPath(dir: string, project: { main?: string }): string {
  const pkgFile = join(dir, "package.json");
  const pkgMain = existsSync(pkgFile) ? (JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: string }).main : undefined;
  const candidates = [project.main, pkgMain, "index.ts", "index.js"].filter((c): c is string => typeof c === "string");
  for (const c of candidates) {
    const p = join(dir, c);
    if (existsSync(p) && !p.endsWith("/")) return p;
    const idx = join(p, "index.ts");
    if (existsSync(idx)) return idx;
  }
  throw new Error(`${dir}: no program found (looked for ${candidates.join(", ")})`);
}

async function resolveExports(mod: Record<string, unknown>, knownSecrets: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) {
    if (k === "default" && typeof v === "function") continue;
    out[k] = await unwrapOutput(v, knownSecrets);
  }
  return out;
}

async function unwrapOutput(v: unknown, knownSecrets: readonly string[]): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    const output = v as pulumi.Output<unknown>;
    const isSecret = await pulumi.isSecret(output);
    if (isSecret) return SECRET_PLACEHOLDER;
    const value = await new Promise<unknown>((res) => output.apply((x) => { res(x); return x; }));
    return maskSecrets(value, knownSecrets);
  }
  if (Array.isArray(v)) return Promise.all(v.map((x) => unwrapOutput(x, knownSecrets)));
  return maskSecrets(v, knownSecrets);
}
