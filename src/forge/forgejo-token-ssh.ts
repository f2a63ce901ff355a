/**
 * The alternative to the API: mint a runner registration token by running Forgejo's own CLI,
 * `forgejo actions generate-runner-token [--scope owner[/repo]]`, on the forge host over SSH.
 * Needs no API token, only an SSH login that may run the forgejo binary (directly, or through
 * `sudo -u <forgejoUser>`).
 */
import { spawn } from "node:child_process";
import { type ConfigIssue, ConfigError } from "../model/issues.ts";
import { ForgeError, type ForgeErrorReason, quoteForgeText } from "./forge-error.ts";
import { type ForgejoRunnerScope, forgejoRunnerScopeIssues, formatForgejoRunnerScope } from "../model/forgejo-scope.ts";

/** Defaults of {@link MintForgejoTokenOverSshOptions} and {@link ForgejoRunnerTokenCommandOptions}. */
export const FORGEJO_SSH_DEFAULTS = {
  forgejoBinary: "forgejo",
  port: 22,
  connectTimeoutSeconds: 10,
  timeoutMs: 60_000,
} as const;

export interface ForgejoRunnerTokenCommandOptions {
  /** Where the runner will register. */
  readonly scope: ForgejoRunnerScope;
  /**
   * The Forgejo account for a `user` scope: the CLI names owners explicitly (`--scope <name>`).
   * Required when `scope.kind` is `"user"`, refused otherwise.
   */
  readonly scopeUser?: string;
  /**
   * The system account Forgejo runs as (e.g. `git`); when set the command runs through
   * `sudo -n -u <forgejoUser> --`. Leave unset when the SSH user is that account. @default unset
   */
  readonly forgejoUser?: string;
  /** Forgejo's app.ini on the forge host, passed as `--config`. @default unset (Forgejo's own default) */
  readonly configPath?: string;
  /** The forgejo executable on the forge host. @default "forgejo" */
  readonly forgejoBinary?: string;
}

/** Key path prefix of the SSH settings in error messages. */
const SSH_KEY = "forge.ssh";
const POSIX_ACCOUNT = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
const OWNER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9]))*$/;
const HOST = /^[A-Za-z0-9_.:[\]%-]+$/;
const CONTROL = /\p{Cc}/u;

function absolutePathIssue(path: string, value: unknown, what: string): ConfigIssue[] {
  if (value === undefined) return [];
  if (typeof value !== "string" || !value.startsWith("/") || CONTROL.test(value)) {
    return [{ path, message: `must be an absolute path (${what})`, fix: "write the full path, starting with /" }];
  }
  return [];
}

function commandIssues(options: ForgejoRunnerTokenCommandOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [...forgejoRunnerScopeIssues(options.scope)];
  if (options.scope.kind === "user") {
    if (options.scopeUser === undefined) {
      issues.push({ path: `${SSH_KEY}.scopeUser`, message: 'is required for the "user" scope: the forgejo CLI needs the account by name', fix: "set it to the Forgejo user name whose runners these are" });
    } else if (!OWNER_NAME.test(options.scopeUser)) {
      issues.push({ path: `${SSH_KEY}.scopeUser`, message: "is not a Forgejo user name", fix: "use the name as it appears in the forge's URLs" });
    }
  } else if (options.scopeUser !== undefined) {
    issues.push({ path: `${SSH_KEY}.scopeUser`, message: `only applies to the "user" scope, not "${formatForgejoRunnerScope(options.scope)}"`, fix: "remove it" });
  }
  if (options.forgejoUser !== undefined && !POSIX_ACCOUNT.test(options.forgejoUser)) {
    issues.push({ path: `${SSH_KEY}.forgejoUser`, message: "is not a system account name", fix: 'give the account Forgejo runs as, e.g. "git" or "forgejo"' });
  }
  issues.push(...absolutePathIssue(`${SSH_KEY}.configPath`, options.configPath, "Forgejo's app.ini on the forge host"));
  const bin = options.forgejoBinary;
  if (bin !== undefined && (bin === "" || bin.startsWith("-") || CONTROL.test(bin))) {
    issues.push({ path: `${SSH_KEY}.forgejoBinary`, message: "is not a command", fix: 'give the executable\'s name or absolute path, e.g. "forgejo" or "/usr/local/bin/forgejo"' });
  }
  return issues;
}

