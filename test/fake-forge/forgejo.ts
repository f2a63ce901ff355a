// A stand-in Forgejo (API under /api/v1) for tests: a node:http server on 127.0.0.1 that answers
// the calls of `runner-fleet status` from a mutable state (the version, registered runners, jobs,
// runs, repositories), paginates the runner lists as Forgejo does (`page`/`limit`, `Link` and
// `X-Total-Count`), records every request, and lets a test take over any answer (an error, a rate
// limit, a redirect, a hang, a body that stalls). It speaks Forgejo 15's API, or the Forgejo 12
// line's when `state.version` is older than 15 (or absent: then GET /version answers 404): the
// runner list and removal do not exist there, jobs carry no run, runs carry no creation time.
// Every answer it sends is first checked against that version's published description
// (test/reference/forgejo-v15/ or test/reference/forgejo/v1_json.tmpl); an answer that does not
// match is replaced by a 500 and recorded in `invalid`, so a test that made the fake lie fails.
//
//   const fake = await new FakeForgejo({ runners: { "org/acme": [runner({ id: 1 })] } }).start();
//   // fake.url is the forge's web address (what the client is given), fake.apiUrl its API base
//   fake.override = (req) => (req.apiPath === "/version" ? errorAnswer(500, "boom") : undefined);
//   ...
//   fake.assertValid();            // or assert.deepEqual(fake.invalid, [])
//   await fake.stop();
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { type ForgejoSpecName, answerProblems, findOperation } from "./forgejo-swagger.ts";
import type { ForgejoJob, ForgejoObject, ForgejoRepository, ForgejoRun, ForgejoRunner } from "./forgejo-builders.ts";
import { type FakeAnswer, type FakeOverride as Override, type FakeRequest, FakeServer } from "./answers.ts";

export * from "./forgejo-builders.ts";

export interface FakeForgejoState {
  /** What `GET /version` reports; undefined makes it answer 404 (and the fake speak Forgejo 12's API). @default "15.0.1+gitea-1.22.0" */
  version: string | undefined;
  /** When set, the only API token accepted (`Authorization: token <it>`); otherwise any token is. */
  token?: string;
  /**
   * Runners registered per scope, keyed by the scope's config form: `instance`, `org/acme`,
   * `repo/acme/app`, `user`. An org or repo scope found nowhere in the state answers 404.
   */
  runners: Record<string, ForgejoRunner[]>;
  /** Jobs (waiting and running) per scope, as the scope's job listing shows them. */
  jobs: Record<string, ForgejoJob[]>;
  /** Workflow runs, found by id and `repository.full_name`. */
  runs: ForgejoRun[];
  /** Repositories, found by id (`GET /repositories/{id}`). */
  repositories: ForgejoRepository[];
  /** The largest page of runners served, whatever `limit` asks (Forgejo's default is 50); small values force several pages. @default 50 */
  maxPageSize: number;
}

export type { FakeAnswer, FakeRequest, RawAnswer } from "./answers.ts";
/** What an override returns (see answers.ts). */
export type FakeOverride = Override<FakeRequest>;

/** A Forgejo error answer (`APIError`: message and the API documentation's address). */
export function errorAnswer(status: number, message: string, headers: Readonly<Record<string, string>> = {}): FakeAnswer {
  return { status, headers, body: { message, url: "https://code.example.org/api/swagger" } };
}

/** Forgejo's answer when its rate limiter refuses a request: 429 with `Retry-After` in seconds. */
export function rateLimitAnswer(retryAfterSeconds: number): FakeAnswer {
  return errorAnswer(429, "rate limit exceeded", { "retry-after": String(retryAfterSeconds) });
}

/** An answer that sends the request elsewhere. */
export function redirectAnswer(location: string, status: 301 | 302 | 307 | 308 = 302): FakeAnswer {
  return { status, headers: { location } };
}

/** The Forgejo major version the fake speaks for a version string (12 when there is none). */
export function fakeMajor(version: string | undefined): number {
  const m = /^v?(\d+)/.exec(version ?? "");
  return m === null ? 12 : Number(m[1]);
}

export class FakeForgejo extends FakeServer<FakeRequest> {
  state: FakeForgejoState;

  constructor(state: Partial<FakeForgejoState> = {}) {
    super("Forgejo");
    this.state = { ...FakeForgejo.emptyState(), ...state };
  }

