import type { Duration, SimClock } from "./clock.js";
import { SchedError } from "./errors.js";
import type { SchedEmitter, StateCause } from "./events.js";
import { resolveBudgets, type StateHook, shape, type WatchdogOptions } from "./options.js";
import { ReadyQueue } from "./ready-queue.js";
import { type FaultReason, type Task, type TaskEntry, type TaskState, Tcb } from "./task.js";
import { TimerHeap } from "./timer-heap.js";
import { TIMEOUT, type WaitQueue } from "./wait-queue.js";

/** What to create: a name, a priority, the generator function, and the kernel's per-task data. */
export interface SpawnOptions<D = unknown> {
  /** Name shown in events, traces and reports (converted with `String`; need not be unique). */
  readonly name: string;
  /** 0 (lowest) .. priorities-1 (highest). */
  readonly priority: number;
  /**
   * The generator function, called at spawn and at each restart (`TASK_ENTRY` if it is not a function or returns no
   * generator).
   */
  readonly entry: TaskEntry;
  /** The kernel's per-task data, handed back as `task.data`. Default undefined. */
  readonly data?: D | undefined;
  /**
   * This task's watchdog budgets instead of the scheduler's `watchdog` option (a per-task
   * execution budget, as AUTOSAR OS timing protection gives each task its own). `{}` gives the
   * task no budget. Default: the scheduler's.
   */
  readonly watchdog?: WatchdogOptions | undefined;
}

/** What a {@link TaskTable} is built from; the {@link Scheduler} hands it its own clock and emitter. */
export interface TaskTableOptions<D> {
  /** Number of priority levels (already validated). */
  readonly priorities: number;
  readonly clock: SimClock;
  readonly events: SchedEmitter;
  /** Called after a task entered `faulted` (the scheduler passes the `onFault` option on). */
  readonly onFault: (task: Task<D>, reason: FaultReason) => void;
  /** Called at every change of state, before the `state` event (the `onState` option), or null. */
  readonly onState?: StateHook<D> | null;
  /** Called by every restart before the fresh generator (the `beforeRestart` option), or null. */
  readonly beforeRestart?: ((task: Task<D>) => void) | null;
}

/**
 * The scheduler's task table: it owns the task control blocks, the ready lists, the timer heap
 * and the running task, and carries out every change of a task's state (spawn, sleep, block,
 * wake, fault, stop, restart), emitting the `state`, `spawn` and `fault` events. It decides
 * nothing and runs no task code: the {@link Dispatcher} picks tasks and runs their slices, the
 * {@link Scheduler} is the public face of both. Not exported from the package.
 */
export class TaskTable<D = unknown> {
  /** Ready tasks, one FIFO list per priority. */
  readonly ready: ReadyQueue<Tcb<D>>;
  /** Sleepers and waits with a timeout, by (wake tick, insertion). */
  readonly timers = new TimerHeap<Tcb<D>>();
  /** Every task, in spawn order (id - 1). */
  readonly all: Tcb<D>[] = [];
  readonly priorities: number;
  private readonly clock: SimClock;
  private readonly events: SchedEmitter;
  private readonly onFault: (task: Task<D>, reason: FaultReason) => void;
  private readonly onState: StateHook<D> | null;
  private readonly beforeRestart: ((task: Task<D>) => void) | null;
  private runningTcb: Tcb<D> | null = null;

  constructor(options: TaskTableOptions<D>) {
    this.priorities = options.priorities;
    this.clock = options.clock;
    this.events = options.events;
    this.onFault = options.onFault;
    this.onState = options.onState ?? null;
    this.beforeRestart = options.beforeRestart ?? null;
    this.ready = new ReadyQueue<Tcb<D>>(options.priorities);
  }

  /** The task holding the CPU (inside a slice), else null. */
  get running(): Tcb<D> | null {
    return this.runningTcb;
  }

  // ---- tasks -------------------------------------------------------------------------------

