// `audit --format html` and `--format svg`: the page a reviewer opens (claims above the matrix,
// open ports coloured by what they mean, the opening rules on hover and as numbered notes), parsed
// back with a real HTML/XML parser (jsdom); hostile names stay text and no secret is printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JSDOM } from "jsdom";
import { CliError, EXIT } from "./output.ts";
import { formatAudit, runAudit, type AuditFormat } from "./audit.ts";
import type { AuditReport } from "./audit-format.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
process.chdir(repoRoot);
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidr: ["203.0.113.0/24"], nodeAddress: [] };
const audit = (file: string, format: AuditFormat = "html") => runAudit(`test/fixtures/audit/${file}`, { ...NETWORK, format });
const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

/** The matrix row of the peer whose header starts with `label`, as { header, cells } (cells: class and text). */
function matrixRow(doc: Document, label: string) {
  const row = [...doc.querySelectorAll("table.matrix tbody tr")].find((tr) => tr.querySelector("th .mono")?.textContent?.startsWith(label));
  assert.ok(row, `a matrix row for ${label}`);
  return {
    header: row.querySelector("th")!.textContent ?? "",
    cells: [...row.querySelectorAll("td")].map((td) => ({ state: td.className.replace("cell ", ""), text: td.textContent ?? "", title: td.getAttribute("title") ?? "" })),
  };
}

