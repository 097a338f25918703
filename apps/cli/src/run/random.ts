/**
 * mulberry32: the project's seeded PRNG (the same generator as the benchmark trace). Returns a
 * function giving uniform numbers in [0, 1). Deterministic for a given seed.
 *
 * @example
 * ```ts
 * const random = mulberry32(1);
 * random(); // always the same first value for seed 1
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
