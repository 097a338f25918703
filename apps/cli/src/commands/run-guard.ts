/**
 * The app's `run(ctx)` under a watchdog. A task in a JavaScript loop that never yields and
 * touches no simulated memory advances no simulated time, so no simulated watchdog can stop it,
 * and the process would hang. Called through `node:vm`, the synchronous part of the run (all of
 * a kernel app's run) can be stopped from outside: after `--timeout` of wall time, and by Ctrl-C.
 */
import vm from "node:vm";

/** How a guarded call was stopped from outside. */
export type RunStop = "timeout" | "interrupt";

/**
 * Calls `run` with a wall-time limit (`timeoutMs`, none when null) and Ctrl-C able to stop it.
 * Returns what `run` returns; throws what it throws, or a Node error whose {@link runStop} says
 * it was stopped.
 *
 * @example
 * ```ts
 * import { guardedRun, runStop } from "./run-guard.js";
 * try {
 *   guardedRun(() => {
 *     for (;;); // a task that never yields
 *   }, 100);
 * } catch (e) {
 *   if (runStop(e) === "timeout") console.log("the run took more than 100 ms");
 * }
 * // the run took more than 100 ms
 * ```
 */
export function guardedRun<T>(run: () => T, timeoutMs: number | null): T {
  const context = vm.createContext({ run });
  return vm.runInContext("run()", context, {
    breakOnSigint: true,
    ...(timeoutMs === null ? {} : { timeout: Math.max(1, Math.round(timeoutMs)) }),
  }) as T;
}

/** Whether `e` is the error of a guarded call stopped from outside, and how; null for any other. */
export function runStop(e: unknown): RunStop | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return "timeout";
  if (code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") return "interrupt";
  return null;
}
