// A stand-in GitHub Enterprise Server (REST API under /api/v3) for tests: a node:http server on
// 127.0.0.1 that answers the runner, runner-group, repository, workflow-run and job calls of
// `runner-fleet status` from a mutable state, paginates as GitHub does (Link rel="next"/"last",
// per_page and page), records every request, and lets a test take over any answer (an error, a
// rate limit, a redirect, a hang). Every answer it sends is first checked against GitHub's
// published description (@octokit/openapi); an answer that does not match is replaced by a 500
// and recorded in `invalid`, so a test that made the fake lie fails loudly.
//
//   const fake = new FakeGithub({ runners: { acme: [runner({ id: 1, name: "a" })] } });
//   await fake.start();            // fake.url is the forge's web address, fake.apiUrl its API base
//   fake.override = (req) => req.apiPath.endsWith("/runners") ? errorAnswer(403, "Resource not accessible by integration") : undefined;
//   ...
//   fake.assertValid();            // or assert.deepEqual(fake.invalid, [])
//   await fake.stop();
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { randomBytes, verify } from "node:crypto";
import { answerProblems } from "./github-openapi.ts";
import type { GithubJob, GithubObject, GithubRepository, GithubRunner, GithubRunnerGroup, GithubWorkflowRun } from "./github-builders.ts";
import { type FakeAnswer, type FakeOverride as Override, type FakeRequest as BaseRequest, FakeServer } from "./answers.ts";

export * from "./github-builders.ts";

export interface FakeGithubState {
  /** Registered runners by scope: `acme` (organisation), `acme/app` (repository), `enterprises/acme`. A scope not listed answers 404. */
  runners: Record<string, GithubRunner[]>;
  /** Runner groups by organisation. An organisation not listed answers 404. */
  runnerGroups: Record<string, GithubRunnerGroup[]>;
  /** Repositories by organisation (`GET /orgs/{org}/repos`). */
  repositories: Record<string, GithubRepository[]>;
  /** Workflow runs by repository (`owner/name`). A repository found nowhere in the state answers 404. */
  runs: Record<string, GithubWorkflowRun[]>;
  /** Jobs by workflow run id. */
  jobs: Record<string, GithubJob[]>;
  /** When set, the only tokens accepted (besides installation tokens this fake issued); otherwise any token is. */
  tokens?: string[];
  /** GitHub Apps by id: the public key their JWTs must verify with, and their installation ids. */
  apps: Record<string, { publicKey: string; installations: number[] }>;
  /** The largest page served, whatever per_page asks (GitHub's is 100); small values force several pages. @default 100 */
  maxPageSize: number;
}

/** One request as the fake received it, with its body (the App's token request has one). */
export interface FakeRequest extends BaseRequest {
  readonly body: string;
}

export type { FakeAnswer, RawAnswer } from "./answers.ts";
/** What an override returns (see answers.ts). */
export type FakeOverride = Override<FakeRequest>;

const DOCS = "https://docs.github.com/rest";

/** A GitHub error answer (`basic-error`). */
export function errorAnswer(status: number, message: string, headers: Readonly<Record<string, string>> = {}): FakeAnswer {
  return { status, headers, body: { message, documentation_url: DOCS, status: String(status) } };
}

/** GitHub's answer when the primary rate limit is used up: 403 (or 429) with `x-ratelimit-remaining: 0` and the reset time. */
export function rateLimitAnswer(resetInSeconds: number, status: 403 | 429 = 403, now = Date.now()): FakeAnswer {
  const reset = Math.ceil(now / 1000 + resetInSeconds);
  return errorAnswer(status, "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.", {
    "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core",
  });
}

/** GitHub's answer to a request it sends elsewhere. */
export function redirectAnswer(location: string, status: 301 | 302 | 307 = 301): FakeAnswer {
  return { status, headers: { location }, body: { message: "Moved Permanently", url: location, documentation_url: DOCS } };
}

interface Route {
  readonly method: string;
  /** The path as GitHub's description writes it. */
  readonly template: string;
  readonly pattern: RegExp;
  readonly answer: (params: Record<string, string>, request: FakeRequest) => FakeAnswer;
}

export class FakeGithub extends FakeServer<FakeRequest> {
  state: FakeGithubState;
  /** Installation tokens issued to GitHub Apps. */
  readonly issuedTokens: string[] = [];
  private readonly routes: Route[];

  constructor(state: Partial<FakeGithubState> = {}) {
    super("GitHub");
    this.state = { runners: {}, runnerGroups: {}, repositories: {}, runs: {}, jobs: {}, apps: {}, maxPageSize: 100, ...state };
    this.routes = this.makeRoutes();
  }

