/**
 * The apps' seeded random numbers: mulberry32, a 32-bit generator with a 2^32 period, good
 * enough for workloads and bit-for-bit reproducible from the seed (no `Math.random`).
 */

/** A seeded generator of integers. */
export class Prng {
  private state: number;

  /** `seed` and `stream` (e.g. a task index) select independent sequences. */
  constructor(seed: number, stream = 0) {
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }

  /** True with probability `percent` / 100. */
  chance(percent: number): boolean {
    return this.next() % 100 < percent;
  }
}
