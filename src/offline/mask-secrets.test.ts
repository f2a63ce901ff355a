// Secrets in an offline render: masked in place, never whole documents when the program redacted them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { maskSecrets } from "./render-stack.ts";

const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

test("a secret with no redaction mark is masked whole; a redacted document stays readable", () => {
  assert.deepEqual(maskSecrets({ token: secret("ghp_abcdefghijklmnopqrstuvwxyz0123456789") }), { token: "[secret]" });
  const userData = "#cloud-config\nwrite_files:\n  - content: \"[secret]\"\n";
  assert.deepEqual(maskSecrets({ stdin: secret(userData) }), { stdin: userData });
});

test("an SSH connection shows host, user and port; the key is masked, a deploy-time placeholder shown", () => {
  const connection = secret({ host: "192.168.1.10", user: "root", port: 22, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n" });
  assert.deepEqual(maskSecrets({ connection }), { connection: { host: "192.168.1.10", user: "root", port: 22, privateKey: "[secret]" } });
  const offline = secret({ host: "h", privateKey: "[deploy-time: RUNNER_SSH_KEY_PATH]" });
  assert.deepEqual(maskSecrets(offline), { host: "h", privateKey: "[deploy-time: RUNNER_SSH_KEY_PATH]" });
});

test("a known secret value is masked wherever it appears, even inside a document that carries the redaction mark", () => {
  const canary = "CANARY-s3cr3t-value";
  const doc = `token: "[secret]"\nother: ${canary}\n`;
  assert.deepEqual(maskSecrets({ a: secret(doc), b: `plain ${canary}` }, [canary]), { a: 'token: "[secret]"\nother: [secret]\n', b: "plain [secret]" });
});

test("a redacted document that still holds a credential of a known shape is masked whole", () => {
  const doc = 'token: "[secret]"\nkey: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n  abc\n';
  assert.deepEqual(maskSecrets({ a: secret(doc), b: secret('x: "[secret]"\ny: ghp_abcdefghijklmnopqrstuvwxyz012345') }), { a: "[secret]", b: "[secret]" });
});

test("numbers and booleans inside a secret are masked", () => {
  assert.deepEqual(maskSecrets(secret({ count: 3, on: true, list: ["a"] })), { count: "[secret]", on: "[secret]", list: ["[secret]"] });
});
