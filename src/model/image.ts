/** Container image references: a tag or a digest is required, and `latest` is refused. */

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Parses an image reference; returns a reason string when it is not pinned or malformed. */
export function parseImage(ref: string): ImageRef | string {
  if (ref.trim() !== ref || ref === "") return "is empty or has surrounding whitespace";
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `has a malformed digest "${digest}"`;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `has a malformed tag "${tag}"`;
  }
  if (!REPOSITORY.test(rest)) return `has a malformed repository "${rest}"`;
  if (tag === undefined && digest === undefined) return "has no tag or digest";
  if (tag === "latest" && digest === undefined) return "uses the floating tag latest";
  return { repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** How to fix an unpinned image, for error messages. */
export const PIN_IMAGE_FIX = "pin the image by a version tag (e.g. ghcr.io/org/runner:2.329.0) or a digest (…@sha256:<hex>)";
