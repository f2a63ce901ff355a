// `npm run build`: compiles src/ into dist/ with tsc, then replaces dist/model/zod.js (which only
// re-exports zod) with one file holding all of zod, bundled by esbuild: zod is about a hundred ES
// modules, and loading them one by one cost a third of the CLI's start-up beyond the Pulumi SDK.
// A dist/ built by tsc alone works the same, only slower to start (see src/model/zod.ts).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = join(import.meta.dirname, "..");

/** Builds dist/; returns the exit code (tsc's when it fails). */
export function build(): number {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
  if (compiled.status !== 0) return compiled.status ?? 1;
  buildSync({
    stdin: { contents: 'export { z } from "zod";\n', resolveDir: root, sourcefile: "src/model/zod.ts", loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outfile: join(root, "dist/model/zod.js"),
    legalComments: "inline",
    logLevel: "warning",
  });
  // tsc's source map described the re-export, not the bundle.
  rmSync(join(root, "dist/model/zod.js.map"), { force: true });
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(build());
