import { twoOverPiScaled } from "./pi-bits.js";

/**
 * Argument reduction for the deterministic sine and cosine: `x = n * π/2 + (hi + lo)` with
 * |hi + lo| about π/4 at most, from exact IEEE operations only (+ - * /, floor) and, for huge
 * arguments, exact big-integer arithmetic, so the result is the same on every engine.
 */

/** A reduced argument: the quadrant `n` (only `n & 3` matters) and the remainder `hi + lo`. */
export interface Reduced {
  /** Quarter turns removed (any integer; its low two bits select the quadrant). */
  n: number;
  /** The remainder, rounded to a double. */
  hi: number;
  /** What `hi` misses of the remainder (|lo| <= half an ulp of hi). */
  lo: number;
}

/** π/2 in three parts: P1 and P2 have at most 30 significant bits, so n * P1 and n * P2 are exact for |n| < 2^23. */
const P1 = 1.570796325802803;
const P2 = 9.920935791635221e-10;
const P3 = 5.170182981794105e-19;
/** π/2 as a double and the rest. */
const PIO2_HI = 1.5707963267948966;
const PIO2_LO = 6.123233995736766e-17;
/** 2/π rounded to a double (only picks n; the reduction itself uses P1..P3). */
const INV_PIO2 = 0.6366197723675814;
/** Arguments below this (2^20 quarter turns) take the three-part reduction. */
export const MEDIUM_LIMIT = 1647099;

/**
 * Reduces a finite `x` (|x| > π/4): Cody-Waite with the three-part π/2 below
 * {@link MEDIUM_LIMIT}, the exact big-integer reduction above.
 */
export function reduceQuarterTurns(x: number): Reduced {
  if (Math.abs(x) >= MEDIUM_LIMIT) return reduceLarge(x);
  const n = Math.floor(x * INV_PIO2 + 0.5);
  // x - n*P1 is exact (n*P1 is exact and within a factor of two of x, or zero).
  const y1 = x - n * P1;
  const t = n * P2;
  // Two-sum: s + e = y1 - t exactly.
  const s = y1 - t;
  const v = s - y1;
  const e = y1 - (s - v) - (-t - v);
  const tail = e - n * P3;
  const hi = s + tail;
  const lo = tail - (hi - s);
  return { n, hi, lo };
}

/** Fraction bits of the 2/π multiplier: beyond 2^1024 * 2^-1300, with room for 200 bits of remainder. */
const FRACTION_BITS = 1300;
let twoOverPi: bigint | undefined;

/** Splits a double into an upper half of 26 bits and the rest (Veltkamp; exact for |a| < 2^995). */
function split(a: number): [number, number] {
  const c = 134217729 * a;
  const high = c - (c - a);
  return [high, a - high];
}

/** The rounding error of `a * b` (Dekker's product: `a * b = p + error` exactly). */
function productError(a: number, b: number, p: number): number {
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * The exact reduction of a huge finite argument: x * 2/π in big integers with 1,300 fraction
 * bits of 2/π, the nearest integer taken off, the remainder turned back into radians in
 * double-double arithmetic.
 */
function reduceLarge(x: number): Reduced {
  twoOverPi ??= twoOverPiScaled(FRACTION_BITS);
  const ax = Math.abs(x);
  // |x| = mantissa * 2^exponent with an integer mantissa: below 2^53 x * 2^32 is an integer (|x| >= 2^20).
  const small = ax < 9007199254740992;
  const mantissa = BigInt(small ? ax * 4294967296 : ax);
  const fraction = BigInt(FRACTION_BITS + (small ? 32 : 0));
  const product = mantissa * twoOverPi;
  let n = product >> fraction;
  let rest = product - (n << fraction);
  if (rest >= 1n << (fraction - 1n)) {
    n += 1n;
    rest -= 1n << fraction;
  }
  // The remainder's top 128 bits as a double-double in quarter turns.
  const top = rest >> (fraction - 128n);
  const fHi = Number(top);
  const fLo = Number(top - BigInt(fHi));
  const h = fHi * 2 ** -128;
  const l = fLo * 2 ** -128;
  const p = h * PIO2_HI;
  const err = productError(h, PIO2_HI, p) + h * PIO2_LO + l * PIO2_HI;
  const hi = p + err;
  const lo = err - (hi - p);
  const quadrant = Number(n & 3n);
  return x < 0 ? { n: -quadrant, hi: -hi, lo: -lo } : { n: quadrant, hi, lo };
}
