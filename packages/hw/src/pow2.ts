/**
 * Powers of two, as MPU region sizes (PMSAv7: a power of two from 32 B to 4 GiB, base aligned on
 * it; see docs/mpu-model.md), page blocks (2^order pages) and address alignment need them. Exact
 * for every size the model uses (integers up to 2^32): no floating-point rounding is involved
 * except where `Math.log2` of an exact power of two is taken, which is exact.
 */

/**
 * Whether `n` is a power of two (1, 2, 4, ..., 2^52).
 *
 * @example
 * ```ts
 * isPowerOfTwo(1024); // true
 * isPowerOfTwo(96);   // false
 * ```
 */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/**
 * The smallest power of two that is `>= n` and `>= min` (`min` a power of two, default 1):
 * the size of the smallest MPU region (min 32) or buddy block holding `n` bytes.
 *
 * @example
 * ```ts
 * powerOfTwoAtLeast(1000);   // 1024
 * powerOfTwoAtLeast(1, 32);  // 32: the smallest PMSAv7 region
 * ```
 */
export function powerOfTwoAtLeast(n: number, min = 1): number {
  let s = min;
  while (s < n) s *= 2;
  return s;
}

/**
 * The largest power of two `<= n` (n >= 1).
 *
 * @example
 * ```ts
 * powerOfTwoAtMost(0x30000); // 0x20000
 * ```
 */
export function powerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/**
 * `ceil(log2(n))` for n >= 1: the order of the smallest block of 2^order units holding `n`
 * units (e.g. pages).
 *
 * @example
 * ```ts
 * ceilLog2(1); // 0
 * ceilLog2(5); // 3: 8 pages hold 5
 * ```
 */
export function ceilLog2(n: number): number {
  return Math.log2(powerOfTwoAtLeast(n));
}
