// What the stand-in forges answer with, shared by test/fake-forge/github.ts and forgejo.ts.

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
