import type { TaskContext } from "@rtos-sim/kernel";

/**
 * Sleeps until `ms` of simulated time (a whole tick at or after it); returns at once when it has
 * passed. A task that keeps its own schedule (a slot in a cycle, a phase before another task's
 * release) calls it at the top of each job.
 *
 * @example
 * ```ts
 * import type { TaskContext } from "@rtos-sim/kernel";
 * import { sleepUntil } from "./sleep-until.js";
 * function* worker(t: TaskContext) {
 *   for (let job = 0; ; job++) {
 *     yield* sleepUntil(t, job * 8 + 2); // its slot: 2 ms into every 8 ms
 *   }
 * }
 * ```
 */
export function* sleepUntil(t: TaskContext, ms: number): Generator<unknown, void, unknown> {
  const now = (yield* t.info()).now;
  if (ms > now) yield* t.sleep({ ms: ms - now });
}