/**
 * The command to run on the forge host, as an argument vector:
 * `[sudo -n -u <forgejoUser> --] forgejo [--config <path>] actions generate-runner-token [--scope <owner>[/<repo>]]`.
 * Throws a {@link ConfigError} for unusable options. Pure.
 */
export function forgejoRunnerTokenCommand(options: ForgejoRunnerTokenCommandOptions): string[] {
  const issues = commandIssues(options);
  if (issues.length > 0) throw new ConfigError(issues, "forge SSH configuration");
  const argv: string[] = [];
  if (options.forgejoUser !== undefined) argv.push("sudo", "-n", "-u", options.forgejoUser, "--");
  argv.push(options.forgejoBinary ?? FORGEJO_SSH_DEFAULTS.forgejoBinary);
  if (options.configPath !== undefined) argv.push("--config", options.configPath);
  argv.push("actions", "generate-runner-token");
  const scope = cliScope(options.scope, options.scopeUser);
  if (scope !== undefined) argv.push("--scope", scope);
  return argv;
}

/** The CLI's `--scope`: empty for the instance, `owner` for an organisation or user, `owner/repo` for a repository. */
function cliScope(scope: ForgejoRunnerScope, scopeUser: string | undefined): string | undefined {
  switch (scope.kind) {
    case "instance":
      return undefined;
    case "org":
      return scope.org;
    case "repo":
      return `${scope.owner}/${scope.repo}`;
    case "user":
      return scopeUser;
  }
}

/** Quotes an argument vector for a POSIX shell (the remote side of `ssh` runs one). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

export interface SshTarget {
  /** The forge host (name or address). */
  readonly host: string;
  /** The SSH login on the forge host. */
  readonly user: string;
  /** The private key to log in with (a path; the key itself is never read). */
  readonly keyPath: string;
  /** @default 22 */
  readonly port?: number;
  /** A known_hosts file that holds the forge host's key. @default unset (ssh's own known_hosts) */
  readonly knownHostsPath?: string;
  /** How long ssh may take to connect, in seconds. @default 10 */
  readonly connectTimeoutSeconds?: number;
}

function sshIssues(target: SshTarget): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (typeof target.host !== "string" || !HOST.test(target.host) || target.host.startsWith("-")) {
    issues.push({ path: `${SSH_KEY}.host`, message: "is not a host name or address", fix: 'give the forge host, e.g. "forge.example.com" or "192.0.2.10"' });
  }
  if (typeof target.user !== "string" || !POSIX_ACCOUNT.test(target.user)) {
    issues.push({ path: `${SSH_KEY}.user`, message: "is not a login name", fix: 'give the SSH login on the forge host, e.g. "deploy"' });
  }
  if (typeof target.keyPath !== "string" || target.keyPath === "" || target.keyPath.startsWith("-") || CONTROL.test(target.keyPath)) {
    issues.push({ path: `${SSH_KEY}.keyPath`, message: "is not a file path", fix: "give the path of the private key file (not the key itself)" });
  }
  issues.push(...absolutePathIssue(`${SSH_KEY}.knownHostsPath`, target.knownHostsPath, "a known_hosts file"));
  if (target.port !== undefined && !(Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535)) {
    issues.push({ path: `${SSH_KEY}.port`, message: "must be a port number from 1 to 65535", fix: "leave it unset for 22" });
  }
  const t = target.connectTimeoutSeconds;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 3600)) {
    issues.push({ path: `${SSH_KEY}.connectTimeoutSeconds`, message: "must be a whole number of seconds from 1 to 3600", fix: "leave it unset for 10" });
  }
  return issues;
}

