/**
 * Deterministic arctangents (see docs/writing-an-app.md: runs must be deterministic): `Math.atan` and
 * `Math.atan2` are implementation-approximated in JavaScript, so these use only operations
 * IEEE 754 rounds exactly (+ - * /). The argument is brought within |t| <= 7/16 with the
 * identity atan(x) = atan(c) + atan((x - c) / (1 + c x)) for c in {1/2, 1, 3/2, ∞}, then the
 * Taylor series to t^43 (truncation error below 4e-18 relative).
 */

// atan(c) as a double and the rest (from the big-integer π of pi-bits.ts; checked by the tests).
const ATAN_HALF_HI = 0.4636476090008061;
const ATAN_HALF_LO = 2.2698777452961687e-17;
const PIO4_HI = 0.7853981633974483;
const PIO4_LO = 3.061616997868383e-17;
const ATAN_3_2_HI = 0.982793723247329;
const ATAN_3_2_LO = 1.3903311031230998e-17;
const PIO2_HI = 1.5707963267948966;
const PIO2_LO = 6.123233995736766e-17;
const PI_HI = Math.PI;
const PI_LO = 1.2246467991473532e-16;
const THREE_PIO4 = 2.356194490192345;
/** Below 2^-27 atan x rounds to x; from 2^66 on, to π/2. */
const TINY = 7.450580596923828e-9;
const HUGE = 73786976294838210000;

/** (-1)^k / (2k + 1) for k = 1..21: correctly rounded quotients of exact integers. */
const A: readonly number[] = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? -1 : 1) / (2 * i + 3));

/** atan(t) - t for |t| <= 7/16. */
function series(t: number): number {
  const z = t * t;
  let p = A[20]!;
  for (let i = 19; i >= 0; i--) p = A[i]! + z * p;
  return t * z * p;
}

/**
 * The arctangent of `x` in radians, the same bits on every JavaScript engine: within about one
 * ulp of the true value, ±π/2 for ±Infinity, NaN for NaN, `-0` for `-0`.
 *
 * @example
 * ```ts
 * import { detAtan } from "@rtos-sim/kernel";
 * console.log(detAtan(1)); // 0.7853981633974483
 * // π/4
 * ```
 */
export function detAtan(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < TINY) return x;
  let r: number;
  if (ax >= HUGE) r = PIO2_HI;
  else if (ax < 0.4375) r = ax + series(ax);
  else {
    let t: number;
    let hi: number;
    let lo: number;
    if (ax < 0.6875) {
      t = (2 * ax - 1) / (2 + ax);
      hi = ATAN_HALF_HI;
      lo = ATAN_HALF_LO;
    } else if (ax < 1.1875) {
      t = (ax - 1) / (ax + 1);
      hi = PIO4_HI;
      lo = PIO4_LO;
    } else if (ax < 2.4375) {
      t = (ax - 1.5) / (1 + 1.5 * ax);
      hi = ATAN_3_2_HI;
      lo = ATAN_3_2_LO;
    } else {
      t = -1 / ax;
      hi = PIO2_HI;
      lo = PIO2_LO;
    }
    r = hi + (t + (series(t) + lo));
  }
  return x < 0 ? -r : r;
}

/**
 * The angle of the point (`x`, `y`) from the positive x axis, in radians in [-π, π], the same
 * bits on every JavaScript engine: `Math.atan2`'s special cases (signed zeros, infinities, NaN)
 * exactly, otherwise within about one ulp of the true value.
 *
 * @example
 * ```ts
 * import { detAtan2 } from "@rtos-sim/kernel";
 * console.log(detAtan2(1, -1)); // 2.356194490192345
 * // 3π/4
 * ```
 */
export function detAtan2(y: number, x: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  const yNegative = y < 0 || Object.is(y, -0);
  if (y === 0) {
    if (x > 0 || Object.is(x, 0)) return y;
    return yNegative ? -PI_HI : PI_HI;
  }
  if (x === 0) return yNegative ? -PIO2_HI : PIO2_HI;
  let a: number;
  if (!Number.isFinite(x)) {
    if (!Number.isFinite(y)) a = x > 0 ? PIO4_HI : THREE_PIO4;
    else a = x > 0 ? 0 : PI_HI;
    return yNegative ? -a : a;
  }
  if (!Number.isFinite(y)) return yNegative ? -PIO2_HI : PIO2_HI;
  // A quotient that underflows gives itself back through atan (right); one that overflows, π/2.
  // Left of the y axis with |y| > |x|, π - atan(|y/x|) would lose atan's low bits: π/2 + atan(|x/y|).
  if (x > 0) a = detAtan(Math.abs(y / x));
  else if (Math.abs(y) > -x) a = PIO2_HI + (detAtan(Math.abs(x / y)) + PIO2_LO);
  else a = PI_HI - (detAtan(Math.abs(y / x)) - PI_LO);
  return yNegative ? -a : a;
}
