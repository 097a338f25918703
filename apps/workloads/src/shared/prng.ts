/**
 * The apps' seeded random numbers: mulberry32 (`@rtos-sim/prng`), a 32-bit generator with a 2^32
 * period, good enough for workloads and bit-for-bit reproducible from the seed (no `Math.random`).
 */
import { mulberry32Words } from "@rtos-sim/prng";

/** A seeded generator of integers. */
export class Prng {
  /** The next 32-bit unsigned value. */
  readonly next: () => number;

  /** `seed` and `stream` (e.g. a task index) select independent sequences. */
  constructor(seed: number, stream = 0) {
    this.next = mulberry32Words(Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b));
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
