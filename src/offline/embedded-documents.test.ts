// Embedded documents: what a render writes as files of their own, named by what they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embeddedDocuments, unwrapShellCommand } from "./embedded-documents.ts";
import type { RenderedResource } from "./rendered.ts";

const resource = (type: string, inputs: Record<string, unknown>): RenderedResource => ({ type, name: "r", custom: true, inputs });
const suffixes = (r: RenderedResource) => embeddedDocuments(r).map((d) => d.suffix);

test("a remote command's scripts are unwrapped from /bin/sh -c '...', quotes restored, and the files they write by here-document are found", () => {
  const script = "#!/bin/sh\nset -eu\necho 'hi'\ncat >/etc/systemd/system/x.timer.runner-fleet-new <<'EOF'\n[Timer]\nOnBootSec=30s\nEOF\n";
  const wrapped = `/bin/sh -c '${script.replace(/'/g, "'\\''")}'`;
  assert.equal(unwrapShellCommand(wrapped), script);
  const docs = embeddedDocuments(resource("command:remote:Command", { create: wrapped, delete: "/bin/sh -c 'rm -f x\n'" }));
  assert.deepEqual(docs.map((d) => [d.field, d.suffix]), [["create", "create.sh"], ["create > x.timer", "x.timer"], ["delete", "delete.txt"]]);
  assert.equal(docs[0]?.content, script);
  assert.equal(docs[1]?.content, "[Timer]\nOnBootSec=30s\n");
});

test("a quote that is not the '\\'' escape means the text is no wrapped script", () => {
  assert.equal(unwrapShellCommand("/bin/sh -c 'a' 'b'"), undefined);
  assert.equal(unwrapShellCommand("echo hi"), undefined);
});

test("cloud-init documents get their cloud-init names; the files user-data writes are files too, except placeholders", () => {
  const userData = "#cloud-config\nwrite_files:\n  - path: /usr/local/sbin/install-it\n    content: |\n      #!/bin/sh\n      true\n  - path: /etc/token\n    content: \"[secret]\"\n";
  const docs = embeddedDocuments(resource("command:remote:Command", { stdin: userData }));
  assert.deepEqual(docs.map((d) => d.suffix), ["user-data.yaml", "install-it.sh"]);
  assert.deepEqual(suffixes(resource("command:remote:Command", { stdin: "instance-id: abc\nlocal-hostname: vm\n" })), ["meta-data.yaml"]);
  assert.deepEqual(suffixes(resource("command:remote:Command", { stdin: "network:\n  version: 2\n  ethernets: {}\n" })), ["network-config.yaml"]);
  assert.deepEqual(suffixes(resource("command:remote:Command", { stdin: '<?xml version="1.0"?>\n<domain type="kvm">\n</domain>\n' })), ["domain.xml"]);
});

test("EC2 user-data is decoded from base64; IAM policies are pretty JSON; Vault policies are HCL", () => {
  const script = "#!/bin/bash\nset -euo pipefail\necho boot\n";
  const lt = embeddedDocuments(resource("aws:ec2/launchTemplate:LaunchTemplate", { userData: Buffer.from(script).toString("base64") }));
  assert.deepEqual(lt, [{ field: "userData", suffix: "user-data.sh", content: script }]);
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
  const docs = embeddedDocuments(resource("aws:iam/role:Role", { assumeRolePolicy: policy, name: "{not a policy}" }));
  assert.deepEqual(docs.map((d) => d.suffix), ["assumeRolePolicy.json"]);
  assert.equal(docs[0]?.content, `${JSON.stringify(JSON.parse(policy), null, 2)}\n`);
  assert.deepEqual(suffixes(resource("vault:index/policy:Policy", { policy: '# ci\npath "kv/data/x" {\n  capabilities = ["read"]\n}\n' })), ["policy.hcl"]);
});

test("a Lambda archive's files keep their names; a Helm release's values are one YAML document; Kubernetes objects carry none", () => {
  assert.deepEqual(embeddedDocuments(resource("aws:lambda/function:Function", { code: { archive: { "index.mjs": { text: "export const handler = 1;" } } } })), [
    { field: "code/index.mjs", suffix: "index.mjs", content: "export const handler = 1;\n" },
  ]);
  assert.deepEqual(embeddedDocuments(resource("kubernetes:helm.sh/v3:Release", { values: { minRunners: 0 } })), [{ field: "values", suffix: "values.yaml", content: "minRunners: 0\n" }]);
  assert.deepEqual(embeddedDocuments(resource("kubernetes:core/v1:ConfigMap", { data: { "a.toml": "x = 1\ny = 2\n" } })), []);
});

test("the dynamic provider's code and the triggers are no documents; two fields of one name get distinct files", () => {
  assert.deepEqual(suffixes(resource("pulumi-nodejs:dynamic:Resource", { __provider: "exports.handler = 1;\nmore\n", triggers: ["a\nb"] })), []);
  const docs = embeddedDocuments(resource("x:y:Z", { a: { stdin: "#!/bin/sh\ntrue\n" }, b: { stdin: "#!/bin/sh\nfalse\n" } }));
  assert.deepEqual(docs.map((d) => d.suffix), ["a.stdin.sh", "b.stdin.sh"]);
});

test("EC2 user data compressed with gzip is inflated into its script; a gzip bomb or broken gzip is not a document", async () => {
  const { gzipSync } = await import("node:zlib");
  const script = "#!/bin/bash\nset -euo pipefail\necho boot\n";
  const docs = embeddedDocuments(resource("aws:ec2/launchTemplate:LaunchTemplate", { userData: gzipSync(script).toString("base64") }));
  assert.deepEqual(docs.map((d) => [d.suffix, d.content]), [["user-data.sh", script]]);
  const bomb = gzipSync(Buffer.concat([Buffer.from("#!/bin/bash\n"), Buffer.alloc(64 * 1024 * 1024, 0x20)])).toString("base64");
  assert.deepEqual(embeddedDocuments(resource("aws:ec2/launchTemplate:LaunchTemplate", { userData: bomb })), []);
  const broken = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("#!/bin/bash\nnot gzip")]).toString("base64");
  assert.deepEqual(embeddedDocuments(resource("aws:ec2/launchTemplate:LaunchTemplate", { userData: broken })), []);
});
