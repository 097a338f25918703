import type { Core } from "@rtos-sim/hw";
import type { Duration, Now } from "./clock.js";
import { SimClock } from "./clock.js";
import { type Decision, Dispatcher, type RunOptions, type RunResult, type StepResult } from "./dispatcher.js";
import { SchedError } from "./errors.js";
import { SchedEmitter } from "./events.js";
import { resolveOptions, type SchedulerOptions } from "./options.js";
import type { FaultReason, Task } from "./task.js";
import { type SpawnOptions, TaskTable } from "./task-table.js";
import { Timekeeper } from "./timekeeper.js";
import type { WaitQueue } from "./wait-queue.js";

/**
 * Cooperative (optionally time-sliced) priority scheduler for tasks written as generators.
 * Priorities 0..31 (31 highest) with round-robin inside a priority; a ready queue per priority
 * behind a bitmap; a timer heap for sleeps and timeouts; simulated time in core cycles; a
 * watchdog; faults, kills and restarts; typed events. See the package README for the kernel
 * interface (syscall handler and hooks).
 *
 * It is the public face of three collaborators, each with one job: a task table (the task
 * control blocks, ready lists, timer heap and every change of a task's state), a dispatcher
 * (decisions, slices, syscalls, hooks, the watchdog) and a timekeeper (core cycles into
 * simulated time and SysTick).
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { Scheduler } from "@rtos-sim/sched";
 * const sched = new Scheduler({ machine: createMachine(STM32F407), tickHz: 1000 });
 * sched.spawn({ name: "blink", priority: 1, *entry() { for (;;) yield { op: "sleep", ms: 500 }; } });
 * sched.run({ until: { ms: 2000 } });
 * ```
 */
export class Scheduler<D = unknown> {
  /** Typed events (switch, syscall, state, watchdog, fault, idle, spawn). */
  readonly events = new SchedEmitter();
  /** Simulated time. */
  readonly clock: SimClock;
  /** The machine's core: the cycles its accesses charge are folded into the simulated clock. */
  readonly core: Core;
  private readonly table: TaskTable<D>;
  private readonly time: Timekeeper;
  private readonly dispatcher: Dispatcher<D>;

