/**
 * The `yaml` package, loaded on its first use. Most runs never need it: settings files are read by
 * js-yaml where both readers agree (`stack-settings-file.ts`) and Kubernetes objects are written by
 * `offline/yaml-text.ts`. Loading it costs about 20 ms of every start of the CLI and of every stack
 * program. On Node it is one CommonJS module, so this is the same instance an `import` would give.
 */
import { createRequire } from "node:module";
import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

/** The `yaml` package (loaded once, on the first call). */
export function yamlPackage(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return loaded;
}
