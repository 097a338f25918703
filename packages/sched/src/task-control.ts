import type { Core, SysTick } from "@rtos-sim/hw";
import { type Duration, type Now, SimClock } from "./clock.js";
import { SchedError } from "./errors.js";
import { SchedEmitter, type StateCause } from "./events.js";
import { type ResolvedOptions, resolveOptions, type SchedulerOptions } from "./options.js";
import { ReadyQueue } from "./ready-queue.js";
import type { Scheduler } from "./scheduler.js";
import { type FaultReason, type Task, type TaskEntry, type TaskState, Tcb } from "./task.js";
import { TimerHeap } from "./timer-heap.js";
import { TIMEOUT, type WaitQueue } from "./wait-queue.js";

/** What to create: a name, a priority, the generator function, and the kernel's per-task data. */
export interface SpawnOptions<D = unknown> {
  readonly name: string;
  /** 0 (lowest) .. priorities-1 (highest). */
  readonly priority: number;
  readonly entry: TaskEntry;
  readonly data?: D;
}

/**
 * The task half of the {@link Scheduler}: the clock, the ready lists and the timer heap, the
 * queries, and every operation that changes a task's state (spawn, sleep, block, wake, fault,
 * stop, restart). The {@link Scheduler} adds the decisions and the running of slices; use it.
 */
export class TaskControl<D = unknown> {
  /** Typed events (switch, syscall, state, watchdog, fault, idle, spawn). */
  readonly events = new SchedEmitter();
  /** Simulated time. */
  readonly clock: SimClock;
  readonly core: Core;
  protected readonly o: ResolvedOptions;
  protected readonly hooks: SchedulerOptions<D>;
  protected readonly ready: ReadyQueue<Tcb<D>>;
  protected readonly timers = new TimerHeap<Tcb<D>>();
  protected readonly all: Tcb<D>[] = [];
  protected readonly systick: SysTick | null;
  protected lastCore: number;
  protected running: Tcb<D> | null = null;
  protected lastRun: Tcb<D> | null = null;
  protected busy = false;
  protected haltReason: string | null = null;
  protected switchCount = 0;

