// Writes the committed Prometheus rules files, one per substrate, from src/render/monitoring/:
//   node scripts/render-monitoring.ts           write monitoring/<substrate>-runner-alerts.rules.yaml
//   node scripts/render-monitoring.ts --check   exit 1, naming the files, when a committed file differs
// The unit tests (monitoring/<substrate>-runner-alerts.test.yaml) are written by hand.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNNER_ALERT_SUBSTRATES, renderRunnerAlertRulesFile, runnerAlertRulesPath } from "../src/render/monitoring/runner-alerts.ts";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const stale: string[] = [];
const files: readonly [string, string][] = RUNNER_ALERT_SUBSTRATES.map((substrate) => [runnerAlertRulesPath(substrate), renderRunnerAlertRulesFile({ substrate })]);
for (const [path, text] of files) {
  let committed: string | undefined;
  try {
    committed = readFileSync(join(root, path), "utf8");
  } catch {
    committed = undefined;
  }
  if (committed === text) continue;
  if (check) stale.push(path);
  else {
    writeFileSync(join(root, path), text);
    console.log(`wrote ${path}`);
  }
}
if (stale.length > 0) {
  console.error(`out of date: ${stale.join(", ")}; run: node scripts/render-monitoring.ts`);
  process.exit(1);
}
