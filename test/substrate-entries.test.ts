// Each substrate's components are exported by the entry point its contract names, so a program that
// imports that entry gets them without loading other providers (test/entry-points.test.ts checks the
// loading; this checks the naming).
import { it } from "node:test";
import assert from "node:assert/strict";
import { SUBSTRATES, SUBSTRATE_KINDS } from "../src/model/substrate.ts";

const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  "runner-fleet/kubernetes": () => import("../src/entries/kubernetes.ts"),
  "runner-fleet/libvirt": () => import("../src/entries/libvirt.ts"),
  "runner-fleet/aws": () => import("../src/entries/aws.ts"),
};

it("every substrate's components are classes exported by its entry point", async () => {
  for (const kind of SUBSTRATE_KINDS) {
    const s = SUBSTRATES[kind];
    const load = ENTRIES[s.entryPoint];
    assert.ok(load, `${kind}: ${s.entryPoint} is an entry of the package`);
    const entry = await load();
    for (const c of s.components) assert.equal(typeof entry[c], "function", `${kind}: ${s.entryPoint} exports ${c}`);
  }
});
