/**
 * Runs a Pulumi program offline — no Pulumi CLI, no cluster, no cloud — under
 * `pulumi.runtime.setMocks`, and records every resource it registers with its inputs. Secret
 * values (config declared or set as secret, `pulumi.secret(...)`) are recorded as `[secret]`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { readProject, readStackConfig, SECRET_PLACEHOLDER } from "./stack-config.ts";

/** Signature key Pulumi uses to mark a secret value in serialised inputs. */
const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

import type { RenderedResource, RenderedStack, RenderOptions } from "./rendered.ts";
export * from "./rendered.ts";

/** Replaces Pulumi secret envelopes (and config placeholders) with `[secret]`. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    // A secret keeps its shape (keys of a Secret's stringData stay visible); every leaf is masked.
    if (obj[SPECIAL_SIG_KEY] === SECRET_SIG) return maskLeaves(obj["value"]);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = maskSecrets(v);
    return out;
  }
  return value;
}

function maskLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskLeaves(maskSecrets(v));
    return out;
  }
  return SECRET_PLACEHOLDER;
}

let runs = 0;

/**
 * Renders one stack of the Pulumi project in `stackDir`. Throws a ConfigError (from the stack
 * settings or the program's own validation) before any resource is recorded when config is bad.
 */
export async function renderStack(stackDir: string, opts: RenderOptions = {}): Promise<RenderedStack> {
  const dir = resolve(stackDir);
  const stack = opts.stack ?? "dev";
  const project = readProject(dir);
  if (project.runtime !== "nodejs") throw new Error(`${dir}: runtime "${project.runtime}" is not supported offline; only nodejs programs can be rendered`);
  const read = readStackConfig(dir, project, stack, opts.configFile === undefined ? undefined : resolve(opts.configFile));
  const secretEntries = Object.entries(opts.secretValues ?? {}).map(([k, v]): [string, string] => [`${project.name}:${k}`, v]);
  const config = {
    values: { ...read.values, ...Object.fromEntries(secretEntries) } as Record<string, string>,
    secretKeys: [...new Set([...read.secretKeys, ...secretEntries.map(([k]) => k)])],
  };
  const main = programPath(dir, project);

  const resources: RenderedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: maskSecrets(args.inputs) as Record<string, unknown> });
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
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
  try {
    // A fresh module instance per render: the program runs again even in one process.
    const mod = (await import(`${pathToFileURL(main).href}?render=${++runs}`)) as Record<string, unknown>;
    exported = await resolveExports(mod);
    await pulumi.runtime.disconnect();
  } finally {
    process.chdir(previousCwd);
  }
  // Registration order depends on promise timing; sort so every render lists the same order.
  resources.sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  return { project: project.name, stack, resources, outputs: exported };
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

async function resolveExports(mod: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) {
    if (k === "default" && typeof v === "function") continue;
    out[k] = await unwrapOutput(v);
  }
  return out;
}

async function unwrapOutput(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    const output = v as pulumi.Output<unknown>;
    const isSecret = await pulumi.isSecret(output);
    if (isSecret) return SECRET_PLACEHOLDER;
    const value = await new Promise<unknown>((res) => output.apply((x) => { res(x); return x; }));
    return maskSecrets(value);
  }
  if (Array.isArray(v)) return Promise.all(v.map(unwrapOutput));
  return maskSecrets(v);
}
