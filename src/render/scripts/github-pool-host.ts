/**
 * Host side of a GitHub VM pool, as shell text for `@pulumi/command` or an operator's terminal:
 *
 * - the fill script, run by a systemd timer: for each slot whose domain is not running, it removes
 *   the finished VM and its overlay, mints a just-in-time runner configuration with the token in a
 *   root-only header file (never on a command line), builds the slot's seed ISO with it, creates a
 *   fresh overlay on the verified base image, and defines and starts the domain. A refused request
 *   is logged with its HTTP status and why, and the slot stays empty until the next run.
 * - install (create = update): tools, staged files and pool checked, the base image downloaded and
 *   verified once, the fill script, service and timer installed, the timer enabled, one fill now.
 * - delete: the timer and units go, every slot's domain, overlay and seed, its runner's
 *   registration (best effort), and the staged files; never the base image.
 *
 * What both forges' one-job pools share on the host is in `slot-pool-host.ts`; this module adds
 * how a runner is minted for a slot and removed again.
 */
import type { ResolvedGithubVmPool } from "../../model/github-vm.ts";
import { GITHUB_GUEST } from "./github-guest.ts";
import { type ShellNode, type ShellScript, type ShellWord, assign, capture, cmd, comment, ifThen, not, or, pipe, ref, renderShellScript, test, withIo } from "./shell.ts";
import {
  type SlotPool, type SlotPoolHostCommands, SLOT_POOL_HOST_TOOLS, clearSlot, deregisterSlotRunner, log, slotFile, slotPoolDeleteScript, slotPoolFillScript, slotPoolFillService,
  slotPoolFillTimer, slotPoolHostCommands, slotPoolInstallScript, slotPoolRemoveCredentialScript, slotPoolStagedPaths, startSlot, workFile,
} from "./slot-pool-host.ts";
import type { SystemdUnit } from "./systemd.ts";

/** Host tools of a GitHub pool, with the Debian/Ubuntu package of each. */
export const GITHUB_POOL_HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = SLOT_POOL_HOST_TOOLS;

/** The GitHub REST API version the fill script asks for. */
export const GITHUB_API_VERSION = "2022-11-28";

/** Why GitHub may refuse a JIT request, by HTTP status, as the fill script logs it. */
export const JIT_REFUSALS: readonly (readonly [status: string, why: string])[] = [
  ["000", "GitHub could not be reached (network, DNS or TLS): check the host's route to the API"],
  ["401", "the token is invalid or expired: set a new one with pulumi config set --secret githubToken, then pulumi up"],
  ["403", "the token may not manage runners here (repository Administration or organization Self-hosted runners: read and write), or a rate limit applies"],
  ["404", "the scope does not exist or the token cannot see it: check githubScope and the token's resource owner"],
  ["409", "a runner of that name exists already"],
  ["422", "GitHub refused the request's fields: check runnerGroupId and runnerLabels"],
];

/** The JSON body of a JIT request around the runner's name, which the script inserts. */
export function jitRequestBody(pool: ResolvedGithubVmPool): { head: string; tail: string } {
  const marker = "\u0000name\u0000";
  const body = JSON.stringify({ name: marker, runner_group_id: pool.github.runnerGroupId, labels: pool.runner.jitLabels, work_folder: "_work" });
  const at = body.indexOf(JSON.stringify(marker));
  return { head: `${body.slice(0, at)}"`, tail: `"${body.slice(at + JSON.stringify(marker).length)}` };
}

/** The file beside a slot's staged files that records the id of the runner its VM was minted for. */
export const RUNNER_ID_FILE = "runner-id";

const API_HEADERS = ["Accept: application/vnd.github+json", `X-GitHub-Api-Version: ${GITHUB_API_VERSION}`];

/** The pool as the shared host scripts see it. */
function slotPoolOf(pool: ResolvedGithubVmPool): SlotPool {
  return {
    title: `GitHub runner pool ${pool.pool.name}`,
    runnerKind: "just-in-time",
    credential: "GitHub token",
    host: pool.host,
    slots: pool.pool.slots,
    refillSeconds: pool.pool.refillSeconds,
    diskGiB: pool.vm.diskGiB,
    baseImage: { path: pool.pool.paths.baseImage, url: pool.vm.baseImage.url, sha256: pool.vm.baseImage.sha256 },
    paths: pool.pool.paths,
  };
}

/**
 * Removes the runner last minted for `$slot` from GitHub, best effort: a runner that took its job
 * is gone already (404), one whose VM never took a job would otherwise stay registered, offline.
 * Expects `auth`, `runners` and `staging` to be set.
 */
const deregisterGithubRunner = (): ShellNode => deregisterSlotRunner({ idFile: RUNNER_ID_FILE, urlVariable: "runners", headers: API_HEADERS });

