// Shared test helpers.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";

export const REPO = resolve(import.meta.dirname, "..");
/** The strict Kubernetes JSON Schemas shipped in the package (`schemas/README.md` names the source). */
export const KUBERNETES_SCHEMAS = join(REPO, "schemas/kubernetes-json-schema");
/** The ARC 0.14.2 CRDs shipped in the package. */
export const ARC_CRDS = join(REPO, "schemas/arc-0.14.2/crds");
/** Upstream specifications only the tests use (`test/reference/README.md` names the sources). */
export const TEST_REFERENCE = join(REPO, "test/reference");
export const GH_RUNNER_STACK = join(REPO, "infra/pulumi/gh-runner");

/** Leaf paths whose values differ between two JSON-like values (lists compared by index). */
export function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => {
      const sub = Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      return changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/** Copies a stack settings file to a temp file after applying `edit` to its parsed content. */
export function editedStackConfig(stackDir: string, stack: string, edit: (config: Record<string, unknown>) => void): string {
  const doc = parse(readFileSync(join(stackDir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  edit(doc.config);
  const file = join(mkdtempSync(join(tmpdir(), "rf-stack-")), `Pulumi.${stack}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/**
 * Writes a throwaway Ed25519 key pair as `path` (PKCS#8 PEM private key) and `path.pub` (OpenSSH
 * public key line), made with node:crypto so the tests need no ssh-keygen.
 */
export function writeThrowawaySshKey(path: string): void {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const field = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const wire = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]);
  writeFileSync(`${path}.pub`, `ssh-ed25519 ${wire.toString("base64")} throwaway\n`);
}
