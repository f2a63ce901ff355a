import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultWorkerCount, planBatches, worthWorkers } from "./hash-files.ts";

const file = (size: number) => ({ rel: Buffer.from("f"), size });

describe("hash planning", () => {
  it("groups small files into batches of at most 128 files and about 1 MiB, and gives a large file its own", () => {
    const files = [...Array.from({ length: 200 }, () => file(100)), file(5 << 20), file(10), file(600_000), file(600_000)];
    assert.deepEqual(planBatches(files), [
      [0, 128],
      [128, 200],
      [200, 201],
      [201, 203],
      [203, 204],
    ]);
    assert.deepEqual(planBatches([]), []);
  });

  it("hashes trees under 16 MiB on the calling thread, and starts at most 8 workers", () => {
    assert.equal(worthWorkers((16 << 20) - 1), false);
    assert.equal(worthWorkers(16 << 20), true);
    assert.ok(defaultWorkerCount() <= 8);
  });
});
