import { SimError } from "@rtos-sim/hw";

/**
 * Error codes raised by `@rtos-sim/sched`. Every error is raised before anything changes.
 *
 * - `SCHED_OPTION`: a scheduler option is invalid (`context.option` names it): `tickHz` that does
 *   not divide the board clock into 1..2^24 cycles per tick, `priorities` outside 1..32, a negative
 *   or fractional cost, a watchdog budget that is not a positive integer, a bad `timeslice`, a hook
 *   (`syscall`, `switchIn`, ...) that is not a function, `countCycles` or `driveSysTick` not a boolean.
 * - `TASK_PRIORITY`: a priority outside `0..priorities-1` or not an integer.
 * - `TASK_ENTRY`: a task's entry is not a function.
 * - `TASK_UNKNOWN`: the task does not belong to this scheduler.
 * - `TASK_STATE`: the operation is not allowed in the task's state (`context.state`), e.g.
 *   blocking a task that is not running, restarting a running task, faulting a stopped one.
 * - `DURATION`: a sleep, timeout or time limit is negative, fractional (ticks, cycles) or not finite,
 *   or a sleep or timeout would end past the last cycle the clock counts exactly (2^53 - 1).
 * - `FAULT_REASON`: a fault reason that is not `{ kind: string, message: string }`.
 * - `RUN_REENTRANT`: `run()`/`step()` called from inside a task step, a hook or a syscall handler.
 */
export type SchedErrorCode =
  | "SCHED_OPTION"
  | "TASK_PRIORITY"
  | "TASK_ENTRY"
  | "TASK_UNKNOWN"
  | "TASK_STATE"
  | "DURATION"
  | "FAULT_REASON"
  | "RUN_REENTRANT";

/** A typed error of the scheduler: a stable {@link SchedErrorCode} and a context naming the culprit. */
export class SchedError extends SimError<SchedErrorCode> {
  constructor(code: SchedErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "SchedError";
  }
}