  /** Throws `SCHED_OPTION` for a bad option. Turns on `core.countCycles` and programs SysTick (see options). */
  protected constructor(options: SchedulerOptions<D>) {
    this.o = resolveOptions(options);
    this.clock = new SimClock(options.machine.board.clockHz, this.o.tickHz);
    this.hooks = options;
    this.core = options.machine.core;
    this.ready = new ReadyQueue<Tcb<D>>(this.o.priorities);
    if (options.countCycles ?? true) this.core.countCycles = true;
    this.lastCore = this.core.cycles;
    this.systick = (options.driveSysTick ?? true) && options.machine.systick ? options.machine.systick : null;
    if (this.systick) {
      this.systick.rvr = this.clock.cyclesPerTick - 1;
      this.systick.cvr = 0;
      this.systick.csr = 0x7; // ENABLE | TICKINT | CLKSOURCE (core clock)
    }
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Number of priority levels. */
  get priorities(): number {
    return this.o.priorities;
  }

  /** Simulated time now (cycles, ticks, ms). */
  now(): Now {
    this.sync();
    return this.clock.now();
  }

  /** The task holding the CPU (inside a step, hook or syscall handler), else null. */
  get current(): Task<D> | null {
    return this.running;
  }

  /** Context switches so far (the CPU passing to a different task). */
  get switches(): number {
    return this.switchCount;
  }

  /** Why the scheduler was halted, or null. */
  get halted(): string | null {
    return this.haltReason;
  }

  /** Bit `p` set when priority `p` has a ready task. */
  get readyBitmap(): number {
    return this.ready.bitmap;
  }

  /** Ready tasks of one priority, in the order they will run. */
  readyAt(priority: number): Task<D>[] {
    return this.ready.level(priority);
  }

  /** Number of pending timers (sleeps and timeouts). */
  get timerCount(): number {
    return this.timers.size;
  }

  /** Every task, in spawn order. */
  tasks(): readonly Task<D>[] {
    return this.all;
  }

  /** The task with this id, or undefined. */
  task(id: number): Task<D> | undefined {
    return this.all[id - 1];
  }

  // ---- tasks -------------------------------------------------------------------------------

  /**
   * Creates a task, ready at the back of its priority. Throws `TASK_PRIORITY` or `TASK_ENTRY`.
   * The entry is called now (and at each restart) to make the generator.
   */
  spawn(options: SpawnOptions<D>): Task<D> {
    this.checkPriority(options.priority);
    if (typeof options.entry !== "function") {
      throw new SchedError("TASK_ENTRY", "entry must be a generator function", { name: options.name });
    }
    const t = new Tcb<D>(
      this,
      this.all.length + 1,
      String(options.name),
      options.priority,
      options.entry,
      options.data as D,
    );
    this.checkProgram(t);
    this.all.push(t);
    this.ready.pushBack(t, t.priority);
    if (this.events.listenerCount("spawn") > 0) {
      this.events.emit("spawn", { time: this.clock.cycles, tick: this.clock.ticks, task: t });
    }
    return t;
  }

  /** Moves `task` to another priority (its place in a ready or wait queue follows). */
  setPriority(task: Task<D>, priority: number): void {
    const t = this.own(task);
    this.checkPriority(priority);
    const q = t.qOwner as ReadyQueue<Tcb<D>> | null;
    const w = t.waitingOn as WaitQueue<D> | null;
    t.priority = priority;
    if (q === null || (w !== null && w.order === "fifo")) return; // not queued, or arrival order only
    q.remove(t);
    q.pushBack(t, w === null ? priority : w.levelOf(t));
  }

  /** The running task gives up the CPU: back of its ready queue. Throws `TASK_STATE` unless running. */
  yield(task: Task<D>): void {
    const t = this.ownRunning(task);
    this.toReady(t, "yield", false);
  }

  /** The running task sleeps for `d` (0 ticks is a yield). Throws `TASK_STATE`, `DURATION`. */
  sleep(task: Task<D>, d: Duration): void {
    const t = this.ownRunning(task);
    this.sleepTicks(t, this.clock.ticksFor(d));
  }

  /** The running task sleeps until the start of tick `tick` (a yield when it has passed). */
  sleepUntil(task: Task<D>, tick: number): void {
    const t = this.ownRunning(task);
    const ticks = this.clock.ticksFor({ ticks: tick });
    this.sleepTicks(t, Math.max(0, ticks - this.clock.ticks));
  }

  /** Ends a sleep or a wait early; the task's `yield` evaluates to `value`. Throws `TASK_STATE` otherwise. */
  wake(task: Task<D>, value?: unknown): void {
    const t = this.own(task);
    if (t.state !== "sleeping" && t.state !== "blocked") this.badState(t, "wake");
    this.detach(t);
    t.resumeValue = value;
    t.valueLocked = true;
    this.toReady(t, "wake", false);
  }

  /**
   * Faults `task`: it leaves every queue and runs no more code (not even `finally` blocks) until
   * {@link TaskControl.restart}. Safe from anywhere, including a memory hook inside the task's
   * own step. Calls the `onFault` option. Throws `TASK_STATE` if already faulted or stopped.
   */
  fault(task: Task<D>, reason: FaultReason): void {
    const t = this.own(task);
    if (
      reason === null ||
      typeof reason !== "object" ||
      typeof reason.kind !== "string" ||
      typeof reason.message !== "string"
    ) {
      throw new SchedError("FAULT_REASON", "a fault reason is { kind, message }", { task: t.id, reason });
    }
    if (t.state === "faulted" || t.state === "stopped") this.badState(t, "fault");
    this.detach(t);
    t.stopping = false;
    t.pendingThrow = null;
    t.fault = reason;
    this.setState(t, "faulted", "fault");
    if (this.events.listenerCount("fault") > 0)
      this.events.emit("fault", { time: this.clock.cycles, tick: this.clock.ticks, task: t, reason });
    this.hooks.onFault?.(t, reason, this as unknown as Scheduler<D>);
  }

  /**
   * Kills `task`. By default its generator is unwound with `return()` so its `finally` blocks
   * run, in the task's own turn (its own MPU context): at once after the current step when it is
   * the running task, else it is put at the front of its ready queue. A request yielded while
   * unwinding is not carried out. With `{ unwind: false }` (and always for a faulted task) it
   * stops at once without running code. No-op when already stopped or stopping.
   */
  stop(task: Task<D>, options: { readonly unwind?: boolean } = {}): void {
    const t = this.own(task);
    if (t.state === "stopped" || t.stopping) return;
    if (t.state === "faulted" || options.unwind === false) {
      this.detach(t);
      this.setState(t, "stopped", "stop");
      return;
    }
    t.stopping = true;
    t.pendingThrow = null;
    if (t === this.running && t.state === "running") return;
    this.detach(t);
    this.setState(t, "ready", "stop");
    this.ready.pushFront(t, t.priority);
  }

  /**
   * Delivers `error` into the task's generator (`throw()` at its current `yield`) when it next
   * runs; a sleeping or blocked task is woken for it. The task may catch it and go on. Throws
   * `TASK_STATE` for a faulted or stopped task.
   */
  throwInto(task: Task<D>, error: unknown): void {
    const t = this.own(task);
    if (t.state === "faulted" || t.state === "stopped" || t.stopping) this.badState(t, "throwInto");
    t.pendingThrow = { error };
    if (t.state === "sleeping" || t.state === "blocked") {
      this.detach(t);
      this.toReady(t, "throw", false);
    }
  }

  /** Starts a faulted or stopped task again from a fresh generator (ready, counters reset). */
  restart(task: Task<D>): void {
    const t = this.own(task);
    if (t.state !== "faulted" && t.state !== "stopped") this.badState(t, "restart");
    const old = t.program;
    t.program = t.entry();
    try {
      this.checkProgram(t);
    } catch (e) {
      t.program = old;
      throw e;
    }
    t.fault = null;
    t.exitValue = undefined;
    t.stopping = false;
    t.pendingThrow = null;
    t.resumeValue = undefined;
    t.valueLocked = false;
    t.slices = t.steps = t.syscalls = t.cycles = t.carryCycles = t.carrySteps = 0;
    t.restarts++;
    this.toReady(t, "restart", false);
  }

  /** Stops the run: `run()` returns `halted` (a slice in progress ends at its next syscall). */
  halt(reason: string): void {
    if (this.haltReason === null) this.haltReason = String(reason);
  }

  /** Charges `cycles` to simulated time (and to the running task), e.g. for modelled work. */
  charge(cycles: number): void {
    if (!Number.isInteger(cycles) || cycles < 0)
      throw new SchedError("DURATION", "cycles must be a non-negative integer", { cycles });
    this.sync();
    this.advance(cycles);
  }

  // ---- wait queues (called through WaitQueue) ------------------------------------------------

  /** @internal Blocks the running task on `q` (see {@link WaitQueue.block}). */
  blockOn(q: WaitQueue<D>, task: Task<D>, timeout?: Duration): void {
    const t = this.ownRunning(task);
    const ticks = timeout === undefined ? -1 : this.clock.ticksFor(timeout);
    this.setState(t, "blocked", "block");
    q.lists.pushBack(t, q.levelOf(t));
    t.waitingOn = q;
    t.valueLocked = true;
    t.resumeValue = undefined;
    if (ticks >= 0) this.timers.insert(t, this.clock.ticks + ticks);
  }

  /** @internal Wakes the first waiter of `q` (see {@link WaitQueue.wakeOne}). */
  wakeFrom(q: WaitQueue<D>, value: unknown): Task<D> | null {
    const t = q.lists.popHighest();
    if (t === null) return null;
    this.timers.remove(t);
    t.waitingOn = null;
    t.resumeValue = value;
    this.toReady(t, "wake", false);
    return t;
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Wakes every timer due at the current tick, in (wake tick, insertion) order. */
  protected expire(): void {
    const now = this.clock.ticks;
    let t = this.timers.peek();
    while (t !== null && t.wakeTick <= now) {
      this.timers.pop();
      if (t.state === "blocked") {
        (t.qOwner as ReadyQueue<Tcb<D>> | null)?.remove(t);
        t.waitingOn = null;
        t.resumeValue = TIMEOUT;
        this.toReady(t, "timeout", false, t.wakeTick);
      } else this.toReady(t, "timer", false, t.wakeTick);
      t = this.timers.peek();
    }
  }

  protected sleepTicks(t: Tcb<D>, ticks: number): void {
    if (ticks === 0) {
      this.toReady(t, "yield", false);
      return;
    }
    this.setState(t, "sleeping", "sleep");
    this.timers.insert(t, this.clock.ticks + ticks);
  }

  protected toReady(t: Tcb<D>, cause: StateCause, front: boolean, wakeTick?: number): void {
    this.setState(t, "ready", cause, wakeTick);
    if (front) this.ready.pushFront(t, t.priority);
    else this.ready.pushBack(t, t.priority);
  }

  /** Takes `t` out of the ready queue or wait queue and the timer heap. */
  protected detach(t: Tcb<D>): void {
    (t.qOwner as ReadyQueue<Tcb<D>> | null)?.remove(t);
    this.timers.remove(t);
    t.waitingOn = null;
  }

  protected setState(t: Tcb<D>, to: TaskState, cause: StateCause, wakeTick?: number): void {
    const from = t.state;
    t.state = to;
    if (this.events.listenerCount("state") > 0) {
      const time = this.clock.cycles;
      const tick = this.clock.ticks;
      this.events.emit(
        "state",
        wakeTick === undefined
          ? { time, tick, task: t, from, to, cause }
          : { time, tick, task: t, from, to, cause, wakeTick },
      );
    }
  }

  /** Folds the cycles the core charged since the last look into simulated time. */
  protected sync(): void {
    const c = this.core.cycles;
    const d = c - this.lastCore;
    this.lastCore = c;
    if (d > 0) this.advance(d);
  }

  protected advance(d: number): void {
    this.clock.cycles += d;
    if (this.running !== null) this.running.cycles += d;
    if (this.systick !== null) this.systick.advance(d);
  }

  protected own(task: Task<D>): Tcb<D> {
    if (!(task instanceof Tcb) || task.owner !== this) {
      throw new SchedError("TASK_UNKNOWN", "the task does not belong to this scheduler", { task: (task as Task)?.id });
    }
    return task as Tcb<D>;
  }

  protected ownRunning(task: Task<D>): Tcb<D> {
    const t = this.own(task);
    if (t.state !== "running" || t !== this.running) this.badState(t, "block, sleep or yield");
    return t;
  }

  protected badState(t: Tcb<D>, operation: string): never {
    throw new SchedError("TASK_STATE", `cannot ${operation} task "${t.name}" in state ${t.state}`, {
      task: t.id,
      state: t.state,
      operation,
    });
  }

  protected checkPriority(p: unknown): void {
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= this.o.priorities) {
      throw new SchedError("TASK_PRIORITY", `priority must be an integer in 0..${this.o.priorities - 1}`, {
        priority: p,
      });
    }
  }

  protected checkProgram(t: Tcb<D>): void {
    const p = t.program as unknown as { next?: unknown; return?: unknown; throw?: unknown } | null;
    if (p === null || typeof p !== "object" || typeof p.next !== "function" || typeof p.return !== "function") {
      throw new SchedError("TASK_ENTRY", "entry must return a generator", { name: t.name });
    }
  }
}
