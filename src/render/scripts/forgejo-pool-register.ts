/**
 * The registration of one ephemeral Forgejo runner, as the host's shell script
 * `runner-fleet-<pool>-register <name> <out-dir> [<auth-header-file>]`: one `POST` to the scope's
 * `.../actions/runners` (Forgejo 15) with `{name, description, ephemeral: true}` and the API token
 * read from the root-only header file (never on a command line). On 201 it writes `runner-uuid`,
 * `runner-token` and `runner-id` (0600) into the out-dir; on any other answer it logs the HTTP
 * status, Forgejo's message and what to fix, and exits 1. It never retries: the fill script stops
 * at the first refusal and the timer runs it again no sooner than `runner.refillSeconds`.
 */
import type { ResolvedForgejoVm } from "../../model/forgejo-vm.ts";
import { type ResolvedForgejoEphemeralPool, forgejoRegisterTokenScope } from "../../model/forgejo-vm-ephemeral.ts";
import { formatForgejoRunnerScope } from "../../model/forgejo-scope.ts";
import { EPHEMERAL_GUEST } from "./forgejo-ephemeral-guest.ts";
import { type ShellScript, assign, capture, cmd, comment, exit, ifThen, not, or, pipe, raw, ref, test, withIo } from "./shell.ts";

/** The file beside the seed's credentials that records the id of the registered runner. */
export const FORGEJO_RUNNER_ID_FILE = "runner-id";

/** Why Forgejo may refuse a registration, by HTTP status, as the script logs it. */
export function registrationRefusals(vm: ResolvedForgejoVm): readonly (readonly [status: string, why: string])[] {
  const scope = formatForgejoRunnerScope(vm.forge.scope);
  const tokenScope = forgejoRegisterTokenScope(vm.forge.scope);
  return [
    ["000", "Forgejo could not be reached (network, DNS or TLS): check the host's route to forge.address"],
    ["400", "Forgejo refused the request's fields"],
    ["401", "the API token is invalid or expired: set a new one with pulumi config set --secret forgeApiToken, then pulumi up"],
    ["403", `the API token lacks the ${tokenScope} scope, or its user may not manage the runners of ${scope}`],
    ["404", `${scope} does not exist or the token cannot see it, or the forge is older than Forgejo 15 (no registration API): check forge.scope and forge.version`],
    ["429", "Forgejo is rate-limiting the API token"],
  ];
}

/** The JSON body (RegisterRunnerOptions) around the runner's name, which the script inserts. */
export function registerRequestBody(pool: ResolvedForgejoEphemeralPool): { head: string; tail: string } {
  const marker = "\u0000name\u0000";
  const body = JSON.stringify({ name: marker, description: `one-job runner of pool ${pool.name} (runner-fleet)`, ephemeral: true });
  const at = body.indexOf(JSON.stringify(marker));
  return { head: `${body.slice(0, at)}"`, tail: `"${body.slice(at + JSON.stringify(marker).length)}` };
}

const log = (...parts: Parameters<typeof cmd>) => withIo(cmd("echo", ["runner-fleet: ", ...parts]), { toStderr: true });
const sedField = (field: string, value: string) => `s/.*"${field}"[[:space:]]*:[[:space:]]*${value}.*/\\1/p`;

/** The registration script (run as root by the fill script). */
export function forgejoRegisterScript(vm: ResolvedForgejoVm, pool: ResolvedForgejoEphemeralPool): ShellScript {
  const body = registerRequestBody(pool);
  const out = (file: string) => [ref("out"), `/${file}`];
  const extract = (field: string, value: string, file: string) =>
    pipe(withIo(cmd("tr", "-d", "\\n"), { stdin: out("response.json") }), withIo(cmd("sed", "-n", sedField(field, value)), { stdout: out(file) }));
  return {
    description: `Registers one ephemeral runner for pool ${pool.name} with ${vm.forge.address} (scope ${formatForgejoRunnerScope(vm.forge.scope)}).\nUsage: register <runner name> <out-dir> [<auth header file>]; writes runner-uuid, runner-token and runner-id into out-dir.`,
    body: [
      cmd("umask", "077"),
      assign("name", raw('"${1:?runner name}"')),
      assign("out", raw('"${2:?output directory}"')),
      assign("auth", raw(`"\${3:-${pool.paths.authHeader}}"`)),
      assign("endpoint", pool.registerUrl),
      ifThen(not(test("-s", ref("auth"))), [log("no Forgejo API token at ", ref("auth"), ": stage it with pulumi up"), exit(1)]),
      withIo(cmd("printf", "%s%s%s", body.head, ref("name"), body.tail), { stdout: out("body.json") }),
      comment("One request, no retry. The token is read from the root-only header file: it is never on a command line."),
      capture("code", or(
        cmd(
          "curl", "--silent", "--show-error", "--max-time", "60", "--output", out("response.json"), "--write-out", "%{http_code}",
          "--header", ["@", ref("auth")], "--header", "Accept: application/json", "--header", "Content-Type: application/json",
          "--data-binary", ["@", ...out("body.json")], ref("endpoint"),
        ),
        cmd("true"),
      )),
      ifThen(test(ref("code"), "!=", "201"), [
        capture("message", pipe(withIo(cmd("sed", "-n", sedField("message", '"\\([^"]*\\)"'), out("response.json")), { noStderr: true }), cmd("head", "-n", "1"))),
        cmd("rm", "-f", out("response.json")),
        assign("why", "see the message"),
        ...registrationRefusals(vm).map(([status, why]) => ifThen(test(ref("code"), "=", status), [assign("why", why)])),
        log(ref("name"), ": Forgejo answered HTTP ", ref("code"), " to the runner registration (", ref("message"), "): ", ref("why")),
        exit(1),
      ]),
      extract("uuid", '"\\([0-9A-Fa-f-]*\\)"', EPHEMERAL_GUEST.seedUuid),
      extract("token", '"\\([0-9A-Za-z]*\\)"', EPHEMERAL_GUEST.seedToken),
      extract("id", "\\([0-9][0-9]*\\)", FORGEJO_RUNNER_ID_FILE),
      cmd("rm", "-f", out("response.json")),
      ifThen(or(not(test("-s", out(EPHEMERAL_GUEST.seedUuid))), not(test("-s", out(EPHEMERAL_GUEST.seedToken)))), [
        cmd("rm", "-f", out(EPHEMERAL_GUEST.seedToken)),
        log(ref("name"), ": Forgejo's answer holds no runner uuid or token (is the forge Forgejo 15 or later?)"),
        exit(1),
      ]),
    ],
  };
}
