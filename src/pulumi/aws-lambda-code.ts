/**
 * The code of a Lambda function written as a module of `src/lambda/`, as the text to put in its
 * archive. The module is compiled by the normal build like every other source file, so:
 *
 * - from `dist/` (stack programs, `pulumi up`, the offline render of a stack): this file is
 *   `dist/pulumi/aws-lambda-code.js` and the compiled module is `dist/lambda/<name>.js`, next to
 *   it; its `sourceMappingURL` line is dropped (the map is not shipped).
 * - from `src/` (unit tests, which run the TypeScript on Node's type stripping): there is no
 *   compiled file, so the `.ts` source is stripped of its types with Node's own
 *   `module.stripTypeScriptTypes`, the transform that runs the very same file in the tests. It
 *   emits an ExperimentalWarning once per process, which is silenced for that call only.
 *
 * Either way the code is found relative to this file, never through the working directory, and
 * is read once per process.
 */
import { readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";

const cache = new Map<string, string>();

/** The modules of `src/lambda/` that are shipped as functions. */
export type LambdaModule = "secret-id-broker";

/** The JavaScript of `src/lambda/<name>.ts`, as compiled (from dist/) or type-stripped (from src/). */
export function lambdaModuleCode(name: LambdaModule, base: string = import.meta.url): string {
  const key = `${base}#${name}`;
  let code = cache.get(key);
  if (code === undefined) {
    code = new URL(base).pathname.endsWith(".ts") ? quietly(() => stripTypeScriptTypes(readFileSync(new URL(`../lambda/${name}.ts`, base), "utf8"), { mode: "strip" })) : withoutSourceMap(readFileSync(new URL(`../lambda/${name}.js`, base), "utf8"));
    cache.set(key, code);
  }
  return code;
}

const withoutSourceMap = (js: string): string => js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");

/** Runs `fn` without the ExperimentalWarning `stripTypeScriptTypes` emits; every other warning passes. */
function quietly<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === "string" ? warning : warning.message).includes("stripTypeScriptTypes")) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}
