/**
 * Whether an app that runs in one go (a machine app) has stalled: its `run(ctx)` is async, has
 * not settled, and the simulation has not moved for {@link STUCK_MS} while the worker was free
 * to look (the run awaits something that never comes: a promise nobody resolves). The worker is
 * not blocked then, so the page's {@link AnswerWatch} hears it answer and the page would show
 * "running" forever; the worker asks this watch every few hundred milliseconds and stops the run
 * with `APP_STUCK`. A run that blocks the worker (a JavaScript loop) never lets it look: that one
 * is the AnswerWatch's. A simulator has no wall clock, so a run that only waits for wall time
 * is stalled too.
 */
import { STUCK_MS } from "./answer-watch.js";

/**
 * Tracks a progress count (the run's core cycles) over wall time.
 *
 * @example
 * ```ts
 * import { StallWatch } from "./stall-watch.js";
 * const w = new StallWatch();
 * console.log(w.stalled(0, 1000)); // false
 * // false: the first look
 * console.log(w.stalled(0, 5999)); // false
 * console.log(w.stalled(0, 6000)); // true
 * // true: no progress for STUCK_MS
 * ```
 */
export class StallWatch {
  #progress = 0;
  #since: number | null = null;

  constructor(
    /** Wall time without progress after which {@link StallWatch.stalled} is true (milliseconds). */
    readonly limitMs: number = STUCK_MS,
  ) {}

  /** The run's `progress` (any count that grows as it runs) at wall time `now`: whether it has not changed for {@link limitMs}. */
  stalled(progress: number, now: number): boolean {
    if (this.#since === null || progress !== this.#progress) {
      this.#progress = progress;
      this.#since = now;
      return false;
    }
    return now - this.#since >= this.limitMs;
  }
}