/**
 * The `ssh` argument vector that runs `remoteArgv` on the target: batch mode (never prompts),
 * strict host key checking, only the given key, a connect timeout. Pure.
 */
export function sshArgs(target: SshTarget, remoteArgv: readonly string[]): string[] {
  const issues = sshIssues(target);
  if (issues.length > 0) throw new ConfigError(issues, "forge SSH configuration");
  const args = [
    "-T",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `ConnectTimeout=${target.connectTimeoutSeconds ?? FORGEJO_SSH_DEFAULTS.connectTimeoutSeconds}`,
    "-o", "IdentitiesOnly=yes",
    "-i", target.keyPath,
  ];
  if (target.knownHostsPath !== undefined) args.push("-o", `UserKnownHostsFile=${target.knownHostsPath}`);
  args.push("-p", String(target.port ?? FORGEJO_SSH_DEFAULTS.port), "-l", target.user, "--", target.host, shellQuote(remoteArgv));
  return args;
}

/**
 * The token in the CLI's standard output: the last non-empty line, when it looks like a token
 * (printable, no whitespace); undefined otherwise.
 */
export function parseForgejoRunnerTokenOutput(stdout: string): string | undefined {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const last = lines.at(-1);
  return last !== undefined && /^[\x21-\x7e]+$/.test(last) ? last : undefined;
}

/** What a command run returned. */
export interface RunResult {
  /** The exit code; null when the process was killed by a signal. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the run was stopped because it exceeded its time limit. */
  readonly timedOut?: boolean;
}

/** Runs a command without a shell; rejects only when it cannot be started. */
export type CommandRunner = (command: string, args: readonly string[], options: { readonly timeoutMs: number }) => Promise<RunResult>;

const MAX_OUTPUT = 1024 * 1024;

/** The default {@link CommandRunner}: `child_process.spawn`, no shell, stdin closed, output capped at 1 MiB. */
export const spawnCommand: CommandRunner = (command, args, { timeoutMs }) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outSize = 0;
    let errSize = 0;
    let timedOut = false;
    child.stdout.on("data", (b: Buffer) => {
      if (outSize < MAX_OUTPUT) out.push(b);
      outSize += b.length;
    });
    child.stderr.on("data", (b: Buffer) => {
      if (errSize < MAX_OUTPUT) err.push(b);
      errSize += b.length;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut });
    });
  });

