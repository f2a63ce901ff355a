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

/** The ssh command line that bootstraps one node (the script is fed on standard input). */
export function sshCommand(target: string): string[] {
  return ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", target, "sudo", "bash", "-s"];
}

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

if (import.meta.main) {
  const { values } = parseArgs({ options: { stack: { type: "string", default: "dev" }, "dry-run": { type: "boolean", default: false } } });
  const nodes = firecrackerNodes(values.stack);
  let failed = 0;
  for (const node of nodes) {
    const cmd = sshCommand(node);
    process.stdout.write(`==> ${node}: ${cmd.join(" ")} < ${SCRIPT}\n`);
    if (values["dry-run"]) continue;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { input: readFileSync(SCRIPT), stdio: ["pipe", "inherit", "inherit"] });
    if (r.status !== 0) {
      failed++;
      process.stderr.write(`==> ${node}: failed (exit ${r.status ?? r.signal})\n`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}
