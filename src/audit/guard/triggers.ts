/** Workflow triggers, and the ones through which people outside the project start jobs. */
import { isRecord } from "../../model/refine.ts";

/**
 * Events that let people outside the project start a workflow with content they control: pull
 * requests (and their reviews) from forks run the fork's code; `pull_request_target`,
 * `issue_comment` and `workflow_run` run with the base repository's privileges on input an
 * outsider wrote, and often check out the fork's code. Jobs they start must only reach runners
 * that are ephemeral, fenced and untrusted.
 */
export const UNTRUSTED_EVENTS: readonly string[] = [
  "pull_request_target",
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
  "issue_comment",
  "workflow_run",
];

/** The event names of a workflow's `on:` (a string, a list, or a mapping). */
export function workflowEvents(on: unknown): string[] {
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.filter((e): e is string => typeof e === "string");
  if (isRecord(on)) return Object.keys(on);
  return [];
}

/** The events of `on:` that outsiders can trigger, in {@link UNTRUSTED_EVENTS} order. */
export function untrustedEvents(on: unknown): string[] {
  const events = new Set(workflowEvents(on));
  return UNTRUSTED_EVENTS.filter((e) => events.has(e));
}
