#!/usr/bin/env node
// Entry point of the `runner-fleet` command (compiled CLI in dist/, built by `npm run build`).
import module from "node:module";

// Stack programs are TypeScript run on Node's type stripping, which Node 22.18 and later have.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`runner-fleet: needs Node.js 22.18 or later (this is ${process.version}). Fix: install Node.js 24 LTS, or 22.18+, and run it again\n`);
  process.exit(2);
}

// Node's compile cache (in the system's temp folder) makes every run after the first start about a
// third faster: the CLI loads the Pulumi SDK, which is large. Enabled before anything is imported.
module.enableCompileCache?.();

// Pulumi's closure serialiser (used for dynamic providers) touches every Node built-in module, which
// makes Node print warnings about modules nobody uses (`sys`, WASI). They are noise for CLI users.
const IGNORED_WARNINGS = [/^The sys module is deprecated/, /^WASI is an experimental feature/];
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (!IGNORED_WARNINGS.some((re) => re.test(w.message))) process.stderr.write(`${w.name}: ${w.message}\n`);
});

const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
