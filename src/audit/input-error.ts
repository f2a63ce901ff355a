/**
 * Bad input the audit, validate and diff code cannot read: a missing or unreadable file, bytes that
 * are not text, a document above the size or nesting limits, an object whose fields have the wrong
 * types. The CLI reports it as one message with exit code 2 (bad usage or input), never as a crash.
 * Nothing credential-shaped survives in the message (see `model/credential-shape.ts`).
 */
import { redactCredentials } from "../model/credential-shape.ts";

export class InputError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    const clean = redactCredentials(fix);
    super(`${redactCredentials(message)}. Fix: ${clean}`);
    this.name = "InputError";
    this.fix = clean;
  }
}
