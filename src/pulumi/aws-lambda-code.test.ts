// Where a Lambda module's code comes from: the compiled file next to dist/pulumi, or the .ts
// source type-stripped by Node when the component runs from src/.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { lambdaModuleCode } from "./aws-lambda-code.ts";

describe("lambdaModuleCode", () => {
  it("from dist/ reads the compiled module beside the component, without its source-map line", () => {
    const dir = mkdtempSync(join(tmpdir(), "lambda-code-"));
    try {
      mkdirSync(join(dir, "lambda"));
      writeFileSync(join(dir, "lambda", "secret-id-broker.js"), "export const handler = 1;\n//# sourceMappingURL=secret-id-broker.js.map");
      assert.equal(lambdaModuleCode("secret-id-broker", pathToFileURL(join(dir, "pulumi", "aws-lambda-code.js")).href), "export const handler = 1;\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("from src/ strips the .ts source's types, keeping every line in place, and prints no warning", () => {
    const code = lambdaModuleCode("secret-id-broker");
    const source = readFileSync(new URL("../lambda/secret-id-broker.ts", import.meta.url), "utf8");
    assert.equal(code.split("\n").length, source.split("\n").length);
    assert.doesNotMatch(code, /^export (interface|type) /m);
    assert.match(code, /^export async function handle\(event\s*, deps\s*\)/m);
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import { lambdaModuleCode } from ${JSON.stringify(new URL("./aws-lambda-code.ts", import.meta.url).href)}; lambdaModuleCode("secret-id-broker"); process.emitWarning("other warnings still show");`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /stripTypeScriptTypes|ExperimentalWarning/);
    assert.match(r.stderr, /other warnings still show/);
  });
});
