/**
 * Reads a paginated GitHub list to its end without trusting the answers: every page must be a 200
 * with the list where GitHub puts it, every item must parse, and the `Link` header's next page is
 * followed only while it stays inside the API (same origin, under the API base), names a page not
 * read before and, when numbered, a later one. Anything else ends the list with an
 * {@link IncompleteAnswer}; nothing is ever sent, credentials included, to an address the forge
 * URL did not name.
 */
import { type GithubConnection, IncompleteAnswer, UnexpectedAnswer, insideApi } from "./github-client.ts";

export interface GithubList<T> {
  /** The route of the first page, e.g. `GET /orgs/{org}/actions/runners`. */
  readonly route: string;
  readonly params: Readonly<Record<string, string | number>>;
  /** Where GitHub puts the list in its answer (`runners`); undefined when the answer is the list itself. */
  readonly key: string | undefined;
  /** Returns undefined for an item without the documented fields. */
  readonly parse: (item: unknown) => T | undefined;
  /** What the list holds, for messages: `runners`, `workflow runs`. */
  readonly what: string;
}

interface Page {
  readonly status: number;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly data: unknown;
}

/** Every item of the list, checked and parsed, in GitHub's order. */
export async function listAll<T>(connection: GithubConnection, list: GithubList<T>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let page = (await connection.octokit.request(list.route, { ...list.params })) as Page;
  for (;;) {
    const here = new URL(page.url);
    seen.add(pageKey(here));
    if (page.status !== 200) throw new UnexpectedAnswer(page.status, page.url, page.headers, page.data);
    const items = itemsOf(page, list);
    items.forEach((item, i) => {
      const parsed = list.parse(item);
      if (parsed === undefined) throw new IncompleteAnswer(page.url, `entry [${i}] of the list of ${list.what} lacks documented fields`);
      out.push(parsed);
    });
    const next = nextLink(page.headers["link"], here);
    if (next === undefined) return out;
    checkNext(next, here, seen, connection.apiBase);
    page = (await connection.octokit.request({ method: "GET", url: next.href })) as Page;
  }
}

/** The list in a page: the answer itself, or its `key`. */
function itemsOf<T>(page: Page, list: GithubList<T>): unknown[] {
  const { data } = page;
  if (typeof data !== "object" || data === null || data instanceof ArrayBuffer) {
    throw new IncompleteAnswer(page.url, `the answer is not the JSON object GitHub sends for ${list.what}`);
  }
  const items = list.key === undefined ? data : Array.isArray(data) ? undefined : (data as Record<string, unknown>)[list.key];
  if (!Array.isArray(items)) throw new IncompleteAnswer(page.url, `the answer holds no list of ${list.what}`);
  return items;
}

/** The `rel="next"` target of a `Link` header, resolved against the page it came with. */
export function nextLink(header: unknown, from: URL): URL | undefined {
  if (typeof header !== "string") return undefined;
  for (const m of header.matchAll(/<([^<>]*)>((?:\s*;\s*[^;,<]*)*)/g)) {
    const rels = /;\s*rel\s*=\s*"?([^";]*)"?/i.exec(m[2] ?? "")?.[1]?.toLowerCase().split(/\s+/) ?? [];
    if (!rels.includes("next")) continue;
    try {
      return new URL(m[1] ?? "", from);
    } catch {
      throw new IncompleteAnswer(from.href, "the Link header's next page is not a URL");
    }
  }
  return undefined;
}

function checkNext(next: URL, here: URL, seen: ReadonlySet<string>, apiBase: string): void {
  if (!insideApi(next, apiBase)) {
    throw new IncompleteAnswer(here.href, `the Link header puts the next page at ${next.origin}${next.pathname}, outside ${apiBase}: not followed, so that the credentials go nowhere else`);
  }
  if (seen.has(pageKey(next))) throw new IncompleteAnswer(here.href, "the Link header points back to a page already read, so the list would never end");
  const [at, to] = [pageNumber(here) ?? 1, pageNumber(next)];
  if (to !== undefined && to <= at) throw new IncompleteAnswer(here.href, `the Link header's next page (${to}) is not after page ${at}`);
}

/** A page's address with its parameters in one order, so that the same page is recognised. */
function pageKey(url: URL): string {
  const u = new URL(url.href);
  u.searchParams.sort();
  u.hash = "";
  return u.href;
}

function pageNumber(url: URL): number | undefined {
  const text = url.searchParams.get("page");
  return text !== null && /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}