  /** See {@link Scheduler.spawn}. */
  spawn(options: SpawnOptions<D>): Tcb<D> {
    if (typeof options !== "object" || options === null) {
      throw new SchedError("SCHED_OPTION", "spawn: the options must be an object { name, priority, entry }", {
        option: "spawn",
        value: shape(options),
      });
    }
    this.checkPriority(options.priority);
    if (typeof options.entry !== "function") {
      throw new SchedError("TASK_ENTRY", "entry must be a generator function", { name: options.name });
    }
    const budgets = options.watchdog === undefined ? null : resolveBudgets(options.watchdog, "spawn watchdog");
    const t = new Tcb<D>(
      this,
      this.all.length + 1,
      String(options.name),
      options.priority,
      options.entry,
      options.data as D,
    );
    t.budgets = budgets;
    this.checkProgram(t);
    this.all.push(t);
    this.ready.pushBack(t, t.priority);
    if (this.events.listenerCount("spawn") > 0) {
      this.events.emit("spawn", { time: this.clock.cycles, tick: this.clock.ticks, task: t });
    }
    return t;
  }

  /** See {@link Scheduler.setPriority}. */
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

  /** See {@link Scheduler.yield}. */
  yield(task: Task<D>): void {
    const t = this.ownRunning(task);
    this.toReady(t, "yield", false);
  }

  /** See {@link Scheduler.sleep}. */
  sleep(task: Task<D>, d: Duration): void {
    const t = this.ownRunning(task);
    this.sleepTicks(t, this.clock.ticksFor(d));
  }

  /** See {@link Scheduler.sleepUntil}. */
  sleepUntil(task: Task<D>, tick: number): void {
    const t = this.ownRunning(task);
    this.clock.cyclesAt({ ticks: tick }); // DURATION unless a non-negative integer
    // The range check is the sleep's from now (ticksFor adds its duration to the current tick).
    this.sleepTicks(t, this.clock.ticksFor({ ticks: Math.max(0, tick - this.clock.ticks) }));
  }

  /** See {@link Scheduler.wake}. */
  wake(task: Task<D>, value?: unknown): void {
    const t = this.own(task);
    if (t.state !== "sleeping" && t.state !== "blocked") this.badState(t, "wake");
    this.detach(t);
    t.resumeValue = value;
    t.valueLocked = true;
    this.toReady(t, "wake", false);
  }

