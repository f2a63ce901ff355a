/**
 * The credentials `runner-fleet status` sends to each forge: an API token from an environment
 * variable, or for GitHub an App installation (app id, private key file, installation id). A
 * secret never comes from a command-line argument (other users of the machine can read those) and
 * never appears in a message: errors name the variable or the file.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { credentialKind } from "../model/credential-shape.ts";
import type { ForgeKind } from "../model/forge.ts";
import type { StatusAuth } from "../forge/status-client.ts";
import { CliError } from "./output.ts";

export interface AuthFlags {
  /** Environment variable holding the GitHub token. @default "GITHUB_TOKEN" (then "GH_TOKEN") */
  readonly githubTokenEnv?: string;
  /** Environment variable holding the Forgejo token. @default "FORGEJO_TOKEN" */
  readonly forgejoTokenEnv?: string;
  /** GitHub App id (not a secret). @default $GITHUB_APP_ID */
  readonly appId?: string;
  /** File holding the GitHub App's private key (PEM). @default $GITHUB_APP_PRIVATE_KEY_FILE */
  readonly appKeyFile?: string;
  /** Installation id of the GitHub App on the organisation or repository. @default $GITHUB_APP_INSTALLATION_ID */
  readonly appInstallation?: string;
}

/** A private key file is a few kilobytes; anything much larger is not one. */
const KEY_FILE_BYTES = 64 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const GITHUB_TOKEN_FIX =
  "export a token in GITHUB_TOKEN (or name another variable with --github-token-env): a fine-grained token with Administration: read on the repository (or Self-hosted runners: read on the organisation) and Actions: read, or a classic token with repo (admin:org for organisation runners); or use a GitHub App with --app-id, --app-key-file and --app-installation";
const FORGEJO_TOKEN_FIX =
  "export a Forgejo access token in FORGEJO_TOKEN (or name another variable with --forgejo-token-env), with read:repository, read:organization, read:user or read:admin for the scope the runners register at (write: of the same area to prune)";

function envName(flag: string, name: string): string {
  if (credentialKind(name) !== undefined) throw new CliError(`${flag} was given something shaped like a token, not the name of a variable (it is not shown here). Fix: put the token in an environment variable and give its name, e.g. export CI_TOKEN=… and ${flag} CI_TOKEN; if the token was typed where others can see it (shell history, process list), revoke it`);
  if (!ENV_NAME.test(name)) throw new CliError(`${flag} "${name.length <= 64 ? name : `${name.slice(0, 64)}…`}" is not an environment variable name. Fix: give the variable's name (letters, digits and _), e.g. ${flag} CI_TOKEN, never the token itself`);
  return name;
}

function tokenFrom(env: NodeJS.ProcessEnv, names: readonly string[]): { token: string; from: string } | undefined {
  for (const name of names) {
    const token = env[name]?.trim();
    if (token !== undefined && token !== "") return { token, from: name };
  }
  return undefined;
}

function readKeyFile(path: string): string {
  if (/[\n\r]|-----BEGIN/.test(path) || credentialKind(path) !== undefined) {
    throw new CliError("--app-key-file takes the path of the App's private key file, not the key itself (it is not shown here). Fix: save the key to a file only you can read (chmod 600) and give its path; if the key was typed where others can see it, generate a new one in the App's settings");
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError(`--app-key-file ${path} is not a regular file. Fix: give the .pem file GitHub let you download for the App`);
    if (st.size > KEY_FILE_BYTES) throw new CliError(`--app-key-file ${path} is ${st.size} bytes, more than a private key (${KEY_FILE_BYTES} at most). Fix: give the App's .pem private key file`);
    const buf = Buffer.alloc(st.size);
    readSync(fd, buf, 0, st.size, 0);
    const text = buf.toString("utf8");
    if (/-----BEGIN (EC|ENCRYPTED|OPENSSH) PRIVATE KEY-----/.test(text)) throw new CliError(`--app-key-file ${path} holds a private key GitHub Apps do not use (an EC, encrypted or OpenSSH key). Fix: give the RSA key (.pem) GitHub let you download from the App's settings`);
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) throw new CliError(`--app-key-file ${path} holds no PEM private key. Fix: give the .pem file GitHub let you download for the App (a PEM file whose first line begins a PRIVATE KEY block)`);
    return text;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--app-key-file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}). Fix: give the path of the App's private key file, readable by you`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function appAuth(flags: AuthFlags, env: NodeJS.ProcessEnv): StatusAuth | undefined {
  const appId = flags.appId ?? env["GITHUB_APP_ID"];
  const keyFile = flags.appKeyFile ?? env["GITHUB_APP_PRIVATE_KEY_FILE"];
  const installation = flags.appInstallation ?? env["GITHUB_APP_INSTALLATION_ID"];
  if (appId === undefined && keyFile === undefined && installation === undefined) return undefined;
  const missing = [appId === undefined ? "--app-id (or GITHUB_APP_ID)" : "", keyFile === undefined ? "--app-key-file (or GITHUB_APP_PRIVATE_KEY_FILE)" : "", installation === undefined ? "--app-installation (or GITHUB_APP_INSTALLATION_ID)" : ""].filter((m) => m !== "");
  if (missing.length > 0) throw new CliError(`a GitHub App needs its id, private key file and installation id; missing ${missing.join(", ")}. Fix: give all three (the installation id is the number at the end of the installation's settings URL)`);
  if (!/^[1-9][0-9]{0,19}$/.test(appId!) && !/^Iv[0-9A-Za-z.]{1,40}$/.test(appId!)) throw new CliError(`--app-id "${appId!.slice(0, 40)}" is not a GitHub App id. Fix: give the App ID (a number) or Client ID (Iv…) from the App's settings page`);
  if (!/^[1-9][0-9]{0,19}$/.test(installation!)) throw new CliError(`--app-installation "${installation!.slice(0, 40)}" is not an installation id. Fix: give the number at the end of the installation's settings URL (https://github.com/organizations/<org>/settings/installations/<id>)`);
  // `from` names the key file: messages say "the private key from <file>".
  return { kind: "app", appId: appId!, privateKey: readKeyFile(keyFile!), installationId: Number(installation), from: keyFile! };
}

/** The credentials for one forge, or a usage error (exit 2) saying what to set. A GitHub App, when configured, is used instead of a token. */
export function statusAuth(forge: ForgeKind, flags: AuthFlags, env: NodeJS.ProcessEnv = process.env): StatusAuth {
  if (forge === "github") {
    const app = appAuth(flags, env);
    if (app !== undefined) return app;
    const names = flags.githubTokenEnv === undefined ? ["GITHUB_TOKEN", "GH_TOKEN"] : [envName("--github-token-env", flags.githubTokenEnv)];
    const found = tokenFrom(env, names);
    if (found === undefined) throw new CliError(`no GitHub credentials: ${names.join(" and ")} ${names.length === 1 ? "is" : "are"} not set or empty. Fix: ${GITHUB_TOKEN_FIX}`);
    return { kind: "token", ...found };
  }
  const names = [flags.forgejoTokenEnv === undefined ? "FORGEJO_TOKEN" : envName("--forgejo-token-env", flags.forgejoTokenEnv)];
  const found = tokenFrom(env, names);
  if (found === undefined) throw new CliError(`no Forgejo token: ${names[0]} is not set or empty. Fix: ${FORGEJO_TOKEN_FIX}`);
  return { kind: "token", ...found };
}