/** Fills one empty slot (`$slot`); sets `failed=1` when GitHub refuses. */
function fillSlot(): ShellNode[] {
  const sedJit = "s/.*\"encoded_jit_config\"[[:space:]]*:[[:space:]]*\"\\([A-Za-z0-9+/=]*\\)\".*/\\1/p";
  const sedRunnerId = "s/^[^{]*{[[:space:]]*\"runner\"[[:space:]]*:[[:space:]]*{[^{}]*\"id\"[[:space:]]*:[[:space:]]*\\([0-9][0-9]*\\).*/\\1/p";
  const sedMessage = "s/.*\"message\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p";
  /** One field of GitHub's answer, read with `sed` from the answer on one line, into `out`. */
  const fromResponse = (sed: string, out: ShellWord): ShellNode => pipe(withIo(cmd("tr", "-d", "\\n"), { stdin: workFile("response.json") }), withIo(cmd("sed", "-n", sed), { stdout: out }));
  return [
    ...clearSlot("Its last runner finished (the guest powered off and was destroyed), or it never started.", ["response.json", "jitconfig"], deregisterGithubRunner()),
    withIo(cmd("printf", "%s%s%s", ref("body_head"), ref("name"), ref("body_tail")), { stdout: workFile("body.json") }),
    comment("The token is read from the root-only header file: it is never on a command line."),
    capture("code", or(
      cmd(
        "curl", "--silent", "--show-error", "--max-time", "60", "--output", workFile("response.json"), "--write-out", "%{http_code}",
        "--header", ["@", ref("auth")], ...API_HEADERS.flatMap((h) => ["--header", h]),
        "--header", "Content-Type: application/json", "--data-binary", ["@", ...workFile("body.json")], ref("endpoint"),
      ),
      cmd("true"),
    )),
    ifThen(test(ref("code"), "!=", "201"), [
      capture("message", pipe(withIo(cmd("sed", "-n", sedMessage, workFile("response.json")), { noStderr: true }), cmd("head", "-n", "1"))),
      assign("why", "see the message"),
      ...JIT_REFUSALS.map(([status, why]) => ifThen(test(ref("code"), "=", status), [assign("why", why)])),
      log([ref("slot"), ": GitHub answered HTTP ", ref("code"), " to the JIT request (", ref("message"), "): ", ref("why"), "; the slot stays empty until the next run"]),
      assign("failed", "1"),
    ], [
      fromResponse(sedJit, workFile(GITHUB_GUEST.seedFile)),
      ifThen(not(test("-s", workFile(GITHUB_GUEST.seedFile))), [
        log([ref("slot"), ": GitHub's answer holds no encoded_jit_config; the slot stays empty until the next run"]),
        assign("failed", "1"),
      ], startSlot({
        seedLabel: GITHUB_GUEST.seedLabel,
        seedComment: `The seed: user-data, network-config, the slot's meta-data and the JIT configuration (${GITHUB_GUEST.seedFile}). Root-only.`,
        seedFiles: [GITHUB_GUEST.seedFile],
        remember: fromResponse(sedRunnerId, slotFile(RUNNER_ID_FILE)),
        scratch: [GITHUB_GUEST.seedFile, "response.json"],
        started: "runner",
      })),
    ]),
  ];
}

/** The fill script the timer runs (as root on the libvirt host). */
export function githubPoolFillScript(pool: ResolvedGithubVmPool): ShellScript {
  const body = jitRequestBody(pool);
  return slotPoolFillScript(slotPoolOf(pool), {
    urls: [["endpoint", pool.github.jitConfigUrl], ["runners", pool.github.runnersUrl]],
    extra: [["body_head", body.head], ["body_tail", body.tail]],
    emptySlot: fillSlot(),
  });
}

export function githubPoolFillService(pool: ResolvedGithubVmPool): SystemdUnit {
  return slotPoolFillService(slotPoolOf(pool));
}

export function githubPoolFillTimer(pool: ResolvedGithubVmPool): SystemdUnit {
  return slotPoolFillTimer(slotPoolOf(pool));
}

/** The staged files the fill script reads, in order: shared user-data and network-config, then each slot's meta-data and domain XML. */
export function githubPoolStagedPaths(pool: ResolvedGithubVmPool): { readonly key: string; readonly path: string }[] {
  return slotPoolStagedPaths(slotPoolOf(pool));
}

/** Install (create = update). Expects the staged files and the token to be in place. */
export function githubPoolInstallScript(pool: ResolvedGithubVmPool): ShellScript {
  return slotPoolInstallScript(slotPoolOf(pool), {
    description: `Installs GitHub runner pool ${pool.pool.name} on this libvirt host: base image, fill script, service and timer. Idempotent; run as root.`,
    credential: "token",
    poolSettings: "pool and poolPath",
    scriptsComment: "The fill script and its timer: installed only when they changed.",
    scripts: [[pool.pool.paths.fillScript, renderShellScript(githubPoolFillScript(pool))]],
  });
}

/** Delete: units, every slot's VM and files, the staged files; never the shared base image. */
export function githubPoolDeleteScript(pool: ResolvedGithubVmPool): ShellScript {
  return slotPoolDeleteScript(slotPoolOf(pool), {
    description: `Deletes GitHub runner pool ${pool.pool.name}: timer, fill script, every slot's domain, overlay and seed, and the staged files.\nThe base image is shared with other VMs and is never deleted.`,
    url: ["runners", pool.github.runnersUrl],
    extraFiles: [],
    deregister: deregisterGithubRunner(),
  });
}

/** Removes the staged token (its directory too, when empty). */
export function githubPoolRemoveCredentialScript(pool: ResolvedGithubVmPool): ShellScript {
  return slotPoolRemoveCredentialScript(slotPoolOf(pool), `Removes the GitHub token of runner pool ${pool.pool.name} from this host.`);
}

export type GithubPoolHostCommands = SlotPoolHostCommands;

export function githubPoolHostCommands(pool: ResolvedGithubVmPool): GithubPoolHostCommands {
  return slotPoolHostCommands(slotPoolOf(pool), {
    install: githubPoolInstallScript(pool),
    delete: githubPoolDeleteScript(pool),
    removeCredential: githubPoolRemoveCredentialScript(pool),
  });
}