  /** The REST API base, as GitHub Enterprise Server serves it. */
  get apiUrl(): string {
    return `${this.url}/api/v3`;
  }

  protected receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => this.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks).toString("utf8"), res));
  }

  private handle(method: string, rawPath: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const url = new URL(rawPath, this.url);
    const apiPath = url.pathname.startsWith("/api/v3/") ? url.pathname.slice("/api/v3".length) : url.pathname;
    const request: FakeRequest = { method, path: rawPath, apiPath, query: url.searchParams, headers, body };
    this.requests.push(request);
    const match = url.pathname.startsWith("/api/v3/") ? this.match(method, apiPath) : undefined;
    const taken = this.override?.(request);
    if (taken === "hang") return;
    if (taken === "stall-body") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.write('{"total_count": 1, "runners": [');
      return;
    }
    if (taken !== undefined && "raw" in taken) {
      res.writeHead(taken.status, { ...taken.headers });
      res.end(taken.raw);
      return;
    }
    const answer = taken ?? (match === undefined ? errorAnswer(404, "Not Found") : this.authorised(request, match.route) ?? match.route.answer(match.params, request));
    this.send(res, request, match?.route.template, answer);
  }

  private send(res: ServerResponse, request: FakeRequest, template: string | undefined, answer: FakeAnswer): void {
    const problems = answerProblems(template, request.apiPath, request.method, answer.status, answer.body);
    if (problems.length > 0) {
      const what = `${request.method} ${request.path} → HTTP ${answer.status}: ${problems.join("; ")}`;
      this.invalid.push(what);
      res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ message: `the stand-in GitHub's answer does not match GitHub's description: ${what}` }));
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-github-api-version-selected": "2022-11-28", ...answer.headers });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private match(method: string, apiPath: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      const m = route.method === method ? route.pattern.exec(apiPath) : null;
      if (m !== null) return { route, params: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) };
    }
    return undefined;
  }

  /** 401 unless the request carries an accepted token (the App's token request is checked by its route). */
  private authorised(request: FakeRequest, route: Route): FakeAnswer | undefined {
    if (route.template === "/app/installations/{installation_id}/access_tokens") return undefined;
    const header = request.headers.authorization;
    if (header === undefined) return errorAnswer(401, "Requires authentication");
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(header)?.[1] ?? "";
    const accepted = this.state.tokens === undefined || this.state.tokens.includes(token) || this.issuedTokens.includes(token);
    return accepted ? undefined : errorAnswer(401, "Bad credentials");
  }

  /** One page of `items` as GitHub serves it: per_page (capped) and page, with a Link header when there are more pages. */
  private page<T>(items: readonly T[], request: FakeRequest): { items: T[]; headers: Record<string, string> } {
    const asked = Number(request.query.get("per_page") ?? "30");
    const perPage = Math.max(1, Math.min(Number.isInteger(asked) && asked > 0 ? asked : 30, 100, this.state.maxPageSize));
    const page = Math.max(1, Number.parseInt(request.query.get("page") ?? "1", 10) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const u = new URL(request.path, this.url);
      u.searchParams.set("page", String(n));
      return `<${u.href}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, "prev")] : []),
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
      ...(page > 1 ? [link(1, "first")] : []),
    ];
    return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length === 0 ? {} : { link: links.join(", ") } };
  }

  private list(key: string, items: readonly unknown[], request: FakeRequest): FakeAnswer {
    const { items: slice, headers } = this.page(items, request);
    return { status: 200, headers, body: { total_count: items.length, [key]: slice } };
  }

  private repositoryKnown(full: string): boolean {
    const [owner = ""] = full.split("/");
    return full in this.state.runs || full in this.state.runners || (this.state.repositories[owner] ?? []).some((r) => r.full_name === full);
  }

  private makeRoutes(): Route[] {
    const route = (method: string, template: string, answer: Route["answer"]): Route => ({
      method, template, answer, pattern: new RegExp(`^${template.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`),
    });
    const runners = (scope: string, request: FakeRequest): FakeAnswer => {
      const list = this.state.runners[scope];
      return list === undefined ? errorAnswer(404, "Not Found") : this.list("runners", list, request);
    };
    const remove = (scope: string, id: string): FakeAnswer => {
      const list = this.state.runners[scope];
      const at = list?.findIndex((r) => String(r.id) === id) ?? -1;
      if (list === undefined || at < 0) return errorAnswer(404, "Not Found");
      if (list[at]!.busy) return { status: 422, body: { message: `Bad request - Runner "${list[at]!.name}" is still running a job"`, documentation_url: DOCS } };
      list.splice(at, 1);
      return { status: 204 };
    };
    const orgOrRepo = (p: Record<string, string>) => ("org" in p ? p["org"]! : "enterprise" in p ? `enterprises/${p["enterprise"]!}` : `${p["owner"]!}/${p["repo"]!}`);
    return [
      route("GET", "/repos/{owner}/{repo}/actions/runners", (p, r) => runners(orgOrRepo(p), r)),
      route("GET", "/orgs/{org}/actions/runners", (p, r) => runners(orgOrRepo(p), r)),
      route("GET", "/enterprises/{enterprise}/actions/runners", (p, r) => runners(orgOrRepo(p), r)),
      route("DELETE", "/repos/{owner}/{repo}/actions/runners/{runner_id}", (p) => remove(orgOrRepo(p), p["runner_id"]!)),
      route("DELETE", "/orgs/{org}/actions/runners/{runner_id}", (p) => remove(orgOrRepo(p), p["runner_id"]!)),
      route("DELETE", "/enterprises/{enterprise}/actions/runners/{runner_id}", (p) => remove(orgOrRepo(p), p["runner_id"]!)),
      route("GET", "/orgs/{org}/actions/runner-groups", (p, r) => {
        const groups = this.state.runnerGroups[p["org"]!];
        return groups === undefined ? errorAnswer(404, "Not Found") : this.list("runner_groups", groups, r);
      }),
      route("GET", "/orgs/{org}/repos", (p, r) => {
        const repos = this.state.repositories[p["org"]!];
        if (repos === undefined) return errorAnswer(404, "Not Found");
        const sort = r.query.get("sort") ?? "created";
        const field = sort === "full_name" ? "full_name" : `${sort}_at`;
        const descending = (r.query.get("direction") ?? (sort === "full_name" ? "asc" : "desc")) === "desc";
        const sorted = [...repos].sort((a, b) => String(a[field] ?? "").localeCompare(String(b[field] ?? "")) * (descending ? -1 : 1));
        const { items, headers } = this.page(sorted, r);
        return { status: 200, headers, body: items };
      }),
      route("GET", "/repos/{owner}/{repo}/actions/runs", (p, r) => {
        const full = orgOrRepo(p);
        if (!this.repositoryKnown(full)) return errorAnswer(404, "Not Found");
        const status = r.query.get("status");
        const runs = (this.state.runs[full] ?? []).filter((run) => status === null || run.status === status || run.conclusion === status);
        return this.list("workflow_runs", runs, r);
      }),
      route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", (p, r) => {
        const full = orgOrRepo(p);
        if (!(this.state.runs[full] ?? []).some((run) => String(run.id) === p["run_id"])) return errorAnswer(404, "Not Found");
        const jobs = this.state.jobs[p["run_id"]!] ?? [];
        const latest = Math.max(0, ...jobs.map((j) => j.run_attempt ?? 1));
        return this.list("jobs", r.query.get("filter") === "all" ? jobs : jobs.filter((j) => (j.run_attempt ?? 1) === latest), r);
      }),
      route("POST", "/app/installations/{installation_id}/access_tokens", (p, r) => this.installationToken(Number(p["installation_id"]), r)),
    ];
  }

  /** An installation token for a JWT signed with a known App's key (RS256), as `POST /app/installations/{id}/access_tokens` answers. */
  private installationToken(installation: number, request: FakeRequest): FakeAnswer {
    const jwt = /^bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const [header, payload, signature] = jwt?.split(".") ?? [];
    if (header === undefined || payload === undefined || signature === undefined) return errorAnswer(401, "A JSON web token could not be decoded");
    let claims: GithubObject;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as GithubObject;
    } catch {
      return errorAnswer(401, "A JSON web token could not be decoded");
    }
    const app = this.state.apps[String(claims["iss"])];
    if (app === undefined || !verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), app.publicKey, Buffer.from(signature, "base64url"))) {
      return errorAnswer(401, "A JSON web token could not be decoded");
    }
    if (typeof claims["exp"] !== "number" || claims["exp"] * 1000 < Date.now()) return errorAnswer(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    if (!app.installations.includes(installation)) return errorAnswer(404, "Not Found");
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    this.issuedTokens.push(token);
    return { status: 201, body: { token, expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"), permissions: { organization_self_hosted_runners: "read", actions: "read" }, repository_selection: "all" } };
  }
}
