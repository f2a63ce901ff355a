// Secret files: keys of existing Secrets as read-only files of the runner container, resolved into
// one volume per Secret and directory (references only, never a value), and every bad path, name,
// clash and unreadable setup refused with its key path and fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { resolveForgejoK8sFleet } from "./forgejo-k8s.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner(over)] }) as GhRunnerFleetInput;
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

const openai = { secret: "github-runner-config", key: "openai-api-key", path: "/run/secrets/openai-api-key" };
const gemini = { secret: "github-runner-config", key: "gemini-api-key", path: "/run/secrets/gemini-api-key" };
const mcp = { secret: "github-mcp-credentials", key: "github-token", path: "/run/mcp/github-token" };

describe("secretFiles: resolved as references, one volume per Secret and directory", () => {
  it("files of one Secret in one directory share a volume; another Secret gets its own; nothing but names is kept", () => {
    const r = resolveGhRunnerFleet(fleet({ secretFiles: [openai, gemini, mcp] })).runners[0]!;
    assert.deepEqual(r.secretFiles, [
      { volumeName: "secret-github-runner-config", secretName: "github-runner-config", mountPath: "/run/secrets", items: [{ key: "openai-api-key", path: "openai-api-key" }, { key: "gemini-api-key", path: "gemini-api-key" }], where: "runners[0].secretFiles[0].path" },
      { volumeName: "secret-github-mcp-credentials", secretName: "github-mcp-credentials", mountPath: "/run/mcp", items: [{ key: "github-token", path: "github-token" }], where: "runners[0].secretFiles[2].path" },
    ]);
  });

  it("the same Secret in two directories is two volumes, named apart; a key may be a file under another name", () => {
    const r = resolveGhRunnerFleet(fleet({ secretFiles: [openai, { ...openai, path: "/home/runner/.config/openai/key" }] })).runners[0]!;
    assert.deepEqual(r.secretFiles.map((s) => [s.volumeName, s.mountPath, s.items]), [
      ["secret-github-runner-config", "/run/secrets", [{ key: "openai-api-key", path: "openai-api-key" }]],
      ["secret-github-runner-config-2", "/home/runner/.config/openai", [{ key: "openai-api-key", path: "key" }]],
    ]);
  });

  it("a volume name the runner already uses is left to it", () => {
    const r = resolveGhRunnerFleet(fleet({ extraVolumes: [{ name: "secret-github-runner-config", emptyDir: {} }], secretFiles: [openai] })).runners[0]!;
    assert.equal(r.secretFiles[0]!.volumeName, "secret-github-runner-config-2");
  });

  it("a Secret name with dots gives a DNS-label volume name", () => {
    const r = resolveGhRunnerFleet(fleet({ secretFiles: [{ secret: "ci.tokens", key: "t", path: "/run/secrets/t" }] })).runners[0]!;
    assert.equal(r.secretFiles[0]!.volumeName, "secret-ci-tokens");
  });

  it("unset: no secret files", () => {
    assert.deepEqual(resolveGhRunnerFleet(fleet()).runners[0]!.secretFiles, []);
  });

  it("the Forgejo runner takes them too (shared pod description)", () => {
    const f = resolveForgejoK8sFleet({ forge: "forgejo", namespace: "ci", forgejoUrl: "https://code.example.com", runners: [{ name: "build", secretFiles: [mcp] }] });
    assert.deepEqual(f.runners[0]!.secretFiles.map((s) => s.mountPath), ["/run/mcp"]);
  });

  it("a variable that says where a credential file is may be a literal path; a credential under that name may not", () => {
    const r = resolveGhRunnerFleet(fleet({ secretFiles: [openai], env: [{ name: "OPENAI_API_KEY_FILE", value: "/run/secrets/openai-api-key" }] })).runners[0]!;
    assert.deepEqual(r.env, [{ name: "OPENAI_API_KEY_FILE", value: "/run/secrets/openai-api-key" }]);
    expectIssue(fleet({ env: [{ name: "OPENAI_API_KEY_FILE", value: "sk-not-a-path" }] }), "runners[0].env[0].value", /literal value for OPENAI_API_KEY_FILE, which holds a credential/, /secretFiles: \[\{ secret: <secret>, key: <key>, path: \/run\/secrets\/<secret>\/<key> \}\]/);
    expectIssue(fleet({ env: [{ name: "OPENAI_API_KEY", value: "/run/secrets/openai-api-key" }] }), "runners[0].env[0].value", /literal value for OPENAI_API_KEY/, /secretFiles/);
  });
});

