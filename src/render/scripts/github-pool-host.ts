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
 */
import type { ResolvedGithubVmPool } from "../../model/github-vm.ts";
import { LIBVIRT_URI } from "../libvirt/virsh.ts";
import { GITHUB_GUEST } from "./github-guest.ts";
import { installIfChanged } from "./forward-fix.ts";
import { asHostUser, downloadBaseImage, toolChecks } from "./host-commands.ts";
import { stageFileScript } from "./host-files.ts";
import {
  type ShellNode, type ShellScript, assign, blank, capture, cmd, comment, exit, fail, forEach, ifThen, not, onExit, or, pipe, raw, ref, renderShellScript, test, withIo,
} from "./shell.ts";
import { type SystemdUnit, execLine, renderSystemdUnit } from "./systemd.ts";

/** Host tools of a GitHub pool, with the Debian/Ubuntu package of each. */
export const GITHUB_POOL_HOST_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ["virsh", "libvirt-clients"],
  ["qemu-img", "qemu-utils"],
  ["genisoimage", "genisoimage"],
  ["curl", "curl"],
  ["sha256sum", "coreutils"],
];

/** The GitHub REST API version the fill script asks for. */
export const GITHUB_API_VERSION = "2022-11-28";

const virsh = (...args: Parameters<typeof cmd>) => cmd("virsh", "--connect", LIBVIRT_URI, ...args);
const quiet = (c: ReturnType<typeof cmd>) => withIo(c, { quiet: true });
const log = (message: Parameters<typeof cmd>[0]) => withIo(cmd("echo", ["runner-fleet: ", message]), { toStderr: true });

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

/**
 * Removes the runner last minted for `$slot` from GitHub, best effort: a runner that took its job
 * is gone already (404), one whose VM never took a job would otherwise stay registered, offline.
 * Expects `auth`, `runners` and `staging` to be set.
 */
function deregisterSlotRunner(): ShellNode {
  const idFile = [ref("staging"), "/", ref("slot"), `/${RUNNER_ID_FILE}`];
  return ifThen(test("-s", idFile), [
    capture("runner_id", cmd("cat", idFile)),
    or(
      withIo(cmd(
        "curl", "--silent", "--max-time", "30", "--output", "/dev/null", "--request", "DELETE",
        "--header", ["@", ref("auth")], "--header", "Accept: application/vnd.github+json", "--header", `X-GitHub-Api-Version: ${GITHUB_API_VERSION}`,
        [ref("runners"), "/", ref("runner_id")],
      ), { noStderr: true }),
      cmd("true"),
    ),
    cmd("rm", "-f", idFile),
  ]);
}

