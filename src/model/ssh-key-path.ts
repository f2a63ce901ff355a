/** Checks the SSH private key a stack logs in to the libvirt host with, without ever quoting it. */
import type { ConfigIssue } from "./issues.ts";

/**
 * Checks that `host.sshKeyPath` names a readable private key. The read function is injected so
 * that the model stays free of I/O: pass `(p) => readFileSync(p, "utf8")`. The key is never quoted.
 */
export function checkSshKeyPath(path: string, read: (path: string) => string | Uint8Array): ConfigIssue[] {
  const at = "host.sshKeyPath";
  if (path.trim() === "") return [{ path: at, message: "is empty", fix: "set RUNNER_SSH_KEY_PATH to the private key that logs in to the libvirt host" }];
  let text: string;
  try {
    const raw = read(path);
    text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return [{ path: at, message: `${path} cannot be read${typeof code === "string" ? ` (${code})` : ""}`, fix: "point RUNNER_SSH_KEY_PATH at an existing private key file readable by the user running Pulumi" }];
  }
  if (/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+) AAAA/.test(text.trimStart())) {
    return [{ path: at, message: `${path} holds a public key`, fix: "point RUNNER_SSH_KEY_PATH at the private half (the file without .pub)" }];
  }
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/m.test(text)) {
    return [{ path: at, message: `${path} is not an OpenSSH or PEM private key`, fix: "point RUNNER_SSH_KEY_PATH at a private key file (it starts with -----BEGIN ... PRIVATE KEY-----)" }];
  }
  return [];
}
