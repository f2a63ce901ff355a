/** Near-miss suggestions for misspelt keys, and a visible spelling of text with invisible characters. */

/** Format characters (zero-width spaces, joiners, bidi marks, BOM), controls and odd spaces. */
const INVISIBLE = /[\p{Cf}\p{Cc}\u00a0\u2000-\u200a\u202f\u205f\u3000]/gu;

/** `s` in a canonical form: NFKC, invisible characters removed, lower case. */
export function normalizeKey(s: string): string {
  return s.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();
}

/** True when `s` holds a character a reader cannot see. */
export function hasInvisible(s: string): boolean {
  return new RegExp(INVISIBLE.source, "u").test(s);
}

/** `s` with invisible characters written as `\u{200B}`, cut to `max` characters, for messages. */
export function visible(s: string, max = 80): string {
  const shown = s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions), capped at `limit + 1`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate `word` most likely means: the same key in another case or with invisible
 * characters, or a spelling at most a few edits away. Undefined when nothing is close.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 200) return undefined;
  const w = normalizeKey(word);
  const same = candidates.find((c) => normalizeKey(c) === w);
  if (same !== undefined) return same;
  // Three letters or fewer are too short to guess a typo from (gpu is not a misspelt cpu); a
  // plural or a cut-off word still is (vms for vm).
  if (w.length < 4) return candidates.find((c) => { const n = normalizeKey(c); return n.length >= 2 && Math.abs(n.length - w.length) === 1 && (n.startsWith(w) || w.startsWith(n)); });
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 4)));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(w, normalizeKey(c), limit);
    if (d <= limit && (best === undefined || d < best.d)) best = { c, d };
  }
  return best?.c;
}
