/**
 * Powers of two, as MPU region sizes (PMSAv7: a power of two from 32 B to 4 GiB, base aligned on
 * it; see docs/mpu-model.md), page blocks (2^order pages) and address alignment need them. Exact
 * for every size the model uses and beyond (integers up to 2^53): integer operations only. `Math.log2`
 * is not used: the language leaves its precision to the engine, and V8's rounds `log2(2^49 - 1)`
 * up to 49.
 */

/** 2^32, where `Math.clz32` stops. */
const TWO_32 = 2 ** 32;

/**
 * `floor(log2(n))` for n >= 1, exactly: the exponent of the largest power of two `<= n`.
 *
 * @example
 * ```ts
 * import { floorLog2 } from "@rtos-sim/hw";
 * console.log(floorLog2(1)); // 0
 * console.log(floorLog2(0x30000)); // 17
 * console.log(floorLog2(2 ** 49 - 1)); // 48
 * ```
 */
export function floorLog2(n: number): number {
  if (n < TWO_32) return 31 - Math.clz32(n);
  let k = 32;
  for (let p = TWO_32 * 2; p <= n && k < 1023; p *= 2) k++;
  return k;
}

/**
 * Whether `n` is a power of two (1, 2, 4, ..., 2^52).
 *
 * @example
 * ```ts
 * import { isPowerOfTwo } from "@rtos-sim/hw";
 * console.log(isPowerOfTwo(1024)); // true
 * console.log(isPowerOfTwo(96)); // false
 * ```
 */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** floorLog2(n) === n;
}

/**
 * The smallest power of two that is `>= n` and `>= min` (`min` a power of two, default 1):
 * the size of the smallest MPU region (min 32) or buddy block holding `n` bytes.
 *
 * @example
 * ```ts
 * import { powerOfTwoAtLeast } from "@rtos-sim/hw";
 * console.log(powerOfTwoAtLeast(1000)); // 1024
 * console.log(powerOfTwoAtLeast(1, 32)); // 32
 * // 32: the smallest PMSAv7 region
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
 * import { hex32, powerOfTwoAtMost } from "@rtos-sim/hw";
 * console.log(hex32(powerOfTwoAtMost(0x30000))); // 0x00020000
 * ```
 */
export function powerOfTwoAtMost(n: number): number {
  return 2 ** floorLog2(n);
}

/**
 * `ceil(log2(n))` for n >= 1: the order of the smallest block of 2^order units holding `n`
 * units (e.g. pages).
 *
 * @example
 * ```ts
 * import { ceilLog2 } from "@rtos-sim/hw";
 * console.log(ceilLog2(1)); // 0
 * console.log(ceilLog2(5)); // 3
 * // 3: 8 pages hold 5
 * ```
 */
export function ceilLog2(n: number): number {
  return floorLog2(powerOfTwoAtLeast(n));
}
