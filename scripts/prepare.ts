// `npm run prepare` (npm ci, and npx's first use of this package): builds dist/ unless it is newer
// than every source file. `npx runner-fleet` in a clone links the package into npm's cache and runs
// prepare again; with a fresh build that costs nothing instead of a whole compile.
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build.ts";

const root = join(import.meta.dirname, "..");
const stamp = join(root, "dist/.tsbuildinfo");

function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// The build script and the lockfile too: a new zod version must be bundled again.
const inputs = ["src", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json", "scripts/build.ts"].map((p) => join(root, p));
if (existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newest))) process.exit(0);

const status = build();
if (status !== 0) process.exit(status);
const now = new Date();
utimesSync(stamp, now, now);
