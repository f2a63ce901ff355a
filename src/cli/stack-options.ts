/** The options every command that renders a stack shares, and how they become render options. */
import { Option } from "commander";
import type { RenderedResource, RenderOptions } from "../offline/rendered.ts";
import { withProgress } from "./output.ts";

/** One stack rendered offline: where it came from, its resources and its outputs. */
export interface RenderedSource {
  /** `<dir> (stack <name>)`, as messages name it. */
  readonly source: string;
  readonly resources: readonly RenderedResource[];
  readonly outputs: Record<string, unknown>;
}

export interface StackFlags {
  readonly stack?: string;
  readonly configFile?: string;
}

/** `--stack NAME`: which `Pulumi.<NAME>.yaml` to use; by default the project's only stack. */
export function stackOption(what = "stack whose Pulumi.<name>.yaml settings are used"): Option {
  return new Option("--stack <name>", `${what} (default: the project's only stack; with several, name one)`);
}

/** `--config-file FILE`: settings from another file, as `pulumi --config-file`. */
export function configFileOption(): Option {
  return new Option("--config-file <file>", "read stack settings from this file instead of Pulumi.<stack>.yaml");
}

/** The render options the flags ask for (absent flags stay absent). */
export function renderOptionsFrom(flags: StackFlags): RenderOptions {
  return { ...(flags.stack === undefined ? {} : { stack: flags.stack }), ...(flags.configFile === undefined ? {} : { configFile: flags.configFile }) };
}

/** Renders each stack directory offline, one after the other, with a progress line unless `quiet`. */
export async function renderStacks(dirs: readonly string[], flags: StackFlags, quiet: boolean): Promise<RenderedSource[]> {
  // Loaded only here: rendering pulls in the Pulumi SDK.
  const { renderStack } = await import("../offline/render-stack.ts");
  const stacks: RenderedSource[] = [];
  for (const dir of dirs) {
    const rendered = await withProgress(`rendering ${dir}`, () => renderStack(dir, renderOptionsFrom(flags)), { quiet });
    stacks.push({ source: `${dir} (stack ${rendered.stack})`, resources: rendered.resources, outputs: rendered.outputs });
  }
  return stacks;
}
