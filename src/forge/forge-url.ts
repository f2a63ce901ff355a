/**
 * The forge's base URL (`forge.address`): where Forgejo serves its web UI, with any sub-path
 * (`https://forge.example.com/git`). API paths are joined onto it.
 */
import type { ConfigIssue } from "../model/issues.ts";

/** The config key that holds the forge's base URL (forge.address in the forgejo-vm model). */
export const FORGE_ADDRESS_KEY = "forge.address";

const URL_FIX = 'write the address of the forge\'s web UI, e.g. "https://forge.example.com" or "https://forge.example.com/git"';

/** True for hosts that never leave this machine, where plain http exposes nothing. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Parses `forge.address`. Returns the URL (no trailing slash on its path) or the problems, which never
 * quote the value: a misplaced token or password must not end up in a log.
 */
export function parseForgeBaseUrl(
  value: unknown,
  options: { readonly allowInsecureHttp?: boolean; readonly path?: string } = {},
): { readonly url: URL } | { readonly issues: ConfigIssue[] } {
  const path = options.path ?? FORGE_ADDRESS_KEY;
  const issue = (message: string, fix: string = URL_FIX) => ({ issues: [{ path, message, fix }] });
  if (typeof value !== "string" || value.trim() === "") return issue(typeof value === "string" ? "is empty" : "must be a string");
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return issue("is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return issue(`uses the scheme "${url.protocol.slice(0, -1)}"; only https (or http) is supported`);
  if (url.username !== "" || url.password !== "") {
    return issue("contains a user name or password", "remove the credentials from the URL; the API token is given separately (forge.apiToken)");
  }
  if (url.search !== "" || url.hash !== "") return issue("has a query string or fragment", "remove everything from the first ? or #");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && options.allowInsecureHttp !== true) {
    return issue(
      "uses plain http, which would send the API token unencrypted",
      "use the forge's https:// address; for a forge on a trusted network only, opt in with allowInsecureHttp",
    );
  }
  const trimmedPath = url.pathname.replace(/\/+$/, "");
  if (/\/api\/v1$/i.test(trimmedPath)) {
    return issue("ends with /api/v1", "give the forge's base URL without /api/v1; the API path is added to it");
  }
  url.pathname = trimmedPath === "" ? "/" : trimmedPath;
  return { url };
}

/** Joins an API path (starting with `/api/`) onto the base URL, keeping its sub-path. */
export function forgeApiUrl(base: URL, apiPath: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, "")}${apiPath}`;
  return url;
}
