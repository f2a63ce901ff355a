/**
 * `status --prune`: removes offline runners nobody declared, and nothing else, only after the
 * user types `yes`. The list and the API calls are shown first; anything but `yes` (an empty line,
 * a closed input, another word) removes nothing. A runner that is online, or that a declared pool
 * accounts for, is never a candidate.
 */
import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import { ForgeError } from "../forge/forge-error.ts";
import type { StatusClient } from "../forge/status-client.ts";
import { CliError } from "./output.ts";
import { shown, type StatusResult, type TargetResult } from "./status-format.ts";

export interface PruneIo {
  readonly input: Readable;
  readonly output: Writable;
}

/** Reads one line, or undefined when the input ends first. */
async function answer(io: PruneIo, question: string): Promise<string | undefined> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  try {
    io.output.write(question);
    const closed = new Promise<undefined>((resolve) => rl.once("close", () => resolve(undefined)));
    return await Promise.race([rl.question(""), closed]);
  } finally {
    rl.close();
  }
}

/** Lists the candidates, asks, and removes them when the answer is `yes`; returns how many were removed. */
export async function confirmAndPrune(result: StatusResult, clients: ReadonlyMap<TargetResult, StatusClient>, io: PruneIo = { input: process.stdin, output: process.stderr }): Promise<number> {
  const candidates = result.targets.flatMap((t) => {
    const client = clients.get(t);
    return client === undefined || t.report === undefined ? [] : t.report.stale.filter((r) => r.status === "offline").map((runner) => ({ target: t, client, runner }));
  });
  if (candidates.length === 0) {
    io.output.write("prune: no offline runner nobody declared; nothing to remove\n");
    return 0;
  }
  io.output.write(`prune: ${candidates.length} offline runner${candidates.length === 1 ? "" : "s"} nobody declared:\n`);
  for (const c of candidates) io.output.write(`  ${shown(c.runner.name, 80)} (id ${c.runner.id}, ${c.target.scope}): ${c.client.deleteCall(c.runner.id)}\n`);
  const reply = await answer(io, 'Remove them? Type "yes" to remove, anything else to keep them: ');
  // A typed answer ends its line; a piped one is not echoed, so end the prompt's line here.
  if (!(io.input as { isTTY?: boolean }).isTTY) io.output.write("\n");
  if (reply?.trim() !== "yes") {
    io.output.write("prune: nothing removed\n");
    return 0;
  }
  let removed = 0;
  for (const c of candidates) {
    try {
      await c.client.deleteRunner(c.runner.id);
      removed++;
      io.output.write(`prune: removed ${shown(c.runner.name, 80)} (id ${c.runner.id})\n`);
    } catch (e) {
      if (!(e instanceof ForgeError)) throw e;
      throw new CliError(`prune: removed ${removed} of ${candidates.length}; ${e.message}`);
    }
  }
  return removed;
}
