/**
 * π as an exact big integer (Machin's formula in BigInt arithmetic), the source of the constants
 * of the deterministic math functions (docs/writing-an-app.md: runs must be deterministic): integer
 * arithmetic is exact on every engine, so the bits below are the same everywhere.
 */

/** `atan(1/m) * scale` by its alternating series, each term truncated (error below one unit per term). */
function arctanInverse(m: bigint, scale: bigint): bigint {
  const m2 = m * m;
  let power = scale / m;
  let sum = 0n;
  for (let k = 0n; power !== 0n; k++) {
    const term = power / (2n * k + 1n);
    sum = k % 2n === 0n ? sum + term : sum - term;
    power /= m2;
  }
  return sum;
}

/**
 * `π * 2^bits` as a big integer, within one unit (Machin: π = 16 atan(1/5) - 4 atan(1/239),
 * computed with 64 guard bits).
 *
 * @example
 * ```ts
 * import { piScaled } from "./pi-bits.js";
 * console.log(piScaled(2)); // 12n
 * // 12n: π * 4 = 12.57
 * ```
 */
export function piScaled(bits: number): bigint {
  const guard = 64n;
  const scale = 1n << (BigInt(bits) + guard);
  return (16n * arctanInverse(5n, scale) - 4n * arctanInverse(239n, scale)) >> guard;
}

/**
 * `(2/π) * 2^bits` as a big integer, within one unit: the multiplier of the exact reduction of
 * large arguments (Payne-Hanek style, see reduce.ts).
 *
 * @example
 * ```ts
 * import { twoOverPiScaled } from "./pi-bits.js";
 * console.log(twoOverPiScaled(4)); // 10n
 * // 10n: 16 * 0.6366 = 10.19
 * ```
 */
export function twoOverPiScaled(bits: number): bigint {
  const b = bits + 16;
  return (1n << BigInt(bits + b + 1)) / piScaled(b);
}