  /** Throws `SCHED_OPTION` for a bad option. Turns on `core.countCycles` and programs SysTick (see options). */
  constructor(options: SchedulerOptions<D>) {
    const o = resolveOptions(options);
    this.clock = new SimClock(options.machine.board.clockHz, o.tickHz);
    this.core = options.machine.core;
    const onFault = options.onFault;
    this.table = new TaskTable<D>({
      priorities: o.priorities,
      clock: this.clock,
      events: this.events,
      onFault: (task, reason) => onFault?.(task, reason, this),
      onState: options.onState ?? null,
      beforeRestart: options.beforeRestart ? (task) => options.beforeRestart!(task, this) : null,
    });
    if (options.countCycles ?? true) this.core.countCycles = true;
    const systick = options.machine.systick;
    this.time = new Timekeeper({
      clock: this.clock,
      core: this.core,
      systick: (options.driveSysTick ?? true) && systick ? systick : null,
      tasks: this.table,
    });
    this.dispatcher = new Dispatcher<D>({
      scheduler: this,
      tasks: this.table,
      time: this.time,
      events: this.events,
      options: o,
      hooks: options,
    });
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Number of priority levels. */
  get priorities(): number {
    return this.table.priorities;
  }

  /** Simulated time now (cycles, ticks, ms). */
  now(): Now {
    return this.time.now();
  }

  /**
   * Simulated time now in core cycles: `now().cycles`, read without folding the core's cycles into
   * the clock and without allocating (for code that reads the time at every switch).
   */
  cyclesNow(): number {
    return this.time.cyclesNow();
  }

  /**
   * How many times simulated time has moved outside the core's count (idle time, {@link
   * Scheduler.charge}, the modelled switch and syscall costs): while it stays the same, simulated
   * time and the core's cycle count move together.
   */
  get timeMoves(): number {
    return this.time.moves;
  }

  /** The task holding the CPU (inside a step, hook or syscall handler), else null. */
  get current(): Task<D> | null {
    return this.table.running;
  }

  /** Context switches so far (the CPU passing to a different task). */
  get switches(): number {
    return this.dispatcher.switches;
  }

  /**
   * Cycles with nothing to run so far: the time the dispatcher jumped over while every task
   * slept or waited (the idle hook's own work is not idle). The CPU load is
   * `1 - idleCycles / now().cycles`.
   */
  get idleCycles(): number {
    return this.time.idleCycles;
  }

  /** Why the scheduler was halted, or null. */
  get halted(): string | null {
    return this.dispatcher.halted;
  }

  /** Bit `p` set when priority `p` has a ready task. */
  get readyBitmap(): number {
    return this.table.ready.bitmap;
  }

  /** Ready tasks of one priority, in the order they will run. */
  readyAt(priority: number): Task<D>[] {
    return this.table.ready.level(priority);
  }

  /** Number of pending timers (sleeps and timeouts). */
  get timerCount(): number {
    return this.table.timers.size;
  }

  /**
   * Pending timers (sleeps and timeouts) that expire at exactly tick `tick`: the tasks the SysTick
   * handler of that tick wakes, for a kernel that charges the handler when the tick falls (the
   * wakes themselves happen at the next scheduling decision).
   */
  timersAt(tick: number): number {
    return this.table.timers.countAt(tick);
  }

  /** Every task, in spawn order. */
  tasks(): readonly Task<D>[] {
    return this.table.all;
  }

  /** The task with this id, or undefined. */
  task(id: number): Task<D> | undefined {
    return this.table.all[id - 1];
  }

  // ---- tasks -------------------------------------------------------------------------------

  /**
   * Creates a task, ready at the back of its priority. Throws `TASK_PRIORITY` or `TASK_ENTRY`.
   * The entry is called now (and at each restart) to make the generator.
   */
  spawn(options: SpawnOptions<D>): Task<D> {
    return this.table.spawn(options);
  }

  /** Moves `task` to another priority (its place in a ready or wait queue follows). */
  setPriority(task: Task<D>, priority: number): void {
    this.table.setPriority(task, priority);
  }

  /** The running task gives up the CPU: back of its ready queue. Throws `TASK_STATE` unless running. */
  yield(task: Task<D>): void {
    this.table.yield(task);
  }

  /** The running task sleeps for `d` (0 ticks is a yield). Throws `TASK_STATE`, `DURATION`. */
  sleep(task: Task<D>, d: Duration): void {
    this.table.sleep(task, d);
  }

  /** The running task sleeps until the start of tick `tick` (a yield when it has passed). */
  sleepUntil(task: Task<D>, tick: number): void {
    this.table.sleepUntil(task, tick);
  }

  /** Ends a sleep or a wait early; the task's `yield` evaluates to `value`. Throws `TASK_STATE` otherwise. */
  wake(task: Task<D>, value?: unknown): void {
    this.table.wake(task, value);
  }

  /**
   * Faults `task`: it leaves every queue and runs no more code (not even `finally` blocks) until
   * {@link Scheduler.restart}. Safe from anywhere, including a memory hook inside the task's
   * own step. Calls the `onFault` option. Throws `TASK_STATE` if already faulted or stopped.
   */
  fault(task: Task<D>, reason: FaultReason): void {
    this.table.fault(task, reason);
  }

  /**
   * Kills `task`. By default its generator is unwound with `return()` so its `finally` blocks
   * run, in the task's own turn (its own MPU context): at once after the current step when it is
   * the running task, else it is put at the front of its ready queue. A request yielded while
   * unwinding is not carried out. With `{ unwind: false }` (and always for a faulted task) it
   * stops at once without running code. No-op when already stopped or stopping. Throws
   * `TASK_UNKNOWN`, and `SCHED_OPTION` for options that are not `{ unwind?: boolean }`.
   */
  stop(task: Task<D>, options: { readonly unwind?: boolean | undefined } = {}): void {
    this.table.stop(task, options);
  }

  /**
   * Delivers `error` into the task's generator (`throw()` at its current `yield`) when it next
   * runs; a sleeping or blocked task is woken for it. The task may catch it and go on. Throws
   * `TASK_STATE` for a faulted or stopped task.
   */
  throwInto(task: Task<D>, error: unknown): void {
    this.table.throwInto(task, error);
  }

  /**
   * Starts a faulted or stopped task again from a fresh generator (ready, counters reset), after
   * the `beforeRestart` hook. Throws `TASK_UNKNOWN`, `TASK_STATE` (a live task).
   */
  restart(task: Task<D>): void {
    this.table.restart(task);
  }

  /** Stops the run: `run()` returns `halted` (a slice in progress ends at its next syscall). */
  halt(reason: string): void {
    this.dispatcher.halt(reason);
  }

  /**
   * Charges `cycles` to simulated time (and to the running task), e.g. for modelled work.
   * Throws `DURATION` for a count that is not a non-negative integer, or that would take the
   * clock past the last cycle it counts exactly (2^53 - 1): nothing is charged.
   */
  charge(cycles: number): void {
    if (!Number.isInteger(cycles) || cycles < 0)
      throw new SchedError("DURATION", "cycles must be a non-negative integer", { cycles });
    this.time.sync();
    if (cycles > Number.MAX_SAFE_INTEGER - this.clock.cycles) {
      throw new SchedError("DURATION", "cycles end past the last cycle the clock counts (2^53 - 1)", {
        cycles,
        maxCycles: Number.MAX_SAFE_INTEGER - this.clock.cycles,
      });
    }
    this.time.advance(cycles);
  }

  // ---- running -----------------------------------------------------------------------------

  /**
   * Tock's `next()`: expires due timers, then says which task would run now, or until when the
   * CPU would sleep. Dispatches nothing.
   */
  next(): Decision<D> {
    return this.dispatcher.next();
  }

  /**
   * One scheduling decision: dispatches the highest-priority ready task for one slice (until it
   * yields, sleeps, blocks, ends, faults, or is preempted), or, when nothing is ready, calls the
   * idle hook and jumps time to the next wake-up. Throws `RUN_REENTRANT` from inside a step.
   * An exception thrown by a hook propagates (a kernel bug); the task it interrupted is left
   * `faulted` with kind `kernel-error`. (Exceptions from the syscall handler fault the task instead.)
   */
  step(): StepResult<D> {
    return this.dispatcher.step(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs slices until the time limit, the slice limit, `halt()`, or until no task can run.
   * Throws `DURATION` for a bad limit, `RUN_REENTRANT` from inside a step.
   */
  run(options: RunOptions = {}): RunResult {
    return this.dispatcher.run(options);
  }

  // ---- wait queues (called through WaitQueue) ------------------------------------------------

  /** @internal Blocks the running task on `q` (see {@link WaitQueue.block}). */
  blockOn(q: WaitQueue<D>, task: Task<D>, timeout?: Duration): void {
    this.table.blockOn(q, task, timeout);
  }

  /** @internal Wakes the first waiter of `q` (see {@link WaitQueue.wakeOne}). */
  wakeFrom(q: WaitQueue<D>, value: unknown): Task<D> | null {
    return this.table.wakeFrom(q, value);
  }
}
