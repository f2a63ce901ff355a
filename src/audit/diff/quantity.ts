/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1e3`, `2`) as exact rationals, so that two
 * spellings of one amount compare equal: `"1"` = `1` = `"1000m"`, `"1Gi"` = `"1024Mi"`.
 * Grammar from k8s.io/apimachinery/pkg/api/resource (quantity.go):
 * `<sign>?<digits>[.<digits>]<suffix>`, suffix one of Ki Mi Gi Ti Pi Ei (powers of 1024),
 * n u m "" k M G T P E (powers of 1000), or `e<int>` / `E<int>` (powers of ten).
 */

/** An exact amount: `numerator / denominator`, reduced, denominator > 0. */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

const BINARY_POWERS: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Exponents beyond this are not plausible resource amounts; such strings compare as text. */
const MAX_EXPONENT = 64;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function reduced(numerator: bigint, denominator: bigint): Quantity {
  const g = gcd(numerator, denominator);
  return g <= 1n ? { numerator, denominator } : { numerator: numerator / g, denominator: denominator / g };
}

/** Parses a quantity written as a string or a YAML/JSON number; `undefined` when it is not one. */
export function parseQuantity(value: unknown): Quantity | undefined {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    text = String(value).replace("e+", "e");
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return undefined;
  }
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const [, sign = "", digits = "", suffix = ""] = m;
  const [whole = "", fraction = ""] = digits.split(".");
  let numerator = BigInt((whole === "" ? "0" : whole) + fraction) * (sign === "-" ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY_POWERS[suffix];
  if (binary !== undefined) {
    numerator *= 1024n ** BigInt(binary);
  } else {
    const exponent = /^[eE][+-]?\d+$/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL_EXPONENTS[suffix];
    if (exponent === undefined || Math.abs(exponent) > MAX_EXPONENT) return undefined;
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  return reduced(numerator, denominator);
}

/**
 * The API server rounds every ResourceList value up to milli units (SetDefaults_ResourceList):
 * `0.0001` cpu is stored as `1m`.
 */
export function roundUpToMilli(q: Quantity): Quantity {
  const scaled = q.numerator * 1000n;
  let milli = scaled / q.denominator;
  if (milli * q.denominator < scaled) milli += 1n;
  return reduced(milli, 1000n);
}

/** Whether two values are the same quantity; `false` when either is not a quantity. */
export function sameQuantity(a: unknown, b: unknown, opts: { readonly roundUpToMilli?: boolean } = {}): boolean {
  let qa = parseQuantity(a);
  let qb = parseQuantity(b);
  if (qa === undefined || qb === undefined) return false;
  if (opts.roundUpToMilli === true) {
    qa = roundUpToMilli(qa);
    qb = roundUpToMilli(qb);
  }
  return qa.numerator === qb.numerator && qa.denominator === qb.denominator;
}