  /** The API base. */
  get apiUrl(): string {
    return `${this.url}/api/v1`;
  }

  /** The description the fake answers by: Forgejo 15's, or the Forgejo 12 line's for an older or unknown version. */
  get spec(): ForgejoSpecName {
    return fakeMajor(this.state.version) >= 15 ? "v15" : "v12";
  }

  /** A Forgejo 15 with nothing registered and nothing waiting. */
  static emptyState(): FakeForgejoState {
    return { version: "15.0.1+gitea-1.22.0", runners: {}, jobs: {}, runs: [], repositories: [], maxPageSize: 50 };
  }

  /** Back to an empty Forgejo 15: no override, no recorded request (checks first that every answer was valid). */
  reset(): void {
    this.assertValid();
    this.override = undefined;
    this.requests.length = 0;
    this.state = FakeForgejo.emptyState();
  }

  protected receive(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on("end", () => this.handle(req.method ?? "GET", req.url ?? "/", req.headers, res));
  }

  private handle(method: string, rawPath: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const url = new URL(rawPath, this.url);
    const inApi = url.pathname.startsWith("/api/v1/");
    const apiPath = inApi ? url.pathname.slice("/api/v1".length) : url.pathname;
    const request: FakeRequest = { method, path: rawPath, apiPath, query: url.searchParams, headers };
    this.requests.push(request);
    const op = inApi ? findOperation(this.spec, method, apiPath) : undefined;
    const taken = this.override?.(request);
    if (taken === "hang") return;
    if (taken !== undefined && taken !== "stall-body" && "raw" in taken) {
      res.writeHead(taken.status, { ...taken.headers });
      res.end(taken.raw);
      return;
    }
    const answer = taken === "stall-body" || taken === undefined ? (op === undefined ? errorAnswer(404, "not found") : this.unauthorised(request) ?? this.answer(op.operationId, op.params, request)) : taken;
    if (!this.valid(request, op?.template, answer, res)) return;
    const head = { "content-type": "application/json;charset=utf-8", ...answer.headers };
    const body = answer.body === undefined ? undefined : JSON.stringify(answer.body);
    if (taken === "stall-body") {
      res.writeHead(answer.status, head);
      res.write((body ?? '[{"id":1,').slice(0, Math.max(1, Math.floor((body ?? "").length / 2))));
      return;
    }
    res.writeHead(answer.status, head);
    res.end(body);
  }

  private valid(request: FakeRequest, template: string | undefined, answer: FakeAnswer, res: ServerResponse): boolean {
    const problems = answerProblems(this.spec, template, request.method, answer.status, answer.body, answer.headers);
    if (problems.length === 0) return true;
    const what = `${request.method} ${request.path} → HTTP ${answer.status}: ${problems.join("; ")}`;
    this.invalid.push(what);
    res.writeHead(500, { "content-type": "application/json;charset=utf-8" });
    res.end(JSON.stringify({ message: `the stand-in Forgejo's answer does not match Forgejo's description: ${what}`, url: `${this.url}/api/swagger` }));
    return false;
  }

  /** 401 unless the request carries the accepted token (any token when none is set). */
  private unauthorised(request: FakeRequest): FakeAnswer | undefined {
    const token = /^token\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (this.state.token === undefined || token === this.state.token) return undefined;
    return errorAnswer(401, token === undefined ? "token is required" : "user does not exist [uid: 0, name: ]");
  }

  /** Whether the scope's organisation or repository exists in the state. */
  private known(scope: string): boolean {
    if (scope === "instance" || scope === "user" || scope in this.state.runners || scope in this.state.jobs) return true;
    return this.state.repositories.some((r) => `repo/${r.full_name}`.toLowerCase() === scope.toLowerCase() || `org/${r.owner.login}`.toLowerCase() === scope.toLowerCase());
  }

