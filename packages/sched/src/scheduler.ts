import type { Core, SysTick } from "@rtos-sim/hw";
import { type Duration, type Instant, type Now, SimClock } from "./clock.js";
import { SchedError } from "./errors.js";
import { SchedEmitter, type StateCause } from "./events.js";
import { type ResolvedOptions, resolveOptions, type SchedulerOptions } from "./options.js";
import { ReadyQueue } from "./ready-queue.js";
import { type FaultReason, type SyscallRequest, type Task, type TaskEntry, type TaskState, Tcb } from "./task.js";
import { TimerHeap } from "./timer-heap.js";
import { TIMEOUT, type WaitQueue } from "./wait-queue.js";

/** Most `return()` calls spent unwinding a killed task (each `yield` inside a `finally` costs one). */
const MAX_UNWIND = 64;

/** What to create: a name, a priority, the generator function, and the kernel's per-task data. */
export interface SpawnOptions<D = unknown> {
  readonly name: string;
  /** 0 (lowest) .. priorities-1 (highest). */
  readonly priority: number;
  readonly entry: TaskEntry;
  readonly data?: D;
}

/**
 * The scheduler's decision (Tock's `next()`): run a task (with a timeslice in cycles, or
 * `"none"` when cooperative), or sleep until a cycle (null: nothing will ever wake).
 */
export type Decision<D = unknown> =
  | { readonly kind: "run"; readonly task: Task<D>; readonly timeslice: number | "none" }
  | { readonly kind: "sleep"; readonly until: number | null };

/** What one {@link Scheduler.step} did. */
export type StepResult<D = unknown> =
  /** `task` held the CPU for one slice; its `state` says how the slice ended. */
  | { readonly kind: "ran"; readonly task: Task<D> }
  /** Nothing was ready: time went from `from` to `to` (cycles). */
  | { readonly kind: "idle"; readonly from: number; readonly to: number }
  /** Nothing is ready and no timer is pending: `blocked` if some task waits forever. */
  | { readonly kind: "done"; readonly reason: "no-tasks" | "blocked" }
  | { readonly kind: "halted"; readonly reason: string };

/** Why {@link Scheduler.run} returned. */
export type RunEnd = "until" | "slices" | "no-tasks" | "blocked" | "halted";

/** Limits of a {@link Scheduler.run}. */
export interface RunOptions {
  /** Absolute simulated time to stop at (a slice in progress ends at its next syscall). Default: none. */
  readonly until?: Instant;
  /** Most slices to dispatch. Default: none. */
  readonly slices?: number;
}

/** The end of a run. */
export interface RunResult {
  readonly reason: RunEnd;
  readonly now: Now;
  /** Context switches since the scheduler was created. */
  readonly switches: number;
  /** Slices dispatched by this run. */
  readonly slices: number;
}

function describe(x: unknown): string {
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || typeof x !== "object") return String(x);
  return "an object without a string op";
}