/** Fills one empty slot (`$slot`); sets `failed=1` when GitHub refuses. */
function fillSlot(): ShellNode[] {
  const work = (file: string) => [ref("work"), `/${file}`];
  const sedJit = "s/.*\"encoded_jit_config\"[[:space:]]*:[[:space:]]*\"\\([A-Za-z0-9+/=]*\\)\".*/\\1/p";
  const sedRunnerId = "s/^[^{]*{[[:space:]]*\"runner\"[[:space:]]*:[[:space:]]*{[^{}]*\"id\"[[:space:]]*:[[:space:]]*\\([0-9][0-9]*\\).*/\\1/p";
  const sedMessage = "s/.*\"message\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p";
  return [
    comment("Its last runner finished (the guest powered off and was destroyed), or it never started."),
    ifThen(test("-n", ref("state")), [withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" })]),
    assign("overlay", [ref("pool_dir"), "/", ref("slot"), ".qcow2"]),
    assign("seed", [ref("pool_dir"), "/", ref("slot"), "-seed.iso"]),
    cmd("rm", "-f", ref("overlay"), ref("seed"), work("response.json"), work("jitconfig")),
    deregisterSlotRunner(),
    assign("name", [ref("slot"), "-", raw("$(date -u +%Y%m%d%H%M%S)")]),
    withIo(cmd("printf", "%s%s%s", ref("body_head"), ref("name"), ref("body_tail")), { stdout: work("body.json") }),
    comment("The token is read from the root-only header file: it is never on a command line."),
    capture("code", or(
      cmd(
        "curl", "--silent", "--show-error", "--max-time", "60", "--output", work("response.json"), "--write-out", "%{http_code}",
        "--header", ["@", ref("auth")], "--header", "Accept: application/vnd.github+json", "--header", `X-GitHub-Api-Version: ${GITHUB_API_VERSION}`,
        "--header", "Content-Type: application/json", "--data-binary", ["@", ...work("body.json")], ref("endpoint"),
      ),
      cmd("true"),
    )),
    ifThen(test(ref("code"), "!=", "201"), [
      capture("message", pipe(withIo(cmd("sed", "-n", sedMessage, work("response.json")), { noStderr: true }), cmd("head", "-n", "1"))),
      assign("why", "see the message"),
      ...JIT_REFUSALS.map(([status, why]) => ifThen(test(ref("code"), "=", status), [assign("why", why)])),
      log([ref("slot"), ": GitHub answered HTTP ", ref("code"), " to the JIT request (", ref("message"), "): ", ref("why"), "; the slot stays empty until the next run"]),
      assign("failed", "1"),
    ], [
      pipe(withIo(cmd("tr", "-d", "\\n"), { stdin: work("response.json") }), withIo(cmd("sed", "-n", sedJit), { stdout: work(GITHUB_GUEST.seedFile) })),
      ifThen(not(test("-s", work(GITHUB_GUEST.seedFile))), [
        log([ref("slot"), ": GitHub's answer holds no encoded_jit_config; the slot stays empty until the next run"]),
        assign("failed", "1"),
      ], [
        cmd("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", ref("base"), ref("overlay"), [ref("disk_gib"), "G"]),
        comment(`The seed: user-data, network-config, the slot's meta-data and the JIT configuration (${GITHUB_GUEST.seedFile}). Root-only.`),
        cmd(
          "genisoimage", "-quiet", "-output", [ref("seed"), ".part"], "-volid", GITHUB_GUEST.seedLabel, "-joliet", "-rock",
          [ref("staging"), "/user-data"], [ref("staging"), "/network-config"], [ref("staging"), "/", ref("slot"), "/meta-data"], work(GITHUB_GUEST.seedFile),
        ),
        comment("Remember the runner's id, so that a VM that never takes its job does not leave it registered."),
        pipe(withIo(cmd("tr", "-d", "\\n"), { stdin: work("response.json") }), withIo(cmd("sed", "-n", sedRunnerId), { stdout: [ref("staging"), "/", ref("slot"), `/${RUNNER_ID_FILE}`] })),
        cmd("rm", "-f", work(GITHUB_GUEST.seedFile), work("response.json")),
        cmd("chmod", "0600", [ref("seed"), ".part"]),
        cmd("mv", "-f", [ref("seed"), ".part"], ref("seed")),
        withIo(virsh("define", "--validate", [ref("staging"), "/", ref("slot"), "/domain.xml"]), { stdout: "/dev/null" }),
        withIo(virsh("start", ref("slot")), { stdout: "/dev/null" }),
        cmd("echo", ["runner-fleet: ", ref("slot"), ": started runner ", ref("name")]),
      ]),
    ]),
  ];
}

/** The fill script the timer runs (as root on the libvirt host). */
export function githubPoolFillScript(pool: ResolvedGithubVmPool): ShellScript {
  const p = pool.pool.paths;
  const body = jitRequestBody(pool);
  return {
    description: `Keeps the ${pool.pool.slots.length} VM slots of GitHub runner pool ${pool.pool.name} filled: one just-in-time runner, one job, per VM.\nRun by ${p.fillTimer}; run as root.`,
    body: [
      cmd("umask", "077"),
      assign("endpoint", pool.github.jitConfigUrl),
      assign("runners", pool.github.runnersUrl),
      assign("auth", p.authHeader),
      assign("staging", p.stagingDir),
      assign("pool_dir", pool.host.poolPath),
      assign("base", p.baseImage),
      assign("disk_gib", String(pool.vm.diskGiB)),
      assign("body_head", body.head),
      assign("body_tail", body.tail),
      assign("failed", "0"),
      ifThen(not(test("-f", ref("base"))), fail(["the base image ", ref("base"), " is missing: run pulumi up for this stack"])),
      ifThen(not(test("-s", ref("auth"))), [
        log(["no GitHub token at ", ref("auth"), ": empty slots stay empty until it is staged (pulumi up)"]),
        exit(0),
      ]),
      capture("work", cmd("mktemp", "-d")),
      onExit(cmd("rm", "-rf", ref("work"))),
      blank,
      forEach("slot", pool.pool.slots.map((s) => s.name), [
        capture("state", or(withIo(virsh("domstate", ref("slot")), { noStderr: true }), cmd("true"))),
        ifThen(or(test("-z", ref("state")), test(ref("state"), "=", "shut off"), test(ref("state"), "=", "crashed")), fillSlot()),
      ]),
      ifThen(test(ref("failed"), "=", "1"), [exit(1)]),
    ],
  };
}

export function githubPoolFillService(pool: ResolvedGithubVmPool): SystemdUnit {
  return {
    fileName: pool.pool.paths.fillService,
    comment: `Fills the empty VM slots of GitHub runner pool ${pool.pool.name} (runner-fleet).`,
    sections: [
      {
        name: "Unit",
        entries: [
          ["Description", `Fill the VM slots of GitHub runner pool ${pool.pool.name}`],
          ["Wants", "network-online.target"],
          ["After", "network-online.target libvirtd.service"],
        ],
      },
      { name: "Service", entries: [["Type", "oneshot"], ["ExecStart", execLine([pool.pool.paths.fillScript])], ["TimeoutStartSec", "15min"]] },
    ],
  };
}

export function githubPoolFillTimer(pool: ResolvedGithubVmPool): SystemdUnit {
  const every = `${pool.pool.refillSeconds}s`;
  return {
    fileName: pool.pool.paths.fillTimer,
    comment: `Runs the fill of GitHub runner pool ${pool.pool.name} at boot and ${every} after each run ends: never in a tight loop.`,
    sections: [
      { name: "Unit", entries: [["Description", `Keep the VM slots of GitHub runner pool ${pool.pool.name} filled`]] },
      { name: "Timer", entries: [["OnBootSec", every], ["OnUnitInactiveSec", every], ["AccuracySec", "5s"], ["Unit", pool.pool.paths.fillService]] },
      { name: "Install", entries: [["WantedBy", "timers.target"]] },
    ],
  };
}

/** The staged files the fill script reads, in order: shared user-data and network-config, then each slot's meta-data and domain XML. */
export function githubPoolStagedPaths(pool: ResolvedGithubVmPool): { readonly key: string; readonly path: string }[] {
  return [
    { key: "user-data", path: pool.pool.paths.userData },
    { key: "network-config", path: pool.pool.paths.networkConfig },
    ...pool.pool.slots.flatMap((s) => [{ key: `${s.name}-meta-data`, path: s.metaData }, { key: `${s.name}-domain-xml`, path: s.domainXml }]),
  ];
}

/** Install (create = update). Expects the staged files and the token to be in place. */
export function githubPoolInstallScript(pool: ResolvedGithubVmPool): ShellScript {
  const p = pool.pool.paths;
  const unitDir = "/etc/systemd/system";
  return {
    description: `Installs GitHub runner pool ${pool.pool.name} on this libvirt host: base image, fill script, service and timer. Idempotent; run as root.`,
    body: [
      cmd("umask", "077"),
      ...toolChecks(GITHUB_POOL_HOST_TOOLS),
      ...[...githubPoolStagedPaths(pool).map((f) => f.path), p.authHeader].map((f) => ifThen(not(test("-s", f)), fail(`${f} is missing: stage the pool's files and token first`))),
      ifThen(not(pipe(virsh("pool-dumpxml", pool.host.pool), cmd("grep", "-qF", `<path>${pool.host.poolPath}</path>`))), fail(`libvirt pool ${pool.host.pool} does not exist or its target is not ${pool.host.poolPath} (set pool and poolPath to match virsh pool-dumpxml)`)),
      assign("base", p.baseImage),
      assign("base_url", pool.vm.baseImage.url),
      assign("base_sha256", pool.vm.baseImage.sha256),
      onExit(cmd("rm", "-f", [ref("base"), ".part"])),
      ...downloadBaseImage(),
      blank,
      comment("The fill script and its timer: installed only when they changed."),
      assign("changed", "0"),
      ...installIfChanged(p.fillScript, "0700", renderShellScript(githubPoolFillScript(pool))),
      ...installIfChanged(`${unitDir}/${p.fillService}`, "0644", renderSystemdUnit(githubPoolFillService(pool))),
      ...installIfChanged(`${unitDir}/${p.fillTimer}`, "0644", renderSystemdUnit(githubPoolFillTimer(pool))),
      ifThen(test(ref("changed"), "=", "1"), [cmd("systemctl", "daemon-reload")]),
      quiet(cmd("systemctl", "enable", "--now", p.fillTimer)),
      comment("Fill the slots now instead of waiting for the timer; a changed guest reaches each slot's next VM."),
      cmd("systemctl", "start", "--no-block", p.fillService),
    ],
  };
}

/** Delete: units, every slot's VM and files, the staged files; never the shared base image. */
export function githubPoolDeleteScript(pool: ResolvedGithubVmPool): ShellScript {
  const p = pool.pool.paths;
  const unitDir = "/etc/systemd/system";
  return {
    description: `Deletes GitHub runner pool ${pool.pool.name}: timer, fill script, every slot's domain, overlay and seed, and the staged files.\nThe base image is shared with other VMs and is never deleted.`,
    body: [
      assign("auth", p.authHeader),
      assign("runners", pool.github.runnersUrl),
      assign("staging", p.stagingDir),
      or(quiet(cmd("systemctl", "disable", "--now", p.fillTimer)), cmd("true")),
      or(quiet(cmd("systemctl", "stop", p.fillService)), cmd("true")),
      cmd("rm", "-f", `${unitDir}/${p.fillTimer}`, `${unitDir}/${p.fillService}`, p.fillScript),
      cmd("systemctl", "daemon-reload"),
      forEach("slot", pool.pool.slots.map((s) => s.name), [
        ifThen(quiet(virsh("domstate", ref("slot"))), [
          capture("state", virsh("domstate", ref("slot"))),
          ifThen(test(ref("state"), "!=", "shut off"), [or(quiet(virsh("destroy", ref("slot"))), cmd("true"))]),
          withIo(virsh("undefine", "--nvram", ref("slot")), { stdout: "/dev/null" }),
        ]),
        ifThen(test("-s", ref("auth")), [deregisterSlotRunner()]),
        cmd("rm", "-f", [pool.host.poolPath, "/", ref("slot"), ".qcow2"], [pool.host.poolPath, "/", ref("slot"), "-seed.iso"], [pool.host.poolPath, "/", ref("slot"), "-seed.iso.part"]),
      ]),
      cmd("rm", "-rf", p.stagingDir),
      or(quiet(virsh("pool-refresh", pool.host.pool)), cmd("true")),
    ],
  };
}

/** Removes the staged token (its directory too, when empty). */
export function githubPoolRemoveCredentialScript(pool: ResolvedGithubVmPool): ShellScript {
  const file = pool.pool.paths.authHeader;
  return {
    description: `Removes the GitHub token of runner pool ${pool.pool.name} from this host.`,
    body: [cmd("rm", "-f", file), or(withIo(cmd("rmdir", file.slice(0, file.lastIndexOf("/"))), { noStderr: true }), cmd("true"))],
  };
}

export interface GithubPoolHostCommands {
  readonly install: string;
  readonly delete: string;
  /** Writes stdin (the `Authorization` header line) to the root-only header file. */
  readonly stageCredential: string;
  readonly removeCredential: string;
  /** One command per staged file, each writing stdin. */
  readonly stage: readonly { readonly key: string; readonly path: string; readonly command: string }[];
}

export function githubPoolHostCommands(pool: ResolvedGithubVmPool): GithubPoolHostCommands {
  return {
    install: asHostUser(pool, githubPoolInstallScript(pool)),
    delete: asHostUser(pool, githubPoolDeleteScript(pool)),
    stageCredential: asHostUser(pool, stageFileScript({ path: pool.pool.paths.authHeader, mode: "0600" })),
    removeCredential: asHostUser(pool, githubPoolRemoveCredentialScript(pool)),
    stage: githubPoolStagedPaths(pool).map((f) => ({ ...f, command: asHostUser(pool, stageFileScript({ path: f.path, mode: "0644" })) })),
  };
}
