// The files a render writes are what third-party validators accept: the foundation render's
// user-data (cloud-init schema) and domain XML (virt-xml-validate), every shell script of the
// foundation and AWS renders (shellcheck). Rendered with no environment, as a newcomer does.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderStack } from "../src/offline/render-stack.ts";
import { writeRendered } from "../src/cli/render.ts";
import { REPO } from "./helpers.ts";
import { needs, requireTool } from "./validators.ts";

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });

describe("rendered files pass the validators of their kind", () => {
  const out = mkdtempSync(join(tmpdir(), "rf-render-files-"));
  const foundation = join(out, "foundation");
  const aws = join(out, "aws");
  before(async () => {
    const saved = process.env["RUNNER_SSH_KEY_PATH"];
    delete process.env["RUNNER_SSH_KEY_PATH"];
    try {
      writeRendered(await renderStack(join(REPO, "infra/pulumi/foundation-runners")), foundation);
      writeRendered(await renderStack(join(REPO, "infra/pulumi/aws-firecracker-runners")), aws);
    } finally {
      if (saved !== undefined) process.env["RUNNER_SSH_KEY_PATH"] = saved;
    }
  });
  const files = (dir: string, suffix: string) => readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));

  it("cloud-init schema accepts each user-data file of the foundation render (the persistent runner and the one-job pool)", needs("cloud-init"), () => {
    requireTool("cloud-init");
    const userDataFiles = files(foundation, ".user-data.yaml");
    assert.equal(userDataFiles.length, 2, "one user-data file per VM kind");
    for (const userData of userDataFiles) {
      const r = run("cloud-init", ["schema", "--config-file", userData]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Valid cloud-config/);
    }
  });

  it("virt-xml-validate accepts the foundation render's domain XML file", needs("virt-xml-validate"), () => {
    requireTool("virt-xml-validate");
    const [domain] = files(foundation, ".domain.xml");
    assert.ok(domain !== undefined);
    const r = run("virt-xml-validate", [domain, "domain"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("every shell script of both renders is shellcheck-clean, the EC2 user-data among them", needs("shellcheck"), () => {
    requireTool("shellcheck");
    const scripts = [...files(foundation, ".sh"), ...files(aws, ".sh")];
    assert.ok(scripts.some((f) => f.endsWith("launchtemplate-fleet-template.user-data.sh")), "the EC2 user-data is a file");
    assert.ok(scripts.length >= 8, `${scripts.length} scripts`);
    const r = run("shellcheck", ["--severity=style", ...scripts]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("each IAM policy of the AWS render is a JSON file of its own", () => {
    const policies = readdirSync(aws).filter((f) => /\.(policy|assumeRolePolicy)\.json$/.test(f));
    assert.deepEqual(policies.sort(), ["policy-iam-boundary.policy.json", "role-broker-role.assumeRolePolicy.json", "role-iam-role.assumeRolePolicy.json", "rolepolicy-broker-policy.policy.json", "rolepolicy-iam-policy.policy.json"]);
  });
});
