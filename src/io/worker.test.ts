import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { once } from "node:events";
import { startWorker, workerExecArgv } from "./worker.ts";

test("drops the options about evaluated input that a worker started from a file refuses", () => {
  assert.deepEqual(workerExecArgv(["--input-type=module", "-e", "code", "--max-old-space-size=100", "--eval=x", "-p", "y"]), ["--max-old-space-size=100"]);
  assert.deepEqual(workerExecArgv([]), []);
});

test("starts the .ts worker beside a source module and the .js worker beside a compiled one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rf-worker-"));
  try {
    for (const ext of ["ts", "js"]) {
      writeFileSync(join(dir, `echo.${ext}`), `import { parentPort, workerData } from "node:worker_threads";\nparentPort.postMessage(["${ext}", workerData]);\n`);
      const worker = startWorker(pathToFileURL(join(dir, `caller.${ext}`)).href, "echo", { workerData: 7 });
      const [message] = (await once(worker, "message")) as [unknown];
      assert.deepEqual(message, [ext, 7]);
      await worker.terminate();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