describe("secretFiles: bad input names its key path and the fix", () => {
  it("a path that is not absolute, not plain, directly under / or a file name Kubernetes keeps", () => {
    const at = "runners[0].secretFiles[0].path";
    const fix = /from the container root, in a directory of its own, e\.g\. "\/run\/secrets\/<secret>\/<key>"/;
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "run/secrets/k" }] }), at, /"run\/secrets\/k" is not an absolute path/, fix);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/run/secrets/" }] }), at, /is not a plain absolute path/, fix);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/run//k" }] }), at, /is not a plain absolute path/, fix);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/run/../k" }] }), at, /is not a plain absolute path/, fix);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/k" }] }), at, /directly under \/, where no volume can be mounted/, fix);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/run/secrets/..data" }] }), at, /file name starting with "\.\."/, fix);
  });

  it("a Secret name or key the API server refuses", () => {
    expectIssue(fleet({ secretFiles: [{ ...openai, secret: "GitHub_Config" }] }), "runners[0].secretFiles[0].secret", /not a DNS-1123 subdomain/, /an existing Secret/);
    expectIssue(fleet({ secretFiles: [{ ...openai, key: "a/b" }] }), "runners[0].secretFiles[0].key", /"a\/b" is not a Secret data key/, /as the Secret lists it under data/);
    expectIssue(fleet({ secretFiles: [{ ...openai, key: "..k" }] }), "runners[0].secretFiles[0].key", /is not a Secret data key/, /not starting with "\.\."/);
  });

  it("a missing or unknown field", () => {
    expectIssue(fleet({ secretFiles: [{ secret: "s", key: "k" }] }), "runners[0].secretFiles[0].path", /is required/, /set runners\[0\]\.secretFiles\[0\]\.path/);
    expectIssue(fleet({ secretFiles: [{ ...openai, mountPath: "/run/secrets" }] }), "runners[0].secretFiles[0].mountPath", /not a known key \(known keys: secret, key, path\)/, /remove it|did you mean/);
  });

  it("two files at one path", () => {
    expectIssue(fleet({ secretFiles: [openai, { ...gemini, path: openai.path }] }), "runners[0].secretFiles[1].path", /file \/run\/secrets\/openai-api-key is already secretFiles\[0\]/, /its own path/);
  });

  it("two Secrets in one directory", () => {
    expectIssue(fleet({ secretFiles: [openai, { ...mcp, path: "/run/secrets/github-token" }] }), "runners[0].secretFiles[1].path", /directory \/run\/secrets already holds the files of Secret "github-runner-config" \(runners\[0\]\.secretFiles\[0\]\.path\)/, /e\.g\. \/run\/secrets\/github-mcp-credentials\/github-token/);
  });

  it("a directory that another mount already uses: the existing mount-path check", () => {
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/tmp/openai-api-key" }] }), "runners[0].secretFiles[0].path", /the directory \/tmp of this file \(where Secret "github-runner-config" is mounted\) is already used by runners\[0\]\.writablePaths \(default \/tmp\)/, /secret file directory/);
    expectIssue(fleet({ secretFiles: [{ ...openai, path: "/home/runner/_work/key" }] }), "runners[0].secretFiles[0].path", /the directory \/home\/runner\/_work .* is already used by runners\[0\]\.workDir/, /its own path/);
    expectIssue(fleet({ volumes: [{ claimName: "home", mountPath: "/run/secrets" }], secretFiles: [openai] }), "runners[0].secretFiles[0].path", /already used by runners\[0\]\.volumes\[0\]\.mountPath/, /its own path/);
  });

  it("a mount inside a secret files directory, which is read-only", () => {
    expectIssue(fleet({ writablePaths: ["/tmp", "/run/secrets/cache"], secretFiles: [openai] }), "runners[0].secretFiles[0].path", /directory \/run\/secrets is mounted read-only, and runners\[0\]\.writablePaths\[1\] mounts \/run\/secrets\/cache inside it/, /a directory of their own that holds no other mount, e\.g\. \/run\/secrets\/<secret>\/<key>/);
    expectIssue(fleet({ secretFiles: [openai, { ...mcp, path: "/run/secrets/mcp/github-token" }] }), "runners[0].secretFiles[0].path", /and runners\[0\]\.secretFiles\[1\]\.path mounts \/run\/secrets\/mcp inside it/, /a directory of their own that holds no other mount, e\.g\. \/run\/secrets\/<secret>\/<key>/);
  });

  it("with relax.securityAsWritten and no fsGroup, a non-root runner could not read the files", () => {
    const asWritten = { relax: { securityAsWritten: true }, secretFiles: [openai] };
    expectIssue(fleet(asWritten), "runners[0].securityContext.fsGroup", /belong to root with mode 0400, which a runner that is not root cannot read/, /set securityContext\.fsGroup .* group-readable \(0440\)/);
    expectIssue(fleet({ ...asWritten, securityContext: { runAsUser: 1000 } }), "runners[0].securityContext.fsGroup", /not set/, /fsGroup/);
    // With an fsGroup, or as root, the files can be read.
    assert.equal(resolveGhRunnerFleet(fleet({ ...asWritten, securityContext: { fsGroup: 1000 } })).runners[0]!.secretFiles.length, 1);
    assert.equal(resolveGhRunnerFleet(fleet({ ...asWritten, containerSecurityContext: { runAsUser: 0 } })).runners[0]!.secretFiles.length, 1);
  });

  it("every problem at once, and no issue quotes more than the names written", () => {
    const issues = issuesOf(fleet({ secretFiles: [{ ...openai, path: "relative" }, { ...openai, key: "a/b" }, { ...openai, secret: "Bad" }] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["runners[0].secretFiles[0].path", "runners[0].secretFiles[1].key", "runners[0].secretFiles[2].secret"]);
  });

  it("more than 50 files", () => {
    const files = Array.from({ length: 51 }, (_, i) => ({ ...openai, path: `/run/secrets/k${i}` }));
    expectIssue(fleet({ secretFiles: files }), "runners[0].secretFiles", /more than 50 files/, /./);
  });
});
