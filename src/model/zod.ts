/**
 * The one import of zod in src/. zod is about a hundred ES modules, and loading them one by one
 * took a third of the CLI's start-up beyond the Pulumi SDK; `npm run build` (scripts/build.ts)
 * therefore replaces the compiled form of this module, dist/model/zod.js, with one file that holds
 * all of zod (bundled by esbuild), which loads in a third of the time. The source, the tests and
 * the types use the zod package itself.
 */
export { z } from "zod";
