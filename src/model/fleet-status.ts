/**
 * What a forge reports about a fleet, in the shape `runner-fleet status` compares with the declared
 * runner pools: the runners registered at a scope and the jobs waiting there. Filled by the forge
 * clients from GitHub's or Forgejo's API; read by the diagnosis, which never calls a forge.
 */
import type { ForgeKind } from "./forge.ts";

/** A runner registered with the forge. */
export interface RegisteredRunner {
  /** The forge's id of the runner (used to remove it). */
  readonly id: number;
  readonly name: string;
  readonly status: "online" | "offline";
  /** Whether it is running a job. */
  readonly busy: boolean;
  /** Every label it carries, the forge's implicit ones included, as the forge reports them. */
  readonly labels: readonly string[];
  /** GitHub runner group, when the forge reports it. */
  readonly group?: string;
  /** Whether it takes one job and is then removed, when the forge says. */
  readonly ephemeral?: boolean;
  /**
   * Since when it has been offline (ISO 8601), as far as earlier status runs saw it; neither forge's
   * API says, so this is absent unless status keeps a state file.
   */
  readonly offlineSince?: string;
}

/** A job the forge has not yet given to a runner. */
export interface WaitingJob {
  readonly id: number;
  /** `workflow / job`, as the forge names them. */
  readonly name: string;
  /** The repository it belongs to (`owner/name`). */
  readonly repository: string;
  /** Its `runs-on` labels. */
  readonly labels: readonly string[];
  /** When it was queued (ISO 8601), when the forge says. */
  readonly queuedAt?: string;
  /** Link to the job on the forge, when known. */
  readonly url?: string;
}

/** What one forge scope reports. */
export interface ForgeSnapshot {
  readonly forge: ForgeKind;
  /** The scope queried, as shown (`github.com/acme`, `https://code.example.org/acme/app`). */
  readonly scope: string;
  /** Registered runners; undefined when this forge version cannot list them (Forgejo before 15). */
  readonly runners?: readonly RegisteredRunner[];
  readonly jobs: readonly WaitingJob[];
  /** What this forge or this run could not see (an old forge version, repositories left out by the request budget), one sentence each. */
  readonly unseen: readonly string[];
  /** True when waiting jobs may have been missed (the request budget ran out, or the forge has no list to ask). */
  readonly partial?: boolean;
  /** When the snapshot was taken (ISO 8601). */
  readonly takenAt: string;
}
