// Writes the committed audit views of the Kubernetes stacks, computed by `runner-fleet audit` from
// each stack's offline render (the same as `runner-fleet audit infra/pulumi/<stack> --format html`
// and `--format mermaid`, run from the repository root):
//   node scripts/render-audit-views.ts           write infra/pulumi/<stack>/audit/{matrix.html,topology.mmd}
//   node scripts/render-audit-views.ts --check   exit 1, naming the files, when a committed file differs
// Build first (`npm run build`): the stack programs import runner-fleet from dist/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TopologyCollector, formatAuditHtml, formatAuditMermaid, runAudit } from "../src/cli/audit.ts";

/** The Kubernetes stacks whose isolation the views show. */
const VIEW_STACKS = ["gh-runner", "gh-runners-firecracker", "forgejo-k8s-runners"] as const;

const root = join(import.meta.dirname, "..");
process.chdir(root);
const check = process.argv.includes("--check");
const stale: string[] = [];
const failed: string[] = [];
for (const stack of VIEW_STACKS) {
  const target = `infra/pulumi/${stack}`;
  const topology = new TopologyCollector();
  let files: [string, string][];
  try {
    const report = await runAudit(target, { nodeCidr: [], nodeAddress: [], format: "html" }, topology);
    if (report.kubernetes === undefined) throw new Error("renders no Kubernetes object");
    const k = { ...report, kubernetes: report.kubernetes };
    files = [
      [`${target}/audit/matrix.html`, formatAuditHtml(k)],
      [`${target}/audit/topology.mmd`, formatAuditMermaid(k, topology.facts())],
    ];
  } catch (e) {
    failed.push(`${target}: ${(e as Error).message}`);
    continue;
  }
  for (const [path, text] of files) {
    let committed: string | undefined;
    try {
      committed = readFileSync(path, "utf8");
    } catch {
      committed = undefined;
    }
    if (committed === text) continue;
    if (check) stale.push(path);
    else {
      mkdirSync(join(target, "audit"), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
}
if (failed.length > 0) console.error(`cannot audit: ${failed.join("; ")}`);
if (stale.length > 0) console.error(`out of date: ${stale.join(", ")}; run: node scripts/render-audit-views.ts`);
if (failed.length > 0 || stale.length > 0) process.exit(1);
