/**
 * `status --state-file`: since when each runner has been offline, as far as earlier runs saw. Neither
 * GitHub's nor Forgejo's API says when a runner was last online, so status remembers the first run
 * that found it offline; run status on a schedule and the age of an offline registration is known
 * to within that interval. The file holds runner ids and times only, never a credential.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { makeDirectory } from "../io/make-directory.ts";
import type { ForgeSnapshot, RegisteredRunner } from "../model/fleet-status.ts";
import { CliError } from "./output.ts";

/** What the file holds: for each `<forge> <scope> <runner id>`, when a run first saw it offline. */
interface StateFile {
  readonly version: 1;
  readonly offlineSince: Record<string, string>;
}

/** A state file is a few kilobytes per hundred runners; a much larger one is not ours. */
const MAX_BYTES = 8 * 1024 * 1024;
const FIX = "give a file that only runner-fleet status writes, or delete it to start again (the offline ages restart from now)";

/**
 * Reads the state; a missing file is an empty state, and its folder is made now, so that a folder
 * that cannot be made fails before any forge is asked.
 */
export function readStatusState(path: string): Map<string, string> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      try {
        makeDirectory(dirname(path));
      } catch (m) {
        throw new CliError(`--state-file ${path}: its folder cannot be made (${(m as NodeJS.ErrnoException).code ?? "error"}). Fix: give a path in a folder you can write`);
      }
      return new Map();
    }
    throw new CliError(`--state-file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}). Fix: give a path you can read and write`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError(`--state-file ${path} is not a regular file. Fix: ${FIX}`);
    if (st.size > MAX_BYTES) throw new CliError(`--state-file ${path} is ${st.size} bytes, more than a status state (${MAX_BYTES} at most). Fix: ${FIX}`);
    const buf = Buffer.alloc(st.size);
    readSync(fd, buf, 0, st.size, 0);
    text = buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CliError(`--state-file ${path} is not JSON. Fix: ${FIX}`);
  }
  const d = doc as Partial<StateFile> | null;
  if (d === null || typeof d !== "object" || d.version !== 1 || typeof d.offlineSince !== "object" || d.offlineSince === null || Array.isArray(d.offlineSince)) {
    throw new CliError(`--state-file ${path} is not a status state (expected {"version": 1, "offlineSince": {...}}). Fix: ${FIX}`);
  }
  const out = new Map<string, string>();
  for (const [key, at] of Object.entries(d.offlineSince)) {
    if (typeof at !== "string" || Number.isNaN(Date.parse(at))) throw new CliError(`--state-file ${path}: offlineSince["${key.slice(0, 80)}"] is not a time. Fix: ${FIX}`);
    out.set(key, at);
  }
  return out;
}

const keyOf = (snapshot: ForgeSnapshot, runner: RegisteredRunner) => `${snapshot.forge} ${snapshot.scope} ${runner.id}`;

/**
 * The snapshot with each offline runner's `offlineSince` from the state (now, for one seen offline
 * for the first time), and the state updated in place: online and removed runners of this scope
 * forgotten.
 */
export function trackOffline(snapshot: ForgeSnapshot, state: Map<string, string>): ForgeSnapshot {
  if (snapshot.runners === undefined) return snapshot;
  const prefix = `${snapshot.forge} ${snapshot.scope} `;
  const seen = new Set(snapshot.runners.map((r) => keyOf(snapshot, r)));
  for (const key of [...state.keys()]) if (key.startsWith(prefix) && !seen.has(key)) state.delete(key);
  const runners = snapshot.runners.map((r) => {
    const key = keyOf(snapshot, r);
    if (r.status !== "offline") {
      state.delete(key);
      return r;
    }
    const since = state.get(key) ?? snapshot.takenAt;
    state.set(key, since);
    return { ...r, offlineSince: since };
  });
  return { ...snapshot, runners };
}

/** Writes the state (to a temporary file first, so that an interrupted run leaves the old one whole). */
export function writeStatusState(path: string, state: ReadonlyMap<string, string>): void {
  const doc: StateFile = { version: 1, offlineSince: Object.fromEntries([...state].sort(([a], [b]) => a.localeCompare(b))) };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    makeDirectory(dirname(path));
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    throw new CliError(`--state-file ${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? "error"}). Fix: give a path in a folder you can write`);
  }
}
