/**
 * `@rtos-sim/prng`: the project's seeded pseudo-random numbers. Packages never use
 * `Math.random`; workloads, the run's `ctx.random` and the benchmarks' standard trace all draw
 * from {@link mulberry32}, so a run is reproduced bit for bit from its seed.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "@rtos-sim/prng";
 * const random = mulberry32(0xc0ffee);
 * const size = 8 + Math.floor(random() * 504);
 * ```
 *
 * @packageDocumentation
 */
export { mulberry32, mulberry32Words } from "./mulberry32.js";
