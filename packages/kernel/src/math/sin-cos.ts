import { reduceQuarterTurns } from "./reduce.js";

/**
 * Deterministic sine and cosine (see docs/writing-an-app.md: runs must be deterministic): JavaScript leaves
 * `Math.sin` and `Math.cos` implementation-approximated, so engines may differ in the last bits
 * and a simulated sensor or filter fed by them would give another trace hash. These use only
 * operations IEEE 754 rounds exactly (+ - * /, floor) and exact big integers, so every engine
 * gives the same bits. The kernels are Taylor polynomials on |x| <= π/4 (truncation error
 * below 1e-19), after the argument reduction of reduce.ts.
 */

// 1/k! with alternating signs: each a correctly rounded quotient of exact integers.
const S3 = -1 / 6;
const S5 = 1 / 120;
const S7 = -1 / 5040;
const S9 = 1 / 362880;
const S11 = -1 / 39916800;
const S13 = 1 / 6227020800;
const S15 = -1 / 1307674368000;
const S17 = 1 / 355687428096000;
const C4 = 1 / 24;
const C6 = -1 / 720;
const C8 = 1 / 40320;
const C10 = -1 / 3628800;
const C12 = 1 / 479001600;
const C14 = -1 / 87178291200;
const C16 = 1 / 20922789888000;
const C18 = -1 / 6402373705728000;

/** π/4 as a double: below it no reduction is needed. */
const PIO4 = 0.7853981633974483;
/** Below 2^-27, sin x rounds to x and cos x to 1. */
const TINY = 7.450580596923828e-9;

/** sin(x + lo) for |x| <= about π/4, |lo| <= half an ulp of x. */
function sinKernel(x: number, lo: number): number {
  const z = x * x;
  const q = S5 + z * (S7 + z * (S9 + z * (S11 + z * (S13 + z * (S15 + z * S17)))));
  return x + (x * z * (S3 + z * q) + lo * (1 - 0.5 * z));
}

/** cos(x + lo) for |x| <= about π/4, |lo| <= half an ulp of x. */
function cosKernel(x: number, lo: number): number {
  const z = x * x;
  const half = 0.5 * z;
  const w = 1 - half;
  const tail = z * z * (C4 + z * (C6 + z * (C8 + z * (C10 + z * (C12 + z * (C14 + z * (C16 + z * C18))))))) - x * lo;
  // (1 - w) - half is exactly what 1 - half lost in rounding.
  return w + (1 - w - half + tail);
}

/**
 * The sine of `x` (radians), the same bits on every JavaScript engine: within about one ulp of
 * the true value (absolute error below 4e-16), NaN for NaN and ±Infinity, `-0` for `-0`.
 *
 * @example
 * ```ts
 * import { detSin } from "@rtos-sim/kernel";
 * console.log(detSin(Math.PI / 6)); // 0.49999999999999994
 * // as Math.sin gives in V8
 * ```
 */
export function detSin(x: number): number {
  if (!Number.isFinite(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < TINY) return x;
  if (ax <= PIO4) return sinKernel(x, 0);
  const r = reduceQuarterTurns(x);
  switch (r.n & 3) {
    case 0:
      return sinKernel(r.hi, r.lo);
    case 1:
      return cosKernel(r.hi, r.lo);
    case 2:
      return -sinKernel(r.hi, r.lo);
    default:
      return -cosKernel(r.hi, r.lo);
  }
}

/**
 * The cosine of `x` (radians), the same bits on every JavaScript engine: within about one ulp
 * of the true value (absolute error below 4e-16), NaN for NaN and ±Infinity.
 *
 * @example
 * ```ts
 * import { detCos } from "@rtos-sim/kernel";
 * console.log(detCos(0)); // 1
 * ```
 */
export function detCos(x: number): number {
  if (!Number.isFinite(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < TINY) return 1;
  if (ax <= PIO4) return cosKernel(x, 0);
  const r = reduceQuarterTurns(x);
  switch (r.n & 3) {
    case 0:
      return cosKernel(r.hi, r.lo);
    case 1:
      return -sinKernel(r.hi, r.lo);
    case 2:
      return -cosKernel(r.hi, r.lo);
    default:
      return sinKernel(r.hi, r.lo);
  }
}
