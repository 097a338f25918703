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
 * const skip = notReached(kernel, "rogue-ring-write", "write the ring", 201);
 * if (skip) return skip;
 * ```
 */
export function notReached(kernel: Kernel, task: string, what: string, atMs: number): AppCheck | null {
  const k = kernel.task(task);
  const now = kernel.nowMs();
  const state = k ? kernel.schedTask(k).state : null;
  if (now > atMs || (state !== "sleeping" && state !== "ready" && state !== "blocked")) return null;
  const ended = Math.round(now * 1000) / 1000;
  return {
    name: task,
    ok: false,
    skipped: true,
    detail: `${what}: not reached, the run ended at ${ended} ms, before the task had its turn (due at ${atMs} ms)`,
  };
}