  /** See {@link Scheduler.fault}. */
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
    this.onFault(t, reason);
  }

  /**
   * Leaves the running `t` faulted with `reason` when a hook threw (a kernel bug): it must not
   * stay `running`. No `fault` event and no `onFault` call: the exception goes on to the caller.
   */
  abandon(t: Tcb<D>, reason: FaultReason): void {
    this.detach(t);
    t.fault = reason;
    this.setState(t, "faulted", "fault");
  }

  /** See {@link Scheduler.stop}. */
  stop(task: Task<D>, options: { readonly unwind?: boolean | undefined } = {}): void {
    const t = this.own(task);
    // null was a TypeError; `{ unwind: "no" }` unwound.
    const unwind = typeof options === "object" && options !== null ? options.unwind : null;
    if (unwind !== undefined && typeof unwind !== "boolean") {
      throw new SchedError("SCHED_OPTION", "stop: the options must be { unwind?: boolean }", {
        option: "stop",
        value: typeof options === "object" && options !== null ? shape(unwind) : shape(options),
      });
    }
    if (t.state === "stopped" || t.stopping) return;
    if (t.state === "faulted" || options.unwind === false) {
      this.detach(t);
      this.setState(t, "stopped", "stop");
      return;
    }
    t.stopping = true;
    t.pendingThrow = null;
    if (t === this.runningTcb && t.state === "running") return;
    this.detach(t);
    this.setState(t, "ready", "stop");
    this.ready.pushFront(t, t.priority);
  }

  /** See {@link Scheduler.throwInto}. */
  throwInto(task: Task<D>, error: unknown): void {
    const t = this.own(task);
    if (t.state === "faulted" || t.state === "stopped" || t.stopping) this.badState(t, "throwInto");
    t.pendingThrow = { error };
    if (t.state === "sleeping" || t.state === "blocked") {
      this.detach(t);
      this.toReady(t, "throw", false);
    }
  }

  /** See {@link Scheduler.restart}. */
  restart(task: Task<D>): void {
    const t = this.own(task);
    if (t.state !== "faulted" && t.state !== "stopped") this.badState(t, "restart");
    this.beforeRestart?.(t);
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

  // ---- wait queues -------------------------------------------------------------------------

  /** Blocks the running task on `q` (see {@link WaitQueue.block}). */
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

  /** Wakes the first waiter of `q` (see {@link WaitQueue.wakeOne}). */
  wakeFrom(q: WaitQueue<D>, value: unknown): Task<D> | null {
    const t = q.lists.popHighest();
    if (t === null) return null;
    this.timers.remove(t);
    t.waitingOn = null;
    t.resumeValue = value;
    this.toReady(t, "wake", false);
    return t;
  }

  // ---- for the dispatcher ------------------------------------------------------------------

  /** `t` (just taken from the ready lists) gets the CPU: `running`, cause `dispatch`. */
  dispatch(t: Tcb<D>): void {
    this.setState(t, "running", "dispatch");
    this.runningTcb = t;
  }

  /** `t`, paused by a run's time limit and still `running`, holds the CPU again (no state change). */
  resume(t: Tcb<D>): void {
    this.runningTcb = t;
  }

  /** No task holds the CPU any more (the end of a step). */
  release(): void {
    this.runningTcb = null;
  }

  /** Wakes every timer due at the current tick, in (wake tick, insertion) order. */
  expire(): void {
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

  /** The running `t` sleeps `ticks` ticks (0 is a yield). */
  sleepTicks(t: Tcb<D>, ticks: number): void {
    if (ticks === 0) {
      this.toReady(t, "yield", false);
      return;
    }
    this.setState(t, "sleeping", "sleep");
    this.timers.insert(t, this.clock.ticks + ticks);
  }

  /** Makes `t` ready, at the front or the back of its priority's list. */
  toReady(t: Tcb<D>, cause: StateCause, front: boolean, wakeTick?: number): void {
    this.setState(t, "ready", cause, wakeTick);
    if (front) this.ready.pushFront(t, t.priority);
    else this.ready.pushBack(t, t.priority);
  }

  /** Changes `t`'s state, tells the `onState` hook, and emits the `state` event (when someone listens). */
  setState(t: Tcb<D>, to: TaskState, cause: StateCause, wakeTick?: number): void {
    const from = t.state;
    t.state = to;
    const hook = this.onState;
    const listened = this.events.watched.state && this.events.listenerCount("state") > 0;
    if (hook === null && !listened) return;
    // The event's time is the change's, whatever the hook charges (a SysTick wake does).
    const time = this.clock.cycles;
    if (hook !== null) hook(t, from, to, cause, time, wakeTick);
    if (listened) {
      const tick = Math.floor(time / this.clock.cyclesPerTick); // SimClock.ticks at `time`
      this.events.emit(
        "state",
        wakeTick === undefined
          ? { time, tick, task: t, from, to, cause }
          : { time, tick, task: t, from, to, cause, wakeTick },
      );
    }
  }

  /** Whether some task waits on a queue (a run that ends then ends `blocked`). */
  anyBlocked(): boolean {
    return this.all.some((t) => t.state === "blocked");
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Takes `t` out of the ready queue or wait queue and the timer heap. */
  private detach(t: Tcb<D>): void {
    (t.qOwner as ReadyQueue<Tcb<D>> | null)?.remove(t);
    this.timers.remove(t);
    t.waitingOn = null;
  }

  private own(task: Task<D>): Tcb<D> {
    if (!(task instanceof Tcb) || task.owner !== this) {
      throw new SchedError("TASK_UNKNOWN", "the task does not belong to this scheduler", { task: (task as Task)?.id });
    }
    return task as Tcb<D>;
  }

  private ownRunning(task: Task<D>): Tcb<D> {
    const t = this.own(task);
    if (t.state !== "running" || t !== this.runningTcb) this.badState(t, "block, sleep or yield");
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
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= this.priorities) {
      throw new SchedError("TASK_PRIORITY", `priority must be an integer in 0..${this.priorities - 1}`, {
        priority: p,
      });
    }
  }

  private checkProgram(t: Tcb<D>): void {
    const p: unknown = t.program;
    if (
      p === null ||
      typeof p !== "object" ||
      !("next" in p) ||
      typeof p.next !== "function" ||
      !("return" in p) ||
      typeof p.return !== "function"
    ) {
      throw new SchedError("TASK_ENTRY", "entry must return a generator", { name: t.name });
    }
  }
}
