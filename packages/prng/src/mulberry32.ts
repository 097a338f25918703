/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, period 2^32): the project's one seeded PRNG.
 * The state is a 32-bit integer; each draw adds 0x6D2B79F5 to it and mixes the sum into the
 * output. Deterministic for a given seed on every engine (integer arithmetic only).
 */

/**
 * mulberry32 as 32-bit words: returns a function giving the next unsigned 32-bit value of the
 * sequence seeded with `seed` (taken as a 32-bit integer).
 *
 * @example
 * ```ts
 * import { mulberry32Words } from "@rtos-sim/prng";
 * const next = mulberry32Words(1);
 * console.log(next()); // 2693262067
 * // then the same sequence on every run
 * ```
 */
export function mulberry32Words(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * mulberry32 as numbers uniform in [0, 1): each is the next 32-bit word over 2^32. The run's
 * PRNG of `rtos-sim run` (`ctx.random`) and the generator of the benchmarks' standard trace.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "@rtos-sim/prng";
 * const random = mulberry32(1);
 * console.log(random()); // 0.6270739405881613
 * // then the same sequence on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Words(seed);
  return () => next() / 4294967296;
}
