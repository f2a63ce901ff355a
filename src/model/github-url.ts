/** The GitHub base URL a fleet registers with (github.com or a GitHub Enterprise Server), checked once for every GitHub model. */
import { z } from "./zod.ts";
import type { ConfigIssue } from "./issues.ts";

/** An http(s) base URL without surrounding spaces, credentials, query or fragment. */
export const githubBaseUrl = z.string().superRefine((v, ctx) => {
  let ok = false;
  try {
    const u = new URL(v);
    ok = v === v.trim() && (u.protocol === "https:" || u.protocol === "http:") && u.username === "" && u.password === "" && u.search === "" && u.hash === "";
  } catch { /* reported below */ }
  if (!ok) ctx.addIssue({ code: "custom", message: "is not an https URL without credentials, query or fragment", params: { fix: 'give the base URL of GitHub or of your GitHub Enterprise Server, e.g. "https://github.example.com"' } });
});

/** The `githubUrl` issue of a plain-http URL without the named opt-in `allowInsecureHttp`. */
export function insecureGithubUrlIssues(githubUrl: string | undefined, allowInsecureHttp: boolean | undefined): ConfigIssue[] {
  if (githubUrl === undefined || allowInsecureHttp === true || new URL(githubUrl).protocol !== "http:") return [];
  return [{ path: "githubUrl", message: "uses plain http: registration tokens, credentials and job traffic would travel unencrypted", fix: "use the https:// address; only for a server on a trusted network, set allowInsecureHttp: true knowingly" }];
}
