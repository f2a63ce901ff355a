// Where status takes each forge's credentials from: environment variables or a GitHub App's key
// file, never an argument; every way they can be missing or wrong is an error that names the
// variable, flag or file and says what to set, and never shows a secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "./output.ts";
import { statusAuth } from "./status-auth.ts";

const TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const fails = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CliError, String(e));
    assert.match(e.message, message);
    assert.match(e.message, /Fix: /);
    assert.ok(!e.message.includes(TOKEN) && !e.message.includes("PRIVATE KEY-----"), e.message);
    return true;
  });

test("a token from GITHUB_TOKEN, then GH_TOKEN, or the variable --github-token-env names; Forgejo's from FORGEJO_TOKEN", () => {
  assert.deepEqual(statusAuth("github", {}, { GITHUB_TOKEN: ` ${TOKEN}\n` }), { kind: "token", token: TOKEN, from: "GITHUB_TOKEN" });
  assert.deepEqual(statusAuth("github", {}, { GH_TOKEN: TOKEN }), { kind: "token", token: TOKEN, from: "GH_TOKEN" });
  assert.deepEqual(statusAuth("github", { githubTokenEnv: "CI_RUNNER_TOKEN" }, { CI_RUNNER_TOKEN: TOKEN, GITHUB_TOKEN: "other" }), { kind: "token", token: TOKEN, from: "CI_RUNNER_TOKEN" });
  assert.deepEqual(statusAuth("forgejo", {}, { FORGEJO_TOKEN: "abc" }), { kind: "token", token: "abc", from: "FORGEJO_TOKEN" });
});

test("missing tokens and a token given where a variable name belongs are errors naming what to set", () => {
  fails(() => statusAuth("github", {}, {}), /no GitHub credentials: GITHUB_TOKEN and GH_TOKEN are not set.*Administration: read/);
  fails(() => statusAuth("github", {}, { GITHUB_TOKEN: "  " }), /GITHUB_TOKEN and GH_TOKEN are not set/);
  fails(() => statusAuth("forgejo", { forgejoTokenEnv: "FJ" }, {}), /no Forgejo token: FJ is not set.*read:organization/);
  fails(() => statusAuth("github", { githubTokenEnv: TOKEN.replace("_", "-") }, {}), /--github-token-env ".*" is not an environment variable name.*never the token itself/);
  fails(() => statusAuth("github", { githubTokenEnv: TOKEN }, {}), /--github-token-env was given something shaped like a token, not the name of a variable.*revoke it/);
});

test("a GitHub App: all three settings, from flags or the environment, and a key file that holds a private key", () => {
  const dir = mkdtempSync(join(tmpdir(), "rf-auth-"));
  try {
    const key = join(dir, "app.pem");
    writeFileSync(key, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }));
    const app = statusAuth("github", { appId: "123456", appKeyFile: key }, { GITHUB_APP_INSTALLATION_ID: "789", GITHUB_TOKEN: TOKEN });
    assert.equal(app.kind, "app");
    assert.deepEqual(app.kind === "app" ? [app.appId, app.installationId, app.privateKey.startsWith("-----BEGIN RSA PRIVATE KEY-----"), app.from] : [], ["123456", 789, true, key], "messages name the key file");
    fails(() => statusAuth("github", { appId: "123456" }, {}), /missing --app-key-file \(or GITHUB_APP_PRIVATE_KEY_FILE\), --app-installation \(or GITHUB_APP_INSTALLATION_ID\)/);
    fails(() => statusAuth("github", { appId: "my app", appKeyFile: key, appInstallation: "1" }, {}), /--app-id "my app" is not a GitHub App id/);
    fails(() => statusAuth("github", { appId: "1", appKeyFile: key, appInstallation: "-4" }, {}), /--app-installation "-4" is not an installation id/);
    writeFileSync(join(dir, "token.txt"), TOKEN);
    fails(() => statusAuth("github", { appId: "1", appKeyFile: join(dir, "token.txt"), appInstallation: "1" }, {}), /token\.txt holds no PEM private key/);
    fails(() => statusAuth("github", { appId: "1", appKeyFile: join(dir, "missing.pem"), appInstallation: "1" }, {}), /missing\.pem cannot be read \(ENOENT\)/);
    fails(() => statusAuth("github", { appId: "1", appKeyFile: dir, appInstallation: "1" }, {}), /is not a regular file/);
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    fails(() => statusAuth("github", { appId: "1", appKeyFile: pem, appInstallation: "1" }, {}), /--app-key-file takes the path of the App's private key file, not the key itself/);
    writeFileSync(join(dir, "ec.pem"), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }));
    fails(() => statusAuth("github", { appId: "1", appKeyFile: join(dir, "ec.pem"), appInstallation: "1" }, {}), /holds a private key GitHub Apps do not use/);
    writeFileSync(join(dir, "big.pem"), Buffer.alloc(100_000, 65));
    fails(() => statusAuth("github", { appId: "1", appKeyFile: join(dir, "big.pem"), appInstallation: "1" }, {}), /is 100000 bytes, more than a private key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