  private answer(operationId: string, p: Record<string, string>, request: FakeRequest): FakeAnswer {
    const scope = "org" in p ? `org/${p["org"]!}` : "owner" in p ? `repo/${p["owner"]!}/${p["repo"]!}` : request.apiPath.startsWith("/admin/") ? "instance" : "user";
    switch (operationId) {
      case "getVersion":
        return this.state.version === undefined ? errorAnswer(404, "not found") : { status: 200, body: { version: this.state.version } };
      case "getAdminRunners":
      case "getOrgRunners":
      case "getRepoRunners":
      case "getUserRunners":
        return this.known(scope) ? this.runnerPage(this.state.runners[scope] ?? [], request) : errorAnswer(404, "not found");
      case "deleteAdminRunner":
      case "deleteOrgRunner":
      case "deleteRepoRunner":
      case "deleteUserRunner": {
        const list = this.state.runners[scope] ?? [];
        const at = list.findIndex((r) => String(r.id) === p["runner_id"]);
        if (at < 0) return errorAnswer(404, "runner not found");
        list.splice(at, 1);
        return { status: 204 };
      }
      case "adminGetActionRunJobs":
      case "adminSearchRunJobs":
      case "orgSearchRunJobs":
      case "repoSearchRunJobs":
      case "userSearchRunJobs":
        return this.known(scope) ? { status: 200, body: this.jobsFor(scope, request) } : errorAnswer(404, "not found");
      case "ActionRun": {
        const found = this.state.runs.find((r) => String(r.id) === p["run_id"] && r.repository.full_name.toLowerCase() === `${p["owner"]!}/${p["repo"]!}`.toLowerCase());
        return found === undefined ? errorAnswer(404, "run not found") : { status: 200, body: this.spec === "v15" ? found : asRepoActionRun(found) };
      }
      case "repoGetByID": {
        const found = this.state.repositories.find((r) => String(r.id) === p["id"]);
        return found === undefined ? errorAnswer(404, "repository not found") : { status: 200, body: found };
      }
      default:
        return errorAnswer(404, `the stand-in Forgejo does not serve ${operationId}`);
    }
  }

  /** One page of runners as Forgejo serves it: `limit` (capped) and `page`, `X-Total-Count`, and a `Link` header with the other pages. */
  private runnerPage(items: readonly ForgejoRunner[], request: FakeRequest): FakeAnswer {
    const asked = Number(request.query.get("limit") ?? "50");
    const limit = Math.max(1, Math.min(Number.isInteger(asked) && asked > 0 ? asked : 50, this.state.maxPageSize));
    const page = Math.max(1, Number.parseInt(request.query.get("page") ?? "1", 10) || 1);
    const last = Math.max(1, Math.ceil(items.length / limit));
    const link = (n: number, rel: string) => {
      const u = new URL(request.path, this.url);
      u.searchParams.set("page", String(n));
      u.searchParams.set("limit", String(limit));
      return `<${u.href}>; rel="${rel}"`;
    };
    const links = [...(page < last ? [link(page + 1, "next"), link(last, "last")] : []), ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : [])];
    return {
      status: 200,
      headers: { "x-total-count": String(items.length), ...(links.length === 0 ? {} : { link: links.join(",") }) },
      body: items.slice((page - 1) * limit, page * limit),
    };
  }

  /**
   * The scope's waiting and running jobs whose `runs_on` the `labels` asked for cover. Forgejo 15
   * lists every job when no labels are given; older versions list none. An empty list is `null`,
   * as Forgejo encodes it.
   */
  private jobsFor(scope: string, request: FakeRequest): ForgejoObject[] | null {
    const asked = request.query.get("labels");
    const labels = asked === null ? undefined : new Set(asked.split(",").filter((l) => l !== ""));
    const jobs = (this.state.jobs[scope] ?? []).filter((j) => (j.status === "waiting" || j.status === "running") && (labels === undefined ? this.spec === "v15" : j.runs_on.every((l) => labels.has(l))));
    if (jobs.length === 0) return null;
    return this.spec === "v15" ? jobs : jobs.map(({ id, name, needs, owner_id, repo_id, runs_on, status, task_id }) => ({ id, name, needs, owner_id, repo_id, runs_on, status, task_id }));
  }
}

/** A run as the Forgejo 12 line describes it (`RepoActionRun`: no creation time). */
function asRepoActionRun(run: ForgejoRun): ForgejoObject {
  return {
    id: run.id, name: run.title, status: run.status, event: run["event"], workflow_id: run.workflow_id, head_sha: run["commit_sha"], head_branch: run["prettyref"],
    run_number: run["index_in_repo"], url: run.html_url, triggering_actor: run["trigger_user"],
  };
}
