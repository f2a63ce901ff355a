// Runs bootstrap-firecracker-node.sh on every host named in the stack's `firecrackerNodes`
// setting, over SSH (BatchMode: keys or an agent, never a password prompt).
//
//   npm run bootstrap:firecracker-nodes -- [--stack dev] [--dry-run]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const STACK_DIR = resolve(import.meta.dirname, "..");
const SCRIPT = join(import.meta.dirname, "bootstrap-firecracker-node.sh");
const TARGET = /^(?:[a-z_][a-z0-9_-]*@)?[A-Za-z0-9.-]+$/;

/** Settings of bootstrap-firecracker-node.sh that are passed on to every node when set locally. */
export const FORWARDED_SETTINGS = ["POOL_NAME", "POOL_DIR", "POOL_DATA_GIB", "POOL_META_GIB", "BASE_IMAGE_SIZE", "K3S_CONTAINERD_DIR"] as const;
const SAFE_VALUE = /^[A-Za-z0-9._/-]+$/;

/** The ssh command line that bootstraps one node (the script is fed on standard input). */
export function sshCommand(target: string, env: NodeJS.ProcessEnv = {}): string[] {
  const settings = FORWARDED_SETTINGS.filter((k) => env[k] !== undefined).map((k) => {
    const v = env[k]!;
    if (!SAFE_VALUE.test(v)) throw new Error(`${k}=${v} is not a plain size, name or path. Fix: use letters, digits and . _ / - only`);
    return `${k}=${v}`;
  });
  return ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", target, "sudo", ...(settings.length > 0 ? ["env", ...settings] : []), "bash", "-s"];
}

const USAGE = "usage: npm run bootstrap:firecracker-nodes -- [--stack dev] [--dry-run]\n" +
  `Prepares every host in the stack's firecrackerNodes over SSH. Settings passed on when set: ${FORWARDED_SETTINGS.join(", ")}.\n`;

/** The `firecrackerNodes` of a stack, validated; throws naming the key and the fix. */
export function firecrackerNodes(stack: string, stackDir = STACK_DIR): string[] {
  const file = join(stackDir, `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const nodes = doc.config?.["gh-runners-firecracker:firecrackerNodes"];
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new Error(`${file}: firecrackerNodes is empty. Fix: list the nodes to prepare, e.g. \`pulumi config set --path 'firecrackerNodes[0]' root@node-1\``);
  }
  nodes.forEach((n, i) => {
    if (typeof n !== "string" || !TARGET.test(n)) throw new Error(`${file}: firecrackerNodes[${i}] is not an SSH target. Fix: write user@host or host`);
  });
  return nodes as string[];
}

function main(): number {
  let values: { stack: string; "dry-run": boolean; help: boolean };
  try {
    values = parseArgs({ options: { stack: { type: "string", default: "dev" }, "dry-run": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let nodes: string[];
  let commands: string[][];
  try {
    nodes = firecrackerNodes(values.stack);
    commands = nodes.map((n) => sshCommand(n, process.env));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  let failed = 0;
  for (const [i, node] of nodes.entries()) {
    const cmd = commands[i]!;
    process.stdout.write(`==> ${node}: ${cmd.join(" ")} < ${SCRIPT}\n`);
    if (values["dry-run"]) continue;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { input: readFileSync(SCRIPT), stdio: ["pipe", "inherit", "inherit"] });
    if (r.status !== 0) {
      failed++;
      process.stderr.write(`==> ${node}: failed (exit ${r.status ?? r.signal})\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) process.exitCode = main();