/**
 * Cooperative (optionally time-sliced) priority scheduler for tasks written as generators.
 * Priorities 0..31 (31 highest) with round-robin inside a priority; a ready queue per priority
 * behind a bitmap; a timer heap for sleeps and timeouts; simulated time in core cycles; a
 * watchdog; faults, kills and restarts; typed events. See the package README for the kernel
 * interface (syscall handler and hooks).
 *
 * @example
 * ```ts
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
  readonly core: Core;
  private readonly o: ResolvedOptions;
  private readonly hooks: SchedulerOptions<D>;
  private readonly ready: ReadyQueue<Tcb<D>>;
  private readonly timers = new TimerHeap<Tcb<D>>();
  private readonly all: Tcb<D>[] = [];
  private readonly systick: SysTick | null;
  private lastCore: number;
  private running: Tcb<D> | null = null;
  private lastRun: Tcb<D> | null = null;
  private busy = false;
  private haltReason: string | null = null;
  private switchCount = 0;

  /** Throws `SCHED_OPTION` for a bad option. Turns on `core.countCycles` and programs SysTick (see options). */
  constructor(options: SchedulerOptions<D>) {
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

  /**
   * Tock's `next()`: expires due timers, then says which task would run now, or until when the
   * CPU would sleep. Dispatches nothing.
   */
  next(): Decision<D> {
    this.sync();
    this.expire();
    const t = this.ready.peekHighest();
    if (t !== null) {
      const ts = this.o.timesliceTicks;
      return { kind: "run", task: t, timeslice: ts === 0 ? "none" : ts * this.clock.cyclesPerTick };
    }
    const n = this.timers.peek();
    return { kind: "sleep", until: n === null ? null : n.wakeTick * this.clock.cyclesPerTick };
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
    if (this.events.listenerCount("spawn") > 0) this.events.emit("spawn", t);
    return t;
  }

  /** Moves `task` to another priority (its place in a ready or wait queue follows). */
  setPriority(task: Task<D>, priority: number): void {
    const t = this.own(task);
    this.checkPriority(priority);
    const q = t.qOwner as ReadyQueue<Tcb<D>> | null;
    if (q !== null) q.remove(t);
    t.priority = priority;
    if (q === this.ready) q.pushBack(t, priority);
    else if (q !== null && t.waitingOn !== null) q.pushBack(t, (t.waitingOn as WaitQueue<D>).levelOf(t));
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
   * {@link Scheduler.restart}. Safe from anywhere, including a memory hook inside the task's
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
    this.hooks.onFault?.(t, reason, this);
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
    t.slices = t.steps = t.syscalls = t.cycles = 0;
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

  // ---- running -----------------------------------------------------------------------------

  /**
   * One scheduling decision: dispatches the highest-priority ready task for one slice (until it
   * yields, sleeps, blocks, ends, faults, or is preempted), or, when nothing is ready, calls the
   * idle hook and jumps time to the next wake-up. Throws `RUN_REENTRANT` from inside a step.
   */
  step(): StepResult<D> {
    return this.stepWithin(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs slices until the time limit, the slice limit, `halt()`, or until no task can run.
   * Throws `DURATION` for a bad limit, `RUN_REENTRANT` from inside a step.
   */
  run(options: RunOptions = {}): RunResult {
    const limit = options.until === undefined ? Number.POSITIVE_INFINITY : this.clock.cyclesAt(options.until);
    const max = options.slices ?? Number.POSITIVE_INFINITY;
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 0)) {
      throw new SchedError("DURATION", "slices must be a non-negative integer", { slices: max });
    }
    if (this.busy) throw new SchedError("RUN_REENTRANT", "run() called from inside a step", {});
    let n = 0;
    const end = (reason: RunEnd): RunResult => ({ reason, now: this.now(), switches: this.switchCount, slices: n });
    for (;;) {
      if (this.haltReason !== null) return end("halted");
      if (this.clock.cycles >= limit) return end("until");
      if (n >= max) return end("slices");
      const r = this.stepWithin(limit);
      if (r.kind === "ran") n++;
      else if (r.kind === "done") return end(r.reason);
      else if (r.kind === "halted") return end("halted");
    }
  }

  private stepWithin(limit: number): StepResult<D> {
    if (this.busy) throw new SchedError("RUN_REENTRANT", "step() called from inside a step", {});
    if (this.haltReason !== null) return { kind: "halted", reason: this.haltReason };
    this.busy = true;
    try {
      this.sync();
      this.expire();
      const t = this.ready.popHighest();
      if (t !== null) {
        this.runSlice(t, limit);
        return { kind: "ran", task: t };
      }
      return this.idle(limit);
    } finally {
      this.busy = false;
      this.running = null;
    }
  }

  private idle(limit: number): StepResult<D> {
    const from = this.clock.cycles;
    const next = this.timers.peek();
    const due = next === null ? null : Math.max(from, next.wakeTick * this.clock.cyclesPerTick);
    const to = due === null ? null : Math.min(due, Math.max(limit, from));
    if (this.hooks.idle) {
      this.hooks.idle({ from, to }, this);
      this.sync();
      if (this.ready.size > 0) return { kind: "idle", from, to: this.clock.cycles };
    }
    if (this.events.listenerCount("idle") > 0) this.events.emit("idle", { from, to });
    if (to === null) {
      const blocked = this.all.some((t) => t.state === "blocked");
      return { kind: "done", reason: blocked ? "blocked" : "no-tasks" };
    }
    this.advance(to - from);
    return { kind: "idle", from, to };
  }

  /** One slice of `t`: steps its generator and carries out its requests until it gives up the CPU. */
  private runSlice(t: Tcb<D>, limit: number): void {
    const from = this.lastRun;
    this.setState(t, "running", "dispatch");
    this.running = t;
    t.slices++;
    if (from !== t) {
      this.switchCount++;
      if (this.o.switchCost > 0) this.advance(this.o.switchCost);
      if (this.events.listenerCount("switch") > 0)
        this.events.emit("switch", { time: this.clock.cycles, tick: this.clock.ticks, from, to: t });
    }
    this.lastRun = t;
    const h = this.hooks;
    if (h.switchIn) {
      h.switchIn(t, from, this);
      this.sync();
    }
    const start = this.clock.cycles;
    const { budgetCycles, budgetSteps, timesliceTicks } = this.o;
    let steps = 0;
    let unwinds = 0;
    while (t.state === "running") {
      if (h.beforeStep) {
        h.beforeStep(t, this);
        this.sync();
        if (t.state !== "running") break;
      }
      const prog = t.program;
      let r: IteratorResult<SyscallRequest, unknown> | null = null;
      let thrown: { error: unknown } | null = null;
      try {
        if (t.stopping) {
          unwinds++;
          r = prog.return(undefined);
        } else if (t.pendingThrow !== null) {
          const e = t.pendingThrow.error;
          t.pendingThrow = null;
          r = prog.throw(e);
        } else {
          const v = t.resumeValue;
          t.resumeValue = undefined;
          t.valueLocked = false;
          r = prog.next(v);
        }
      } catch (error) {
        thrown = { error };
      }
      steps++;
      t.steps++;
      this.sync();
      if (h.afterStep) {
        h.afterStep(t, this);
        this.sync();
      }
      if (t.state !== "running" || t.program !== prog) break;
      if (t.stopping) {
        if (thrown !== null || r!.done || unwinds >= MAX_UNWIND) {
          t.stopping = false;
          this.setState(t, "stopped", "stop");
        }
        continue;
      }
      if (thrown !== null) {
        this.fault(t, {
          kind: "uncaught",
          message: `task "${t.name}" threw ${describe(thrown.error)}`,
          error: thrown.error,
        });
        break;
      }
      if (r!.done) {
        t.exitValue = r!.value;
        this.setState(t, "stopped", "exit");
        break;
      }
      if (budgetCycles > 0 || budgetSteps > 0) {
        const used = this.clock.cycles - start;
        if ((budgetCycles > 0 && used > budgetCycles) || (budgetSteps > 0 && steps > budgetSteps)) {
          this.watchdog(t, used, steps);
          break;
        }
      }
      const value = this.syscall(t, r!.value);
      this.sync();
      if (!t.valueLocked) t.resumeValue = value;
      if (t.state !== "running") break;
      if (this.haltReason !== null || this.clock.cycles >= limit) {
        this.setState(t, "ready", "preempt");
        this.ready.pushFront(t, t.priority);
        break;
      }
      if (timesliceTicks > 0 && this.preempts(t, start)) {
        this.toReady(t, "preempt", false);
        break;
      }
    }
    if (h.switchOut) {
      h.switchOut(t, this);
      this.sync();
    }
  }

  /** Time-sliced mode: a higher priority is ready, or the slice is used up and a peer is ready. */
  private preempts(t: Tcb<D>, start: number): boolean {
    this.expire();
    const top = this.ready.highestLevel();
    if (top > t.priority) return true;
    return top === t.priority && this.clock.cycles - start >= this.o.timesliceTicks * this.clock.cyclesPerTick;
  }

  private watchdog(t: Tcb<D>, used: number, steps: number): void {
    const bc = this.o.budgetCycles;
    const bs = this.o.budgetSteps;
    const over = bc > 0 && used > bc ? `${used} cycles (budget ${bc})` : `${steps} steps (budget ${bs})`;
    const message = `watchdog: task "${t.name}" ran ${over} without yielding the CPU`;
    if (this.events.listenerCount("watchdog") > 0) {
      this.events.emit("watchdog", {
        time: this.clock.cycles,
        tick: this.clock.ticks,
        task: t,
        cycles: used,
        steps,
        budgetCycles: bc > 0 ? bc : null,
        budgetSteps: bs > 0 ? bs : null,
        message,
      });
    }
    this.fault(t, { kind: "watchdog", message });
  }

  /** Carries out one request: the built-in `yield` and `sleep`, else the kernel's handler. */
  private syscall(t: Tcb<D>, req: unknown): unknown {
    if (req === null || typeof req !== "object" || typeof (req as SyscallRequest).op !== "string") {
      this.fault(t, {
        kind: "bad-syscall",
        message: `task "${t.name}" yielded ${describe(req)}, not a syscall request`,
      });
      return undefined;
    }
    const request = req as SyscallRequest;
    t.syscalls++;
    if (this.o.syscallCost > 0) this.advance(this.o.syscallCost);
    if (this.events.listenerCount("syscall") > 0)
      this.events.emit("syscall", { time: this.clock.cycles, tick: this.clock.ticks, task: t, request });
    const op = request.op;
    if (op === "yield") {
      this.toReady(t, "yield", false);
      return undefined;
    }
    if (op === "sleep") {
      let ticks: number;
      try {
        ticks = this.clock.ticksFor(request as unknown as Duration);
      } catch (error) {
        this.fault(t, { kind: "bad-syscall", message: `task "${t.name}": ${(error as Error).message}`, error });
        return undefined;
      }
      this.sleepTicks(t, ticks);
      return undefined;
    }
    const handler = this.hooks.syscall;
    if (!handler) {
      this.fault(t, {
        kind: "unknown-syscall",
        message: `task "${t.name}" made unknown syscall ${JSON.stringify(op)}`,
      });
      return undefined;
    }
    try {
      return handler(t, request, this);
    } catch (error) {
      if (t.state !== "faulted" && t.state !== "stopped") {
        this.fault(t, {
          kind: "syscall-error",
          message: `syscall ${JSON.stringify(op)} failed: ${describe(error)}`,
          error,
        });
      }
      return undefined;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Wakes every timer due at the current tick, in (wake tick, insertion) order. */
  private expire(): void {
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

  private sleepTicks(t: Tcb<D>, ticks: number): void {
    if (ticks === 0) {
      this.toReady(t, "yield", false);
      return;
    }
    this.setState(t, "sleeping", "sleep");
    this.timers.insert(t, this.clock.ticks + ticks);
  }

  private toReady(t: Tcb<D>, cause: StateCause, front: boolean, wakeTick?: number): void {
    this.setState(t, "ready", cause, wakeTick);
    if (front) this.ready.pushFront(t, t.priority);
    else this.ready.pushBack(t, t.priority);
  }

  /** Takes `t` out of the ready queue or wait queue and the timer heap. */
  private detach(t: Tcb<D>): void {
    (t.qOwner as ReadyQueue<Tcb<D>> | null)?.remove(t);
    this.timers.remove(t);
    t.waitingOn = null;
  }

  private setState(t: Tcb<D>, to: TaskState, cause: StateCause, wakeTick?: number): void {
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
  private sync(): void {
    const c = this.core.cycles;
    const d = c - this.lastCore;
    this.lastCore = c;
    if (d > 0) this.advance(d);
  }

  private advance(d: number): void {
    this.clock.cycles += d;
    if (this.running !== null) this.running.cycles += d;
    if (this.systick !== null) this.systick.advance(d);
  }

  private own(task: Task<D>): Tcb<D> {
    if (!(task instanceof Tcb) || task.owner !== this) {
      throw new SchedError("TASK_UNKNOWN", "the task does not belong to this scheduler", { task: (task as Task)?.id });
    }
    return task as Tcb<D>;
  }

  private ownRunning(task: Task<D>): Tcb<D> {
    const t = this.own(task);
    if (t.state !== "running" || t !== this.running) this.badState(t, "block, sleep or yield");
    return t;
  }

  private badState(t: Tcb<D>, operation: string): never {
    throw new SchedError("TASK_STATE", `cannot ${operation} task "${t.name}" in state ${t.state}`, {
      task: t.id,
      state: t.state,
      operation,
    });
  }

  private checkPriority(p: unknown): void {
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= this.o.priorities) {
      throw new SchedError("TASK_PRIORITY", `priority must be an integer in 0..${this.o.priorities - 1}`, {
        priority: p,
      });
    }
  }

  private checkProgram(t: Tcb<D>): void {
    const p = t.program as unknown as { next?: unknown; return?: unknown; throw?: unknown } | null;
    if (p === null || typeof p !== "object" || typeof p.next !== "function" || typeof p.return !== "function") {
      throw new SchedError("TASK_ENTRY", "entry must return a generator", { name: t.name });
    }
  }
}
