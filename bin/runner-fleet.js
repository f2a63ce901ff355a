#!/usr/bin/env node
// Entry point of the `runner-fleet` command (compiled CLI in dist/, built by `npm run build`).
import { main } from "../dist/cli/main.js";

// Pulumi's closure serialiser (used for dynamic providers) touches every Node built-in module, which
// makes Node print warnings about modules nobody uses (`sys`, WASI). They are noise for CLI users.
const IGNORED_WARNINGS = [/^The sys module is deprecated/, /^WASI is an experimental feature/];
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (!IGNORED_WARNINGS.some((re) => re.test(w.message))) process.stderr.write(`${w.name}: ${w.message}\n`);
});

process.exitCode = await main(process.argv.slice(2));
