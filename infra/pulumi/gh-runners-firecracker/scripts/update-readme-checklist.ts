// Regenerates the security checklist in ../README.md from `runner-fleet audit` of the dev stack,
// so the isolation the README claims is the isolation computed from the rendered policies.
//
//   npm run docs:checklist
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderStack } from "../../../../src/offline/render-stack.ts";
import { auditableObjects, formatAuditChecklist, type ClusterNetwork } from "../../../../src/cli/audit.ts";
import { auditFleet } from "../../../../src/audit/fleet-audit.ts";

const STACK = resolve(import.meta.dirname, "..");
const rendered = await renderStack(STACK, { stack: "dev" });
const network = rendered.outputs["clusterNetwork"] as ClusterNetwork;
const checklist = formatAuditChecklist(auditFleet(auditableObjects(rendered), network));
const file = join(STACK, "README.md");
const readme = readFileSync(file, "utf8");
const next = readme.replace(/(<!-- audit-checklist:begin -->\n)[\s\S]*?(<!-- audit-checklist:end -->)/, `$1${checklist}$2`);
if (next === readme && !readme.includes(checklist)) throw new Error(`${file} has no <!-- audit-checklist:begin/end --> section`);
writeFileSync(file, next);
process.stdout.write(next === readme ? "checklist unchanged\n" : "checklist updated\n");
