import type { AppCheck, Kernel } from "@rtos-sim/kernel";

/**
 * The check of a task that sleeps until `atMs` before it does what the check looks at, when
 * the run ended before the task's turn: by `atMs` at the latest, with the task still asleep or
 * woken but not done (sleeping, ready or blocked; a duration shorter than the app's schedule).
 * Returns a skipped check that says so; null when the task had its turn (or does not exist),
 * and the check is to be judged.
 *
 * @example
 * ```ts
 * import type { AppCheck, Kernel } from "@rtos-sim/kernel";
 * import { notReached } from "./not-reached.js";
 * function ringCheck(kernel: Kernel): AppCheck {
 *   const skip = notReached(kernel, "rogue-ring-write", "write the ring", 201);
 *   if (skip) return skip;
 *   return { name: "ring write stopped", ok: kernel.task("rogue-ring-write")!.faults.length === 1, detail: "one MemManage" };
 * }
 * ```
 */
export function notReached(kernel: Kernel, task: string, what: string, atMs: number): AppCheck | null {
  const k = kernel.task(task);
  const state = k ? kernel.schedTask(k).state : null;
  if (kernel.nowMs() > atMs || (state !== "sleeping" && state !== "ready" && state !== "blocked")) return null;
  return skippedCheck(
    kernel,
    task,
    (ended) => `${what}: not reached, the run ended at ${ended} ms, before the task had its turn (due at ${atMs} ms)`,
  );
}

/**
 * A check skipped because the run ended before its subject happened: `detail` is given the time
 * the run ended, in ms to the microsecond, and says what did not happen.
 *
 * @example
 * ```ts
 * import type { AppCheck, Kernel } from "@rtos-sim/kernel";
 * import { skippedCheck } from "./not-reached.js";
 * function motorsCheck(kernel: Kernel): AppCheck {
 *   return skippedCheck(kernel, "motors driven", (ended) => `not reached, the run ended at ${ended} ms`);
 * }
 * ```
 */
export function skippedCheck(kernel: Kernel, name: string, detail: (endedMs: number) => string): AppCheck {
  return { name, ok: false, skipped: true, detail: detail(Math.round(kernel.nowMs() * 1000) / 1000) };
}
