/** The tree-wide SHA-256 manifest, computed from per-file digests. */
import { createHash } from "node:crypto";

export interface ManifestFile {
  /** Path relative to the cache directory, raw bytes. */
  readonly rel: Uint8Array;
  readonly size: number;
  /** SHA-256 of the contents, lower-case hex. */
  readonly sha256: string;
}

/**
 * One SHA-256 fed, for each file in the given (sorted) order, its relative path bytes, then its
 * SHA-256 hex digest, then its size in decimal, with no separators. Reproducible in a shell:
 * `find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do printf '%s%s%s' "$f"
 * "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %s "$f")"; done | sha256sum`.
 */
export function sha256Manifest(files: Iterable<ManifestFile>): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f.rel);
    h.update(f.sha256, "latin1");
    h.update(String(f.size), "latin1");
  }
  return h.digest("hex");
}
