/**
 * A line diff for multi-line values (config files in ConfigMaps, scripts): unchanged lines as
 * context, removed lines `- `, added lines `+ `. Longest common subsequence; inputs are small.
 */

/** Lines beyond which the quadratic table is not worth it; longer texts are shown whole. */
const MAX_LINES = 2000;

export function lineDiff(before: string, after: string, context = 2): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length > MAX_LINES || b.length > MAX_LINES) return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)];
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { readonly op: " " | "-" | "+"; readonly line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ op: "-", line: a[i++]! });
    } else {
      ops.push({ op: "+", line: b[j++]! });
    }
  }
  const near = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.op !== " "));
  const out: string[] = [];
  ops.forEach((o, k) => {
    // One "..." stands for each run of unchanged lines far from any change.
    if (near[k]) out.push(`${o.op} ${o.line}`.trimEnd());
    else if (k === 0 || near[k - 1]) out.push("  ...");
  });
  return out;
}
