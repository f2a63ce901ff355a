// The audit's HTML page in a real browser (Debian's chromium, headless): a fleet with an open path
// to another namespace renders to a screenshot that shows the red of an open cell, and the DOM the
// browser builds holds the matrix with the cache class's 6379/TCP cell. One chromium run per check.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { JSDOM } from "jsdom";
import { PNG } from "pngjs";
import { formatAudit, runAudit } from "../src/cli/audit.ts";
import { STATE_COLOURS } from "../src/cli/audit-html.ts";
import { needs, requireTool } from "./validators.ts";

const ROOT = resolve(import.meta.dirname, "..");
const FIXTURE = "test/fixtures/audit/claims/label-selected-peers.yaml";
const [WIDTH, HEIGHT] = [1400, 1000];

/** Runs headless chromium on `url` with `args`; its own profile directory, so runs never share state. */
function chromium(dir: string, url: string, ...args: string[]): string {
  const r = spawnSync("chromium", ["--headless", "--no-sandbox", "--disable-gpu", `--user-data-dir=${join(dir, "profile")}`, ...args, url], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
  return r.stdout;
}

const hex = (colour: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];

describe("the audit's HTML page in headless chromium", needs("chromium"), () => {
  let dir = "";
  let page = "";
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rf-audit-html-"));
    const report = await runAudit(join(ROOT, FIXTURE), { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidr: ["203.0.113.0/24"], nodeAddress: [], format: "html" });
    assert.equal(report.pass, false, "the fixture has an open path");
    page = join(dir, "matrix.html");
    writeFileSync(page, formatAudit(report, "html"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("renders a screenshot of the window's size, not one colour, with the red of an open cell", () => {
    requireTool("chromium");
    const png = join(dir, "matrix.png");
    chromium(dir, pathToFileURL(page).href, `--screenshot=${png}`, `--window-size=${WIDTH},${HEIGHT}`);
    const image = PNG.sync.read(readFileSync(png));
    assert.equal(image.width, WIDTH);
    assert.equal(image.height, HEIGHT);
    const [r, g, b] = hex(STATE_COLOURS.lateral.fill);
    const colours = new Set<number>();
    let red = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [pr, pg, pb] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      colours.add((pr << 16) | (pg << 8) | pb);
      if (pr === r && pg === g && pb === b) red++;
    }
    assert.ok(colours.size > 1, "the screenshot is not one colour");
    assert.ok(red > 2000, `the red of a cell open to another namespace fills part of the window (${red} pixels)`);
  });

  it("builds a DOM with the matrix, the cache class's cell holding 6379/TCP", () => {
    requireTool("chromium");
    const dom = chromium(dir, pathToFileURL(page).href, "--dump-dom");
    const doc = new JSDOM(dom).window.document;
    const row = [...doc.querySelectorAll("table.matrix tbody tr")].find((tr) => tr.querySelector("th")?.textContent?.includes("pods {app=cache, tier=db} in namespace data"));
    assert.ok(row, "the matrix has a row for the cache class");
    const cells = [...row.querySelectorAll("td")];
    assert.equal(cells.length, 4, "two runner pods, egress and ingress each");
    assert.equal(cells[0]!.className, "cell lateral");
    assert.match(cells[0]!.textContent ?? "", /^6379\/TCP\d+$/);
    assert.equal(cells[1]!.textContent, "closed");
  });
});
