/** The options every command that renders a stack shares, and how they become render options. */
import { Option } from "commander";
import type { RenderOptions } from "../offline/rendered.ts";

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
