/**
 * Forgejo runner labels (`runner.labels`): `name:docker://<image>` runs jobs in a container on a
 * pinned image, `name:host` runs them directly on the runner's machine. Parsed once into a typed
 * form and written back the way forgejo-runner reads them.
 */
import { PIN_IMAGE_FIX, parseImage } from "./image.ts";

export type RunnerLabel =
  | { readonly name: string; readonly kind: "docker"; readonly image: string }
  | { readonly name: string; readonly kind: "host" };

/** Label names: no commas, colons or whitespace (forgejo-runner splits on them). */
const LABEL_NAME = /^[^\s,:]{1,256}$/;

/** How to write a label; the fix of every label problem. */
export const RUNNER_LABEL_FIX =
  'write each label as "<name>:docker://<image:tag>" or "<name>:host"; names have no commas, colons or whitespace, and images are pinned by tag or digest';

/** Parses a runner label; returns the reason when it is malformed. */
export function parseRunnerLabel(v: string): RunnerLabel | string {
  const colon = v.indexOf(":");
  const name = colon < 0 ? v : v.slice(0, colon);
  if (!LABEL_NAME.test(name)) return "has an empty name or one with a comma, colon or whitespace";
  if (colon < 0) return 'has no execution kind (":docker://<image>" or ":host")';
  const rest = v.slice(colon + 1);
  if (rest === "host") return { name, kind: "host" };
  if (!rest.startsWith("docker://")) return `uses "${rest.split(":")[0] ?? rest}" instead of docker:// or host`;
  const image = rest.slice("docker://".length);
  const parsed = parseImage(image);
  if (typeof parsed === "string") return `has an image that ${parsed} (${PIN_IMAGE_FIX})`;
  return { name, kind: "docker", image };
}

/** Formats a label back the way forgejo-runner reads it. */
export const formatRunnerLabel = (l: RunnerLabel): string => (l.kind === "host" ? `${l.name}:host` : `${l.name}:docker://${l.image}`);
