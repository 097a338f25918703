/**
 * Whether the playground's worker still answers. A worker runs the app on its own thread, so a
 * task stuck in plain JavaScript (a loop that never yields and touches no simulated memory, which
 * no simulated watchdog can see) blocks it: it reads no more messages, and Pause, Reset and an
 * edit would wait forever. The page keeps one of these, tells it what it sent and what it heard,
 * and replaces the worker once it has waited {@link STUCK_MS} for an answer that is always quick.
 */
import type { FromWorker, ToWorker } from "./protocol.js";

/** Wall time the page waits for an answer before it decides the worker is stuck (milliseconds). */
export const STUCK_MS = 5000;

/**
 * What the page is waiting for. A request the worker answers at once (`load`, `pause`, `step`)
 * and a run of a steppable app (which sends an update after every burst of a few tens of
 * milliseconds) are waits; a run of an app that cannot pause sends nothing until it finishes,
 * so it is not one, unless the page asked it to pause.
 *
 * @example
 * ```ts
 * import { AnswerWatch } from "./answer-watch.js";
 * const watch = new AnswerWatch();
 * watch.sent({ type: "pause" }, false, 1000);
 * console.log(watch.stuck(5999)); // false
 * console.log(watch.stuck(6000)); // true
 * // true: no answer for STUCK_MS
 * ```
 */
export class AnswerWatch {
  /** When the page began waiting (the last message heard since), or null when it is not waiting. */
  #since: number | null = null;

  constructor(
    /** Wall time without an answer after which {@link stuck} is true (milliseconds). */
    readonly limitMs: number = STUCK_MS,
  ) {}

  /** Whether the page is waiting for an answer. */
  get waiting(): boolean {
    return this.#since !== null;
  }

  /**
   * The page sent `m` at wall time `now`; `steppable` is whether the loaded app reports while it
   * runs (`SessionInfo.steppable`).
   */
  sent(m: ToWorker, steppable: boolean, now: number): void {
    if (m.type === "run" && !steppable) return;
    this.#since ??= now;
  }

  /**
   * The page heard `m` at wall time `now` (a stale message too: it shows the worker is alive).
   * `current` is whether `m` belongs to the page's latest load.
   */
  heard(m: FromWorker, current: boolean, now: number): void {
    if (this.#since === null) return;
    this.#since = now;
    if (current && !(m.type === "update" && m.running)) this.#since = null;
  }

  /** Whether the worker has left a wait unanswered for {@link limitMs} at wall time `now`. */
  stuck(now: number): boolean {
    return this.#since !== null && now - this.#since >= this.limitMs;
  }

  /** Forget the wait (the worker was replaced). */
  reset(): void {
    this.#since = null;
  }
}
