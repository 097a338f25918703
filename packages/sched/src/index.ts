/**
 * `@rtos-sim/sched`: the scheduler layer of the rtos-sim kernel. Tasks are generator functions
 * that yield plain syscall requests (`yield { op: "sleep", ms: 10 }`); the scheduler alone
 * decides who runs.
 *
 * - Priorities 0..31 (31 highest), round-robin inside a priority; a FIFO ready list per priority
 *   behind a 32-bit bitmap (no scan of all tasks); states ready, running, sleeping, blocked,
 *   faulted, stopped; an idle hook.
 * - Simulated time in core cycles at the board clock: every checked memory access charges
 *   `core.cycles` (1 + wait states), plus a cost per syscall and per context switch; a SysTick
 *   at a configurable rate; sleeps and timeouts in ticks or ms, kept in a binary heap.
 * - Wait queues (block with timeout, wake one, wake all) for the kernel's semaphores and queues.
 * - A watchdog (cycle and step budgets per slice, checked at each yield), faults, kills that run
 *   `finally` blocks, errors delivered into a task, restarts.
 * - Typed events and a trace recorder with a stable FNV-1a hash: the same inputs give the same
 *   trace byte for byte.
 *
 * The kernel drives it through one syscall handler and a few hooks (`switchIn`, `switchOut`,
 * `beforeStep`, `afterStep`, `onFault`, `idle`); see {@link SchedulerOptions} and the README.
 *
 * @packageDocumentation
 */

export type { Duration, Instant, Now } from "./clock.js";
export { SimClock, wholeMicros } from "./clock.js";
export type { Decision, RunEnd, RunOptions, RunResult, StepResult } from "./dispatcher.js";
export type { SchedErrorCode } from "./errors.js";
export { SchedError } from "./errors.js";
export type {
  FaultEvent,
  IdleEvent,
  SchedEvents,
  SpawnEvent,
  StateCause,
  StateEvent,
  SwitchEvent,
  SyscallEvent,
  WatchdogEvent,
} from "./events.js";
export { SchedEmitter, type SchedWatched } from "./events.js";
export type {
  IdleInfo,
  SchedCosts,
  SchedulerMachine,
  SchedulerOptions,
  SliceInfo,
  StateHook,
  SyscallHandler,
  TaskHook,
  WatchdogOptions,
} from "./options.js";
export type { QueueNode } from "./ready-queue.js";
export { ReadyQueue } from "./ready-queue.js";
export { plainRequest } from "./request.js";
export { Scheduler } from "./scheduler.js";
export type { FaultReason, SchedProgram, SyscallRequest, Task, TaskEntry, TaskState, TaskStats } from "./task.js";
export type { SpawnOptions } from "./task-table.js";
export type { TimerNode } from "./timer-heap.js";
export { TimerHeap } from "./timer-heap.js";
export type { JsonValue, TraceRecord } from "./trace.js";
export { canonicalHash, canonicalJson, Fnv1a64, fnv1a64, TraceRecorder, traceHash } from "./trace.js";
export type { WaitOrder, WaitQueueOptions } from "./wait-queue.js";
export { TIMEOUT, WaitQueue } from "./wait-queue.js";