export interface MintForgejoTokenOverSshOptions extends SshTarget, ForgejoRunnerTokenCommandOptions {
  /** Runs `ssh`. @default spawnCommand */
  readonly run?: CommandRunner;
  /** The ssh executable. @default "ssh" */
  readonly sshBinary?: string;
  /** How long the whole run may take, in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
}

/**
 * Mints a runner registration token by running `forgejo actions generate-runner-token` on the
 * forge host over SSH. Bad options throw a {@link ConfigError}; failures throw a
 * {@link ForgeError} whose message quotes ssh's or the command's error output (never stdout,
 * which would hold the token).
 */
export async function mintForgejoTokenOverSsh(options: MintForgejoTokenOverSshOptions): Promise<string> {
  const issues: ConfigIssue[] = [...commandIssues(options), ...sshIssues(options)];
  const t = options.timeoutMs;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 2_147_483_647)) {
    issues.push({ path: `${SSH_KEY}.timeoutMs`, message: "must be a whole number of milliseconds from 1 to 2147483647", fix: `leave it unset for ${FORGEJO_SSH_DEFAULTS.timeoutMs}` });
  }
  if (issues.length > 0) throw new ConfigError(issues, "forge SSH configuration");

  const remote = forgejoRunnerTokenCommand(options);
  const args = sshArgs(options, remote);
  const port = options.port ?? FORGEJO_SSH_DEFAULTS.port;
  const url = `ssh://${options.user}@${options.host}${port === 22 ? "" : `:${port}`}`;
  const scope = formatForgejoRunnerScope(options.scope);
  const timeoutMs = options.timeoutMs ?? FORGEJO_SSH_DEFAULTS.timeoutMs;
  const fail = (reason: ForgeErrorReason, problem: string, fix: string) => new ForgeError({ reason, url, scope, problem, fix });
  const run = options.run ?? spawnCommand;
  const sshBinary = options.sshBinary ?? "ssh";

  let result: RunResult;
  try {
    result = await run(sshBinary, args, { timeoutMs });
  } catch (error) {
    const code = typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : undefined;
    throw fail("ssh-failed", `could not start ${sshBinary}${code ? ` (${code})` : ""}`, code === "ENOENT" ? "install the OpenSSH client (Debian: openssh-client)" : "check that the ssh client runs on this machine");
  }

  const stderr = quoteForgeText(lastLines(result.stderr, 3), [], 300);
  const said = stderr === "" ? "" : ` (it said: "${stderr}")`;
  if (result.timedOut === true) {
    throw fail("timeout", `no answer within ${timeoutMs} ms${said}`, "check that the forge host is reachable over SSH from here, or raise the timeout");
  }
  if (result.exitCode === 255) {
    throw fail("ssh-failed", `ssh could not connect or log in${said}`, sshFix(result.stderr, options));
  }
  if (result.exitCode !== 0) {
    const status = result.exitCode === null ? "was killed by a signal" : `exited with ${result.exitCode}`;
    throw fail("command-failed", `"${options.forgejoBinary ?? FORGEJO_SSH_DEFAULTS.forgejoBinary} actions generate-runner-token" ${status} on the forge host${said}`, commandFix(result.stderr, options));
  }
  const token = parseForgejoRunnerTokenOutput(result.stdout);
  if (token === undefined) {
    throw fail(
      "empty-output",
      "the command succeeded but its last output line is not a token",
      "run it by hand on the forge host to see what it prints; the token must be the last line of standard output",
    );
  }
  return token;
}

function lastLines(text: string, n: number): string {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").slice(-n).join("\n");
}

function sshFix(stderr: string, o: MintForgejoTokenOverSshOptions): string {
  if (/Host key verification failed|No .* host key is known|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return `add the forge host's key to ${o.knownHostsPath ?? "known_hosts"} after checking its fingerprint (ssh-keyscan ${o.host}, compared with ssh-keygen -lf on the host)`;
  }
  if (/Permission denied/i.test(stderr)) {
    return `authorise the public half of ${o.keyPath} for ${o.user} on ${o.host} (~${o.user}/.ssh/authorized_keys)`;
  }
  if (/Connection refused|timed out|No route to host|Could not resolve/i.test(stderr)) {
    return `check the host and port (${o.host}:${o.port ?? FORGEJO_SSH_DEFAULTS.port}) and that sshd runs there`;
  }
  return "run the same ssh command by hand with -v to see why it fails";
}

function commandFix(stderr: string, o: MintForgejoTokenOverSshOptions): string {
  if (/sudo:.*password is required|sudo:.*not allowed|is not in the sudoers/i.test(stderr)) {
    return `allow ${o.user} to run the forgejo binary as ${o.forgejoUser ?? "the Forgejo account"} without a password (a sudoers rule limited to that command)`;
  }
  if (/command not found|No such file or directory/i.test(stderr)) {
    return "set forgejoBinary to the forgejo executable's absolute path on the forge host";
  }
  if (/user does not exist|repository does not exist|not exist/i.test(stderr)) {
    return "check the spelling of forge.scope; the organisation, user or repository must exist on the forge";
  }
  return `run the command by hand on the forge host${o.forgejoUser ? ` as ${o.forgejoUser}` : ""}; it needs Forgejo running and the right app.ini (configPath)`;
}
