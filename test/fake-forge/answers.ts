// What the stand-in forges share (test/fake-forge/github.ts and forgejo.ts): their answers and their HTTP server.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a stand-in forge received it. */
export interface FakeRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/api/v3/orgs/acme/actions/runners?per_page=100`. */
  readonly path: string;
  /** The path below the API base (`/api/v3`, `/api/v1`), without the query, e.g. `/orgs/acme/actions/runners`. */
  readonly apiPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** An answer: status, extra headers, and a JSON body (undefined: none). */
export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/**
 * An answer sent as it is, not checked against the forge's published description: what a proxy,
 * a broken server or an attacker in the path could send (a sign-in page, a list of the wrong
 * shape, a body of many megabytes, a `Link` header to another host).
 */
export interface RawAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body, byte for byte. */
  readonly raw: string | Uint8Array;
}

/** What an override returns: an answer, a raw answer, "hang" (never answer), "stall-body" (headers and part of the body, then nothing), or undefined (answer from the state). */
export type FakeOverride<Request> = (request: Request) => FakeAnswer | RawAnswer | "hang" | "stall-body" | undefined;

/**
 * The HTTP side both stand-in forges share: a server on 127.0.0.1 at a free port, the requests it
 * received, the answers that broke the forge's description, and the override hook. Subclasses
 * answer in `receive`.
 */
export abstract class FakeServer<Request extends { readonly method: string; readonly path: string }> {
  /** Takes over answers; consulted before the state for every request. */
  override: FakeOverride<Request> | undefined;
  /** Every request received, in order. */
  readonly requests: Request[] = [];
  /** Answers that did not match the forge's description (each was replaced by a 500). */
  readonly invalid: string[] = [];
  private readonly forgeName: string;
  private readonly server: Server;
  private port = 0;

  constructor(forgeName: string) {
    this.forgeName = forgeName;
    this.server = createServer((req, res) => this.receive(req, res));
  }

  /** Answers one request. */
  protected abstract receive(req: IncomingMessage, res: ServerResponse): void;

  /** The forge's web address (what `runner-fleet status` is given). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Throws when any answer did not match the forge's description. */
  assertValid(): void {
    if (this.invalid.length > 0) throw new Error(`the stand-in ${this.forgeName} sent answers ${this.forgeName}'s description does not allow:\n${this.invalid.join("\n")}`);
  }

  /** The recorded requests as `METHOD /path?query`. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }
}
