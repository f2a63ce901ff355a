// Seeded randomness for the fuzz tests: the same cases for the same seed on every machine, so a
// failure reported with its seed can be run again.

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Choices drawn from a seeded sequence. */
export class Dice {
  readonly next: () => number;
  /** From a seed, or from a sequence of numbers in [0, 1). */
  constructor(seed: number | (() => number)) {
    this.next = typeof seed === "number" ? mulberry32(seed) : seed;
  }
  /** A whole number from 0 to `n - 1`. */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A whole number from `lo` to `hi`, both included. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("pick from nothing");
    return xs[this.below(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One item, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let r = this.next() * total;
    for (const [x, w] of items) {
      r -= w;
      if (r < 0) return x;
    }
    return items[items.length - 1]![0];
  }
  /** `n` characters of `alphabet`. */
  chars(n: number, alphabet: string): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[this.below(alphabet.length)];
    return out;
  }
}
