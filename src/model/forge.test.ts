import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FORGES, FORGE_KINDS, forgeLabelIssues, runsOnLabelIssues, runsOnLabels } from "./forge.ts";
import { SUBSTRATES, SUBSTRATE_KINDS, combinationIssues, supportsForge } from "./substrate.ts";

describe("the forge contract", () => {
  it("GitHub labels: 1-255 characters, no commas or whitespace, repeats found without case", () => {
    assert.deepEqual(forgeLabelIssues("github", ["gpu", "GPU"], "labels"), [{ path: "labels[1]", message: '"GPU" is listed twice (GitHub compares labels without case)', fix: "list each label once" }]);
    const [long] = forgeLabelIssues("github", ["x".repeat(256)], "runners[0].labels");
    assert.equal(long?.path, "runners[0].labels[0]");
    assert.equal(long?.message, "is longer than 255 characters");
    assert.match(long?.fix ?? "", /1-255 characters, without commas or whitespace/);
    assert.equal(forgeLabelIssues("github", ["a,b"], "l")[0]?.message, '"a,b" contains a comma or whitespace');
    assert.equal(forgeLabelIssues("github", ["a\u0007"], "l")[0]?.message, "contains a control character");
  });
  it("Forgejo labels: name:host or name:docker://<pinned image>; a name repeated under another kind is a repeat", () => {
    assert.deepEqual(forgeLabelIssues("forgejo", ["k8s:host", "alpine:docker://alpine:3.21"], "labels"), []);
    const [bare] = forgeLabelIssues("forgejo", ["k8s"], "labels");
    assert.match(bare?.message ?? "", /has no execution kind/);
    assert.match(bare?.fix ?? "", /<name>:docker:\/\/<image:tag>/);
    assert.match(forgeLabelIssues("forgejo", ["k8s:host", "k8s:docker://alpine:3.21"], "labels")[0]?.message ?? "", /listed twice \(as labels\[0\]\)/);
    assert.equal(forgeLabelIssues("forgejo", ["Build:host", "build:host"], "labels").length, 0, "Forgejo compares names as written");
  });
  it("more than 100 labels is one issue at the list's path", () => {
    const issues = forgeLabelIssues("github", Array.from({ length: 101 }, (_, i) => `l${i}`), "labels");
    assert.deepEqual(issues.map((i) => i.path), ["labels"]);
  });
  it("runs-on labels: the forge's implicit labels, extra implicit ones, then names, each once", () => {
    assert.deepEqual(runsOnLabels("github", ["Linux", "gpu"], ["x64"]), ["self-hosted", "linux", "x64", "gpu"]);
    assert.deepEqual(runsOnLabels("forgejo", ["k8s:host", "alpine:docker://alpine:3.21"]), ["k8s", "alpine"]);
    assert.deepEqual(runsOnLabelIssues("forgejo", ["k8s:host"], "runnerPools[0].labels").map((i) => i.path), ["runnerPools[0].labels[0]"]);
    assert.deepEqual(runsOnLabelIssues("github", ["self-hosted", "gpu:a100"], "l"), [], "GitHub label names may hold a colon");
  });
  it("every forge kind has its contract under its own kind", () => {
    for (const k of FORGE_KINDS) assert.equal(FORGES[k].kind, k);
  });
});

describe("the substrate contract", () => {
  it("every substrate kind has its contract; hosted forges are forge kinds", () => {
    for (const k of SUBSTRATE_KINDS) {
      assert.equal(SUBSTRATES[k].kind, k);
      for (const f of SUBSTRATES[k].forges) assert.ok((FORGE_KINDS as readonly string[]).includes(f));
    }
  });
  it("GitHub and Forgejo each run on Deployments and libvirt VMs; ARC and EC2 host GitHub only", () => {
    assert.ok(supportsForge("kubernetes-deployment", "forgejo") && supportsForge("libvirt-vm", "github"));
    assert.deepEqual(combinationIssues("arc-scale-set", "forgejo", "forge"), [{ path: "forge", message: "forgejo runners cannot run on the ARC scale set substrate", fix: "use one of: github" }]);
    assert.deepEqual(combinationIssues("ec2", "github", "forge"), []);
  });
});