test("html: the claims above the matrix, open ports red, green or grey, opening rules on hover and as numbered notes", async () => {
  const report = await audit("claims/label-selected-peers.yaml");
  const html = formatAudit(report, "html");
  const doc = new JSDOM(html).window.document;
  assert.equal(doc.querySelectorAll("script, link, img, iframe, object").length, 0, "self-contained: nothing to load, nothing to run");
  assert.match(doc.querySelector(".summary")!.textContent!, /^2 runner pods against 14 peers .*: 5 cells open to another namespace, .*claims: 15 of 18 pass; audit FAILS$/);
  const sections = [...doc.querySelectorAll("h2")].map((h) => h.textContent);
  assert.deepEqual(sections.slice(0, 2), ["Isolation claims", "Reachability matrix"]);
  const claimRows = [...doc.querySelectorAll("table.claims tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent));
  assert.deepEqual(claimRows.find((r) => r[0] === "other-namespace-pods-unreachable")?.slice(2), ["unreachable", "FAIL", "FAIL"]);
  assert.deepEqual(claimRows.find((r) => r[0] === "unreachable-from-other-namespaces")?.slice(2), ["unreachable", "FAIL", "pass"]);
  const heads = [...doc.querySelectorAll("table.matrix thead tr:first-child th")].map((th) => th.textContent);
  assert.deepEqual(heads, ["peer class or address", "ci/Deployment/runner-small", "ci/AutoscalingRunnerSet/scale-set"]);

  // Columns: runner-small egress, ingress; scale-set egress, ingress.
  const cache = matrixRow(doc, "data {app=cache, tier=db}");
  assert.match(cache.header, /pods \{app=cache, tier=db\} in namespace data.*named by data\/allow-ci-to-cache spec\.podSelector/);
  assert.deepEqual(cache.cells.map((c) => c.state), ["lateral", "closed", "lateral", "closed"]);
  assert.match(cache.cells[0]!.text, /^6379\/TCP\d+$/);
  assert.equal(cache.cells[0]!.title, "6379/TCP at 10.42.0.1 (open to pods in another namespace): opened by ci/allow-cache egress[0]; data/allow-ci-to-cache ingress[0]");
  assert.match(cache.cells[1]!.title, /^closed: isolated by data\/default-deny-all, ci\/default-deny-all/);
  const note = Number(doc.querySelector("table.matrix td.lateral sup a")?.textContent);
  const noteOfCache = Number(/\d+$/.exec(cache.cells[0]!.text)![0]);
  assert.equal(doc.getElementById(`note-${noteOfCache}`)?.textContent, "ci/allow-cache egress[0]; data/allow-ci-to-cache ingress[0]", "the note names both rules");
  assert.ok(note > 0);
  const scrape = matrixRow(doc, "audit-probe-ns-2 {app.kubernetes.io/name=prometheus}");
  assert.deepEqual(scrape.cells.map((c) => c.state), ["closed", "lateral", "closed", "closed"], "only runner-small declares the metrics port");
  const dns = matrixRow(doc, "kube-system {k8s-app=kube-dns}");
  assert.deepEqual(dns.cells.map((c) => c.state), ["expected", "closed", "expected", "closed"]);
  assert.match(dns.cells[0]!.text, /^53\/UDP\d+ 53\/TCP\d+$/);
  assert.deepEqual(matrixRow(doc, "1.1.1.1").cells.map((c) => c.state), ["expected", "closed", "expected", "closed"]);
  assert.deepEqual(matrixRow(doc, "169.254.169.254").cells.map((c) => c.state), ["closed", "closed", "closed", "closed"]);
  assert.ok(matrixRow(doc, "data {no selector matches}"), "the unselected pod is named as such, not by its probe label");
  assert.ok(doc.querySelectorAll("ul.failures li").length === 3, "each failed claim is spelled out below the matrix");
});

test("html: a runner no policy isolates has every path open, metadata and API server in red", async () => {
  const report = await audit("claims/homelab-flawed.yaml");
  const doc = new JSDOM(formatAudit(report, "html")).window.document;
  const metadata = matrixRow(doc, "169.254.169.254");
  assert.equal(metadata.cells[0]!.state, "forbidden");
  assert.match(metadata.cells[0]!.title, /^80\/TCP \(open to an address a claim wants unreachable\): opened by /);
  assert.match(doc.querySelector(".legend")!.textContent!, /open to an address a claim wants unreachable/);
});

test("html and svg: hostile names, labels and selectors stay text, and no credential is printed", async () => {
  const report = await audit("views/hostile-names.yaml");
  const hostile = ['runner"><img src=x onerror=alert(1)>', `deny'"<script>alert(2)</script>`, "</td><script>alert(3)</script>", '"><svg onload=alert(4)>'];

  const html = formatAudit(report, "html");
  const doc = new JSDOM(html).window.document;
  assert.equal(doc.querySelectorAll("script, img, svg, iframe").length, 0, "no markup from the input became an element");
  for (const el of doc.querySelectorAll("*")) for (const a of el.getAttributeNames()) assert.doesNotMatch(a, /^on/, `no event handler attribute on <${el.tagName}>`);
  const shown = `${doc.body.textContent}\n${[...doc.querySelectorAll("[title]")].map((e) => e.getAttribute("title")).join("\n")}`;
  for (const h of hostile) assert.ok(shown.includes(h), `shown as text: ${h}`);
  assert.ok(!html.includes(TOKEN) && !html.includes("ghp_"), "the token-shaped label value is redacted");
  assert.match(shown, /token=\[credential-shaped value\]/);

  const svg = formatAudit(report, "svg");
  const svgDoc = new JSDOM(svg, { contentType: "image/svg+xml" }).window.document;
  assert.equal(svgDoc.documentElement.tagName, "svg", "well-formed XML with an svg root");
  assert.equal(svgDoc.querySelectorAll("script, img, foreignObject").length, 0);
  for (const el of svgDoc.querySelectorAll("*")) for (const a of el.getAttributeNames()) assert.doesNotMatch(a, /^on/);
  const svgText = [...svgDoc.querySelectorAll("text, title")].map((t) => t.textContent).join("\n");
  for (const h of hostile.slice(0, 2)) assert.ok(svgText.includes(h), `shown as text in the SVG: ${h}`);
  assert.ok(!svg.includes("ghp_"), "no part of the token in the SVG, not even cut short");
});

test("svg: the same grid, cells filled by state, notes below", async () => {
  const report = await audit("claims/label-selected-peers.yaml");
  const doc = new JSDOM(formatAudit(report, "svg"), { contentType: "image/svg+xml" }).window.document;
  const cells = [...doc.querySelectorAll("g.lateral")];
  assert.equal(cells.length, 5, "the five cells open to another namespace");
  assert.equal(cells[0]!.querySelector("rect")!.getAttribute("fill"), "#d32f2f");
  assert.match(cells[0]!.querySelector("title")!.textContent!, /opened by ci\/allow-cache egress\[0\]/);
  assert.equal(doc.querySelectorAll("g.closed").length, 47);
  const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
  assert.ok(texts.some((t) => /^6379\/TCP\[\d+\]$/.test(t ?? "")));
  assert.ok(texts.includes("[1] ci/allow-dns egress[0]"));
});

test("the views of isolation need Kubernetes objects: exit 2 naming the view and the fix", () => {
  const report: AuditReport = { target: "infra/pulumi/aws-firecracker-runners", failures: [], notes: [], pass: true };
  for (const format of ["html", "svg", "mermaid"] as const) {
    assert.throws(() => formatAudit(report, format), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.exitCode, EXIT.usage);
      assert.equal(e.message, `infra/pulumi/aws-firecracker-runners: The ${format} view shows Kubernetes isolation, and this target renders no Kubernetes object. Fix: use the table output`);
      return true;
    });
  }
});

test("the process: --format html --out writes the page (exit 1: a claim fails); bad --format and --out are exit 2 with the fix", async () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--input-type=module", "-e", 'import { main } from "./src/cli/main.ts"; process.exitCode = await main(process.argv.slice(1));', ...args], { cwd: repoRoot }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
  const dir = mkdtempSync(path.join(os.tmpdir(), "rf-audit-html-"));
  try {
    const fixture = "test/fixtures/audit/claims/label-selected-peers.yaml";
    const out = path.join(dir, "matrix.html");
    const written = await run("audit", fixture, "--format", "html", "--out", out);
    assert.equal(written.code, 1, written.stderr);
    assert.equal(written.stdout, "");
    assert.match(readFileSync(out, "utf8"), /^<!DOCTYPE html>\n[\s\S]*<table class="matrix">/);
    const unknown = await run("audit", fixture, "--format", "png");
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, "runner-fleet: --format png is unknown. Fix: use table, json, markdown, html, svg or mermaid\n");
    const missing = await run("audit", fixture, "--format", "svg", "--out", path.join(dir, "no-such-dir", "m.svg"));
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `runner-fleet: --out ${path.join(dir, "no-such-dir", "m.svg")}: cannot be written (ENOENT). Fix: name a file in an existing, writable directory\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
