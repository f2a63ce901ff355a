/**
 * Pieces every forge HTTP client shares: reading a bounded body, reducing a network error to its
 * code, and describing where a redirect points. None of them keeps an error object or a header,
 * so nothing that could carry a credential travels further.
 */

/** Error codes of a TLS failure (an untrusted or invalid certificate, a failed handshake). */
export const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/;

/**
 * The most one answer may hold. A page of runners, jobs or repositories is at most a few hundred
 * kilobytes; anything far larger is not the forge's API (a proxy, a misdirected download) and is
 * refused instead of filling memory.
 */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The answer's size in MiB, as messages say it. */
export const MAX_ANSWER_TEXT = `${MAX_ANSWER_BYTES / 1024 / 1024} MiB`;

/**
 * Reads the body up to `max` bytes; `tooLarge` says there was more, which is dropped unread. A
 * body that stalls rejects when the request's signal aborts.
 */
export async function readBounded(response: Response, max: number): Promise<{ readonly bytes: Uint8Array<ArrayBuffer>; readonly tooLarge: boolean }> {
  if (response.body === null) return { bytes: new Uint8Array(0), tooLarge: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks);
  return size > max ? { bytes: bytes.subarray(0, max), tooLarge: true } : { bytes, tooLarge: false };
}

/**
 * Reads at most `max` bytes of the body as text and drops the rest. A body that stalls rejects
 * when the request's signal aborts.
 */
export async function readText(response: Response, max: number): Promise<string> {
  const { bytes } = await readBounded(response, max);
  return new TextDecoder().decode(bytes);
}

/** The code of a network error (`ECONNREFUSED`, `ENOTFOUND`, a TLS code), looking into `cause` and aggregated errors. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

/** The code of what fetch threw: the code of its `cause` when it has one. */
export function fetchErrorCode(error: unknown): string | undefined {
  return errorCode(error instanceof Error && error.cause !== undefined ? error.cause : error);
}

/** Where a redirect points, reduced to origin and path (never a query that could carry a secret). */
export function describeLocation(location: string | null, from: string): string {
  if (location === null) return "";
  try {
    const u = new URL(location, from);
    return ` to ${u.origin}${u.pathname}`;
  } catch {
    return "";
  }
}

/**
 * What went wrong when a request got no usable answer: a timeout (`answered`: the headers came,
 * then the body stalled) or a transport failure reduced to its error code. `address` names where
 * the user sets the forge's address, for the fix (`forge.address`, "the forge's address").
 */
export function transportProblem(error: unknown, aborted: boolean, timeoutMs: number, address: string, answered = false): { readonly reason: "timeout" | "unreachable"; readonly problem: string; readonly fix: string } {
  if (aborted || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))) {
    return {
      reason: "timeout",
      problem: answered ? `no complete answer within ${timeoutMs} ms (the forge sent its headers, then stalled)` : `no answer within ${timeoutMs} ms`,
      fix: "check that the forge is up and reachable from here (a firewall that drops packets looks like this), or raise the timeout",
    };
  }
  // Only the error code is kept: the error objects themselves stay out of ForgeError.
  const code = fetchErrorCode(error);
  if (code === "ECONNREFUSED") {
    return { reason: "unreachable", problem: `connection refused: nothing listens at that address (the forge is down, or ${address} names the wrong host or port)`, fix: `start the forge, or correct ${address}, then retry` };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { reason: "unreachable", problem: `the host name does not resolve (${code})`, fix: `check the host in ${address} and this machine's DNS` };
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return { reason: "unreachable", problem: `the forge's TLS certificate was not accepted (${code})`, fix: "give the forge a certificate this machine trusts (for a private CA, point NODE_EXTRA_CA_CERTS at it)" };
  }
  return { reason: "unreachable", problem: `the request failed${code === undefined ? "" : ` (${code})`}`, fix: `check that ${address} is reachable from this machine, then retry` };
}
